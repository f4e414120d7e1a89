"""Words to concepts: the matching vocabulary shared by the relevance ranker and duplicates.

A text becomes a sequence of `Term`s.  Each word is casefolded, stripped of accents and
possessives ("Chile’s" → chile), split at hyphen and dash compounds unless the joined word is
an English word or one inflected ("Peru-Chile" → peru, chile; "cease-fire" → ceasefire;
"start-ups" → startups), stopwords are dropped,
and the rest is Snowball-stemmed.  A stem then maps to a concept:

- a place ("@venezuela") from the gazetteer, data/places.txt: names, demonyms and capitals, so
  Venezuelans, Venezuelan and Caracas are one concept; multi-word places ("El Salvador") too;
- a variant family ("~migration") from data/families.txt: migrants, migration, immigration;
- a number ("#266"), kept for spotting duplicates but not evidence of relevance;
- otherwise the stem itself.

Data files load lazily on first use, so importing this module costs next to nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple, TypeGuard

_DATA = Path(__file__).parent / "data"

PLACE = "@"
FAMILY = "~"
NUMBER = "#"
COMPOUND = "+"
# A word this common ending a dashed compound after a name takes its sense from the compound
# ("area" of "White House-area", "based" of "Minneapolis-based"); "border" 4.7 stays itself.
COMPOUND_ZIPF = 5.0

# Words with inner apostrophes, dashes and dots kept together, so possessives ("Chile’s"),
# compounds ("Peru-Chile") and acronyms ("U.S") are handled as one token.  Plain \w runs
# are the fastest pattern for 100,000 headlines.
_TOKEN_PATTERN = r"\w+(?:['’‐‑\-–—.]\w+)*'?"
_DASHES = r"[‐‑\-–—]"
_ORDINAL = r"\d+(?:st|nd|rd|th|s)"  # "73rd", "1990s": numbers too
# A temperature ("40C", "46.6C", "104F"): one concept per unit whatever its value, as a
# place is whatever its spelling; "40C" against "46.6C" is the same heat, not two numbers.
_TEMPERATURE = re.compile(r"\d{1,3}(?:[.,]\d)?([CF])")
TEMPERATURE = "°"


@cache
def _token_re() -> re.Pattern[str]:
    return re.compile(_TOKEN_PATTERN)  # compiled on first use, not at import


@cache
def _dashes_re() -> re.Pattern[str]:
    # Compiled once: `re.split(_DASHES, …)` looked the pattern up in re's cache for every new
    # word (a feed of 300 full-text entries reads 360,000 of them).
    return re.compile(_DASHES)


@cache
def _ordinal_re() -> re.Pattern[str]:
    return re.compile(_ORDINAL)


STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other ought our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to
    too under until up upon very was we were what when where which while who whom why will
    with would you your yours yourself yourselves us also amid among via per within
    without across along around toward towards onto despite since whether yet still though
    although unless may might must shall say says said saying according told tell tells
    don doesn didn ca won isn aren wasn weren hasn haven hadn shouldn wouldn couldn ain mr
    mrs ms
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# "S Korea", "N Korea": a capital initial stands for the compass word before a place.
COMPASS_INITIALS = {"north": "n", "south": "s", "east": "e", "west": "w"}
_INITIALS = frozenset(k.upper() for k in COMPASS_INITIALS.values())

_CONTRACTIONS = frozenset({"ll", "re", "ve", "d", "m", "t"})
DEFAULT_ZIPF = 3.0  # for words missing from the table (it stops at Zipf 3.5): rare


class Term(NamedTuple):
    """One matched word: its readable form and the concept it stands for."""

    word: str  # casefolded, possessive removed, accents kept: what the editor reads
    concept: str


class Vocabulary(NamedTuple):
    """The shipped word lists, loaded once: frequencies, gazetteer and variant families."""

    zipf: dict[str, float]  # plain word → Zipf frequency (wordfreq, English)
    name_like: frozenset[str]  # words about as common abroad as in English: likely names
    concepts: dict[str, str]  # stem → place or family concept
    phrases: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first stem → (stems, concept)
    protected: frozenset[str]  # stopword spellings that are places when written in capitals


@cache
def vocabulary() -> Vocabulary:
    """Load the shipped data files (once, on first use; about 10 ms)."""
    zipf: dict[str, float] = {}
    name_like: set[str] = set()
    for line in _data_lines(_read("wordfreq_en.txt")):
        value, *words = line.split()
        zipf.update(dict.fromkeys(words, int(value.rstrip("*")) / 10))
        if value.endswith("*"):
            name_like.update(words)
    entries: list[tuple[str, list[str]]] = []  # (concept, words of one form)
    for name, marker in (("places.txt", PLACE), ("families.txt", FAMILY)):
        for line in _data_lines(_read(name)):
            key, _, forms = line.partition("=")
            for form in forms.split(","):
                # The same normalisation as running text, for the clean words of these files.
                words = re.split(r"[\s‐‑\-–—]+", plain(form.strip()).replace("'", ""))
                entries.append((marker + key.strip(), [w for w in words if w]))
    # One call into the C stemmer for every word of both files: stemming word by word
    # from Python doubled the load time.
    flat = [w for _, words in entries for w in words]
    stem_of = dict(zip(flat, _stemmer().stemWords(flat), strict=True))
    concepts: dict[str, str] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    protected: set[str] = set()
    # Short forms of compass names: "S Korea", "N Ireland", "S America" (see `_words`).
    entries += [
        (concept, [COMPASS_INITIALS[words[0]], *words[1:]])
        for concept, words in list(entries)
        if len(words) > 1 and words[0] in COMPASS_INITIALS
    ]
    stem_of.update((w, w) for w in COMPASS_INITIALS.values())
    for concept, words in entries:
        stems = tuple(stem_of[w] for w in words)
        if len(stems) == 1:
            concepts[stems[0]] = concept
            if stems[0] in STOPWORDS:
                protected.add(stems[0])
        elif stems:
            phrases.setdefault(stems[0], []).append((stems, concept))
    return Vocabulary(
        zipf=zipf,
        name_like=frozenset(name_like),
        concepts=concepts,
        # Longest phrase first, so "south sudan" is not read as "south" + Sudan.
        phrases={k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in phrases.items()},
        protected=frozenset(protected),
    )


def _read(name: str) -> str:
    # A plain path, not importlib.resources: that costs 6 ms and the package is never zipped.
    return (_DATA / name).read_text(encoding="utf-8")


def _data_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@cache
def _stemmer() -> Any:  # PyStemmer ships no types
    import Stemmer  # imported here: a cold `newsletter build` must not pay for it early

    return Stemmer.Stemmer("english")


def plain(text: str) -> str:
    """Casefold and strip accents: "Jerí" → "jeri", so matching ignores diacritics."""
    folded = text.casefold()
    if folded.isascii():
        return folded

    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(
    token: str, zipf: dict[str, float], keep_stopwords: bool = False
) -> list[tuple[str, str]]:
    """Split one token into (readable word, stem) pairs; see the module docstring."""
    degrees = _TEMPERATURE.fullmatch(token)
    if degrees:
        return [(token.casefold(), TEMPERATURE + degrees.group(1).casefold())]
    if "." in token:  # dotted acronym: U.S → US, still in capitals
        token = token.replace(".", "")
    token = token.replace("_", "")
    capitals = token.isupper() and len(token) > 1
    readable = token.casefold().replace("’", "'")
    if readable.endswith("'s"):
        readable = readable[:-2]
    readable = readable.strip("'")
    if "'" in readable:  # contractions: "you'll" → you, "don't" → don (both stopwords)
        base, _, suffix = readable.rpartition("'")
        if suffix in _CONTRACTIONS:
            readable = base
    parts = _parts(readable, zipf, closed=token.islower())
    pairs = []
    # The head of a compound after a name ("White House-area", "Minneapolis-based"): see
    # `_part_stem`.  Not after a lower-case word ("world-record") or a number ("6-hours").
    head = len(parts) - 1 if len(parts) > 1 and token[:1].isupper() else -1
    for position, part in enumerate(parts):
        word = part.replace("'", "")
        key = plain(word)
        if not key:
            continue
        if key.isdigit() or _ordinal_re().fullmatch(key):
            pairs.append((word, NUMBER + key))
            continue
        if (key in STOPWORDS and not keep_stopwords and not (capitals and key in _protected())) or (
            len(key) < 2 and not keep_stopwords and token not in _INITIALS
        ):
            continue
        pairs.append((word, _part_stem(key, position == head, zipf)))
    return pairs


def _parts(readable: str, zipf: dict[str, float], closed: bool = False) -> list[str]:
    """A token's parts at its dashes, unless joined they are one English word ("cease-fire"),
    or an inflected English word ("start-ups": "startups" is the plural of "startup"); a
    closed compound the vocabulary lacks, written in lower case (`closed`: a capitalised one is
    likelier a name, "Crowdstrike", "Southgate"), is read whole and as its two words."""
    parts = _dashes_re().split(readable)
    if len(parts) > 1:
        joined = plain("".join(parts))
        words = _family_words()
        if any(base in zipf or base in words for base in _bases(joined)):
            return ["".join(parts)]
        return parts
    return _closed_compound(readable, zipf) if closed else parts


# The shortest part of a closed compound, and how common each part must be (Zipf: 4.0 is ten
# times a million words): "heat" 4.8 and "wave" 4.5 of "heatwave", not a name's "stans".
COMPOUND_PART = 4
COMPOUND_PART_ZIPF = 4.0


def _closed_compound(word: str, zipf: dict[str, float]) -> list[str]:
    """A word written closed that the vocabulary does not know, kept and read as the two common
    words it is made of too ("heatwave" → heatwave, heat, wave), as "heat-wave" is at its dash:
    kept whole as well, a rare compound the lead and a headline share ("countermeasures") still
    counts as one (split only, it cost the written set's recall 0.802 → 0.792).  A word of the
    frequency table ("carpet", "weekend"), a family's or a place's spelling, or one with no such
    split stays whole; of several splits the commonest wins."""
    key = plain(word)
    if len(key) < 2 * COMPOUND_PART or not key.isalpha() or key in zipf:
        return [word]
    # The dict's keys against the set: isdisjoint then walks the few bases, not the table.
    if not zipf.keys().isdisjoint(_bases(key)) or key in _family_words():
        return [word]
    if _stemmer().stemWord(key) in _concepts():
        return [word]
    best: tuple[float, int] | None = None
    for cut in range(COMPOUND_PART, len(key) - COMPOUND_PART + 1):
        first = zipf.get(key[:cut], 0.0)
        bases = [b for b in _bases(key[cut:]) if len(b) >= COMPOUND_PART]  # not "is" of "-ised"
        second = max((zipf.get(base, 0.0) for base in bases), default=0.0)
        common = min(first, second)
        if common >= COMPOUND_PART_ZIPF and (best is None or common > best[0]):
            best = (common, cut)
    if best is None or len(word) != len(key):
        return [word]
    return [word, word[: best[1]], word[best[1] :]]


def split_whole(pairs: Sequence[tuple[str, str]], index: int) -> bool:
    """Whether the pair at `index` is a closed compound read whole, the next two pairs its
    parts (`_closed_compound`: "landslide" → landslide, land, slide).  A word matched whole is
    one word: its parts are no further evidence ("by a landslide" against "landslide recovery"
    shares one word, not three)."""
    if index + 2 >= len(pairs):
        return False
    whole, first, second = pairs[index][0], pairs[index + 1][0], pairs[index + 2][0]
    return len(whole) >= 2 * COMPOUND_PART and whole == first + second


def _part_stem(key: str, compound: bool, zipf: dict[str, float]) -> str:
    """The stem of one word; a common word ending a dashed compound after a name is the
    compound's.

    In "White House-area shooting", "Minneapolis-based" or "Biden-era rules" the common word
    takes its sense from the name before it (near the White House, of a time): it is no match
    for the lead's plain "monitoring the area", only for the same word in another compound.  A
    place ("Peru-Chile") or a rarer word ("Drug-Trafficking") is itself there too, and after a
    lower-case word ("world-record", "quake-hit") a common word keeps its own sense.  In a
    Title Case headline every part is capitalised, so there it holds after any word."""
    stem: str = _stemmer().stemWord(key)
    if compound and zipf.get(key, DEFAULT_ZIPF) >= COMPOUND_ZIPF and stem not in _concepts():
        return COMPOUND + stem
    return stem


def _concepts() -> dict[str, str]:
    return vocabulary().concepts


@cache
def _family_words() -> frozenset[str]:
    # Raw family spellings, so a dashed compound such as "cease-fire" joins up even when the
    # frequency table lacks the joined word.
    text = _read("families.txt")
    return frozenset(
        plain(w).replace(" ", "").replace("-", "")
        for line in _data_lines(text)
        for w in line.partition("=")[2].split(",")
    )


def _protected() -> frozenset[str]:
    return vocabulary().protected


_TOKEN_CACHE: dict[str, tuple[tuple[str, str], ...]] = {}
# Distinct tokens (and chunks) kept; a long-running preview must not grow without bound.  A
# week of 300 full-text entries holds 360,000 distinct words: at 200,000 every reading of the
# stories' texts (each lead contender's, then its coverage's) cleared and refilled the caches.
# An entry shares its strings and tuples where they are equal (about 330 bytes a chunk, was
# 530): 400,000 take at most about 130 MB, where 200,000 took 107 MB.
_CACHE_LIMIT = 400_000


def token_words(token: str) -> tuple[tuple[str, str], ...]:
    """The (readable word, stem) pairs of one regex token, cached: stemming dominates the cost."""
    found = _TOKEN_CACHE.get(token)
    if found is None:
        if len(_TOKEN_CACHE) >= _CACHE_LIMIT:
            _TOKEN_CACHE.clear()
        found = _TOKEN_CACHE[token] = tuple(
            _shared(token, word, stem) for word, stem in _words(token, vocabulary().zipf)
        )
    return found


def _shared(token: str, word: str, stem: str) -> tuple[str, str]:
    """(word, stem), each the same string object as the one before it when equal (a cached
    token's word is mostly the token, its stem mostly the word): the cache's memory."""
    word = token if word == token else word
    return word, word if stem == word else stem


_HEADS: dict[str, str | None] = {}  # token → the concept of its dashed compound's last word


def compound_head(token: str) -> str | None:
    """The concept of the last word of a dashed compound ("~trade" of "exchange-traded",
    "term" of "short-term", "border" of "cross-border"), or None for a token that is no such
    compound: a plain word, one whose dashed parts join into an English word ("cease-fire"),
    one ending in a stopword, or a head the compound's name already marks ("+area" of "White
    House-area").  In a compound the last word takes its sense from the first: an
    exchange-traded fund is no trade, a short-term rate no term (relevance.py)."""
    dashes = _dashes_re()
    if not dashes.search(token):
        return None  # a plain word (not kept: most tokens are)
    if token in _HEADS:
        return _HEADS[token]
    head = None
    pairs = token_words(token)
    last = token_words(dashes.split(token)[-1])
    if len(pairs) > 1 and len(last) == 1 and pairs[-1] == last[0]:
        head = _concepts().get(last[0][1], last[0][1])
    if len(_HEADS) >= _CACHE_LIMIT:
        _HEADS.clear()
    _HEADS[token] = head
    return head


def terms(text: str) -> list[Term]:
    """The concepts of a text in order, each with the word that carried it."""
    return [Term(word, concept) for word, concept in concept_pairs(text)]


_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {}  # chunk → its (word, concept) pairs
_STEMMED: dict[str, tuple[tuple[str, str, str], ...]] = {}  # chunk → (word, stem, concept)
_PHRASE_TOKENS: set[str] = set()  # chunks with a stem that may start a multi-word place


def concept_pairs(text: str) -> list[tuple[str, str]]:
    """Like `terms` as plain (word, concept) tuples: the fast path for 100,000 headlines."""
    # Split on spaces (several times faster than the regex) and analyse each chunk once:
    # the regex runs only on chunks never seen before, and punctuation goes there.
    tokens = text.split()
    cached = list(map(_PAIRS.get, tokens))
    entries = (
        cached if _all_cached(cached) else [_PAIRS.get(token) or _learn(token) for token in tokens]
    )
    if _PHRASE_TOKENS.isdisjoint(tokens):
        return list(chain.from_iterable(entries))
    # A word that may start "New Orleans": join phrases the slow way.
    return _join_phrases([triple for token in tokens for triple in _stemmed(token)])


def _all_cached(
    entries: list[tuple[tuple[str, str], ...] | None],
) -> TypeGuard[list[tuple[tuple[str, str], ...]]]:
    """Whether every chunk was already analysed (no None from the cache)."""
    return None not in entries


def _stemmed(chunk: str) -> tuple[tuple[str, str, str], ...]:
    found = _STEMMED.get(chunk)
    if found is None:
        _learn(chunk)
        found = _STEMMED[chunk]
    return found


def chunk_pairs(chunk: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    """The (word, concept) pairs of one space-separated chunk, and whether a place name
    of several words may start in it (then the whole text needs `concept_pairs`)."""
    pairs = _PAIRS.get(chunk)
    if pairs is None:
        pairs = _learn(chunk)
    return pairs, chunk in _PHRASE_TOKENS


@cache
def phrase_concepts() -> frozenset[str]:
    """The concepts of multi-word places ("El Salvador"): only they need the slow path to match."""
    return frozenset(c for entries in vocabulary().phrases.values() for _, c in entries)


def joins_phrase(first: str, second: str) -> bool:
    """True when a multi-word place may begin in chunk `first` and go on into `second` (or
    lies inside `first`, as in "Guinea-Bissau"): only then must a text take the slow path."""
    head = _stemmed(first)
    stems = [stem for _, stem, _ in head + _stemmed(second)] if second else [s for _, s, _ in head]
    phrases = vocabulary().phrases
    for i in range(len(head)):
        for phrase, _ in phrases.get(stems[i], ()):
            seen = stems[i : i + len(phrase)]
            if len(seen) >= 2 and tuple(seen) == phrase[: len(seen)]:
                return True
    return False


def _join_phrases(triples: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(word, stem, concept) triples to (word, concept) pairs, multi-word places joined."""
    phrases = vocabulary().phrases
    out: list[tuple[str, str]] = []
    i, n = 0, len(triples)
    while i < n:
        word, stem, concept = triples[i]
        for stems, place in phrases.get(stem, ()):
            end = i + len(stems)
            if end <= n and all(triples[i + k][1] == s for k, s in enumerate(stems)):
                out.append((" ".join(w for w, _, _ in triples[i:end]), place))
                i = end
                break
        else:
            out.append((word, concept))
            i += 1
    return out


def _learn(chunk: str) -> tuple[tuple[str, str], ...]:
    vocab = vocabulary()
    if len(_PAIRS) >= _CACHE_LIMIT:
        _PAIRS.clear()
        _STEMMED.clear()
        _PHRASE_TOKENS.clear()
    tokens = _token_re().findall(chunk)
    if len(tokens) == 1 and tokens[0] == chunk:
        tokens = [chunk]  # the chunk's own string, not a copy, keys the token's entry
    pairs = [pair for token in tokens for pair in token_words(token)]
    if any(stem in vocab.phrases for _, stem in pairs):
        _PHRASE_TOKENS.add(chunk)
    triples = tuple((word, stem, vocab.concepts.get(stem, stem)) for word, stem in pairs)
    _STEMMED[chunk] = triples
    # A word's stem is mostly its concept: its (word, stem) pair is then the (word, concept) one.
    entry = tuple(
        pair if concept is pair[1] else (pair[0], concept)
        for pair, (_, _, concept) in zip(pairs, triples, strict=True)
    )
    if len(tokens) == 1 and entry == token_words(tokens[0]):
        entry = token_words(tokens[0])
    _PAIRS[chunk] = entry
    return entry


def resolve(pairs: list[tuple[str, str]]) -> list[Term]:
    """Map (word, stem) pairs to Terms, joining multi-word places ("New Orleans") first."""
    return [term for term, _ in resolve_indexed(pairs)]


def resolve_indexed(pairs: list[tuple[str, str]]) -> list[tuple[Term, int]]:
    """Like `resolve`, each Term with the index of its first pair."""
    vocab = vocabulary()
    phrases, concepts = vocab.phrases, vocab.concepts
    out: list[tuple[Term, int]] = []
    i, n = 0, len(pairs)
    while i < n:
        word, stem = pairs[i]
        for stems, concept in phrases.get(stem, ()):
            size = len(stems)
            if tuple(s for _, s in pairs[i : i + size]) == stems:
                out.append((Term(" ".join(w for w, _ in pairs[i : i + size]), concept), i))
                i += size
                break
        else:
            out.append((Term(word, concepts.get(stem, stem)), i))
            i += 1
    return out


def tokens(text: str) -> list[str]:
    """The raw regex tokens of a text, as `terms` sees them (for case-aware callers)."""
    return _token_re().findall(text)


def token_spans(text: str) -> list[re.Match[str]]:
    """The regex tokens of a text with their positions (the lead needs case and context)."""
    return list(_token_re().finditer(text))


# Inflectional endings of English and what each may have replaced: "intensified" →
# intensify, "arrests" → arrest, "signaling" → signal, "stopped" → stop, "raised" → raise.
_INFLECTIONS: tuple[tuple[str, str], ...] = (
    ("ies", "y"),
    ("ied", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
)


def _bases(word: str) -> set[str]:
    """The word and every base an inflectional ending may have been added to."""
    bases = {word}
    for ending, base in _INFLECTIONS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 2:
            bases.add(stem + base)
            if not base and len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "aeiouls":
                bases.add(stem[:-1])  # a doubled consonant: "stopped", "planning"
    return bases


def same_lemma(first: str, second: str) -> bool:
    """True when two words are one word inflected ("intensify" and "intensified", "warns" and
    "warned"), not two words of one stem ("national" and "nations")."""
    a, b = plain(first), plain(second)
    return a == b or not _bases(a).isdisjoint(_bases(b))


def zipf(word: str) -> float:
    """Background Zipf frequency of a plain word (3.0 = once per million words)."""
    return vocabulary().zipf.get(plain(word), DEFAULT_ZIPF)


def base_zipf(word: str) -> float:
    """The Zipf frequency of a word's commonest base ("end" 5.7 for "ends", "ban" 4.6 for
    "bans"): how common the word is whatever its inflection."""
    table = vocabulary().zipf
    return max(table.get(base, DEFAULT_ZIPF) for base in _bases(plain(word)))


def is_name_like(word: str) -> bool:
    """True when a word is about as frequent abroad as in English, as names are."""
    return plain(word) in vocabulary().name_like


def is_place(concept: str) -> bool:
    """True for gazetteer concepts."""
    return concept.startswith(PLACE)


def is_family(concept: str) -> bool:
    """True for variant-family concepts."""
    return concept.startswith(FAMILY)


def word_concept(concept: str) -> str:
    """The concept without the sense a compound gives it ("+area" → "area"): near-duplicate
    titles compare their words, not their senses."""
    return concept.removeprefix(COMPOUND)


def is_number(concept: str) -> bool:
    """True for numbers, which never count as evidence of relevance."""
    return concept.startswith(NUMBER)
