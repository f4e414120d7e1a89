"""The week's sources as newsletter.toml names them once: `sources = ["seeds/", "feeds/*.xml"]`.

Paths and globs are relative to the workspace (not the folder a command runs from), so
`newsletter run` from cron reads what the editor named. A feed URL stays a URL: the build
fetches it, with the deadline and size cap of [limits], because the editor named it here.
A glob that matches nothing is a warning, not a stop: a week without a feed file is normal.
"""

from __future__ import annotations

import datetime as dt
import glob
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings, setting_where
from newsletter.control_chars import quoted
from newsletter.errors import SourceError, display_path
from newsletter.models import Sources
from newsletter.sources import FEED_SUFFIXES, source_files
from newsletter.web_address import without_address_secrets

DEFAULT_SOURCES = ("seeds",)
_GLOB_CHARS = frozenset("*?[")


def is_url(source: str) -> bool:
    """A feed address rather than a path."""
    return source.startswith(("http://", "https://"))


def named_sources(settings: Settings) -> tuple[list[str], tuple[str, ...]]:
    """The sources newsletter.toml names (default seeds/), globs expanded; and warnings."""
    found: list[str] = []
    warnings: list[str] = []
    for source in settings.sources or DEFAULT_SOURCES:
        if is_url(source):
            found.append(source)
            continue
        path = settings.path(source)
        if _GLOB_CHARS & set(source):
            matches = _matches(settings, source)
            if not matches:
                warnings.append(_no_match(settings, source))
            found.extend(matches)
        else:
            if settings.sources and not path.exists():
                raise _missing(settings, source)
            found.append(str(path))
    return found, (*warnings, *_unnamed_feed_folders(settings, found))


# The workspace's folders the tool fills itself: their feeds (samples/world.xml, the archive's
# feed.xml) are never the week's news.
_TOOL_FOLDERS = ("issues", "samples", "templates")


def _unnamed_feed_folders(settings: Settings, found: Sequence[str]) -> list[str]:
    """A warning for each folder of the workspace whose feed files no source reads.

    A new user put the week's feed in feeds/ and built with the default sources (seeds/):
    Related came out empty, and nothing said why.  A folder some of whose files a source
    reads (`feeds/world*.xml`) is the editor's choice, and says nothing."""
    read = {path.resolve() for path in source_paths(found)}
    own = {settings.path(name).resolve() for name in (*_TOOL_FOLDERS, settings.archive.out)}
    try:
        folders = sorted(p for p in settings.workspace.iterdir() if p.is_dir())
    except OSError:
        return []
    warnings: list[str] = []
    for folder in folders:
        if folder.name.startswith((".", "_")) or folder.resolve() in own:
            continue
        try:
            files = source_files(folder)
        except OSError:  # unreadable (a folder of another user's): not the editor's feeds
            continue
        feeds = [p.name for p in files if p.suffix.lower() in FEED_SUFFIXES]
        if not feeds or any(p.resolve() in read for p in files):
            continue
        named = " ".join(_as_written(settings, s) for s in settings.sources or DEFAULT_SOURCES)
        shown = ", ".join(feeds[:3]) + (", …" if len(feeds) > 3 else "")
        plural = "s" if len(feeds) > 1 else ""
        warnings.append(  # a file saved under its address's name (`feed?token=…`) too
            without_address_secrets(
                f"{folder.name}/: {len(feeds)} feed file{plural} no source names ({shown}), "
                f'left out; add "{folder.name}/" to sources in newsletter.toml, or name it: '
                f"newsletter build {named} {folder.name}/"
            )
        )
    return warnings


def _as_written(settings: Settings, source: str) -> str:
    """A source as a command line would name it: a folder with its trailing slash."""
    if is_url(source) or source.endswith("/") or not settings.path(source).is_dir():
        return source
    return source + "/"


