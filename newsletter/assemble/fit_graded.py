"""Fit the shipped concepts' share and Related bar on graded headlines (not on the editor).

The shipped share and bar (meaning.SPARSE_SHARE, meaning.RELATED_BAR) are learnt from graded
headlines: the real dev leads of tests/data/labelled, cross-validated by
tests/support/labelled.py.  `fit_share` takes the concepts' share that orders each lead's
grade-2 headlines above its grade-0 ones best (mean average precision, steps of 0.1), and
`fit_bar` the score at which a headline becomes more likely grade 2 than grade 0 (a
one-variable logistic regression of grade 2 against grade 0 on the combined score; grade-1
headlines are the editor's "maybe" and judge neither).  What the editor's own edits then move,
within bounds, is assemble/learn.py's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from newsletter.assemble.meaning import RELATED_BAR

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
