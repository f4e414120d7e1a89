"""A simulated editor over 12 successive issues: does learning the cut agree with them?

Each editor has one fixed preference (`--editor`), a rule over the labelled grades and the
shipped ranking of each lead (its order and each line's two evidences), never over the cut
the learner makes:

- *strict*: every grade-2 headline in Related, every grade-0 one out (grade 1 left as built);
- *generous*: grade 1 ("maybe", same topic) in Related too;
- *precise*: only grade 2 in Related, grade 1 out as well;
- *brief*: a Related of five lines: the five best lines of the shipped cut, every line past
  them deleted (an editor who keeps Related short);
- *ample*: every headline that scores the shipped bar, up to 12 lines: never one left under
  More by the limit of 8 (an editor who always wants more);
- *literal*: an on-topic headline (grade 1 or 2) in Related only when it names the story's
  key terms (its concepts' evidence, as the shipped build scored it, is at least LITERAL),
  whatever the model reads; every other headline out;
- *semantic*: the other view: an on-topic headline in Related only when the model reads it
  close (the model's evidence at least SEMANTIC), whatever words it shares; the rest out.

The shipped share and bar are learnt from the grades the strict editor applies
(fit_graded.fit_share and fit_bar on the real dev leads), so that editor has little left to
teach.  Issue k is built from the k-th real dev lead of tests/data/labelled/ at the cut
learnt from issues 1..k-1 (the first as shipped: share 0.4, bar 0.28, length 8), the editor
edits it, and the learner (assemble/learn.py, through the same `judge_issue` the build's
reader uses on real records and manifests) learns from issues 1..k.

After each issue, *agreement* is measured on leads the editor never edited: the share of
the headlines the editor has a view on (strict: grades 2 and 0; the others: all) that the cut
places as the editor would, at the learnt cut and as shipped.  The held-out leads are the real
dev leads after the 12 (`rest`) and, with --holdout, the real holdout leads.

Run:  .venv/bin/python bench/simulate_editor.py [--issues 12] [--editor NAME] [--holdout]
      [--smoke]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsletter.assemble.learn import Cut, IssueEdits, Learnt, judge_issue, learn_cut
from tests.support import labelled as lb

SHIPPED = Cut()
LITERAL = 0.5  # the literal editor's headline names the story's key terms from here
SEMANTIC = 0.45  # the semantic editor's headline is read close by the model from here


@dataclass(frozen=True)
class Editor:
    """A fixed preference: which headlines of a lead the editor has a view on, and which of
    them it wants in Related (given the lead and its shipped build); others stay as built."""

    judges: Callable[[lb.LabelledLead, lb.Output], set[str]]
    wants: Callable[[lb.LabelledLead, lb.Output], set[str]]


def _graded(low: int, high: int = 2) -> Callable[[lb.LabelledLead, lb.Output], set[str]]:
    return lambda lead, _: {t for t, g in lead.headlines if low <= g <= high}


def _all(lead: lb.LabelledLead, _: lb.Output) -> set[str]:
    return {t for t, _g in lead.headlines}


def _brief(_: lb.LabelledLead, shipped: lb.Output) -> set[str]:
    return {t for t, _s in shipped.related[:5]}


def _ample(_: lb.LabelledLead, shipped: lb.Output) -> set[str]:
    return {t for t, _s in lb.recut(shipped, 12, stretch=1).related}


def _read_by(view: int, least: float) -> Callable[[lb.LabelledLead, lb.Output], set[str]]:
    """The on-topic headlines (grade 1 or 2) whose evidence of one view (0: the concepts',
    1: the model's, as the shipped build scored them) is at least `least`."""

    def wants(lead: lb.LabelledLead, shipped: lb.Output) -> set[str]:
        parts = dict(shipped.parts)
        return {t for t, g in lead.headlines if g >= 1 and t in parts and parts[t][view] >= least}

    return wants


EDITORS: dict[str, Editor] = {
    "strict": Editor(lambda ld, o: _graded(2)(ld, o) | _graded(0, 0)(ld, o), _graded(2)),
    "generous": Editor(_all, _graded(1)),
    "precise": Editor(_all, _graded(2)),
    "brief": Editor(_all, _brief),
    "ample": Editor(_all, _ample),
    "literal": Editor(_all, _read_by(0, LITERAL)),
    "semantic": Editor(_all, _read_by(1, SEMANTIC)),
}
STRICT = EDITORS["strict"]


@dataclass(frozen=True)
class Step:
    """The state after the editor edited issue `issue` (1-based)."""

    issue: int
    learnt: Learnt
    agreement: dict[str, tuple[float, float]]  # held-out group: (shipped cut, learnt cut)
    # issues 1..k as built, each before its edit (at the cut learnt from the ones before it)
    built: tuple[float, float] = (1.0, 1.0)  # (shipped cut, learnt cut)


def output_at(lead: lb.LabelledLead, cut: Cut) -> lb.Output:
    """The lead built at the cut's share, cut at its bar and length (as `build` would)."""
    share = None if cut.share == SHIPPED.share else cut.share
    return lb.recut(lb.output_at(lead, share), cut.length, cut.bar)


def edit_issue(lead: lb.LabelledLead, built: lb.Output, editor: Editor = STRICT) -> IssueEdits:
    """The editor's edits of one issue as built, judged as the build judges a manifest."""
    shipped = lb.output_at(lead)
    judges, wants = editor.judges(lead, shipped), editor.wants(lead, shipped)
    as_built = {t for t, _ in built.related}
    chosen = (as_built - judges) | (wants & {t for t in built.order})
    return judge_issue(lead.name, built.related, built.more, chosen, parts=dict(built.parts))


def placed(lead: lb.LabelledLead, cut: Cut, editor: Editor = STRICT) -> tuple[int, int]:
    """(placed as the editor would, judged) for one lead cut at `cut`."""
    shipped = lb.output_at(lead)
    judges, wants = editor.judges(lead, shipped), editor.wants(lead, shipped)
    related = {t for t, _ in output_at(lead, cut).related}
    return sum((t in related) == (t in wants) for t in judges), len(judges)


def agreement(leads: Sequence[lb.LabelledLead], cut: Cut, editor: Editor = STRICT) -> float:
    """The share of the headlines the editor judges that the cut places as the editor would."""
    right = total = 0
    for lead in leads:
        r, t = placed(lead, cut, editor)
        right, total = right + r, total + t
    return right / total if total else 1.0


def simulate(
    issues: Sequence[lb.LabelledLead],
    held_out: dict[str, Sequence[lb.LabelledLead]],
    editor: Editor = STRICT,
) -> list[Step]:
    """Build, edit and learn issue by issue; measure the held-out agreement after each."""
    edits: list[IssueEdits] = []
    steps = []
    cut = SHIPPED
    seen = {"shipped": [0, 0], "learnt": [0, 0]}  # right, total
    for k, lead in enumerate(issues, start=1):
        for name, at in (("shipped", SHIPPED), ("learnt", cut)):
            right, total = placed(lead, at, editor)
            seen[name][0] += right
            seen[name][1] += total
        edits.append(edit_issue(lead, output_at(lead, cut), editor))
        learnt = learn_cut(edits, SHIPPED)
        cut = learnt.cut
        steps.append(
            Step(
                k,
                learnt,
                {
                    name: (agreement(group, SHIPPED, editor), agreement(group, cut, editor))
                    for name, group in held_out.items()
                },
                (seen["shipped"][0] / seen["shipped"][1], seen["learnt"][0] / seen["learnt"][1]),
            )
        )
    return steps


def main() -> None:
    """Print one row per issue: the learnt cut and the held-out agreement, shipped vs learnt."""
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
    steps = simulate(issues, held_out, EDITORS[args.editor])
    names = list(held_out)
    heads = [f"{n} ({len(held_out[n])} leads): shipped → learnt" for n in names]
    print(
        "| issue | learnt share / bar / length | edits (promoted / removed) | "
        "left out: better / worse (score; length) | issues 1..k as built | "
        + " | ".join(heads)
        + " |"
    )
    print("|---|---|---|---|---|" + "---|" * len(names))
    for step in steps:
        learnt, cut = step.learnt, step.learnt.cut
        pairs = [step.built, *(step.agreement[n] for n in names)]
        cells = [f"{a:.3f} → {b:.3f}" for a, b in pairs]
        print(
            f"| {step.issue} | {cut.share:.2f} / {cut.bar:.2f} / {cut.length} | "
            f"{learnt.promoted} / {learnt.removed} | {learnt.left_out[0]} / "
            f"{learnt.left_out[1]}; {learnt.left_out_length[0]} / {learnt.left_out_length[1]} | "
            + " | ".join(cells)
            + " |"
        )


if __name__ == "__main__":
    main()
