"""Plain text from what sources bring: feed HTML as paragraphs, a paragraph as sentences.

The text helpers the sources need and the later stages share (assemble/titles.py cuts a
lead's first sentence with `sentences`): they live here, at the bottom, so that no source
imports a later stage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from newsletter.sources.css_hiding import (
    FAINT,
    TINY_FONT,
    Colour,
    background_of,
    font_size,
    opacity_of,
    style_hides,
    text_colour,
    unseen,
    visible,
)
from newsletter.sources.css_sheet import Sheet, sheet_from

_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"}

# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col sgt capt cmdr adm gov sen rep st jr sr inc corp co ltd no
    vs etc jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave
    """.split()  # noqa: SIM905 (a word list as an editor reads it)
)


@cache
def _sentence_end() -> re.Pattern[str]:
    """Compiled on first use: importing this module must cost nothing."""
    return re.compile(r"[.!?][\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")


_WORD_CHARS = 64  # an abbreviation ("U.S.", "Sept.", "J.") is far shorter


def sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences (abbreviations like "Gen." or "U.S." end none)."""
    found, start = [], 0
    for match in _sentence_end().finditer(paragraph):
        # The word before the stop, read from at most _WORD_CHARS back: reading the sentence
        # so far at every "U.S." made a run of them quadratic (100 KB: over a minute).
        low = max(start, match.start() - _WORD_CHARS)
        word = re.search(r"(\S+)\.$", paragraph[low : match.start() + 1])
        if word and word.start() == 0 and low > start and not paragraph[low - 1].isspace():
            word = None  # longer than any abbreviation: the stop ends the sentence
        if word:
            stem = word.group(1).strip("\"'“‘(").lower()
            if stem in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", stem):
                continue  # "Gen. Valverde", "U.S. officials", "J. Smith"
        found.append(paragraph[start : match.end()].strip())
        start = match.end()
    rest = paragraph[start:].strip()
    return [*found, rest] if rest else found


_CODE_TAGS = frozenset({"script", "style"})  # their content is code, never text to show
# Elements with no content: a `hidden` on one hides nothing after it.
_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()  # noqa: SIM905
)
# Elements whose start tag closes an open <p> (HTML5's "close a p element"), and with it
# every element still open inside that <p>: `<p>a <span hidden>b<p>c` shows "c".
_CLOSES_P = frozenset(
    """address article aside blockquote details dialog div dl fieldset figcaption figure
    footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section table ul
    li dd dt""".split()  # noqa: SIM905
)
# Elements whose content a browser never renders: a <template>, a closed <dialog>, the
# fallback of media and canvas, a <datalist>'s options, a <title> written into the body,
# what browsers with embeds and frames skip, a ruby's parentheses.
_NEVER_SHOWN = frozenset(
    """template audio video canvas datalist title noembed noframes rp iframe defs desc metadata
    mphantom annotation annotation-xml""".split()  # noqa: SIM905
)
# SVG's elements that draw or hold text, whose presentation attributes are styles
# (`<text display="none">`, `fill="white"`); MathML's elements, whose `mathcolor`,
# `mathbackground` and `mathsize` are. (An SVG's <defs>, <desc> and <metadata> and MathML's
# <mphantom> and annotations are never drawn: `_NEVER_SHOWN`.)
_SVG_TEXT = frozenset("svg g text tspan textpath switch foreignobject".split())  # noqa: SIM905
_SVG_STYLES = {"display": "display", "visibility": "visibility", "opacity": "opacity",
               "fill": "color", "font-size": "font-size"}  # fmt: skip
_MATHML = frozenset(
    """math mi mn mo ms mtext mrow mstyle mfrac msqrt mroot msub msup msubsup munder mover
    munderover mtable mtr mtd mpadded menclose merror""".split()  # noqa: SIM905
)
_MATHML_STYLES = {"mathcolor": "color", "mathbackground": "background-color",
                  "mathsize": "font-size"}  # fmt: skip
# A start tag's attributes, as HTML5 reads them: a name, and a value quoted or not.
_ATTRIBUTE = re.compile(
    r"""([^\t\n\f\r /=>][^\t\n\f\r /=>]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\t\n\f\r >]*)))?"""
)


def _attributes(text: str) -> dict[str, str]:
    """A start tag's attributes by name (the first of a name wins), values entity-decoded."""
    found: dict[str, str] = {}
    for m in _ATTRIBUTE.finditer(text):
        name = m.group(1).lower()
        if name not in found:
            value = next((v for v in m.groups()[1:] if v is not None), "")
            found[name] = html.unescape(value) if "&" in value else value
    return found


