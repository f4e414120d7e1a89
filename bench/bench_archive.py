"""Benchmark: `newsletter archive` over 200 built issues, cold and with nothing changed.

    .venv/bin/python bench/bench_archive.py [--issues 200] [--runs 5]

Targets on the 2-core reference machine: 200 issues archived in under 3 s cold (an empty
site/) and under 0.5 s when nothing changed, each as a fresh `newsletter archive` process
(start-up and imports included).  The 200 issues are the sample issue copied to earlier
weeks and rebuilt (not timed); times are wall clock, median of the runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from probe import cpu_probe

ROOT = Path(__file__).resolve().parent.parent


def workspace_with_issues(count: int) -> Path:
    """The sample workspace with `count` issues built, one week apart."""
    from newsletter.assemble import AssembleOptions
    from newsletter.build import build, rebuild
    from newsletter.config import load_settings

    folder = Path(tempfile.mkdtemp(prefix="nl-bench-archive-"))
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    settings, _ = load_settings(folder)
    day = dt.date(2026, 11, 26)
    first = build([str(folder / "seeds")], settings, AssembleOptions(today=day)).folder
    manifest = (first / "issue.toml").read_text("utf-8")
    for k in range(1, count):
        when = day - dt.timedelta(weeks=k)
        issue_id = f"{when.isocalendar()[0]}-W{when.isocalendar()[1]:02d}"
        target = folder / "issues" / issue_id
        shutil.copytree(first, target)
        text = re.sub(r'^id = ".*"$', f'id = "{issue_id}"', manifest, count=1, flags=re.M)
        text = re.sub(r"^date = .*$", f"date = {when.isoformat()}", text, count=1, flags=re.M)
        text = text.replace('subject = "', f'subject = "Week {k}: ', 1)
        (target / "issue.toml").write_text(text, "utf-8")
        rebuild(target, settings)
    return folder


def run_archive(folder: Path) -> float:
    script = Path(sys.executable).with_name("newsletter")
    start = time.perf_counter()
    subprocess.run(
        [str(script), "archive", "--unsent"], cwd=folder, check=True, capture_output=True
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine speed probe: {cpu_probe():.3f} s (0.19 s at its quickest)")
    folder = workspace_with_issues(args.issues)
    cold, unchanged, one = [], [], []
    for _ in range(args.runs):
        shutil.rmtree(folder / "site", ignore_errors=True)
        cold.append(run_archive(folder))
        unchanged.append(run_archive(folder))
    pages = sorted((folder / "site").glob("*/index.html"))
    assert len(pages) == args.issues, len(pages)
    edited = folder / "issues" / pages[len(pages) // 2].parent.name / "issue.toml"
    for i in range(args.runs):
        edited.write_text(edited.read_text("utf-8").replace("Week", f"Week {i}", 1), "utf-8")
        from newsletter.build import rebuild
        from newsletter.config import load_settings

        rebuild(edited.parent, load_settings(folder)[0])
        one.append(run_archive(folder))
    shutil.rmtree(folder)
    print(
        f"{args.issues} issues, cold `newsletter archive`: median {statistics.median(cold):.3f} s, "
        f"min {min(cold):.3f} s  (target < 3 s)"
    )
    print(
        f"nothing changed: median {statistics.median(unchanged):.3f} s, "
        f"min {min(unchanged):.3f} s  (target < 0.5 s)"
    )
    print(f"one issue changed: median {statistics.median(one):.3f} s, min {min(one):.3f} s")


if __name__ == "__main__":
    main()
