"""Another event of the same kind elsewhere: a headline that says where its event happened,
somewhere the lead's story is not.

The concepts and the model read an event's words: a bridge that collapses in Miami reads like
Genoa's, an earthquake in Afghanistan like Morocco's, a cargo jet crashing in Texas like the
737 MAX's grounding.  What tells them apart is where: the lead's story happens in places the
lead and the week's reports of it name, and another event of the same kind names its own.

- The lead's **names** are its names and places (`LeadProfile.proper`) and every word the lead
  writes capitalised that the week never writes in lower case; its **reports** are the
  candidates that name one of them and score the week bar before this judgement.  A report's
  names join the lead's (the accused, the minister the lead does not name), and its places
  too when it says its event happened at one of the lead's places ("… in Nepal as dozens die
  in China and India"): a report that shares only a name ("Boeing") or only names a place of
  the lead's ("Earthquake trembles Afghanistan, Pakistan, Northern India" under Nepal's
  earthquake, whose lead names India as a neighbour) may have happened elsewhere.  A
  candidate that names two of the story's names (not places) tells the story itself, whatever
  it scores, and adds its places ("Trump and Kim sign document following Singapore meeting").
- A headline **says where** its event happened with a place after a preposition of place in
  its title ("in Afghanistan", "near Houston", "off Phuket"; a gazetteer place also past up to
  BETWEEN lower-case words: "in the Netherlands", "in central China"): the gazetteer's, or a
  capitalised word (in a Title Case title only one rare enough to be a name).
- A headline that shares **no name** with the story says where with a gazetteer place as a
  **modifier** too (`modifier_places`: "Dutch tram", "Cambodian shoe factory", "NYC helicopter
  crash", "New Zealand Prime Minister").  A place as the whole subject of the title's verb
  ("Guatemala agrees to take more deportees", "Portugal reports a June high") is an actor, not
  where, and a place before a name of its own ("Brussels Atomium") names that thing: neither
  is read so.  A headline sharing a name may be the story seen from another place ("Moon says
  Singapore summit …", "HSBC buys Silicon Valley Bank's UK arm").
- A headline that shares no name with the story says where with a gazetteer place its verb
  **acts on** too (`acted_on_places`: one past the opening of each of its sentences, "Powerful
  Earthquake Rocks Myanmar"); the actor a sentence opens with is not read so.
- A headline that shares no name with the story may also name **another of its things**: a
  name of its own right before one of the lead's topics, or one word before it
  (`named_things`: "AirAsia flight" under MH17's flight, "FIU Pedestrian Bridge" under Genoa's
  bridge, "Asics shoe factory" under Rana Plaza's): which flight, which bridge.  It tells
  another event, and is judged as one elsewhere (docs/ranking-measurements.md, *Another of the
  story's things*).
- A headline is **elsewhere** when it says where, that place is none of the names nor holds
  one of them (the gazetteer's containment, `_INSIDE`: the United States holds Texas, so a
  crash in Texas is elsewhere under a U.S. grounding, and California's wildfires are not under
  Los Angeles's), and its title and summary name no place of the lead's story.  Its evidence
  then counts as a name's (meaning.WEAK_EVIDENCE), the model's as well as the concepts':
  another event's likeness is weak, and it stays out of Related.

Only where the story happens is known can another place be elsewhere: a lead and reports that
name no gazetteer place (Sichuan's earthquake, whose reports all say "China") judge nothing,
and a region or an international body (`UNPLACED`) is no place elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import pairwise

from newsletter.assemble import terms as t
from newsletter.assemble.headline_grammar import verb_index
from newsletter.assemble.relevance import PLACE_WORDS, LeadProfile
from newsletter.models import Headline

# A capitalised word at a sentence's start or in a Title Case title is a name only when the
# week never writes it in lower case and it is rarer than this Zipf frequency ("Venice" 3.9,
# "Boeing" 3.8; "Earthquake" 4.2 is written in lower case by its own reports anyway).
NAME_ZIPF = 4.5
# In a Title Case title a capitalised word after a preposition is a place only when it is
# rarer than this ("in Court", "in August" are no places; "near Houston" is the gazetteer's).
TITLE_PLACE_ZIPF = 3.5
# A title is in Title Case when more than this share of its words (stopwords aside) are.
TITLE_CASE_SHARE = 0.6
# A preposition of place (relevance.PLACE_WORDS) or "off" ("off Phuket", "off Giglio").
_WHERE = PLACE_WORDS | {"off"}
# How many lower-case words may stand between a preposition of place and a gazetteer place
# it governs ("in the Netherlands", "in central China").
BETWEEN = 2
_SENTENCE_END = re.compile(r"[.:;!?|—–]")
# What the gazetteer (data/places.txt) leaves out: which of its places lie inside which.  A
# place inside one the lead's story names is elsewhere (a crash in Texas under a U.S.
# grounding); one that holds it is not ("California wildfires" under Los Angeles's).
# tests/test_story_places.py checks every name here is a gazetteer place.
_US = "united states"
_STATES = """alabama alaska arizona arkansas california colorado connecticut delaware florida
    hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts
    michigan minnesota mississippi missouri montana nebraska nevada ohio oklahoma oregon
    pennsylvania tennessee texas utah vermont virginia wisconsin wyoming seattle"""
_INSIDE = {
    **dict.fromkeys(_STATES.split(), _US),
    **dict.fromkeys(
        ["new hampshire", "new jersey", "new mexico", "new york", "north carolina"], _US
    ),
    **dict.fromkeys(
        ["north dakota", "rhode island", "south carolina", "south dakota", "west virginia"], _US
    ),
    "los angeles": "california",
    "san francisco": "california",
    "ontario": "canada",
    "quebec": "canada",
    "shanghai": "china",
    "mumbai": "india",
    "hong kong": "china",
    "england": "united kingdom",
    "scotland": "united kingdom",
    "wales": "united kingdom",
    "northern ireland": "united kingdom",
    "crimea": "ukraine",
}
# Places that say no one location: regions broader than a country (which of them holds a
# country the gazetteer does not say) and international organisations.
UNPLACED = frozenset(
    [
        *("europe", "africa", "asia", "arctic", "antarctica", "caribbean", "nato"),
        *("south america", "latin america", "central america", "middle east"),
        *("united nations", "world health organization", "international monetary fund"),
        "world bank",
    ]
)


def elsewhere(
    lead: str,
    profile: LeadProfile,
    candidates: Sequence[Headline],
    window: Sequence[int],
    before: Callable[[int], float],
    week_bar: float,
) -> frozenset[int]:
    """The candidates of `window` (indices, best first) that tell another event elsewhere
    (module docstring).  `lead` is the lead's whole text; `before(i)` candidate i's score
    before this judgement, which makes it one of the lead's reports at `week_bar`."""
    texts = [_text(candidates[i]) for i in window]
    lower = _lower_words([lead, *texts])
    own = {i: names_in(text, lower) for i, text in zip(window, texts, strict=True)}
    told = [(own[i], candidates[i].title, before(i) >= week_bar) for i in window]
    names = story_names(lead, profile, lower, told)
    known = {c for c in names if t.is_place(c) and _bare(c) not in UNPLACED}
    if not known:
        return frozenset()
    holding = {f"{t.PLACE}{outer}" for c in known for outer in _outside(_bare(c))}
    topics = {c for c, e in profile.concepts.items() if e.kind == "topic"}
    judged = []
    for i in window:
        title = candidates[i].title
        said = own[i] | places_in(title)
        where = places_in(title, where=True)
        if any(t.is_place(c) for c in said & names):
            continue  # it names a place of the lead's story
        if _placed(where - names - holding):
            judged.append(i)  # it says of a place elsewhere that its event happened there
        elif not own[i] & names and _another(title, lower, names | holding, topics):
            judged.append(i)  # ... or, sharing no name with the story, says it otherwise
    return frozenset(judged)


