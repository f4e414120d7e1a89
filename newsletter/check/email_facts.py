"""What a reader receives, read once from a built issue folder for every check.

The checks look at the reader's copy, not at the build's inputs: message.eml
(headers, both parts, as a reader of the list gets them, merge tags filled with
the public values) and index.html (the same markup, where line numbers help the
editor).  merge.eml is not read: its `%%name%%` slots are meant to be there.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from newsletter.errors import ManifestError, display_path
from newsletter.issue.build_record import BuildRecord
from newsletter.issue.built import BuiltIssue, read_built_issue
from newsletter.issue.eml import header_value, parse_email
from newsletter.issue.layout import merge_file_name
from newsletter.models import Issue

HEADING_TAGS = ("h1", "h2", "h3", "h4")
_INVISIBLE = ("style", "script", "title", "head")


@dataclass(frozen=True, slots=True)
class Link:
    """An `<a href>` of the HTML: where it points, its text, its line in index.html."""

    href: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Image:
    """An `<img>` of the HTML with its attributes (None: the attribute is absent)."""

    src: str | None
    alt: str | None
    width: str | None
    style: str
    line: int
    decorative: bool = False  # role="presentation", aria-hidden="true" or a 1×1 pixel
    height: str | None = None


@dataclass(frozen=True, slots=True)
class HtmlFacts:
    """The parts of the HTML the checks need, from one pass of a tolerant parser."""

    lang: str
    links: tuple[Link, ...]
    images: tuple[Image, ...]
    headings: tuple[str, ...]
    visible_text: str  # what a reader sees, whitespace folded
    attribute_text: tuple[tuple[str, int], ...]  # href, src, alt, title values with their lines


@dataclass(frozen=True, slots=True)
class BuiltEmail:
    """One built issue as a reader receives it."""

    folder: Path
    issue: Issue
    headers: tuple[tuple[str, str], ...]  # message.eml's headers, in order
    subject: str
    html: str  # message.eml's HTML part
    text: str | None  # message.eml's text part; None when it has none
    message_bytes: int
    page_html: str  # index.html
    facts: HtmlFacts  # of index.html
    record: BuildRecord  # built-with.json
    merge_slots: dict[str, tuple[str, ...]]  # each merge*.eml's slots, as read (check merge.slots)
    manifest_text: str = ""  # issue.toml, as the issue was read (for line numbers)

    def header(self, name: str) -> str:
        """A header's value ("" when absent)."""
        wanted = name.lower()
        return next((v for n, v in self.headers if n.lower() == wanted), "")

    def where(self, name: str, line: int | None = None) -> str:
        """`issues/2026-W48/index.html:12`."""
        shown = display_path(self.folder / name)
        return f"{shown}:{line}" if line else shown


def load_built_email(built: BuiltIssue | Path) -> BuiltEmail:
    """message.eml and index.html of a built issue, beside the issue as built.

    `built`: the issue as loaded once for the command, or its folder (read here, refused
    when it was never built or changed since its build).  The subject and preheader are as
    the build filled them.
    """
    if isinstance(built, Path):
        built = read_built_issue(built)
    folder = built.folder
    raw = _read(folder / "message.eml")
    page = _read(folder / "index.html").decode("utf-8", "replace")
    headers, html, text = parse_email(raw)
    return BuiltEmail(
        folder=folder,
        issue=built.issue,
        headers=headers,
        subject=header_value(headers, "Subject"),
        html=html or "",
        text=text,
        message_bytes=len(raw),
        page_html=page,
        facts=html_facts(page),
        record=built.record,
        merge_slots={merge_file_name(empty): t.slots for empty, t in built.templates},
        manifest_text=built.manifest_text,
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ManifestError(
            f"{display_path(path)}: cannot read ({e.strerror}); rebuild the issue "
            f"(`newsletter build {display_path(path.parent)}`)"
        ) from None


def html_facts(markup: str) -> HtmlFacts:
    """Links, images, headings, lang and visible text of an HTML document."""
    parser = _FactsParser()
    parser.feed(markup)
    parser.close()
    return parser.facts()


def fold(text: str) -> str:
    """Whitespace folded to single spaces, entities decoded: for comparing text across parts."""
    return " ".join(html_lib.unescape(text).split())


class _FactsParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.links: list[Link] = []
        self.images: list[Image] = []
        self.headings: list[str] = []
        self.attributes: list[tuple[str, int]] = []
        self._text: list[str] = []
        self._invisible = 0
        self._link: tuple[str, int, int] | None = None  # href, line, where its text starts
        self._heading: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        line = self.getpos()[0]
        for key in ("href", "src", "alt", "title"):
            if key in a:
                self.attributes.append((a[key], line))
        if tag == "html":
            self.lang = a.get("lang", "").strip()
        elif tag in _INVISIBLE:
            self._invisible += 1
        elif tag == "a" and "href" in a:
            self._link = (a["href"].strip(), line, len(self._text))
        elif tag == "img":
            self.images.append(
                Image(
                    src=a.get("src"),
                    alt=a.get("alt"),
                    width=a.get("width"),
                    style=a.get("style", ""),
                    line=line,
                    decorative=a.get("role") in ("presentation", "none")
                    or a.get("aria-hidden") == "true"
                    or (a.get("width") == "1" and a.get("height") == "1"),
                    height=a.get("height"),
                )
            )
        elif tag in HEADING_TAGS:
            self._heading = len(self._text)
        if tag in ("br", "p", "div", "li", "td", "tr", "h1", "h2", "h3", "h4"):
            self._text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._invisible = max(0, self._invisible - 1)
        elif tag == "a" and self._link is not None:
            href, line, start = self._link
            self.links.append(Link(href, fold("".join(self._text[start:])), line))
            self._link = None
        elif tag in HEADING_TAGS and self._heading is not None:
            self.headings.append(fold("".join(self._text[self._heading :])))
            self._heading = None
        if tag in ("p", "div", "li", "td", "h1", "h2", "h3", "h4"):
            self._text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._invisible:
            self._text.append(data)

    def facts(self) -> HtmlFacts:
        return HtmlFacts(
            lang=self.lang,
            links=tuple(self.links),
            images=tuple(self.images),
            headings=tuple(h for h in self.headings if h),
            visible_text=fold("".join(self._text)),
            attribute_text=tuple(self.attributes),
        )


_URL = re.compile(r"(?:https?://|mailto:)[^\s<>\"')\]]+")


def urls_in(text: str) -> set[str]:
    """The http(s) and mailto URLs written in a plain text."""
    return {u.rstrip(".,;:!?") for u in _URL.findall(text)}
