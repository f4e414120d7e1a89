"""The delivery journal: each recipient's state for each issue, in newsletter.db.

A row per (issue, address): `sent` (with its Message-ID), `failed` (with the
last error), `pending` (tried, to be tried again) or `unknown` (the message
went out but the relay's reply was lost: never re-sent unless the editor asks,
`--resend-unknown`).  Rows are written by one connection shared by the
sender's threads under a lock, each in its own transaction committed right
after the server's reply: a killed send loses nothing, and a re-run skips
everyone already sent.  Active subscribers without a row are pending too:
nobody has tried them yet.

A write that finds the database busy (an import commits a batch every
quarter of a second, another worker process commits its own messages) waits and tries again
for `patience` seconds: first after a tenth of a millisecond, doubling up to
20 ms.  The journal does this waiting itself (its connection's own busy
timeout is off): SQLite's would sleep a whole millisecond or more at the first
conflict, and two worker processes committing thousands of messages a second
conflict often, each time for a few microseconds.  One that still fails
(disk full, I/O error) raises `JournalWriteError`, one line naming the
database and the cause; the sender then stops and saves what it could not
record in a recovery file (recovery.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from newsletter.control_chars import shown_safely
from newsletter.errors import DeliveryError, display_path
from newsletter.file_lock import held_lock
from newsletter.mail.personalize import Recipient
from newsletter.stored_text import storable_text
from newsletter.subscribers.connection import Connection, delivery_key, same_address
from newsletter.subscribers.database import is_busy, open_database, utc_now
from newsletter.subscribers.status_reasons import is_bad_address, refusal_reason
from newsletter.subscribers.store import SubscriberStore

# The latest issues before this one a relay's 5.1.x is looked for in (refused_before): a
# reader none of them reached is asked afresh.
EARLIER_ISSUES = 8

T = TypeVar("T")

PATIENCE = 120.0  # seconds a journal write keeps trying while the database is busy
FRESH_FOR = 1.0  # seconds a batch of the list is used before the rest is read again
FIRST_PAUSE, LONGEST_PAUSE = 0.0001, 0.02  # seconds between tries: doubling from, up to
CLOSE_WAIT = 1.0  # seconds close() waits for a sender thread to finish its call on the connection


# A row's error from the final `.` of a message until the relay's reply is recorded over it
# (SendOptions.in_flight_unknown): if the sender dies in between, the row stays unknown.
HANDED_OVER = "outcome unknown: the sender stopped after handing the message to the relay"

UNREACHABLE = "the database was unreachable for"  # how a JournalWriteError names a server gone
# How it names a login the server refused when the send reconnected (postgres.LoginRefused)
REFUSED_LOGIN = "the server refused the login when the send reconnected"


def refused_login(where: str, refusal: Exception) -> str:
    """What follows `where: ` in the line for a login refused on reconnecting: REFUSED_LOGIN
    and the login's own words and fix (postgres.LoginRefused says `where: cannot connect…`)."""
    return REFUSED_LOGIN + str(refusal).removeprefix(f"{where}: cannot connect")


class JournalWriteError(DeliveryError):
    """The journal cannot be written (disk full, I/O error, busy for too long)."""


class LeaseLost(DeliveryError):
    """The server saw this sender's lease run out: the other senders may have taken its
    readers, so it sends nothing more (its outcomes so far are recorded)."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A recipient the server refused, and why."""

    email: str
    reason: str
    attempts: int


@dataclass(frozen=True, slots=True)
class JournalCounts:
    """Where the send of one issue stands."""

    issue_id: str
    sent: int
    unsent: int  # active subscribers not sent yet: what a run would try
    failed: int  # of those, refused for good or out of attempts last time
    retrying: int  # of those, refused for now, to be tried again
    unknown: int  # the message went out, the reply was lost: not in `unsent`, never re-sent
    inactive: int  # unsubscribed or bounced, and never mailed this issue
    last_activity: str  # "" before the first attempt
    failures: tuple[Failure, ...]  # the first few
    reasons: tuple[tuple[str, int], ...]  # failure reasons, most common first
    unknowns: tuple[tuple[str, str], ...] = ()  # the first few (address, Message-ID) to look up


