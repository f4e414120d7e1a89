"""Rank candidates by meaning: the static embedding model's cosine plus the sparse concept score.

    score = SPARSE_SHARE x concepts + DENSE_SHARE x min(max(cosine / DENSE_FULL, 0), 1)
    concepts = min(sparse, 1), times WEAK_EVIDENCE when it is WEAK_CAP or less
    (a card's at most WEAK_CAP when its cosine is under MEANING_FLOOR: words in another sense)

`sparse` is relevance.rank_headlines' score (the lead's concepts a headline names, 1.0 for
the central one); `cosine` is between the headline's vector and the lead's (embedding.py:
the mean of WordLlama's token vectors).  The lead's vector is the mean of its title-and-
opening vector and its whole-text vector, so the story's first lines count more without the
rest being lost.  A headline is embedded with its summary when it has one; a story that is a
candidate (a card) with its whole text, and its sparse score is the better of its title's and
its whole text's.

The week is ranked twice when the lead has clear coverage among the editor's stories: the
second time with the topics that coverage treats as core made core in the lead's profile
(`coverage_profile`).

Related is every headline scoring `RELATED_BAR` or more (up to the limit, and past it any
that scores `WEEK_BAR`), best first, in a week whose best headline reaches `WEEK_BAR`: no
other rule, so a headline that shares the story's key terms and its meaning is never left
under More while a weaker one sits in Related.  The share and the bar are learnt, not set
by hand: `fit_graded.fit_share` and `fit_graded.fit_bar` on the 28 real dev leads of
tests/data/labelled (5-fold cross-validated in bench/report_ranking.py;
docs/ranking-measurements.md has the table, and tests/test_relevance.py fails when these values
are no longer what the learners give).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import islice
from operator import itemgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple

from newsletter.assemble import echoes
from newsletter.assemble import terms as t
from newsletter.assemble.relevance import (
    FALSE_FRIEND_ZIPF,
    RARE_ZIPF,
    WEAK_CAP,
    LeadProfile,
    lead_profile,
    rank_headlines,
)
from newsletter.assemble.story_places import elsewhere
from newsletter.assemble.story_views import (
    WINDOW,
    denies,
    near_views,
    other_stories,
    without_names,
)
from newsletter.models import Headline, ScoredHeadline

if TYPE_CHECKING:
    import numpy as np

# Learnt on the real dev leads (fit_graded.fit_share: the share whose order puts grade 2 first
# best, mean average precision 0.932; the folds chose 0.1-0.5, four of five 0.4-0.5).
SPARSE_SHARE = 0.4
DENSE_SHARE = 1.0 - SPARSE_SHARE
# The cosine at which the model's evidence counts in full (1.0: the plain cosine).  On the
# real dev leads the median grade-2 headline sits at 0.52, the 95th percentile of grade 0 at
# 0.25; saturating earlier (0.6, 0.8) measured no better.
DENSE_FULL = 1.0
# Learnt on the real dev leads (fit_graded.fit_bar: the score at which a headline becomes likelier
# grade 2 than grade 0; the folds chose 0.25-0.32).  A headline that shares only a name or a
# place with the lead (a sport result naming the flooded city) stays under it: that evidence
# counts WEAK_EVIDENCE of itself.
RELATED_BAR = 0.28
# A week whose best headline scores under this has no related news: Related stays empty
# rather than promoting the least bad (a dig for fossils is not an earthquake rescue; the
# best unrelated week of the real leads, under other leads, tops out at 0.36).
WEEK_BAR = 0.45
# Related holds at most `related` headlines (8 by default) over RELATED_BAR; past that only a
# headline (or another outlet's report) scoring WEEK_BAR, up to this many times `related`: a
# big story's clear coverage is never cut for length, while weak matches stay capped.  On the
# real dev leads, 5-fold cross-validated: grade-2 recall 0.829 -> 0.863, grade-0s unchanged
# (0.14 a lead); a plain `related` of 10 gives 0.859 with 0.18 (docs/ranking-measurements.md).  No
# dev lead reaches the ceiling (the longest Related is 11); it bounds a week of 500 headlines.
RELATED_STRETCH = 2
# A concept score at or under relevance.WEAK_CAP is a name, a place or a passing word alone
# ("Valencia beat Sevilla" against the Valencia floods): it counts this share.  The dev leads
# cannot tell 0-0.8 apart (mean average precision 0.9311-0.9317 at the learnt share); the
# trap the real week showed, a sport result that shares only the flooded city's name,
# decides: at 0.4 it scored the learnt bar (tests/test_meaning.py), at 0.2 it stays under.
WEAK_EVIDENCE = 0.2
# A card's cosine (its whole text's) under which the words it shares with the lead are matched
# in another sense (the model reads the story as about something else): they count as a
# passing word does (WEAK_CAP, then WEAK_EVIDENCE), so they never carry a card into Related or
# the lead's coverage.  "New Zealand's central bank cuts its key rate" under Hurricane Milton's
# landfall near Siesta Key ("cuts", "key", "half": concepts 0.621) reads 0.069 and scored 0.290.
# The labelled leads' stories as cards under one another read 0.62-0.73 when they tell one
# event.  Cards only: a headline's few words read noisily, and three grade-2 headlines of the
# written set sit in Related at 0.052-0.062 ("Doctors Say Freed Captives Are in Stable
# Condition" under the Gaza ceasefire).
MEANING_FLOOR = 0.10
# The best lines whose folded near-duplicates are scored on their own (assemble/reports.py
# may list one as its own line in Related): the most lines `related` allows (50) before
# clear coverage stretches it.
REPORTS_WINDOW = 50
REPORTS_PER_LINE = 8  # ... and of each, at most this many (Related's default length)
# The lead's clear coverage (its candidates scoring WEEK_BAR) tells what the story is about
# (`coverage_profile`): a topic of the lead that at least FEEDBACK_MIN of them, and
# FEEDBACK_SHARE of them, name counts as a core topic, weighing that share.
FEEDBACK_MIN = 1
FEEDBACK_SHARE = 0.5
# A feed headline scoring this against one of the editor's related stories (read as a lead)
# is that story's coverage, scored through it (`through_cards`): the week bar, a score that
# alone makes a week's news related.  Only the CARDS_READ best related stories are read.
# ... read on the CARD_LINES best lines under the bar (a real week has a few hundred lines at
# most; a stress week of 100,000 would take 13-34 s to read whole for three cards).
CARD_COVERAGE = WEEK_BAR
CARDS_READ = 3
CARD_LINES = 200
# Characters of a candidate's summary or story text read with its title (a story's whole
# text is read up to here: about 600 words).
TEXT_CHARS = 4000


# A game's result: a score ("13-4", "76–64"; not a year range or a date) and a result verb or
# noun ("beat"; "a 4-0 shutout", "victory") in the title.  Under a lead that is no game's
# result, what such a headline shares with the lead ("strikes" out nine against a ship that
# "strikes" a bridge) is a passing likeness, so its concepts count as a name alone does
# (WEAK_EVIDENCE): "Baltimore beats Los Angeles 13-4 as Rodriguez strikes out nine" scored 0.429
# under the Key Bridge collapse, in Related; "Guardians follow eclipse with shutout of White
# Sox, 4-0 in home opener" (0.515) under the eclipse.  A vote's tally with a result noun ("51-49
# victory") reads as a result too: its concepts count weakly, its meaning (the model's cosine)
# in full.  Under a game's result (a final), results of the same competition rank as before.
# A margin ("by 74 runs") and "held" or "tied" were read as results too, for two results that
# shared only the city with Birmingham's section 114 notice: the event view (story_views.py)
# keeps those out, with no list of a sport's words, and they were deleted.
_SCORE = re.compile(r"(?<![\d.,/-])\d{1,3}\s?[-–]\s?\d{1,3}(?![\d/-])")
_RESULT_VERB = re.compile(
    r"\b(?:beat|beats|rout|routs|routed|defeat|defeats|defeated|edge|edges|edged|downs|downed"
    r"|thrash|thrashes|thrashed|crush|crushes|crushed|stun|stuns|stunned|pound|pounds|pounded"
    r"|tops|topped|blank|blanks|blanked|hammer|hammers|hammered|sink|sinks|sank|win|wins|won"
    r"|lose|loses|lost|draw|draws|drew|sweep|sweeps|swept|clinch|clinches|clinched|rally"
    r"|rallies|rallied|outlast|outlasts|outlasted"
    # ... or the result's noun: "a 4-0 shutout", "a 3-1 victory", "a 2-2 draw"
    r"|shutout|shutouts|victory|victories|loss|losses|romp|romps|blowout|triumph)\b",
    re.IGNORECASE,
)


# A score with no result word ("Germany demolishes Brazil 7-1", "Westburg's walk-off home run
# lifts the Orioles past the Royals 6-4") is a game's result when the model reads the title as
# sport: its cosine with SPORT_TEXT reaches SPORT_COSINE.  Measured on real titles with a score:
# results 0.11-0.26 (the labelled finals' "clobber", "demolishes", "thrashing" among them),
# other tallies -0.04-0.09 (a 52-48 Senate vote, a 6-3 ruling, a 45-30 poll, an 11-1 jury).
SPORT_TEXT = (
    "the team beat its rivals to win the match and the game: a goal, the score, the league, "
    "the cup final and the championship season"
)
SPORT_COSINE = 0.10
# A result word with no score ("Aston Villa beat Birmingham City in the second city derby",
# "Birmingham Bears win the T20 Blast quarter-final") is a game's result when the model reads
# the title as sport more surely: on the labelled leads, the headlines of other leads than
# sport with a result word read 0.32 and 0.32 (two finals: "Eagles Beat Chiefs to Win the
# Super Bowl", "Spain Beats England to Win Euro 2024"), then 0.23 and under ("win joint-bid to
# host 2026 World Cup", "Arcade Fire win Album of the Year", "Clinton Expected to Win in WV").
SPORT_RESULT_COSINE = 0.25
# A match's result (a result the model reads nearer SPORT_TEXT than VOTE_TEXT: not a vote's
# tally, "Senate passes budget 51-49 in narrow victory" reads 0.21 sport, 0.40 vote) under a
# lead that is no game's result is no news of it, however alike the two read: a club's title
# parade is near its last match in meaning ("Champions Liverpool 1-1 Crystal Palace", cosine
# 0.48 under the car driven into the parade's crowd, in Related at 0.326 on the model alone).
# Its meaning counts WEAK_EVIDENCE of itself, as its concepts do; under a final, as before.
VOTE_TEXT = (
    "lawmakers voted to pass the bill in parliament: the senate vote, the election, the court "
    "ruling and the law"
)


def reads_as_result(text: str) -> bool:
    """Whether a title (or a lead's opening) reports a game's result: a score and its verb or
    noun, a score in a title the model reads as sport, or a result word in one it reads as
    sport surely (SPORT_RESULT_COSINE)."""
    return results_among([text])[0]


def results_among(texts: Sequence[str]) -> list[bool]:
    """`reads_as_result` of each text, the model asked once for those with a score and no
    result word, or a result word and no score."""
    # Each text's verdict, or the cosine with SPORT_TEXT it must reach to read as one.
    found: list[bool | float] = []
    for text in texts:
        score, word = bool(_SCORE.search(text)), bool(_RESULT_VERB.search(text))
        found.append(
            (score and word) or (SPORT_COSINE if score else SPORT_RESULT_COSINE if word else False)
        )
    unsure = [i for i, f in enumerate(found) if not isinstance(f, bool)]
    if unsure:
        cosines = dense_cosines((SPORT_TEXT, SPORT_TEXT), [texts[i] for i in unsure])
        for i, cosine in zip(unsure, cosines, strict=True):
            found[i] = cosine >= found[i]
    return [f is True for f in found]


def reads_as_sport(texts: Sequence[str]) -> list[bool]:
    """Whether the model reads each text nearer SPORT_TEXT than VOTE_TEXT: a game's result
    that does is a match's, a 51-49 vote's "victory" is not."""
    if not texts:
        return []
    sport = dense_cosines((SPORT_TEXT, SPORT_TEXT), texts)
    vote = dense_cosines((VOTE_TEXT, VOTE_TEXT), texts)
    return [s > v for s, v in zip(sport, vote, strict=True)]


def lead_text(title: str | None, paragraphs: Sequence[str]) -> tuple[str, str]:
    """The lead as two texts for the model: its title with its opening, and all of it."""
    opening = " ".join([title or "", *paragraphs[:1]]).strip()
    whole = " ".join([title or "", *paragraphs]).strip()
    return opening, whole[:TEXT_CHARS]


def candidate_text(headline: Headline, texts: Mapping[str, str]) -> str:
    """What the model reads for a candidate: a story's whole text, else title and summary."""
    whole = texts.get(headline.source) if headline.source else None
    if whole:
        return f"{headline.title}. {whole}"[:TEXT_CHARS]
    if headline.summary:
        return f"{headline.title}. {headline.summary}"[:TEXT_CHARS]
    return headline.title


class Reads(NamedTuple):
    """What ranking a week reads that the lead's profile does not change, kept so the second
    ranking (with its coverage's feedback) reads none of it again: the model's cosine of each
    candidate with the lead, whether the lead reads as a game's result, and whether each
    candidate read so far (by its index) does, and whether each feed headline the model puts
    near the bar reads as a match's result (`_read_matches`, read only under a lead that is no
    game's result)."""

    cosine: tuple[float, ...]
    lead_result: bool
    results: Mapping[int, bool]
    matches: Mapping[int, bool] = MappingProxyType({})


class FirstRanking(NamedTuple):
    """A week ranked on the lead's own words (no feedback), with what it was ranked from and
    what it read: `refined` ranks it again with its coverage's feedback from here."""

    lead: tuple[str, str]
    profile: LeadProfile
    candidates: Sequence[Headline]
    texts: Mapping[str, str]
    share: float | None
    ranked: tuple[ScoredHeadline, ...]
    reads: Reads


def rank_by_meaning(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    texts: Mapping[str, str] | None = None,  # a story's source → its whole text
    share: float | None = None,  # the concepts' share (None: SPARSE_SHARE; learn.py may move it)
    *,
    feedback: bool = True,  # then again with the topics its clear coverage shares
) -> tuple[ScoredHeadline, ...]:
    """Every candidate scored by meaning and concepts (module docstring), best first.

    Near-duplicates are folded as the sparse ranker folds them; ties keep its order.  A
    candidate's `matched` terms are the sparse ranker's; its `parts` the two evidences its
    score mixes (the ranking record keeps them, so the editor's edits can refit the share).
    """
    first = first_ranking(lead, profile, candidates, texts, share)
    return refined(first) if feedback else first.ranked


def first_ranking(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    texts: Mapping[str, str] | None = None,
    share: float | None = None,
) -> FirstRanking:
    """`rank_by_meaning` without feedback, kept with what it read (`refined` goes on)."""
    texts = texts or {}
    if not candidates:
        return FirstRanking(lead, profile, candidates, texts, share, (), Reads((), False, {}))
    cosine = tuple(dense_cosines(lead, [candidate_text(h, texts) for h in candidates]))
    reads = Reads(cosine, reads_as_result(lead[0]), MappingProxyType({}))
    ranked, reads = _rank_once(lead, profile, candidates, texts, share, reads)
    return FirstRanking(lead, profile, candidates, texts, share, ranked, reads)


def refined(first: FirstRanking) -> tuple[ScoredHeadline, ...]:
    """A first ranking ranked again at the lead's profile with the topics its clear coverage
    shares made core (`coverage_profile`), reusing what the first read (the first ranking
    itself when the coverage raises nothing); then the cards' own coverage scored through
    them (`through_cards`)."""
    fed = coverage_profile(first.profile, first.ranked, first.texts)
    ranked = first.ranked
    if fed is not first.profile:
        args = (first.lead, fed, first.candidates, first.texts, first.share, first.reads)
        ranked, _ = _rank_once(*args)
    return through_cards(ranked, first.texts, first.profile.proper, first.share)


def through_cards(
    ranked: tuple[ScoredHeadline, ...],
    texts: Mapping[str, str],
    names: frozenset[str],
    share: float | None = None,
) -> tuple[ScoredHeadline, ...]:
    """`ranked` with each feed headline under the Related bar that is clearly one of the
    editor's related stories' coverage scored through that story: the story's score times the
    headline's against it, when that is higher (best first again).

    A card the lead's ranking puts at the bar (`RELATED_BAR`) is related news; a headline that
    scores `CARD_COVERAGE` against the card, read as the card's lead (its concepts and the
    model's cosine, as any headline is read against the lead), reports the card's story, so it
    is as related, less what the two steps lose: the product.  Read directly against the
    lead, such a headline may share no word with it: "US Transportation Department opens a
    probe into Delta's outage meltdown" scored 0.102 (concepts none, cosine 0.170) under the
    faulty CrowdStrike update, while its story, the card on the US investigation into Delta,
    scored 0.614; against that card it scores 0.808, through it 0.502
    (tests/data/weeks/crowdstrike-2024/).  A card under the bar lifts nothing (the landslide
    card's own reports stay where they were), and only the CARDS_READ best cards are read,
    on the CARD_LINES best lines under the bar.

    The card must name one of the lead's `names` (its names and places, LeadProfile.proper):
    its story is the lead's consequence ("five days after the CrowdStrike outage"), not news of
    the same kind that only shares the lead's words (a bill to legalise assisted dying in
    England and Wales scored 0.614 under Australia's ban on social media for under-16s, on its
    MPs, bill and votes: its own report, "MPs vote in favour of assisted dying bill", would
    have gone 0.161 -> 0.466).  And each line is read against the card without the lead's
    names (`_card_coverage`): "Birmingham held 1-1 by Millwall" scored 0.336 through the card
    on Birmingham's Oracle system, on "Birmingham" alone (0.052 under the lead).  A game's
    result is never lifted: at the concepts' share 1.0 "Guardians follow eclipse with shutout
    of White Sox, 4-0 in home opener" reached Related through a card under the eclipse."""
    cards = [
        item
        for item in ranked
        if item.headline.source in texts
        and item.score >= RELATED_BAR
        and _names_any(texts[item.headline.source or ""], names)
    ][:CARDS_READ]
    if not cards:
        return ranked
    under = (
        i
        for i, item in enumerate(ranked)
        if item.headline.source not in texts
        and item.score < RELATED_BAR
        and not reads_as_result(item.title)  # a game's result: only under its match's lead
    )
    lines = list(islice(under, CARD_LINES))
    if not lines:
        return ranked
    best: dict[int, ScoredHeadline] = {}
    for card in cards:
        for i, through in _card_coverage(card, [ranked[i] for i in lines], texts, names, share):
            index = lines[i]
            if through.score > best.get(index, ranked[index]).score:
                best[index] = through
    if not best:
        return ranked
    raised = [best.get(i, item) for i, item in enumerate(ranked)]
    return tuple(sorted(raised, key=lambda item: -item.score))


def _names_any(text: str, names: frozenset[str]) -> bool:
    """Whether `text` names one of `names` (concepts)."""
    return not names.isdisjoint(c for _, c in t.concept_pairs(text))


def _without(headline: Headline, names: frozenset[str]) -> Headline:
    """The headline's title and summary without the lead's `names`."""
    summary = without_names(headline.summary, names) if headline.summary else headline.summary
    return Headline(without_names(headline.title, names), summary=summary)


def _card_coverage(
    card: ScoredHeadline,
    lines: Sequence[ScoredHeadline],
    texts: Mapping[str, str],
    names: frozenset[str],
    share: float | None,
) -> list[tuple[int, ScoredHeadline]]:
    """The `lines` (by position) that score CARD_COVERAGE against `card` read as a lead, each
    scored through it (`through_cards`): its evidence against the card times the card's score,
    so that its parts still mix to its score; its matched terms are the card's words.  Each
    line is read without the lead's `names` (story_views.without_names): a line linked to the
    card by the name or place it shares with the lead is not its story ("Birmingham City sack
    John Eustace …" against the card on Birmingham's Oracle system, under the council's
    section 114 notice)."""
    text = texts[card.headline.source or ""]
    profile = lead_profile(card.title, [text])
    headlines = [_without(line.headline, names) for line in lines]
    concepts = {
        id(h): (item.score, item.matched)
        for item in rank_headlines(profile, headlines)
        for h in (item.headline, *item.merged)
    }
    strong = [i for i, h in enumerate(headlines) if concepts[id(h)][0] > WEAK_CAP][:WINDOW]
    if not strong:
        return []
    lead = lead_text(card.title, [text])
    cosines = dense_cosines(lead, [candidate_text(headlines[i], {}) for i in strong])
    found = []
    for i, cosine in zip(strong, cosines, strict=True):
        sparse, matched = concepts[id(headlines[i])]
        parts = evidence(sparse, cosine)
        if mix(parts, share) >= CARD_COVERAGE:
            through = (parts[0] * card.score, parts[1] * card.score)
            item = _rescored(lines[i], mix(through, share), through)
            found.append((i, item._replace(matched=matched)))
    return found


def _rank_once(
    lead: tuple[str, str],
    profile: LeadProfile,
    candidates: Sequence[Headline],
    texts: Mapping[str, str],
    share: float | None,
    reads: Reads,
) -> tuple[tuple[ScoredHeadline, ...], Reads]:
    """`rank_by_meaning` at one profile, from what was read before (`reads`: the model's
    cosines at least), and what it has read by the end."""
    cosine = reads.cosine
    sparse = rank_headlines(profile, candidates)
    position = {id(h): i for i, h in enumerate(candidates)}
    story_sparse = _story_sparse(profile, candidates, texts)

    results_pass = not reads.lead_result  # a game's result under a lead that is none
    # Only a candidate whose concepts count more than a name's can be weakened as a result: the
    # model reads those titles once, together (a week of 100,000 has a few hundred scores),
    # and a title read in the first ranking is not read again in the second.
    # Each strong candidate's concept score by index (`before` reads the window's), in the
    # sparse ranker's order: one pass over a week of 100,000, not one more for the scores.
    concept_of, strong, near = _concept_scores(sparse, position, story_sparse, reads, share)
    unread = [i for i in strong if i not in reads.results]
    results = dict(reads.results)
    if unread:
        results.update(
            zip(unread, results_among([candidates[i].title for i in unread]), strict=True)
        )
    reads = reads._replace(results=MappingProxyType(results))
    if results_pass:  # a match's result near the bar: its likeness is weak too (_read_matches)
        reads = _read_matches(candidates, texts, [*strong, *near], reads)
    matches = reads.matches
    # A story the editor wrote (a card) is judged on its whole text, never read as a report.
    headlines = [i for i in strong if candidates[i].source not in texts]
    stories = [i for i in strong if candidates[i].source in texts]
    cards = (stories, {i: candidate_text(candidates[i], texts) for i in stories})
    other = other_stories(lead, profile, candidates, headlines, dense_cosines, dense_vectors, cards)
    # ... and those the model alone carries (their concepts a name's) that tell another event
    apart = near_views(lead, profile, candidates, headlines, near, dense_cosines, dense_vectors)

    def before(index: int) -> float:  # a score before `elsewhere` judges (its reports')
        return mix(evidence(concept_of[index], float(cosine[index])), share)

    window = headlines[:WINDOW] + near[:WINDOW]
    away = elsewhere(lead[1], profile, candidates, window, before, WEEK_BAR)
    # ... or another event that says it is unrelated to the lead's names (story_views.denies)
    away |= {i for i in window if denies(candidate_text(candidates[i], {}), profile.proper)}
    echo_bound = _EchoBounds(lead, candidates)

    def scored_item(item: ScoredHeadline) -> ScoredHeadline:
        index = position[id(item.headline)]
        concepts = max(item.score, story_sparse.get(index, 0.0))
        if results_pass and concepts > WEAK_CAP and _is_result(results, index, item.title):
            concepts = min(concepts, WEAK_CAP)
        if index in other or index in away:  # another story of its names, or elsewhere
            concepts = min(concepts, WEAK_CAP)
        if index in story_sparse and cosine[index] < MEANING_FLOOR:  # a card's words, read
            concepts = min(concepts, WEAK_CAP)  # in a sense the model does not: a passing word's
        if concepts > WEAK_CAP and index not in story_sparse:  # the lead's terms, stuffed
            concepts = min(concepts, echo_bound(index))
        parts = evidence(concepts, other.get(index, apart.get(index, float(cosine[index]))))
        if index in away or matches.get(index):  # another event of its kind elsewhere, or a
            # match's result under a lead that is none: its likeness is weak
            parts = (parts[0], parts[1] * WEAK_EVIDENCE)
        return _rescored(item, mix(parts, share), parts)

    scored = []
    for rank, item in enumerate(sparse):
        alone = scored_item(item)
        if not item.merged:  # the most common case (`_stories_apart` gives it back alone)
            scored.append((-alone.score, rank, alone))
            continue
        for done in _stories_apart(profile, alone, texts, scored_item):
            scored.append((-done.score, rank, done))
    scored.sort(key=itemgetter(0, 1))
    ranked = [item for _, _, item in scored]
    for i, item in enumerate(ranked[:REPORTS_WINDOW]):
        if item.merged:
            folded = _score_folded(profile, item, cosine, position, share, echo_bound)
            ranked[i] = item._replace(merged_scored=folded)
    return tuple(ranked), reads


def _concept_scores(
    sparse: Sequence[ScoredHeadline],
    position: Mapping[int, int],
    story_sparse: Mapping[int, float],
    reads: Reads,
    share: float | None,
) -> tuple[dict[int, float], list[int], list[int]]:
    """The candidates' concept scores by index, in the sparse ranker's order, for the strong
    ones (their concepts count more than a name's) and for the weak feed headlines the model
    alone puts at the Related bar (`near`: read for where too, story_places.elsewhere); and
    the indices of each."""
    concept_of: dict[int, float] = {}
    strong: list[int] = []
    near: list[int] = []
    for item in sparse:
        index = position[id(item.headline)]
        if max(item.score, story_sparse.get(index, 0.0)) > WEAK_CAP:
            strong.append(index)
        elif (  # a weak score reaches the bar only with a cosine that does
            reads.cosine[index] >= RELATED_BAR
            and index not in story_sparse  # a story of the editor's: a card, judged whole
            and mix(evidence(item.score, float(reads.cosine[index])), share) >= RELATED_BAR
        ):
            near.append(index)
        else:
            continue
        concept_of[index] = item.score
    return concept_of, strong, near


# Where `_rescored` puts a candidate's score and parts among ScoredHeadline's fields.
_SCORE_FIELD = ScoredHeadline._fields.index("score")
_PARTS_FIELD = ScoredHeadline._fields.index("parts")


def _rescored(item: ScoredHeadline, score: float, parts: tuple[float, float]) -> ScoredHeadline:
    """`item._replace(score=score, parts=parts)`, a third of its time (100,000 a big week)."""
    fields = list(item)
    fields[_SCORE_FIELD], fields[_PARTS_FIELD] = score, parts
    return ScoredHeadline._make(fields)


def coverage_profile(
    profile: LeadProfile, ranked: Sequence[ScoredHeadline], texts: Mapping[str, str]
) -> LeadProfile:
    """The lead's profile with the topics its clear coverage shares made core (pseudo-relevance
    feedback, as in Rocchio 1971 and Xu & Croft 1996, on the lead's own concepts only).

    The coverage is every candidate scoring WEEK_BAR or more; a topic of the lead that at least
    FEEDBACK_MIN of them and FEEDBACK_SHARE of them name (in their title, summary or a story's
    text) is what the story's coverage is about, however little the lead's own text says it:
    it becomes core and weighs that share of the coverage if it weighed less.  The Eiffel
    Tower's closed summit says "heatwave" once; the heat record and Italy's heatwave, its
    clear coverage, both say heat, so a headline or a card naming the heat is its news too.
    A word no coverage repeats (the parks kept "open") stays as the lead weighs it.

    Feedback only promotes a passing topic: one the lead already treats as core keeps the
    lead's own weight (one story sharing it used to make it weigh 1.0, as much as the story's
    central concept, so a headline naming that word alone was Related: "Birmingham", "rise",
    "billion"), and a measure (`LeadConcept.measure`: "by 34 votes to 19") is never promoted.
    An editor's story on another parliament's bill, clear coverage on the law's words, used to
    make "votes" core and put "MPs vote in favour of assisted dying bill" in Related.

    A name of the lead's that is no household word (rarer than relevance.RARE_ZIPF) is fed back
    as a topic is: the island the lead names once ("on the west coast of Maui") that its clear
    coverage puts in its title is where the story is ("Hawaiian Electric … for the Maui fire"),
    so "Maui's emergency chief defends not sounding the sirens" is its news (maui-2023).  A
    household name ("Biden", "Boeing") is never raised: a story of the same person or company
    elsewhere is another story."""
    clear = [item for item in ranked if item.score >= WEEK_BAR and item.headline.source in texts]
    if len(clear) < FEEDBACK_MIN:
        return profile
    topics = {
        c for c, lc in profile.concepts.items() if not lc.measure and _fed_back(lc.kind, lc.forms)
    }
    named: dict[str, int] = {}
    for item in clear:
        own = lead_profile(item.title, [texts[item.headline.source or ""]]).concepts
        for concept in topics.intersection(c for c, lc in own.items() if lc.core):
            named[concept] = named.get(concept, 0) + 1
    raised = {}
    for concept, count in named.items():
        part = count / len(clear)
        entry = profile.concepts[concept]
        if part >= FEEDBACK_SHARE and entry.weight < part and not entry.core:
            raised[concept] = entry._replace(weight=part, core=True)
    if not raised:
        return profile
    return profile._replace(concepts=MappingProxyType({**profile.concepts, **raised}))


def _fed_back(kind: str, forms: Sequence[str]) -> bool:
    """Whether a lead concept of this kind and these forms may be raised by its coverage
    (`coverage_profile`): a topic that is no common word, or a name that is no household one."""
    if kind == "topic":
        return all(t.zipf(w) < FALSE_FRIEND_ZIPF for w in forms)
    return kind == "name" and all(t.zipf(w) < RARE_ZIPF for w in forms)


def _read_matches(
    candidates: Sequence[Headline], texts: Mapping[str, str], indices: Sequence[int], reads: Reads
) -> Reads:
    """`reads` with whether each feed headline of `indices` not read yet reads as a match's
    result: a game's result (`results_among`, each title asked once) the model reads as sport
    (`reads_as_sport`).  A story the editor wrote is judged whole, never read as a report."""
    unread = [i for i in indices if i not in reads.matches and candidates[i].source not in texts]
    if not unread:
        return reads
    fresh = [i for i in unread if i not in reads.results]
    asked = results_among([candidates[i].title for i in fresh]) if fresh else []
    results = {**reads.results, **dict(zip(fresh, asked, strict=True))}
    found = [i for i in unread if results[i]]
    sport = reads_as_sport([candidates[i].title for i in found])
    matches = {
        **reads.matches,
        **dict.fromkeys(unread, False),
        **dict(zip(found, sport, strict=True)),
    }
    return reads._replace(results=MappingProxyType(results), matches=MappingProxyType(matches))


def _is_result(results: Mapping[int, bool], index: int, title: str) -> bool:
    """Whether candidate `index` reads as a game's result (read together with the others, else
    now: a story's title given back by `_stories_apart`)."""
    found = results.get(index)
    return reads_as_result(title) if found is None else found


def _stories_apart(
    profile: LeadProfile,
    item: ScoredHeadline,
    texts: Mapping[str, str],
    scored_item: Callable[[ScoredHeadline], ScoredHeadline],
) -> tuple[ScoredHeadline, ...]:
    """A feed headline folded over one of the editor's stories gives the story back: the
    story is scored on its own (its whole text, as a card is read) and may be a card.  Led by
    the headline, it vanished into the headline's `also`, however much of it the editor had
    written.  The headline stays a line of its own when it scores the Related bar (another
    outlet's report of the lead's event: Related keeps it), else it is folded under the story."""
    if not item.merged or item.headline.source in texts:
        return (item,)
    story = next((m for m in item.merged if m.source in texts), None)
    if story is None:
        return (item,)
    (alone,) = rank_headlines(profile, [story])
    others = tuple(m for m in item.merged if m is not story)
    if item.score >= RELATED_BAR:
        return item._replace(merged=others), scored_item(alone)
    return (scored_item(alone._replace(merged=(item.headline, *others))),)


def _score_folded(
    profile: LeadProfile,
    item: ScoredHeadline,
    cosine: Sequence[float],
    position: Mapping[int, int],
    share: float | None = None,
    echo_bound: Callable[[int], float] | None = None,
) -> tuple[ScoredHeadline, ...]:
    """The near-duplicates folded into `item`, scored on their own title (and summary): the
    first `REPORTS_PER_LINE` of other titles (a title repeated word for word is the same
    report, and a stress pool may repeat one thousands of times); a stuffed one's concepts
    bounded as a line's are (`_EchoBounds`)."""
    own: list[ScoredHeadline] = []
    seen = {item.title.casefold()}
    for member in item.merged:
        if len(own) == REPORTS_PER_LINE or member.title.casefold() in seen:
            continue
        seen.add(member.title.casefold())
        (alone,) = rank_headlines(profile, [member])
        index = position[id(member)]
        concepts = alone.score
        if echo_bound is not None and concepts > WEAK_CAP:
            concepts = min(concepts, echo_bound(index))
        parts = evidence(concepts, float(cosine[index]))
        own.append(alone._replace(score=mix(parts, share), parts=parts))
    return tuple(own)


class _EchoBounds:
    """The most a feed headline's concepts may count (echoes.py): its own words' cosine with
    the lead when it is the lead's terms stuffed with no sentence of its own, else no bound.
    Each title is read when first asked (only a headline whose concepts count more than a
    name's is), and the model only for a stuffed one."""

    def __init__(self, lead: tuple[str, str], candidates: Sequence[Headline]) -> None:
        self.lead, self.candidates = lead, candidates
        self.words: frozenset[str] | None = None
        self.found: dict[int, float] = {}

    def __call__(self, index: int) -> float:
        found = self.found.get(index)
        if found is None:
            if self.words is None:
                self.words = echoes.lead_words(self.lead[1])
            title = self.candidates[index].title
            found = 1.0
            if echoes.stuffed(title, self.words):
                asked = partial(dense_cosines, self.lead)
                (found,) = echoes.own_bound([title], self.words, asked)
            self.found[index] = found
        return found


def combine(sparse: float, cosine: float, share: float | None = None) -> float:
    """One candidate's score from its concept score and its cosine with the lead."""
    return mix(evidence(sparse, cosine), share)


def mix(parts: tuple[float, float], share: float | None = None) -> float:
    """The score of a candidate's two evidences (`evidence`) at the concepts' `share` (None:
    SPARSE_SHARE, read here so bench/ and tests/support/labelled.py can set it)."""
    concepts, dense = parts
    if share is None:
        return round(SPARSE_SHARE * concepts + DENSE_SHARE * dense, 3)
    return round(share * concepts + (1.0 - share) * dense, 3)


def evidence(sparse: float, cosine: float) -> tuple[float, float]:
    """The two terms `combine` mixes: the concepts' evidence and the model's, each 0-1."""
    dense = min(max(cosine / DENSE_FULL, 0.0), 1.0)
    concepts = min(sparse, 1.0)
    if concepts <= WEAK_CAP:  # a name, a place or a passing word: weak evidence
        concepts *= WEAK_EVIDENCE
    return concepts, dense


def dense_cosines(lead: tuple[str, str], texts: Sequence[str]) -> list[float]:
    """The cosine of each text with the lead (its opening and whole-text vectors averaged)."""
    # Here, not at the top: serve and send reach assemble/ through the memory of past issues
    # (issue/past_issues.py, for the welcome's freshness) and must not load the model's module.
    from newsletter.assemble.embedding import load_model

    return load_model().cosines(lead, texts)


def dense_vectors(texts: Sequence[str]) -> np.ndarray:
    """One unit vector a text, the model reading them in one batch (embedding.embed)."""
    from newsletter.assemble.embedding import load_model

    return load_model().embed(texts)


def week_nearness(
    week: Sequence[str], origins: Sequence[str], chosen: Sequence[int], top: int
) -> list[float]:
    """How near each `chosen` text of the `week` is to the other sources' items: the sum of
    its `top` best cosines, one for each other origin (file or feed: the closest of its items),
    the model reading every text once, in one batch.  An item no other source's resembles
    scores near 0 (a feed's own items, alike as they may be, do not count), one several
    sources are about up to `top`."""
    from newsletter.assemble.embedding import load_model

    vectors = load_model().embed(week)
    near = vectors[list(chosen)] @ vectors.T
    by_origin: dict[str, list[int]] = {}
    for column, origin in enumerate(origins):
        by_origin.setdefault(origin, []).append(column)
    best = [near[:, columns].max(axis=1) for columns in by_origin.values()]
    own = [list(by_origin).index(origins[i]) for i in chosen]
    totals = []
    for row, mine in enumerate(own):
        others = sorted((float(b[row]) for k, b in enumerate(best) if k != mine), reverse=True)
        totals.append(sum(others[:top]))
    return totals


def _story_sparse(
    profile: LeadProfile, candidates: Sequence[Headline], texts: Mapping[str, str]
) -> dict[int, float]:
    """The concept score of each story candidate's whole text (a card is read whole)."""
    stories = [
        (i, Headline(title=texts[h.source]))
        for i, h in enumerate(candidates)
        if h.source and texts.get(h.source)
    ]
    if not stories:
        return {}
    scored = rank_headlines(profile, [h for _, h in stories])
    by_text = {s.headline.title: s.score for s in scored}
    for s in scored:
        for merged in s.merged:
            by_text[merged.title] = s.score
    return {i: by_text.get(h.title, 0.0) for i, h in stories}


def related_count(
    scores: Sequence[float],
    limit: int,
    bar: float | None = None,
    week_bar: float | None = None,
    stretch: int = RELATED_STRETCH,
) -> int:
    """How many of a ranking's first lines (`scores`, best first) Related holds: none in a week
    whose best scores under the bar or WEEK_BAR; else each line in turn while it scores the bar
    (within `limit`) or the bar and the week bar both (past it, up to `stretch` x `limit`),
    stopping at the first that does not.  The one rule assemble.split_related cuts with and
    cut_agreement (the learner) counts with, so a learnt cut is scored as the build makes it.

    `bar` and `week_bar` default to RELATED_BAR and WEEK_BAR."""
    bar = RELATED_BAR if bar is None else bar
    clear = max(bar, WEEK_BAR if week_bar is None else week_bar)
    if not scores or scores[0] < clear:
        return 0  # a week with no clearly related news: nothing is promoted
    most = min(len(scores), stretch * limit)
    count = 0
    while count < most and scores[count] >= (bar if count < limit else clear):
        count += 1
    return count
