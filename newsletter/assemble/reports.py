"""Another outlet's report of a Related story: its own line when Related has room.

The ranker folds near-duplicate headlines into the best of them (duplicates.py), so a story
told by five feeds is one line and the manifest lists the others under `also`.  But a
near-duplicate from another source is another article, with its own reporting, and the
labelled set's editors call other outlets' reports of the event about it.  An editor lists
one on a line of its own when three things hold:

- Related has a slot no distinct story needs: every headline over the bar is already a line
  (so a report never pushes out a story the reader has not read about);
- it scores the Related bar on its own title (and summary), not on its leader's;
- it says something no listed line says: a headline whose concepts are all in a line already
  listed ("Egyptian military dissolves Parliament" under "Egypt's Military Dissolves
  Parliament, Suspends Constitution", or the same wire copy with "Türkiye" for "Turkey") is
  the same report again and stays folded, as does one with the same URL.

Reports fill the room best first, and Related stays in order of relevance.
"""

from __future__ import annotations

from newsletter.assemble import terms as t
from newsletter.models import ScoredHeadline


def list_other_reports(
    related: tuple[ScoredHeadline, ...], limit: int, bar: float
) -> tuple[ScoredHeadline, ...]:
    """`related` with the near-duplicates an editor would list as lines of their own
    (module docstring), each marked `report_of` its leader and taken out of its `also`."""
    room = limit - len(related)
    if room <= 0 or not related:
        return related
    chosen = _choose(related, room, bar)
    if not chosen:
        return related
    taken = {id(report.headline) for _, report in chosen}
    lines = [
        item._replace(
            merged=tuple(h for h in item.merged if id(h) not in taken),
            merged_scored=tuple(s for s in item.merged_scored if id(s.headline) not in taken),
        )
        for item in related
    ]
    lines += [report._replace(report_of=related[i].headline) for i, report in chosen]
    lines.sort(key=lambda line: -line.score)  # stable: a line before its report of equal score
    return tuple(lines)


def _choose(
    related: tuple[ScoredHeadline, ...], room: int, bar: float
) -> list[tuple[int, ScoredHeadline]]:
    """Up to `room` reports, best first, each with the index of the line it reports again."""
    offers = sorted(
        (
            (-report.score, i, report)
            for i, item in enumerate(related)
            for report in item.merged_scored
            if report.score >= bar
        ),
        key=lambda offer: (offer[0], offer[1]),
    )
    listed = [_concepts(item.title) for item in related]
    urls = {item.url for item in related if item.url}
    chosen: list[tuple[int, ScoredHeadline]] = []
    for _, i, report in offers:
        concepts = _concepts(report.title)
        if (report.url and report.url in urls) or any(concepts <= seen for seen in listed):
            continue  # the same article, or nothing a listed line does not say
        listed.append(concepts)
        if report.url:
            urls.add(report.url)
        chosen.append((i, report))
        if len(chosen) == room:
            break
    return chosen


def fold_reports(related: tuple[ScoredHeadline, ...]) -> tuple[ScoredHeadline, ...]:
    """The inverse of `list_other_reports`: each report folded back under its line (to cut
    the same ranking again at another bar)."""
    reports = [line for line in related if line.report_of is not None]
    if not reports:
        return related
    folded = []
    for item in related:
        if item.report_of is not None:
            continue
        mine = [r for r in reports if r.report_of is item.headline]
        folded.append(
            item._replace(
                merged=(*item.merged, *(r.headline for r in mine)),
                merged_scored=(*item.merged_scored, *(r._replace(report_of=None) for r in mine)),
            )
        )
    return tuple(folded)


def _concepts(title: str) -> frozenset[str]:
    return frozenset(concept for _, concept in t.concept_pairs(title))
