"""A story's own article from other sources, folded into it rather than listed again.

A feed often carries the very article the editor chose as the lead or wrote up as a card:
the same URL, or the same title (a wire story carried word for word).  Listed under Related,
More or a section, the reader saw the lead twice.  Such a copy is folded into the story
instead, as a near-duplicate headline is folded into its line: the lead's or the card's
`also` in the manifest.  An untitled story's derived title is not compared: only its URL
says it is the same.

Another outlet's report under a near-identical title is not the same article: it is
coverage, and stays a line of Related (its own outlet, its own words, what an editor grades
as clearly related).  Folding those too (memory.py's near-duplicate measure) took 1 to 4
such lines out of Related for 13 of the 65 labelled leads (grade-2 recall 0.895 -> 0.854,
docs/ranking-measurements.md, 2026-12-07).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from newsletter.assemble.memory import page_key
from newsletter.models import Headline, ScoredHeadline


class Article:
    """What says a headline is this story's own article: its URL and its editor's title."""

    def __init__(self, title: str | None, url: str | None) -> None:
        self.key = page_key(url) if url else None
        self.title = _plain(title) if title else None

    def is_copy(self, headline: Headline) -> bool:
        """The same URL (as memory.page_key reads it), or the same title as the story's own
        (case, spaces and a closing `.` or `!` aside)."""
        if self.key is not None and headline.url and page_key(headline.url) == self.key:
            return True
        return self.title is not None and _plain(headline.title) == self.title


def _plain(title: str) -> str:
    """A title as compared: case folded, spaces made one, a closing `.` or `!` dropped."""
    return " ".join(title.casefold().split()).rstrip(".!").rstrip()


def fold_copies(
    article: Article, ranked: Sequence[ScoredHeadline], kept: frozenset[str] = frozenset()
) -> Copies:
    """The story's own article among the ranked lines, and the ranking without it.  A line
    that is a copy leaves with what is folded under it (`lines`, as the ranking scored it); a
    copy folded under another line leaves that line (`folded`).  A headline whose source is
    in `kept` (another of the editor's stories) is never taken as a copy."""
    lines: list[ScoredHeadline] = []
    folded: list[Headline] = []
    rest: list[ScoredHeadline] = []
    for item in ranked:
        if item.headline.source not in kept and article.is_copy(item.headline):
            lines.append(item)
            continue
        gone = [m for m in item.merged if m.source not in kept and article.is_copy(m)]
        if gone:
            folded += gone
            left = tuple(m for m in item.merged if m not in gone)
            scored = tuple(s for s in item.merged_scored if s.headline not in gone)
            item = item._replace(merged=left, merged_scored=scored)
        rest.append(item)
    return Copies(tuple(lines), tuple(folded), tuple(rest))


class Copies(NamedTuple):
    """`fold_copies`' answer: the copies that were lines of the ranking, those that were
    folded under another line, and the ranking without them."""

    lines: tuple[ScoredHeadline, ...]
    folded: tuple[Headline, ...]
    rest: tuple[ScoredHeadline, ...]

    @property
    def headlines(self) -> tuple[Headline, ...]:
        """Every copy's headline, each once: each line's own and what is folded under it,
        then the copies taken from under other lines."""
        found: list[Headline] = []
        for item in self.lines:
            found += [h for h in (item.headline, *item.merged) if h not in found]
        return (*found, *(h for h in self.folded if h not in found))