@dataclass(frozen=True, slots=True)
class SenderShare:
    """One sender of an issue, and what it has done (`send --status`)."""

    sender_id: str
    host: str
    pid: int
    started: str
    state: str  # sending | finished | gone (its lease ran out: killed, or cut off)
    claimed: int
    sent: int
    failed: int
    unknown: int


def host_name(machine: str, workspace: str, folder: str = "") -> str:
    """The host a sender registers: the machine's name, its workspace's id and the folder the
    id stands for (`vm (workspace 3f9a1c2b, /home/ed/letters)`), so that `--status` can say
    which of two folders on one machine is which (until 6 December only that folder's
    postgresql-send.host said it)."""
    return f"{machine} (workspace {workspace}{', ' if folder else ''}{folder})"


_HOST = re.compile(r"(?s)(.*?) \(workspace (\w+)(?:, .*)?\)")


def machine_of(host: str) -> str:
    """The machine's name in a registered host (a sender before workspace ids: all of it)."""
    found = _HOST.fullmatch(host)
    return found.group(1) if found else host


def shown_host(host: str) -> str:
    """A host's name as a terminal may show it: control characters (ESC, BEL: a retitled or
    cleared terminal) escaped as text (`\\x1b`), whole.  A sender's folder is part of it, and
    whoever can write the senders table writes it."""
    return shown_safely(host, 12 * len(host) + 1)  # an escape is at most 10 characters


