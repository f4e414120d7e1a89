"""The news told after a teaser, a scene, a state or a reaction (round 36).

docs/ranking-measurements.md, *Derived titles …*, has the round's cases.

A first sentence can hold back the news: a reaction ("An unexpected announcement from
Caterpillar has many in Elkader surprised", "Cameron Champ broke down in tears when it was
over"), an announcement of an announcement ("A jury has delivered the verdict for Maurice
McCarty", "… has just been announced"), a state ("There was a fire …", "The second time was the
charm for SpaceX, which …", "Tuesday's runoff election contained one of the biggest losses …")
or a scene ("The inevitable happened … when …", "The workers were sleeping when …").  An editor
then takes the news from where it is told: the sentence's own clause that carries it (", which
launched …" after a name, "when the incumbent, Eric Adams, officially ended …", "after booking
…") or the first later sentence of the first two paragraphs whose subject names someone or
counts people and whose main verb tells an event ("He was found guilty of …", the pronoun or
"the 24-year-old Californian" given the one name of the first sentence).  `news_elsewhere`
only offers those sentences; the title is derived from them and kept only when it prints whole
(`titles.chosen_title`); otherwise the title is derived as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from newsletter.assemble.headline_grammar import (
    Lazy,
    ing_base,
    third_person,
    verb_index,
    word_set,
)
from newsletter.assemble.pos_tagger import word_tags

# A first sentence that holds the news back (read on the whole sentence, case ignored).
_TEASER = Lazy(
    r"^there\s(?:was|were)\s"  # a state: "There was a fire on Monday in …"
    r"|\bha(?:s|ve)\s(?:many|some|everyone|residents|fans)\b[^.]{0,40}\s"
    r"(?:surprised|stunned|shocked|puzzled|talking|wondering|reeling|buzzing)\b"  # a reaction
    r"|\b(?:broke|breaks)\sdown\sin\stears\b|\bwhen\sit\swas\sover\b"
    r"|\bwas\sleft\s[a-z]+ing\s(?:himself|herself|themselves)\b"
    r"|\bha(?:s|ve)\s(?:just\s)?been\sannounced\.?$"  # an announcement of an announcement
    r"|\bha(?:s|ve)\sdelivered\s(?:the|its|a)\sverdict\b"
    r"|^(?:the\s)?(?:inevitable|unthinkable|unexpected|unimaginable)\shappened\b"
    r"|^so\smuch\shad\shappened\b|\bwas\sthe\scharm\b"
    r"|^\S+\s(?:[a-z]+\s)?(?:runoff|election|vote|race)\scontained\sone\sof\sthe\s[a-z]+est\b"
    r"|^the\s[a-z]+\swere\s[a-z]+ing\swhen\s"  # a scene: "The workers were sleeping when …"
    r"|^(?:a\s)?(?:video|footage|images|photos)\b[^.]{0,60}?\sshow(?:s|ed)?\s",  # a scene shown
    re.IGNORECASE,
)

# The sentence's own clause that carries the news.
_WHICH = Lazy(r"(?P<name>(?:[A-Z][\w.&'-]*\s?)+),\s(?:which|who)\s(?P<rest>[a-z].+)$")
_WHEN = Lazy(
    r"\swhen\s(?:the\s(?P<role>[a-z]+),\s(?P<name>(?:[A-Z][\w.'-]*\s?)+),\s)?(?P<rest>.+)$"
)
_SHOWN = Lazy(
    r"\sshow(?:s|ed)?\s(?P<np>(?:a|an|the)\s[^,]+?)(?:’s|'s)?\s(?P<ing>[a-z]+ing)\s(?P<rest>.+)$"
)
_ANNOUNCED = Lazy(
    r"^the\s(?P<what>discovery|arrest|closure|sale)\sof\s(?P<np>.+?)\sha(?:s|ve)\s(?:just\s)?"
    r"been\sannounced\.?$",
    re.IGNORECASE,
)
_PARTICIPLE = {"discovery": "discovered", "arrest": "arrested", "closure": "closed", "sale": "sold"}
_AFTER = Lazy(r"\safter\s(?P<ing>[a-z]+ing)\s(?P<rest>.+)$")

# A later sentence's subject that stands for the first sentence's one person.
_STAND_IN = Lazy(r"^(?:He|She)\s|(?<=,\s)the\s\d+-year-old\s[A-Z][a-z]+\s")
# A leading participle's phrase before a named subject ("Competing while …, Cameron Champ won").
_LEADING_ING = Lazy(r"^[A-Z][a-z]+ing\s[^,]{0,120},\s(?=[A-Z])")
_NAME = Lazy(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+[A-Za-z]*)+\b")
# A count of people as a subject ("38 people", "Thirteen workers").
_COUNT = Lazy(
    r"^(?:\d[\d,]*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"dozens|hundreds|thousands)\s(?:people|persons|workers|residents|villagers|passengers)\b",
    re.IGNORECASE,
)
# A main verb that tells an event (its base form), active or passive.
_EVENT_VERBS = word_set(
    "win beat defeat elect kill die injure find convict sentence acquit launch close shut "
    "announce sign approve vote arrest charge discover destroy collapse crash strike"
)
_IRREGULAR = {"won": "win", "beat": "beat", "found": "find", "struck": "strike", "shut": "shut"}


def teases(sentence: str) -> bool:
    """Whether a first sentence holds the news back: a reaction, a state, a scene or an
    announcement of an announcement (module docstring)."""
    return _TEASER.search(sentence) is not None


def news_elsewhere(first: str, later: Sequence[str]) -> Iterator[str]:
    """The sentences, best first, an editor takes the news from when `first` teases: its own
    clause that carries it, then the later sentences (of the first two paragraphs, in order)
    that carry an event.  Nothing when `first` does not tease."""
    if not teases(first):
        return
    own = _own_clause(first)
    if own is not None:
        yield own
    names = set(_NAME.findall(first))
    name = names.pop() if len(names) == 1 else None
    for sentence in later:
        if name is not None:
            sentence = _STAND_IN.sub(lambda m: m[0].replace(m[0].strip(), name), sentence, 1)
        sentence = _LEADING_ING.sub("", sentence, 1)
        if carries_event(sentence):
            yield sentence


def _own_clause(first: str) -> str | None:
    """ "…, which launched …" after a name, "when the incumbent, Eric Adams, ended …", or
    "<subject> … after booking …" as a sentence of its own; None when it has none."""
    m = _WHICH.search(first)
    if m is not None and word_tags(m["rest"])[0].startswith("VBD"):
        return f"{m['name'].strip()} {m['rest']}"
    m = _ANNOUNCED.match(first)
    if m is not None:
        return f"{m['np'][0].upper()}{m['np'][1:]} has been {_PARTICIPLE[m['what'].lower()]}."
    m = _SHOWN.search(first)
    if m is not None and ing_base(m["ing"]):
        rest = _AND_ING.sub(_joined_present, m["rest"])  # "… and plunging" → "… and plunges"
        return f"{m['np'][0].upper()}{m['np'][1:]} {third_person(str(ing_base(m['ing'])))} {rest}"
    m = _WHEN.search(first)
    if m is not None and m["name"]:
        return f"{m['role'].capitalize()} {m['name'].strip()} {m['rest']}"
    m = _AFTER.search(first)
    verb = verb_index(first)
    base = ing_base(m["ing"]) if m is not None else None
    if m is not None and base is not None and verb:
        subject = " ".join(first.split(" ")[:verb])
        return f"{subject} {third_person(base)} {m['rest']}"
    return None


_AND_ING = Lazy(r"\band\s(?P<ing>[a-z]+ing)\b")


def _joined_present(m: re.Match[str]) -> str:
    base = ing_base(m["ing"])
    return f"and {third_person(base)}" if base else m[0]


def carries_event(sentence: str) -> bool:
    """Whether `sentence` tells an event: its subject names someone (a proper noun) or counts
    people, and its main verb (or the participle after "was", "has been") is an event's."""
    words = sentence.split(" ")
    verb = verb_index(sentence)
    if not verb or verb >= len(words) - 1:
        return False
    tags = word_tags(sentence)
    named = any(t.startswith("NNP") for t in tags[:verb]) or _COUNT.match(sentence) is not None
    if not named or sentence.lstrip().startswith(("“", '"')):
        return False
    at = verb
    while at < len(words) - 1 and words[at].lower() in ("was", "were", "has", "have", "been"):
        at += 1
    return _base(words[at].lower().strip(",")) in _EVENT_VERBS


def _base(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for end, cut in (("ied", "y"), ("ed", ""), ("d", ""), ("s", ""), ("ing", "")):
        if word.endswith(end) and word[: len(word) - len(end)] + cut in _EVENT_VERBS:
            return word[: len(word) - len(end)] + cut
    if word.endswith("ed") and word[:-3] in _EVENT_VERBS:
        return word[:-3]
    return word
