"""An untitled lead's title from a professional headline about the same event (issue 20, part 6).

Twenty rounds of rules cut a title from an untitled lead's first sentence; on news never seen
about half of the cuts print.  When the derivation is unsure (`certain_kind` is false: the
confidence gate found no certain cut, or the self-check rejected every candidate), the week
often holds a headline an editor wrote about the same event: a feed's line the ranker put in
Related with a very high score.  `borrowed_title` takes one only when it is safe:

1. it is about the same event: its relevance to the lead is at least `SAME_EVENT`, and two
   thirds of its words (`OPENING_SHARE`) are in the lead's news sentence (the one its title
   is derived from), not only in a later detail;
2. it states nothing the story does not say: every content word (stemmed and casefolded, a
   variant family as one, numbers included, stop words ignored: `terms.concept_pairs`) is in
   the lead's text, but for at most one common word that is neither its verb, a number nor a
   name ("WHO approves first malaria vaccine" under a story that says "recommends" is refused);
   an ordinal or a superlative ("the last time", "the only", "the biggest") only when the news
   sentence says it;
   it negates nothing the news sentence does not ("Fed does not cut …", "never", "won't":
   stop words, so every content word was the story's), and what comes before its verb (its
   subject) comes before that verb in the news sentence too ("Trump cuts interest rates …"
   under "The Federal Reserve is cutting … caused by President Donald Trump's trade wars");
3. it prints as a title itself: an outlet's suffix (" - BBC News", " | Reuters") dropped, a
   Title Case headline put in sentence case with the lead's own capitals, then the derived
   titles' self-check (`titles.printable_problems`: one main verb, no label or dateline, within
   `TITLE_LIMIT`), and no question, teaser or live page ("Here's why", "What you need to know").

The caller (assemble/__init__.py, after Related is cut) passes the candidates in; this module
never ranks.  Pure text, deterministic, nothing fetched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsletter.assemble.headline_grammar import verb_index
from newsletter.assemble.terms import NUMBER, concept_pairs, zipf
from newsletter.assemble.titles import (
    TITLE_LIMIT,
    news_sentence,
    opening_of,
    printable_problems,
    without_dateline,
)
from newsletter.control_chars import source_text, without_controls
from newsletter.models import Headline

# The derivation's kinds that need no second opinion (titles.chosen_title): the gate's.
CERTAIN_KINDS = frozenset({"score line", "whole", "short", "long", "boundary", "completed"})
# The relevance a headline needs to stand for the lead's event (Related's bar is 0.28, the
# week bar 0.45; a labelled lead's own event's headlines score 0.70-0.93).
SAME_EVENT = 0.70
# The share of a headline's words that must be in the lead's news sentence (its first, or
# the second after a scene): "Israel releases 90 Palestinian prisoners under ceasefire deal"
# under the ceasefire taking effect, and "Australia's House of Representatives passes bill
# that would ban young children from social media" under the Senate passing the law the
# next day (both in the first paragraph, every word in the story), are other events.
OPENING_SHARE = 2 / 3
# The one word a headline may add: a common word (Zipf of its plain form at least this).
MINOR_ZIPF = 4.5
# Words that place or rank the fact ("the last time" for "the first time", "the only", "the
# biggest"): never the word a headline adds, however common.
_ORDER_WORDS = frozenset(
    {
        *("first", "second", "third", "fourth", "fifth", "last", "final", "only", "next"),
        *("previous", "former", "latest", "earliest", "sole", "single", "once", "again"),
        *("biggest", "largest", "smallest", "highest", "lowest", "best", "worst", "greatest"),
        *("longest", "shortest", "oldest", "youngest", "deadliest", "worst", "fastest"),
    }
)

# " - BBC News", " | Reuters", " — The Guardian": an outlet's name after the headline.
_OUTLET_SUFFIX = re.compile(r"\s+(?P<mark>[|–—-])\s+(?P<outlet>[^|–—-]{2,40})$")
# Markup a headline still shows as text: a tag, or an entity (entity soup: `&amp;amp;`)
_MARKUP_LEFT = re.compile(r"<[A-Za-z/!][^<>]*>|&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.I)
# A part of an aggregator's chain after the first is dropped only when it is one of these
# (or the publisher, or a domain): words outlets' names have and headlines' subjects rarely do.
_OUTLET_WORDS = frozenset(
    """news times post journal herald tribune press daily gazette telegraph guardian reuters
    bloomberg ap afp bbc cnn npr cnbc nbc abc cbs pbs upi dw msn msnbc yahoo axios politico
    independent chronicle observer express mirror standard magazine radio tv television
    network wire online today insider economist aljazeera jazeera euronews xinhua kyodo
    yonhap tass ansa efe dpa""".split()  # noqa: SIM905 (a word list as an editor reads it)
)
_DOMAIN = re.compile(r"(?:[a-z0-9-]+\.)+(?:com|org|net|co\.uk|news|info|io|[a-z]{2})", re.I)
# A question, a teaser or a page that is no headline.
_NOT_A_HEADLINE = re.compile(
    r"\?|!$|\b(?:here'?s|here is|what (?:you|we) (?:need to |should )?know|explained|live|"
    r"latest|watch|video|photos|breaking|updates)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w’']*")
# Words that negate what a headline says; "n't" and "cannot" are read as "not".
_NEGATIONS = frozenset(
    {"not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "nowhere", "without"}
)
_NEGATION_WORD = re.compile(r"[a-z'’]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BorrowedTitle:
    """A headline taken as the lead's title: the title as printed, and the line it came from."""

    title: str
    headline: Headline

    @property
    def credit(self) -> str:
        """Whose headline it is, as the Ranking tab and `build --json` say it."""
        return self.headline.publisher or self.headline.outlet or self.headline.source


