"""The server's connection to PostgreSQL: one per worker, reconnecting after the server went away.

`newsletter serve` keeps one connection per worker process (its database thread uses it,
never the event loop).  When PostgreSQL restarts, fails over or is down, a call fails with
`DatabaseDown` (the request is answered 503 with Retry-After) and, since every change is one
transaction, nothing was changed.  The next call that begins a transaction connects again;
while the server stays down, each such call fails at once with `DatabaseDown`, bounded by
`CONNECT_SECONDS`.  A statement that waits too long for a row lock (another worker, a
`bounces process`) is stopped by `lock_timeout` and answered 503 the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.subscribers.postgres import PostgresConnection, connect_postgres

CONNECT_SECONDS = 3  # a reconnection attempt while serving gives up after this
LOCK_MS = 5_000  # the most a statement waits for a row lock (the SQLite busy timeout's twin)
STATEMENT_MS = 10_000  # the most any one statement runs


class DatabaseDown(Exception):
    """PostgreSQL could not be reached or stopped the call; nothing was changed."""


class ServerLink(PostgresConnection):
    """A PostgresConnection that connects again at the next BEGIN after losing the server."""

    def __init__(self, server: PostgresUrl) -> None:
        super().__init__(_connect(server, first=True), server)

    @property
    def in_transaction(self) -> bool:
        return not self._lost() and super().in_transaction

    def execute(
        self, sql: str, parameters: Sequence[Any] = (), /
    ) -> psycopg.Cursor[tuple[Any, ...]]:
        if self._lost():
            if sql.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
                raise DatabaseDown(f"{self.server.where}: the connection was lost mid-call")
            self.raw.close()
            self.raw = _connect(self.server)
        try:
            return super().execute(sql, parameters)
        except psycopg.OperationalError as e:  # gone, restarting, a lock or statement timeout
            raise DatabaseDown(f"{self.server.where}: {' '.join(str(e).split())[:200]}") from e

    def _lost(self) -> bool:
        return self.raw.closed or self.raw.broken


def _connect(server: PostgresUrl, *, first: bool = False) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection with the server's timeouts set; at startup one line, later DatabaseDown."""
    url = server
    if not first and "connect_timeout=" not in server.url:
        joiner = "&" if "?" in server.url else "?"
        url = PostgresUrl(f"{server.url}{joiner}connect_timeout={CONNECT_SECONDS}")
    try:
        conn = connect_postgres(url)
    except NewsletterError as e:
        if first:
            raise
        raise DatabaseDown(str(e)) from None
    try:
        conn.execute(f"SET lock_timeout = {LOCK_MS}")
        conn.execute(f"SET statement_timeout = {STATEMENT_MS}")
    except psycopg.OperationalError as e:
        conn.close()
        raise DatabaseDown(f"{server.where}: {' '.join(str(e).split())[:200]}") from e
    return conn
