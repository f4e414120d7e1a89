"""A yardstick for the machine's speed at the moment a benchmark runs.

This machine's CPU speed drifts by up to half as much again from minute to minute (a shared
virtual machine), so each benchmark prints how long a fixed pure-Python loop takes next to
its own numbers: 0.19 s when the machine is at its quickest.
"""

from __future__ import annotations

import time


def cpu_probe() -> float:
    """Seconds for a fixed 3-million-step pure-Python loop (best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        sum(i * i for i in range(3_000_000))
        best = min(best, time.perf_counter() - start)
    return best
