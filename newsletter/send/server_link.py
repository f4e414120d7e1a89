"""One connection to the PostgreSQL server that is opened again after it is lost.

The shared journal's outcome committer writes on one (outcome_committer.py); the journal's
own statements run on another.  Losing a connection (the server restarting, a failover) is
not an error of the statement: `PostgresJournal._patiently` opens the link again and runs
the statement again, for the journal's patience.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.subscribers.postgres import connect_postgres

FIRST_PAUSE, LONGEST_PAUSE = 0.2, 2.0  # seconds between reconnection attempts
CONNECTION_LOST = (
    psycopg.errors.AdminShutdown,
    psycopg.errors.CrashShutdown,
    psycopg.errors.CannotConnectNow,
)


class ServerLink:
    """A connection of its own, opened when first needed and opened again after it is lost."""

    def __init__(self, server: PostgresUrl) -> None:
        self.server = server
        self.conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def raw(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The open connection (opened now if it is not)."""
        if self.conn is None or self.conn.closed:
            try:
                self.conn = connect_postgres(self.server)
            except NewsletterError as e:  # down: a lost connection, waited out by _patiently
                raise psycopg.OperationalError(str(e)) from None
        return self.conn

    def lost(self, e: psycopg.Error) -> bool:
        """Did `e` come from a connection that is gone (rather than from the statement)?"""
        conn = self.conn
        return conn is None or conn.closed or conn.broken or isinstance(e, CONNECTION_LOST)

    def renew(self) -> None:
        """Close the connection; the next `raw()` opens a new one."""
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
        self.conn = None


def stopped_by_timeout(error: psycopg.Error) -> bool:
    """A statement stopped by the server's statement_timeout or lock_timeout (a lock held
    elsewhere, a busy server): waited out like a lost connection, since every statement of
    the journal may run again (a write is an upsert; a claim, a transaction rolled back)."""
    if isinstance(error, psycopg.errors.LockNotAvailable):
        return True
    return isinstance(error, psycopg.errors.QueryCanceled) and "statement timeout" in str(error)
