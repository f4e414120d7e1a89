"""Learn the Related bar from what the editor did to earlier issues.

Each earlier issue built with a ranking record (issue/editor_edits.py) says, for every
headline the build put in Related or under More, its score and whether the editor's
manifest has it in Related now.  A headline moved from More into Related says "the bar is
too high for this one"; one deleted from Related (or moved out of it) says "too low"; every
other headline of an edited issue is the editor's agreement with the cut as built.

The bar that agrees with most of those choices is searched in steps of 0.01 within
`LEARN_BOUND` of the shipped bar (meaning.RELATED_BAR); among equally good bars the one
nearest the shipped bar wins (an edit of a headline scored beyond the bounds, which no bar
within them could honour, moves nothing).  The learnt bar moves from the shipped one towards
it in proportion to the evidence: n edits of Related move it n / (n + PRIOR_EDITS) of the way
(the shipped bar was learnt from 28 labelled leads).  It moves at all only when the edited
issues confirm it out of sample (`left_out`: each issue left out in turn, the others' best bar
must place it better than the shipped bar in enough more issues than worse, a sign test at
CONFIRM_P): one edited issue never moves it, and a preference the issues contradict is refused.
A More headline that scored the bar but lost its place to the `related` limit judges
nothing unless the editor promoted it (the cut, not the bar, kept it out).

Only the bar is learnt from the editor: the shares of concepts and meaning stay as shipped
(open: the record keeps the combined score only).  Cards the editor deleted or moved are
counted and shown, not learnt from: a card is cut by the `stories` limit, not by the bar.

The shipped share and bar themselves are learnt from graded headlines (the real dev leads of
tests/data/labelled, cross-validated by tests/support/labelled.py): `fit_share` takes the
concepts' share that orders each lead's grade-2 headlines above its grade-0 ones best (mean
average precision, steps of 0.1), and `fit_bar` the score at which a headline becomes more
likely grade 2 than grade 0 (a one-variable logistic regression of grade 2 against grade 0 on
the combined score; grade-1 headlines are the editor's "maybe" and judge neither).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from newsletter.assemble.meaning import RELATED_BAR

LEARN_BOUND = 0.1  # the learnt bar stays within this of the shipped one
# The weight of the shipped bar, in edits.  Without it one promotion took the bar straight to
# that headline's score.  Since the shipped bar is learnt from 28 graded leads (fit_bar), not
# set by hand, it weighs 8: at 4 the simulated strict editor's bar reached 0.22 and the
# holdout's agreement fell under the shipped bar's (bench/simulate_editor.py; docs/ranking.md).
PRIOR_EDITS = 8
# The bar moves only when the edited issues confirm it out of sample beyond this chance
# (`confirmed`).  Before it, the simulated generous editor's bar fell to 0.22 on 2 issues of
# 11 placed better and 1 worse, and lowered agreement on the holdout (docs/ranking.md).
CONFIRM_P = 0.05
_STEP = 0.01


@dataclass(frozen=True, slots=True)
class Judged:
    """One headline of an earlier issue: its score as built, and whether the editor keeps it
    in Related."""

    score: float
    related: bool


@dataclass(frozen=True, slots=True)
class IssueEdits:
    """What the editor did to one earlier issue's ranking."""

    issue: str
    judged: tuple[Judged, ...]
    promoted: int = 0  # moved from More into Related
    removed: int = 0  # deleted from Related, or moved out of it
    cards_deleted: int = 0
    cards_moved: int = 0  # cards kept in another order

    @property
    def edited(self) -> bool:
        """True when the editor changed the ranking of this issue at all."""
        return bool(self.promoted or self.removed or self.cards_deleted or self.cards_moved)