def certain_kind(kind: str) -> bool:
    """Whether a derived title of this kind (titles.chosen_title) stands without a headline."""
    bare = kind.removeprefix("later ").removeprefix("apposition ").removeprefix("participle ")
    return bare in CERTAIN_KINDS


def borrowed_title(
    paragraphs: Sequence[str], candidates: Sequence[tuple[Headline, float]]
) -> BorrowedTitle | None:
    """The first candidate (best score first, ties in the given order) that is safe as the
    lead's title (module docstring), or None."""
    text = " ".join(paragraphs)
    if not text.strip():
        return None
    known = {concept for _, concept in concept_pairs(text)}
    # the title's own opening (its first OPENING_CHARS): a whole paragraph of one sentence
    # was read entire, minutes for 450 KB
    news = news_sentence(without_dateline(" ".join(opening_of(paragraphs[0]).split())))[0]
    opening = {concept for _, concept in concept_pairs(news)}
    ordered = sorted(enumerate(candidates), key=lambda c: (-c[1][1], c[0]))
    for _, (headline, score) in ordered:
        if score < SAME_EVENT:
            break
        title = as_title(headline.title, headline.publisher, text)
        if title and _says_only(title, known, opening) and _says_it_so(title, news):
            return BorrowedTitle(title, headline)
    return None


def as_title(headline: str, publisher: str, lead_text: str) -> str | None:
    """The headline as the lead's title (its outlet's suffix dropped, in sentence case), or
    None when it is no printable title: one still showing markup or an entity once its feed
    was read (`<b>`, `&amp;`: sources/feeds.py decodes a title once) is none."""
    plain = source_text(without_controls(headline)[0])
    if _MARKUP_LEFT.search(plain):
        return None
    title = without_outlet(" ".join(plain.split()), publisher)
    if _NOT_A_HEADLINE.search(title):
        return None
    title = sentence_case(title, lead_text)
    return None if printable_problems(title, TITLE_LIMIT) else title


def without_outlet(title: str, publisher: str = "") -> str:
    """`title` without an outlet's name after it: the feed's publisher, or after a pipe a
    short name, or after a dash two to four capitalised words with no verb ("BBC News").
    An aggregator's chain ("… - Reuters - Yahoo News") goes whole, each further part only
    when it is surely an outlet (`_outlet_like`): "Biden - Xi Summit - Reuters" keeps
    "Biden - Xi Summit"."""
    cut = _without_one_outlet(title, publisher, strict=False)
    while cut != title:
        title = cut
        cut = _without_one_outlet(title, publisher, strict=True)
    return title


def _without_one_outlet(title: str, publisher: str, *, strict: bool) -> str:
    """`title` without its last outlet suffix, when it is one (`strict`: surely one)."""
    m = _OUTLET_SUFFIX.search(title)
    if m is None:
        return title
    outlet = m["outlet"].strip()
    words = outlet.split()
    named = bool(publisher) and outlet.casefold() in publisher.casefold()
    if strict:
        surely = named or bool(_DOMAIN.fullmatch(outlet)) or _outlet_like(words)
        return title[: m.start()] if surely and _capitalised(outlet) else title
    piped = m["mark"] == "|" and len(words) <= 5
    return title[: m.start()] if named or piped or _capitalised(outlet) else title


def _capitalised(outlet: str) -> bool:
    """One to four capitalised words with no digit and no verb ("BBC News"), or a domain."""
    words = outlet.split()
    if _DOMAIN.fullmatch(outlet):
        return True
    return (
        1 <= len(words) <= 4
        and all(w[:1].isupper() for w in words)
        and not any(c.isdigit() for c in outlet)
        and verb_index(outlet.lower()) is None
    )


