"""Learn where to cut Related from what the editor did to earlier issues.

Each earlier issue built with a ranking record (issue/editor_edits.py) says, for every
headline the build put in Related or under More, its score, its place in the ranking and
(records of version 2) the two evidences the score mixes, and whether the editor's manifest
has it in Related now.  A headline moved from More into Related says "this cut leaves out one
I want"; one deleted from Related (or moved out of it) says "this cut keeps one I do not";
every other headline of an edited issue is the editor's agreement with the cut as built.

Three parameters of the cut (`Cut`) are learnt, each within bounds of what shipped:

- the concepts' share of the score (meaning.SPARSE_SHARE, 0.4; the model's is the rest),
  within `SHARE_BOUND`, in steps of 0.05: only when every edited issue's record keeps each
  line's two evidences (an older record has the combined score only, and then the share
  stays and the bar alone is learnt, as before);
- the Related bar (meaning.RELATED_BAR, 0.28), within `LEARN_BOUND`, in steps of 0.01;
- Related's length (the `related` setting, 8), within `LENGTH_BOUND` lines (at least 1):
  an editor who deletes every line past the fifth wants 5; one who promotes every headline
  the limit kept out wants more.

The share and the bar are learnt together (they make the score and cut it), and the length
on its own.  Each step finds the values that place most of the editor's choices as the editor
made them (among equally good ones the nearest what shipped); the step whose values place more
goes first (the length on a tie: one number explains the same choices), and the other is
learnt on top of the first's values.  Each moves towards its values from what shipped in
proportion to the evidence: n edits of Related move it n / (n +
PRIOR_EDITS) of the way (what shipped was learnt from 28 labelled leads).  A step moves at all
only when the edited issues confirm it out of sample (`left_out`: each issue left out in turn,
the others' best values must place it better than what shipped in enough more issues than
worse, a sign test at CONFIRM_P): one edited issue never moves anything, and a preference the
issues contradict is refused.

Cards the editor deleted or moved are counted and shown, not learnt from: a card is cut by the
`stories` limit, not by the ranking.  The shipped share and bar themselves are fitted on
graded headlines (assemble/fit_graded.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from newsletter.assemble.cut_agreement import (
    Cut,
    Judged,
    ScoredIssue,
    agreement,
    best_cut,
    left_out,
    sign_test,
)
from newsletter.assemble.meaning import REPORTS_WINDOW

__all__ = [  # Cut, Judged, agreement, left_out and sign_test are cut_agreement's, used with these
    "CONFIRM_P",
    "LEARN_BOUND",
    "LENGTH_BOUND",
    "PRIOR_EDITS",
    "SHARE_BOUND",
    "Cut",
    "IssueEdits",
    "Judged",
    "Learnt",
    "agreement",
    "judge_issue",
    "learn_cut",
    "left_out",
    "sign_test",
]

LEARN_BOUND = 0.1  # the learnt bar stays within this of the shipped one
SHARE_BOUND = 0.2  # ... the concepts' share within this of the shipped one (0.2-0.6)
LENGTH_BOUND = 4  # ... and Related's length within this many lines of the setting (at most
# the 50 lines `related` itself allows, meaning.REPORTS_WINDOW)
# The weight of what shipped, in edits.  Without it one promotion took the bar straight to
# that headline's score.  Since the shipped bar is learnt from 28 graded leads (fit_bar), not
# set by hand, it weighs 8: at 4 the simulated strict editor's bar reached 0.22 and the
# holdout's agreement fell under the shipped bar's (bench/simulate_editor.py;
# docs/ranking-measurements.md).
PRIOR_EDITS = 8
# A step moves only when the edited issues confirm it out of sample beyond this chance
# (`left_out`).  Before it, the simulated generous editor's bar fell to 0.22 on 2 issues of
# 11 placed better and 1 worse, and lowered agreement on the holdout (docs/ranking-measurements.md).
CONFIRM_P = 0.05
_STEP = 0.01
_SHARE_STEP = 0.05


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
    """What was learnt: the cut this build makes, what shipped, and from which issues."""

    cut: Cut
    shipped: Cut
    issues: tuple[str, ...]  # the earlier issues whose edits were read
    promoted: int = 0
    removed: int = 0
    cards_deleted: int = 0
    cards_moved: int = 0
    agreed_shipped: float | None = None  # share of their choices the shipped cut agrees with
    agreed_learnt: float | None = None  # ... and the learnt cut
    left_out: tuple[int, int] = (0, 0)  # share and bar: issues left out placed better, worse
    left_out_length: tuple[int, int] = (0, 0)  # ... and the length
    share_learnable: bool = False  # every edited issue's record keeps the two evidences

    @property
    def bar(self) -> float:
        """The Related bar this build cuts at."""
        return self.cut.bar

    @property
    def shipped_bar(self) -> float:
        """The Related bar as shipped."""
        return self.shipped.bar

    def describe(self) -> str:
        """One sentence for the Ranking tab and `--json`: what was learnt, from which edits,
        and how each was checked with its issue left out."""
        if not self.issues:
            return self._nothing_yet()
        return (
            f"{self._learnt()}; each issue left out, the others' bar placed "
            f"{self.left_out[0]} better, {self.left_out[1]} worse, their length "
            f"{self.left_out_length[0]} better, {self.left_out_length[1]} worse"
        )

    def brief(self) -> str:
        """What was learnt and from which edits, for the build's report line: the check with
        each issue left out read as noise to a new user on their second week, and the
        Ranking tab and `--json` keep it (`describe`)."""
        if not self.issues:
            return self._nothing_yet()
        return f"{self._learnt()} (how each was checked: the preview's Ranking tab)"

    def _nothing_yet(self) -> str:
        return f"nothing learnt yet: no earlier issue was edited (Related bar {self.bar:.2f})"

    def _learnt(self) -> str:
        share = _moved("concepts' share", self.shipped.share, self.cut.share, "{:.2f}")
        if not self.share_learnable:
            share += " (a record without the evidences: not learnt)"
        parts = [
            _moved("Related bar", self.shipped.bar, self.cut.bar, "{:.2f}"),
            share,
            _moved("length", self.shipped.length, self.cut.length, "{} lines"),
        ]
        return (
            f"{', '.join(parts)}, learnt from {len(self.issues)} edited issue(s) "
            f"({', '.join(self.issues)}): {self.promoted} headline(s) moved into Related, "
            f"{self.removed} taken out of it, {self.cards_deleted} card(s) deleted, "
            f"{self.cards_moved} moved"
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape `build --json` and the preview show."""
        shipped = self.shipped
        return {
            "on": True,
            "bar": self.cut.bar,
            "shipped_bar": shipped.bar,
            "bounds": [round(shipped.bar - LEARN_BOUND, 2), round(shipped.bar + LEARN_BOUND, 2)],
            "share": self.cut.share,
            "shipped_share": shipped.share,
            "share_bounds": list(_share_bounds(shipped.share)),
            "share_learnable": self.share_learnable,
            "length": self.cut.length,
            "shipped_length": shipped.length,
            "length_bounds": list(_length_bounds(shipped.length)),
            "from_issues": list(self.issues),
            "edits": {
                "promoted": self.promoted,
                "removed": self.removed,
                "cards_deleted": self.cards_deleted,
                "cards_moved": self.cards_moved,
            },
            "agreement": {"shipped": self.agreed_shipped, "learnt": self.agreed_learnt},
            "left_out": {"better": self.left_out[0], "worse": self.left_out[1]},
            "left_out_length": {
                "better": self.left_out_length[0],
                "worse": self.left_out_length[1],
            },
            "summary": self.describe(),
        }


