"""A built issue on disk: issues/<id>/ with its manifest, web version and messages.

    issue.toml    the manifest (editable; `newsletter build issues/<id>` renders from it)
    index.html    the web version, also the archive page
    index.txt     the plain-text version
    message.eml   the email exactly as a reader receives it
    merge.eml     the same email with merge tags: what `newsletter send` personalises
    merge.empty=name.eml   the same for readers without a name, when the templates ask
                  (`{% if subscriber.name %}`): one file per combination of empty fields
    built-with.json   the subject and preheader as built, the shared settings (From,
                  List-Id, base_url...) the messages carry, and the SHA-256 of issue.toml
                  and each merge*.eml: a send refuses when any of them changed
    .manifest-hashes  issue.toml as built, last rendered and sent (issue/guard.py)

The folder appears whole or not at all: files are written to a temporary
sibling which is then renamed into place.  Anything else already in the folder
(a dry run's outbox/, or the manifest itself when re-rendering in place) is
carried over by rename, untouched.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from newsletter.errors import OutputError, display_path
from newsletter.issue.build_record import BUILD_RECORD_NAME
from newsletter.issue.manifest import MANIFEST_NAME, RECORD_NAME
from newsletter.out_folder import require_parent_folder

# The ranking as built (issue/editor_edits.py): what the editor's edits are measured against.
RANKING_RECORD_NAME = ".built-ranking.json"
ISSUE_FILES = (
    MANIFEST_NAME,
    RECORD_NAME,
    BUILD_RECORD_NAME,
    RANKING_RECORD_NAME,
    "index.html",
    "index.txt",
    "message.eml",
    "merge.eml",
)
_MERGE_VARIANT = re.compile(r"^merge\.empty=([A-Za-z0-9_.+-]+)\.eml$")


def merge_file_name(empty: frozenset[str]) -> str:
    """merge.eml, or the variant for readers whose `empty` fields are empty."""
    return f"merge.empty={'+'.join(sorted(empty))}.eml" if empty else "merge.eml"


def merge_variant_files(folder: Path) -> list[tuple[frozenset[str], Path]]:
    """The merge.empty=*.eml files of a built issue, with the fields each is for."""
    found = []
    for path in sorted(folder.glob("merge.empty=*.eml")):
        empty = merge_variant_fields(path.name)
        if empty is not None:
            found.append((empty, path))
    return found


def merge_variant_fields(name: str) -> frozenset[str] | None:
    """The empty fields a merge.empty=*.eml file name is for; None for any other name."""
    m = _MERGE_VARIANT.match(name)
    return frozenset(m.group(1).split("+")) if m else None


def is_issue_folder(path: Path) -> bool:
    """True for a folder that holds a manifest."""
    return path.is_dir() and (path / MANIFEST_NAME).is_file()


def check_out_folder(out: Path, workspace: Path) -> None:
    """OutputError unless `out` (a build's --out) lies inside the workspace, in a folder that
    exists (issues/, which the default build makes, counts as one: out_folder.py says why).

    An issue folder belongs to the workspace above it: every command that takes one finds
    its newsletter.toml by walking up.  One written elsewhere (`/etc/x`, `../x`, a link
    out) would be a folder no command can use, and a build must touch nothing outside.
    """
    home = workspace.resolve()
    if not out.resolve().is_relative_to(home):
        raise OutputError(
            f"--out {display_path(out)}: outside the workspace ({home}); an issue "
            "folder lives in its workspace (its commands find newsletter.toml above it): "
            "choose a folder inside it, e.g. issues/<name>"
        )
    require_parent_folder(out, "--out", own=workspace / "issues")


def write_issue_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write the files as `folder`, replacing a previous build of it in one rename."""
    shown = display_path(folder)
    if folder.is_symlink():  # the swap would replace the link, taking the files it points to
        raise OutputError(
            f"{shown}: a symbolic link (to {os.readlink(folder)}); build the folder it points "
            "to, not the link"
        )
    if (
        folder.exists()
        and not is_issue_folder(folder)
        and (not folder.is_dir() or any(folder.iterdir()))
    ):
        raise OutputError(f"{shown}: exists and is not an issue folder; choose another --out")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = _sibling(folder, "tmp")
        staging.mkdir(mode=0o755)
    except OSError as e:
        raise OutputError(
            f"{display_path(parent)}: cannot write here ({e.strerror}); choose another --out"
        ) from None
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        _swap_into_place(staging, folder)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            f"{shown}: cannot write the issue ({e.strerror}); nothing was changed"
        ) from None


def _sibling(folder: Path, kind: str) -> Path:
    """A hidden, unique name beside the folder (os.urandom: `tempfile` costs a cold start 25 ms)."""
    return folder.with_name(f".{folder.name}.{kind}-{os.urandom(4).hex()}")


def _swap_into_place(staging: Path, folder: Path) -> None:
    if not folder.exists():
        staging.rename(folder)
        return
    previous = _sibling(folder, "old")
    folder.rename(previous)
    try:
        staging.rename(folder)
    except OSError:
        previous.rename(folder)
        raise
    for entry in previous.iterdir():  # keep what this build does not make (outbox/, notes)
        if _MERGE_VARIANT.match(entry.name):
            continue  # a variant of the previous render: this build made its own, or none
        if not (folder / entry.name).exists():
            entry.rename(folder / entry.name)
    shutil.rmtree(previous, ignore_errors=True)