def _another(title: str, lower: set[str], names: set[str], topics: set[str]) -> bool:
    """Whether a title that shares no name with the story (`names`: its names and places,
    and the places that hold them) tells another event: it says a place elsewhere as a
    modifier ("Dutch tram"), or names one of the story's things (`topics`) by a name of its
    own ("AirAsia flight" under MH17's flight)."""
    if _placed(places_in(title) - names) and _placed(modifier_places(title) - names):
        return True
    if _placed(acted_on_places(title) - names):
        return True
    return any(c in topics and n not in names for n, c in named_things(title, lower))


def story_names(
    lead: str, profile: LeadProfile, lower: set[str], told: Sequence[tuple[set[str], str, bool]]
) -> set[str]:
    """The names and places of the lead's story: the lead's, and those the week's candidates
    `told` (each one's names, its title, and whether it is a clear report) add to them
    (module docstring)."""
    names = set(profile.proper) | names_in(lead, lower) | places_in(lead)
    lead_places = {c for c in names if t.is_place(c)}
    for own, title, report in told:
        shared = own & names
        # Two of the story's names ("Trump and Kim sign document following Singapore
        # meeting") tell the story itself, where it happened included, whatever its score.
        two = len({c for c in shared if not t.is_place(c)}) >= 2
        if two or (report and shared):
            # A report that says its event happened at one of the lead's places adds its
            # places; one that shares a name, or names a place of the lead's in passing, only
            # adds its names, not where it was.
            at_lead = two or bool(places_in(title, where=True) & lead_places)
            names |= {c for c in own | places_in(title) if at_lead or not t.is_place(c)}
    return names


