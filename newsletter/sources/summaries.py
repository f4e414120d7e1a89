"""A headline's summary: a feed's description as plain text, cut at a sentence near 30 words.

Feeds send anything from one clean sentence to a whole article with markup, tracking
pixels and "The post … appeared first on …" trailers.  `summary_text` turns that into
plain text an email can show under a headline: tags dropped, entities decoded, white
space folded, then whole sentences while they fit in about `SUMMARY_WORDS` words.  A
first sentence that is itself too long is cut at a word and ends with "…".
"""

from __future__ import annotations

import re

from newsletter.sources.text import html_to_text, sentences

SUMMARY_WORDS = 30  # about two lines under a headline on a phone
# ... and at most this many characters: a script written without spaces (Chinese, Japanese,
# Thai) is one "word" to a count by spaces, and a 4,800-character text was one summary
SUMMARY_CHARS = 300
_SLACK = 10  # a sentence may run this far past the target rather than be cut mid-way
_TRAILER = re.compile(r"\s*(The post .{1,300} appeared first on .{1,200}|\[(…|\.\.\.)\])\s*$")


def summary_text(raw: str, words: int = SUMMARY_WORDS, title: str = "") -> str:
    """Plain text of a feed summary (HTML or text), cut at a sentence boundary near `words`;
    an opening repeat of the entry's `title` is dropped (the headline already says it)."""

    text = without_trailer(" ".join(html_to_text(raw).split()))
    text = _without_title(text, " ".join(title.split()))
    cut = cut_at_sentence(text, words)
    return cut if len(cut) <= SUMMARY_CHARS else cut[: SUMMARY_CHARS - 1].rstrip(" ,;:…") + "…"


def without_trailer(text: str) -> str:
    """`text` without a blog feed's closing "The post … appeared first on …" or "[…]"."""
    return _TRAILER.sub("", text).strip()


def _without_title(text: str, title: str) -> str:
    """What `text` adds after repeating `title`: "Title  Example Desk" (a source's name
    only, no sentence) adds nothing."""
    if not title or not text.casefold().startswith(title.casefold()):
        return text
    rest = text[len(title) :]
    if rest[:1].isalnum():  # "Floods reach" repeating "Flood": not the title
        return text
    rest = rest.lstrip(" .,:;|-–—").strip()
    if len(rest.split()) < 4 and not rest.endswith((".", "!", "?", "…")):
        return ""
    return rest


def cut_at_sentence(text: str, words: int = SUMMARY_WORDS) -> str:
    """Whole sentences of `text` while they fit in about `words` words (at least one sentence)."""

    if len(text.split()) <= words:
        return text
    kept: list[str] = []
    count = 0
    for sentence in sentences(text):
        n = len(sentence.split())
        if kept and count + n > words:
            break
        if not kept and n > words + _SLACK:
            cut = " ".join(sentence.split()[:words]).rstrip(",;:—–- ")
            return cut + "…"
        kept.append(sentence)
        count += n
        if count >= words:
            break
    return " ".join(kept)