def _style(name: str, attributes: dict[str, str]) -> str:
    """The style a browser gives an element: its presentational attributes (a <font>'s
    `color`, any `bgcolor`) and then its style attribute, which wins."""
    style = attributes.get("style", "")
    if name in _SVG_TEXT or name in _MATHML:
        style = _presented(name, attributes) + style
    if "bgcolor" in attributes:
        style = f"background-color:{attributes['bgcolor']};{style}"
    if name == "font" and "color" in attributes:
        style = f"color:{attributes['color']};{style}"
    return style


def _presented(name: str, attributes: dict[str, str]) -> str:
    """The style an SVG or MathML element's presentation attributes give it (or ""): an
    `<svg>` of no width or height shows nothing, as its overflow is hidden."""
    names = _SVG_STYLES if name in _SVG_TEXT else _MATHML_STYLES
    found = [f"{names[a]}:{v};" for a, v in attributes.items() if a in names]
    if name == "svg" and ("width" in attributes or "height" in attributes):
        sizes = (attributes.get(a, "").strip() for a in ("width", "height"))
        found += [
            f"{a}:{v}{'px' if v.isdigit() else ''};"
            for a, v in zip(("width", "height"), sizes, strict=True)
            if v
        ]
        found.append("overflow:hidden;")
    return "".join(found)


def _hides(name: str, attributes: dict[str, str], style: str) -> bool:
    """Whether a start tag hides its element from a reader (`hidden`, a style, an element
    never rendered: `_NEVER_SHOWN`, a <dialog> not `open`)."""
    if name in _NEVER_SHOWN or "hidden" in attributes:
        return True
    if name == "dialog" and "open" not in attributes:
        return True
    return bool(style) and style_hides(style)


# After a `<`: a comment, a declaration or processing instruction (`<!`, `<?`), an end tag
# naming nothing (`</ `: HTML5 reads these as comments), or a tag and its name.
_OPENING = re.compile(r"<(?:(!--)|([!?]|/(?![A-Za-z]))|(/?)([A-Za-z][^\t\n\f\r />]*))")
# Inside a tag: its end, or a quoted attribute value (a `>` inside one ends nothing).
_TAG_STOP = re.compile(r""">|=[\t\n\f\r ]*(["'])""")


def _markup(fragment: str, sheet: Sheet | None = None) -> Iterator[tuple[str, str, str]]:
    """`fragment` as ("text", text, ""), ("start", name, style), ("hidden", name, style) (a
    start tag that hides its element), ("css", what a <style> holds, its start tag's
    attribute text) and ("end", name, ""), read as HTML5 reads it, in one
    pass: comments, declarations and processing instructions dropped (an unclosed comment runs
    to the end), attributes read only for what hides (`_tag`), a tag still open at the end
    dropped, and what <script> and <style> hold is code, never text.

    Python 3.11's HTMLParser, used here before, searched to the end of the text from every
    unclosed `<!--`, `<?` or tag (20,000 `<a b='` in an outlet name or an Atom text summary:
    minutes; 1 MB: hours) and raised AssertionError at a `<![` (a traceback from a feed).
    """
    at, size = 0, len(fragment)
    while at < size:
        lt = fragment.find("<", at)
        if lt < 0:
            yield "text", fragment[at:], ""
            return
        if lt > at:
            yield "text", fragment[at:lt], ""
        found = _OPENING.match(fragment, lt)
        if found is None:  # "a < b", "<3": text
            yield "text", "<", ""
            at = lt + 1
            continue
        comment, bogus, slash, name = found.groups()
        if comment or bogus:
            end = fragment.find("-->", found.end()) if comment else fragment.find(">", found.end())
            at = size if end < 0 else end + (3 if comment else 1)
            continue
        end = _tag_end(fragment, found.end())
        if end < 0:
            return  # a tag left open at the end: dropped, as a browser drops it
        name = name.lower()
        yield _tag(name, bool(slash), fragment[found.end() : end], sheet)
        attribute_text, at = fragment[found.end() : end], end + 1
        if name in _CODE_TAGS and not slash:
            closing = re.compile(rf"</{name}(?=[\t\n\f\r />])", re.IGNORECASE).search(fragment, at)
            if name == "style":
                yield "css", fragment[at : closing.start() if closing else size], attribute_text
            if closing is None:
                return  # code to the end
            end = _tag_end(fragment, closing.end())
            yield "end", name, ""
            at = size if end < 0 else end + 1