def _placed(concepts: set[str] | frozenset[str]) -> bool:
    """Whether any of `concepts` (places read from a title) says one location: one not
    `UNPLACED`."""
    return any(_bare(c) not in UNPLACED for c in concepts)


def _bare(concept: str) -> str:
    return concept.removeprefix(t.PLACE)


def _outside(place: str) -> list[str]:
    """The gazetteer places that hold `place`, nearest first (`_INSIDE`)."""
    chain = []
    while place in _INSIDE:
        place = _INSIDE[place]
        chain.append(place)
    return chain


def names_in(text: str, lower: set[str]) -> set[str]:
    """The concepts of the names a text says: the gazetteer's places, and each capitalised
    word past a sentence's start (at a start or in a Title Case text, only one the week never
    writes in lower case, rarer than NAME_ZIPF, or an acronym)."""
    always, unless_lower = _name_parts(text)
    found = set(always)
    for folded, concepts in unless_lower:
        if folded not in lower:
            found.update(concepts)
    return found


@lru_cache(maxsize=4096)
def _name_parts(text: str) -> tuple[frozenset[str], tuple[tuple[str, tuple[str, ...]], ...]]:
    """What `names_in` finds in a text whatever the week writes: the concepts that are names
    in any week, and those of each word that is one unless the week writes it (casefolded) in
    lower case; read once a text, as each lead the week is ranked for reads the same window."""
    always: set[str] = set()
    unless_lower = []
    spans, words, title_case = _read(text)
    for index, concepts, place in words:
        token = spans[index].group()
        if place:
            always.update(concepts)
        elif token[:1].isupper():
            named = tuple(c for c in concepts if not t.is_number(c))
            bare = _is_name(token, text, spans, index, title_case)
            if bare is None:
                always.update(named)
            elif bare:
                unless_lower.append((bare, named))
    return frozenset(always), tuple(unless_lower)


@lru_cache(maxsize=4096)
def places_in(title: str, where: bool = False) -> frozenset[str]:
    """The places a title says: the gazetteer's, and a capitalised word right after a
    preposition of place (in a Title Case title, only a gazetteer place or a word rarer than
    TITLE_PLACE_ZIPF); a word with an inner dot ("S.African", "L.A.") is a short form, not read
    so.  With `where`, only the places after a preposition: where something happened."""
    found = set()
    spans, words, title_case = _read(title)
    for index, concepts, place in words:
        token = spans[index].group()
        if place and not where:
            found.update(concepts)
        if not index or not token[:1].isupper() or "." in token:
            continue
        if not _after_where(title, spans, index, place):
            continue
        if place or not title_case or t.base_zipf(token) < TITLE_PLACE_ZIPF:
            found.update(c for c in concepts if not t.is_number(c))
    return frozenset(found)


