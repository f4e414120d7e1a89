"""How fast and how patiently to send: a shared rate limit and the backoff between retries."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """At most `rate` messages a second across all connections (0: no limit)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Reserve the next slot; return how long to wait for it (0 when it is free now)."""
        if not self.interval:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(self._next, now)
            self._next = slot + self.interval
        return float(slot - now)


def backoff(
    attempt: int, base: float, *, cap: float = 300.0, rng: random.Random | None = None
) -> float:
    """Seconds to wait after failed attempt `attempt` (1, 2...): base·2^(attempt-1), ±50% jitter.

    The jitter spreads the retries of several connections so they do not hit
    a struggling server at the same moment.
    """
    delay = float(min(cap, base * 2 ** (attempt - 1)))
    return delay * (0.5 + (rng or random).random())
