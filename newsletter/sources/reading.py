"""Read a source file, or fail with a message that names the file and what to do."""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path

from newsletter.control_chars import control_line, quoted, source_text, visible
from newsletter.errors import SourceError, display_path, where
from newsletter.sources.feed_bounds import is_wide_unicode


def read_bytes(path: Path, *, wide_unicode: bool = False) -> bytes:
    """Return the file's bytes; missing, unreadable, binary and empty files are `SourceError`s.

    A FIFO or a device is refused before it is opened: opening a FIFO waits for a writer,
    and reading /dev/zero never ends (a folder's scan leaves them out already).
    `wide_unicode`: a feed in UTF-16 or UTF-32, with a byte-order mark or without one
    (feed_bounds.is_wide_unicode: the same rule a feed fetched from a URL is read by), is
    text, not binary: its NUL bytes are half its characters.
    """
    if path.exists() and not path.is_dir() and not path.is_file():
        raise SourceError(
            f"{where(path)}: not a regular file (a FIFO or a device); give a story or feed file"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{where(path)}: no such file; check the path{near_miss(path)}") from None
    except IsADirectoryError:
        raise SourceError(f"{where(path)}: is a folder, not a file") from None
    except OSError as e:
        raise SourceError(f"{where(path)}: cannot read ({e.strerror})") from None
    if b"\x00" in data[:8192] and not (wide_unicode and is_wide_unicode(data)):
        raise SourceError(
            f"{where(path)}: looks like a binary file, not text; remove it from the sources"
        )
    if not data.strip():
        raise SourceError(f"{where(path)}: the file is empty; add a story or remove the file")
    return data


def read_text(path: Path) -> str:
    """Return the file's UTF-8 text with a BOM removed and newlines normalised to `\\n`.

    Invisible characters (bidi embeddings, overrides and isolates, zero-width spaces, soft
    hyphens, fillers) and private-use ones (U+F8FF: control_chars.source_text) go here, before
    the emptiness check, so a file holding nothing else is empty (load_sources drops them from
    every field as well, for the text feeds and front matter bring)."""
    data = read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SourceError(
            f"{where(path, line)}: not valid UTF-8 "
            f"(byte 0x{data[e.start]:02x} at column {column}); "
            "save the file as UTF-8"
        ) from None
    text = source_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    found = control_line(text)
    if found is not None:
        line, char = found
        shown = quoted(text.split("\n")[line - 1])
        raise SourceError(
            f"{where(path, line)}: holds the control character {char} (in {shown}); "
            "delete it: it is not text"
        )
    if not visible(text):
        raise SourceError(f"{where(path)}: the file is empty; add a story or remove the file")
    return text


# A folder holding more than this is not searched for a nearer name (none is suggested).
NEAR_MISS_NAMES = 1000


def near_miss(path: Path) -> str:
    """` (did you mean seeds/?)` when the folder `path` names holds a file or folder of a name
    close to its own (`seed/` for seeds/, `story.tx` for story.txt), else ""."""
    parent = path.parent if str(path.parent) else Path(".")
    try:  # a folder of 100,000 files took 5 s to compare, for a guess among lookalikes
        names = [p.name for p in itertools.islice(parent.iterdir(), NEAR_MISS_NAMES + 1)]
    except OSError:
        return ""
    if len(names) > NEAR_MISS_NAMES:
        return ""
    names = [name for name in names if not name.startswith(".")]
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.75)
    if not close:
        return ""
    shown = display_path(parent / close[0]) + ("/" if (parent / close[0]).is_dir() else "")
    return f" (did you mean {shown}?)"
