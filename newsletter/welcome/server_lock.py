"""The welcome lock on a PostgreSQL server: a session-level advisory lock (locks.py says why).

Its own module so that a list kept in a SQLite file never loads psycopg for its welcomes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import DeliveryError
from newsletter.subscribers.postgres import connect_postgres, server_words, statement_error

# pg_try_advisory_lock's key for the welcome sender (b"nwslwelc" as a signed 64-bit integer);
# the schema (postgres_schema.py) and bounces (bounces/intake.py) use keys of their own.
WELCOME_LOCK = int.from_bytes(b"nwslwelc", "big", signed=True)


class LostWelcomeLock(DeliveryError):
    """The session holding the welcome lock on the server is gone: stop sending."""


class ServerHold:
    """The advisory lock, held by the session of `conn` (never re-opened); a
    locks.WelcomeHold."""

    def __init__(self, conn: psycopg.Connection[Any], where: str) -> None:
        self._conn = conn
        self._where = where

    def check(self) -> None:
        """LostWelcomeLock when the server's session holding the lock has ended.

        A session-level advisory lock lasts as long as its session, and this connection is
        never re-opened: while it answers, the lock is still ours."""
        try:
            self._conn.execute("SELECT 1").fetchone()
        except psycopg.Error as e:
            cause = server_words(e)
            raise LostWelcomeLock(
                f"{self._where}: lost the welcome lock ({cause}); the rest stay pending for "
                "the next round"
            ) from None


@contextlib.contextmanager
def server_lock(server: PostgresUrl, wait: float, poll: float) -> Iterator[ServerHold | None]:
    """Hold the advisory lock (a ServerHold), or yield None when another session kept it
    `wait` seconds."""
    conn = connect_postgres(server)  # one line when the server cannot be reached
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(conn, server):
            if time.monotonic() >= deadline:
                yield None
                return
            time.sleep(poll)
        try:
            yield ServerHold(conn, server.where)
        finally:
            # Unlocked before closing: a closed connection's backend frees its locks as it
            # exits, a moment after close() returns; the next round (this process's own) would
            # find the lock still held and leave its welcomes to nobody.
            with contextlib.suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(%s)", (WELCOME_LOCK,))
    finally:
        with contextlib.suppress(psycopg.Error):
            conn.close()  # ending the session frees the lock, whatever happened


def _try_lock(conn: psycopg.Connection[Any], server: PostgresUrl) -> bool:
    try:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (WELCOME_LOCK,)).fetchone()
    except psycopg.Error as e:
        raise statement_error(server, e) from None
    return bool(row and row[0])
