"""An untitled story's card text: the sentence its derived title was made from is not said again.

A new user's card read its title, then the same sentence again: `after_title_sentence` gives
the card what comes after that sentence when the sentence says little more than the title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsletter.sources.text import sentences


def after_title_sentence(paragraphs: Sequence[str], title: str) -> str:
    """An untitled story's card text: its first paragraph, but for the sentence its derived
    `title` was made from when that sentence opens it and says little more (a new user's card
    read its title, then the same sentence again); the next sentences, or the next paragraph,
    instead.  Nothing after it: the first paragraph as it is."""
    if not paragraphs:
        return ""
    said = sentences(paragraphs[0])
    if not said or not _says_title(said[0], title):
        return paragraphs[0]
    rest = [" ".join(said[1:]), *paragraphs[1:]]
    return next((text for text in rest if text.strip()), paragraphs[0])


def _stems(text: str) -> set[str]:
    """The words of four letters or more, by their first five (`blamed` is `blames`)."""
    return {w[:5] for w in re.findall(r"\w+", text.casefold()) if len(w) >= 4}


def _says_title(sentence: str, title: str) -> bool:
    """Does `sentence` hold at least four fifths of `title`'s words (the title made from it),
    and say little more: at most two words, or a fifth of its own, the title left out.  A
    title cut from a longer sentence ("City council votes to close old harbour bridge …" of
    "…, after engineers found cracks in two of its supports") left the why off the card."""
    words = _stems(title)
    said = _stems(sentence)
    if not words or len(words & said) < 0.8 * len(words):
        return False
    return len(said - words) <= max(2, len(said) // 5)
