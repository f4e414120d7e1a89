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


def flush_probe(folder: str, seconds: float = 1.0) -> float:
    """Mean seconds for one `fdatasync` of an 8 kB write in `folder` (a file made and removed
    there), over `seconds`: the least a durable PostgreSQL commit on that disk waits.  On the
    development machine it moves from 0.3 ms to 5 ms with the other helpers' writes."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(prefix="flush-probe-", dir=folder)
    try:
        block, count = b"\0" * 8192, 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            os.pwrite(fd, block, 0)
            os.fdatasync(fd)
            count += 1
        return (time.perf_counter() - started) / count
    finally:
        os.close(fd)
        os.unlink(path)
