"""Plain text from what sources bring: feed HTML as paragraphs, a paragraph as sentences.

The text helpers the sources need and the later stages share (assemble/titles.py cuts a
lead's first sentence with `sentences`): they live here, at the bottom, so that no source
imports a later stage.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

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


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]
        self.in_code = False  # inside <script> or <style> (a field feedparser does not sanitize)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_code = tag in _CODE_TAGS
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _CODE_TAGS:
            self.in_code = False
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.blocks[-1].append(data)


def html_to_text(fragment: str) -> str:
    """Feed HTML to plain paragraphs separated by blank lines (tags dropped, entities decoded)."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    paragraphs = (" ".join("".join(block).split()) for block in extractor.blocks)
    return "\n\n".join(p for p in paragraphs if p)