def _tag(
    name: str, end: bool, attribute_text: str, sheet: Sheet | None = None
) -> tuple[str, str, str]:
    """A tag as `_markup` yields it: ("end", name, ""), or ("start" or "hidden", name, the
    style it is shown with: the `sheet`'s rules for it, then its own)."""
    if end:
        return "end", name, ""
    attributes = _attributes(attribute_text)
    style = _style(name, attributes) if attributes else ""
    if sheet is not None and (ruled := sheet.style(name, attributes)):
        style = f"{ruled}; {style}" if style else ruled
    hides = name not in _VOID_TAGS and _hides(name, attributes, style)
    return ("hidden" if hides else "start"), name, style


def _tag_end(fragment: str, at: int) -> int:
    """Where the tag whose attributes start at `at` ends (its `>`), or -1: never ended."""
    while (stop := _TAG_STOP.search(fragment, at)) is not None:
        quote = stop.group(1)
        if quote is None:
            return stop.start()
        close = fragment.find(quote, stop.end())
        if close < 0:
            return -1
        at = close + 1
    return -1


def html_to_text(fragment: str) -> str:
    """Feed HTML to plain paragraphs separated by blank lines (tags dropped, entities decoded,
    what its HTML hides from a reader dropped), in time linear in its length whatever it
    holds (`_markup`): `read_html`'s text."""
    return read_html(fragment).text


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What a reader sees of a piece of HTML, and how many words it hid from them."""

    text: str
    hidden_words: int = 0


@dataclass(slots=True)
class _Open:
    """An element still open: its name, and how its text shows: its colour and background
    (None: the page's black on white), its font size in pixels, whether it is visible."""

    name: str
    colour: Colour | None = None
    background: Colour | None = None
    size: float = 16.0
    visible: bool = True
    opacity: float = 1.0

    def shows_text(self) -> bool:
        """Whether text directly inside it can be seen and read."""
        if not self.visible or self.size < TINY_FONT or self.opacity <= FAINT:
            return False
        return not unseen(self.colour, self.background)


@lru_cache(maxsize=4)
def read_html(fragment: str) -> HtmlText:
    """Feed HTML as a reader of the page sees it: paragraphs separated by blank lines, and
    the words hidden from them counted, not kept. Remembered for the last few fragments (an
    entry's are read one after another): a feed entry's description is read for its summary,
    its story and its hidden words (a hostile 2 MB description of styled spans took 8 s of
    CPU, each read a quarter of it; bench/bench_feeds.py).

    A hidden element (`_hides`, or text whose colour does not show on its background:
    css_hiding.unseen) hides everything inside it, to its end tag, or to the end of the
    element that holds it, as a browser closes it (`<p>a <span hidden>b</p><p>c` shows a and
    c), or to the end of the fragment when nothing holds it. The fragment's own `<style>`
    rules (`sheet_of`) give each element their declarations before its own style, so HTML
    that never passes the feed sanitizer (a title, an outlet's name) hides as a page does.
    """
    if "<" not in fragment and "&" not in fragment:
        return HtmlText(" ".join(fragment.split()))
    page = _Page()
    sheet = sheet_of(fragment) if "<style" in fragment.lower() else None
    for kind, value, style in _markup(fragment, sheet):
        if kind == "text":
            page.text(html.unescape(value))
        elif kind == "end":
            page.close(value)
        elif kind == "css":
            continue
        else:
            page.open(value, style, kind == "hidden")
    paragraphs = (" ".join("".join(block).split()) for block in page.blocks)
    return HtmlText("\n\n".join(p for p in paragraphs if p), len("".join(page.hidden).split()))


def _opened(name: str, style: str, enclosing: _Open) -> _Open:
    """An element opened inside `enclosing`, with what it inherits and what its style sets."""
    if not style:
        return _Open(
            name,
            enclosing.colour,
            enclosing.background,
            enclosing.size,
            enclosing.visible,
            enclosing.opacity,
        )
    return _Open(
        name,
        text_colour(style) or enclosing.colour,
        background_of(style) or enclosing.background,
        font_size(style, enclosing.size),
        visible(style, enclosing.visible),
        enclosing.opacity * opacity_of(style),
    )


class _Page:
    """The elements open so far, the paragraphs a reader sees, and the text hidden from them.

    Where each name is open (`at`) is kept beside the stack, so closing one is found at once:
    searching the stack from its top made 20,000 open <span> and 20,000 </div> cost 17 s."""

    def __init__(self) -> None:
        self.blocks: list[list[str]] = [[]]
        self.hidden: list[str] = []
        self.stack: list[_Open] = []
        self.at: dict[str, list[int]] = {}  # each name's places on the stack, lowest first
        self.hidden_at: int | None = None  # the stack index of the element that hides

    def text(self, text: str) -> None:
        top = self.stack[-1] if self.stack else None
        if self.hidden_at is not None or (top is not None and not top.shows_text()):
            self.hidden.append(text)
        else:
            self.blocks[-1].append(text)

    def close(self, name: str) -> None:
        """An end tag: closes its element and all still open inside it (one nothing opened
        is ignored, as a browser ignores it, but for the paragraph break it makes)."""
        self._pop(name)
        self._block(name)

    def open(self, name: str, style: str, hides: bool) -> None:
        """A start tag (a <p> still open closed first when it closes one)."""
        if name in _CLOSES_P:
            self._pop("p")
        if name not in _VOID_TAGS:
            self.at.setdefault(name, []).append(len(self.stack))
            self.stack.append(_opened(name, style, self.stack[-1] if self.stack else _Open("")))
            if hides and self.hidden_at is None:
                self.hidden_at = len(self.stack) - 1
        self._block(name)

    def _pop(self, name: str) -> None:
        """Close the innermost open `name` and everything opened inside it (if one is open)."""
        places = self.at.get(name)
        if not places:
            return
        at = places[-1]
        for closed in reversed(self.stack[at:]):  # each element is closed once: linear
            self.at[closed.name].pop()
        del self.stack[at:]
        if self.hidden_at is not None and self.hidden_at >= at:
            self.hidden_at = None

    def _block(self, name: str) -> None:
        if name not in _BLOCK_TAGS:
            return
        if self.hidden_at is not None:
            self.hidden.append(" ")
        else:
            self.blocks.append([])


def style_blocks(fragment: str) -> Iterator[tuple[dict[str, str], str]]:
    """Each `<style>` element of `fragment` as a browser finds it: its attributes and the CSS
    it holds (to the end when it is never closed). A `<style>` written inside a comment, an
    attribute's value, a `<script>` or a `<template>` (whose content is inert) is none
    (css_sheet.py reads the CSS)."""
    templates = 0
    for kind, value, attribute_text in _markup(fragment):
        if kind == "css" and not templates:
            yield _attributes(attribute_text), value
        elif value == "template" and kind != "text":
            templates = max(templates + (-1 if kind == "end" else 1), 0)


def sheet_of(fragment: str) -> Sheet:
    """The rules of `fragment`'s `<style>` blocks a browser applies on a screen
    (css_sheet.py): read_html applies them; so does the feed sanitizer (feed_sanitizer.py),
    which drops the blocks."""
    return sheet_from(style_blocks(fragment))
