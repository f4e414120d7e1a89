"""Benchmark: rank a synthetic pool of 100,000 headlines against the sample lead, this ranker
beside a reference version of it, in the same run.

The pool is built deterministically (seeded RNG) from the words of the written leads of
tests/data/labelled (01-14, the vocabulary the earlier results used), so it has a realistic
vocabulary, Title Case, names, places and variants.  The reference ranker is the package as
it was at `--baseline` (default: the commit before issue 11's ranking work), exported with
`git archive` into a temporary folder; both run as their own processes on the same pool,
alternately, so the machine's drift falls on both.  Prints the machine speed probe, each
side's best of 5 and the ratio (issue 11's target: at most 1.2x the reference).

Run:  .venv/bin/python bench/bench_rank.py [--size 100000] [--baseline REV] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "labelled"
BASELINE = "fc3b094"  # "Ranker: remove unused is_related and LeadProfile.top", before issue 11


def vocabulary() -> list[str]:
    """Every word of the written leads and their headlines, with repeats (so Zipf-like)."""
    words: list[str] = []
    for path in sorted(LABELLED.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if not all("related" in h for h in data["headlines"]):
            continue  # the real leads came later: keep the pool the results were measured on
        texts = [*data["paragraphs"], *(h["title"] for h in data["headlines"])]
        for text in texts:
            words += re.findall(r"[\w’'-]+", text)
    return words


def synthetic_titles(size: int, seed: int = 20251128) -> list[str]:
    """`size` headlines of 5-14 words drawn from the labelled vocabulary, Title Case."""
    rng = random.Random(seed)
    words = vocabulary()
    return [
        " ".join(w[:1].upper() + w[1:] for w in rng.choices(words, k=rng.randint(5, 14)))
        for _ in range(size)
    ]


def worker(size: int) -> dict:
    """Time the `newsletter` package first on sys.path (run in its own process)."""
    import newsletter
    from newsletter.assemble.relevance import RELATED_THRESHOLD, lead_profile, rank_headlines
    from newsletter.models import Headline

    sample = tomllib.loads((LABELLED / "01_peru_border_seed.toml").read_text(encoding="utf-8"))
    pool = [Headline(t, source=f"synthetic:{i}") for i, t in enumerate(synthetic_titles(size))]
    start = time.perf_counter()
    profile = lead_profile(None, sample["paragraphs"])  # cold: loads the vocabulary
    cold = time.perf_counter() - start
    start = time.perf_counter()
    profile = lead_profile(None, sample["paragraphs"])
    warm = time.perf_counter() - start
    times, ranked = [], ()
    for _ in range(5):
        start = time.perf_counter()
        ranked = rank_headlines(profile, pool)
        times.append(time.perf_counter() - start)
    return {
        "cold": cold,
        "warm": warm,
        "times": times,
        "above": sum(s.score >= RELATED_THRESHOLD for s in ranked),
        "merged": sum(len(s.merged) for s in ranked),
        "package": str(Path(newsletter.__file__).parent),
    }


def run_side(source: Path, size: int) -> dict:
    """One worker process with `source` (a folder holding `newsletter/`) first on the path."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    out = subprocess.run(
        [sys.executable, __file__, "--worker", "--size", str(size)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    if Path(result["package"]).resolve() != (source / "newsletter").resolve():
        raise SystemExit(f"the worker imported {result['package']}, not {source}/newsletter")
    return result


def main() -> None:
    """Export the reference, then time both sides alternately."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the reference")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two sides")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.size)))
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from probe import cpu_probe

    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline, "newsletter"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        sides = {"reference": Path(tmp), "this": ROOT}
        results: dict[str, list[dict]] = {name: [] for name in sides}
        probes = [cpu_probe()]
        for _ in range(args.rounds):
            for name, source in sides.items():
                results[name].append(run_side(source, args.size))
            probes.append(cpu_probe())
    print(f"machine speed probe: {min(probes):.3f}-{max(probes):.3f} s (0.19 s at its quickest)")
    best = {}
    for name, runs in results.items():
        times = [t for r in runs for t in r["times"]]
        best[name] = min(times)
        label = f"{name} ({args.baseline})" if name == "reference" else name
        print(
            f"{label:22s} rank {args.size:,}: best {best[name]:.3f} s (all runs "
            + ", ".join(f"{t:.2f}" for t in times)
            + f"); profile {min(r['cold'] for r in runs) * 1000:.1f} ms cold, "
            f"{min(r['warm'] for r in runs) * 1000:.1f} ms warm; above threshold "
            f"{runs[0]['above']:,}, merged {runs[0]['merged']:,}"
        )
    print(f"ratio this / reference: {best['this'] / best['reference']:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
