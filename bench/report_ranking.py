"""Report: the ranker against plain TF-IDF on the labelled leads, per group and split, and
as 5-fold cross-validation over the real non-holdout leads.

Without --holdout it prints the rows `real dev`, `written (01-14)` and the 5-fold CV over real
dev (the holdout leads stay hidden while tuning, so nobody tunes on them), then a line saying
so; --holdout adds `real holdout` and `real all` (the figures docs/ranking-measurements.md quotes).

Every number comes from tests/support/labelled.py, the module the tests assert with, and every
ranking from the build's own assembler (what `newsletter build --json` shows).

--holdout2 (--holdout3 ... --holdout7) prints only the second (third ... seventh) held-out set
(tests/data/holdout2 to holdout7, gathered after the ranker was built): each ranker at the share
and bar learnt on the real dev leads, lead by lead, and every grade-2 headline outside Related
and grade-0 headline inside it, with its score.

Run:  .venv/bin/python bench/report_ranking.py [--leads] [--holdout] [--holdout2] [--holdout3]
      [--holdout4] [--holdout5] [--holdout6] [--holdout7]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsletter.assemble import meaning  # noqa: E402
from tests.support import labelled as lb  # noqa: E402

HEADER = "                              leads nDCG@5 rec2   rec2cp g0/ld  prec   thin rec2+f"


HOLDOUT_HIDDEN = "(the real holdout leads are hidden: --holdout prints them, at the end only)"


def table_rows(*, holdout: bool) -> list[str]:
    """The groups the table prints, in order; the holdout ones only with --holdout."""
    rows = ["real dev", "real holdout", "real all", "written (01-14)"]
    # Never tune on the holdout leads: hidden while working.
    return rows if holdout else [r for r in rows if r not in ("real holdout", "real all")]


def print_splits(dev: list[lb.LabelledLead]) -> None:
    """Each ranker on each of the 5 cross-validation splits of the real dev leads (the Related
    bar, or TF-IDF's threshold, fitted on the other four), then pooled."""
    print("\nper split (real dev, 5-fold; each split scored at the cut fitted on the other four)")
    print(f"{'ranker':14s}{'split':>6s}{HEADER[30:]}")
    for name, share in lb.RANKERS.items():
        for split, summary in lb.per_split(dev, sparse_share=share):
            print(f"{name:14s}{split:6d}{summary.row()}")
        print(f"{name:14s}{'all':>6s}{lb.ours_cv(dev, sparse_share=share)[0].row()}")
    parts = lb.folds(dev)
    for i, test in enumerate(parts):
        train = [lead for j, part in enumerate(parts) if j != i for lead in part]
        threshold = lb.tfidf_threshold(train)
        print(f"{'TF-IDF':14s}{i + 1:6d}{lb.measure_tfidf(test, threshold).row()}")
    print(f"{'TF-IDF':14s}{'all':>6s}{lb.tfidf_cv(dev).row()}")


# The Related bar learnt for other objectives than fit_graded.fit_bar's "likelier grade 2 than
# grade 0", each on the four training folds at their learnt share (docs/ranking-measurements.md).
BAR_GRID = tuple(round(0.15 + 0.01 * k, 2) for k in range(26))


def _f2(summary: lb.Summary) -> float:
    p, r = summary.precision, summary.recall2
    return 5 * p * r / (4 * p + r) if p + r else 0.0


def _budget(limit: float):  # the lowest bar whose grade-0s a lead stay within `limit`
    def rule(curve: list[tuple[float, lb.Summary]]) -> float:
        within = [bar for bar, s in curve if s.zeros_per_lead <= limit]
        return min(within) if within else max(bar for bar, _ in curve)

    return rule


BAR_OBJECTIVES = {
    "grade-0 budget 0.1/lead": _budget(0.1),
    "grade-0 budget 0.2/lead": _budget(0.2),
    "max F2 (recall x4)": lambda curve: max(curve, key=lambda e: (round(_f2(e[1]), 4), e[0]))[0],
}


def print_bar_objectives(dev: list[lb.LabelledLead]) -> None:
    """The combined ranker per split with its bar learnt for each objective on the other four."""
    from newsletter.assemble.fit_graded import fit_share

    print("\nthe Related bar learnt per split for other objectives (combined ranker)")
    parts = lb.folds(dev)
    for name, rule in BAR_OBJECTIVES.items():
        pooled, bars = [], []
        for i, test in enumerate(parts):
            train = [lead for j, part in enumerate(parts) if j != i for lead in part]
            share = fit_share([lb.graded(lead) for lead in train])
            curve = [
                (
                    bar,
                    lb.summarize(
                        [
                            lb.score_lead(ld, lb.recut(lb.output_at(ld, share), bar=bar))
                            for ld in train
                        ]
                    ),
                )
                for bar in BAR_GRID
            ]
            bars.append(rule(curve))
            scored = [
                lb.score_lead(ld, lb.recut(lb.output_at(ld, share), bar=bars[-1])) for ld in test
            ]
            print(f"{name:24s}{i + 1:3d} bar {bars[-1]:.2f}{lb.summarize(scored).row()}")
            pooled += scored
        print(f"{name:24s}all{' ' * 9}{lb.summarize(pooled).row()}")


# How long Related may be (docs/ranking-measurements.md, "How long Related is"): (slots, the bar
# past them: a number, "week" for the week bar, or ("odds", k) for the score at which grade 2 is k
# times likelier than grade 0, learnt on the training folds; None: no headline past them).
LENGTHS = {
    "related 8, capped": (8, None),
    "related 10, capped": (10, None),
    "related 12, capped": (12, None),
    "related 8, past it over the week bar 0.45 (shipped)": (8, "week"),
    "related 8, past it over 0.40": (8, 0.40),
    "related 8, past it over 0.50": (8, 0.50),
    "related 8, past it where grade 2 is 4x likelier": (8, ("odds", 4.0)),
    "related 8, past it where grade 2 is 9x likelier": (8, ("odds", 9.0)),
    "related 10, past it over the week bar 0.45": (10, "week"),
}


def _past_bar(rule: object, train: list[lb.LabelledLead], share: float) -> float | None:
    from newsletter.assemble.fit_graded import fit_bar
    from newsletter.assemble.meaning import WEEK_BAR

    if rule is None or rule == "week":
        return WEEK_BAR
    if isinstance(rule, tuple):
        return fit_bar([lb.graded(lead) for lead in train], share, odds=rule[1])
    assert isinstance(rule, float)
    return rule


def print_lengths(dev: list[lb.LabelledLead]) -> None:
    """The combined ranker per split with each rule for Related's length (share and bar
    learnt on the other four folds), and the Related lines a lead it gives."""
    print("\nRelated's length per split (combined ranker; cell: nDCG@5/rec2/g0 a lead)")
    parts = lb.folds(dev)
    for name, (slots, rule) in LENGTHS.items():
        pooled: list[lb.LeadScore] = []
        cells, pasts = [], []
        for i, test in enumerate(parts):
            train = [lead for j, part in enumerate(parts) if j != i for lead in part]
            share, bar = lb.fit_ranker(train)
            past = _past_bar(rule, train, share)
            pasts.append(past)
            stretch = 1 if rule is None else 2
            scored = [
                lb.score_lead(
                    ld, lb.recut(lb.output_at(ld, share), slots, bar, clear=past, stretch=stretch)
                )
                for ld in test
            ]
            s = lb.summarize(scored)
            cells.append(f"{s.ndcg5:.3f}/{s.recall2:.3f}/{s.zeros_per_lead:.2f}")
            pooled += scored
        total = lb.summarize(pooled)
        lines = [len(s.related_grades) for s in pooled]
        bars = "" if rule in (None, "week") else f" past-bars {pasts}"
        print(
            f"{name}: {' '.join(cells)} | all {total.ndcg5:.3f} {total.recall2:.3f} "
            f"{total.recall2_folded:.3f} {total.zeros_per_lead:.2f}; lines a lead "
            f"{sum(lines) / len(lines):.1f}, most {max(lines)}{bars}"
        )


# The held-out sets gathered after the ranker was built, by their flag's name.
HELD_OUT = {
    "holdout2": lb.HOLDOUT2,
    "holdout3": lb.HOLDOUT3,
    "holdout4": lb.HOLDOUT4,
    "holdout5": lb.HOLDOUT5,
    "holdout6": lb.HOLDOUT6,
    "holdout7": lb.HOLDOUT7,
}


def _cut_at(lead: lb.LabelledLead, share: float, bar: float) -> lb.Output:
    return lb.recut(lb.output_at(lead, share), lb.RELATED_SLOTS, bar)


def print_heldout(dev: list[lb.LabelledLead], folder: Path, name: str) -> None:
    """A held-out set gathered after the ranker was built (holdout2 to holdout7): each
    ranker's row (its share and bar learnt on the real dev leads, as shipped), each lead's
    measures, then its misses with their scores."""
    leads = list(lb.load_leads(folder))
    threshold = lb.tfidf_threshold(dev)
    fitted = {ranker: lb.fit_ranker(dev, share) for ranker, share in lb.RANKERS.items()}
    print(f"\n{name} ({len(leads)} leads; cut fitted on real dev)\n{HEADER}")
    print(f"{name + ' as built':30s}{lb.measure_ours(leads).row()}")
    for ranker, (share, bar) in fitted.items():
        scores = [lb.score_lead(ld, _cut_at(ld, share, bar)) for ld in leads]
        row = lb.summarize(scores).row()
        print(f"{name + ' ' + ranker:30s}{row}  (share {share:.1f}, bar {bar:.2f})")
    print(f"{name + ' TF-IDF':30s}{lb.measure_tfidf(leads, threshold).row()}")
    print(
        "\nper lead: as built nDCG@5, grade-2 in Related / grade-2, grade-0 in Related; "
        "TF-IDF and dense only nDCG@5"
    )
    share, bar = fitted["dense only"]
    for lead in leads:
        out = lb.build_output(lead)
        s = lb.score_lead(lead, out)
        tf = lb.score_lead(lead, lb.tfidf_output(lb.tfidf_scores(lead), threshold))
        dense = lb.score_lead(lead, _cut_at(lead, share, bar))
        print(
            f"  {lead.name:36s} {s.ndcg5:.3f} {s.related_grades.count(2)}/{s.grade2} "
            f"g0 {s.related_grades.count(0)}  tfidf {tf.ndcg5:.3f}  dense {dense.ndcg5:.3f}"
        )
        _print_misses(lead, out)


def _print_misses(lead: lb.LabelledLead, out: lb.Output) -> None:
    grades = lead.grades
    if lead.title is None:
        print(f"      derived title: {out.lead_title}")
    for title, score in out.related:
        if grades[title] == 0:
            print(f"      grade 0 in Related {score:.3f}  {title}")
    shown = {title for title, _ in out.related}
    more = dict(out.more)
    for title, grade in lead.headlines:
        if grade == 2 and title not in shown:
            where = f"in More {more[title]:.3f}" if title in more else "folded under a line"
            print(f"      grade 2 {where}  {title}")


def main() -> None:
    """Print the table (and, with --leads, each lead's Related grades)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", action="store_true", help="also print each lead's measures")
    parser.add_argument(
        "--holdout", action="store_true", help="show the holdout leads too (only at the end)"
    )
    parser.add_argument(
        "--splits",
        action="store_true",
        help="also print each ranker (sparse only, dense only, combined, TF-IDF) per CV split, "
        "the bar for other objectives, and each rule for Related's length",
    )
    for name, folder in HELD_OUT.items():
        parser.add_argument(
            f"--{name}",
            action="store_true",
            help=f"print only the held-out set {folder.relative_to(ROOT)}, lead by lead",
        )
    args = parser.parse_args()
    leads = lb.load_leads()
    real = [ld for ld in leads if ld.group == "real"]
    dev = [ld for ld in real if ld.split == "dev"]
    asked = [name for name in HELD_OUT if getattr(args, name)]
    if asked:
        for name in asked:
            print_heldout(dev, HELD_OUT[name], name)
        return
    threshold = lb.tfidf_threshold(dev)
    print(HEADER)
    groups = {
        "real dev": dev,
        "real holdout": [ld for ld in real if ld.split == "holdout"],
        "real all": real,
        "written (01-14)": [ld for ld in leads if ld.group == "written"],
    }
    for name in table_rows(holdout=args.holdout):
        group = groups[name]
        print(f"{name + ' ours':30s}{lb.measure_ours(group).row()}")
        print(f"{name + ' TF-IDF':30s}{lb.measure_tfidf(group, threshold).row()}")
    ours, chosen = lb.ours_cv(dev)
    print(f"{'real dev 5-fold CV ours':30s}{ours.row()}")
    print(f"{'real dev 5-fold CV TF-IDF':30s}{lb.tfidf_cv(dev).row()}")
    share, bar = lb.fit_ranker(dev)
    print(f"TF-IDF threshold fitted on real dev: {threshold:.3f}")
    print(
        f"learnt on all real dev: concepts' share {share:.1f}, Related bar {bar:.2f} "
        f"(shipped: {meaning.SPARSE_SHARE:.1f}, {meaning.RELATED_BAR:.2f})"
    )
    folds = ", ".join(f"{s:.1f}/{b:.2f}" for s, b in chosen)
    shares, bars = [s for s, _ in chosen], [b for _, b in chosen]
    print(
        f"learnt per fold (share/bar): {folds}; spread: share {min(shares):.1f}-{max(shares):.1f},"
        f" bar {min(bars):.2f}-{max(bars):.2f}"
    )
    if args.splits:
        print_splits(dev)
        print_bar_objectives(dev)
        print_lengths(dev)
    if not args.holdout:
        print(HOLDOUT_HIDDEN)
    if args.leads:
        for lead in leads:
            if lead.split == "holdout" and lead.group == "real" and not args.holdout:
                continue
            s = lb.score_lead(lead, lb.build_output(lead))
            print(
                f"  {lead.name:40s} {lead.split:8s} {s.ndcg5:.3f} {s.related_grades} of {s.grade2}"
            )


if __name__ == "__main__":
    main()
