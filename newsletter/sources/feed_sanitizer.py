"""feedparser's HTML sanitizer, with its unclosed-comment fallback made linear.

feedparser cleans every entry's HTML (a description, content:encoded) with `_HTMLSanitizer`.
When a `<!--` has no `-->` after it, its `parse_comment` searches `--[^>]*>` from the comment
on: a regular expression that, from every `--` that no `>` follows, reads to the end of the
text before it fails.  A description of `<!--` repeated with no `>` after it costs the square
of its length: 2 s for 80 KB, hours for a 10 MB feed.

`linear_comments()` replaces that method with one answering the same, in one pass: the end of
the first `--` … `>` after the comment's start, or the end of the text when there is none
(feedparser drops an unclosed comment with everything after it).

`few_tags()` keeps at most MAX_TAGS categories an entry: feedparser looked each new one up in
the list of those before it, the square of their number.
"""

from __future__ import annotations

import html
import re
from typing import Any

from newsletter.sources.css_hiding import (
    declarations,
    parse_colour,
    shown_declarations,
    style_hides,
    unseen,
)
from newsletter.sources.css_sheet import UNREAD_MARK, Sheet, hides_text
from newsletter.sources.text import sheet_of

# feedparser's `sanitize_style` searched from every position of a style to its end: a word of
# 30,000 letters took 18 s, as did `url(` with no `)` and a long run of spaces.  What it is
# given is first made linear for it (`_for_sanitizer`); what hides or shows is read apart.
_URL = re.compile(r"url\s*\(\s*[^\s()]+\s*\)\s*")  # its own `url(...)`, no `(` inside
_URL_LEFT = re.compile(r"url\s*\(")
_WORD = re.compile(r"[-\w]+")
LONGEST_CSS_WORD = 64  # no property, keyword, colour or length is longer


# Categories kept for an entry (or the feed): feedparser searched its list before each append,
# so 12,000 distinct <category> (or one <itunes:keywords> of 12,000 words with commas) in
# one item took 3.5 s of CPU, 60,000 took 82 s.  A story carries a few dozen at most.
MAX_TAGS = 100


def few_tags() -> None:
    """Make feedparser keep at most MAX_TAGS categories for each entry, each found in a set
    instead of the list (idempotent)."""
    from feedparser import mixin, util

    cls: Any = mixin._FeedParserMixin  # private, but where every parser's _add_tag lives
    if getattr(cls._add_tag, "_few", False):
        return

    def _add_tag(self: Any, term: Any, scheme: Any, label: Any) -> None:
        tags = self._get_context().setdefault("tags", [])
        if (not term and not scheme and not label) or len(tags) >= MAX_TAGS:
            return
        value = util.FeedParserDict(term=term, scheme=scheme, label=label)
        if value not in tags:  # at most MAX_TAGS to look through
            tags.append(value)

    _add_tag._few = True  # type: ignore[attr-defined]
    cls._add_tag = _add_tag


def linear_comments() -> None:
    """Make feedparser's sanitizer read an unclosed comment in linear time (idempotent)."""
    from feedparser import sanitizer

    cls: Any = sanitizer._HTMLSanitizer  # private, but the only place the fallback lives
    if getattr(cls.parse_comment, "_linear", False):
        return
    base = super(cls, cls).parse_comment  # sgmllib's: `--\s*>` after the `<!--`, else -1

    def parse_comment(self: Any, i: int, report: int = 1) -> int:
        found: int = base(self, i, report)
        if found >= 0:
            return found
        rawdata: str = self.rawdata
        dashes = rawdata.find("--", i + 4)  # what `--[^>]*>` matches first, found directly
        close = rawdata.find(">", dashes + 2) if dashes >= 0 else -1
        return close + 1 if close >= 0 else len(rawdata)

    parse_comment._linear = True  # type: ignore[attr-defined]
    cls.parse_comment = parse_comment


def _for_sanitizer(style: str) -> str:
    """`style` as feedparser's sanitizer reads it in linear time, or "" when it would keep
    none of it anyway: its `url(...)` taken out as it takes them (an argument holding a `(`
    ends at it, not at the end of the style), spaces collapsed, and a style with a `url(`
    left over, or a word longer than any CSS word, not given to it."""
    plain = " ".join(_URL.sub(" ", style).split())
    if _URL_LEFT.search(plain):
        return ""
    if max((len(w) for w in _WORD.findall(plain)), default=0) > LONGEST_CSS_WORD:
        return ""
    return plain


def hiding_styles() -> None:
    """Make feedparser's sanitizer keep what hides an element (idempotent).

    It keeps only the CSS properties on its list and drops a whole style it cannot read: of
    `visibility:hidden`, `opacity:0`, `position:absolute;left:-9999px`, `clip:rect(0 0 0 0)`
    nothing was left, and `display:/**/none` lost its style, so text the feed hid from its
    readers was shown to ours.  A style that hides its element (css_hiding.style_hides) is
    now kept as `display: none`, which the sanitizer keeps and sources/text.py drops.  A
    `<template>` (never shown) lost its tag and kept its text; it is now dropped whole, as are
    the other elements it drops whose content is never shown.
    """
    from feedparser import sanitizer

    cls: Any = sanitizer._HTMLSanitizer
    if getattr(cls.sanitize_style, "_hiding", False):
        return
    base = cls.sanitize_style

    def sanitize_style(self: Any, style: str) -> str:
        if style_hides(html.unescape(style)):  # it gets `display&#58;none` as written
            return "display: none"
        plain = _for_sanitizer(style)
        kept: str = base(self, plain) if plain else ""
        shown = shown_declarations(html.unescape(style))  # colours, size, visibility
        return f"{kept} {shown};".strip() if shown else kept

    sanitize_style._hiding = True  # type: ignore[attr-defined]
    cls.sanitize_style = sanitize_style
    # content a browser never renders, of elements the sanitizer would drop keeping their text
    # (a <template>, a <title> in the body, <noembed>, <noframes>): dropped with them, as
    # <script>'s is; <video>, <dialog> and the like it keeps for text.py to read.  Not a
    # ruby's <rp>, whose end tag HTML5 lets a page leave out: the sanitizer then dropped the
    # whole rest of the story waiting for it (its "(" and ")" show, as without ruby support)
    never = {"template", "title", "noembed", "noframes", "iframe"}
    cls.unacceptable_elements_with_end_tag = {*cls.unacceptable_elements_with_end_tag, *never}


