"""A headline's two views of the lead: the names it shares, and the event it tells.

The concept scorer adds the lead's names and its topics into one score, and a name the story
is about counts in full, like its central topic (relevance.CENTRAL_NAME): "Musk" under Twitter
becoming X, "Sturgeon" under her resignation.  So a headline that shares that name and tells
another story of its person ("Police release Nicola Sturgeon without charge", "Musk, Zuckerberg
agree to cage fight") scored as the story itself, and the model's cosine, which reads the same
name in both, did not tell them apart either.  Miranda et al. (EMNLP 2018) cluster a week's
news on its title, its body and its named entities as separate views; here the names are read
apart from the event:

- the **entity view** is what the concept scorer already sees: the lead's names and places
  (`LeadProfile.proper`) that a headline names;
- the **event view** is the headline with those names left out, read by the model against the
  lead with its names left out and against the week's reports of the lead's event (its
  *coverage*: the candidates whose own words, without the names, share the lead's topics).

A headline whose concepts are the lead's names alone (without them its concept score is a
passing word's: relevance.WEAK_CAP or less) is another story of the same names when the week
has at least `EVENT_REPORTS` reports of the lead's event and its event view is like none of
them, nor like the lead (`EVENT_BAR`).  Its concepts then count as a name's do
(meaning.WEAK_EVIDENCE), and the model's evidence is its event view: the shared name is
counted once, weakly, and not again through the cosine it inflates.  A week with fewer reports
of the event (a lead about a name, whose every report names it: "Chauvin", "Chelsea") is never
judged so: there is nothing to tell its other stories from.  A names-alone headline that shares
not one word (stopwords aside) with the lead's text or a report (its title and summary) has
only the model to say it tells the story, and the model reads the person's world ("Elon Musk
says open to Tesla price cuts again" under Twitter becoming X, "LeBron James passes Kobe
Bryant …" under his death): its event view must reach `UNSHARED_BAR`, not EVENT_BAR.

**A headline the model alone carries** (its concepts a passing word's at most: the lead's names
and places, weakly) is read for its event too, when its title and summary without the names
still tell NEAR_WORDS words of their own: under NEAR_EVENT_BAR with the lead's event and every
report it is another event of the lead's world, and its model evidence is its event view, not
the cosine the shared names inflate.  Russia's claim to have repelled an attack "in the
Zaporizhzhia region" (the war's front) under the Kakhovka dam's flood, which names the region
of the plant the reservoir cooled, scored 0.325 in Related on "zaporizhzhia", "ukrainian" and
"russia" and the war both texts tell (cosine 0.475); its event view is 0.228, so 0.177.

A **card** (a story of the editor's) is read the same way on its whole text, and when that text
without the names shares no more than a passing word with the lead it is another story
whatever its event view: hundreds of words that tell the lead's event share its topics (the
85 labelled and held-out leads' stories as cards under one another: 71 of 7,140 are so read,
none of the lead's event), and a whole
text's cosine sits higher than a headline's, so EVENT_BAR, learnt on headlines, does not read
it.  Its event view is still its model evidence, so it keeps a score above zero.  The building
collapse in Cairo's Gesr al-Suez district scored 0.543 on "Suez" alone under the Ever Given
(0.168 now).  A card is never a report: the reports stay the week's headlines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from newsletter.assemble import terms as t
from newsletter.assemble.relevance import WEAK_CAP, LeadProfile, rank_headlines
from newsletter.models import Headline

if TYPE_CHECKING:
    import numpy as np

# The fewest reports of the lead's event (candidates sharing its topics without its names) the
# week must have before a headline of its names alone is judged another story.  Two reports
# are no coverage to compare with (one of them may be the other story's); on the real dev leads
# every names-alone headline of grade 2 with at least this many reports is like one of them.
EVENT_REPORTS = 3
# A names-alone headline whose event view reaches this cosine with the lead's event or one of
# its reports is the story: under it, another story of the same names.  On the real dev leads,
# holdout2 and holdout3, names-alone headlines with EVENT_REPORTS reports: grade 0 read
# 0.05-0.22, grade 2 from 0.13 up (docs/ranking-measurements.md, "The event view"); under 0.12 a
# grade 0 is likelier than a grade 2, as fit_graded.fit_bar chooses the Related bar.
EVENT_BAR = 0.16
# A names-alone headline none of whose own words (the lead's names left out, stopwords aside)
# is a word of the lead's text or of a report (its title and summary) has only the model to
# say it tells the story, so its event view must reach this higher bar.  On the pooled sets
# (the real dev leads, holdout2-5, the real weeks) such headlines over EVENT_BAR read grade 0
# up to 0.180 ("Elon Musk says open to Tesla price cuts again, stock tanks" 0.174, "LeBron
# James passes Kobe Bryant …" 0.179) and grade 2 from 0.215 ("Donald Trump arrested,
# arraigned" 0.219): the bar is the middle of that gap, and every training part of both
# cross-validations gives the same (docs/ranking-measurements.md, *The same person, sharing no word
# with the story*).
UNSHARED_BAR = 0.2
# A headline whose concepts are a passing word's at most (the lead's names, weakly) reaches the
# Related bar on the model's likeness alone, which the names it shares with the lead inflate.
# Without the names, one that still has NEAR_WORDS words of its own (its title and summary, the
# lead's names, stopwords and figures aside: a headline with its summary, enough for the model
# to read the event it tells) and whose event view stays under NEAR_EVENT_BAR tells another
# event of the lead's world.  On the pooled sets (the real dev leads, holdout2-5, the real
# weeks) such headlines read: grade 0 0.228 (Russia repelling an attack "in the Zaporizhzhia
# region" under the Kakhovka dam's flood) and 0.274 (a tour boat's sinking off Phuket under
# the Thai cave rescue), grade 1 and 2 from 0.345 (the Bank of Japan's finance chief, Maui's
# silent sirens, Microsoft's recovery tool under the CrowdStrike outage): the bar is the middle
# of that gap.  Shorter ones (a headline alone, 1-9 words: "Meanwhile, on Mars", "Germany
# crush Brazil with a defeat for the history books") read 0.04-0.50 whatever their grade: the
# model reads too few words to tell their event, so they are left as they are.
NEAR_WORDS = 10
NEAR_EVENT_BAR = 0.31
# The candidates read, a ranking: the best by their concepts (Related holds a few dozen at
# most), of which at most JUDGED are judged and REPORTS_READ read as reports.  A week of
# 100,000 headlines about one famous name reads no more than a week of 500.
WINDOW = 200
JUDGED = 50
REPORTS_READ = 50

# A text that says its event is unrelated to something: "unrelated to", "not related to",
# "not linked with", "no connection with", "nothing to do with".  When what it denies (the
# DENIED_SPAN words after it, stopwords aside) names one of the lead's names, the text tells
# another event of that name or its world, and says so: "A configuration change cut Azure
# storage off … Microsoft said it was unrelated to the CrowdStrike fault" under the faulty
# CrowdStrike update (tests/data/weeks/crowdstrike-2024/).
_DENIAL = re.compile(
    r"\b(?:unrelated|not\s+(?:related|linked|connected)|no\s+(?:link|connection)"
    r"|nothing\s+to\s+do)\s+(?:to|with)\b",
    re.IGNORECASE,
)
DENIED_SPAN = 2

Cosines = Callable[[tuple[str, str], Sequence[str]], list[float]]
# The editor's stories among the candidates: their indices (concepts over WEAK_CAP, best first)
# and each one's text by index (its title and whole text, as meaning.candidate_text reads it).
Cards = tuple[Sequence[int], Mapping[int, str]] | None
Vectors = Callable[[Sequence[str]], "np.ndarray"]  # one unit vector a text (embedding.embed)


@lru_cache(maxsize=4096)
def without_names(text: str, names: frozenset[str]) -> str:
    """`text` with every word naming one of `names` (the lead's concepts) left out; read once
    a text and lead (the second ranking of a week, meaning.refined, reads the same window)."""
    kept, end = [], 0
    for span in t.token_spans(text):
        if not names.isdisjoint(c for _, c in t.concept_pairs(span.group())):
            kept.append(text[end : span.start()])
            end = span.end()
    return "".join([*kept, text[end:]]) if kept else text


def other_stories(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    strong: Sequence[int],
    cosines: Cosines,
    vectors: Vectors,
    cards: Cards = None,
) -> dict[int, float]:
    """The candidates of `strong` (concepts over WEAK_CAP, best first) that are another story of
    the lead's names (module docstring: their event view under EVENT_BAR), each with its event
    view's cosine (the model's evidence for it).  The reports are read only when one of them
    is unlike the lead's event: a view is the better of the two cosines, so one at EVENT_BAR
    with the lead is the story whatever the reports say (and a small week's build then never
    imports numpy for them).

    `cards` are the editor's stories among the candidates (their indices, best first, and
    each one's whole text as the model reads it): judged as the headlines are, on that text
    without the names, against the same reports (the headlines'), never a report themselves."""
    views, unshared = _views(
        lead, profile, candidates, strong, cosines, vectors, cards, unlike_only=True
    )
    stories = frozenset(cards[0]) if cards else frozenset()
    return {
        i: cosine
        for i, cosine in views.items()
        if cosine < (UNSHARED_BAR if i in unshared else EVENT_BAR) or i in stories
    }


def near_views(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    strong: Sequence[int],
    near: Sequence[int],
    cosines: Cosines,
    vectors: Vectors,
) -> dict[int, float]:
    """The headlines of `near` (concepts a passing word's at most: the model alone carries
    them to the Related bar) that are another story of the lead's names (module docstring,
    *A headline the model alone carries*), each with its event view: its best cosine, without
    the names, with the lead's event or one of the reports of `strong`.  None when the week has
    fewer than EVENT_REPORTS reports."""
    read = _read_views(lead, profile, candidates, strong, cosines, None, near)
    if read is None:
        return {}
    judged, to_lead, texts, reports = read
    to_reports = _best_cosines(texts, reports, vectors)
    views = zip(judged, to_lead, to_reports, strict=True)
    return {i: view for i, a, b in views if (view := max(a, b)) < NEAR_EVENT_BAR}


def denies(text: str, names: frozenset[str]) -> bool:
    """Whether `text` says its event is unrelated to one of `names` (the lead's names and
    places, `LeadProfile.proper`): a denial (`_DENIAL`) whose next DENIED_SPAN content words
    name one of them.  Such a headline tells another event, however many of the lead's words
    it shares (the same company's other outage, its flights grounded the same night)."""
    for found in _DENIAL.finditer(text):
        words = [
            w for w in t.token_spans(text[found.end() :]) if w.group().casefold() not in t.STOPWORDS
        ]
        said = {c for w in words[:DENIED_SPAN] for _, c in t.concept_pairs(w.group())}
        if not names.isdisjoint(said):
            return True
    return False


def event_views(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    strong: Sequence[int],
    cosines: Cosines,
    vectors: Vectors,
) -> tuple[dict[int, float], frozenset[int]]:
    """The event view of each candidate of `strong` whose concepts are the lead's names alone:
    its best cosine, without the names, with the lead's event or one of its reports (module
    docstring); none when the week has fewer than EVENT_REPORTS reports of the event.  Also
    those of them that share no word with the story (`UNSHARED_BAR`)."""
    return _views(lead, profile, candidates, strong, cosines, vectors, None, unlike_only=False)


def _views(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    strong: Sequence[int],
    cosines: Cosines,
    vectors: Vectors,
    cards: Cards,
    *,
    unlike_only: bool,
) -> tuple[dict[int, float], frozenset[int]]:
    """Each judged candidate's event view (`event_views`), and the judged headlines that share
    no word with the lead's text or a report (`UNSHARED_BAR`); with `unlike_only`, no
    view at all when every one is at its bar with the lead's event itself (the reports then go
    unread)."""
    read = _read_views(lead, profile, candidates, strong, cosines, cards)
    if read is None:
        return {}, frozenset()
    judged, to_lead, texts, reports = read
    stories = frozenset(cards[0]) if cards else frozenset()
    story = _words(lead[1]).union(*map(_words, reports))
    own = {i: _words(text) for i, text in zip(judged, texts, strict=True) if i not in stories}
    unshared = frozenset(i for i, words in own.items() if words and story.isdisjoint(words))
    bars = [UNSHARED_BAR if i in unshared else EVENT_BAR for i in judged]
    if (
        unlike_only
        and stories.isdisjoint(judged)
        and all(c >= bar for c, bar in zip(to_lead, bars, strict=True))
    ):
        return {}, unshared
    to_reports = _best_cosines(texts, reports, vectors)
    views = {i: max(a, b) for i, a, b in zip(judged, to_lead, to_reports, strict=True)}
    return views, unshared


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    """The concepts of a text's words, stopwords and figures aside (read once a text)."""
    return frozenset(
        c
        for w, c in t.concept_pairs(text)
        if w.casefold() not in t.STOPWORDS and not t.is_number(c)
    )


def _read_views(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    strong: Sequence[int],
    cosines: Cosines,
    cards: Cards = None,
    near: Sequence[int] = (),
) -> tuple[list[int], list[float], list[str], list[str]] | None:
    """The candidates an event view judges (`event_views`; with `near`, those of `near` instead
    that name one of the lead's names and tell NEAR_WORDS words of their own: `near_views`),
    each one's cosine with the lead's event, their texts without the names and the reports'
    texts; None when none is judged."""
    names = profile.proper
    stories, story_texts = cards or ((), {})
    if not names or not (strong or stories):
        return None
    window = strong[:WINDOW]
    bare = {i: _bare(candidates[i], names) for i in (*window, *near[:WINDOW])}
    rest = _concepts(profile, [bare[i] for i in window if bare[i] is not candidates[i]])
    # A candidate naming none of the lead's names keeps its own concepts (over WEAK_CAP).
    alone = [i for i in window if rest.get(id(bare[i]), 1.0) <= WEAK_CAP][:JUDGED]
    reports = [i for i in window if rest.get(id(bare[i]), 1.0) > WEAK_CAP][:REPORTS_READ]
    if len(reports) < EVENT_REPORTS:
        return None
    whole = _bare_cards(profile, stories[:JUDGED], story_texts)
    bare.update({i: headline for i, (headline, _) in whole.items()})
    judged = alone + [i for i, (_, concepts) in whole.items() if concepts <= WEAK_CAP]
    if near:  # the model alone carries these: judged with words enough to tell their event
        judged = _telling(near[:WINDOW], bare, candidates)
    if not judged:
        return None
    event = (without_names(lead[0], names), without_names(lead[1], names))
    texts = [_text(bare[i]) for i in judged]
    return judged, cosines(event, texts), texts, [_text(bare[i]) for i in reports]


def _telling(
    near: Sequence[int], bare: Mapping[int, Headline], candidates: Sequence[Headline]
) -> list[int]:
    """Those of `near` that name one of the lead's names (their bare headline is another) and
    still tell NEAR_WORDS words of their own without them; at most JUDGED."""
    named = (i for i in near if bare[i] is not candidates[i])
    return [i for i in named if len(_words(_text(bare[i]))) >= NEAR_WORDS][:JUDGED]


def _bare_cards(
    profile: LeadProfile, stories: Sequence[int], texts: Mapping[int, str]
) -> dict[int, tuple[Headline, float]]:
    """Each card's whole text without the lead's names, and its concept score then (1.0 when it
    names none of them: it keeps its own concepts).  Ranked apart from the headlines, so a
    card's text is never folded with a headline's."""
    names = profile.proper
    whole = {i: Headline(without_names(texts[i], names)) for i in stories}
    scores = _concepts(profile, [h for i, h in whole.items() if h.title != texts[i]])
    return {i: (h, scores.get(id(h), 1.0)) for i, h in whole.items()}


def _concepts(profile: LeadProfile, bare: Sequence[Headline]) -> dict[int, float]:
    """Each bare text's concept score against the lead, by its id (none read: empty)."""
    if not bare:
        return {}
    ranked = rank_headlines(profile, bare)
    return {id(h): item.score for item in ranked for h in (item.headline, *item.merged)}


def _bare(headline: Headline, names: frozenset[str]) -> Headline:
    """The headline without the lead's names (the same object when it names none)."""
    title = without_names(headline.title, names)
    if title == headline.title:
        return headline
    return Headline(title, summary=without_names(headline.summary, names))


def _text(headline: Headline) -> str:
    return f"{headline.title}. {headline.summary}" if headline.summary else headline.title


def _best_cosines(texts: Sequence[str], reports: Sequence[str], vectors: Vectors) -> list[float]:
    """Each text's best cosine with one of the reports, the model reading them in one batch."""
    if not reports:
        return [-1.0] * len(texts)
    unit = vectors([*texts, *reports])
    return [float(row.max()) for row in unit[: len(texts)] @ unit[len(texts) :].T]
