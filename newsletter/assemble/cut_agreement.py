"""How many of the editor's choices in an earlier issue a cut places as the editor made them.

The measure assemble/learn.py searches with: a `Cut` (the concepts' share, the Related bar,
Related's length) placed against each `Judged` headline of an edited issue, scored again at the
cut's share when the record keeps the two evidences, ranked again by that score, and cut by
meaning.related_count, the rule assemble.split_related cuts with: nothing in a week whose best
headline is under the week bar; else down the ranking while a headline scores the bar (within
the length; past it, up to RELATED_STRETCH times it, the week bar too), stopping at the first
that does not.  `left_out` is the out-of-sample check a step must pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from newsletter.assemble.meaning import RELATED_BAR, SPARSE_SHARE, mix, related_count

DEFAULT_LENGTH = 8  # the `related` setting's default


@dataclass(frozen=True, slots=True)
class Cut:
    """Where Related is cut: the concepts' share of the score, the bar, Related's length."""

    share: float = SPARSE_SHARE
    bar: float = RELATED_BAR
    length: int = DEFAULT_LENGTH


@dataclass(frozen=True, slots=True)
class Judged:
    """One headline of an earlier issue: its score as built, whether the editor keeps it in
    Related, its place by score among the issue's headlines (0: unknown, the length judges
    nothing) and the concepts' and the model's evidence (None: an older record)."""

    score: float
    related: bool
    rank: int = 0
    parts: tuple[float, float] | None = None


class ScoredIssue:
    """One edited issue's headlines scored at each share the learner tries: (score, place,
    kept by the editor), so a cut is counted without scoring again."""

    def __init__(self, judged: Sequence[Judged], shares: Sequence[float]) -> None:
        # no shares (a record without the evidences): the scores and places as built
        self.by_share = {share: rescored(judged, share) for share in shares}
        self.as_built = [(j.score, j.rank, j.related) for j in judged]
        self.right: dict[Cut, int] = {}

    def count(self, cut: Cut) -> int:
        """How many of the issue's headlines `cut` places as the editor did."""
        if cut not in self.right:
            rows = self.by_share.get(cut.share, self.as_built)
            self.right[cut] = placed(rows, cut)
        return self.right[cut]


def rescored(judged: Sequence[Judged], share: float) -> list[tuple[float, int, bool]]:
    """Each headline's (score at `share`, place by that score, kept): as built when the record
    has no evidences."""
    if not judged or any(j.parts is None for j in judged):
        return [(j.score, j.rank, j.related) for j in judged]
    scores = [mix(j.parts, share) for j in judged if j.parts is not None]
    order = sorted(range(len(judged)), key=lambda i: (-scores[i], judged[i].rank))
    place = {i: k for k, i in enumerate(order, 1)}
    return [(scores[i], place[i], j.related) for i, j in enumerate(judged)]


def placed(rows: Sequence[tuple[float, int, bool]], cut: Cut) -> int:
    """How many of one issue's (score, place, kept) headlines `cut` places as the editor did,
    cutting Related as the build does (meaning.related_count) down the issue's ranking: by
    place, or by score when a place is unknown (0: then the length judges nothing)."""
    known = all(rank for _, rank, _ in rows)
    order = sorted(range(len(rows)), key=lambda i: rows[i][1] if known else -rows[i][0])
    count = related_count([rows[i][0] for i in order], cut.length if known else len(rows), cut.bar)
    inside = set(order[:count])
    return sum((i in inside) == kept for i, (_, _, kept) in enumerate(rows))


def best_cut(scored: Sequence[ScoredIssue], cuts: Sequence[Cut], shipped: Cut) -> Cut:
    """The cut that places most of the issues' choices as the editor made them (among equally
    good cuts the nearest what shipped: share first, then bar, then length)."""

    def key(cut: Cut) -> tuple[float, ...]:
        right = sum(s.count(cut) for s in scored)
        near = (abs(cut.share - shipped.share), abs(cut.bar - shipped.bar))
        return (-right, *near, abs(cut.length - shipped.length))

    return min(cuts, key=key)


def left_out(scored: Sequence[ScoredIssue], cuts: Sequence[Cut], shipped: Cut) -> tuple[int, int]:
    """Leaving each edited issue out in turn, in how many the best of `cuts` for the others
    (`best_cut`) places more of its choices as the editor did than `shipped`, and in how many
    fewer.

    A step is taken only when the better ones outnumber the worse so far that chance would do
    so at most learn.CONFIRM_P of the time (a one-sided sign test; issues placed alike count neither
    way): a preference one issue's cut honours and the next issue's contradicts is refused,
    and so is a single edited issue (no other to fit on).  At least five issues must agree."""
    better = worse = 0
    for i, alone in enumerate(scored):
        others = [s for k, s in enumerate(scored) if k != i]
        if not others:
            continue
        gain = alone.count(best_cut(others, cuts, shipped)) - alone.count(shipped)
        better, worse = better + (gain > 0), worse + (gain < 0)
    return better, worse


def sign_test(better: int, trials: int) -> float:
    """The chance of at least `better` successes in `trials` fair coin tosses."""
    if not trials:
        return 1.0
    return float(sum(math.comb(trials, k) for k in range(better, trials + 1)) / 2**trials)


def agreement(judged: Sequence[Judged], cut: Cut | float) -> float:
    """The share of the editor's choices in one issue that `cut` (or a bar, at the shipped
    share and length) makes the same way."""
    if not judged:
        return 1.0
    cut = cut if isinstance(cut, Cut) else Cut(bar=cut)
    return placed(rescored(judged, cut.share), cut) / len(judged)
