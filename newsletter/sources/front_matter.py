"""YAML front matter (`---` … `---`) on seed and Markdown files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

from newsletter.control_chars import control_character, quoted, source_text, visible
from newsletter.errors import SourceError, where
from newsletter.web_address import AddressError, web_address

_FENCE = re.compile(r"^---[ \t]*$")
KNOWN_KEYS = (
    "title",
    "url",
    "date",
    "source",
    "tags",
    "lead",
    "image",
    "image_alt",
    "image_width",
    "image_height",
    "summary",
    "kind",
    "signoff",
)
KINDS = ("story", "note")  # `kind: note`: the editor's note (after the lead), not a story


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The validated front matter of one file."""

    title: str | None = None
    url: str | None = None
    date: dt.date | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    lead: bool = False
    image: str | None = None  # the story's lead image, an absolute URL
    image_alt: str = ""
    image_width: int = 0  # the image's size in pixels, when the editor knows it
    image_height: int = 0
    summary: str = ""  # what the story's card shows instead of its first paragraph
    kind: str = "story"
    signoff: str = ""  # a note's sign-off line ("— The editors")


def split_front_matter(text: str, path: Path) -> tuple[FrontMatter, str, int]:
    """Split `text` into front matter, the body, and the body's first line number.

    A file without a leading `---` line has empty front matter and starts at line 1.
    """
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return FrontMatter(), text, 1
    for end in range(1, len(lines)):
        if _FENCE.match(lines[end]):
            break
    else:
        raise SourceError(
            f"{where(path, 1)}: front matter opened with '---' is never closed; "
            "add a '---' line after it"
        )
    raw = "\n".join(lines[1:end])
    meta = _parse_yaml(raw, path)
    return _validate(meta, path), "\n".join(lines[end + 1 :]), end + 2


@cache
def _loader() -> type:
    """PyYAML's safe loader, with dates left as text for `_date` to judge.

    PyYAML turns `2026-11-26` into a date itself, and `2025-08-32` (a day past the month's
    end) into a bare ValueError from deep inside it: a traceback instead of the key's line.
    Kept as text, every date goes through `_date`, which names the file, the line and the form.
    """
    import yaml  # only files with front matter pay for the import

    class FrontMatterLoader(yaml.SafeLoader):
        """The safe loader whose timestamps stay strings."""

    def date_as_text(loader: FrontMatterLoader, node: yaml.Node) -> str:
        """A date-shaped scalar, as written."""
        return str(loader.construct_scalar(node))  # type: ignore[arg-type]  # a ScalarNode

    def bounded_int(loader: FrontMatterLoader, node: yaml.Node) -> int:
        """An integer of at most 64 bits: past 4,300 digits int() raised a bare ValueError, and
        one written `0b…` or `1:59:…` (sexagesimal) was read, then broke the str() after it."""
        try:
            value = loader.construct_yaml_int(node)  # type: ignore[arg-type]  # a ScalarNode
        except ValueError:
            value = 1 << 64
        if value.bit_length() > 64:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a number too long to read (quote it to keep it as text)",
                node.start_mark,
            )
        return value

    FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", date_as_text)
    FrontMatterLoader.add_constructor("tag:yaml.org,2002:int", bounded_int)
    return FrontMatterLoader


def _parse_yaml(raw: str, path: Path) -> dict[str, Any]:
    import yaml  # only files with front matter pay for the import

    try:
        data = yaml.load(raw, Loader=_loader()) if raw.strip() else {}  # a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        line = (
            (e.problem_mark.line + 2) if e.problem_mark else 1
        )  # +1 for the fence, +1 for 1-based
        raise SourceError(
            f"{where(path, line)}: invalid front matter: {e.problem}; fix the YAML"
        ) from None
    except yaml.YAMLError as e:
        raise SourceError(f"{where(path, 1)}: invalid front matter: {e}; fix the YAML") from None
    except RecursionError:  # PyYAML composes nested values recursively: 3,000 `[` deep is past it
        raise SourceError(
            f"{where(path, 1)}: front matter nested too deeply to read; "
            "write it as flat 'key: value' lines"
        ) from None
    if not isinstance(data, dict):
        raise SourceError(f"{where(path, 2)}: front matter must be 'key: value' lines")
    return data


