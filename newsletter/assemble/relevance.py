"""Rank candidate headlines by relevance to the lead story.

The lead becomes a profile: a weight for each of its concepts (terms.py).  A weight is the
concept's salience in the lead (its occurrences, counted 3x in the title and 2x in the first
paragraph) times its background rarity (English word frequency of all the lead's words for it,
an IDF proxy: "announced" or "friday" weigh little), divided by the heaviest concept's, so the
lead's central concept weighs 1.0.  When that is a name ("DeepSeek"), every topic word is
secondary.

Names and places are weak evidence: a person or organisation (capitalised in the lead's
running text and not a common word, e.g. "Trump", "Kast", or a capitalised title such as
"Prime Minister") counts `NAME_SHARE` of its weight, a place `PLACE_SHARE`, and all names and
places of a headline together add at most `WEAK_CAP`.  Two exceptions: a name the story is
about, central to the lead (`CENTRAL_NAME`) and no household word, counts as a topic; and two
names the lead repeats or puts in its title (the teams of a final, the companies of a merger)
count together, at their full weight, as the headline's topic.

A headline scores the sum of the weights of the lead concepts it contains (a word's other
forms, "acquire" and "acquisition", are the embedding model's to find: meaning.py).  A topic is
"core" when the lead repeats it or puts it in its title (an untitled lead's first sentence
stands in for the title); a headline that matches no core topic and fewer than
`PASSING_WORDS` passing words is capped at `WEAK_CAP`.  A common word (`FALSE_FRIEND_ZIPF`)
that only shares its stem with the lead's word ("National" Guard, the lead's "nations") is
no match at all; nor is a common word the lead only refers back with ("the move", "the area":
`_refers_back`; "the world", "the country", with a single referent, refer to nothing said
before and stay topics), nor a noun for a word the lead only uses as a verb ("Use of Signal" against
"signaling": `_as_noun`).  A common word ending a compound after a name is the compound's
("White House-area": terms.py).

`related_count` cuts Related: a score of `RELATED_THRESHOLD` or more, or, in a week whose
best headline reaches that threshold, `RELATED_FLOOR` and `POOL_SHARE` of the best.  In a week
whose best is under the threshold nothing is Related, so a small pool of unrelated headlines
leaves it empty rather than promoting the least bad: a headline reaches it with the lead's
central topic, or with secondary topics together, or one plus a place or a name; never with
a name, a place or one passing word alone.
"""

from __future__ import annotations

import gc
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import chain
from types import MappingProxyType
from typing import Literal, NamedTuple

from newsletter.assemble import short_forms as sf
from newsletter.assemble import terms as t
from newsletter.assemble.duplicates import NEAR_DUPLICATE_WINDOW, group_near_duplicates
from newsletter.assemble.headline_grammar import verb_index  # loaded with assemble/ anyway
from newsletter.models import Headline, ScoredHeadline
from newsletter.sources.text import sentences

# The score that always makes "Related" (1.0 is the weight of the lead's central concept);
# first calibrated on the written leads 01-06 of tests/data/labelled.
RELATED_THRESHOLD: float = 0.7
# In a week whose best headline reaches the threshold, a headline also reaches Related at
# RELATED_FLOOR and at least POOL_SHARE of the best: once the week has clearly related news,
# a headline sharing the lead's name, place or a secondary topic is most likely more of it.
# In a week whose best headline is under the threshold nothing is Related, so a week with no
# related news leaves Related empty rather than promoting the least bad.  Fitted on the real
# dev leads of tests/data/labelled (5-fold cross-validation in tests/test_relevance.py).
RELATED_FLOOR: float = 0.6
POOL_SHARE: float = 0.2