class DeliveryJournal:
    """Reads the recipients still to mail and records each outcome as it happens."""

    shared = False  # several senders may send this issue at once (PostgreSQL: shared_journal.py)
    batched = False  # record_soon may return before the commit (PostgreSQL: outcome_committer.py)

    def __init__(
        self,
        conn: Connection,
        issue_id: str,
        *,
        path: Path | None = None,
        patience: float = PATIENCE,
    ) -> None:
        self.conn = conn
        self.issue_id = issue_id
        self.path = path
        self.patience = patience
        self._lock = threading.Lock()
        self._earlier: list[str] | None = None  # the other issues the journal holds (read once)
        self._prepare()

    def _prepare(self) -> None:
        """Turn off SQLite's own busy timeout: `_patiently` waits, in finer steps."""
        self.conn.execute("PRAGMA busy_timeout = 0")

    def for_issue(self, issue_id: str) -> DeliveryJournal:
        """The journal of another issue over the same connection (the recovery file's lines)."""
        return DeliveryJournal(self.conn, issue_id, path=self.path)

    def close(self) -> None:
        """Close the connection once no sender thread is inside a call on it.

        A send stopped by a second Ctrl-C returns while a sender thread may still wait inside
        a journal write on a busy database: closing the connection under it crashed the
        process in SQLite (SIGSEGV). If that write does not end within `CLOSE_WAIT`, the
        connection is left for the process's exit to reclaim; the message it was recording
        is in the recovery file, as every message answered but not journaled is.
        """
        if self._lock.acquire(timeout=CLOSE_WAIT):
            try:
                self.conn.close()
            finally:
                self._lock.release()

    def waiting_for_server(self) -> bool:
        """Is the send waiting for its database server to answer again?  Never on SQLite."""
        return False

    def stop_waiting(self) -> None:
        """The send was interrupted (Ctrl-C): wait no longer for a server that is gone.  On
        SQLite nothing is waited for but a busy file, for seconds; PostgreSQL's:
        shared_journal.py."""

    def settle(self, recovery: Any) -> str | None:
        """At a run's end, make sure every recorded outcome is kept; nothing to do here (a
        commit is kept once made).  PostgreSQL's: shared_journal.py, disk_fence.py."""
        return None

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Closed for a while, then opened again: SQLite forbids carrying an open connection
        into a forked process, so the journal lets go of it while worker processes start."""
        if self.path is None:
            raise ValueError("a journal opened without its path cannot be reopened")
        self.conn.close()
        try:
            yield
        finally:
            self.conn = open_database(self.path, create=False)
            self._prepare()

    def unsent(
        self,
        *,
        batch: int = 500,
        limit: int | None = None,
        resend_unknown: bool = False,
        part: tuple[int, int] = (0, 1),
        up_to: int | None = None,
    ) -> Iterator[Recipient]:
        """Active subscribers not yet sent this issue, in list order, read a batch at a time.

        Those whose outcome is unknown are left out unless `resend_unknown`.  `part`
        (k, n): only subscribers whose id is k modulo n, one worker process's share.
        `up_to`: only subscribers whose id is at most this (`last_id()` when the send
        started): the list the editor confirmed, not people an import adds meanwhile.
        A batch is used for `FRESH_FOR` seconds at most (a slow, rate-limited send), then
        the rest is read again: a reader who unsubscribes during a send is not mailed by it
        once that second has passed.
        """
        last, given = 0, 0
        done = "('sent')" if resend_unknown else "('sent', 'unknown')"
        still = _STILL_TO_SEND_IF.format(
            done=done, same=same_address(self.conn, "d.email", "s.email")
        )
        query = _UNSENT.format(still=still)
        k, n = part
        while limit is None or given < limit:
            size = batch if limit is None else min(batch, limit - given)
            with self._lock:  # the writer's threads share this connection
                params = (last, _NO_ID_LIMIT if up_to is None else up_to, n, k, self.issue_id, size)
                rows = self._reading(partial(self._fetch_all, query, params))
            read_at = time.monotonic()
            for number, email, name, fields, first_name in rows:
                if time.monotonic() - read_at > FRESH_FOR:
                    break  # statuses may have changed meanwhile (an unsubscribe): read on anew
                yield Recipient(email, name, json.loads(fields), first_name=first_name)
                given, last = given + 1, number
            else:
                if len(rows) < size:
                    return

    def others_pending(self, up_to: int | None = None) -> int:
        """Readers not yet sent that another living sender holds (none: one sender on SQLite)."""
        return 0

    def say_waiting(self) -> bool:
        """Say, when it is so, that this run waits for readers a sender that stopped renewing
        its lease holds; True if said (only PostgreSQL has other senders)."""
        return False

    def shares(self) -> tuple[SenderShare, ...]:
        """Each sender of the issue and its share (only PostgreSQL has several)."""
        return ()

    def waiting(self, *, limit: int = 500) -> list[tuple[Recipient, int]]:
        """Active subscribers whose row for this issue is `pending`, oldest first, with the
        attempts made so far: a journal whose readers are queued one by one (the welcome,
        newsletter/welcome/) rather than the whole list.  A reader who left since is not."""
        with self._lock:  # the writer's threads share this connection
            rows = self._reading(partial(self._fetch_all, _WAITING, (self.issue_id, limit)))
        return [
            (Recipient(email, name, json.loads(fields), first_name=first_name), attempts)
            for email, name, fields, first_name, attempts in rows
        ]

    def _fetch_all(self, query: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        return self.conn.execute(query, params).fetchall()

    def last_id(self) -> int:
        """The highest subscriber id now (0 for an empty list): where a send's list ends."""
        row = self._reading(
            lambda: self.conn.execute("SELECT coalesce(max(id), 0) FROM subscribers").fetchone()
        )
        return int(row[0])

    def recorded(self, email: str) -> tuple[str, str, str] | None:
        """The journal's status, Message-ID and stamp of this address for the issue (None:
        no row)."""
        query = (
            "SELECT status, message_id, updated FROM deliveries d WHERE d.issue_id = ? AND "
            + same_address(self.conn, "d.email", "?")
        )
        with self._lock:
            row = self._reading(lambda: self.conn.execute(query, (self.issue_id, email)).fetchone())
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]))

    def would_send(self, email: str) -> bool:
        """Is this address active and neither sent nor unknown for the issue (in `unsent`)?"""
        still = _STILL_TO_SEND_IF.format(
            done=_DONE, same=same_address(self.conn, "d.email", "s.email")
        )
        query = f"SELECT 1 FROM subscribers s WHERE s.email = ? AND {still}"
        with self._lock:  # the writer's threads share this connection
            row = self._reading(lambda: self.conn.execute(query, (email, self.issue_id)).fetchone())
        return row is not None

    def record(
        self,
        email: str,
        status: str,
        *,
        attempts: int,
        error: str = "",
        message_id: str = "",
        now: str | None = None,
    ) -> None:
        """Record one outcome (`attempts` more tries), committed before returning.

        JournalWriteError when it cannot be (see the module doc).
        """
        error = storable_text(error)  # a relay's or a socket's words: either backend keeps them
        row = (self.issue_id, email, status, attempts, error, message_id, now or utc_now())
        record = RECORD.format(key=delivery_key(self.conn))
        self._write(lambda: self.conn.execute(record, row))

    def stamp(self) -> str:
        """The `updated` stamp a row written now gets (the sender stamps an accepted outcome
        itself, so that the recovery file's line for it carries the same: recovery.py)."""
        return utc_now()

    def record_soon(
        self,
        email: str,
        status: str,
        *,
        attempts: int,
        error: str = "",
        message_id: str = "",
        now: str | None = None,
    ) -> None:
        """Record one outcome; a `batched` journal may commit it after returning, and
        `wait_recorded` waits for that.  Here it is committed before returning."""
        self.record(email, status, attempts=attempts, error=error, message_id=message_id, now=now)

    def lease_mark(self) -> int:
        """A mark to give `wait_recorded(since=…)` as a reader is given out (a shared journal:
        the server's check of the lease must come after it); here nothing to check."""
        return 0

    def write_ahead(self) -> None:
        """Begin committing this thread's outcomes given to `record_soon` now, to be waited
        for by `wait_recorded` (a shared journal: outcome_committer.py, "Ahead"); here each
        was committed before `record_soon` returned."""

    def wait_recorded(self, since: int | None = None) -> None:
        """Wait until every outcome this thread gave `record_soon` is committed (here: each
        was, before `record_soon` returned).  `since` (a `lease_mark`): a shared journal also
        waits for the server to confirm, after that mark, that this sender's lease is live,
        and raises LeaseLost when it ran out."""

    def mark_bounced(self, email: str, reply: str = "", message_id: str = "") -> None:
        """The address does not exist (a 5.1.x reply): later sends skip the subscriber.

        The reply and the refused message's Message-ID are kept as the reason
        (`subscribers show`).
        """
        now = utc_now()
        reason = refusal_reason(reply, message_id, now)
        self._write(lambda: SubscriberStore(self.conn).mark_bounced(email, now=now, reason=reason))

    def _write(self, write: Callable[[], object]) -> None:
        with self._lock:
            self._patiently(write, "record deliveries")

    def _reading(self, read: Callable[[], T]) -> T:
        return self._patiently(read, "read the list")

    def _patiently(self, operation: Callable[[], T], what: str) -> T:
        """Run `operation`, trying again while the database is busy (see the module doc)."""
        deadline = time.monotonic() + self.patience
        pause = FIRST_PAUSE
        while True:
            try:
                return operation()
            except sqlite3.Error as e:
                if is_busy(e) and time.monotonic() < deadline:
                    time.sleep(pause)
                    pause = min(2 * pause, LONGEST_PAUSE)
                    continue
                raise self._cannot(what, e) from None

    def _cannot(self, what: str, e: sqlite3.Error) -> JournalWriteError:
        shown = display_path(self.path) if self.path else "the database"
        cause = "busy for too long" if is_busy(e) else " ".join(str(e).split())
        return JournalWriteError(f"{shown}: cannot {what} ({cause})")

    def refused_before(self, email: str) -> bool:
        """True when the last earlier issue that reached `email`'s row was refused by the relay
        as an unknown address (a 5.1.x): the second issue in a row saying so.

        A relay's word alone never marks a reader bounced: a hostile or broken relay (or one
        scripted to lie) spent the issue's whole allowance on living readers.  Refused at
        RCPT, the message never left, so asking once more next issue costs nothing.
        """
        with self._lock:
            return self._patiently(lambda: self._refused_before(email), "read the journal")

    def _refused_before(self, email: str) -> bool:
        if self._earlier is None:  # read once: the journal's key is (issue_id, email)
            # The latest few: each refusal then costs a few key lookups, not one an issue ever
            # sent (a relay refusing half a million readers against a journal of years).
            self._earlier = [
                i
                for (i,) in self.conn.execute(
                    "SELECT issue_id FROM deliveries WHERE issue_id <> ? GROUP BY issue_id"
                    " ORDER BY max(updated) DESC LIMIT ?",
                    (self.issue_id, EARLIER_ISSUES),
                )
            ]
        if not self._earlier:
            return False
        marks = ",".join("?" * len(self._earlier))
        row = self.conn.execute(
            f"SELECT status, last_error FROM deliveries d WHERE d.issue_id IN ({marks})"
            f" AND {same_address(self.conn, 'd.email', '?')}"
            " ORDER BY updated DESC, issue_id DESC LIMIT 1",
            (*self._earlier, email),
        ).fetchone()
        return row is not None and row[0] == "failed" and is_bad_address(str(row[1]))

    def bounce_budget(self) -> tuple[int, int]:
        """(sent, marked bounced) of this issue so far, every run's and sender's: a relay's
        5.1.x word is believed over the issue (workers.BELIEVED_BOUNCES), not per run (run
        again as its summary says, a relay refusing every reader had ten more marked a run)."""
        with self._lock:
            return self._patiently(self._bounce_budget, "read the journal")

    def _bounce_budget(self) -> tuple[int, int]:
        same = same_address(self.conn, "d.email", "s.email")
        sent = self.conn.execute(
            "SELECT count(*) FROM deliveries WHERE issue_id = ? AND status = 'sent'",
            (self.issue_id,),
        ).fetchone()[0]
        bounced = self.conn.execute(
            f"SELECT count(*) FROM deliveries d JOIN subscribers s ON {same}"
            " WHERE d.issue_id = ? AND d.status = 'failed' AND s.status = 'bounced'",
            (self.issue_id,),
        ).fetchone()[0]
        return int(sent), int(bounced)

    def counts(self, *, first: int = 10) -> JournalCounts:
        """Sent, unsent, failed and retrying recipients, with the first failures and the reasons."""
        return self._patiently(lambda: self._counts(first), "read the journal")

    def status(self, *, first: int = 10) -> tuple[JournalCounts, tuple[SenderShare, ...]]:
        """The counts and each sender's share, for `send --status`."""
        return self.counts(first=first), self.shares()

    def _counts(self, first: int, not_reached: tuple[int, int] | None = None) -> JournalCounts:
        """The counts; `not_reached` (unsent, not mailed) when the caller has counted them."""
        q = self.conn.execute
        by_status = dict(
            q(
                "SELECT status, count(*) FROM deliveries WHERE issue_id = ? GROUP BY status",
                (self.issue_id,),
            ).fetchall()
        )
        if not_reached is None:
            same = same_address(self.conn, "d.email", "s.email")
            not_reached = q(_NOT_REACHED.format(same=same), (self.issue_id,)).fetchone()
        unsent, inactive = not_reached
        last = q(
            "SELECT max(updated) FROM deliveries WHERE issue_id = ?", (self.issue_id,)
        ).fetchone()[0]
        failures = q(
            "SELECT email, last_error, attempts FROM deliveries"
            " WHERE issue_id = ? AND status = 'failed' "
            "ORDER BY updated, email LIMIT ?",
            (self.issue_id, first),
        ).fetchall()
        reasons = q(
            "SELECT last_error, count(*) AS n FROM deliveries"
            " WHERE issue_id = ? AND status = 'failed' "
            "GROUP BY last_error ORDER BY n DESC, last_error LIMIT 5",
            (self.issue_id,),
        ).fetchall()
        unknowns = q(
            "SELECT email, message_id FROM deliveries WHERE issue_id = ? AND status = 'unknown' "
            "ORDER BY updated, email LIMIT ?",
            (self.issue_id, first),
        ).fetchall()
        return JournalCounts(
            unknowns=tuple((e, m) for e, m in unknowns),
            issue_id=self.issue_id,
            sent=by_status.get("sent", 0),
            failed=by_status.get("failed", 0),
            retrying=by_status.get("pending", 0),
            unknown=by_status.get("unknown", 0),
            unsent=unsent,
            inactive=inactive,
            last_activity=last or "",
            failures=tuple(Failure(*f) for f in failures),
            reasons=tuple((r, n) for r, n in reasons),
        )


