"""Derive a short headline for an untitled lead from its first sentence.

Wire stories open with the news in one sentence: "Peru is preparing to declare a state of
emergency along its border with Chile as growing numbers of migrants attempt to enter the
country, President José Jerí announced on Friday."  The headline is that sentence's main
clause: without the trailing attribution (", President José Jerí announced on Friday"), without
a leading "According to X,", and, when still too long, cut before a subordinate clause ("as
growing numbers...") or at a comma, never mid-word, without trailing punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property


class _Lazy:
    """A regular expression compiled on first use: importing this module must cost nothing."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    def __getattr__(self, name: str):
        return getattr(self.compiled, name)


# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col sgt capt cmdr adm gov sen rep st jr sr inc corp co ltd no
    vs etc jan feb mar apr jun jul aug sep sept oct nov dec mt ft ave
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_SENTENCE_END = _Lazy(r"[.!?][\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_SPEECH = (
    r"(?:said|says|announced|announces|told|tells|reported|reports|stated|states|confirmed|"
    r"confirms|declared|warned|wrote|added|according to)"
)
# ", President José Jerí announced on Friday." / ", officials said." / ", according to AP."
_TRAILING_ATTRIBUTION = _Lazy(
    rf",\s+(?:[^,]{{0,80}}?\s)?{_SPEECH}\b[^,]{{0,60}}$|,\s+according to [^,]{{1,80}}$",
    re.IGNORECASE,
)
_LEADING_ACCORDING = _Lazy(r"^according to [^,]{1,100},\s*", re.IGNORECASE)
# "Officials said on Friday that ..." → "..."
_LEADING_SAID_THAT = _Lazy(rf"^[^,]{{1,80}}?\s{_SPEECH}(?:\s[^,]{{0,30}}?)?\sthat\s", re.IGNORECASE)
_SUBORDINATE = _Lazy(
    r"\s(?:as|after|amid|while|following|because|since|despite|before|when|where|which|"
    r"who|although|though|even as|even though|unless|until|prompting|saying|"
    r"in connection with|in response to|on suspicion of|on charges of)\s",
    re.IGNORECASE,
)
# Second choice: before "and" or a prepositional phrase ("... 200 Venezuelans | to a prison").
_PREPOSITION = _Lazy(
    r"\s(?:and|to|in|on|at|over|for|with|from|into|near|along|across|under|by|during|against)\s",
    re.IGNORECASE,
)
_NOT_A_CLAUSE = _Lazy(r"\s(?:such as|as well as|as of|as many as|as much as|as few as)\s", re.I)
_DANGLING = _Lazy(
    r"(?:\s+(?:a|an|the|and|or|but|of|to|in|on|at|for|with|by|from|its|their|his|her|that))+$",
    re.IGNORECASE,
)
_TRAILING_PUNCT = _Lazy(r"[\s.,;:!?\"'“”‘’—–-]+$")
# "A fire that tore through towers in Hong Kong's Tai Po district has killed at least 44
# people": a subject of a few words, a relative clause, then the main verb.
_RELATIVE_SUBJECT = _Lazy(
    r"^(?P<subject>(?:\S+\s){1,5}?)(?:that|which|who)\s(?P<clause>.+?)\s"
    r"(?P<verb>(?:has|have|had|is|are|was|were|will|would|could|may|might|must)\s.+)$",
    re.IGNORECASE,
)


def sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences (abbreviations like "Gen." or "U.S." end none)."""
    found, start = [], 0
    for match in _SENTENCE_END.finditer(paragraph):
        word = re.search(r"(\S+)\.$", paragraph[start : match.start() + 1])
        if word:
            stem = word.group(1).strip("\"'“‘(").lower()
            if stem in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", stem):
                continue  # "Gen. Valverde", "U.S. officials", "J. Smith"
        found.append(paragraph[start : match.end()].strip())
        start = match.end()
    rest = paragraph[start:].strip()
    return [*found, rest] if rest else found


def first_sentence(paragraph: str) -> str:
    """The first sentence of a paragraph."""
    return next(iter(sentences(paragraph)), paragraph.strip())


def derive_title(paragraphs: Sequence[str], max_chars: int = 80) -> str:
    """A short headline from the first sentence's main clause, at most `max_chars` characters.

    Drops a trailing attribution and a leading "According to X,"; when still too long, cuts
    before a subordinate clause or at a comma, else at the last whole word that fits.  Returns
    "" when there is no text at all.
    """
    paragraph = next((p.strip() for p in paragraphs if p and p.strip()), "")
    if not paragraph:
        return ""
    sentence = _TRAILING_PUNCT.sub("", " ".join(first_sentence(paragraph).split()))
    sentence = _LEADING_ACCORDING.sub("", sentence)
    sentence = _LEADING_SAID_THAT.sub("", sentence)
    sentence = _TRAILING_PUNCT.sub("", _TRAILING_ATTRIBUTION.sub("", sentence))
    if len(sentence) > max_chars:
        sentence = _without_relative_clause(sentence)
    if len(sentence) > max_chars:
        sentence = _shorten(sentence, max_chars)
    sentence = _TRAILING_PUNCT.sub("", sentence)
    return sentence[:1].upper() + sentence[1:]


def _without_relative_clause(sentence: str) -> str:
    """Drop a relative clause between a short subject and its verb, keeping where it happened.

    Cutting such a sentence before a subordinate clause would leave a title without a verb
    ("A fire that tore through several high-rise residential towers").
    """
    m = _RELATIVE_SUBJECT.match(sentence)
    if m is None:
        return sentence
    place = re.search(r"\s(in|at|near|outside)\s(?!.*\s(?:in|at|near|outside)\s)(.+)$", m["clause"])
    where = f"{place.group(1)} {place.group(2)} " if place else ""
    return f"{m['subject']}{where}{m['verb']}"


def _shorten(sentence: str, max_chars: int) -> str:
    # Prefer the longest main clause that fits, cut before a subordinate clause or at a comma;
    # a cut leaving under a third of the room would lose the news, so fall back to words.
    blocked = {m.start() for m in _NOT_A_CLAUSE.finditer(sentence)}
    cuts = [m.start() for m in _SUBORDINATE.finditer(sentence) if m.start() not in blocked]
    cuts += [
        m.start()
        for m in re.finditer(r"[,;:—–]", sentence)
        if not _in_apposition(sentence, m.start())
    ]
    fitting = [c for c in cuts if max_chars // 3 <= c <= max_chars]
    if not fitting:
        fitting = [
            m.start()
            for m in _PREPOSITION.finditer(sentence)
            if max_chars // 3 <= m.start() <= max_chars
        ]
    if fitting:
        return _tidy(sentence[: max(fitting)])
    cut = sentence.rfind(" ", 0, max_chars + 1)
    return _tidy(sentence[: cut if cut > 0 else max_chars])


def _in_apposition(sentence: str, comma: int) -> bool:
    """A comma around a place's region ("in Belém, Brazil, agreed") cuts no clause."""
    before = sentence[:comma]
    after = sentence[comma + 1 :]
    region = re.match(r"\s*((?:[A-Z][\w.'’-]*\s?){1,3}),", after)
    if region:  # the first comma of ", Brazil,"
        return True
    return bool(re.search(r",\s*(?:[A-Z][\w.'’-]*\s?){1,3}$", before))  # its second comma


def _tidy(text: str) -> str:
    text = _TRAILING_PUNCT.sub("", text)
    return _TRAILING_PUNCT.sub("", _DANGLING.sub("", text))
