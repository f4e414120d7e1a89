"""Random keys kept in newsletter.db, made on first use: the sender and the server share them.

`stored_key(conn, name)` returns the key called `name`, creating it (32 random
bytes) the first time.  Two processes racing to create it agree on one: the
insert is `OR IGNORE` and both read back what was stored.
"""

from __future__ import annotations

import os

from newsletter.subscribers.connection import Connection
from newsletter.subscribers.database import utc_now
from newsletter.subscribers.forgotten import SUPPRESSION_KEY

__all__ = ["SUPPRESSION_KEY", "UNSUBSCRIBE_KEY", "existing_key", "stored_key"]

UNSUBSCRIBE_KEY = "unsubscribe"  # signs each reader's unsubscribe token (env var overrides it)


def stored_key(conn: Connection, name: str) -> bytes:
    """The key called `name`, made (32 random bytes) and committed on first use."""
    row = conn.execute("SELECT key FROM signing_keys WHERE name = ?", (name,)).fetchone()
    if row is not None:
        return bytes(row[0])
    conn.execute(
        "INSERT OR IGNORE INTO signing_keys (name, key, created) VALUES (?, ?, ?)",
        (name, os.urandom(32), utc_now()),
    )
    return bytes(conn.execute("SELECT key FROM signing_keys WHERE name = ?", (name,)).fetchone()[0])


def existing_key(conn: Connection, name: str) -> bytes | None:
    """The key called `name` if it was ever made, else None (nothing is created)."""
    row = conn.execute("SELECT key FROM signing_keys WHERE name = ?", (name,)).fetchone()
    return bytes(row[0]) if row else None
