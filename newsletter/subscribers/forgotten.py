"""The store's policy on forgotten addresses: nothing about them is written again, by any path.

`subscribers forget` (suppression.py) erases an address and keeps only its keyed hash.
From then on the database itself refuses the address: every connection `open_database`
makes carries triggers that skip any row naming a forgotten address in a table that holds
addresses (`ADDRESS_TABLES`), whichever code writes it: an add or an import, an
unsubscribe (CLI, link, mailed, complaint), a bounce, a journal entry, a consent record, a
sign-up.  So no caller has to remember the rule, and a new one cannot forget it.

The one way back is the reader's own confirmed sign-up.  A sign-up waiting for its
confirmation stores a forgotten address sealed with the confirmation token (`seal_address`),
which only the link in the reader's mailbox holds, so the pending row is no plain-text trace
either; confirming opens it (`open_address`), lifts the suppression and adds the reader.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3

SUPPRESSION_KEY = "suppression"  # hashes forgotten addresses; never overridden, never rotated

# Every table holding an address in an `email` column: what `forget` erases and the guard covers.
ADDRESS_TABLES = (
    "subscribers",
    "unsubscribes",
    "deliveries",
    "consents",
    "signups",
    "soft_bounces",
    "status_reasons",
)

_SEALED = "sealed:"
_HASH_FUNCTION = "newsletter_suppression_hash"


def suppression_hash(key: bytes, email: str) -> str:
    """The keyed hash an address is remembered by once forgotten."""
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def guard_forgotten(conn: sqlite3.Connection) -> None:
    """Make `conn` skip every write of a forgotten address to any of ADDRESS_TABLES.

    TEMP triggers live with the connection (nothing is added to the file's schema, so an
    older version opening the database is unaffected). Each costs one look at an empty
    table per row while nobody has been forgotten.
    """

    def hashed(key: bytes | None, email: str | None) -> str | None:
        return suppression_hash(bytes(key), email) if key is not None and email else None

    conn.create_function(_HASH_FUNCTION, 2, hashed, deterministic=True)
    forgotten = (
        "EXISTS (SELECT 1 FROM main.suppressions) AND EXISTS (SELECT 1 FROM main.suppressions"
        f" WHERE hash = {_HASH_FUNCTION}((SELECT key FROM main.signing_keys"
        f" WHERE name = '{SUPPRESSION_KEY}'), NEW.email))"
    )
    for table in ADDRESS_TABLES:
        for event in ("INSERT", "UPDATE OF email"):
            name = f"forgotten_{table}_{event.split()[0].lower()}"
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS {name} BEFORE {event} ON main.{table}"
                f" WHEN {forgotten} BEGIN SELECT RAISE(IGNORE); END"
            )


def seal_address(token: str, email: str) -> str:
    """`email` encrypted with a key only `token` gives: what a pending sign-up of a forgotten
    address stores instead of the address."""
    data = email.encode()
    return _SEALED + base64.urlsafe_b64encode(_xor(data, _stream(token, len(data)))).decode()


def open_address(token: str, stored: str) -> str:
    """The address a pending sign-up stands for: `stored` itself, or unsealed with `token`."""
    if not stored.startswith(_SEALED):
        return stored
    data = base64.urlsafe_b64decode(stored[len(_SEALED) :])
    return _xor(data, _stream(token, len(data))).decode(errors="replace")


def _stream(token: str, size: int) -> bytes:
    return hashlib.shake_256(b"newsletter-signup-seal:" + token.encode()).digest(size)


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))