def _moved(name: str, shipped: float, learnt: float, shown: str) -> str:
    if learnt == shipped:
        return f"{name} kept at {shown.format(learnt)}"
    return f"{name} {shown.format(shipped)} → {shown.format(learnt)}"


def judge_issue(
    issue: str,
    related: Sequence[tuple[str, float]],
    more: Sequence[tuple[str, float]],
    kept_related: Collection[str],
    cards: tuple[Sequence[str], Sequence[str]] = ((), ()),
    parts: Mapping[str, tuple[float, float]] | None = None,
) -> IssueEdits:
    """An issue's edits: `related` and `more` are (key, score) as built, `kept_related` the keys
    in Related now; `cards` the card keys as built and as kept now; `parts` each key's two
    evidences, when the record keeps them."""
    rows = [(key, score, True) for key, score in related] + [(k, s, False) for k, s in more]
    order = sorted(range(len(rows)), key=lambda i: -rows[i][1])  # stable: Related first
    rank = {i: place for place, i in enumerate(order, 1)}
    judged = []
    promoted = removed = 0
    for i, (key, score, built) in enumerate(rows):
        kept = key in kept_related
        promoted += kept and not built
        removed += built and not kept
        judged.append(Judged(score, kept, rank[i], (parts or {}).get(key)))
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


