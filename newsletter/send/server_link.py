"""One connection to the PostgreSQL server that is opened again after it is lost.

The shared journal's outcome committer writes on one (outcome_committer.py); the journal's
own statements run on another.  Losing a connection (the server restarting, a failover) is
not an error of the statement: `PostgresJournal._patiently` opens the link again and runs
the statement again, for the journal's patience.
"""

from __future__ import annotations

import contextlib
import math
import mmap
import re
import select
import struct
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import pq

from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.subscribers.postgres import (
    ANSWER_SECONDS,
    NO_ANSWER,
    LoginRefused,
    connect_postgres,
)

FIRST_PAUSE, LONGEST_PAUSE = 0.2, 2.0  # seconds between reconnection attempts
CONNECTION_LOST = (
    psycopg.errors.AdminShutdown,
    psycopg.errors.CrashShutdown,
    psycopg.errors.CannotConnectNow,
)


class OutageClock:
    """When the server was first found gone in the present outage, shared by a send's
    processes: anonymous shared memory made at import, before any worker is forked.

    Every wait for the server (each statement's, in each worker process and in the parent)
    ends at that start plus the journal's patience: one deadline for the outage, not one per
    statement (a new user watched a send wait 120 s for each of six statements in turn), and
    the parent's progress line reads it to say the send waits for the database.  The clock is
    monotonic, which Linux keeps one for the whole machine, so the processes' times compare.
    A statement that succeeds ends the outage."""

    _FORMAT = "ddd"  # the outage's start (0: none), its patience, 1 after a Ctrl-C

    def __init__(self) -> None:
        self._cells = mmap.mmap(-1, struct.calcsize(self._FORMAT))
        self._start = memoryview(self._cells).cast("d")  # the cells as doubles: `ended` reads
        # the first once per statement, so it costs no struct call (py-spy: 1.5% of a sender)

    def began(self, patience: float) -> float:
        """The server is gone: when this outage began (now, if no process saw it before)."""
        start, _, _ = struct.unpack_from(self._FORMAT, self._cells)
        if not start:
            start = time.monotonic()
            struct.pack_into("dd", self._cells, 0, start, patience)
        return float(start)

    def ended(self) -> None:
        """The server answered: no outage."""
        if self._start[0]:
            struct.pack_into("dd", self._cells, 0, 0.0, 0.0)

    def waited(self) -> tuple[float, float] | None:
        """Seconds waited so far in the present outage, and of how many; None: no outage."""
        start, patience, _ = struct.unpack_from(self._FORMAT, self._cells)
        return None if not start else (time.monotonic() - start, patience)

    def interrupt(self) -> None:
        """The send was interrupted (Ctrl-C): none of its processes waits for the server."""
        struct.pack_into("d", self._cells, 16, 1.0)

    def interrupted(self) -> bool:
        return bool(struct.unpack_from("d", self._cells, 16)[0])

    def reset(self) -> None:
        """A new send (in the parent, before any worker is forked)."""
        struct.pack_into(self._FORMAT, self._cells, 0, 0.0, 0.0, 0.0)


OUTAGE = OutageClock()