@dataclass(frozen=True, slots=True)
class Learnt:
    """What was learnt: the bar this build cuts Related at, and from which issues."""

    bar: float
    shipped_bar: float
    issues: tuple[str, ...]  # the earlier issues whose edits were read
    promoted: int = 0
    removed: int = 0
    cards_deleted: int = 0
    cards_moved: int = 0
    agreed_shipped: float | None = None  # share of their choices the shipped bar agrees with
    agreed_learnt: float | None = None  # ... and the learnt bar
    left_out: tuple[int, int] = (0, 0)  # issues left out placed better, worse (`left_out`)

    def describe(self) -> str:
        """One sentence for the Ranking tab and the build's report."""
        if not self.issues:
            return f"nothing learnt yet: no earlier issue was edited (Related bar {self.bar:.2f})"
        moved = (
            f"Related bar {self.shipped_bar:.2f} → {self.bar:.2f}"
            if self.bar != self.shipped_bar
            else f"Related bar kept at {self.bar:.2f}"
        )
        return (
            f"{moved}, learnt from {len(self.issues)} edited issue(s) "
            f"({', '.join(self.issues)}): {self.promoted} headline(s) moved into Related, "
            f"{self.removed} taken out of it, {self.cards_deleted} card(s) deleted, "
            f"{self.cards_moved} moved; each issue left out, the others' bar placed "
            f"{self.left_out[0]} better, {self.left_out[1]} worse"
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape `build --json` and the preview show."""
        return {
            "on": True,
            "bar": self.bar,
            "shipped_bar": self.shipped_bar,
            "bounds": [
                round(self.shipped_bar - LEARN_BOUND, 2),
                round(self.shipped_bar + LEARN_BOUND, 2),
            ],
            "from_issues": list(self.issues),
            "edits": {
                "promoted": self.promoted,
                "removed": self.removed,
                "cards_deleted": self.cards_deleted,
                "cards_moved": self.cards_moved,
            },
            "agreement": {"shipped": self.agreed_shipped, "learnt": self.agreed_learnt},
            "left_out": {"better": self.left_out[0], "worse": self.left_out[1]},
            "summary": self.describe(),
        }


def judge_issue(
    issue: str,
    related: Sequence[tuple[str, float]],
    more: Sequence[tuple[str, float]],
    kept_related: Collection[str],
    built_bar: float,
    cards: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> IssueEdits:
    """An issue's edits: `related` and `more` are (key, score) as built, `kept_related` the keys
    in Related now; `cards` the card keys as built and as kept now."""
    judged = []
    promoted = removed = 0
    for key, score in related:
        kept = key in kept_related
        removed += not kept
        judged.append(Judged(score, kept))
    for key, score in more:
        chosen = key in kept_related
        promoted += chosen
        if chosen or score < built_bar:  # over the bar, only the limit kept it out
            judged.append(Judged(score, chosen))
    built_cards, kept_cards = cards
    kept_set = set(kept_cards)
    still = [c for c in built_cards if c in kept_set]
    return IssueEdits(
        issue=issue,
        judged=tuple(judged),
        promoted=promoted,
        removed=removed,
        cards_deleted=len(built_cards) - len(still),
        cards_moved=int(still != [c for c in kept_cards if c in set(built_cards)]),
    )


def learn_bar(
    past: Sequence[IssueEdits], shipped: float = RELATED_BAR, bound: float = LEARN_BOUND
) -> Learnt:
    """The Related bar that agrees best with the editor's choices in the edited issues, taken
    only when it is confirmed out of sample (`confirmed`); otherwise the shipped bar."""
    edited = [p for p in past if p.edited]
    judged = [j for p in edited for j in p.judged]
    counts: dict[str, Any] = {  # the Learnt fields of the same names
        "promoted": sum(p.promoted for p in edited),
        "removed": sum(p.removed for p in edited),
        "cards_deleted": sum(p.cards_deleted for p in edited),
        "cards_moved": sum(p.cards_moved for p in edited),
    }
    issues = tuple(p.issue for p in edited)
    if not judged:
        return Learnt(bar=shipped, shipped_bar=shipped, issues=issues, **counts)
    better, worse = left_out(edited, shipped, bound)
    best = (
        _fit(edited, shipped, bound) if sign_test(better, better + worse) <= CONFIRM_P else shipped
    )
    return Learnt(
        bar=best,
        left_out=(better, worse),
        shipped_bar=shipped,
        issues=issues,
        agreed_shipped=round(agreement(judged, shipped), 3),
        agreed_learnt=round(agreement(judged, best), 3),
        **counts,
    )


def _best(edited: Sequence[IssueEdits], shipped: float, bound: float) -> float:
    """The bar that agrees with most of the issues' choices within `bound` of the shipped one
    (among equally good bars the nearest it)."""
    judged = [j for p in edited for j in p.judged]
    steps = round(bound / _STEP)
    bars = [round(shipped + k * _STEP, 2) for k in range(-steps, steps + 1)]
    return min(bars, key=lambda b: (-agreement(judged, b), abs(b - shipped)))


def _fit(edited: Sequence[IssueEdits], shipped: float, bound: float) -> float:
    """The best bar (`_best`), reached from the shipped one n / (n + PRIOR_EDITS) of the way
    for n edits of Related."""
    evidence = sum(p.promoted + p.removed for p in edited)
    best = _best(edited, shipped, bound)
    return round(shipped + (best - shipped) * evidence / (evidence + PRIOR_EDITS), 2)


def left_out(
    edited: Sequence[IssueEdits], shipped: float, bound: float = LEARN_BOUND
) -> tuple[int, int]:
    """Leaving each edited issue out in turn, in how many the best bar of the others (`_best`)
    places more of its choices as the editor did than the shipped bar, and in how many fewer.

    The bar is learnt only when the better ones outnumber the worse so far that chance would
    do so at most CONFIRM_P of the time (a one-sided sign test; issues placed alike count
    neither way): a preference one issue's bar honours and the next issue's contradicts is
    refused, and so is a single edited issue (no other to fit on).  At least five issues must
    agree before the bar moves."""
    better = worse = 0
    for i, left_out in enumerate(edited):
        others = [p for k, p in enumerate(edited) if k != i]
        if not any(p.judged for p in others):
            continue
        bar = _best(others, shipped, bound)
        gain = _right(left_out.judged, bar) - _right(left_out.judged, shipped)
        better, worse = better + (gain > 0), worse + (gain < 0)
    return better, worse


def sign_test(better: int, trials: int) -> float:
    """The chance of at least `better` successes in `trials` fair coin tosses."""
    if not trials:
        return 1.0
    return float(sum(math.comb(trials, k) for k in range(better, trials + 1)) / 2**trials)


def _right(judged: Sequence[Judged], bar: float) -> int:
    return sum((j.score >= bar) == j.related for j in judged)


def agreement(judged: Sequence[Judged], bar: float) -> float:
    """The share of the editor's choices a cut at `bar` makes the same way."""
    if not judged:
        return 1.0
    return _right(judged, bar) / len(judged)


# One graded headline of a labelled lead: the concepts' evidence and the model's, as
# meaning.evidence gives them (each 0-1), and its grade (0 unrelated, 1 maybe, 2 about it).
Graded = tuple[float, float, int]
SHARES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def fit_share(leads: Sequence[Sequence[Graded]], shares: Sequence[float] = SHARES) -> float:
    """The concepts' share (the model's is the rest) whose ranking puts each lead's grade-2
    headlines first best: highest mean average precision; a tie goes to the share nearest
    half and half."""
    return max(shares, key=lambda s: (round(mean_precision(leads, s), 4), -abs(s - 0.5)))


def mean_precision(leads: Sequence[Sequence[Graded]], share: float) -> float:
    """Mean over the leads of the average precision of grade 2 in the order `share` gives."""
    found = []
    for graded in leads:
        order = sorted(graded, key=lambda g: -_score(g, share))  # stable: ties keep input order
        hits, total = 0, 0.0
        for rank, (_, _, grade) in enumerate(order, 1):
            if grade == 2:
                hits += 1
                total += hits / rank
        if hits:
            found.append(total / hits)
    return sum(found) / len(found) if found else 0.0


def fit_bar(leads: Sequence[Sequence[Graded]], share: float, odds: float = 1.0) -> float:
    """The combined score at which grade 2 becomes likelier than grade 0 (logistic regression
    of grade 2 against grade 0 on the score, fitted by Newton's method), to 0.01; with `odds`,
    the score at which grade 2 is that many times likelier (bench/report_ranking.py)."""
    points = [(_score(g, share), g[2] == 2) for graded in leads for g in graded if g[2] != 1]
    if len({y for _, y in points}) < 2:
        return RELATED_BAR  # one class only: nothing to separate
    a = b = 0.0
    for _ in range(50):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in points:
            p = 1.0 / (1.0 + math.exp(-max(min(a + b * x, 50.0), -50.0)))
            w = p * (1.0 - p)
            ga, gb = ga + p - y, gb + (p - y) * x
            haa, hab, hbb = haa + w, hab + w * x, hbb + w * x * x
        det = haa * hbb - hab * hab
        if det <= 1e-12:
            break  # every score alike, or the classes apart: the last bar stands
        step_a, step_b = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - step_a, b - step_b
        if abs(step_a) + abs(step_b) < 1e-9:
            break
    return round((math.log(odds) - a) / b, 2) if b > 0 else RELATED_BAR


def _score(graded: Graded, share: float) -> float:
    return share * graded[0] + (1.0 - share) * graded[1]
