"""Forgotten addresses (GDPR erasure): everything about them deleted, a keyed hash kept.

`forget` deletes the subscriber, their fields, consent, journal rows, sign-ups
and bounce counts, and keeps only HMAC-SHA256(key, address) in `suppressions`,
so no import or `add` brings the address back while nobody can read it out of
the database.  The key is made once and kept in newsletter.db (never the
unsubscribe key, which the environment may rotate).  Only the reader's own
double opt-in lifts it (`unforget`).  Until then the database refuses to store the
address anywhere (forgotten.py), whichever command or request tries.
"""

from __future__ import annotations

from newsletter.subscribers.connection import Connection
from newsletter.subscribers.database import utc_now
from newsletter.subscribers.forgotten import ADDRESS_TABLES, suppression_hash
from newsletter.subscribers.keys import SUPPRESSION_KEY, existing_key, stored_key

__all__ = ["forget", "is_forgotten", "suppression_hash", "unforget"]


def is_forgotten(conn: Connection, email: str) -> bool:
    """True when `email` was forgotten (cheap when nobody was)."""
    if conn.execute("SELECT 1 FROM suppressions LIMIT 1").fetchone() is None:
        return False
    key = existing_key(conn, SUPPRESSION_KEY)
    return key is not None and (
        conn.execute(
            "SELECT 1 FROM suppressions WHERE hash = ?", (suppression_hash(key, email),)
        ).fetchone()
        is not None
    )


def forget(conn: Connection, email: str, *, now: str | None = None) -> int:
    """Erase every row about `email` and keep its hash; return how many rows were erased."""
    key = stored_key(conn, SUPPRESSION_KEY)
    erased = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table in ADDRESS_TABLES:
            erased += conn.execute(f"DELETE FROM {table} WHERE email = ?", (email,)).rowcount
        conn.execute(
            "INSERT OR IGNORE INTO suppressions (hash, at) VALUES (?, ?)",
            (suppression_hash(key, email), now or utc_now()),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return erased


def unforget(conn: Connection, email: str) -> None:
    """Lift the suppression of `email`: the reader confirmed a new sign-up themselves."""
    key = existing_key(conn, SUPPRESSION_KEY)
    if key is not None:
        conn.execute("DELETE FROM suppressions WHERE hash = ?", (suppression_hash(key, email),))