def _after_where(title: str, spans: Sequence[re.Match[str]], index: int, place: bool) -> bool:
    """Whether the word at `index` follows a preposition of place: right after it, or for a
    gazetteer place after up to BETWEEN lower-case words ("in the Netherlands", "in central
    China")."""
    most = BETWEEN if place else 0
    for back in range(1, min(most, index - 1) + 2):
        previous = spans[index - back]
        if title[previous.end() : spans[index - back + 1].start()].strip():
            return False
        if previous.group().casefold() in _WHERE:
            return True
        if not previous.group()[:1].islower():
            return False
    return False


@lru_cache(maxsize=4096)
def modifier_places(title: str) -> frozenset[str]:
    """The gazetteer places a title says as a modifier of another word ("Dutch tram",
    "Cambodian shoe factory", "NYC helicopter crash", "Britain's Conservative Party"), not
    as the subject of its verb ("Portugal reports", "New Zealand mourns": an actor).  None in a
    title capitalised throughout, whose capitals no longer tell a common noun from a name ("New
    Orleans Immigration Crackdown", graded by topic under Peru's border, is not read so)."""
    if _capitalised_throughout(title):
        return frozenset()
    spans, words, _ = _read(title)
    verb = verb_index(title)
    found: set[str] = set()
    for (_, concepts, place), (following, _, _) in pairwise(words):
        if not place:
            continue
        end, after = spans[following - 1].end(), spans[following]
        if title[end : after.start()] != " ":
            continue  # punctuation between: "Thailand: 13 bodies"
        if verb is not None and len(title[: after.start()].split(" ")) - 1 == verb:
            continue  # the place is the whole subject: an actor
        if _modifies(title[after.start() : after.end() + 1]):
            found.update(concepts)
    return frozenset(found)


def acted_on_places(title: str) -> frozenset[str]:
    """The gazetteer places a title says past the opening of each of its sentences, before no
    name of their own: what its verb acts on ("Powerful Earthquake Rocks Myanmar", "Storm hits
    Japan"), not the actor a sentence opens with ("New Zealand mourns …", "Thailand: 13 bodies
    …", "Portugal reports a June high") nor a thing the place names ("Brussels Atomium")."""
    spans, words, _ = _read(title)
    found: set[str] = set()
    for at, (index, concepts, place) in enumerate(words):
        if (
            not place
            or not at
            or _SENTENCE_END.search(title[spans[index - 1].end() : spans[index].start()])
        ):
            continue
        if at + 1 < len(words):
            following = spans[words[at + 1][0]]
            joined = title[spans[words[at + 1][0] - 1].end() : following.start()] == " "
            if joined and following.group()[:1].isupper() and not words[at + 1][2]:
                continue  # a name of its own after it: the place names a thing
        found.update(concepts)
    return frozenset(found)


# How many words after a name a shared topic may stand and still be the thing it names
# ("AirAsia flight", "Asics shoe factory").
NAMED_SPAN = 2
# A word in capitals this common is a word shouted ("WATCH" 5.3, "UPDATE" 4.7, "NEW" 6.2),
# not an acronym ("BBC" 4.6, "FBI" 4.4, "NASA" 4.2, "FIU" 3.0).
SHOUTED_ZIPF = 4.7