def open_journal(database: Path, issue_id: str, *, create: bool = True) -> DeliveryJournal:
    """The journal of one issue in the database at `database` (created if missing and `create`)."""
    return DeliveryJournal(open_database(database, create=create), issue_id, path=database)


@contextlib.contextmanager
def send_lock(database: Path, issue_id: str) -> Iterator[None]:
    """Hold a lock while sending an issue, so two runs never mail the same list at once.

    An OS file lock (file_lock.py): the kernel releases it when the process dies, even by kill -9.
    It is taken beside the database's real file (symlinks resolved), so two
    workspaces sharing one list through a symlink share one lock too.
    """
    real = database.resolve()
    path = real.with_name(f"{real.name}.send.lock")
    with held_lock(
        path,
        f"pid {os.getpid()}, issue {issue_id}",
        cannot_create=lambda reason: DeliveryError(
            f"{display_path(path)}: cannot create the send lock ({reason})"
        ),
        busy=lambda holder: DeliveryError(
            f"another `newsletter send` is running ({holder}); wait for it to "
            "finish, or stop it and run this again to resume"
        ),
    ):
        yield


_NO_ID_LIMIT = 2**63 - 1  # SQLite's largest integer
# An active subscriber `s` the issue (the parameter) has not reached: what a run would try.
# `same`: connection.same_address of d.email and s.email, the form the journal's key is
# found by on either backend (schema step 12).
_STILL_TO_SEND_IF = (
    "s.status = 'active' AND NOT EXISTS (SELECT 1 FROM deliveries d"
    " WHERE d.issue_id = ? AND {same} AND d.status IN {done})"
)
_DONE = "('sent', 'unknown')"
# The subscribers the issue has not reached, in one pass over the list: the active ones (what
# a run would try) and the unsubscribed or bounced ones ("not mailed").  One mailed before they
# left counts as sent (or unknown), once.  One pass, not two: on PostgreSQL each pass hashes
# the issue's deliveries (0.3 s a pass for a million; bench/bench_status.py).
_NOT_REACHED = (
    "SELECT count(*) FILTER (WHERE s.status = 'active'),"
    " count(*) FILTER (WHERE s.status != 'active') FROM subscribers s"
    " WHERE NOT EXISTS (SELECT 1 FROM deliveries d"
    " WHERE d.issue_id = ? AND {same} AND d.status IN ('sent', 'unknown'))"
)
_UNSENT = """
SELECT s.id, s.email, s.name, s.fields, s.first_name FROM subscribers s
WHERE s.id > ? AND s.id <= ? AND s.id % ? = ? AND {still}
ORDER BY s.id LIMIT ?
"""

_WAITING = """
SELECT s.email, s.name, s.fields, s.first_name, d.attempts FROM deliveries d
JOIN subscribers s ON s.email = d.email
WHERE d.issue_id = ? AND d.status = 'pending' AND s.status = 'active'
ORDER BY d.updated, d.email LIMIT ?
"""

RECORD = """
INSERT INTO deliveries (issue_id, email, status, attempts, last_error, message_id, updated)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT {key} DO UPDATE SET
  status = excluded.status, attempts = deliveries.attempts + excluded.attempts,
  last_error = excluded.last_error, message_id = excluded.message_id, updated = excluded.updated
"""
