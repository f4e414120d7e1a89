"""Sliding-window rate limits kept in newsletter.db, so every worker process shares them.

A bucket is a client address or an email address, stored only as a keyed
hash.  `hit` records one attempt if the bucket has room and returns 0, or
returns the seconds until the oldest attempt in the window falls out of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


class RateLimiter:
    """At most `limit` attempts per bucket in any `window` seconds."""

    def __init__(self, conn: sqlite3.Connection, keyed: Callable[[str], str]) -> None:
        self.conn = conn
        self._keyed = keyed  # bucket name → keyed hash: no address is stored here

    def hit(self, bucket: str, limit: int, window: float, now: float) -> float:
        """Record an attempt and return 0, or return how long to wait (nothing recorded)."""
        key = self._keyed(bucket)[:32]
        self.conn.execute("DELETE FROM rate_hits WHERE bucket = ? AND at <= ?", (key, now - window))
        count, oldest = self.conn.execute(
            "SELECT count(*), min(at) FROM rate_hits WHERE bucket = ?", (key,)
        ).fetchone()
        if count >= limit:
            return max(1.0, oldest + window - now)
        self.conn.execute("INSERT INTO rate_hits (bucket, at) VALUES (?, ?)", (key, now))
        return 0.0

    def prune(self, now: float, longest: float) -> None:
        """Drop every attempt older than the longest window."""
        self.conn.execute("DELETE FROM rate_hits WHERE at <= ?", (now - longest,))