def named_things(text: str, lower: set[str]) -> frozenset[tuple[str, str]]:
    """The things a text names by a name as their modifier, as (the name's concept, the
    thing's): a name right before a word, or before two ("AirAsia flight", "FIU Pedestrian
    Bridge", "Asics shoe factory"): which flight, which bridge.  A name is a word `names_in`
    reads as one, not a gazetteer place (`modifier_places` reads those), and not the subject of
    the title's verb (an actor: "Biden says banking system is safe"); at a sentence's start
    only a word rarer than TITLE_PLACE_ZIPF, and in a Title Case title, whose capitals tell no
    name, only an acronym of three letters or more or a word with an inner capital ("FIU",
    "AirAsia"; "FL" may be the story's Florida).  `lower`: the words the week writes in lower
    case, no name."""
    spans, words, title_case = _read(text)
    verb = verb_index(text)
    found: set[tuple[str, str]] = set()
    for at, (index, concepts, place) in enumerate(words):
        if place or not _names(text, spans, index, title_case, lower):
            continue
        named = [c for c in concepts if not t.is_number(c)]
        after: Sequence[_Word] = words[at + 1 :]
        if after and text[spans[index].end() : spans[after[0][0]].start()] == " ":
            after = _past_counts(text, spans, after)  # "Yellowknife's 20,000 residents"
        for following, later, _ in after[:NAMED_SPAN]:
            word = spans[following].group()
            if text[spans[following - 1].end() : spans[following].start()] != " ":
                break  # punctuation between: "Thailand: 13 bodies"
            if word.casefold() in t.STOPWORDS or _is_verb(text, spans, following, verb):
                break  # a preposition, or the verb whose subject the name is: an actor
            found.update((n, c) for n in named for c in later)
            if word.endswith(("s", "ed")):
                break  # a word that may be the verb ("Brussels Atomium shortens opening …")
    return frozenset(found)


def _past_counts(
    text: str, spans: Sequence[re.Match[str]], words: Sequence[_Word]
) -> Sequence[_Word]:
    """`words` past a count that opens them ("20,000" in "Yellowknife's 20,000 residents":
    whose residents), the count's digits and the commas between them; `words` as they are
    when none opens them, or when the count is followed by no word."""
    skip = 0
    while skip < len(words) and spans[words[skip][0]].group().isdigit():
        if skip and text[spans[words[skip][0] - 1].end() : spans[words[skip][0]].start()] != ",":
            break
        skip += 1
    if not skip or skip == len(words):
        return words
    after = words[skip][0]
    if text[spans[after - 1].end() : spans[after].start()] != " ":
        return words
    return words[skip:]


def _names(
    text: str, spans: Sequence[re.Match[str]], index: int, title_case: bool, lower: set[str]
) -> bool:
    """Whether the word at `index` is a name that may name a thing (`named_things`)."""
    token = spans[index].group()
    if not token[:1].isupper() or "." in token:
        return False
    bare = token.removesuffix("'s").removesuffix("’s")
    if bare.isupper() and len(bare) > 2:
        # An acronym ("FIU", "NTSB", "BBC"), not a word shouted: a feed's "WATCH bridge
        # collapse footage", "LIVE bridge collapse updates" named another bridge.
        return t.base_zipf(bare) < SHOUTED_ZIPF
    if any(a.islower() and b.isupper() for a, b in pairwise(bare)):
        return True  # a word with an inner capital ("AirAsia")
    if title_case:
        return False  # capitals that tell no name
    name = _is_name(token, text, spans, index, title_case)
    return name is None or bool(name and name not in lower and not _common(bare))


def _is_verb(text: str, spans: Sequence[re.Match[str]], index: int, verb: int | None) -> bool:
    """Whether the token at `index` is the text's verb (`verb_index`, counted in words)."""
    return verb is not None and len(text[: spans[index].start()].split(" ")) - 1 == verb


def _common(word: str) -> bool:
    """Whether a capitalised word at a sentence's start is too common to read as a name there
    ("Alleged mosque shooter", "Mainland mine"; "Ikoyi building" is a name)."""
    return t.base_zipf(word) >= TITLE_PLACE_ZIPF


