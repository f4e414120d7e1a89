"""Report: a held-out set (tests/data/holdout2, or the folder given) through the real CLI, one
throwaway workspace per lead: `newsletter init`, the lead's seed in seeds/, `newsletter build --json
--no-learn` as a subprocess. Prints whether each lead's Related and More match what
tests/support/labelled.py (the in-process harness report_ranking.py uses) gives, the lead's
title, and the measures read from the CLI's JSON.

Run:  .venv/bin/python bench/report_holdout2_cli.py [FOLDER]   (about 10 s for holdout2)
      .venv/bin/python bench/report_holdout2_cli.py tests/data/holdout3
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import labelled as lb  # noqa: E402

NEWSLETTER = str(Path(sys.executable).with_name("newsletter"))


def cli_json(lead: lb.LabelledLead) -> dict:
    """`newsletter build --json` of the lead's seed in a fresh workspace."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([NEWSLETTER, "init", folder], check=True, capture_output=True)
        seeds = Path(folder) / "seeds"
        for sample in seeds.glob("*"):
            sample.unlink()
        (seeds / f"{lead.name}.txt").write_text(lb.seed_text(lead), encoding="utf-8")
        args = [f"seeds/{lead.name}.txt", "--json", "--no-learn", "--date", "2026-11-27"]
        done = subprocess.run(
            [NEWSLETTER, "build", *args], cwd=folder, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout)


def main() -> None:
    """Each lead through the CLI, then the measures over all of them."""
    scores, same = [], 0
    leads = lb.load_leads(Path(sys.argv[1]) if len(sys.argv) > 1 else lb.HOLDOUT2)
    for lead in leads:
        data = cli_json(lead)
        related = tuple((item["title"], 0.0) for item in data["related"])
        more = tuple((item["title"], 0.0) for item in data["more"])
        harness = lb.build_output(lead)
        match = [t for t, _ in related] == [t for t, _ in harness.related] and [
            t for t, _ in more
        ] == [t for t, _ in harness.more]
        same += match
        scores.append(lb.score_lead(lead, lb.Output(related, more, "", harness.ranked)))
        print(f"{lead.name:36s} same as harness: {match}; lead: {data['lead']['title']}")
        grades = lead.grades
        for title, _ in related:
            if grades.get(title) == 0:
                print(f"    grade 0 in Related: {title}")
        for title, _ in more:
            if grades.get(title) == 2:
                print(f"    grade 2 in More:    {title}")
    s = lb.summarize(scores)
    print(
        f"CLI: {same}/{len(leads)} leads as the harness; nDCG@5 {s.ndcg5:.3f}, "
        f"rec2 {s.recall2:.3f}, rec2+f {s.recall2_folded:.3f}, g0/lead {s.zeros_per_lead:.2f}"
    )


if __name__ == "__main__":
    main()
