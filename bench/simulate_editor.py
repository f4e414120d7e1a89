"""A simulated editor over 12 successive issues: does learning the Related bar agree with them?

The editor has one fixed preference (`--editor`): the *strict* editor moves every grade-2
headline the build left under More into Related and deletes every grade-0 headline from it;
the *generous* one wants the grade-1 headlines (same topic, "maybe") in Related too.  The
shipped bar is learnt from the same grades the strict editor applies (learn.fit_bar on the
real dev leads), so that editor has little left to teach; the generous one wants another cut,
which is what learning from the editor is for.  Issue k is built from the
k-th real dev lead of tests/data/labelled/ at the bar learnt from issues 1..k-1 (the first at
the shipped bar), the editor edits it, and the learner (assemble/learn.py, through the same
`judge_issue` the build's reader uses on real manifests) learns from issues 1..k.

After each issue, *agreement* is measured on leads the editor never edited: the share of
their headlines the editor judges (strict: grades 2 and 0; generous, precise: all) that the
cut places as the editor would, at the learnt bar and at the shipped one.  The held-out leads
are the real dev leads after the 12 (`rest`) and, with --holdout, the real holdout leads.

Run:  .venv/bin/python bench/simulate_editor.py [--issues 12] [--editor strict|generous|precise]
      [--holdout] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsletter.assemble.learn import IssueEdits, Learnt, judge_issue, learn_bar
from newsletter.assemble.meaning import RELATED_BAR
from tests.support import labelled as lb


@dataclass(frozen=True)
class Step:
    """The state after the editor edited issue `issue` (1-based)."""

    issue: int
    learnt: Learnt
    agreement: dict[str, tuple[float, float]]  # held-out group: (shipped bar, learnt bar)
    # issues 1..k as built, each before its edit (at the bar learnt from the ones before it)
    built: tuple[float, float] = (1.0, 1.0)  # (shipped bar, learnt bar)


# Each editor: (the lowest grade it wants in Related, the highest grade it deletes from it).
Editor = tuple[int, int]
EDITORS: dict[str, Editor] = {"strict": (2, 0), "generous": (1, 0), "precise": (2, 1)}
STRICT: Editor = EDITORS["strict"]


def editor_related(lead: lb.LabelledLead, output: lb.Output, editor: Editor = STRICT) -> set[str]:
    """The editor's Related: the build's, less the headlines of a grade it refuses, plus every
    headline of a grade it wants left in More."""
    wants, refuses = editor
    grades = lead.grades
    kept = {t for t, _ in output.related if grades.get(t, 1) > refuses}
    return kept | {t for t, _ in output.more if grades.get(t, 1) >= wants}


def edit_issue(
    lead: lb.LabelledLead, output: lb.Output, bar: float, editor: Editor = STRICT
) -> IssueEdits:
    """The editor's edits of one issue built at `bar`, judged as the build judges a manifest."""
    chosen = editor_related(lead, output, editor)
    return judge_issue(lead.name, output.related, output.more, chosen, bar)


def agreement(
    leads: Sequence[lb.LabelledLead],
    outputs: dict[str, lb.Output],
    bar: float,
    editor: Editor = STRICT,
) -> float:
    """The share of the headlines the editor judges that the cut places as the editor would."""
    right = total = 0
    for lead in leads:
        r, t = _placed(lead, outputs[lead.name], bar, editor)
        right, total = right + r, total + t
    return right / total if total else 1.0


def _placed(
    lead: lb.LabelledLead, output: lb.Output, bar: float, editor: Editor
) -> tuple[int, int]:
    """(placed as the editor would, judged): the strict editor judges grades 2 and 0 (a grade
    1 is neither wanted nor refused), the generous and the precise ones every headline."""
    wants, refuses = editor
    related = {t for t, _ in lb.recut(output, bar=bar).related}
    judged = [(t, g) for t, g in lead.headlines if g >= wants or g <= refuses]
    return sum((title in related) == (grade >= wants) for title, grade in judged), len(judged)


def simulate(
    issues: Sequence[lb.LabelledLead],
    held_out: dict[str, Sequence[lb.LabelledLead]],
    outputs: dict[str, lb.Output],
    editor: Editor = STRICT,
) -> list[Step]:
    """Build, edit and learn issue by issue; measure the held-out agreement after each."""
    edits: list[IssueEdits] = []
    steps = []
    bar = RELATED_BAR
    seen = {"shipped": [0, 0], "learnt": [0, 0]}  # right, total
    for k, lead in enumerate(issues, start=1):
        for name, at in (("shipped", RELATED_BAR), ("learnt", bar)):
            right, total = _placed(lead, outputs[lead.name], at, editor)
            seen[name][0] += right
            seen[name][1] += total
        built = lb.recut(outputs[lead.name], bar=bar)
        edits.append(edit_issue(lead, built, bar, editor))
        learnt = learn_bar(edits)
        bar = learnt.bar
        steps.append(
            Step(
                k,
                learnt,
                {
                    name: (
                        agreement(group, outputs, RELATED_BAR, editor),
                        agreement(group, outputs, bar, editor),
                    )
                    for name, group in held_out.items()
                },
                (seen["shipped"][0] / seen["shipped"][1], seen["learnt"][0] / seen["learnt"][1]),
            )
        )
    return steps


def main() -> None:
    """Print one row per issue: the learnt bar and the held-out agreement, shipped vs learnt."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=12, help="successive issues to edit")
    parser.add_argument("--smoke", action="store_true", help="3 issues, 3 held-out leads (CI)")
    parser.add_argument(
        "--editor", choices=sorted(EDITORS), default="strict", help="the editor's preference"
    )
    parser.add_argument(
        "--holdout",
        action="store_true",
        help="also measure on the real holdout leads (read it only once a design is fixed)",
    )
    args = parser.parse_args()
    real = [ld for ld in lb.load_leads() if ld.group == "real"]
    dev = [ld for ld in real if ld.split == "dev"]
    count = 3 if args.smoke else args.issues
    issues = dev[:count]
    held_out = {"rest": dev[count:]}
    if args.holdout:
        held_out["holdout"] = [ld for ld in real if ld.split == "holdout"]
    if args.smoke:
        held_out = {name: group[:3] for name, group in held_out.items()}
    used = [*issues, *(ld for group in held_out.values() for ld in group)]
    outputs = {ld.name: lb.build_output(ld) for ld in used}
    steps = simulate(issues, held_out, outputs, EDITORS[args.editor])
    names = list(held_out)
    heads = [f"{n} ({len(held_out[n])} leads): shipped → learnt" for n in names]
    print(
        "| issue | learnt bar | edits (promoted / removed) | left out: better / worse | "
        "issues 1..k as built | " + " | ".join(heads) + " |"
    )
    print("|---|---|---|---|---|" + "---|" * len(names))
    for step in steps:
        pairs = [step.built, *(step.agreement[n] for n in names)]
        cells = [f"{a:.3f} → {b:.3f}" for a, b in pairs]
        print(
            f"| {step.issue} | {step.learnt.bar:.2f} | {step.learnt.promoted} / "
            f"{step.learnt.removed} | {step.learnt.left_out[0]} / {step.learnt.left_out[1]} | "
            + " | ".join(cells)
            + " |"
        )


if __name__ == "__main__":
    main()
