"""Report: the concepts' share and the Related bar learnt on the pooled labelled sets.

The pool is the 28 real dev leads of tests/data/labelled, the 25 leads of holdout2 to
holdout5 (each read once, so each may now be training data) and the sixteen real weeks of
tests/data/weeks, each built from its seeds and feeds as a new user would, its feed headlines
graded in its grades.toml (labelled.load_weeks): 69 leads in six sets.  Two
cross-validations, each ranker's share and bar (TF-IDF's threshold) learnt on the training
part only, then scored on the held-out part as the build cuts it:

- leave one set out: train on five of the six sets, score the sixth;
- 5-fold over the 69 leads, dealt round-robin in name order (tests/support/labelled.folds).

`--no-weeks` leaves the weeks out (the 53 leads as before).

Rankers: the shipped share and bar (meaning.SPARSE_SHARE, meaning.RELATED_BAR) fixed; the
combined ranker with its share and bar learnt on the training part (fit_graded.fit_share,
fit_bar), and the same learner fed the training part's real dev leads only (as shipped); the
model alone and the concepts alone (share 0 and 1, the bar learnt); shares 0.2-0.4 kept, the
bar learnt; a share per evidence class, the concepts' share lower where the model's evidence
is under a threshold (`fit_class`: its two shares and threshold learnt by mean average
precision like fit_share, the bar by fit_bar); plain TF-IDF.  Cells are nDCG@5 / rec2 / g0 a
lead; *all* pools the held-out scores, *53* those of the labelled sets, *weeks* the weeks'.
docs/ranking-measurements.md, *Pooled sets*, quotes it.

Run:  .venv/bin/python bench/report_pooled.py
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsletter.assemble import meaning  # noqa: E402
from newsletter.assemble.fit_graded import SHARES, fit_bar, mean_precision  # noqa: E402
from newsletter.models import ScoredHeadline  # noqa: E402
from tests.support import labelled as lb  # noqa: E402

SETS = ("dev", "holdout2", "holdout3", "holdout4", "holdout5", "weeks")
# The share per evidence class: (share where the model's evidence reaches the threshold,
# share under it, the threshold).
ClassShare = tuple[float, float, float]
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4)

Fitted = object
Fit = Callable[[Sequence[lb.LabelledLead]], Fitted]
Score = Callable[[Fitted, lb.LabelledLead], lb.LeadScore]


def pooled_sets(weeks: bool = True) -> dict[str, list[lb.LabelledLead]]:
    """The six sets by name: the real dev leads, holdout2 to holdout5 and the real weeks
    (without `weeks`, the first five)."""
    dev = [ld for ld in lb.load_leads() if ld.group == "real" and ld.split == "dev"]
    sets = {"dev": dev}
    for name, folder in zip(
        SETS[1:5], (lb.HOLDOUT2, lb.HOLDOUT3, lb.HOLDOUT4, lb.HOLDOUT5), strict=True
    ):
        sets[name] = list(lb.load_leads(folder))
    if weeks:
        sets["weeks"] = list(lb.load_weeks())
    return sets


def _mixed(parts: tuple[float, float], fitted: ClassShare) -> float:
    high, low, threshold = fitted
    share = high if parts[1] >= threshold else low
    return round(share * parts[0] + (1.0 - share) * parts[1], 3)


def class_map(evidence: Sequence[Sequence[lb.Graded]], fitted: ClassShare) -> float:
    """Mean average precision of grade 2 at the class share (fit_graded.mean_precision on the
    mixed score, carried as both evidences)."""
    mixed = [[(_mixed(g[:2], fitted),) * 2 + (g[2],) for g in lead] for lead in evidence]
    return mean_precision(mixed, 0.5)


def fit_class(train: Sequence[lb.LabelledLead]) -> tuple[ClassShare, float]:
    """The class shares and threshold with the best mean average precision (ties: the plain
    share, then the highest low share), then the bar where grade 2 becomes likelier than 0."""
    evidence = [lb.graded(ld) for ld in train]
    grid = [
        (high, low, t)
        for high in (0.0, *SHARES)
        for low in (0.0, *SHARES)
        if low <= high
        for t in THRESHOLDS
    ]
    best = max(grid, key=lambda f: (round(class_map(evidence, f), 4), f[1] == f[0], f[1]))
    mixed = [[(_mixed(g[:2], best),) * 2 + (g[2],) for g in lead] for lead in evidence]
    return best, fit_bar(mixed, 0.5)


def class_output(lead: lb.LabelledLead, fitted: tuple[ClassShare, float]) -> lb.Output:
    """The shipped build's ranking re-scored at the class share, re-ordered and cut again."""
    shares, bar = fitted

    def rescored(item: ScoredHeadline) -> ScoredHeadline:
        if item.parts is None:
            return item
        merged = tuple(rescored(m) for m in item.merged_scored)
        return item._replace(score=_mixed(item.parts, shares), merged_scored=merged)

    out = lb.output_at(lead, meaning.SPARSE_SHARE)
    ranked = tuple(sorted((rescored(i) for i in out.ranked), key=lambda i: -i.score))
    return lb.recut(lb.Output(out.related, out.more, out.lead_title, ranked), bar=bar)


def _cut(lead: lb.LabelledLead, share: float, bar: float) -> lb.LeadScore:
    return lb.score_lead(lead, lb.recut(lb.output_at(lead, share), lb.RELATED_SLOTS, bar))


