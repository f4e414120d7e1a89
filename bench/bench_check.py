"""Benchmark: `newsletter check` on the sample issue, in-process and as a cold process.

    .venv/bin/python bench/bench_check.py [--runs 30]

Target: well under a second without --links (the send gate and the preview run it on
every send and every rebuild).  Times are wall clock.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from probe import cpu_probe

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.check import check_issue
    from newsletter.config import load_settings

    print(f"machine speed probe: {cpu_probe():.3f} s (0.19 s at its quickest)")
    folder = Path(tempfile.mkdtemp(prefix="nl-bench-check-"))
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    settings, _ = load_settings(folder)
    issue = build([str(folder / "seeds")], settings, AssembleOptions(today=dt.date(2026, 11, 26)))
    check_issue(issue.folder, settings)
    warm = []
    for _ in range(args.runs):
        start = time.perf_counter()
        check_issue(issue.folder, settings)
        warm.append(time.perf_counter() - start)
    script = Path(sys.executable).with_name("newsletter")
    command = [str(script), "check", "issues/2026-W48"]
    cold = []
    for _ in range(max(5, args.runs // 3)):
        start = time.perf_counter()
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
        cold.append(time.perf_counter() - start)
    shutil.rmtree(folder)
    print(
        f"checks in-process: median {statistics.median(warm) * 1e3:.1f} ms, "
        f"min {min(warm) * 1e3:.1f} ms"
    )
    print(
        f"cold `newsletter check`: median {statistics.median(cold):.3f} s, "
        f"min {min(cold):.3f} s  (target well under 1 s)"
    )


if __name__ == "__main__":
    main()
