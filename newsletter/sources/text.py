"""Plain text from what sources bring: feed HTML as paragraphs, a paragraph as sentences.

The text helpers the sources need and the later stages share (assemble/titles.py cuts a
lead's first sentence with `sentences`): they live here, at the bottom, so that no source
imports a later stage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import cache

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
# An element a reader never sees: the `hidden` attribute, or a style of display:none,
# visibility:hidden or a zero font size (a feed's keywords for the ranker, not for people).
_QUOTED = re.compile(r"""(["'])(.*?)\1""", re.DOTALL)
_HIDDEN_ATTRIBUTE = re.compile(r"(?:^|\s)hidden(?=[\s=/]|$)", re.IGNORECASE)
_STYLE = re.compile(r"""(?:^|\s)style\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0(?![.\d]*[1-9])",
    re.IGNORECASE,
)


def _hides(attributes: str) -> bool:
    """Whether a start tag's attributes hide its element from a reader (`hidden`, a style)."""
    if _HIDDEN_ATTRIBUTE.search(_QUOTED.sub('""', attributes)):
        return True
    return any(_HIDING_STYLE.search(m.group(2)) for m in _STYLE.finditer(attributes))


# After a `<`: a comment, a declaration or processing instruction (`<!`, `<?`), an end tag
# naming nothing (`</ `: HTML5 reads these as comments), or a tag and its name.
_OPENING = re.compile(r"<(?:(!--)|([!?]|/(?![A-Za-z]))|(/?)([A-Za-z][^\t\n\f\r />]*))")
# Inside a tag: its end, or a quoted attribute value (a `>` inside one ends nothing).
_TAG_STOP = re.compile(r""">|=[\t\n\f\r ]*(["'])""")


def _markup(fragment: str) -> Iterator[tuple[str, str]]:
    """`fragment` as ("text", text), ("start", name), ("hidden", name) (a start tag that hides
    its element) and ("end", name), read as HTML5 reads it, in one pass: comments,
    declarations and processing instructions dropped (an unclosed comment runs to the end),
    attributes skipped, a tag still open at the end dropped, and what <script> and <style>
    hold dropped with them.

    Python 3.11's HTMLParser, used here before, searched to the end of the text from every
    unclosed `<!--`, `<?` or tag (20,000 `<a b='` in an outlet name or an Atom text summary:
    minutes; 1 MB: hours) and raised AssertionError at a `<![` (a traceback from a feed).
    """
    at, size = 0, len(fragment)
    while at < size:
        lt = fragment.find("<", at)
        if lt < 0:
            yield "text", fragment[at:]
            return
        if lt > at:
            yield "text", fragment[at:lt]
        found = _OPENING.match(fragment, lt)
        if found is None:  # "a < b", "<3": text
            yield "text", "<"
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
        hides = not slash and name not in _VOID_TAGS and _hides(fragment[found.end() : end])
        yield ("end" if slash else "hidden" if hides else "start"), name
        at = end + 1
        if name in _CODE_TAGS and not slash:
            closing = re.compile(rf"</{name}(?=[\t\n\f\r />])", re.IGNORECASE).search(fragment, at)
            if closing is None:
                return  # code to the end
            end = _tag_end(fragment, closing.end())
            yield "end", name
            at = size if end < 0 else end + 1


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
    what its HTML hides from a reader dropped: `_HIDDEN`, to its element's end), in time linear
    in its length whatever it holds (`_markup`)."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    blocks: list[list[str]] = [[]]
    hiding, depth = "", 0  # the hidden element's name, and how many of it are open inside it
    for kind, value in _markup(fragment):
        if hiding:
            depth += (kind != "end" and value == hiding) - (kind == "end" and value == hiding)
            hiding = hiding if depth else ""
        elif kind == "hidden":
            hiding, depth = value, 1
        elif kind == "text":
            blocks[-1].append(html.unescape(value))
        elif value in _BLOCK_TAGS:
            blocks.append([])
    paragraphs = (" ".join("".join(block).split()) for block in blocks)
    return "\n\n".join(p for p in paragraphs if p)
