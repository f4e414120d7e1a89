"""Which [[sections]] entry of newsletter.toml a headline or a story card goes under.

An item belongs to the first section, in newsletter.toml's order, that names its
source (a file, a glob, a folder or a feed URL, relative to the workspace) or one of
its tags.  An item in none stays where it was: cards under the lead, headlines under
More headlines.  Related headlines stay under Related whatever their section.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from newsletter.config import SectionSettings
from newsletter.web_address import without_address_secrets

_ENTRY = re.compile(r"(#\d+|:\d+)$")  # feed entry `x.xml#3`, seed line `x.txt:12`


def source_origin(source: str) -> str:
    """The file or URL an item came from, without its entry number or line."""
    return _ENTRY.sub("", source)


def section_of(
    source: str,
    tags: Sequence[str],
    sections: Sequence[SectionSettings],
    workspace: Path,
    feed_names: Mapping[str, str] | None = None,
) -> str:
    """The name of the first section that takes an item with this source and these tags.

    `feed_names` (`Sources.feed_names`) gives each feed URL the build read the name its items
    carry (masked, told apart): a section's URL matches that name alone, so of two feeds at
    one address with different tokens it takes its own; without them, the URL masked."""
    origin = source_origin(source)
    names = feed_names if feed_names is not None else {}
    folded = {t.casefold() for t in tags}
    for section in sections:
        if folded & {t.casefold() for t in section.tags}:
            return section.name
        if any(_matches(origin, pattern, workspace, names) for pattern in section.sources):
            return section.name
    return ""


def _matches(origin: str, pattern: str, workspace: Path, names: Mapping[str, str]) -> bool:
    if pattern.startswith(("http://", "https://")) or origin.startswith(("http://", "https://")):
        if names:  # the build's own names: a feed it did not read matches none of them
            return origin == names.get(pattern, pattern)
        return origin in (pattern, without_address_secrets(pattern))  # a feed's token masked
    path = _absolute(Path(origin), Path.cwd())
    target = _absolute(Path(pattern), workspace)
    if not any(c in pattern for c in "*?["):
        return path == target or target in path.parents  # a file, or a folder and all below
    return fnmatch.fnmatchcase(path.as_posix(), target.as_posix())


def _absolute(path: Path, base: Path) -> Path:
    p = path.expanduser()
    p = p if p.is_absolute() else base / p
    try:
        return p.resolve()
    except OSError:
        return p