def _outlet_like(words: Sequence[str]) -> bool:
    """Whether a name has a word only outlets' names have ("News", "Times", "Reuters")."""
    return any(w.strip(".,'’").casefold() in _OUTLET_WORDS for w in words)


def sentence_case(title: str, lead_text: str) -> str:
    """A Title Case headline in sentence case: each word after the first keeps its capital
    only when it is an acronym or the lead writes it so ("Fed", "Gaza"), else goes lower;
    a headline already in sentence case is returned as it is."""
    words = _WORD.findall(title)
    if len(words) < 3 or sum(w[:1].isupper() for w in words[1:]) < 0.6 * (len(words) - 1):
        return title
    lower, upper = _casings(lead_text)

    def fix(m: re.Match[str]) -> str:
        word = m.group()
        if m.start() == 0 or (word.isupper() and len(word) > 1) or not word[:1].isupper():
            return word
        key = word.casefold()
        if key in lower or (key not in upper and zipf(key) >= 3.0):
            return word.lower()
        return word

    return _WORD.sub(fix, title)


def _casings(text: str) -> tuple[set[str], set[str]]:
    """The words `text` writes in lower case, and those it writes capitalised other than at a
    sentence's start."""
    lower: set[str] = set()
    upper: set[str] = set()
    for m in _WORD.finditer(text):
        word = m.group()
        before = text[max(0, m.start() - 100) : m.start()].rstrip()  # not all before: a square
        if word[:1].islower():
            lower.add(word.casefold())
        elif before and before[-1] not in ".!?:“\"'‘":
            upper.add(word.casefold())
    return lower, upper


def _says_only(title: str, known: set[str], opening: set[str]) -> bool:
    """Whether every content word of `title` is in the lead (`known`), but at most one common
    word that is not its verb, a number or a name; and enough of them in its opening."""
    pairs = concept_pairs(title)
    if not pairs:
        return False
    added = [(word, concept) for word, concept in pairs if concept not in known]
    if len(added) > 1:
        return False
    if added and not _minor(added[0], title):
        return False
    in_opening = sum(concept in opening for _, concept in pairs)
    return in_opening >= OPENING_SHARE * len(pairs)


def _says_it_so(title: str, news: str) -> bool:
    """Whether `title` negates only what the news sentence negates, places or ranks only as it
    does (`_ORDER_WORDS`), and its subject (the words before its verb) comes before that verb
    in the news sentence, where it is there: the same words can say the opposite ("Fed does
    not cut …", "Trump cuts …", "… for the last time")."""
    if not negations(title) <= negations(news):
        return False
    ordering = {w.casefold() for w in _WORD.findall(title)} & _ORDER_WORDS
    if not ordering <= {w.casefold() for w in _WORD.findall(news)}:
        return False  # "the last time" under "the first time": the fact turned
    words = title.split(" ")
    at = verb_index(title)
    if at is None or at >= len(words):
        return True
    order: dict[str, list[int]] = {}
    for i, (_, concept) in enumerate(concept_pairs(news)):
        order.setdefault(concept, []).append(i)
    verb = [concept for _, concept in concept_pairs(words[at])]
    if not verb or verb[0] not in order:
        return True
    last_verb = max(order[verb[0]])
    subject = [concept for _, concept in concept_pairs(" ".join(words[:at]))]
    return all(min(order[c]) < last_verb for c in subject if c in order)


def negations(text: str) -> set[str]:
    """The negating words of `text` ("n't" and "cannot" as "not")."""
    found = set()
    for m in _NEGATION_WORD.finditer(text):
        word = m.group().casefold().replace("’", "'")
        if word.endswith("n't") or word == "cannot":
            found.add("not")
        elif word in _NEGATIONS:
            found.add(word)
    return found


def _minor(pair: tuple[str, str], title: str) -> bool:
    """A word a headline may add: common, not a number, not capitalised in the title (a name),
    and not the title's main verb."""
    word, concept = pair
    if concept.startswith(NUMBER) or zipf(word) < MINOR_ZIPF:
        return False
    words = title.split()
    at = verb_index(title)
    verb = words[at].strip(",.;:").casefold() if at is not None and at < len(words) else ""
    # a name when the title writes it capitalised every time ("new" in "New Zealand's new
    # prime minister" is a common word, said once in lower case)
    found = [w for w in words[1:] if w.strip(",.;:'’‘").casefold().removesuffix("’s") == word]
    named = bool(found) and all(w[:1].isupper() for w in found)
    return word != verb and not named