def style_sheets() -> None:
    """Make feedparser's sanitizer apply the simple rules of a fragment's `<style>` blocks
    (css_sheet.py), which it drops with the element, to the elements they select, and keep
    what hides an element it drops keeping its text (idempotent).

    `<style>.x{display:none}</style>` then `<span class="x">` left the span's words shown.
    Each element now gets the sheet's declarations before its own style, and the style is
    sanitized as an inline one (`hiding_styles`). When a rule not read here (a descendant or
    attribute selector, `@media (max-width: …)`) would hide text, the output ends with
    UNREAD_MARK, a comment nothing shows, which sources/feeds.py turns into a warning naming
    the item. An element off the sanitizer's list (`<mark>`, `<main>`, a name it does not
    know) lost its tag, and with it the style or `hidden` that hid its words: one that carries
    either is kept as a `<span>` (`_as_span`), which the sanitizer keeps with its style."""
    from feedparser import sanitizer

    cls: Any = sanitizer._HTMLSanitizer
    if getattr(cls.feed, "_sheets", False):
        return
    base_feed, base_start, base_end = cls.feed, cls.unknown_starttag, cls.unknown_endtag
    base_output = cls.output

    def feed(self: Any, data: str) -> None:
        self.newsletter_sheet = sheet_of(data) if "<style" in data.lower() else Sheet()
        self.newsletter_spans = {}  # a dropped element's name: whether each open one is a span
        base_feed(self, data)

    def unknown_starttag(self: Any, tag: str, attrs: list[tuple[str, str]]) -> None:
        sheet: Sheet | None = getattr(self, "newsletter_sheet", None)
        if sheet is not None and sheet.rules:
            found = {k.lower(): html.unescape(v or "") for k, v in reversed(attrs)}
            extra = sheet.style(tag, found)
            if extra:
                inline = found.get("style", "")
                attrs = [(k, v) for k, v in attrs if k.lower() != "style"]
                attrs.append(("style", f"{extra}; {inline}" if inline else extra))
        if self.svgOK or self.mathmlOK or tag in ("svg", "math"):
            attrs = _drawn(attrs, mathml=bool(self.mathmlOK) or tag == "math")
        spans: dict[str, list[bool]] | None = getattr(self, "newsletter_spans", None)
        if spans is not None and _as_span(self, tag):
            kept = any(k.lower() in ("style", "hidden") for k, _ in attrs)
            spans.setdefault(tag, []).append(kept)
            tag = "span" if kept else tag
        base_start(self, tag, attrs)

    def unknown_endtag(self: Any, tag: str) -> None:
        spans: dict[str, list[bool]] | None = getattr(self, "newsletter_spans", None)
        if spans and spans.get(tag) and spans[tag].pop():
            tag = "span"
        base_end(self, tag)

    def output(self: Any) -> str:
        sheet: Sheet | None = getattr(self, "newsletter_sheet", None)
        done: str = base_output(self).replace(UNREAD_MARK, "")  # the feed's own is none
        return done + UNREAD_MARK if sheet is not None and sheet.unread_hiding else done

    feed._sheets = True  # type: ignore[attr-defined]
    cls.feed, cls.unknown_starttag, cls.unknown_endtag = feed, unknown_starttag, unknown_endtag
    cls.output = output


def _drawn(attrs: list[tuple[str, str]], mathml: bool) -> list[tuple[str, str]]:
    """An SVG or MathML element's attributes, with what its style hides kept as an attribute
    the sanitizer keeps there and sources/text.py reads (`display="none"`, MathML's
    `mathsize="0"`): the sanitizer drops a style attribute inside SVG and MathML, so
    `<svg><text style="display:none">` showed its words."""
    style = next((html.unescape(v or "") for k, v in attrs if k.lower() == "style"), "")
    if not style:
        return attrs
    fill = parse_colour(declarations(style).get("fill", ""))
    if not hides_text(style) and (fill is None or not unseen(fill, None)):
        return attrs
    return [*attrs, ("mathsize", "0") if mathml else ("display", "none")]


# Elements with no content, or whose content the sanitizer drops already: never a span.
_NOT_SPANS = frozenset(
    """area base basefont bgsound br col embed frame hr image img input keygen link meta param
    source track wbr svg math""".split()  # noqa: SIM905
)


def _as_span(parser: Any, tag: str) -> bool:
    """Whether the sanitizer drops this element's tag and keeps its text (outside SVG and
    MathML, which it reads by their own lists): such an element with a style or `hidden`
    is kept as a `<span>`."""
    return not (
        tag in parser.acceptable_elements
        or tag in parser.unacceptable_elements_with_end_tag
        or tag in _NOT_SPANS
        or parser.svgOK
        or parser.mathmlOK
    )
