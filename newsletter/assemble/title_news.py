"""Which sentence of a lead's opening reports the news when the first only states (round 26).

docs/ranking-measurements.md, *Titles*, has the round's cases.

A first sentence can state rather than report: "Collin Morikawa is the champion golfer of the
year.", "Judges are supposed to be the people who …", "Volunteering to be part of a medical
research study has risks and benefits."  Such a sentence's main verb is a form of "be" or
"have" with no verb after it (a noun phrase, an adjective, "supposed to"), and it holds no time
and no number: nothing happened in it.  The news is then in a later sentence that does hold
one, names someone (a proper noun) and has a main verb that is no form of "be" or "have":
"Morikawa captured The Open on Sunday for his second major title in two years."  Both are
read by general signals (the main verb `verb_index` finds, the part-of-speech tagger, a time or
a number), never by a list of stories.
"""

from __future__ import annotations

import re

from newsletter.assemble.headline_grammar import Lazy, verb_index, word_set
from newsletter.assemble.pos_tagger import FINITE, word_tags

# A main verb that states: a form of "be" or "have" (a copula or a possession).
_STATE_VERBS = word_set("is are was were has have")
# What anchors a sentence to an event: a day, a month, "yesterday", a figure or a count.
_ANCHOR = Lazy(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds|thousands|millions)\b"
    r"|\d",
    re.IGNORECASE,
)
# A state with its cause in the sentence ("services were in disarray when an update caused …")
# is read by `title_clause._event_over_state`, not here.
_OWN_EVENT = Lazy(r"\s(?:when|as|after|where|while|because|following)\s")


def _verb(sentence: str) -> tuple[list[str], int] | None:
    """The sentence's words and the index of its main verb, or None when it has none."""
    index = verb_index(sentence)
    words = sentence.split(" ")
    if index is not None and index < len(words) and words[index].lower() == "to":
        # "Volunteering to be part of a medical research study has risks": "to" opens the
        # subject's infinitive; the verb is the first finite one the tagger reads
        tags = word_tags(sentence)
        index = next((i for i in range(index, len(words)) if tags[i] in FINITE), None)
    return (words, index) if index is not None and index < len(words) else None


def states(sentence: str) -> bool:
    """Whether `sentence` states rather than reports: its main verb is a form of "be" or "have"
    followed (after any adverbs) by no verb, or by "supposed", and it holds no time, no number
    and no event of its own."""
    found = _verb(sentence)
    if found is None or _ANCHOR.search(sentence) or _OWN_EVENT.search(sentence):
        return False
    words, index = found
    if words[index].lower() not in _STATE_VERBS:
        return False
    tags = word_tags(sentence)
    after = index + 1
    while after < len(words) and tags[after].startswith("RB"):
        after += 1  # "is easily the single most important duty"
    if after >= len(words):
        return False
    return words[after].lower() == "supposed" or not tags[after].startswith("VB")


def reports(sentence: str) -> bool:
    """Whether `sentence` reports an event: a time or a number, a proper noun, and a main verb
    that is no form of "be" or "have" ("Morikawa captured The Open on Sunday …")."""
    found = _verb(sentence)
    if found is None or not _ANCHOR.search(sentence):
        return False
    words, index = found
    if words[index].lower() in _STATE_VERBS:
        return False
    return any(tag.startswith("NNP") for tag in word_tags(sentence))


def tagged_verb(title: str) -> bool:
    """Whether the word `verb_index` reads as the title's main verb is a verb to the tagger
    too ("About 40% of volunteers participating in medical research": "volunteers" is a noun,
    so no verb)."""
    found = _verb(title)
    return found is not None and word_tags(title)[found[1]].startswith(("VB", "MD"))


def _plain(word: str) -> str:
    return word.strip("“”\"'‘’(),;:.!?").lower()


_ARTICLES = ("a", "an", "the")
_LIST_ENDS = ("and", "or")


def list_end(title: str, sentence: str) -> str | None:
    """Round 26c: the words that complete a list the title was cut inside ("… in red, green" +
    ", and yellow"; "… by force, fraud" + ", or coercion"): when the title ends on a list's
    item after a comma, and the sentence goes on after that item with a comma and "and" or
    "or", the rest of the list up to its last item (the word after "and"/"or", and any words
    the tagger reads as nouns after it); None otherwise."""
    words = title.split(" ")
    if len(words) < 3 or not words[-2].endswith(","):
        return None
    key = [_plain(w) for w in words[-3:]]
    raw = sentence.split(" ")
    kept = [i for i, w in enumerate(raw) if _plain(w) not in _ARTICLES]  # titles drop them
    for n in range(2, len(kept) - 2):
        at = kept[n]
        if [_plain(raw[i]) for i in kept[n - 2 : n + 1]] != key or not raw[at].endswith(","):
            continue
        if _plain(raw[at + 1]) not in _LIST_ENDS or not raw[at].endswith(","):
            return None
        end = at + 3
        tags = word_tags(sentence)
        while end < len(raw) and tags[end - 1].startswith("NN") and tags[end].startswith("NN"):
            end += 1  # "and support equipment": the last item's noun phrase
        rest = " ".join(raw[at + 1 : end])
        return ", " + rest.rstrip(",;:.")
    return None