def learn_cut(
    past: Sequence[IssueEdits], shipped: Cut | None = None, *, length: bool = True
) -> Learnt:
    """The cut that agrees best with the editor's choices in the edited issues, each step
    taken only when it is confirmed out of sample (`left_out`); otherwise what shipped.
    With `length` False, Related's length stays as shipped (the caller gave it)."""
    shipped = shipped or Cut()
    edited = [p for p in past if p.edited]
    counts: dict[str, Any] = {  # the Learnt fields of the same names
        "promoted": sum(p.promoted for p in edited),
        "removed": sum(p.removed for p in edited),
        "cards_deleted": sum(p.cards_deleted for p in edited),
        "cards_moved": sum(p.cards_moved for p in edited),
        "issues": tuple(p.issue for p in edited),
    }
    judged = [j for p in edited for j in p.judged]
    learnable = all(j.parts is not None for j in judged)
    if not judged:
        return Learnt(cut=shipped, shipped=shipped, **counts)
    evidence = sum(p.promoted + p.removed for p in edited)
    pull = evidence / (evidence + PRIOR_EDITS)
    scored = [ScoredIssue(p.judged, _shares(shipped.share) if learnable else ()) for p in edited]
    learn_length = _learn_length if length else _kept_length
    by_length = learn_length(scored, shipped, shipped, pull)
    by_score = _learn_score(scored, shipped, shipped, pull, learnable)
    # The step that explains more goes first (the length on a tie: one number explains the
    # same choices); the other is learnt on top of the first's best values, so it learns only
    # what the first cannot express, not what the first's pull towards what shipped left.
    if by_length.gain >= by_score.gain:
        then = _learn_score(scored, shipped, by_length.best, pull, learnable)
        cut = Cut(then.cut.share, then.cut.bar, by_length.cut.length)
        length_out, score_out = by_length.counts, then.counts
    else:
        then = learn_length(scored, shipped, by_score.best, pull)
        cut = replace(by_score.cut, length=then.cut.length)
        length_out, score_out = then.counts, by_score.counts
    return Learnt(
        cut=cut,
        shipped=shipped,
        left_out=score_out,
        left_out_length=length_out,
        share_learnable=learnable,
        agreed_shipped=round(sum(s.count(shipped) for s in scored) / len(judged), 3),
        agreed_learnt=round(sum(s.count(cut) for s in scored) / len(judged), 3),
        **counts,
    )


@dataclass(frozen=True, slots=True)
class _Step:
    """One step: the cut it makes (pulled from what shipped towards `best`), its left-out
    counts, and how many more of the editor's choices `best` places as the editor made them
    than the base did (-1, and `best` the base: not confirmed)."""

    cut: Cut
    counts: tuple[int, int]
    gain: int
    best: Cut


def _learn_score(
    scored: Sequence[ScoredIssue], shipped: Cut, base: Cut, pull: float, learnable: bool
) -> _Step:
    """The share and the bar together, at `base`'s length."""
    shares = _shares(shipped.share) if learnable else (shipped.share,)
    steps = round(LEARN_BOUND / _STEP)
    bars = [round(shipped.bar + k * _STEP, 2) for k in range(-steps, steps + 1)]
    cuts = [Cut(s, b, base.length) for s in shares for b in bars]
    counts = left_out(scored, cuts, base)
    if not _confirmed(counts):
        return _Step(base, counts, -1, base)
    best = best_cut(scored, cuts, base)
    share = round(_toward(shipped.share, best.share, pull) / _SHARE_STEP) * _SHARE_STEP
    bar = round(_toward(shipped.bar, best.bar, pull), 2)
    return _Step(Cut(round(share, 2), bar, base.length), counts, _gain(scored, best, base), best)


def _learn_length(scored: Sequence[ScoredIssue], shipped: Cut, base: Cut, pull: float) -> _Step:
    """Related's length, at `base`'s share and bar."""
    cuts = [replace(base, length=n) for n in range(*_length_range(shipped.length))]
    counts = left_out(scored, cuts, base) if cuts else (0, 0)
    if not _confirmed(counts):
        return _Step(base, counts, -1, base)
    best = best_cut(scored, cuts, base)
    length = round(_toward(shipped.length, best.length, pull))
    return _Step(replace(base, length=length), counts, _gain(scored, best, base), best)


def _kept_length(scored: Sequence[ScoredIssue], shipped: Cut, base: Cut, pull: float) -> _Step:
    """No step: the length is the caller's (`--related`)."""
    return _Step(base, (0, 0), -1, base)


def _gain(scored: Sequence[ScoredIssue], best: Cut, base: Cut) -> int:
    return sum(s.count(best) - s.count(base) for s in scored)


def _toward(shipped: float, best: float, pull: float) -> float:
    return shipped + (best - shipped) * pull


def _shares(shipped: float) -> tuple[float, ...]:
    low, high = _share_bounds(shipped)
    steps = round((high - low) / _SHARE_STEP)
    return tuple(round(low + k * _SHARE_STEP, 2) for k in range(steps + 1))


def _share_bounds(shipped: float) -> tuple[float, float]:
    return round(max(shipped - SHARE_BOUND, 0.0), 2), round(min(shipped + SHARE_BOUND, 1.0), 2)


def _length_bounds(shipped: int) -> tuple[int, int]:
    if shipped <= 0:
        return shipped, shipped  # no Related at all is the editor's setting, not a cut to learn
    return max(shipped - LENGTH_BOUND, 1), min(shipped + LENGTH_BOUND, REPORTS_WINDOW)


def _length_range(shipped: int) -> tuple[int, int]:
    low, high = _length_bounds(shipped)
    return (low, high + 1) if shipped > 0 else (0, 0)


def _confirmed(counts: tuple[int, int]) -> bool:
    better, worse = counts
    return sign_test(better, better + worse) <= CONFIRM_P
