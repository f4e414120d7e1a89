"""Memory across issues: what earlier issues of the workspace already carried.

Pure: the build reads the earlier issues' manifests (newsletter/issue/past_issues.py) and passes
them in as `PastIssue` values.  Two questions are answered here:

- which of this week's ranked headlines an earlier issue carried, matched by URL or title at
  any age, or as a near-duplicate title (the same concept-set Jaccard as duplicates.py folds a
  week's pool with) in the recent issues: those of the last `RECENT_DAYS`, and at least the
  `RECENT_ISSUES` newest whatever their dates.  Older than that, a headline worded like an
  earlier one is most often news of a new event ("Fed cuts rates by a quarter point").  A
  story (one with an opening) matched by title alone to an earlier lead or card over a new
  opening (`new_opening`) is a new development of it, not carried: it may lead, and follows;
- which earlier lead this week's lead continues: the most recent of the recent issues under
  whose lead (its title and body, as the manifest keeps them) the ranker scores this week's lead
  (its title and opening) at least `FOLLOWS_BAR`, concepts and meaning as it scores the week's
  headlines: an earlier lead that would have listed this one as clear coverage of its story.
  A story last led months ago is news again, not a continuation.

Why that way round, and with meaning.  It was the earlier lead's *title* scored by concepts
alone against this week's lead, at 0.7: a short follow-up lead ("Hurricane Milton aftermath:
death toll climbs with 1 million still without power", one sentence under it) is a thin profile
the earlier title scored 0.449 under, so the issue did not say it followed the landfall; and a
shared verb carried another story over the bar (under "Israeli strike kills seven World Central
Kitchen aid workers in Gaza" the Key Bridge lead, "Ship strikes Baltimore's Key Bridge …",
scored 0.96 on "strikes", and the council's bankruptcy 1.00 on the city's name under "Watford
end Birmingham's unbeaten start").  The earlier lead's whole text is the fuller account of its
story, and the model reads the event, not the word: on the real weeks (tests/data/weeks,
bench/report_follows.py) the follow-ups found score 0.54-0.86 so, every other story of the
next week 0.32 or less (docs/ranking.md, *Follows*, has the misses).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from newsletter.assemble.duplicates import DUPLICATE_JACCARD, jaccard
from newsletter.assemble.meaning import (
    WEEK_BAR,
    candidate_text,
    dense_cosines,
    lead_text,
    rank_by_meaning,
)
from newsletter.assemble.relevance import lead_profile
from newsletter.assemble.terms import concept_pairs, word_concept
from newsletter.models import (
    BodyFormat,
    FollowedIssue,
    Headline,
    RepeatedHeadline,
    ScoredHeadline,
    body_paragraphs,
)
from newsletter.sources.summaries import cut_at_sentence

# This week's lead scoring this under an earlier lead is that lead's story: the bar a headline
# clears when it alone makes a week's news related (meaning.WEEK_BAR), not the Related bar
# (0.28: "First group of Springboks arrive home" 0.35 and a rugby league result 0.32 under the
# Rugby World Cup final).
FOLLOWS_BAR = WEEK_BAR
# The model's cosine an earlier lead's title must have with this week's lead (its title and
# opening) before the lead is scored (`_title_cosine`).  On the real weeks every follow-up found
# reads 0.30-0.72 so, and 46 of the 54 other stories of the next week under it.
FOLLOWS_COSINE = 0.2
OPENING_WORDS = 60  # a lead's opening, as a card's summary cuts its story's first paragraph
RECENT_DAYS = 84  # twelve weekly issues
RECENT_ISSUES = 12  # an irregular newsletter's last twelve issues count as recent too


@dataclass(frozen=True, slots=True)
class PastIssue:
    """What one earlier issue carried, as its manifest says."""

    id: str
    date: date
    lead_title: str
    # (title, url) of everything else it carried: its cards, Related, sections and More
    headlines: tuple[tuple[str, str | None], ...]
    lead_url: str | None = None
    note: str = ""  # the editor's note's body, spaces folded ("" without one)
    lead_body: str = ""  # the lead's body as the manifest keeps it ("" when it has none)
    lead_format: BodyFormat = "text"
    # (title, summary) of each card: the opening its readers saw (the manifest keeps no body)
    card_summaries: tuple[tuple[str, str], ...] = ()


def carried_issues(
    headlines: Sequence[Headline],
    past: Sequence[PastIssue],
    today: date,
    near: Sequence[bool] | None = None,
    openings: Sequence[tuple[str, ...]] | None = None,
) -> list[str | None]:
    """For each headline, the most recent earlier issue that carried it (URL, title or, in the
    recent issues and where `near` says so, a near-duplicate title), or None.  A headline
    with openings (`openings`, () for none: a story's `story_openings`) matched by title
    alone to an earlier lead or card over a new opening is not carried (`new_opening`)."""
    if not past:
        return [None] * len(headlines)
    index = _PastIndex(past, recent_issues(past, today))
    near = near if near is not None else [True] * len(headlines)
    opened = openings if openings is not None else [()] * len(headlines)
    return [
        index.issue_of(h, near=n, opening=o)
        for h, n, o in zip(headlines, near, opened, strict=True)
    ]


def split_repeated(
    ranked: Sequence[ScoredHeadline],
    past: Sequence[PastIssue],
    today: date,
    openings: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[tuple[ScoredHeadline, ...], tuple[RepeatedHeadline, ...]]:
    """This week's ranking without the headlines an earlier issue carried, and those, each with
    the most recent earlier issue that carried it (best first, as ranked).

    A story (its source a key of `openings`) is read with its openings (`story_openings`):
    titled like an earlier lead or card over a new opening, it is a new
    development, not carried (`new_opening`).  A line leaves with the near-duplicates folded
    under it (`merged`), so each of those is listed too, after it: with the issue that carried
    it, or else the issue its line repeats.  Every headline the build leaves out is then
    listed, and the editor sees why."""
    if not past or not ranked:
        return tuple(ranked), ()
    index = _PastIndex(past, recent_issues(past, today))
    fresh: list[ScoredHeadline] = []
    repeated: list[RepeatedHeadline] = []

    def opening(headline: Headline) -> tuple[str, ...]:
        return openings.get(headline.source, ()) if openings else ()

    for item in ranked:
        issue = index.issue_of(item.headline, opening=opening(item.headline))
        if issue is None:
            for other in item.merged:
                issue = index.issue_of(other, opening=opening(other))
                if issue is not None:
                    break
        if issue is None:
            fresh.append(item)
        else:
            repeated += _repeated_line(item, issue, index)
    return tuple(fresh), tuple(repeated)


def _repeated_line(item: ScoredHeadline, issue: str, index: _PastIndex) -> list[RepeatedHeadline]:
    """A repeated line and the near-duplicates folded under it (each once), with their issues
    and scores (a folded headline's own score where the ranker gave it one)."""
    own = {(h.title, h.url): h.score for h in item.merged_scored}
    listed = {(item.title, item.url)}
    lines = [RepeatedHeadline(item.headline, issue, item.score)]
    for member in item.merged:
        key = (member.title, member.url)
        if key not in listed:
            listed.add(key)
            score = own.get(key, item.score)
            lines.append(RepeatedHeadline(member, index.issue_of(member) or issue, score))
    return lines


def followed_issue(lead: Headline, past: Sequence[PastIssue], today: date) -> FollowedIssue | None:
    """The most recent earlier issue whose lead this lead continues, or None.

    `lead` is this week's lead as a headline: its title, URL and opening (`summary`,
    `lead_opening`).  It continues an earlier lead it scores at least FOLLOWS_BAR under (module
    docstring).  An earlier lead that is this lead's own article (same URL or same title, or
    for a title of the editor's a near-duplicate of it over the same opening: `same_article`)
    is no continuation: an issue never follows itself.  A derived title is not compared as a
    near-duplicate: a follow-up of last week's story opens much as it did, and follows it.
    """
    near, opening = not lead.title_derived, lead.summary
    recent = sorted(
        (
            p
            for p in recent_issues(past, today)
            if not same_article(lead.url, lead.title, p, near=near, opening=opening)
        ),
        key=lambda p: (p.date, p.id),
        reverse=True,
    )
    text = candidate_text(lead, {})
    for issue in recent:
        near_enough = _title_cosine(issue, text) >= FOLLOWS_COSINE
        if near_enough and continuation_score(lead, issue) >= FOLLOWS_BAR:
            return FollowedIssue(issue.id, issue.lead_title)
    return None


def continuation_score(lead: Headline, issue: PastIssue) -> float:
    """This week's `lead` scored as a headline under the earlier issue's lead (its title and
    body), by concepts and meaning (meaning.rank_by_meaning, no coverage feedback: the one
    candidate is no week's coverage)."""
    paragraphs = body_paragraphs(issue.lead_body, issue.lead_format)
    profile = lead_profile(issue.lead_title, paragraphs)
    text = lead_text(issue.lead_title, paragraphs)
    ranked = rank_by_meaning(text, profile, [lead], feedback=False)
    return ranked[0].score if ranked else 0.0


def _title_cosine(issue: PastIssue, text: str) -> float:
    """The model's cosine of `text` with the earlier lead's title.

    Scoring an earlier lead costs its concept profile and the model's reading of its whole
    text: 8 ms a lead, 50 ms in a fresh process, whose analysers meet its words for the first
    time.  Its title costs the model a few words, so an earlier lead is scored only when its
    title reaches FOLLOWS_COSINE."""
    (cosine,) = dense_cosines((issue.lead_title, issue.lead_title), [text])
    return cosine


def repeated_note(body: str, past: Sequence[PastIssue]) -> PastIssue | None:
    """The most recent earlier issue that went out with this same editor's note, or None.

    Last week's `kind: note` file left in seeds/ comes back word for word with the rest of
    the sources; its headlines are left out as carried, but a note is the editor's voice for
    one week ("our lead is Paris" above another lead), so the build warns rather than drop it.
    Compared with spaces folded, as past_issues.py reads them.
    """
    folded = " ".join(body.split())
    if not folded:
        return None
    same = [p for p in past if p.note == folded]
    return max(same, key=lambda p: (p.date, p.id), default=None)


def same_article(
    url: str | None, title: str, issue: PastIssue, *, near: bool = False, opening: str = ""
) -> bool:
    """True when the earlier issue's lead is this article: the same URL (as `page_key` reads
    it), or the same title (case and spaces aside) or with `near` a near-duplicate title (the
    concept-set Jaccard duplicates.py folds with) over the same opening.

    A title worded like the earlier lead's, or the very same ("Hurricane Milton: what we
    know" both weeks, a live page's standing title), is its article again unless both openings
    are known (this lead's `opening`, the earlier lead's first paragraph as `lead_opening` cuts
    it) and tell something new (`new_opening`): "Peru extends state of emergency on Chile
    border" a week after "Peru declares ...", a new development.  Memory reads a title so too
    (`_PastIndex.issue_of`): such a story is not carried, may lead, and follows that issue."""
    if url and issue.lead_url and page_key(url) == page_key(issue.lead_url):
        return True
    if _title_key(title) != _title_key(issue.lead_title) and (
        not near
        or jaccard(title_concepts(title), title_concepts(issue.lead_title)) < DUPLICATE_JACCARD
    ):
        return False
    return not new_opening(opening, past_lead_opening(issue))


def new_opening(opening: str, earlier: str) -> bool:
    """Does `opening` tell something new against an earlier item's `earlier` opening: both
    known, and no near-duplicates (their concept-set Jaccard under DUPLICATE_JACCARD, the
    measure titles are folded with)?  Unknown either side, a like title is the same article."""
    if not opening or not earlier:
        return False
    return jaccard(title_concepts(opening), title_concepts(earlier)) < DUPLICATE_JACCARD


def story_openings(summary: str, paragraphs: Sequence[str]) -> tuple[str, ...]:
    """A story's openings as memory compares them with an earlier lead's or card's: its
    `summary:` (a card shows it) and its first paragraph as `lead_opening` cuts it."""
    return tuple(dict.fromkeys(o for o in (summary, lead_opening(paragraphs)) if o))


def past_lead_opening(issue: PastIssue) -> str:
    """The earlier lead's opening as `lead_opening` cuts it from the body the manifest keeps."""
    return lead_opening(body_paragraphs(issue.lead_body, issue.lead_format))


def lead_opening(paragraphs: Sequence[str]) -> str:
    """A lead's opening as memory compares it: its first paragraph, cut at a sentence near
    OPENING_WORDS (as a card shows a story)."""
    return cut_at_sentence(paragraphs[0], OPENING_WORDS) if paragraphs else ""


def recent_issues(past: Sequence[PastIssue], today: date) -> list[PastIssue]:
    """The earlier issues of the last RECENT_DAYS, and at least the RECENT_ISSUES newest."""
    since = today - timedelta(days=RECENT_DAYS)
    newest_first = sorted(past, key=lambda p: (p.date, p.id), reverse=True)
    return [p for rank, p in enumerate(newest_first) if rank < RECENT_ISSUES or p.date >= since]


class _PastIndex:
    """Earlier headlines by URL, by title and, for near-duplicates, by word prefix.

    Concept sets cost the ranker's analysis of every word: for 200 issues of 25 headlines that
    is 30 ms.  So earlier titles are first indexed by the first four letters of each word, which
    costs a split, and only those sharing two such prefixes with this week's headline get their
    concepts compared.  Two titles with concept Jaccard >= DUPLICATE_JACCARD share at least half
    their concepts, and a stem keeps its word's first letters ("Venezuelans"/"Venezuelan",
    "migrants"/"migration"), so they share two prefixes unless nearly every shared concept came
    through a family of unlike words ("immigration"/"migrants", "UN"/"United Nations"): such a
    pair is missed, a price paid for staying inside the 50 ms budget.
    """

    def __init__(self, past: Sequence[PastIssue], recent: Sequence[PastIssue]) -> None:
        self.by_url: dict[str, str] = {}
        self.by_title: dict[str, str] = {}
        self.recent: dict[str, str] = {}  # title → issue, within the near-duplicate window
        self.by_prefix: dict[str, list[str]] = {}
        self.sizes: dict[str, int] = {}  # recent title → how many prefixes it has
        newest_first = sorted(past, key=lambda p: (p.date, p.id), reverse=True)
        self.recency = {issue.id: rank for rank, issue in enumerate(newest_first)}
        # title key → the newest earlier item of that title with an opening: a lead (read
        # from its body when asked) or a card's summary; a headline line has none
        self.openings: dict[str, PastIssue | str] = {}
        # Oldest first, so that the newest issue's entry is the one left; comprehensions with
        # the keys inlined, as 5,000 calls of page_key and _title_key cost 10 ms.
        for issue in reversed(newest_first):
            items = (*issue.headlines, (issue.lead_title, issue.lead_url))
            self.by_url.update(
                {
                    url.lower().rstrip("/") if _plain_url(url) else page_key(url): issue.id
                    for _, url in items
                    if url
                }
            )
            self.by_title.update(
                {
                    title.casefold() if "  " not in title else _title_key(title): issue.id
                    for title, _ in items
                }
            )
            self._keep_openings(issue)
        for issue in recent:  # newest first
            for title, _ in (*issue.headlines, (issue.lead_title, issue.lead_url)):
                if title not in self.recent:
                    self.recent[title] = issue.id
                    keys = _prefixes(title)
                    self.sizes[title] = len(keys)
                    for key in keys:
                        self.by_prefix.setdefault(key, []).append(title)
        self.concepts: dict[str, frozenset[str]] = {}

    def _keep_openings(self, issue: PastIssue) -> None:
        """The openings of one issue's items, over an older issue's of the same title."""
        if not self.openings and not issue.card_summaries and not issue.lead_body:
            return
        for title, _ in issue.headlines:
            self.openings.pop(_title_key(title), None)
        self.openings.update({_title_key(t): summary for t, summary in issue.card_summaries})
        self.openings[_title_key(issue.lead_title)] = issue

    def _new_opening(self, title: str, openings: tuple[str, ...]) -> bool:
        """`new_opening` against the newest earlier item of `title` with an opening, for each
        of this story's `openings` (its `summary:` and its first paragraph)."""
        earlier = self.openings.get(_title_key(title)) if openings else None
        if earlier is None:
            return False
        text = earlier if isinstance(earlier, str) else past_lead_opening(earlier)
        return all(new_opening(opening, text) for opening in openings)

    def issue_of(
        self, headline: Headline, near: bool = True, opening: tuple[str, ...] = ()
    ) -> str | None:
        """The most recent earlier issue that carried `headline`: its URL, its title, or (with
        `near`, in the recent issues) a near-duplicate title; by title only over an `opening`
        that is no new one against the earlier lead's or card's (`new_opening`)."""
        if headline.url and (found := self.by_url.get(page_key(headline.url))):
            return found
        found = self.by_title.get(_title_key(headline.title))
        if found and not self._new_opening(headline.title, opening):
            return found
        if not near:
            return None
        prefixes = _prefixes(headline.title)
        shared: dict[str, int] = {}
        for key in prefixes:
            for title in self.by_prefix.get(key, ()):
                shared[title] = shared.get(title, 0) + 1
        concepts = self._concepts(headline.title)
        matches = [
            self.recent[title]
            for title, count in shared.items()
            if count >= _needed(len(prefixes), self.sizes[title])
            and jaccard(concepts, self._concepts(title)) >= DUPLICATE_JACCARD
            and not self._new_opening(title, opening)
        ]
        return min(matches, key=self.recency.__getitem__) if matches else None

    def _concepts(self, title: str) -> frozenset[str]:
        found = self.concepts.get(title)
        if found is None:
            found = self.concepts[title] = title_concepts(title)
        return found


def title_concepts(title: str) -> frozenset[str]:
    """A title's concepts as near-duplicates compare them (duplicates.py's measure)."""
    return frozenset(word_concept(c) for _, c in concept_pairs(title))


def _needed(size: int, other: int) -> int:
    """Shared prefixes two titles need before their concepts are compared.  Jaccard >= 0.6
    between sets of n and m concepts means sharing 0.375 (n + m) of them; a quarter of the
    prefixes leaves room for the concepts a family shares through unlike words."""
    return max(min(2, size, other), (size + other) // 4)


def _prefixes(title: str) -> set[str]:
    """The first four letters of each word of three or more, and every number."""
    return set(_PREFIX.findall(title.lower()))


_PREFIX = re.compile(r"\b(?:[^\W\d_]{3,4}|\d+)")


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def page_key(url: str) -> str:
    """The same page whatever its case, a trailing slash, a fragment or tracking parameters
    ("?utm_source=rss")."""
    url = url.split("#", 1)[0].lower()
    if "utm_" in url:
        base, _, query = url.partition("?")
        kept = [p for p in query.split("&") if p and not p.startswith("utm_")]
        url = f"{base}?{'&'.join(kept)}" if kept else base
    return url.rstrip("/")


def _plain_url(url: str) -> bool:
    return "#" not in url and "utm_" not in url
