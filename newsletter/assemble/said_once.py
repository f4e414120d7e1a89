"""A feed story's text as the lead's ranking reads it: each thing said once (docs/security.md).

A feed is an outsider's: an item can repeat the week's words (its sentences again and again,
a phrase 60 times, a word list) so its profile and its model text are all those words, and
it out-ranks the editor's own story for the lead on coverage it does not have. What a reader
learns from a sentence said twice is what they learnt the first time, so the lead's ranking
reads a feed story (assemble/lead.py) with term frequency saturated:

1. a sentence said before (the same words, case and spaces aside) is read once;
2. a run of words said `RUN_TIMES` times before is not read again: a word is skipped when the
   `RUN` words starting at it were said that often in that order (a phrase or sentence
   repeated without full stops; a quote's rhetoric repeats a phrase once, stuffing 60 times);
3. a word is read at most `WORD_TIMES` times, but the commonest words (Zipf 6 or more: "the",
   "of", "said"), which weigh nothing in the profile: the BM25-like cap, for words listed in
   any order.

Natural prose is read as written: the labelled set's real stories repeat no sentence, and a
newsroom story says its subject's name far fewer than `WORD_TIMES` times in most paragraphs
(`tests/test_lead_stuffing.py` checks the labelled leads read unchanged but for the cap).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from newsletter.assemble.terms import zipf
from newsletter.sources.text import sentences

RUN = 5  # words in a row said before, in that order: a repeated phrase
RUN_TIMES = 2  # ... read twice at most (a speaker's "The Europe I want to live in" twice)
WORD_TIMES = 8  # a word read at most this many times in one story
COMMON_ZIPF = 6.0  # words this common are never capped (they weigh nothing)
_EDGES = re.compile(r"^\W+|\W+$")


def said_once(paragraphs: Sequence[str]) -> tuple[str, ...]:
    """The paragraphs with each sentence, run of words and word said at most as the module
    docstring says; paragraphs left empty are dropped."""
    seen_sentences: set[str] = set()
    seen_runs: Counter[tuple[str, ...]] = Counter()
    counts: Counter[str] = Counter()
    kept: list[str] = []
    for paragraph in paragraphs:
        words: list[str] = []
        for sentence in sentences(paragraph):
            key = " ".join(sentence.casefold().split())
            if key in seen_sentences:
                continue
            seen_sentences.add(key)
            words += _new_words(sentence.split(), seen_runs, counts)
        if words:
            kept.append(" ".join(words))
    return tuple(kept)


def _new_words(
    words: list[str], seen_runs: Counter[tuple[str, ...]], counts: Counter[str]
) -> list[str]:
    """`words` without those starting a run said RUN_TIMES times before, or said WORD_TIMES
    times already."""
    plain = [_EDGES.sub("", w).casefold() for w in words]
    kept = []
    for i, word in enumerate(words):
        run = tuple(plain[i : i + RUN])
        if len(run) == RUN:
            seen_runs[run] += 1
            if seen_runs[run] > RUN_TIMES:
                continue
        key = plain[i]
        if key and zipf(key) < COMMON_ZIPF:
            counts[key] += 1
            if counts[key] > WORD_TIMES:
                continue
        kept.append(word)
    return kept
