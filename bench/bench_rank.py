"""Benchmark: rank a synthetic pool of 100,000 headlines against the sample lead.

The pool is built deterministically (seeded RNG) from the words of the labelled set, so it has
a realistic vocabulary, Title Case, names, places and variants.  Prints the best of 5 ranking
times (target <= 1.0 s on a 2-core machine) and the profile build time.

Run:  .venv/bin/python bench/bench_rank.py [--size 100000]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probe import cpu_probe  # noqa: E402

from newsletter.assemble.relevance import (  # noqa: E402
    RELATED_THRESHOLD,
    lead_profile,
    rank_headlines,
)
from newsletter.models import Headline  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled"


def vocabulary() -> list[str]:
    """Every word of the labelled leads and headlines, with repeats (so Zipf-like)."""
    words: list[str] = []
    for path in sorted(LABELLED.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        texts = [*data["paragraphs"], *(h["title"] for h in data["headlines"])]
        for text in texts:
            words += re.findall(r"[\w’'-]+", text)
    return words


def synthetic_pool(size: int, seed: int = 20251128) -> list[Headline]:
    """`size` headlines of 5-14 words drawn from the labelled vocabulary, Title Case."""
    rng = random.Random(seed)
    words = vocabulary()
    pool = []
    for i in range(size):
        title = " ".join(w[:1].upper() + w[1:] for w in rng.choices(words, k=rng.randint(5, 14)))
        pool.append(Headline(title, source=f"synthetic:{i}"))
    return pool


def main() -> None:
    """Build the pool, then time the profile and the ranking."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    sample = tomllib.loads((LABELLED / "01_peru_border_seed.toml").read_text(encoding="utf-8"))
    pool = synthetic_pool(args.size)

    start = time.perf_counter()
    profile = lead_profile(None, sample["paragraphs"])  # cold: loads the vocabulary
    cold = time.perf_counter() - start
    start = time.perf_counter()
    profile = lead_profile(None, sample["paragraphs"])
    warm = time.perf_counter() - start

    print(f"machine speed probe: {cpu_probe():.3f} s (0.19 s at its quickest)")
    times, ranked = [], ()
    for _ in range(5):
        start = time.perf_counter()
        ranked = rank_headlines(profile, pool)
        times.append(time.perf_counter() - start)
    related = sum(s.score >= RELATED_THRESHOLD for s in ranked)
    merged = sum(len(s.merged) for s in ranked)
    print(f"profile build: {cold * 1000:.1f} ms cold (vocabulary load), {warm * 1000:.1f} ms warm")
    print(
        f"rank {len(pool):,} headlines: best of 5 {min(times):.3f} s  (runs: "
        + ", ".join(f"{t:.3f}" for t in times)
        + ")"
    )
    print(f"above threshold: {related:,}; near-duplicates merged: {merged:,}")


if __name__ == "__main__":
    main()