NAME_SHARE = 0.35
# A headline word this common that is none of the lead's words for the concept is no match:
# "national" 5.5, "million" 5.3 go; "warns" 4.3, "arrests" 4.3 stay evidence.
FALSE_FRIEND_ZIPF = 5.0
# A name the lead is about (weighing at least this share of its central concept) and that is
# no household word (rarer than RARE_ZIPF: "DeepSeek", "Helene", "Kast", not "Trump") counts
# in full, like a topic.
CENTRAL_NAME = 0.6
PLACE_SHARE = 0.5
WEAK_CAP = 0.5
PASSING_WORDS = 3
TITLE_WEIGHT, FIRST_PARAGRAPH_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0
# Rarity falls linearly from Zipf 3.5 (1.0) to 5.8 (0.05): "migrants" 3.9 → 0.83,
# "border" 4.7 → 0.48, "announced" 5.0 → 0.35, "president" 5.45 → 0.15.
COMMON_ZIPF, RARE_ZIPF, MIN_RARITY = 5.8, 3.5, 0.05
TITLE_WORDS = frozenset(
    """
    president prime minister chancellor senator sen rep representative congressman
    congresswoman governor gov mayor general gen secretary mr mrs ms dr king queen pope
    prince princess judge justice ceo chief commissioner ambassador director coach captain
    premier vice lieutenant lt colonel col sergeant sgt sheikh emir ayatollah chairman
    chairwoman spokesman spokeswoman officer detective inspector archbishop bishop
    cardinal
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# A common noun right after one of these refers back to something the lead said before.
DEFINITE = frozenset({"the", "this", "that", "these", "those", "such"})
# ... unless the noun has a single referent, so "the" picks it out without an antecedent
# (Löbner's individual nouns): "around the world", "across the country", "the nation" name the
# whole, not something the lead said before.  ("the move", "the area" need an antecedent.)
UNIQUE_REFERENTS = frozenset("world country nation earth planet globe sun moon".split())  # noqa: SIM905

# A bare word after one of these is a noun ("use of Signal", "a signal").
NOUN_CUES = frozenset(
    "a an the of for with by from on in at his her its their our my your this that".split()  # noqa: SIM905
)

Kind = Literal["topic", "name", "place"]


class LeadConcept(NamedTuple):
    """One concept of the lead: how much it counts and the lead's words for it."""

    concept: str
    weight: float  # contribution to a headline's score when the headline contains it
    kind: Kind
    forms: tuple[str, ...]  # the lead's words for it, most frequent first
    core: bool = False  # a topic the lead repeats or puts in its title, not a passing word
    # For a name the lead repeats or puts in its title: what it counts in a headline that
    # names two such names (the teams of a final, the companies of a merger); else 0.
    paired: float = 0.0
    # A word the lead says only after a figure, to count with ("by 34 votes to 19"): a measure
    # of its story, never a topic the story's coverage can make core (meaning.coverage_profile).
    measure: bool = False
    # A word the lead says only as the last word of a dashed compound ("traded" of
    # "exchange-traded funds", "term" of "short-term rate"): a kind of the compound's noun, so
    # it matches a headline's word only in another such compound (`_Ranker.part_of`).
    compound: bool = False
    # The title's main verb ("ends" of "The Bank of Japan ends negative interest rates"): what
    # happened to the things it acts on, no core topic on its own.
    verb: bool = False


class LeadProfile(NamedTuple):
    """What a headline is compared with: the lead's concepts and their weights."""

    concepts: Mapping[str, LeadConcept]
    # The lead's names by the initials they spell ("SVB" → "Silicon Valley Bank"): a
    # headline's short form is the name (short_forms.py).
    short_forms: Mapping[str, str] = MappingProxyType({})
    # The lead's short forms that spell none of its names ("FDIC" alone), each with a pattern
    # for a headline's name whose initials spell it: (concept, pattern).
    long_forms: tuple[tuple[str, re.Pattern[str]], ...] = ()
    # The lead's proper nouns that only say where its subject is ("Birmingham" of "Birmingham
    # City Council", "into the Patapsco"): meaning.py asks whether a headline's link to the
    # lead is one of these alone (`place_nouns`).
    place_words: frozenset[str] = frozenset()
    # The lead's names and places: the concepts it writes only capitalised (a name, a place, or
    # a name the story is about, counted as a topic) and its place nouns.  story_views.py reads
    # a headline without them to see the event it tells.
    proper: frozenset[str] = frozenset()


class _Seen:
    """What the lead says about one concept, gathered while reading it."""

    __slots__ = (
        "compound",
        "counted",
        "forms",
        "in_title",
        "lowercase",
        "name_cue",
        "nouns",
        "plain_uses",
        "salience",
        "verb",
    )

    def __init__(self) -> None:
        self.salience = 0.0
        self.plain_uses = 0  # uses not after "the", "this", ...: the word said for itself
        self.counted = 0  # uses right after a figure ("34 votes", "0.1 percent"): a measure
        self.in_title = False
        self.forms: dict[str, int] | None = None
        self.lowercase = False  # written in lower case somewhere: an ordinary word
        self.name_cue = False  # capitalised where an ordinary word would not be
        self.compound = False  # said only as a lower-case dashed compound's last word
        self.verb = False  # the title's main verb
        self.nouns = 0  # uses after an article, a preposition or a possessive: a thing


def lead_profile(title: str | None, paragraphs: Sequence[str]) -> LeadProfile:
    """Build the profile of a lead story once; `rank_headlines` reuses it for every headline.

    A short form the lead spells out elsewhere ("the FDIC") counts as the name it spells."""
    spelled, title, paragraphs = _spelled_out(title, paragraphs)
    seen = _read_lead(title, paragraphs)
    _mark_compounds_and_verb(seen, title, paragraphs)
    for concept in _said_as_margin_only((title or "", *paragraphs)):
        del seen[concept]
    raw: dict[str, tuple[float, Kind]] = {}
    for concept, entry in seen.items():
        if t.is_number(concept) or not entry.forms or _refers_back(concept, entry):
            continue
        # A concept is as common as all the lead's words for it together ("president" and
        # "presidential"): log10 of the summed frequencies.
        rarity = _rarity(math.log10(sum(10 ** t.zipf(w) for w in entry.forms)))
        kind: Kind = "place" if t.is_place(concept) else "topic"
        if kind == "topic" and not t.is_family(concept) and entry.name_cue and not entry.lowercase:
            kind = "name"
        raw[concept] = (entry.salience * rarity, kind)
    # The lead's central concept weighs 1.0 whatever its kind: when that is a name
    # ("DeepSeek"), every topic word is secondary and none reaches Related alone.
    top = max((w for w, _ in raw.values()), default=1.0) or 1.0
    concepts = {
        concept: _lead_concept(concept, weight / top, kind, seen[concept])
        for concept, (weight, kind) in raw.items()
    }
    long_forms = _long_forms((title or "", *paragraphs), concepts)
    place_words = frozenset(
        c for c in place_nouns(title, paragraphs) if c in concepts and concepts[c].kind == "topic"
    )
    proper = place_words.union(_names_in(paragraphs, raw))
    return LeadProfile(
        MappingProxyType(concepts), MappingProxyType(spelled), long_forms, place_words, proper
    )


def _names_in(paragraphs: Sequence[str], raw: Mapping[str, tuple[float, Kind]]) -> set[str]:
    """The lead's names and places its paragraphs say (always capitalised: not a word of a
    title in Title Case, "Quits", that the body never says)."""
    said = {c for paragraph in paragraphs for _, c in t.concept_pairs(paragraph)}
    return {c for c, (_, kind) in raw.items() if kind != "topic" and c in said}


def place_nouns(title: str | None, paragraphs: Sequence[str]) -> frozenset[str]:
    """The lead's proper nouns that say where, or whose, its subject is: concepts it writes
    capitalised, never in lower case, and more often than not in a dateline ("LUBBOCK, Texas
    —"), after a preposition of place ("in Lubbock", "into the Patapsco", "the council of
    Birmingham") or as the first words of a name whose last word the lead also uses as a common
    noun ("Birmingham City Council" and "the council"; "Lubbock County" and "nine counties").
    A proper noun the story is about is said mostly otherwise ("DeepSeek's app", "Mubarak
    resigned"); one said once as a place and once as a subject ("Birmingham's leaders") is
    neither, and is no place noun.

    A title in Title Case (no lower-case word of its own) is not read: every word is a capital."""
    sentence_case = bool(title) and any(
        token[:1].islower() and token.casefold() not in t.STOPWORDS
        for token in t.tokens(title or "")
    )
    lower = {
        concept
        for text in (title or "", *paragraphs)
        for token in t.tokens(text)
        if token[:1].islower()
        for _, concept in t.concept_pairs(token)
    }
    place: Counter[str] = Counter()
    other: Counter[str] = Counter()
    for text in [*([title or ""] if sentence_case else []), *paragraphs]:
        for concepts, where in _capitals(text, lower):
            (place if where else other).update(concepts)
    return frozenset(c for c in place if place[c] > other[c] and c not in lower)


def _capitals(text: str, lower: set[str]) -> list[tuple[set[str], bool]]:
    """Each capitalised token's concepts, and whether it says where (`place_nouns`)."""
    spans = t.token_spans(text)
    found = []
    for index, span in enumerate(spans):
        if span.group()[:1].isupper():
            where = (
                _dateline(text, spans, index)
                or _after_place_word(text, spans, index)
                or _qualifies(text, spans, index, lower)
            )
            found.append(({concept for _, concept in t.concept_pairs(span.group())}, where))
    return found


# Prepositions of place: a capitalised word right after one (or after one and "the") is where.
PLACE_WORDS = frozenset("in at near into from across outside around throughout of".split())  # noqa: SIM905


def _dateline(text: str, spans: Sequence[re.Match[str]], index: int) -> bool:
    """Whether the token at `index` opens the text in capitals before a comma, a bracket or a
    dash: a dateline ("BIRMINGHAM, England (AP) —", "LUBBOCK —") says where it was written."""
    if index != 0 or not spans[0].group().isupper() or len(spans[0].group()) < 2:
        return False
    return text[spans[0].end() :].lstrip()[:1] in {",", "(", "—", "–", "-"}


def _after_place_word(text: str, spans: Sequence[re.Match[str]], index: int) -> bool:
    """Whether the token at `index` follows a preposition of place ("in", "into the")."""
    back = index - 1
    while back >= 0:
        gap = text[spans[back].end() : spans[back + 1].start()]
        if gap.strip():
            return False  # punctuation between: another phrase
        word = spans[back].group()
        if word.casefold() == "the" or word[:1].isupper():
            back -= 1  # "in the Patapsco", "in New Mexico's Lea County"
            continue
        return word.casefold() in PLACE_WORDS
    return False


def _qualifies(text: str, spans: Sequence[re.Match[str]], index: int, lower: set[str]) -> bool:
    """Whether the token at `index` starts (or is inside) a run of capitalised words whose last
    word the lead also writes in lower case: "Birmingham City Council" and "the council"."""
    last = index
    while last + 1 < len(spans):
        gap = text[spans[last].end() : spans[last + 1].start()]
        if gap.strip() or not spans[last + 1].group()[:1].isupper():
            break
        last += 1
    if last == index:
        return False
    head = {concept for _, concept in t.concept_pairs(spans[last].group())}
    return bool(head) and head <= lower


def _spelled_out(
    title: str | None, paragraphs: Sequence[str]
) -> tuple[dict[str, str], str | None, Sequence[str]]:
    """The lead's names by their initials, and its title and paragraphs with every short form
    of one of them written as the name (short_forms.py)."""
    spelled: dict[str, str] = {}
    for text in (title or "", *paragraphs):
        for short, name in sf.names(text).items():
            spelled.setdefault(short, name)
    if spelled:
        title = sf.expand(title, spelled) if title else title
        paragraphs = [sf.expand(paragraph, spelled) for paragraph in paragraphs]
    return spelled, title, paragraphs


def _long_forms(
    texts: Sequence[str], concepts: Mapping[str, LeadConcept]
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The lead's short forms that spell none of its names, with a pattern for the name."""
    found: dict[str, re.Pattern[str]] = {}
    for text in texts:
        for token in t.tokens(text):
            short = sf.short_form(token)
            if short:
                pairs = t.concept_pairs(short)
                if pairs and pairs[0][1] in concepts and pairs[0][1] not in found:
                    found[pairs[0][1]] = sf.long_form(short)
    return tuple(found.items())


def _read_lead(title: str | None, paragraphs: Sequence[str]) -> dict[str, _Seen]:
    """What the lead says about each concept: salience, forms and case cues."""
    seen: dict[str, _Seen] = defaultdict(_Seen)
    if title:
        for term in t.terms(title):
            _note(seen[term.concept], term.word, TITLE_WEIGHT)
            seen[term.concept].plain_uses += 1
            seen[term.concept].in_title = True
            if _looks_like_name(term.word, True):  # Title Case: judge as at a sentence start
                seen[term.concept].name_cue = True
            else:
                seen[term.concept].lowercase = True
    opening = _opening_concepts(paragraphs) if not title else frozenset()
    for index, paragraph in enumerate(paragraphs):
        weight = FIRST_PARAGRAPH_WEIGHT if index == 0 else BODY_WEIGHT
        for term, cased, referring, counted, noun in _cased_terms(paragraph):
            if term.concept in opening:
                seen[term.concept].in_title = True
            entry = seen[term.concept]
            _note(entry, term.word, weight)
            entry.plain_uses += not referring
            entry.counted += counted
            entry.nouns += noun
            if cased is None:
                entry.lowercase = True
            elif cased:
                entry.name_cue = True
    return seen


def _refers_back(concept: str, entry: _Seen) -> bool:
    """A common word the lead says once, as "the move" or "the area", outside its title and
    opening, names something the lead said before (the declaration, the border): it is no
    topic of its own, and a headline's "Controversial Move" is another story's move."""
    return (
        not entry.in_title
        and entry.plain_uses == 0
        and concept.isalpha()  # a plain word: no place, family, compound or number
        and sum((entry.forms or {}).values()) == 1
        and all(t.zipf(w) >= FALSE_FRIEND_ZIPF for w in entry.forms or ())
    )


def _lead_concept(concept: str, relative: float, kind: Kind, entry: _Seen) -> LeadConcept:
    """One concept's entry, its weight `relative` to the lead's central concept's."""
    forms_seen = entry.forms or {}
    household = any(t.zipf(w) >= RARE_ZIPF for w in forms_seen)
    if kind == "name" and relative >= CENTRAL_NAME and not household:
        kind = "topic"  # what the story is about ("DeepSeek", "Helene"), not a famous passer-by
    share = {"topic": 1.0, "name": NAME_SHARE, "place": PLACE_SHARE}[kind]
    forms = tuple(sorted(forms_seen, key=lambda w: -forms_seen[w]))
    # A word the lead repeats only to count with ("by 34 votes to 19", "102 votes to 13") is a
    # measure of its story, not a topic of it: said once for itself, it is a passing word.
    repeated = entry.in_title or sum(forms_seen.values()) - entry.counted >= 2
    # A word as common as COMMON_ZIPF (weighing the least rarity: "first" of "a world first")
    # says nothing of the story, even in its title: a headline sharing it and one other word
    # ("Georgescu wins the first round", under Australia's ban) is a passing likeness.
    # The title's main verb is what happened, not what it happened to (`_title_verb`), unless
    # the lead also names it as a thing ("The cut lowers the federal funds rate"): the event.
    core = (
        kind == "topic"
        and repeated
        and not (entry.verb and not entry.nouns)
        and not all(t.zipf(w) >= COMMON_ZIPF for w in forms)
    )
    paired = min(relative, 1.0) if kind == "name" and repeated else 0.0
    measure = not entry.in_title and entry.counted == sum(forms_seen.values())
    return LeadConcept(
        concept,
        min(relative, 1.0) * share,
        kind,
        forms,
        core,
        paired,
        measure,
        entry.compound,
        entry.verb,
    )


def _mark_compounds_and_verb(
    seen: dict[str, _Seen], title: str | None, paragraphs: Sequence[str]
) -> None:
    """Mark the concepts the lead says only as a compound's last word (`_compound_heads`) and
    its title's main verb (`_title_verb`; an untitled lead's first sentence stands in)."""
    for concept in _compound_heads((title or "", *paragraphs)):
        if concept in seen:
            seen[concept].compound = True
    opening = sentences(paragraphs[0]) if paragraphs and not title else []
    verb = _title_verb(title or (opening[0] if opening else None))
    if verb in seen:
        seen[verb].verb = True


# An election's margin said in a fixed phrase: "wins by a landslide", "won in a landslide",
# "a landslide victory".  There "landslide" is how much, not a slope that failed: no evidence
# against a headline's "landslide recovery efforts" (tests/data/weeks/mexico-election-2024).
# A winning word must come first for "by a"/"in a": "buried by a landslide", "killed in a
# landslide" are the slope's, and so they are after a winner too ("a village that won an
# award is buried by a landslide": the word before "by a" is not what a slope did).  Read on
# both sides: a headline's "wins by a landslide" is no match for a lead's slope either.
_MARGIN = re.compile(
    r"\b(?:wins?|won|winning|elected|re-elected)\b"
    r"(?:[^.;:!?]{0,80}?\b(?!(?:\w+ed|hit|struck|swept|caught|cut|died)\s)\w+)?"
    r"\s+(?:by|in) an? (landslides?)\b"
    r"|\b(?:wins?|won|winning|scores?|scored) (?:an? )?(landslides?)\b"
    r"|\b(landslides?) (?:victory|victories|win|wins|majority|majorities)\b",
    re.IGNORECASE,
)


@cache
def _margin_concepts() -> frozenset[str]:
    """The concepts a margin's word is read as ("landslide", "land", "slide")."""
    return frozenset(c for _, c in t.concept_pairs("landslide landslides"))


def _said_as_margin_only(texts: Sequence[str]) -> frozenset[str]:
    """The concepts of the words a text says only in a fixed phrase of an election's margin
    (`_MARGIN`), with the parts a closed compound is read as ("land", "slide"): such a word
    is another sense than the same word on the other side, so the lead does not count it, and
    a headline's does not match the lead's (`_Ranker.hits_of`)."""
    margin: set[str] = set()
    other: set[str] = set()
    for text in texts:
        rest, last = [], 0
        for found in _MARGIN.finditer(text):
            word = found.lastindex or 1  # the one group of the alternative that matched
            margin.update(c for _, c in t.concept_pairs(found.group(word)))
            rest.append(text[last : found.start(word)])
            last = found.end(word)
        rest.append(text[last:])
        other.update(c for _, c in t.concept_pairs(" ".join(rest)))
    return frozenset(margin - other)


def _compound_heads(texts: Sequence[str]) -> frozenset[str]:
    """The concepts the lead says only as the last word of a dashed compound written in lower
    case ("traded" of "exchange-traded funds", "term" of "short-term rate", "border" of
    "cross-border raids"): such a word is a kind of the noun the compound qualifies, not the
    word itself, so a headline's bare "trading" or "term" is another sense.  A place keeps its
    name in any compound ("Peru-Chile border"), and a capitalised compound is a name
    ("Notre-Dame", "Bankman-Fried") whose words are the name's."""
    heads: set[str] = set()
    bare: set[str] = set()
    for text in texts:
        for token in t.tokens(text):
            head = t.compound_head(token) if token.islower() else None
            pairs = t.concept_pairs(token)
            for position, (_, concept) in enumerate(pairs):
                if head is not None and position == len(pairs) - 1:
                    heads.add(concept)
                else:
                    bare.add(concept)
    return frozenset(c for c in heads - bare if not t.is_place(c) and not t.is_number(c))


# A verb this common in its base form is of general meaning ("end" 5.7, "hit" 5.4, "open"
# 5.5, "take" 5.9, "face" 5.4, "cut" 5.2): the more common a word, the more senses it has
# (Zipf 1945), and a headline's "ends" or "hits" is likelier another sense.  "ban" 4.6,
# "strike" 4.7, "resign" 4.0 say what happened whatever they act on.  The line is
# FALSE_FRIEND_ZIPF's, where a word is too common to tell its sense.
GENERAL_VERB_ZIPF = FALSE_FRIEND_ZIPF
_PUNCTUATION = "“”\"'‘’(),;:.!?"


def _title_verb(title: str | None) -> str | None:
    """The concept of the title's main verb when it is of general meaning (`GENERAL_VERB_ZIPF`:
    "end" of "The Bank of Japan ends negative interest rates"; "take" of "Microsoft to take
    over …"), or None when the title has none or a specific one ("bans", "resigns"; a Title
    Case title's capitalised words are no verbs to `verb_index`)."""
    if not title:
        return None
    words = title.split(" ")
    index = verb_index(title)
    if index is not None and words[index].casefold() == "to":
        # "Microsoft to acquire": the verb after the headline's "to" (in Title Case, "Force
        # Thousands to Evacuate", the verb is not the word after "to": none is read)
        following = words[index + 1] if index + 1 < len(words) else ""
        index = index + 1 if following[:1].islower() else None
    if index is None or t.base_zipf(words[index].strip(_PUNCTUATION)) < GENERAL_VERB_ZIPF:
        return None
    pairs = t.concept_pairs(words[index])
    return pairs[0][1] if len(pairs) == 1 else None


def _opening_concepts(paragraphs: Sequence[str]) -> frozenset[str]:
    """An untitled lead's first sentence stands in for its title (the build derives the
    title from it): a topic said there is core though the lead says it once."""
    if not paragraphs:
        return frozenset()

    first = sentences(paragraphs[0])
    return frozenset(term.concept for term in t.terms(first[0])) if first else frozenset()


def _note(entry: _Seen, word: str, weight: float) -> None:
    entry.salience += weight
    if entry.forms is None:
        entry.forms = {}
    entry.forms[word] = entry.forms.get(word, 0) + 1


def _rarity(zipf: float) -> float:
    return min(1.0, max(MIN_RARITY, (COMMON_ZIPF - zipf) / (COMMON_ZIPF - RARE_ZIPF)))


def _looks_like_name(word: str, sentence_start: bool) -> bool:
    # Mid-sentence capitals mark a name unless the word is common and not international
    # ("National Guard", "White House" are ordinary words; "Trump", "Putin" travel abroad).
    # At a sentence start every word is capitalised, so ask for more.
    zipf = t.zipf(word)
    if sentence_start:
        return zipf < 3.5 or (t.is_name_like(word) and zipf < 4.5)
    return zipf < 4.0 or t.is_name_like(word)


def _cased_terms(paragraph: str) -> list[tuple[t.Term, bool | None, bool, bool, bool]]:
    """The paragraph's terms with a case verdict: None lower case, True name cue, False neither;
    whether each refers back ("the move"), whether a figure counts it ("34 votes"), and whether
    it follows an article, a preposition or a possessive, as a noun does ("the cut").

    A capitalised title right before a capitalised word ("President José Jerí", "police
    General Arturo Valverde") is part of that name and no term at all: the story is not about
    presidents or generals, and a headline's "UN General Assembly" is no match for it."""
    pairs: list[tuple[str, str]] = []
    cues: list[bool | None] = []
    referring: list[bool] = []
    counted: list[bool] = []
    nouns: list[bool] = []
    previous_end, previous_name, previous_title = -1, False, False
    previous_token = ""
    spans = t.token_spans(paragraph)
    for index, match in enumerate(spans):
        token = match.group()
        before = paragraph[max(previous_end, 0) : match.start()]
        start = previous_end < 0 or any(ch in ".!?:;" for ch in before)
        in_run = previous_end >= 0 and not before.strip() and token[:1].isupper()
        cue = _case_cue(token, start, in_run and (previous_name or previous_title))
        words = t.token_words(token)
        title = bool(words) and words[-1][0] in TITLE_WORDS
        if title and cue is not None:
            # A capitalised title ("Prime Minister Paetongtarn") is part of a name; written
            # in lower case elsewhere in the lead ("presidential runoff") it is a topic.
            cue = not start
            if _names_next(paragraph, spans, index):
                words = ()
        refers = (
            previous_token in DEFINITE
            and token.casefold() not in UNIQUE_REFERENTS
            and not before.strip()
            and _ends_phrase(paragraph, spans, index)
        )
        count = previous_token[:1].isdigit() and not before.strip()
        noun = not before.strip() and _noun_cue(previous_token)
        for pair in words:
            pairs.append(pair)
            cues.append(cue)
            referring.append(refers)
            counted.append(count)
            nouns.append(noun)
        previous_end, previous_token = match.end(), token.casefold()
        previous_name, previous_title = bool(cue) and not title, title
    return [
        (term, cues[index], referring[index], counted[index], nouns[index])
        for term, index in t.resolve_indexed(pairs)
    ]


def _noun_cue(previous: str) -> bool:
    """Whether a word right after `previous` (casefolded) is a noun: after an article, a
    preposition or a possessive ("the cut", "of cuts", "Powell's cut")."""
    return previous in NOUN_CUES or previous.endswith(("'s", "’s"))


def _case_cue(token: str, start: bool, in_name: bool) -> bool | None:
    """None for a lower-case token; else whether its capital marks a name (an acronym, a word
    rare in running text, or the next word of a name)."""
    if not token[:1].isupper():
        return None
    acronym = token.isupper() and len(token.replace(".", "")) > 1
    return acronym or _looks_like_name(token, start) or in_name


def _ends_phrase(paragraph: str, spans: Sequence[re.Match[str]], index: int) -> bool:
    """True when the word ends its noun phrase ("the move is", "the area to", "the country.")
    and no "of" says which one ("the risk of migrants"); "the first image" goes on."""
    if index + 1 >= len(spans):
        return True
    following = spans[index + 1]
    word = following.group().casefold()
    if paragraph[spans[index].end() : following.start()].strip():
        return True  # punctuation between
    return word != "of" and word in t.STOPWORDS


def _names_next(paragraph: str, spans: Sequence[re.Match[str]], index: int) -> bool:
    """True when the token after `index` is capitalised and only a space away (a name run)."""
    if index + 1 >= len(spans):
        return False
    following = spans[index + 1]
    gap = paragraph[spans[index].end() : following.start()]
    return not gap.strip() and following.group()[:1].isupper()


def related_count(
    ranked: Sequence[ScoredHeadline],
    limit: int,
    *,
    threshold: float | None = None,
    floor: float | None = None,
    share: float | None = None,
) -> int:
    """How many of the best-first `ranked` headlines are Related (at most `limit`)."""
    threshold = RELATED_THRESHOLD if threshold is None else threshold
    floor = RELATED_FLOOR if floor is None else floor
    share = POOL_SHARE if share is None else share
    best = ranked[0].score if ranked else 0.0
    # Below the threshold only in a week that has clearly related news: otherwise a name or a
    # place alone would fill Related in a week with none.
    bar = threshold if best < threshold else min(threshold, max(floor, share * best))
    cut = 0
    while cut < len(ranked) and cut < limit and ranked[cut].score >= bar:
        cut += 1
    return cut


def rank_headlines(
    profile: LeadProfile, candidates: Sequence[Headline]
) -> tuple[ScoredHeadline, ...]:
    """Score every candidate against the lead, best first, near-duplicates folded together.

    Ties keep input order; scores are rounded to 3 decimals; `matched` names the headline's
    words that matched, heaviest first, as "immigration~migrants" when the lead used another
    word for it.  Only titles are compared: a summary would add evidence headlines lack.
    """
    # Ranking allocates millions of small tuples; the cyclic garbage collector would rescan
    # them again and again (half the time for 100,000 headlines) and there are no cycles here.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _rank(profile, candidates)
    finally:
        if collecting:
            gc.enable()


def _rank(profile: LeadProfile, candidates: Sequence[Headline]) -> tuple[ScoredHeadline, ...]:
    ranker = _Ranker(profile, candidates)
    scored: list[tuple[float, int, tuple[str, ...]]] = []  # (-score, index, matched terms)
    zeros: list[int] = []  # no lead concept at all: last, in input order
    for index in ranker.order:
        hits = ranker.hits_of(index)
        if hits:
            score, matched = ranker.score_of(hits)
            scored.append((-score, index, matched))
        else:
            zeros.append(index)
    scored.sort()  # -score, then input order; indices are unique so terms are never compared
    ranking = [(index, -score, matched) for score, index, matched in scored]
    ranking += [(index, 0.0, ()) for index in zeros]
    return ranker.folded(ranking)


class _Ranker:
    """One ranking's state: the lead's weights and every chunk of the candidates, analysed once.

    Work is on space-separated chunks, each analysed once: most headlines then cost a split
    and a set intersection in C.  A chunk that may start a multi-word place ("New" of "New
    Orleans") sends its headline down the full path when the next chunk completes it.  Of a
    long text (a story's whole text, `long_text`) only the chunks that may give a hit are
    analysed: a chunk missing from `hits_in` has none.
    """

    def __init__(self, profile: LeadProfile, candidates: Sequence[Headline]) -> None:
        concepts = profile.concepts
        self.profile, self.candidates = profile, candidates
        self.weights = {c: lc.weight for c, lc in concepts.items()}
        self.weak_kind = frozenset(c for c, lc in concepts.items() if lc.kind != "topic")
        self.core = frozenset(c for c, lc in concepts.items() if lc.core)
        self.paired = {c: lc.paired for c, lc in concepts.items() if lc.paired}
        self.titles = [h.title for h in candidates]
        self.repeats, self.order = _repeats(self.titles)
        # A story's whole text (scored as a card is read) is analysed once per process, and
        # only its chunks that may name the lead's concepts are analysed again here.
        self.long = {
            i: long_text(title) for i, title in enumerate(self.titles) if len(title) > LONG_TEXT
        }
        self.splits = list(map(str.split, self.titles))
        self.readable: dict[tuple[str, str], tuple[str, bool]] = {}
        self.concepts_of: dict[str, tuple[str, ...]] = {}
        self.hits_in: dict[str, tuple[tuple[str, str], ...]] = {}  # chunk → (concept, term)
        self.phrase_chunks: set[str] = set()
        # Concepts the lead says only as a verb ("signaling", "intensified"), and the chunks
        # that name them in a bare form a noun may take ("Signal"): see `_as_noun`.
        self.verbal = frozenset(c for c, lc in concepts.items() if _verbal(lc.forms))
        self.bare: dict[str, tuple[str, ...]] = {}
        # Concepts the lead says only as a dashed compound's last word ("exchange-traded"):
        # they match a headline's word only as another compound's last word (`_compounds`).
        self.compound = frozenset(c for c, lc in concepts.items() if lc.compound)
        self.short_forms, self.long_forms = profile.short_forms, profile.long_forms
        for chunk in self._chunks():
            self._analyse(chunk)
        self.hit_chunks = {chunk for chunk, hits in self.hits_in.items() if hits}
        self.joins: dict[tuple[str, str], bool] = {}  # (chunk, next) → a place spans them
        # Without a multi-word place in the lead, a headline with no hit chunk scores 0
        # whatever its phrases: the slow path only ever removes hits ("New Mexico").
        self.lead_has_phrase = not t.phrase_concepts().isdisjoint(self.weights)

    def _chunks(self) -> set[str]:
        """Every chunk of the short candidates, and of the long texts those that may give a hit
        (naming a lead concept, or a short form the lead spells out) or start a place name: the
        others' hits are none and their concepts (for near-duplicates) are kept with the text."""
        if not self.long:
            return set(chain.from_iterable(self.splits))
        long = self.long
        chunks = set(
            chain.from_iterable(split for i, split in enumerate(self.splits) if i not in long)
        )
        concepts = self.weights.keys()
        for text in long.values():
            for concept in text.by_concept.keys() & concepts:
                named = text.by_concept[concept]
                if isinstance(named, str):
                    chunks.add(named)
                else:
                    chunks.update(named)
            chunks.update(text.phrases)
            if self.short_forms:
                chunks.update(text.capitals)
        return chunks

    def _analyse(self, chunk: str) -> None:
        pairs, phrase = t.chunk_pairs(chunk)
        # Near-duplicates compare words, whatever their sense: "+area" is "area" there.
        self.concepts_of[chunk] = tuple(t.word_concept(c) for _, c in pairs)
        if self.short_forms and _CAPITALS.search(chunk):
            hits = self._hits(_spelled_pairs(chunk, self.short_forms))
        else:
            hits = self._hits(pairs)
        if self.compound and not self.compound.isdisjoint(c for c, _ in hits):
            hits = _compounds(chunk, hits, self.compound)
        self.hits_in[chunk] = tuple(hits)
        if self.verbal:
            bare = tuple(c for w, c in pairs if c in self.verbal and not _verbal((w,)))
            if bare:
                self.bare[chunk] = bare
        if phrase:
            self.phrase_chunks.add(chunk)

    def _hits(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """(concept, matched term) of the lead's concepts among (word, concept) pairs."""
        found = []
        weights, i = self.weights, 0
        while i < len(pairs):
            # A closed compound read whole and as its parts ("landslide", "land", "slide") is
            # one word of the headline's: it names one concept, its strongest (a core topic
            # first, then the heaviest), not three.
            size = 3 if t.split_whole(pairs, i) else 1
            best: tuple[str, str] | None = None
            for at, (word, concept) in enumerate(pairs[i : i + size]):
                if concept in weights and (best is None or self._stronger(concept, best[0])):
                    term, exact = _readable(concept, word, self.profile, self.readable)
                    if exact or not _false_friend(concept, word):
                        # A part reads as the headline's word with the lead's: "boathouse~boat"
                        # (a "boat" the market card never said).
                        best = (concept, f"{pairs[i][0]}~{term.rpartition('~')[2]}" if at else term)
            if best is not None:
                found.append(best)
            i += size
        return found

    def _stronger(self, concept: str, than: str) -> bool:
        """Whether `concept` is stronger evidence than `than`: a core topic, then heavier."""
        core, weak, weights = self.core, self.weak_kind, self.weights
        return (concept in core and concept not in weak, weights[concept]) > (
            than in core and than not in weak,
            weights[than],
        )

    def hits_of(self, index: int) -> dict[str, str]:
        """The lead concepts one candidate names, each with the headline's first word for it,
        and the lead's short forms whose names it spells out ("Federal Deposit Insurance
        Corporation" for the lead's "FDIC")."""
        hits = self._word_hits(index)
        for concept, pattern in self.long_forms:
            if concept not in hits:
                found = pattern.search(self.titles[index])
                if found and not sf.is_place(found.group()):
                    name = t.plain(found.group()).removesuffix("'s").removesuffix("’s")
                    hits[concept] = f"{name}~{self.profile.concepts[concept].forms[0]}"
        if hits and not _margin_concepts().isdisjoint(hits):
            for concept in _said_as_margin_only((self.titles[index],)):
                hits.pop(concept, None)  # "wins by a landslide": a margin, not the lead's slope
        return hits

    def _word_hits(self, index: int) -> dict[str, str]:
        chunks = self.splits[index]
        found = self.hit_chunks.intersection(chunks)
        if not found and not self.lead_has_phrase:
            return {}
        starts = self.phrase_chunks.intersection(chunks)
        if starts and _has_phrase(chunks, starts, self.joins):
            title = sf.expand(self.titles[index], self.short_forms)
            phrased: dict[str, str] = {}
            for concept, term in self._hits(t.concept_pairs(title)):
                phrased.setdefault(concept, term)  # the headline's first word for it
            for concept in self.compound.intersection(phrased):
                if not any(concept in dict(self.hits_in.get(chunk, ())) for chunk in chunks):
                    del phrased[concept]  # said bare, not as a compound's last word
            return phrased
        hits: dict[str, str] = {}
        ordered: Iterable[str] = found
        if len(found) > 1:  # in the order of the text
            if self.long and index in self.long:  # one pass, not a search a chunk
                ordered = [chunk for chunk in dict.fromkeys(chunks) if chunk in found]
            else:
                ordered = sorted(found, key=chunks.index)
        for chunk in ordered:
            for concept, term in self.hits_in[chunk]:
                hits.setdefault(concept, term)  # the headline's first word for it
        if self.bare:
            for chunk in found.intersection(self.bare):
                for concept in _as_noun(chunks, chunk, self.bare[chunk]):
                    hits.pop(concept, None)
        return hits

    def score_of(self, hits: dict[str, str]) -> tuple[float, tuple[str, ...]]:
        """A candidate's score and its matched terms, heaviest first."""
        weights = self.weights
        if len(hits) == 1:  # the most common case, scored without the general loop
            ((concept, term),) = hits.items()
            weight = weights[concept]
            strong = concept in self.core and concept not in self.weak_kind
            return round(weight if strong else min(weight, WEAK_CAP), 3), (term,)
        matched = tuple(term for _, _, term in sorted((-weights[c], c, w) for c, w in hits.items()))
        return _score(hits, weights, self.weak_kind, self.core, self.paired), matched

    def _concept_set(self, index: int) -> frozenset[str]:
        """A candidate's concepts as near-duplicates compare them."""
        long = self.long.get(index) if self.long else None
        if long is not None:
            return long.concepts
        return frozenset(chain.from_iterable(map(self.concepts_of.__getitem__, self.splits[index])))

    def folded(
        self, ranking: list[tuple[int, float, tuple[str, ...]]]
    ) -> tuple[ScoredHeadline, ...]:
        """The ranking as ScoredHeadlines, near-duplicates among the best folded together (by
        their concept sets); past that window only identical titles fold together."""
        candidates, repeats = self.candidates, self.repeats
        window = [self._concept_set(index) for index, _, _ in ranking[:NEAR_DUPLICATE_WINDOW]]
        result = []
        for group in group_near_duplicates(window):
            index, score, matched = ranking[group[0]]
            members = [ranking[position][0] for position in group]
            folded = [i for member in members for i in (member, *repeats.get(member, ()))][1:]
            merged = tuple(candidates[i] for i in folded)
            result.append(ScoredHeadline(candidates[index], score, matched, merged))
        rest = ranking[len(window) :]
        if repeats:
            result += [
                ScoredHeadline(
                    candidates[i], s, m, tuple(candidates[r] for r in repeats.get(i, ()))
                )
                for i, s, m in rest
            ]
        else:
            result += [ScoredHeadline(candidates[i], s, m) for i, s, m in rest]
        return tuple(result)


_CAPITALS = re.compile(r"[A-Z]\.?[A-Z]")  # a chunk that may hold a short form

# A candidate of more characters than this is a story's whole text (meaning.py scores a card on
# it), not a headline: choosing the lead ranks every story's text against each contender, a
# feed of 300 full-text entries 360,000 words each time, so each text is read once (`long_text`).
LONG_TEXT = 600
# The most words of long texts kept read (about 150 bytes a word: 60 MB for 400,000, a feed of
# 300 full-text entries of 1,200 words); past it the oldest are read again when ranked.
LONG_TEXT_WORDS = 400_000


class LongText(NamedTuple):
    """A long text read once: the chunks that name each concept (one chunk, or a tuple), those
    that may hold a short form or start a place name, its concepts as near-duplicates compare
    them, and how many words it has."""

    by_concept: dict[str, str | tuple[str, ...]]
    capitals: tuple[str, ...]
    phrases: tuple[str, ...]
    concepts: frozenset[str]
    words: int


class _Kept:
    """The long texts read so far, oldest first, and how many words they hold."""

    def __init__(self) -> None:
        self.texts: dict[str, LongText] = {}
        self.words = 0


_LONG_TEXTS = _Kept()


def long_text(text: str) -> LongText:
    """`text` read as `_Ranker` reads a candidate, once (at most LONG_TEXT_WORDS kept)."""
    kept = _LONG_TEXTS
    found = kept.texts.get(text)
    if found is not None:
        return found
    chunks = dict.fromkeys(text.split())
    words = text.count(" ") + 1
    while kept.texts and kept.words + words > LONG_TEXT_WORDS:
        kept.words -= kept.texts.pop(next(iter(kept.texts))).words
    by_concept: dict[str, str | tuple[str, ...]] = {}
    phrases, concepts = [], set()
    for chunk in chunks:
        pairs, phrase = t.chunk_pairs(chunk)
        for _, concept in pairs:
            named = by_concept.get(concept)
            if named is None:
                by_concept[concept] = chunk
            elif named != chunk:
                by_concept[concept] = (*((named,) if isinstance(named, str) else named), chunk)
            concepts.add(t.word_concept(concept))
        if phrase:
            phrases.append(chunk)
    capitals = tuple(chunk for chunk in chunks if _CAPITALS.search(chunk))
    found = LongText(by_concept, capitals, tuple(phrases), frozenset(concepts), words)
    kept.texts[text] = found
    kept.words += words
    return found


def _spelled_pairs(chunk: str, spelled: Mapping[str, str]) -> list[tuple[str, str]]:
    """A chunk's (word, concept) pairs, a short form of the lead's name read as the name's
    concepts under the short form's word ("SVB" → ("svb", "bank"), ...)."""
    pairs: list[tuple[str, str]] = []
    for token in t.tokens(chunk):
        short = sf.short_form(token)
        name = spelled.get(short) if short else None
        if name and short:
            pairs += [(short.casefold(), concept) for _, concept in t.concept_pairs(name)]
        else:
            pairs += t.concept_pairs(token)
    return pairs


def _compounds(
    chunk: str, hits: list[tuple[str, str]], compound: frozenset[str]
) -> list[tuple[str, str]]:
    """`hits` without a concept the lead says only as a dashed compound's last word
    (`LeadConcept.compound`) unless the chunk says it as one too: a headline's bare "trading"
    is no match for the lead's "exchange-traded funds", another "exchange-traded" is."""
    heads = {t.compound_head(token) for token in t.tokens(chunk)}
    return [(c, term) for c, term in hits if c not in compound or c in heads]


def _verbal(forms: Sequence[str]) -> bool:
    """True when every form is a verb's -ing or -ed ("signaling", "intensified")."""
    return bool(forms) and all(f.endswith(("ing", "ed")) for f in forms)


def _as_noun(chunks: list[str], chunk: str, concepts: tuple[str, ...]) -> tuple[str, ...]:
    """The concepts `chunk` names as a noun: after an article, a preposition or a possessive
    ("Hegseth's Use of Signal"), a bare form is a thing, not the lead's verb ("signaling a
    stronger stance"); after a subject ("Federal Arrests Intensify") it is the verb."""
    position = chunks.index(chunk)
    before = chunks[position - 1].casefold() if position else ""
    return concepts if before in NOUN_CUES or before.endswith(("'s", "’s")) else ()


def _repeats(titles: list[str]) -> tuple[dict[int, list[int]], Sequence[int]]:
    """The same title twice is folded into its first candidate and never scored again: each
    first index → its repeats, and the indices to score."""
    first_with = dict(zip(reversed(titles), range(len(titles) - 1, -1, -1), strict=True))
    repeats: dict[int, list[int]] = {}
    if len(first_with) < len(titles):
        for index, title in enumerate(titles):
            if first_with[title] != index:
                repeats.setdefault(first_with[title], []).append(index)
    return repeats, sorted(first_with.values()) if repeats else range(len(titles))


def _has_phrase(chunks: list[str], starts: set[str], joins: dict[tuple[str, str], bool]) -> bool:
    # "New" starts "New Orleans" but mostly just means new: look at the next chunk first.
    last = len(chunks) - 1
    for start in starts:
        i = chunks.index(start)
        while True:
            pair = (start, chunks[i + 1] if i < last else "")
            found = joins.get(pair)
            if found is None:
                found = joins[pair] = t.joins_phrase(*pair)
            if found:
                return True
            if start not in chunks[i + 1 :]:
                break
            i = chunks.index(start, i + 1)
    return False


def _score(
    hits: dict[str, str],
    weights: dict[str, float],
    weak_kind: frozenset[str],
    core: frozenset[str],
    paired: dict[str, float],
) -> float:
    topic = weak = 0.0
    topics = 0
    pair = [c for c in hits if c in paired] if paired else ()
    if len(pair) >= 2:  # two of the names the story is made of: together, they are its topic
        topic = sum(paired[c] for c in pair)
        topics = len(pair)
    for concept in hits:
        if len(pair) >= 2 and concept in paired:
            continue
        if concept in weak_kind:
            weak += weights[concept]
        else:
            topic += weights[concept]
            topics += 1
    score = topic + min(weak, WEAK_CAP)
    if topics < PASSING_WORDS and core.isdisjoint(hits) and len(pair) < 2:
        # Only a passing word or two, names and places: as weak as a name alone.
        score = min(score, WEAK_CAP)
    return round(score, 3)


def _false_friend(concept: str, word: str) -> bool:
    """A common word that is none of the lead's words for its concept is no evidence: the
    headline's "National" (Guard) is not the lead's "nations", nor "million" its "millions"
    (a gazetteer place or a variant family joins its words on purpose)."""
    return not (t.is_place(concept) or t.is_family(concept)) and t.zipf(word) >= FALSE_FRIEND_ZIPF


def _readable(
    concept: str, word: str, profile: LeadProfile, cache: dict[tuple[str, str], tuple[str, bool]]
) -> tuple[str, bool]:
    """The matched term as the editor reads it, and whether it is one of the lead's own words.

    Another form of the lead's word, the same word inflected ("intensify" for the lead's
    "intensified", "arrests" for "arrest"), reads as the lead's form: one word, not two.  A
    different word for the concept ("immigration" for the lead's "migrants") reads
    "immigration~migrants"."""
    key = (concept, word)
    if key not in cache:
        forms = profile.concepts[concept].forms
        plain = t.plain(word)
        if not forms or any(plain == t.plain(f) for f in forms):
            cache[key] = (word, True)
        else:
            lemma = next((f for f in forms if t.same_lemma(word, f)), None)
            cache[key] = (lemma, False) if lemma else (f"{word}~{forms[0]}", False)
    return cache[key]
