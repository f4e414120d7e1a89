"""serve's connections to PostgreSQL: one per database thread, made again after a loss.

Each worker process runs its database calls on `THREADS` threads (never on the event
loop), each with a connection of its own: a commit waits for the server's disk, and commits
waiting at once are flushed together, so a worker is not held to one commit per disk flush
(SQLite's commits in WAL mode do not wait for the disk; PostgreSQL's do, as they should for
an unsubscribe).  Serve logs in once before listening (the schema upgrade), so a refused
login is one line at startup; the threads connect on their first call.

When PostgreSQL restarts, fails over or is down, a call fails with `DatabaseDown` (the
request is answered 503 with Retry-After) and, since every change is one transaction,
nothing was changed.  The next call that begins a transaction connects again;
while the server stays down, each such call fails at once with `DatabaseDown`, bounded by
`CONNECT_SECONDS`.  A statement that waits too long for a row lock (another worker, a
`bounces process`) is stopped by `lock_timeout` and answered 503 the same way, as is a write
the server refuses as read-only (a standby, the old primary after a failover) or for a full
disk.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.subscribers.postgres import (
    NoSlotLeft,
    PostgresConnection,
    connect_postgres,
    server_words,
)

THREADS = 8  # database threads per worker, each with its connection: commits wait together
CONNECT_SECONDS = 3  # a reconnection attempt while serving gives up after this
LOCK_MS = 5_000  # the most a statement waits for a row lock (the SQLite busy timeout's twin)
STATEMENT_MS = 10_000  # the most any one statement runs
# The most a call waits for any answer from the server: past its own statement_timeout, so
# only a server (or network) that went silent reaches it (it held a thread for ever: 8 such
# requests and the worker answered nothing that needs the database).
ANSWER_SECONDS = STATEMENT_MS / 1000 + 5


# Seconds between logins while the server has no slot for us: doubled after each refusal up
# to SLOT_PAUSE_MOST, shared by the worker's threads (one login a pause, not one a thread
# every 0.1 s: 8 threads of each worker hammered a full server with logins), and back to
# none once a login succeeds. A connection another call gives back ends the wait at once.
SLOT_PAUSE = 0.1
SLOT_PAUSE_MOST = 1.0

# What a call answers 503 for: the server gone or restarting, a lock or statement timeout, a
# full disk (all OperationalError), or a standby refusing the write (25006, read-only: a
# failover under way, which the next try may find done).
_UNAVAILABLE = (psycopg.OperationalError, psycopg.errors.ReadOnlySqlTransaction)


class DatabaseDown(Exception):
    """PostgreSQL could not be reached or stopped the call; nothing was changed.
    `no_slot`: it answered that it has no connection slot left for us (NoSlotLeft)."""

    def __init__(self, text: str, *, no_slot: bool = False) -> None:
        super().__init__(text)
        self.no_slot = no_slot


class ServerLink(PostgresConnection):
    """A PostgresConnection with a server connection for each thread that uses it (the
    worker's database threads, `THREADS` of them), made on the thread's first call and made
    again at the next BEGIN after it was lost.

    A database thread's call leases one (`leased`): an idle one, or a new one, or, when the
    server has no connection left for us (a small server, a role's CONNECTION LIMIT, other
    hosts), the next one another call gives back, within the call's deadline.  Without that, a
    thread that could never connect answered 503 to every call it took: with 3 connections
    allowed, 4 in 10 one-clicks."""

    def __init__(self, server: PostgresUrl) -> None:
        self._local = threading.local()
        self._lock = threading.Condition()
        self._open: list[psycopg.Connection[tuple[Any, ...]]] = []
        self._idle: list[psycopg.Connection[tuple[Any, ...]]] = []
        self.server = server
        self._slot_pause = 0.0  # seconds to wait after a login refused for want of a slot
        self._slot_at = 0.0  # (monotonic) when the next login may try for one
        self._slot_refused = ""  # the refusal's line, for a call whose deadline passes waiting
        self._probing = False  # a thread is trying the pause's one login

    @contextlib.contextmanager
    def leased(self, deadline: float) -> Iterator[None]:
        """This thread's connection for one call, given back after it (see the class)."""
        self._local.conn = self._take(deadline)
        try:
            yield
        finally:
            conn, self._local.conn = self._local.conn, None
            self._give_back(conn)

    def _take(self, deadline: float) -> psycopg.Connection[tuple[Any, ...]]:
        while True:
            with self._lock:
                conn = self._waiting_for_slot(deadline)
                if conn is not None:
                    return conn
                probe = self._slot_pause > 0  # the one login of this pause
                if probe:
                    self._probing = True
            try:
                conn = self._connect()
            except DatabaseDown as e:
                if not e.no_slot:
                    self._slot_refusal(probe, "")
                    raise
                # No slot for us: wait for another call's connection, or for a slot another
                # client (a host, a backend still exiting) frees, until the call's deadline.
                self._slot_refusal(probe, str(e))
                if deadline - time.monotonic() <= 0:
                    raise
                continue
            with self._lock:
                self._slot_pause, self._probing = 0.0, False
                self._lock.notify_all()  # the server had room: the others may log in too
            return conn

    def _waiting_for_slot(self, deadline: float) -> psycopg.Connection[tuple[Any, ...]] | None:
        """An idle connection, waiting for one while a refused login's pause runs or another
        thread tries the pause's one login; None: this thread logs in. Holding the lock."""
        while True:
            while self._idle:
                conn = self._idle.pop()
                if not _lost(conn):
                    return conn
                self._forget(conn)
            now = time.monotonic()
            if now >= self._slot_at and not self._probing:
                return None
            if now >= deadline:
                raise DatabaseDown(self._slot_refused)
            wake = self._slot_at if now < self._slot_at else deadline
            self._lock.wait(min(wake, deadline) - now)

    def _slot_refusal(self, probe: bool, line: str) -> None:
        """After a login failed: when for want of a slot (`line`), the next pause (doubled
        after the pause's own login, SLOT_PAUSE after the first refusals)."""
        with self._lock:
            now = time.monotonic()
            if line and (probe or now >= self._slot_at):  # logins begun together: one pause
                self._slot_pause = min(SLOT_PAUSE_MOST, 2 * self._slot_pause or SLOT_PAUSE)
                self._slot_at = now + self._slot_pause
                self._slot_refused = line
            if probe:
                self._probing = False
                self._lock.notify_all()

    def _give_back(self, conn: psycopg.Connection[tuple[Any, ...]] | None) -> None:
        if conn is None:
            return
        idle = not _lost(conn) and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        with self._lock:
            if not idle:
                self._forget(conn)
                return
            self._idle.append(conn)
            self._lock.notify()

    @property  # one per thread, where PostgresConnection has one attribute
    def raw(self) -> psycopg.Connection[tuple[Any, ...]]:  # type: ignore[override]
        conn: psycopg.Connection[tuple[Any, ...]] | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @property
    def in_transaction(self) -> bool:
        conn = getattr(self._local, "conn", None)
        return conn is not None and not _lost(conn) and super().in_transaction

    def execute(
        self, sql: str, parameters: Sequence[Any] = (), /
    ) -> psycopg.Cursor[tuple[Any, ...]]:
        conn = self.raw
        if _lost(conn):
            if sql.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
                raise DatabaseDown(f"{self.server.where}: the connection was lost mid-call")
            self._forget(conn)
            self._local.conn = None
            conn = self.raw
        try:
            return super().execute(sql, parameters)
        except _UNAVAILABLE as e:  # gone, restarting, a timeout, a full disk, read-only
            raise DatabaseDown(f"{self.server.where}: {server_words(e)}") from e

    def close(self) -> None:
        """Close every thread's connection (the threads are done with them)."""
        with self._lock:
            for conn in self._open:
                conn.close()
            self._open.clear()
            self._idle.clear()

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        conn = _connect(self.server)
        with self._lock:
            self._open.append(conn)
        return conn

    def _forget(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        conn.close()
        with self._lock:
            if conn in self._open:
                self._open.remove(conn)
            if conn in self._idle:
                self._idle.remove(conn)


def _lost(conn: psycopg.Connection[tuple[Any, ...]]) -> bool:
    return conn.closed or conn.broken


def _connect(server: PostgresUrl) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection with the server's timeouts set, or DatabaseDown saying why not."""
    url = server
    if "connect_timeout=" not in server.url:
        joiner = "&" if "?" in server.url else "?"
        url = PostgresUrl(f"{server.url}{joiner}connect_timeout={CONNECT_SECONDS}")
    try:
        conn = connect_postgres(url, answer_seconds=ANSWER_SECONDS)
    except NewsletterError as e:
        raise DatabaseDown(str(e), no_slot=isinstance(e, NoSlotLeft)) from None
    try:
        conn.execute(f"SET lock_timeout = {LOCK_MS}")
        conn.execute(f"SET statement_timeout = {STATEMENT_MS}")
    except psycopg.OperationalError as e:
        conn.close()
        raise DatabaseDown(f"{server.where}: {server_words(e)}") from e
    return conn
