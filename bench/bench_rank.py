"""Benchmark: rank a week of headlines by meaning against the sample lead (the build's own
ranker: the concept score and WordLlama's cosine, meaning.rank_by_meaning).

The pool is built deterministically (seeded RNG) from the words of the written leads of
tests/data/labelled (01-14), so it has a realistic vocabulary, Title Case, names, places and
variants.  Prints the machine speed probe, the model's cold load, and the best of 5 warm
rankings of 500 headlines (a real week; target <= 100 ms) and of 100,000 (target <= 5 s).
Warm means the model is loaded; the vectors memo is emptied before each run, so every run
embeds every headline afresh.

Run:  .venv/bin/python bench/bench_rank.py [--sizes 500,100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "labelled"
TARGETS = {500: 0.1, 100_000: 5.0}


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


def main() -> None:
    """Load the model cold, then time warm rankings of each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,100000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from probe import cpu_probe

    probes = [cpu_probe()]
    start = time.perf_counter()
    from newsletter.assemble.embedding import load_model
    from newsletter.assemble.meaning import RELATED_BAR, lead_text, rank_by_meaning
    from newsletter.assemble.relevance import lead_profile
    from newsletter.models import Headline

    model = load_model()
    cold = time.perf_counter() - start
    sample = tomllib.loads((LABELLED / "01_peru_border_seed.toml").read_text(encoding="utf-8"))
    paragraphs = tuple(sample["paragraphs"])
    profile = lead_profile(None, paragraphs)
    lead = lead_text(None, paragraphs)
    print(f"model: package imports and the weights mapped {cold * 1000:.0f} ms cold")
    for size in (int(s) for s in args.sizes.split(",")):
        pool = [Headline(t, source=f"synthetic:{i}") for i, t in enumerate(synthetic_titles(size))]
        times = []
        ranked: tuple = ()
        for _ in range(args.runs):
            model.memo.clear()
            model.pure_memo.clear()
            start = time.perf_counter()
            ranked = rank_by_meaning(lead, profile, pool)
            times.append(time.perf_counter() - start)
        target = TARGETS.get(size)
        verdict = f" (target <= {target:g} s)" if target else ""
        print(
            f"rank {size:>7,} headlines warm: best {min(times):.3f} s{verdict}; all "
            + ", ".join(f"{t:.3f}" for t in times)
            + f"; at the Related bar {sum(s.score >= RELATED_BAR for s in ranked):,}"
        )
        probes.append(cpu_probe())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory of the process: {peak:.0f} MB")
    print(f"machine speed probe: {min(probes):.3f}-{max(probes):.3f} s (0.19 s at its quickest)")


if __name__ == "__main__":
    main()