def _fit_dev_only(train: Sequence[lb.LabelledLead]) -> tuple[float, float]:
    """The learner as it was: its inputs the training part's real dev leads only (none: the
    shipped share and bar, learnt on all of them)."""
    dev = [ld for ld in train if ld.split == "dev"]
    return lb.fit_ranker(dev) if dev else (meaning.SPARSE_SHARE, meaning.RELATED_BAR)


RANKERS: dict[str, tuple[Fit, Score]] = {
    "shipped 0.4/0.28": (
        lambda train: (meaning.SPARSE_SHARE, meaning.RELATED_BAR),
        lambda f, ld: _cut(ld, *f),  # type: ignore[misc]
    ),
    "combined, learnt": (lambda train: lb.fit_ranker(train), lambda f, ld: _cut(ld, *f)),  # type: ignore[misc]
    "learnt, dev only": (_fit_dev_only, lambda f, ld: _cut(ld, *f)),  # type: ignore[misc]
    "model alone": (lambda train: lb.fit_ranker(train, 0.0), lambda f, ld: _cut(ld, *f)),  # type: ignore[misc]
    "concepts alone": (lambda train: lb.fit_ranker(train, 1.0), lambda f, ld: _cut(ld, *f)),  # type: ignore[misc]
    **{
        f"share {share:.1f}, bar learnt": (
            lambda train, share=share: lb.fit_ranker(train, share),
            lambda f, ld: _cut(ld, *f),
        )
        for share in (0.2, 0.3, 0.4)
    },
    "share per class": (fit_class, lambda f, ld: lb.score_lead(ld, class_output(ld, f))),  # type: ignore[arg-type]
    "TF-IDF": (
        lb.tfidf_threshold,
        lambda t, ld: lb.score_lead(ld, lb.tfidf_output(lb.tfidf_scores(ld), t)),  # type: ignore[arg-type]
    ),
}


def _cell(s: lb.Summary) -> str:
    return f"{s.ndcg5:.3f}/{s.recall2:.3f}/{s.zeros_per_lead:.2f}"


def _describe(fitted: Fitted) -> str:
    if isinstance(fitted, float):
        return f"{fitted:.3f}"
    first, bar = fitted  # type: ignore[misc]
    if isinstance(first, tuple):
        return f"{first[0]:.1f}|{first[1]:.1f}<{first[2]:.2f}/{bar:.2f}"
    return f"{first:.1f}/{bar:.2f}"


def _parts(pooled: Sequence[lb.LeadScore]) -> str:
    """The held-out scores of the labelled sets and of the weeks, apart."""
    weeks = [s for s in pooled if s.name.startswith("week-")]
    labelled = [s for s in pooled if not s.name.startswith("week-")]
    return " ".join(
        f"{name} {_cell(lb.summarize(part))}"
        for name, part in ((str(len(labelled)), labelled), ("weeks", weeks))
        if part
    )


def run(title: str, splits: list[tuple[str, list[lb.LabelledLead], list[lb.LabelledLead]]]) -> None:
    """Each ranker on each split (learnt on its training part), then pooled."""
    print(f"\n{title} (cell: nDCG@5/rec2/g0 a lead; all: nDCG@5 rec2 rec2+f g0/lead)")
    print("splits: " + ", ".join(f"{name} ({len(test)})" for name, _, test in splits))
    for ranker, (fit, score) in RANKERS.items():
        pooled: list[lb.LeadScore] = []
        cells, chosen = [], []
        for _, train, test in splits:
            fitted = fit(train)
            chosen.append(_describe(fitted))
            scored = [score(fitted, ld) for ld in test]
            cells.append(_cell(lb.summarize(scored)))
            pooled += scored
        s = lb.summarize(pooled)
        print(
            f"{ranker:18s} {' '.join(cells)} | all {s.ndcg5:.3f} {s.recall2:.3f} "
            f"{s.recall2_folded:.3f} {s.zeros_per_lead:.2f} | {_parts(pooled)}  "
            f"learnt: {', '.join(chosen)}"
        )


def main() -> None:
    """Print both cross-validations and what is learnt on all the pooled leads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-weeks", action="store_true", help="the 53 labelled leads only")
    sets = pooled_sets(weeks=not parser.parse_args().no_weeks)
    loso = [
        (name, [ld for other, leads in sets.items() if other != name for ld in leads], test)
        for name, test in sets.items()
    ]
    run("leave one set out", loso)
    pool = sorted((ld for leads in sets.values() for ld in leads), key=lambda ld: ld.name)
    parts = lb.folds(pool)
    kfold = [
        (
            f"fold {i + 1}",
            [ld for j, part in enumerate(parts) if j != i for ld in part],
            test,
        )
        for i, test in enumerate(parts)
    ]
    run(f"5-fold over the pooled {len(pool)} leads", kfold)
    share, bar = lb.fit_ranker(pool)
    print(
        f"\nlearnt on all {len(pool)} pooled leads: concepts' share {share:.1f}, bar {bar:.2f} "
        f"(shipped {meaning.SPARSE_SHARE:.1f}, {meaning.RELATED_BAR:.2f}); model alone's bar "
        f"{lb.fit_ranker(pool, 0.0)[1]:.2f}; share per class {_describe(fit_class(pool))}"
    )


if __name__ == "__main__":
    main()
