"""Choosing the lead story.

A story an earlier issue carried (memory.py) never leads again, unless the editor names it.
In order: the editor's `--lead` (a source file or a story title); the one story
whose front matter says `lead: true`; the only story; otherwise the story the week's
sources cover most, by its **lead score**:

    coverage   = the candidates (headlines and other stories) that score the Related bar
                 or more against the story (meaning.py: the model's cosine of title and
                 body, and the concepts, names and places the story shares with them), at
                 the share and bar the build cuts Related with (learnt from the editor)
    lead score = sum of the weighted scores of its COVERAGE_TOP best covering candidates
                 + SOURCE_BONUS x (number of sources they come from - 1, at most 3)
                 + 0.1 x min(words / 300, 1)

where a candidate's weight is OUTLET_DECAY ** k, k the number of better-scoring candidates
of the same outlet (its first counts whole, its second half, its third a quarter ...), so
the lead is the story this week's headlines are most about, several outlets about the same
event counting more than one outlet's many items (a feed of 20 items on one topic outweighs
two outlets' three each only if its items score far higher), with a slight preference for a
fuller story; ties go to the first story in source order.  A story that covers the one
chosen and is covered by it tells the same event: if it is FULLER (1.5) times as long, it
is the fuller account and leads instead (a 63-word follow-up no longer leads over the
160-word story it follows); so does one longer by a sentence (FULLER_BY words) when each
covers the other on more than a word and the chosen story has no more coverage of its own
(a 129-word markets story led over the 168-word election on a football result sharing
"Argentina"); unless it is a feed entry and the chosen story the editor's own;
and a feed entry chosen gives way to a story of the editor's own files telling the same event
(each covers the other).  Among the stories ranked as the lead, one counts as another's
coverage only when each covers the other (`_mutual`): a longer story holds a short one's few
words and covers it one way, which is no shared event.  A feed entry is ranked on its words
each said once or a few times (said_once.py): repeating the week's words many times gains
it no coverage.  A headline
sharing one common word with a story scores far under the bar, so it never counts as coverage.

Only so many stories are ranked as the lead (each ranking reads every other story's whole
text, so ranking them all costs the square of their number): every story of the editor's own
files (seeds and Markdown stories) is, and feed entries up to FEED_CONTENDERS of them, those
the model reads as nearest the other sources' items (meaning.week_nearness: the sum of the
COVERAGE_TOP best cosines of each entry's headline and summary, one for each other file or
feed, the closest of its headlines and stories, all read in one batch; a feed's own entries,
however alike, do not count), ties by source order.  Each is still ranked against every story
and headline, so the cost grows with the number of stories, not its square.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from newsletter.assemble.candidates import candidate_headlines, story_headline, story_text
from newsletter.assemble.meaning import (
    RELATED_BAR,
    WEAK_EVIDENCE,
    FirstRanking,
    candidate_text,
    first_ranking,
    lead_text,
    refined,
    week_nearness,
)
from newsletter.assemble.relevance import WEAK_CAP, LeadProfile, lead_profile
from newsletter.assemble.said_once import said_once
from newsletter.assemble.sections import source_origin
from newsletter.control_chars import quoted
from newsletter.errors import SourceError, display_path
from newsletter.models import Headline, Issue, ScoredHeadline, Sources, Story
from newsletter.web_address import address_host

COVERAGE_TOP = 10
OUTLET_DECAY = 0.5  # each further item of one outlet counts half the one before
SOURCE_BONUS = 0.1
LENGTH_BONUS = 0.1
FULL_LENGTH_WORDS = 300
FULLER = 1.5  # a story this many times as long as the lead it covers, and covered by it, leads
# ... and one longer by a sentence or more, when only a word and their likeness chose the lead
# (`_fuller_account`): a few words more is no fuller account
FULLER_BY = 25
FEED_CONTENDERS = 24  # feed entries ranked as the lead at most (the editor's files always are)
_FEED_ENTRY = re.compile(r"#\d+$")  # a feed entry's source is `feed.xml#3`


@dataclass(frozen=True, slots=True)
class LeadChoice:
    """The chosen lead, and its ranking against the week's fresh candidates (its concept
    profile and every other candidate, best first) when choosing it ranked them (None: the
    editor's `--lead`, a `lead: true`, or the only fresh story, chosen without ranking)."""

    story: Story
    ranking: tuple[LeadProfile, tuple[ScoredHeadline, ...]] | None = None


def choose_lead(
    stories: Sequence[Story],
    headlines: Sequence[Headline],
    choice: str | None,
    carried: Mapping[str, str] | None = None,
    *,
    share: float | None = None,
    bar: float | None = None,
) -> Story:
    """Pick the lead story (see the module docstring for the rule); `lead_choice` says how."""
    return lead_choice(stories, headlines, choice, carried, share=share, bar=bar).story


def lead_choice(
    stories: Sequence[Story],
    headlines: Sequence[Headline],
    choice: str | None,
    carried: Mapping[str, str] | None = None,
    *,
    share: float | None = None,
    bar: float | None = None,
) -> LeadChoice:
    """Pick the lead story (see the module docstring for the rule), with its ranking.

    `carried` maps the source of each story an earlier issue already carried to that issue:
    such a story never leads again unless the editor names it (`--lead`); a `lead: true` it
    still says from last week is ignored; nor does it count as coverage of another story,
    and `headlines` are those no earlier issue carried (the caller leaves those out), so a
    short follow-up of last week's lead does not lead on the headlines readers already had.

    `share` and `bar` are the concepts' share and the Related bar the build cuts Related with
    (learnt from the editor; None: the shipped ones): coverage is counted with them, so the
    lead is the story the week's Related would cover most.
    """
    if not stories:
        raise SourceError(
            "no story can lead this issue: the sources hold only headlines; "
            "add a seed or Markdown story, or a feed entry with its full text"
        )
    if choice:
        return LeadChoice(_editor_choice(stories, choice))
    carried = carried or {}
    fresh = [s for s in stories if s.source not in carried]
    if not fresh:
        issues = ", ".join(sorted(set(carried.values())))
        raise SourceError(
            f"every story among the sources was carried by an earlier issue ({issues}); "
            "add this week's story, name one with --lead, or build with --repeat"
        )
    forced = [s for s in fresh if s.forced_lead]
    if len(forced) > 1:
        names = ", ".join(s.source for s in forced)
        raise SourceError(f"{len(forced)} stories say 'lead: true' ({names}); keep it on one")
    if forced:
        return LeadChoice(forced[0])
    if len(fresh) == 1:
        return LeadChoice(fresh[0])
    # Coverage is this week's: a story or headline an earlier issue carried covers nothing.
    pool = Sources(tuple(fresh), tuple(headlines))
    # Coverage is counted on each story's own words (no feedback from its coverage: each
    # story's would favour itself); the lead chosen is then ranked again with it, from its
    # first ranking (what that read, the model's cosines and the results, is not read again).
    # Only the contenders are ranked (the editor's stories, and the feed entries nearest the
    # week), each against every story and headline of the week.
    contenders = _contenders(fresh, headlines)
    rankings = [_first_for_lead(story, pool, share) for story in contenders]
    bar = RELATED_BAR if bar is None else bar
    found = _mutual(contenders, [tuple(r for r in f.ranked if r.score >= bar) for f in rankings])
    scores = [_lead_score(story, f) for story, f in zip(contenders, found, strict=True)]
    best = max(range(len(contenders)), key=lambda i: (scores[i], -i))
    covers = [_covered(f) for f in found]
    chosen = _editors_account(best, contenders, covers, scores)
    lead = _fuller_account(chosen, contenders, covers, found)
    return LeadChoice(contenders[lead], (rankings[lead].profile, refined(rankings[lead])))


def _mutual(
    contenders: Sequence[Story], found: Sequence[tuple[ScoredHeadline, ...]]
) -> list[tuple[ScoredHeadline, ...]]:
    """Each contender's coverage without the other contenders it does not cover in turn.

    A story is scored as a candidate on its whole text, by how much of the lead's concepts it
    holds: a longer story holds a short one's few passing words ("island", "spring", "run")
    and covers it one way, while the short one scores under the bar against the longer.  That
    is no shared event (two stories telling one cover each other, `_fuller_account`), and
    counted, it made a 54-word orchards story lead over the 126-word follow-up of last week's
    ferry lead that covered it so.  Headlines, and stories not ranked as the lead (feed
    entries past FEED_CONTENDERS), count as before."""
    index = {story.source: i for i, story in enumerate(contenders)}
    covers = [_covered(f) for f in found]

    def counted(i: int, item: ScoredHeadline) -> bool:
        other = index.get(item.headline.source or "")
        return other is None or contenders[i].source in covers[other]

    return [tuple(r for r in f if counted(i, r)) for i, f in enumerate(found)]


def _contenders(stories: Sequence[Story], headlines: Sequence[Headline]) -> list[Story]:
    """The stories ranked as the lead, in source order: every story of the editor's files,
    and the FEED_CONTENDERS feed entries the model reads as nearest the other sources' items
    (meaning.week_nearness; ties by source order); all of them when the feeds hold no more."""
    entries = [i for i, s in enumerate(stories) if _from_feed(s)]
    if len(entries) <= FEED_CONTENDERS:
        return list(stories)
    items = (*headlines, *map(story_headline, stories))
    week = [candidate_text(h, {}) for h in items]
    origins = [source_origin(h.source or "") for h in items]
    near = week_nearness(week, origins, [len(headlines) + i for i in entries], COVERAGE_TOP)
    by_nearness = sorted(range(len(entries)), key=lambda k: (-near[k], k))
    dropped = set(entries) - {entries[k] for k in by_nearness[:FEED_CONTENDERS]}
    return [s for i, s in enumerate(stories) if i not in dropped]


def _fuller_account(
    best: int,
    stories: Sequence[Story],
    covers: Sequence[set[str]],
    found: Sequence[Sequence[ScoredHeadline]],
) -> int:
    """The lead's index, or that of a story that tells the same event more fully.

    Two stories that cover each other tell one event, and how alike each is to the third
    decides little (a 70-word follow-up led over the 170-word main story on it); the one
    FULLER times as long is the account the others follow.  So is one longer by FULLER_BY
    words (a sentence) or more, when each covers the other on more than a word (`_strong`)
    and the chosen story has no more of the week's coverage of its own than it
    (`_own_coverage`: besides the two stories, the candidates that share more with it than
    one name, place or passing word): then only their likeness and a word in common chose
    (milei-2023's markets story, 129 words, led over the 168-word election on "Argentina",
    which the Maracana result shares).  A feed entry never displaces a story of the editor's
    own files this way: a feed copying the editor's story and padding it (its description
    twice over) would take the lead.
    """
    words = [_words(s) for s in stories]
    editors = not _from_feed(stories[best])
    chosen = stories[best].source

    def fuller(i: int) -> bool:
        if words[i] >= FULLER * words[best]:
            return True
        if words[i] < words[best] + FULLER_BY or not _tells(found[best], stories[i].source):
            return False
        own = _own_coverage(found[best], stories[i].source)
        return _tells(found[i], chosen) and own <= _own_coverage(found[i], chosen)

    same = [
        i
        for i, story in enumerate(stories)
        if story.source in covers[best]
        and chosen in covers[i]
        and not (editors and _from_feed(story))
        and fuller(i)
    ]
    return max(same, key=lambda i: (words[i], -i)) if same else best


def _own_coverage(found: Sequence[ScoredHeadline], other: str) -> float:
    """A story's coverage besides `other` (a story telling the same event): the scores of the
    candidates that share more with it than a word (`_strong`)."""
    return sum(r.score for r in found if r.headline.source != other and _strong(r))


def _tells(found: Sequence[ScoredHeadline], other: str) -> bool:
    """Whether story `other` covers this one on more than a word (`_strong`)."""
    return any(r.headline.source == other and _strong(r) for r in found)


def _strong(item: ScoredHeadline) -> bool:
    """Whether a covering candidate's concepts are more than weak evidence (meaning.evidence:
    more than one name, place or passing word), not the model's likeness alone."""
    return item.parts is None or item.parts[0] > WEAK_CAP * WEAK_EVIDENCE


def _editors_account(
    best: int,
    stories: Sequence[Story],
    covers: Sequence[set[str]],
    scores: Sequence[float],
) -> int:
    """The lead's index, or, when it is a feed entry telling the same event as a story of the
    editor's own files (each covers the other), that story's (the best scored of them): a
    feed repeating the editor's story, longer by any padding, scored higher on its length."""
    if not _from_feed(stories[best]):
        return best
    own = [
        i
        for i, story in enumerate(stories)
        if not _from_feed(story)
        and story.source in covers[best]
        and stories[best].source in covers[i]
    ]
    return max(own, key=lambda i: (scores[i], -i)) if own else best


def _covered(found: Sequence[ScoredHeadline]) -> set[str]:
    """The sources a story's coverage comes from (a story covers another when its source is
    among them)."""
    return {r.headline.source for r in found}


def _from_feed(story: Story) -> bool:
    """Whether the story is a feed's entry (its source `feed.xml#3`), not one of the editor's
    own files."""
    return _FEED_ENTRY.search(story.source) is not None


def _words(story: Story) -> int:
    """A story's length as the lead's rule counts it: a feed entry's said once (padding by
    repeating itself is no fuller account)."""
    return sum(len(p.split()) for p in _read_words(story))


def lead_score(story: Story, stories: Sequence[Story], headlines: Sequence[Headline]) -> float:
    """How much of this week's news is about this story (see the module docstring)."""
    return _lead_score(story, coverage(story, stories, headlines))


def _lead_score(story: Story, found: Sequence[ScoredHeadline]) -> float:
    top = sum(sorted(_outlet_weighted(found), reverse=True)[:COVERAGE_TOP])
    origins = len(coverage_sources(found))
    bonus = SOURCE_BONUS * min(max(origins - 1, 0), 3)
    return top + bonus + LENGTH_BONUS * min(_words(story) / FULL_LENGTH_WORDS, 1.0)


def _outlet_weighted(found: Sequence[ScoredHeadline]) -> list[float]:
    """Each covering candidate's score, weighted down by how many better ones its outlet
    already has (OUTLET_DECAY per item): one outlet's many items about a topic are one
    outlet's coverage, not many outlets' (headlines from several feeds count as coverage)."""
    seen: dict[str, int] = {}
    weighted = []
    for r in sorted(found, key=lambda r: -r.score):
        outlet = _outlet(r.headline)
        weighted.append(r.score * OUTLET_DECAY ** seen.get(outlet, 0))
        seen[outlet] = seen.get(outlet, 0) + 1
    return weighted


def coverage(
    story: Story,
    stories: Sequence[Story],
    headlines: Sequence[Headline],
    share: float | None = None,
    bar: float | None = None,
) -> tuple[ScoredHeadline, ...]:
    """The week's candidates about this story: those at the Related bar or more, best first
    (ranked at the concepts' `share` and cut at `bar`; None: the shipped ones)."""

    sources = Sources(tuple(stories), tuple(headlines))
    first = _first_for_lead(story, sources, share)
    bar = RELATED_BAR if bar is None else bar
    return tuple(r for r in first.ranked if r.score >= bar)


def coverage_sources(found: Sequence[ScoredHeadline]) -> set[str]:
    """The outlets the covering candidates come from: the outlet a feed entry names (an
    aggregator's items all link to the aggregator: its `<source>` says whose they are, and
    the headline shows it as its publisher), else each one's link host (a feed of wires the
    editor collected names the six outlets it gathered), else its file or feed (a feed
    counts once).  Counted by feed, one local feed made every story's coverage "1 source",
    and the bonus for coverage by several outlets never chose a lead."""

    return {_outlet(r.headline) for r in found if r.headline.source or r.headline.url}


def _outlet(headline: Headline) -> str:
    """The outlet as coverage counts it: the one a feed named, the link's host, or the source."""
    host = address_host(headline.url or "")
    return headline.outlet or host or source_origin(headline.source or "")


def issue_coverage(issue: Issue) -> tuple[ScoredHeadline, ...]:
    """What covers an issue's lead as the issue keeps it: its Related headlines, and the cards
    (under the lead or in a section) scoring the Related bar, as ranked items."""
    cards = (*issue.stories, *(c for s in issue.sections for c in s.stories))
    return (
        *issue.related,
        *(
            ScoredHeadline(
                Headline(c.title, url=c.url, source=c.source, outlet=c.outlet), c.score, c.matched
            )
            for c in cards
            if c.score >= RELATED_BAR
        ),
    )


def why_lead(related: Sequence[ScoredHeadline], stories: int = 0) -> str:
    """The Ranking tab's line: how many headlines (and, of `related`'s last `stories` items,
    how many stories: the cards at the Related bar) from how many sources cover the lead."""
    found = coverage_sources(related)
    if not related:
        return "no other headline this week covers this story"
    lines = len(related) - stories
    counted = [
        f"{n} {one if n == 1 else many}"
        for n, one, many in ((lines, "headline", "headlines"), (stories, "story", "stories"))
        if n
    ]
    origin = "source" if len(found) == 1 else "sources"
    verb = "covers" if len(related) == 1 else "cover"
    return f"{' and '.join(counted)} from {len(found)} {origin} {verb} this story"


def why_issue_lead(issue: Issue) -> str:
    """`why_lead` for a built issue: its Related headlines and its cards at the Related bar
    (`issue_coverage`), the cards counted as stories, not headlines (a reader counting the
    issue's Related lines finds the number the line says)."""
    covering = issue_coverage(issue)
    return why_lead(covering, stories=len(covering) - len(issue.related))


def names_story(story: Story, choice: str) -> bool:
    """The editor's `--lead` names this story: its file, or its title."""
    return _same_file(story.source, choice) or ((story.title or "").casefold() == choice.casefold())


def _editor_choice(stories: Sequence[Story], choice: str) -> Story:
    for story in stories:
        if names_story(story, choice):
            return story
    known = ", ".join(s.source for s in stories)
    raise SourceError(
        f"--lead {quoted(display_path(choice))}: no such story among the sources; give a "
        f"story's file or its title (stories: {known})"
    )


def _same_file(source: str, choice: str) -> bool:
    """Whether `choice` names the story's file; a feed story's source is `feed.xml#3`, and
    `feed.xml#3` names that entry (the error above lists them so), `feed.xml` each of its."""
    path, _, entry = source.partition("#")
    wanted, _, wanted_entry = choice.partition("#")
    if entry and wanted_entry and entry != wanted_entry:
        return False
    try:
        return Path(path).resolve() == Path(wanted if entry else choice).resolve()
    except OSError:
        return False


def rank_for_lead(
    story: Story, sources: Sources, share: float | None = None, *, feedback: bool = True
) -> tuple[LeadProfile, tuple[ScoredHeadline, ...]]:
    """The lead's concept profile and every other candidate ranked by meaning against it (at
    the concepts' `share` learnt from the editor, else the shipped one; `feedback`: with the
    topics its clearly covering stories share, meaning.coverage_profile)."""
    first = _first_for_lead(story, sources, share)
    return first.profile, (refined(first) if feedback else first.ranked)


def _first_for_lead(story: Story, sources: Sources, share: float | None) -> FirstRanking:
    """The week's other candidates ranked against `story` on its own words (no feedback), a
    feed entry's each said once (`_read_words`)."""
    paragraphs = _read_words(story)
    profile = lead_profile(story.title, paragraphs)
    pool = candidate_headlines(story, sources.stories, sources.headlines)
    texts = {s.source: story_text(s) for s in sources.stories if s is not story}
    return first_ranking(lead_text(story.title, paragraphs), profile, pool, texts, share)


@lru_cache(maxsize=256)
def _read_words(story: Story) -> tuple[str, ...]:
    """A story's paragraphs as its lead ranking reads them: a feed entry's with each sentence,
    phrase and word said once or a few times (said_once.py: repeating the week's words many
    times made a feed item out-rank the editor's story); the editor's own as written."""
    return said_once(story.paragraphs) if _from_feed(story) else story.paragraphs