def _validate(meta: dict[str, Any], path: Path) -> FrontMatter:
    def fail(key: str, why: str) -> SourceError:
        """The error naming the file, the key's line and what is wrong with it."""
        line = 2 + list(meta).index(key) if key in meta else 1
        return SourceError(f"{where(path, line)}: front matter {quoted(key)}: {why}")

    unknown = [k for k in meta if k not in KNOWN_KEYS]
    if unknown:
        k = str(unknown[0])
        raise fail(k, f"unknown key (known: {', '.join(KNOWN_KEYS)})")
    values: dict[str, Any] = {}
    for key, value in meta.items():
        if value is not None or key == "lead":  # an empty `lead:` is not true or false
            check: Check = _CHECKS.get(key, _text)
            values[key] = check(value, partial(fail, key))
    if values.get("image") and not values.get("image_alt"):
        raise fail("image", "has no image_alt: describe the image for readers who cannot see it")
    for key in ("image_alt", "summary", "signoff"):
        values[key] = values.get(key) or ""
    return FrontMatter(**values)


Fail = Callable[[str], SourceError]
Check = Callable[[Any, Fail], Any]  # a key's value and how to fail → the value to store


def _text(value: Any, fail: Fail) -> str | None:
    """title, source, image_alt, summary, signoff: one line of text (None when empty).

    A control character (YAML's "\x07") is refused: it is not text, and breaks the email.
    Invisible characters an escape writes (YAML's "\u202e", "\u00ad") are dropped here, after
    YAML has unescaped them (the file's text lost the ones written as themselves when it was
    read), and a value that shows nothing is None.
    """
    if not isinstance(value, str | int | float):
        raise fail("must be text")
    text = " ".join(source_text(str(value)).split())
    bad = control_character(text)
    if bad:
        raise fail(f"holds the control character {bad}; delete it")
    return text if visible(text) else None


def _url(value: Any, fail: Fail) -> str:
    """A link as the email will carry it (web_address.py)."""
    try:
        return web_address(str(value))
    except AddressError as e:
        raise fail(str(e)) from None


def _image(value: Any, fail: Fail) -> str:
    """An image address: https only (web_address.py)."""
    try:
        return web_address(str(value), image=True)
    except AddressError as e:
        raise fail(
            f"{e} (mail programs cannot load files next to the story: put it online and use "
            "its full https:// address)"
        ) from None


def _kind(value: Any, fail: Fail) -> str:
    kind = str(value).strip().lower()
    if kind not in KINDS:
        raise fail(f"{_shown(value)} must be one of {', '.join(KINDS)}")
    return kind


def _tags(value: Any, fail: Fail) -> tuple[str, ...]:
    tags = [t for t in re.split(r"[,\s]+", value) if t] if isinstance(value, str) else value
    if not isinstance(tags, list) or not all(isinstance(t, str | int) for t in tags):
        raise fail("must be a list of words, e.g. [migration, peru]")
    return tuple(t for t in (" ".join(source_text(str(t)).split()) for t in tags) if visible(t))


def _lead(value: Any, fail: Fail) -> bool:
    if not isinstance(value, bool):
        raise fail("must be true or false")
    return value


def _pixels(value: Any, fail: Fail) -> int:
    """image_width, image_height: a whole number of pixels."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 20000:
        raise fail(f"{_shown(value)} must be a whole number of pixels, e.g. 1200")
    return value


def _shown(value: Any) -> str:
    """A value YAML read, for an error message: `quoted` takes text only (`image_width: 0`,
    `kind: 5` and `date: [1]` were TypeError tracebacks)."""
    return quoted(str(value))


def _date(value: Any, fail: Fail) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise fail(f"{_shown(value)} is not a date like 2026-11-26") from None


# Each key's check (the rest are text): the value in, the stored value out.
_CHECKS: dict[str, Check] = {
    "url": _url,
    "image": _image,
    "kind": _kind,
    "date": _date,
    "tags": _tags,
    "lead": _lead,
    "image_width": _pixels,
    "image_height": _pixels,
}