def _matches(settings: Settings, source: str) -> list[str]:
    """The files a glob in `sources` matches, in order.  Only `source` is a pattern: the
    workspace's own path is not (a folder named `ws [draft]` read `[draft]` as a class and
    the week's feeds were left out)."""
    pattern = str(Path(source).expanduser())
    found = glob.glob(pattern, root_dir=settings.workspace)
    return sorted(str(settings.workspace / match) for match in found)


def _no_match(settings: Settings, source: str) -> str:
    """The warning for a glob that matches nothing, at newsletter.toml's `sources` line.

    An empty week is normal (`feeds/*.xml` with no feed yet); a glob whose folder is not there
    at all (`feed/*.xml` for `feeds/`) is most likely a typo, and says so (a new user's
    misspelt folder read "matches no file in .", and the week's feed was quietly left out).
    """
    written = Path(source).expanduser()
    folder = settings.path(str(Path(*written.parts[: _fixed_parts(written)])))
    where_ = setting_where(settings, "sources")
    if not folder.is_dir():
        return (
            f"{where_}: sources: {_shown(source)}: there is no folder "
            f"{display_path(folder)}; fix the path there (it is relative to the folder of "
            "newsletter.toml), or take it out of sources"
        )
    return f"{where_}: sources: {_shown(source)} matches no file in {display_path(folder)}"


def _shown(source: str) -> str:
    """A source quoted in a message, its password or token masked before it is cut short
    (`HTTPS://news:hunter2@…` is read as a path, and a cut before `@` left it whole)."""
    return quoted(without_address_secrets(source))


def _fixed_parts(path: Path) -> int:
    """How many leading parts of `path` hold no glob character."""
    for count, part in enumerate(path.parts):
        if _GLOB_CHARS & set(part):
            return count
    return len(path.parts)


def _missing(settings: Settings, source: str) -> SourceError:
    """The error for a path `sources` names that is not there: it names newsletter.toml's
    line, since that is where the fix goes (the file's own path alone read as a typo on the
    command line, which was not given one)."""
    return SourceError(
        f"{setting_where(settings, 'sources')}: sources: {_shown(source)}: no such file or folder; "
        "fix the path there (it is relative to the folder of newsletter.toml), "
        "or take it out of sources"
    )


def source_paths(sources: Iterable[str]) -> list[Path]:
    """The local files the sources stand for (a folder's files, directly inside it)."""
    files: list[Path] = []
    for source in sources:
        if is_url(source):
            continue
        path = Path(source)
        if path.is_dir():
            files.extend(source_files(path))
        elif path.is_file():
            files.append(path)
    return files


@dataclass(frozen=True, slots=True)
class Newest:
    """The newest date the sources carry: its day, where it was seen, and, when it is a file's
    saving, the moment (UTC) it was saved (an entry's date says only its day)."""

    day: dt.date
    where: str
    saved: dt.datetime | None = None


def newest_date(sources: Sequence[str], loaded: Sources) -> Newest | None:
    """The newest date the sources carry: a story's or entry's date, or a file's modification
    day for a seed or story file (a feed's entries carry their own dates).  On a tie between
    an entry's day and a file's, the entry wins (nothing finer can be said of it); among files
    of one day, the one saved last."""
    dated: list[tuple[dt.date, int, float, str]] = [
        (story.date, 1, 0.0, story.source) for story in loaded.stories if story.date is not None
    ]
    dated += [(h.date, 1, 0.0, h.source) for h in loaded.headlines if h.date is not None]
    for path in source_paths(sources):
        if path.suffix.lower() in FEED_SUFFIXES:
            continue  # a feed file is new each fetch: its entries' dates say how old it is
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        dated.append((dt.date.fromtimestamp(mtime), 0, mtime, display_path(path)))
    if not dated:
        return None
    day, is_entry, mtime, where_ = max(dated, key=lambda d: d[:3])
    saved = None if is_entry else dt.datetime.fromtimestamp(mtime, dt.UTC)
    return Newest(day, where_, saved)
