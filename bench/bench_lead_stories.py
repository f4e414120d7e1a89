"""Benchmark: choose the lead among many long stories of unrelated words (the outside attack of
docs/security.md: a feed of full-text entries, each ranked against all the others).

Each story is untitled, one paragraph of 1,200 pseudo-words drawn from a seeded RNG, so no
two share vocabulary and every story's concept set holds about 1,200 concepts.  Times
`lead.lead_choice` (each contender ranked against every story, then the lead again: all the
stories up to lead.FEED_CONTENDERS, that many past it) once per size,
in one process with the model loaded, and reports how many concept sets had their
near-duplicate keys built (duplicates.prefix_keys's memo: once per set, however many rankings
read it) and the most keys a story got.

Prints each size's wall time and the process's CPU time for it (on the shared machine the wall
time follows the load: read it with the probe), and the peak memory of the process at the end.
Target: 300 stories in 30 s or less.

Run:  .venv/bin/python bench/bench_lead_stories.py [--sizes 10,20,100,300] [--words 1200]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSONANTS, VOWELS = "bcdfghjklmnprstvz", "aeiou"


def pseudo_words(count: int, rng: random.Random) -> list[str]:
    """`count` lower-case pseudo-words of 2-4 syllables (almost none a real word)."""
    return [
        "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.randint(2, 4)))
        for _ in range(count)
    ]


def main() -> None:
    """Time the lead's choice among 10, 20, 100 and 300 long stories (by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,20,100,300")
    parser.add_argument("--words", type=int, default=1200)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from probe import cpu_probe

    from newsletter.assemble import duplicates
    from newsletter.assemble.embedding import load_model
    from newsletter.assemble.lead import lead_choice
    from newsletter.models import Story

    load_model()
    probes = [cpu_probe()]
    for size in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(20261206 + size)
        stories = [
            Story(None, " ".join(pseudo_words(args.words, rng)), f"feed.xml#{i}")
            for i in range(size)
        ]
        keys = getattr(duplicates, "prefix_keys", None)  # None: before the memo (bench an old tree)
        if keys:
            keys.cache_clear()
        start, cpu = time.perf_counter(), time.process_time()
        chosen = lead_choice(stories, [], None)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        built = ""
        if keys:
            misses = keys.cache_info().misses
            most = len(keys(frozenset(stories[0].body.split())))
            built = f"; keys built {misses:,} times, {most:,} for a story"
        print(
            f"lead among {size:>4} stories of {args.words:,} words: {took:.2f} s ({cpu:.2f} s CPU) "
            f"(lead {chosen.story.source}){built}"
        )
        probes.append(cpu_probe())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory of the process: {peak:.0f} MB")
    print(f"machine speed probe: {min(probes):.3f}-{max(probes):.3f} s (0.19 s at its quickest)")


if __name__ == "__main__":
    main()