class ServerLink:
    """A connection of its own, opened when first needed and opened again after it is lost."""

    def __init__(self, server: PostgresUrl, *, setup: str = "", session: str = "") -> None:
        self.server = server
        self.conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._prepared: set[bytes] = set()  # statements prepared on `conn`, by name
        self._setup = setup  # run on each new connection (disk_fence.ASYNC)
        self._session_query = session  # read on each new connection (disk_fence.SESSION)
        self.session = ""  # what `session` read on the open connection
        self.round_trip: float | None = None  # the shortest first round trip of a connection

    def raw(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The open connection (opened now if it is not)."""
        if self.conn is None or self.conn.closed:
            try:
                conn = connect_postgres(self.server)
            except LoginRefused:
                raise  # answered and refused: no wait mends it (shared_journal._patiently)
            except NewsletterError as e:  # down: a lost connection, waited out by _patiently
                raise psycopg.OperationalError(str(e)) from None
            self._prepared = set()  # a new session: nothing is prepared on it yet
            self.conn, self.session = conn, ""
            if self._setup:
                conn.execute(self._setup)
            began = time.monotonic()  # one round trip, timed: how near the server is
            row = conn.execute(self._session_query or "SELECT ''").fetchone()
            took = time.monotonic() - began
            self.round_trip = took if self.round_trip is None else min(self.round_trip, took)
            if self._session_query:
                self.session = str(row[0]) if row else ""
        return self.conn

    def run_prepared(self, statement: Prepared, params: Sequence[str]) -> bytes | None:
        """Run `statement` (prepared on this connection at its first use) with text
        parameters, straight through libpq: the first column of its first row, as the
        server's text (None: no row, or NULL).  A refusal or a lost connection raises the
        psycopg error psycopg's own execute would (`lost` and `_patiently` read it alike).

        The outcome committer's statement runs once per commit: psycopg's execute (its
        query conversion, its cache of prepared statements, its cursor and result
        handling) was most of the Python a sender spent per commit (py-spy); libpq's
        calls release the interpreter's lock while they wait, as psycopg's do."""
        conn = self.raw()
        self._prepare(conn, statement)
        pgconn = conn.pgconn
        pgconn.send_query_prepared(statement.name, [p.encode() for p in params])
        return _first_value(_answers(conn))

    def send_prepared(self, statement: Prepared, params: Sequence[str]) -> None:
        """Send `statement` as `run_prepared` runs it, and return without its answer: the
        server runs (and, in autocommit, commits) it while the caller does something else;
        `answer` reads what it said.  Nothing else may use the connection in between."""
        conn = self.raw()
        self._prepare(conn, statement)
        pgconn = conn.pgconn
        pgconn.send_query_prepared(statement.name, [p.encode() for p in params])
        if pgconn.flush():  # libpq in blocking mode sends it all at once; 1: some left
            raise psycopg.OperationalError("the statement could not be sent whole")

    def answer(self) -> bytes | None:
        """The answer to the statement `send_prepared` sent, waited for with the
        interpreter's lock released, at most the connection's answer limit (`_answers`): as
        `run_prepared` returns it."""
        conn = self.conn
        if conn is None or conn.closed:
            raise psycopg.OperationalError("the connection was lost")
        return _first_value(_answers(conn))

    def _prepare(self, conn: psycopg.Connection[tuple[Any, ...]], statement: Prepared) -> None:
        """Prepare `statement` on `conn` unless it is already, its answer waited for as
        `_answers` waits."""
        if statement.name not in self._prepared:
            conn.pgconn.send_prepare(statement.name, statement.sql)
            _answers(conn)
            self._prepared.add(statement.name)

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
        self._prepared = set()
        self.session = ""


class Prepared:
    """A statement for `ServerLink.run_prepared`: psycopg's `%s` placeholders as libpq's
    `$1`, `$2`… (the statement holds no other `%`), under a name of its own."""

    def __init__(self, name: str, sql: str) -> None:
        numbers = iter(range(1, sql.count("%s") + 1))
        self.name = name.encode()
        self.sql = re.sub("%s", lambda _: f"${next(numbers)}", sql).encode()


_ANSWERED = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
_COPYING = (pq.ExecStatus.COPY_OUT, pq.ExecStatus.COPY_IN, pq.ExecStatus.COPY_BOTH)


def _answers(conn: psycopg.Connection[tuple[Any, ...]]) -> list[pq.abc.PGresult]:
    """Every result of the statement sent on `conn`, checked (`_checked`), read as it comes:
    what has arrived at once, else after waiting for the socket, the interpreter's lock
    released, for at most the connection's answer limit (postgres.ANSWER_SECONDS).  Past
    it the connection is closed and the wait raises the psycopg error a lost connection
    does, so the journal waits for the server as for one gone (`_patiently`).

    libpq's own blocking calls (PQprepare, PQexecPrepared, a PQgetResult waiting for the
    end of an answer) wait for ever: a server that froze mid-send (a host or virtual machine
    paused, a network cut without a reset, a proxy holding the statement) held the
    committer, and with it the send, until TCP's keepalive gave up two hours later."""
    pgconn = conn.pgconn
    limit = float(getattr(conn, "answer_seconds", ANSWER_SECONDS))
    deadline = 0.0
    results: list[pq.abc.PGresult] = []
    while True:
        pgconn.consume_input()  # what has arrived, read without waiting
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                if not results:
                    raise psycopg.OperationalError("the server sent no answer")
                for each in results:
                    _checked(each, pgconn)
                return results
            results.append(result)
            if result.status in _COPYING:  # never asked for: get_result would never end
                pgconn.finish()
                raise psycopg.OperationalError("the server answered with a COPY it was not asked")
        now = time.monotonic()
        deadline = deadline or now + limit
        if now >= deadline or not _readable(pgconn.socket, deadline - now):
            pgconn.finish()  # mid-statement: the connection cannot be used again
            raise psycopg.OperationalError(f"{NO_ANSWER} in {limit:g} s")


def _readable(socket: int, seconds: float) -> bool:
    """Has `socket` something to read within `seconds`?  poll, not select: select refuses a
    descriptor past 1,023, which a sender with many connections open may well be given."""
    poller = select.poll()
    poller.register(socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(max(0, math.ceil(seconds * 1000))))


def _first_value(results: list[pq.abc.PGresult]) -> bytes | None:
    """The first column of the first row of the first result, as the server's text."""
    result = results[0]
    if result.ntuples == 0 or result.nfields == 0:
        return None
    value: bytes | None = result.get_value(0, 0)
    return value


def _checked(result: pq.abc.PGresult, pgconn: pq.abc.PGconn) -> pq.abc.PGresult:
    """`result`, or the psycopg error it carries (a refusal, or the connection lost)."""
    if result.status in _ANSWERED:
        return result
    if pgconn.status == pq.ConnStatus.BAD and not result.error_field(
        pq.DiagnosticField.SQLSTATE
    ):  # the server went away mid-statement: libpq's own words, no SQLSTATE
        raise psycopg.OperationalError(result.get_error_message() or "the connection was lost")
    raise psycopg.errors.error_from_result(result)


def stopped_by_timeout(error: psycopg.Error) -> bool:
    """A statement stopped by the server's statement_timeout or lock_timeout (a lock held
    elsewhere, a busy server), or cancelled: waited out like a lost connection, since every
    statement of the journal may run again (a write is an upsert; a claim, a transaction
    rolled back).

    Any cancel (SQLSTATE 57014), not only one worded "statement timeout": the server's
    timer stops a statement by signalling its own backend, and when that signal lands after
    the statement's last check for it, the next statement on the connection is the one
    stopped, worded "canceling statement due to user request" (the next statement reset the
    timeout's flag).  No client asked: on a loaded server with statement_timeout 2 ms, 3 of
    875,000 upserts failed so with no cancel request in the server's log, and a send under
    an administrator's statement_timeout stopped on one as "the database refused it"."""
    return isinstance(error, (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled))


def cancelled_by_request(error: psycopg.Error) -> bool:
    """A cancel not worded as a timeout: pg_cancel_backend, a client's cancel, or a
    statement_timeout's signal that landed on the next statement (`stopped_by_timeout`)."""
    return isinstance(error, psycopg.errors.QueryCanceled) and "timeout" not in str(error)
