"""Benchmark: building the sample issue, warm in-process and as a cold `newsletter build` process.

    .venv/bin/python bench/bench_build.py [--runs 30] [--against DIR]

Targets on the 2-core reference machine: warm build ≤ 30 ms, cold process ≤ 0.6 s.
Each build runs in a throwaway copy of the sample workspace; times are wall clock.
`--against DIR` also times the cold build of another checkout of the package (DIR holds its
newsletter/ and templates/, byte-compiled; e.g. `git archive <commit> newsletter templates`),
alternating with this one in the same run, and prints the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from probe import cpu_probe

ROOT = Path(__file__).resolve().parent.parent


def sample_workspace() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="nl-bench-"))
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    return folder


def warm(runs: int) -> dict[str, float]:
    """Full builds (load, assemble, render, write) in this process after one warm-up build."""
    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.config import load_settings

    folder = sample_workspace()
    os.chdir(folder)
    settings, _ = load_settings(folder)
    options = AssembleOptions(today=dt.date(2026, 11, 26))
    build(["seeds"], settings, options)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build(["seeds"], settings, options)
        times.append(time.perf_counter() - start)
    stages = _stages(settings, options)
    shutil.rmtree(folder)
    return {"median_ms": statistics.median(times) * 1e3, "min_ms": min(times) * 1e3, **stages}


def _stages(settings, options) -> dict[str, float]:
    """Where a warm build spends its time, stage by stage (median of 20)."""
    from newsletter.assemble import assemble_issue
    from newsletter.render import render_issue
    from newsletter.sources import load_sources

    def median_ms(fn) -> float:
        samples = []
        for _ in range(20):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1e3

    sources = load_sources(["seeds"])
    issue = assemble_issue(sources, settings, options)
    return {
        "load_ms": median_ms(lambda: load_sources(["seeds"])),
        "assemble_ms": median_ms(lambda: assemble_issue(sources, settings, options)),
        "render_ms": median_ms(lambda: render_issue(issue, settings)),
    }


def cold(runs: int, against: Path | None = None) -> dict[str, float]:
    """`newsletter build seeds/` as a fresh process each time (start-up and imports included);
    with `against`, that checkout's build too, alternating (its times as `against_*`)."""
    folder = sample_workspace()
    script = Path(sys.executable).with_name("newsletter")
    command = [str(script), "build", "seeds/", "--date", "2026-11-26"]
    # As an installed copy runs: its modules byte-compiled once.  PYTHONDONTWRITEBYTECODE in
    # the caller's environment made every cold build compile each module changed since its
    # last .pyc from source (0.18 s of 0.61 s on 7 December, 46 modules after a day's work).
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    envs = {"": base}
    if against is not None:
        envs["against_"] = {**base, "PYTHONPATH": str(against.resolve())}
    times: dict[str, list[float]] = {key: [] for key in envs}
    for env in envs.values():  # compile .pyc files once
        subprocess.run(command, cwd=folder, check=True, capture_output=True, env=env)
    for _ in range(runs):
        for key, env in envs.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=folder, check=True, capture_output=True, env=env)
            times[key].append(time.perf_counter() - start)
    shutil.rmtree(folder)
    result = {}
    for key, samples in times.items():
        result[f"{key}median_s"] = statistics.median(samples)
        result[f"{key}min_s"] = min(samples)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--against", type=Path, help="another checkout to compare the cold build with"
    )
    args = parser.parse_args()
    print(f"machine speed probe: {cpu_probe():.3f} s (0.19 s at its quickest)")
    w = warm(args.runs)
    print(
        f"warm build (in-process): median {w['median_ms']:.1f} ms, "
        f"min {w['min_ms']:.1f} ms  (target ≤ 30 ms)"
    )
    print(
        f"  stages: load {w['load_ms']:.2f} ms, assemble {w['assemble_ms']:.2f} ms, "
        f"render {w['render_ms']:.2f} ms"
    )
    c = cold(max(5, args.runs // 3), args.against)
    print(
        f"cold `newsletter build`: median {c['median_s']:.3f} s, "
        f"min {c['min_s']:.3f} s  (target ≤ 0.6 s)"
    )
    if args.against is not None:
        print(
            f"  {args.against}: median {c['against_median_s']:.3f} s, min "
            f"{c['against_min_s']:.3f} s; this one / that one: "
            f"{c['median_s'] / c['against_median_s']:.2f}x median, "
            f"{c['min_s'] / c['against_min_s']:.2f}x min"
        )


if __name__ == "__main__":
    main()