def _modifies(word: str) -> bool:
    """Whether a place before `word` (with the character after it) modifies it as a common
    noun or an office ("tram", "Prime Minister", "Sen."), not as part of a name of its own
    ("Brussels Atomium", "Cambodia Asics": a capitalised word rarer than NAME_ZIPF)."""
    if not word[:1].isupper() or word.endswith("."):
        return True
    return t.base_zipf(word.rstrip()) >= NAME_ZIPF


_Word = tuple[int, list[str], bool]


@lru_cache(maxsize=4096)
def _read(text: str) -> tuple[list[re.Match[str]], list[_Word], bool]:
    """A text's tokens, its words (`_words`) and whether it is in Title Case, read once: the
    second ranking of a week (meaning.refined) reads the same headlines again."""
    spans = t.token_spans(text)
    return spans, _words(spans), _title_case(text)


def _words(spans: Sequence[re.Match[str]]) -> list[_Word]:
    """Each word of a text (the index of its first token), its concepts, and whether it is one
    of the gazetteer's places; a place of several words ("New Jersey") is one word."""
    words: list[_Word] = []
    index = 0
    while index < len(spans):
        size = _place_size(spans, index)
        if size:
            joined = " ".join(span.group() for span in spans[index : index + size])
            words.append((index, [t.concept_pairs(joined)[0][1]], True))
            index += size
            continue
        concepts = [c for _, c in t.concept_pairs(spans[index].group())]
        words.append((index, concepts, bool(concepts) and all(map(t.is_place, concepts))))
        index += 1
    return words


def _place_size(spans: Sequence[re.Match[str]], index: int) -> int:
    """How many tokens from `index` make one gazetteer place of several words, capitalised
    throughout ("New Jersey", "Buenos Aires"); 0 when none do."""
    if not spans[index].group()[:1].isupper():
        return 0
    most = 1
    while most < 3 and index + most < len(spans) and spans[index + most].group()[:1].isupper():
        most += 1
    for size in range(most, 1, -1):
        pairs = t.concept_pairs(" ".join(span.group() for span in spans[index : index + size]))
        if len(pairs) == 1 and t.is_place(pairs[0][1]) and " " in pairs[0][0]:
            return size
    return 0


def _is_name(
    token: str, text: str, spans: Sequence[re.Match[str]], index: int, title_case: bool
) -> str | None:
    """Whether a capitalised token reads as a name (`names_in`): None when it is one in any
    week, its bare form casefolded when it is one unless the week writes that in lower case,
    "" when it is none."""
    bare = token.replace(".", "").removesuffix("'s").removesuffix("’s")
    if bare.isupper() and len(bare) > 1:
        return None  # an acronym: "FIU", "NYC", "FAA"
    gap = text[spans[index - 1].end() : spans[index].start()] if index else "."
    if title_case or _SENTENCE_END.search(gap):
        return bare.casefold() if t.base_zipf(bare) < NAME_ZIPF else ""
    return None


def _capitalised_throughout(title: str) -> bool:
    """Whether every word of a title but its stopwords is capitalised (stricter than
    `_title_case`: "Jacinda Ardern announces shock resignation as New Zealand Prime Minister"
    is not)."""
    words = [w for w in t.tokens(title) if w[:1].isalpha() and w.casefold() not in t.STOPWORDS]
    return all(w[:1].isupper() for w in words)


def _title_case(text: str) -> bool:
    words = [w for w in t.tokens(text) if w[:1].isalpha() and w.casefold() not in t.STOPWORDS]
    if len(words) < 3:
        return False
    return sum(w[:1].isupper() for w in words) / len(words) > TITLE_CASE_SHARE


def _lower_words(texts: Sequence[str]) -> set[str]:
    """Every word the texts write in lower case."""
    return set().union(*map(_lower_in, texts))


@lru_cache(maxsize=4096)
def _lower_in(text: str) -> frozenset[str]:
    """Every word one text writes in lower case, casefolded (read once a text)."""
    return frozenset(w.casefold() for w in t.tokens(text) if w[:1].islower())


def _text(headline: Headline) -> str:
    return f"{headline.title}. {headline.summary}" if headline.summary else headline.title
