"""`newsletter templates copy`: the default templates into the workspace's templates/ to edit.

Never overwrites: a file already there is the editor's (perhaps edited) and is kept; only
the missing ones are written.  Each file is written whole under a temporary name and
linked into place, which fails if the name appeared meanwhile (a second copy running,
an editor saving): a half-written template never shadows the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import TemplateError, display_path
from newsletter.render.templates import (
    CSS_FILE,
    HTML_TEMPLATE,
    TEXT_TEMPLATE,
    WELCOME_HTML,
    WELCOME_TEXT,
    default_templates_dir,
)

TEMPLATE_FILES = (HTML_TEMPLATE, TEXT_TEMPLATE, CSS_FILE, WELCOME_HTML, WELCOME_TEXT)


@dataclass(frozen=True, slots=True)
class TemplateCopy:
    """What a copy did: the files written, and those kept because they were already there."""

    folder: Path
    copied: tuple[Path, ...]
    kept: tuple[Path, ...]
    is_default: bool = False  # the folder *is* the packaged defaults (this repository)


def copy_default_templates(workspace: Path) -> TemplateCopy:
    """Copy each default template missing from `workspace/templates/`; never overwrite one."""
    source = default_templates_dir().resolve()
    folder = workspace / "templates"
    if folder.resolve() == source:
        return TemplateCopy(folder, (), tuple(folder / n for n in TEMPLATE_FILES), is_default=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TemplateError(f"{display_path(folder)}/: cannot create ({e.strerror})") from None
    copied: list[Path] = []
    kept: list[Path] = []
    for name in TEMPLATE_FILES:
        target = folder / name
        if target.exists() or target.is_symlink():
            kept.append(target)
            continue
        if _write_new(target, (source / name).read_bytes()):
            copied.append(target)
        else:
            kept.append(target)
    return TemplateCopy(folder, tuple(copied), tuple(kept))


def _write_new(target: Path, data: bytes) -> bool:
    """Write `target` whole, only if it does not exist; False when someone made it first."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        return True
    except OSError as e:
        raise TemplateError(
            f"{display_path(target)}: cannot write ({e.strerror}); nothing was overwritten"
        ) from None
    finally:
        temporary.unlink(missing_ok=True)
