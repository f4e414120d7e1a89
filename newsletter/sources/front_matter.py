"""YAML front matter (`---` … `---`) on seed and Markdown files."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsletter.errors import SourceError, where

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
KINDS = ("story", "note")  # `kind: note`: the editor's note above the lead, not a story


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


def _parse_yaml(raw: str, path: Path) -> dict[str, Any]:
    import yaml  # only files with front matter pay for the import

    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.MarkedYAMLError as e:
        line = (
            (e.problem_mark.line + 2) if e.problem_mark else 1
        )  # +1 for the fence, +1 for 1-based
        raise SourceError(
            f"{where(path, line)}: invalid front matter: {e.problem}; fix the YAML"
        ) from None
    except yaml.YAMLError as e:
        raise SourceError(f"{where(path, 1)}: invalid front matter: {e}; fix the YAML") from None
    if not isinstance(data, dict):
        raise SourceError(f"{where(path, 2)}: front matter must be 'key: value' lines")
    return data


def _validate(meta: dict[str, Any], path: Path) -> FrontMatter:
    def fail(key: str, why: str) -> SourceError:
        return SourceError(f"{where(path, _line_of(key))}: front matter '{key}': {why}")

    def _line_of(key: str) -> int:
        return 2 + list(meta).index(key) if key in meta else 1

    unknown = [k for k in meta if k not in KNOWN_KEYS]
    if unknown:
        k = str(unknown[0])
        raise fail(k, f"unknown key (known: {', '.join(KNOWN_KEYS)})")
    values: dict[str, Any] = {}
    for key in ("title", "source", "image_alt", "summary", "signoff"):
        if key in meta and meta[key] is not None:
            if not isinstance(meta[key], str | int | float):
                raise fail(key, "must be text")
            values[key] = " ".join(str(meta[key]).split()) or None
    if meta.get("url") is not None:
        url = str(meta["url"]).strip()
        if not re.match(r"^https?://[^/\s]+\S*$", url):
            raise fail("url", f"'{url}' is not an absolute http(s) URL")
        values["url"] = url
    if meta.get("image") is not None:
        image = str(meta["image"]).strip()
        if not re.match(r"^https?://[^/\s]+\S*$", image):
            raise fail(
                "image",
                f"'{image}' is not an absolute https:// URL (mail programs cannot load files "
                "next to the story: put it online and use its full address)",
            )
        if not values.get("image_alt"):
            raise fail(
                "image", "has no image_alt: describe the image for readers who cannot see it"
            )
        values["image"] = image
    values["image_alt"] = values.get("image_alt") or ""
    for key in ("image_width", "image_height"):
        if meta.get(key) is not None:
            size = meta[key]
            if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= 20000:
                raise fail(key, f"'{size}' must be a whole number of pixels, e.g. 1200")
            values[key] = size
    values["summary"] = values.get("summary") or ""
    values["signoff"] = values.get("signoff") or ""
    if meta.get("kind") is not None:
        kind = str(meta["kind"]).strip().lower()
        if kind not in KINDS:
            raise fail("kind", f"'{meta['kind']}' must be one of {', '.join(KINDS)}")
        values["kind"] = kind
    if meta.get("date") is not None:
        values["date"] = _date(meta["date"], fail)
    if meta.get("tags") is not None:
        tags = meta["tags"]
        if isinstance(tags, str):
            tags = [t for t in re.split(r"[,\s]+", tags) if t]
        if not isinstance(tags, list) or not all(isinstance(t, str | int) for t in tags):
            raise fail("tags", "must be a list of words, e.g. [migration, peru]")
        values["tags"] = tuple(str(t) for t in tags)
    if "lead" in meta:
        if not isinstance(meta["lead"], bool):
            raise fail("lead", "must be true or false")
        values["lead"] = meta["lead"]
    return FrontMatter(**values)


def _date(value: Any, fail: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise fail("date", f"'{value}' is not a date like 2026-11-26") from None
