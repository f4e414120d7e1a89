"""Short forms: an initialism in capitals is the name its letters spell.

A token of 2-5 capital letters ("SVB", "FDIC"; dots and a possessive dropped: "U.N.",
"SVB's") is a short form.  In a text that also names something in two or more capitalised
words whose initials it spells, in order, it is that name: "SVB" is "Silicon Valley Bank",
"FDIC" the "Federal Deposit Insurance Corporation", "FDA" the "Food and Drug Administration"
("of", "and", "for", "the", "de" between the words are skipped, or give their letter: "BOJ" is
the "Bank of Japan", "DOJ" the "Department of Justice").  The relevance ranker reads
a headline's short form as the lead's name and a headline's name as the lead's short form
(relevance.py), so no list of short forms is needed for names a story spells out.

A short form the vocabulary already knows ("US", "UK", "EU", "UN", "WHO": terms.py's
gazetteer) keeps its known sense: "US" is the United States, never a lead's "Union Station".
A place is never spelled by its initials: the gazetteer lists each place's forms, and
initials are no sure short form of a place ("LA" is also the article of "La Liga").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from newsletter.assemble import terms as t

# Lower-case words a name may hold between its capitalised words ("Food and Drug
# Administration", "Federal Bureau of Investigation"); they give no initial.
CONNECTORS = frozenset({"of", "and", "for", "the", "de"})
MIN_LETTERS, MAX_LETTERS = 2, 5
_SHORT = re.compile(r"[A-Z]{2,5}")


def short_form(token: str) -> str | None:
    """The capitals of a token that is a short form the vocabulary does not know, else None."""
    word = token.replace(".", "")
    for possessive in ("'s", "’s"):
        word = word.removesuffix(possessive)
    if not _SHORT.fullmatch(word):
        return None
    return None if _known(word) else word


@cache
def _known(word: str) -> bool:
    """True when the gazetteer or a variant family has the short form ("US", "UN", "WHO")."""
    concepts = t.vocabulary().concepts
    return any(stem in concepts for _, stem in t.token_words(word))


def names(text: str) -> dict[str, str]:
    """The names of capitalised words in a text by the initials they spell, first name first:
    "Silicon Valley Bank" → {"SVB": "Silicon Valley Bank", "SV": …, "VB": …}."""
    found: dict[str, str] = {}
    run: list[str] = []  # capitalised words and the connectors between them
    previous_end = -1
    for match in t.token_spans(text):
        token = match.group()
        if previous_end >= 0 and text[previous_end : match.start()].strip():
            _spell(run, found)  # punctuation between: the name ended
        previous_end = match.end()
        if _capitalised(token):
            run.append(token.removesuffix("'s").removesuffix("’s"))
        elif run and token in CONNECTORS:
            run.append(token)
        else:
            _spell(run, found)
    _spell(run, found)
    return {short: name for short, name in found.items() if not is_place(name)}


def is_place(name: str) -> bool:
    """True for a name the gazetteer knows as a place ("Los Angeles", "New York"): the
    gazetteer lists a place's other forms, and a place's initials are no sure short form of
    it ("NY", "SA", "LA", as in La Liga)."""
    concepts = [concept for _, concept in t.concept_pairs(name)]
    return bool(concepts) and all(map(t.is_place, concepts))


def _capitalised(token: str) -> bool:
    """A word in Title Case ("Valley", "McDonald"), not in capitals ("SANTA") or lower case."""
    return token[:1].isupper() and any(ch.islower() for ch in token[1:])


def _spell(run: list[str], found: dict[str, str]) -> None:
    """Record every name of two or more capitalised words within `run`, then empty it.  A
    name neither starts nor ends on a connector nor starts on a stopword ("On Sunday")."""
    capitals = [i for i, word in enumerate(run) if word not in CONNECTORS]
    for a, start in enumerate(capitals):
        if run[start].casefold() in t.STOPWORDS:
            continue
        for end in capitals[a + MIN_LETTERS - 1 : a + MAX_LETTERS]:
            words = run[start : end + 1]
            initials = "".join(w[0] for w in words if w not in CONNECTORS).upper()
            found.setdefault(initials, " ".join(words))
            # ... and with its connectors' initials too: "BOJ" is the "Bank of Japan" as
            # "BJ" would be, "DOJ" the "Department of Justice".
            spelled = "".join(w[0] for w in words).upper()
            if spelled != initials and len(spelled) <= MAX_LETTERS:
                found.setdefault(spelled, " ".join(words))
    run.clear()


def expand(text: str, spelled: Mapping[str, str]) -> str:
    """The text with every short form that spells one of `spelled`'s names written as it."""
    if not spelled:
        return text
    out: list[str] = []
    last = 0
    for match in t.token_spans(text):
        short = short_form(match.group())
        if short is not None and short in spelled:
            out += [text[last : match.start()], spelled[short]]
            last = match.end()
    return "".join(out) + text[last:] if out else text


def long_form(short: str) -> re.Pattern[str]:
    """A pattern for a name of capitalised words whose initials spell `short`, a connector
    giving its letter or not ("BOJ": "Bank of Japan"). A connector gives only an inner letter,
    standing alone between two words, so "FT" is never "for the" nor "ATP" "Arsenal and the
    Premier"."""
    gap = r"(?:\s+(?:" + "|".join(sorted(CONNECTORS)) + r"))*\s+"
    parts = []
    for at, letter in enumerate(short):
        word = rf"{letter}[a-z][\w'’‐‑-]*"
        joined = word if at == 0 else gap + word
        own = [c for c in sorted(CONNECTORS) if c[0] == letter.lower()]
        if own and 0 < at < len(short) - 1:
            joined = rf"(?:{joined}|\s+(?:{'|'.join(own)}))"
        parts.append(joined)
    return re.compile(r"\b" + "".join(parts) + r"\b")
