"""Sliding-window rate limits kept in the database, so every worker (and host) shares them.

A bucket is a client address or an inbox (`inbox_of`), stored only as a keyed
hash.  A client is counted by `address_block`: an IPv4 address, or an IPv6
client's /64, since one subscriber line or host gets a whole /64 to pick from.
`hit` records one attempt if the bucket has room and returns 0, or returns
the seconds until the oldest attempt in the window falls out of it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from newsletter.subscribers.connection import Connection, dialect


def address_block(address: str) -> str:
    """What one client counts as: `203.0.113.7`, `2001:db8:1:2::/64` (IPv4-mapped: the IPv4)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a Unix socket, say): counted as given
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# Domains whose mailboxes ignore dots in the local part (Gmail's two names: one inbox).
_DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def inbox_of(email: str) -> str:
    """What one inbox counts as: the address lower-cased, without its `+tag` (RFC 5233
    sub-addressing: most providers deliver `ann+x@` to `ann@`) and, at Gmail, its dots.

    Counted by address as spelt, `ann+1@`, `ann+2@`… each had the whole per-address limit:
    a script could mail one inbox without end.
    """
    local, _, domain = email.rpartition("@")
    local, domain = local.lower(), domain.lower()
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", "") or local, _DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


class RateLimiter:
    """At most `limit` attempts per bucket in any `window` seconds."""

    def __init__(self, conn: Connection, keyed: Callable[[str], str]) -> None:
        self.conn = conn
        self._keyed = keyed  # bucket name → keyed hash: no address is stored here

    def hit(self, bucket: str, limit: int, window: float, now: float) -> float:
        """Record an attempt and return 0, or return how long to wait (nothing recorded)."""
        key = self._keyed(bucket)[:32]
        if dialect(self.conn) == "postgresql":
            # SQLite's BEGIN IMMEDIATE lets one writer count at a time; on PostgreSQL two
            # workers would both count below the limit: they take turns per bucket instead.
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))
        self.conn.execute("DELETE FROM rate_hits WHERE bucket = ? AND at <= ?", (key, now - window))
        count, oldest = self.conn.execute(
            "SELECT count(*), min(at) FROM rate_hits WHERE bucket = ?", (key,)
        ).fetchone()
        if count >= limit:
            return max(1.0, float(oldest) + window - now)
        self.conn.execute("INSERT INTO rate_hits (bucket, at) VALUES (?, ?)", (key, now))
        return 0.0

    def prune(self, now: float, longest: float) -> None:
        """Drop every attempt older than the longest window."""
        self.conn.execute("DELETE FROM rate_hits WHERE at <= ?", (now - longest,))
