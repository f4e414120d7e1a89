"""Memory across issues: what earlier issues of the workspace already carried.

Pure: the build reads the earlier issues' manifests (newsletter/past_issues.py) and passes
them in as `PastIssue` values.  Two questions are answered here:

- which of this week's ranked headlines an earlier issue carried, matched by URL or as a
  near-duplicate title (the same concept-set Jaccard as duplicates.py folds a week's pool with);
- which earlier lead this week's lead continues: the most recent one whose title the ranker
  scores at least `FOLLOWS_THRESHOLD` against this week's lead, as it would score a headline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from newsletter.models import FollowedIssue, Headline, RepeatedHeadline, ScoredHeadline

# An earlier lead this relevant to this week's lead would be a Related headline: the same story.
FOLLOWS_THRESHOLD = 0.7


@dataclass(frozen=True, slots=True)
class PastIssue:
    """What one earlier issue carried, as its manifest says."""

    id: str
    date: date
    lead_title: str
    headlines: tuple[tuple[str, str | None], ...]  # (title, url) of its related and more
    lead_url: str | None = None


def split_repeated(
    ranked: Sequence[ScoredHeadline], past: Sequence[PastIssue]
) -> tuple[tuple[ScoredHeadline, ...], tuple[RepeatedHeadline, ...]]:
    """This week's ranking without the headlines an earlier issue carried, and those, each with
    the most recent earlier issue that carried it (best first, as ranked)."""
    if not past or not ranked:
        return tuple(ranked), ()
    index = _PastIndex(past)
    fresh: list[ScoredHeadline] = []
    repeated: list[RepeatedHeadline] = []
    for item in ranked:
        issue = index.issue_of(item.headline)
        if issue is None:
            for other in item.merged:
                issue = index.issue_of(other)
                if issue is not None:
                    break
        if issue is None:
            fresh.append(item)
        else:
            repeated.append(RepeatedHeadline(item.headline, issue, item.score))
    return tuple(fresh), tuple(repeated)


def followed_issue(
    lead_title: str, lead_paragraphs: Sequence[str], past: Sequence[PastIssue]
) -> FollowedIssue | None:
    """The most recent earlier issue whose lead this lead continues, or None."""
    if not past:
        return None
    from newsletter.assemble.relevance import lead_profile, rank_headlines

    profile = lead_profile(lead_title, lead_paragraphs)
    by_recency = sorted(past, key=lambda p: (p.date, p.id), reverse=True)
    scored = rank_headlines(profile, [Headline(title=p.lead_title) for p in by_recency])
    strong = {item.title for item in scored if item.score >= FOLLOWS_THRESHOLD}
    strong |= {h.title for item in scored if item.score >= FOLLOWS_THRESHOLD for h in item.merged}
    for issue in by_recency:
        if issue.lead_title in strong:
            return FollowedIssue(issue.id, issue.lead_title)
    return None


class _PastIndex:
    """Earlier headlines by URL and by concept, newest issue first for each."""

    def __init__(self, past: Sequence[PastIssue]) -> None:
        from newsletter.assemble.terms import concept_pairs

        self.by_url: dict[str, str] = {}
        self.sets: list[tuple[frozenset[str], str]] = []
        self.by_concept: dict[str, list[int]] = {}
        seen_titles: dict[str, str] = {}
        for issue in sorted(past, key=lambda p: (p.date, p.id), reverse=True):
            items = list(issue.headlines)
            items.append((issue.lead_title, issue.lead_url))
            for title, url in items:
                if url:
                    self.by_url.setdefault(_url_key(url), issue.id)
                if title in seen_titles:
                    continue
                seen_titles[title] = issue.id
                concepts = frozenset(c for _, c in concept_pairs(title))
                if not concepts:
                    continue
                position = len(self.sets)
                self.sets.append((concepts, issue.id))
                for concept in concepts:
                    self.by_concept.setdefault(concept, []).append(position)
        self.titles = seen_titles

    def issue_of(self, headline: Headline) -> str | None:
        from newsletter.assemble.duplicates import DUPLICATE_JACCARD, jaccard
        from newsletter.assemble.terms import concept_pairs

        if headline.url and (found := self.by_url.get(_url_key(headline.url))):
            return found
        if headline.title in self.titles:
            return self.titles[headline.title]
        concepts = frozenset(c for _, c in concept_pairs(headline.title))
        candidates = sorted({i for c in concepts for i in self.by_concept.get(c, ())})
        for position in candidates:  # newest issue first: positions follow recency
            other, issue = self.sets[position]
            if jaccard(concepts, other) >= DUPLICATE_JACCARD:
                return issue
        return None


def _url_key(url: str) -> str:
    """The same page whatever its scheme's case, a trailing slash or a fragment."""
    url = url.strip().split("#", 1)[0]
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}{sep}{host.lower()}{slash}{path}".rstrip("/")
