"""The core of a sentence: its subject, main verb and whole object (round 45 of issue 20).

Issue 20 asks for "a headline with one main verb and its object".  When no candidate of the
title steps passes the checks (`titles._checked_with`'s "unchecked"), the short cut used to be
printed as it was: "European Commission approves, under EU State aid rules" (the object cut
after an aside).  The core is the form that is printable by construction: the words before the
main verb, the verb's group (auxiliaries, adverbs, participle), an aside between commas right
after it dropped, then the object read with the tagger as one noun phrase to its last noun
(articles, adjectives, numbers, nouns, possessives, and "of" or "and" joining two such
phrases) and nothing after it.  It is offered only when that object ends on a noun or a
number that the sentence does not go on from (a complement of that noun, "of", "'s", a noun
after it).  Pure text: the tagger and the verb reader.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsletter.assemble import pos_tagger
from newsletter.assemble.headline_grammar import verb_index, word_set
from newsletter.assemble.title_check import TIME_WORDS

# Tags of the words of a noun phrase, of its last word, and of a verb's group.
_PHRASE = frozenset(
    {"DT", "PDT", "JJ", "JJR", "JJS", "CD", "NN", "NNS", "NNP", "NNPS", "PRP$", "POS"}
)
_HEADS = frozenset({"NN", "NNS", "NNP", "NNPS", "CD"})
_VERB_GROUP = frozenset({"VB", "VBD", "VBZ", "VBP", "VBN", "MD", "RB"})
# Words that join two noun phrases into one object ("15 car makers and ACEA", "adoption of …").
_JOINS = word_set("of and")
# What may follow an object: a word that opens a phrase of its own.
_OPENS_PHRASE = frozenset({"IN", "TO", "WDT", "WP", "CC"})
# The object's words other than articles and possessives: a bare noun ("files complaint") is
# too thin to be sure it is the whole object.
_CONTENT_WORDS = 2
_RELATIVES = word_set("that which who whom whose")
# Subjects that point back to what the title cannot show.
_POINTING = word_set("it this that these those they he she we")


def _plain(word: str) -> str:
    return word.strip("“”\"'‘’(),;:.!?").lower()


def core_sentence(sentence: str) -> str | None:
    """`sentence`'s subject, main verb group and whole object, as a sentence (see the module
    docstring); None when it has no such core: no verb, a subject that points back, no object
    of nouns, or an object the sentence goes on from."""
    words = sentence.split(" ")
    verb = verb_index(sentence)
    if verb is None or verb == 0 or _plain(words[0]) in _POINTING:
        return None
    if _plain(words[verb - 1]) in _RELATIVES:
        return None  # "wildfire that has forced …": a relative clause's verb, not the main one
    tags = pos_tagger.word_tags(sentence)
    if not tags[verb].startswith(("VB", "MD")):
        return None
    end = verb
    while end + 1 < len(words) and tags[end + 1] in _VERB_GROUP and not words[end].endswith(","):
        end += 1  # "has | officially | declared"
    start = end + 1
    if words[end].endswith(","):  # "has approved, under EU State aid rules, an …"
        aside = next((k for k in range(start, len(words)) if words[k].endswith(",")), None)
        if aside is None:
            return None
        start = aside + 1
    last = _object_end(words, tags, start)
    if last is None:
        return None
    group = [w.rstrip(",") if k == end else w for k, w in enumerate(words[: end + 1])]
    core = [*group, *words[start : last + 1]]
    return " ".join(core).rstrip(",;:") + "."


def _object_end(words: Sequence[str], tags: Sequence[str], start: int) -> int | None:
    """Where the object from `start` ends: the last noun or number of its noun phrases; None
    when it holds none, or when the sentence goes on from it (a noun, "of", "'s" next)."""
    last = None
    k = start
    while k < len(words) and _in_object(words, tags, k, start):
        if tags[k] in _HEADS:
            last = k
        if words[k].endswith((",", ";", ":", ".")):
            break
        k += 1
    if last is None or _goes_on(words, tags, last):
        return None
    content = [k for k in range(start, last + 1) if tags[k] not in ("DT", "PDT", "PRP$")]
    return last if len(content) >= _CONTENT_WORDS else None


def _in_object(words: Sequence[str], tags: Sequence[str], k: int, start: int) -> bool:
    """Whether the word at `k` belongs to the object begun at `start`: a noun phrase's word,
    "of" or "and" before another ("adoption of …"), an amount's adverb ("around €458", "over
    370" first), a participle between an article and the phrase ("an estimated €3 billion")."""
    tag, plain = tags[k], _plain(words[k])
    then = tags[k + 1] if k + 1 < len(tags) else ""
    amount = tag in ("RB", "IN") and then == "CD" and (k == start or tag == "RB")
    joins = plain in _JOINS and (then in _PHRASE or _amount_at(tags, k + 1))
    described = tag == "VBN" and k > start and tags[k - 1] == "DT" and then in _PHRASE
    return tag in _PHRASE or joins or amount or described


def _amount_at(tags: Sequence[str], k: int) -> bool:
    """An adverb before a number: "around €458 million"."""
    return k + 1 < len(tags) and tags[k] == "RB" and tags[k + 1] == "CD"


def _goes_on(words: Sequence[str], tags: Sequence[str], last: int) -> bool:
    """Whether the sentence goes on from its word at `last` within the object: a word after it
    that opens no phrase of its own (a noun, an "-ing" of a compound, an object's complement,
    "unchanged", an adverb), or after a comma another noun phrase (a list: "Austria, Belgium,
    …").  After the object only a preposition, "to", a relative or a conjunction may follow, or
    a comma before a clause ("…, killing …")."""
    if last + 1 >= len(words):
        return False
    following = tags[last + 1]
    if words[last].endswith((";", ":", ".")):
        return False
    if words[last].endswith(","):
        return following in _PHRASE
    after = _plain(words[last + 1])
    if after in TIME_WORDS:
        return False  # "sanctions | today"
    return following not in _OPENS_PHRASE or after == "of"
