"""The delivery journal on PostgreSQL, shared by every sender of one issue.

The same `DeliveryJournal` interface as on SQLite (journal.py) and the same semantics: each
outcome committed before the worker takes another, `unknown` never re-sent by itself, the
list cut at the plan's last id.  What differs is who may send whom.  On PostgreSQL several
`newsletter send ISSUE` runs (workspaces on several hosts sharing the database and the
same built issue) send one issue at once:

- **The message is the same.**  The first sender records the SHA-256 of merge.eml (and its
  merge.empty=*.eml variants) in `send_issues`; a sender whose files hash otherwise is
  refused with one line before it claims anyone.
- **Each sender has a lease.**  It registers in `senders` (id: host:pid:random) with
  `lease_until = now() + smtp.lease`, renewed by a heartbeat thread on a connection of its
  own every sixth of the lease.  It hands a reader to a worker only while its last renewal is
  younger than half the lease: a sender cut off from the database stops giving out readers
  long before the others may take them.
- **Readers are claimed in batches** with `SELECT … FOR UPDATE SKIP LOCKED` over the list
  and an insert into `send_claims` whose `ON CONFLICT … WHERE` takes a reader only when no
  living sender holds it: two senders never both claim one reader.  A reader is free when
  nobody claimed it, when its sender's lease ran out (killed -9, cut off), or when its
  sender ended and had claimed it before this run started (a re-run tries the failed
  again; the worker processes of one run share its start, so none retries what a sibling
  found failed).
- **Rounds.**  A run claims in id order until nothing is free; then, while another living
  sender still holds readers not yet sent, it waits and claims again: a sender killed -9
  leaves its claims, which the others take once its lease has run out.  Only the messages it
  had in flight can go out twice, and their Message-ID is the same.
- **Ending.**  A sender that ends (done, paused, Ctrl-C) gives back the readers it claimed
  and did not settle, and marks itself finished.

A connection lost mid-send (the server restarting, a failover) is waited out: the journal
reconnects with backoff and runs the statement again, for `patience` seconds; past that it
raises JournalWriteError, one line naming host:port/dbname, and the run stops as it does on a
full disk (what the relay accepted goes to the recovery file).  A statement the server stops
for its statement_timeout or lock_timeout (a lock held elsewhere, a busy server) is run again
the same way, on the same connection.  Any other refusal (a read-only standby, a full disk
there) stops the run at once with the server's one line.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from newsletter.config import Settings
from newsletter.database_url import PostgresUrl
from newsletter.errors import DeliveryError, NewsletterError
from newsletter.mail.personalize import Recipient
from newsletter.send.journal import (
    FRESH_FOR,
    PATIENCE,
    RECORD,
    UNREACHABLE,
    DeliveryJournal,
    JournalCounts,
    JournalWriteError,
    SenderShare,
)
from newsletter.subscribers.database import utc_now
from newsletter.subscribers.postgres import (
    PostgresConnection,
    connect_postgres,
    statement_error,
    translate,
)
from newsletter.subscribers.postgres_schema import schema_version, upgrade_postgres

T = TypeVar("T")

CLAIM_BATCH = 200  # readers claimed at a time: small enough that every sender gets a share
FIRST_PAUSE, LONGEST_PAUSE = 0.2, 2.0  # seconds between reconnection attempts
_CONNECTION_LOST = (
    psycopg.errors.AdminShutdown,
    psycopg.errors.CrashShutdown,
    psycopg.errors.CannotConnectNow,
)


class MergeMismatch(DeliveryError):
    """This sender's merge.eml is not the one the send of the issue started with."""


LOCAL_STATE = "postgresql-send"  # the workspace's send lock and recovery file are named after it


def local_state(settings: Settings) -> Path:
    """Where this workspace keeps its send lock and recovery file for a PostgreSQL list."""
    return settings.workspace / LOCAL_STATE


def open_postgres_journal(
    server: PostgresUrl,
    issue_id: str,
    *,
    create: bool,
    lease: float | None = None,
    merge: str = "",
    local: Path | None = None,
) -> PostgresJournal | None:
    """The issue's journal on the server (its schema upgraded first when `create`); None for
    a server newsletter has not used yet when not `create` (nothing is created)."""
    journal = PostgresJournal(server, issue_id, lease=lease, merge=merge, local=local)
    try:
        if not create and schema_version(journal.pg.raw) == 0:
            journal.close()
            return None
        upgrade_postgres(journal.pg.raw, server)  # each of its failures is one line already
    except psycopg.Error as e:
        journal.close()
        raise statement_error(server, e) from None
    except BaseException:
        journal.close()
        raise
    return journal


def _senders_file(local: Path) -> Path:
    """The ids of the senders this workspace started (`postgresql-send.senders`)."""
    return local.with_name(local.name + ".senders")


def sent_issue_ids_on(server: PostgresUrl) -> frozenset[str]:
    """The issues that reached a reader (sent, or unknown) on the server; nothing is created."""
    journal = open_postgres_journal(server, "", create=False)
    if journal is None:
        return frozenset()
    try:
        return journal.issues_reached()
    finally:
        journal.close()


def merge_hash(files: dict[str, str]) -> str:
    """The SHA-256 of merge.eml and its variants, from the build record's file hashes."""
    names = sorted(n for n in files if n.startswith("merge") and n.endswith(".eml"))
    joined = "\n".join(f"{name} {files[name]}" for name in names)
    return hashlib.sha256(joined.encode()).hexdigest()


def new_sender_id() -> str:
    """host:pid:random, unique to this run."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class PostgresJournal(DeliveryJournal):
    """The journal of one issue on a PostgreSQL server; see the module doc.

    `lease` None: a reader of the journal (`send --status`, a dry run), which claims nobody.
    """

    shared = True

    def __init__(
        self,
        server: PostgresUrl,
        issue_id: str,
        *,
        patience: float | None = None,
        lease: float | None = None,
        merge: str = "",
        batch: int = CLAIM_BATCH,
        local: Path | None = None,
    ) -> None:
        self.server = server
        self.local = local  # the workspace's send state: its past senders are listed there
        self.lease_seconds = lease
        self.merge = merge
        self.batch = batch
        self.sender_id = new_sender_id()
        self.started: Any = None  # the server's time at registration
        self._heartbeat: _Heartbeat | None = None
        self._threads = threading.local()  # each sender thread's own connection (_Link)
        self._links: list[_Link] = []
        self._links_lock = threading.Lock()
        connection = PostgresConnection(connect_postgres(server), server)
        super().__init__(connection, issue_id, patience=PATIENCE if patience is None else patience)

    # -- the connection ------------------------------------------------------------------

    def _prepare(self) -> None:
        """Nothing to set: PostgreSQL's writers do not wait on one another's commits."""

    @property
    def pg(self) -> PostgresConnection:
        assert isinstance(self.conn, PostgresConnection)
        return self.conn

    def for_issue(self, issue_id: str) -> DeliveryJournal:
        journal = PostgresJournal.__new__(PostgresJournal)
        journal.__dict__.update(self.__dict__)
        journal.issue_id = issue_id
        journal._lock = threading.Lock()
        return journal

    def close(self) -> None:
        """Give back unsettled claims, mark this sender finished, and close (see module doc)."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
            with contextlib.suppress(NewsletterError):
                self._patiently(self._finish, "record the end of this sender", patience=5.0)
        with self._links_lock:
            for link in self._links:
                link.renew()
        super().close()

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
        """Record one outcome, committed before returning, on the calling thread's own
        connection: the sender's threads commit side by side, so the server's group commit
        flushes several at once (one shared connection would wait for each flush in turn)."""
        link = getattr(self._threads, "link", None)
        if link is None:
            link = self._threads.link = _Link(self.server)
            with self._links_lock:
                self._links.append(link)
        row = (self.issue_id, email, status, attempts, error, message_id, now or utc_now())
        statement = translate(RECORD)

        def write() -> None:
            link.raw().execute(statement, row)

        self._patiently(write, "record deliveries", link=link)

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Closed while worker processes start (a connection never crosses a fork)."""
        with self._links_lock:
            for link in self._links:
                link.renew()
        self.conn.close()
        try:
            yield
        finally:  # a server down now: the next statement waits for it (_patiently)
            with contextlib.suppress(NewsletterError):
                self.conn = PostgresConnection(connect_postgres(self.server), self.server)

    def _patiently(
        self,
        operation: Callable[[], T],
        what: str,
        *,
        patience: float | None = None,
        link: _Link | None = None,
    ) -> T:
        """Run `operation`; a lost connection (the journal's, or the thread's own `link`) is
        re-opened and the operation run again, for `patience` seconds; any other refusal is
        one line at once."""
        deadline = time.monotonic() + (self.patience if patience is None else patience)
        pause, cause = FIRST_PAUSE, ""
        while True:
            try:
                return operation()
            except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
                time.sleep(0.01)  # another sender's claim crossed ours: try again
            except psycopg.Error as e:
                lost = link.lost(e) if link is not None else self._lost(e)
                if not lost and not _passing(e):
                    line = str(statement_error(self.server, e)).removeprefix(self.server.where)
                    line = line.removesuffix(", then run the command again")  # the stop says so
                    raise JournalWriteError(f"{self.server.where}: cannot {what}{line}") from None
                cause = cause or _first_line(e)  # why it went: later tries say "closed"
                if time.monotonic() >= deadline:
                    raise self._gave_up(what, cause, e if not lost else None) from None
                time.sleep(pause)
                pause = min(2 * pause, LONGEST_PAUSE)
                if not lost:
                    continue  # a timeout: the connection is fine, the statement runs again
                if link is not None:
                    link.renew()
                else:
                    self._reconnect()

    def _lost(self, e: psycopg.Error) -> bool:
        raw = self.pg.raw
        return raw.closed or raw.broken or isinstance(e, _CONNECTION_LOST)

    def _reconnect(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.pg.raw.close()
        with contextlib.suppress(NewsletterError):  # still down: the next try waits again
            self.conn = PostgresConnection(connect_postgres(self.server), self.server)

    def _gave_up(self, what: str, cause: str, timeout: psycopg.Error | None) -> JournalWriteError:
        if timeout is not None:  # every try stopped by a statement or lock timeout
            hint = "find what holds the lock (pg_stat_activity)"
            if not isinstance(timeout, psycopg.errors.LockNotAvailable):
                hint = f"raise statement_timeout for this user (ALTER ROLE … SET), or {hint}"
            return JournalWriteError(
                f"{self.server.where}: cannot {what}: the server stopped every try for "
                f"{self.patience:.0f} s ({cause}); {hint}"
            )
        return JournalWriteError(
            f"{self.server.where}: cannot {what}: {UNREACHABLE} {self.patience:.0f} s ({cause})"
        )

    # -- registering, leasing, ending ----------------------------------------------------

    def register(self, run_started: Any = None) -> None:
        """Check merge.eml against the send's and start this sender's lease (module doc).

        `run_started`: when the run this sender is a worker process of began (check_merge's
        time): a claim its sibling processes settled since is theirs, not free to it.
        """
        if self.lease_seconds is None:
            raise ValueError("a journal opened to read cannot send")
        self._patiently(self._register, "register this sender")
        if run_started is not None:
            self.started = run_started
        self._heartbeat = _Heartbeat(self.server, self.sender_id, self.lease_seconds)
        if self.local is not None:  # a few bytes; a full disk only makes a re-run wait longer
            with contextlib.suppress(OSError), _senders_file(self.local).open("a") as f:
                f.write(self.sender_id + "\n")

    def expire_previous(self) -> None:
        """End the leases of this workspace's earlier senders (under its send lock, so they are
        gone: killed, or cut off): their readers are free at once, not a lease later."""
        if self.local is None:
            return
        path = _senders_file(self.local)
        try:
            ids = path.read_text("utf-8").split()
        except OSError:
            return
        if ids:
            expire = (
                "UPDATE senders SET lease_until = now() - interval '1 second'"
                " WHERE sender_id = ANY(%s) AND finished IS NULL"
            )
            self._patiently(lambda: self.pg.raw.execute(expire, (ids,)), "end earlier leases")
        with contextlib.suppress(OSError):
            path.unlink()

    def check_merge(self) -> None:
        """Refuse (MergeMismatch) a merge.eml other than the one the issue's send started with."""

        def check() -> None:
            with self.pg.raw.transaction():
                self._check_merge()
                self.started = self._server_now()  # the run's start, for its worker processes

        self._patiently(check, "read the issue's merge.eml hash")

    def _register(self) -> None:
        raw = self.pg.raw
        with raw.transaction():
            self._check_merge()
            started = raw.execute(
                "INSERT INTO senders (sender_id, issue_id, host, pid, started, lease_until)"
                " VALUES (%s, %s, %s, %s, now(), now() + make_interval(secs => %s))"
                " RETURNING started",
                (self.sender_id, self.issue_id, socket.gethostname(), os.getpid(),
                 self.lease_seconds),
            ).fetchone()  # fmt: skip
            assert started is not None
            self.started = started[0]

    def _check_merge(self) -> None:
        """The first sender records the hash; the others must have the same (in a transaction)."""
        raw = self.pg.raw
        raw.execute(
            "INSERT INTO send_issues (issue_id, merge_hash, first_sender, at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (self.issue_id, self.merge, self.sender_id, utc_now()),
        )
        row = raw.execute(
            "SELECT merge_hash, first_sender, at FROM send_issues WHERE issue_id = %s",
            (self.issue_id,),
        ).fetchone()
        assert row is not None
        if row[0] != self.merge:
            raise MergeMismatch(
                f"{self.server.where}: issue {self.issue_id}: this merge.eml is not the one "
                f"its send started with (sha256 {self.merge[:12]}…, not {row[0][:12]}… from "
                f"sender {row[1]} at {row[2]}); send the same built issue from every host "
                "(copy its folder as built), never a rebuild"
            )

    def _finish(self) -> None:
        raw = self.pg.raw
        with raw.transaction():
            raw.execute(_RELEASE, (self.sender_id,))
            raw.execute("UPDATE senders SET finished = now() WHERE sender_id = %s",
                        (self.sender_id,))  # fmt: skip

    # -- claiming ------------------------------------------------------------------------

    def unsent(
        self,
        *,
        batch: int = 500,
        limit: int | None = None,
        resend_unknown: bool = False,
        part: tuple[int, int] = (0, 1),
        up_to: int | None = None,
    ) -> Iterator[Recipient]:
        """The readers this sender claims, in id order, a batch at a time (module doc).

        A journal that claims nobody (a dry run) reads the list as SQLite's does.  `part`
        is ignored by a claiming journal: each worker process is a sender of its own.
        """
        if self._heartbeat is None:
            yield from super().unsent(
                batch=batch, limit=limit, resend_unknown=resend_unknown, part=part, up_to=up_to
            )
            return
        yield from self._claimed(limit=limit, resend_unknown=resend_unknown, up_to=up_to)

    def _claimed(
        self, *, limit: int | None, resend_unknown: bool, up_to: int | None
    ) -> Iterator[Recipient]:
        done = "('sent')" if resend_unknown else "('sent', 'unknown')"
        query = _CLAIM.format(done=done)
        last, given = 0, 0
        pass_start = self._patiently(self._server_now, "read the server's time")
        heartbeat = self._heartbeat
        assert heartbeat is not None
        while limit is None or given < limit:
            size = self.batch if limit is None else min(self.batch, limit - given)
            params = {
                "issue": self.issue_id,
                "me": self.sender_id,
                "last": last,
                "up_to": _NO_ID_LIMIT if up_to is None else up_to,
                "pass_start": pass_start,
                "my_start": self.started,
                "size": size,
            }
            heartbeat.wait_valid(self.patience, self.server)
            with self._lock:
                rows = self._patiently(partial_fetch(self, query, params), "claim readers")
            read_at = time.monotonic()
            for number, email, name, fields, first_name in rows:
                if time.monotonic() - read_at > FRESH_FOR or not heartbeat.valid():
                    break  # claim again: statuses may have changed, the lease must be fresh
                yield Recipient(email, name, _fields(fields), first_name=first_name)
                given, last = given + 1, number
            else:
                if len(rows) < size:
                    return

    def _server_now(self) -> Any:
        row = self.pg.raw.execute("SELECT now()").fetchone()
        assert row is not None
        return row[0]

    def others_pending(self, up_to: int | None = None) -> int:
        """Readers not yet sent that another living sender holds: what this one waits for."""
        params = (self.issue_id, self.sender_id, _NO_ID_LIMIT if up_to is None else up_to)

        def count() -> int:
            row = self.pg.raw.execute(_OTHERS_PENDING, params).fetchone()
            return int(row[0]) if row else 0

        with self._lock:
            return self._patiently(count, "read the other senders' claims")

    def would_send(self, email: str) -> bool:
        """Active, neither sent nor unknown, and (for a sender) still claimed by this one."""
        if not super().would_send(email):
            return False
        if self._heartbeat is None:
            return True

        def mine() -> bool:
            return (
                self.pg.raw.execute(_STILL_MINE, (self.issue_id, self.sender_id, email)).fetchone()
                is not None
            )

        with self._lock:
            return self._patiently(mine, "read the claims")

    def counts(self, *, first: int = 10) -> JournalCounts:
        """As on SQLite, with hash joins: on a journal filled since the server last analysed it
        (a send's first minutes), the planner would otherwise pick a nested loop over every
        pair of reader and delivery (5 s for 6,000 readers, quadratic beyond)."""

        def read() -> JournalCounts:
            with self.pg.raw.transaction():
                self.pg.raw.execute("SET LOCAL enable_nestloop = off")
                self.pg.raw.execute("SET LOCAL jit = off")  # compiling costs more than it saves
                return self._counts(first)

        with self._lock:
            return self._patiently(read, "read the journal")

    def status(self, *, first: int = 10) -> tuple[JournalCounts, tuple[SenderShare, ...]]:
        """The counts and each sender's share from one pass over the list (_STATUS), not one
        for the unsent and one for the shares: each pass hashes the issue's deliveries by
        address (bench/bench_status.py: 1.6 s against 1.0-1.3 s for a million readers)."""

        def read() -> tuple[JournalCounts, tuple[SenderShare, ...]]:
            with self.pg.raw.transaction():
                self.pg.raw.execute("SET LOCAL enable_nestloop = off")  # as counts() says
                self.pg.raw.execute("SET LOCAL jit = off")
                per_sender = {
                    r[0]: r[1:]
                    for r in self.pg.raw.execute(_STATUS, {"issue": self.issue_id}).fetchall()
                }
                senders = self.pg.raw.execute(_SENDERS, {"issue": self.issue_id}).fetchall()
                unsent = sum(int(r[4]) for r in per_sender.values())  # over every sender
                inactive = sum(int(r[5]) for r in per_sender.values())
                return self._counts(first, (unsent, inactive)), tuple(
                    _share(r, per_sender.get(r[0], (0,) * 6)) for r in senders
                )

        with self._lock:
            return self._patiently(read, "read the journal")

    def issues_reached(self) -> frozenset[str]:
        """Every issue that reached a reader (sent, or unknown)."""

        def read() -> list[tuple[Any, ...]]:
            query = "SELECT DISTINCT issue_id FROM deliveries WHERE status IN ('sent', 'unknown')"
            return self.pg.raw.execute(query).fetchall()

        return frozenset(str(issue_id) for (issue_id,) in self._patiently(read, "read the journal"))

    def shares(self) -> tuple[SenderShare, ...]:
        """Every sender of the issue, oldest first, with its share (`send --status`)."""

        def read() -> list[tuple[Any, ...]]:
            with self.pg.raw.transaction():
                self.pg.raw.execute("SET LOCAL enable_nestloop = off")  # as counts() says
                self.pg.raw.execute("SET LOCAL jit = off")
                return self.pg.raw.execute(_SHARES, {"issue": self.issue_id}).fetchall()

        rows = self._patiently(read, "read the senders")
        return tuple(
            SenderShare(
                sender_id=r[0], host=r[1], pid=r[2], started=r[3].strftime("%Y-%m-%dT%H:%M:%SZ"),
                state=r[4], claimed=r[5], sent=r[6], failed=r[7], unknown=r[8],
            )
            for r in rows
        )  # fmt: skip


def _share(sender: tuple[Any, ...], counted: tuple[Any, ...]) -> SenderShare:
    """A row of _SENDERS and its counts from _STATUS (claimed, sent, failed, unknown)."""
    return SenderShare(
        sender_id=sender[0], host=sender[1], pid=sender[2],
        started=sender[3].strftime("%Y-%m-%dT%H:%M:%SZ"), state=sender[4],
        claimed=int(counted[0]), sent=int(counted[1]), failed=int(counted[2]),
        unknown=int(counted[3]),
    )  # fmt: skip


def partial_fetch(
    journal: PostgresJournal, query: str, params: dict[str, Any]
) -> Callable[[], list[tuple[Any, ...]]]:
    """The claim statement as one operation `_patiently` may run again (a lost connection)."""

    def fetch() -> list[tuple[Any, ...]]:
        return journal.pg.raw.execute(query, params).fetchall()

    return fetch


def _passing(error: psycopg.Error) -> bool:
    """A statement stopped by the server's statement_timeout or lock_timeout (a lock held
    elsewhere, a busy server): waited out like a lost connection, since every statement of
    the journal may run again (a write is an upsert; a claim, a transaction rolled back)."""
    if isinstance(error, psycopg.errors.LockNotAvailable):
        return True
    return isinstance(error, psycopg.errors.QueryCanceled) and "statement timeout" in str(error)


def _first_line(error: psycopg.Error) -> str:
    """libpq's message, one line, short."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__)[:200]


def _fields(value: str) -> dict[str, Any]:
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}


class _Link:
    """One sender thread's own connection for its journal writes, opened when first needed
    and opened again after it is lost."""

    def __init__(self, server: PostgresUrl) -> None:
        self.server = server
        self.conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def raw(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self.conn is None or self.conn.closed:
            try:
                self.conn = connect_postgres(self.server)
            except NewsletterError as e:  # down: a lost connection, waited out by _patiently
                raise psycopg.OperationalError(str(e)) from None
        return self.conn

    def lost(self, e: psycopg.Error) -> bool:
        conn = self.conn
        return conn is None or conn.closed or conn.broken or isinstance(e, _CONNECTION_LOST)

    def renew(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
        self.conn = None


class _Heartbeat:
    """Renews a sender's lease on a connection of its own, every sixth of the lease."""

    def __init__(self, server: PostgresUrl, sender_id: str, lease: float) -> None:
        self.server, self.sender_id, self.lease = server, sender_id, lease
        self._valid_until = time.monotonic() + lease / 2  # registration just renewed it
        self._stop = threading.Event()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._thread = threading.Thread(target=self._run, name="send-lease", daemon=True)
        self._thread.start()

    def valid(self) -> bool:
        """Renewed less than half a lease ago: readers may still be handed out."""
        return time.monotonic() < self._valid_until

    def wait_valid(self, patience: float, server: PostgresUrl) -> None:
        """Wait (up to `patience` s) for a renewal; JournalWriteError when none comes."""
        deadline = time.monotonic() + patience
        while not self.valid():
            if time.monotonic() >= deadline:
                raise JournalWriteError(
                    f"{server.where}: cannot renew this sender's lease: {UNREACHABLE} "
                    f"{patience:.0f} s"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 6):
            began = time.monotonic()
            if self._renew():
                self._valid_until = began + self.lease / 2

    def _renew(self) -> bool:
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = connect_postgres(self.server)
            self._conn.execute(
                "UPDATE senders SET lease_until = now() + make_interval(secs => %s)"
                " WHERE sender_id = %s",
                (self.lease, self.sender_id),
            )
        except (psycopg.Error, NewsletterError):
            if self._conn is not None:
                with contextlib.suppress(psycopg.Error):
                    self._conn.close()
            self._conn = None
            return False
        return True


_NO_ID_LIMIT = 2**63 - 1
# Readers this sender may claim: active, not done, and free (module doc).  `done` is
# ('sent', 'unknown'), or ('sent') when re-sending the unknown.  A claim is free only when
# its sender is *seen* gone: a sender registered after this statement's snapshot is not
# visible to it, yet its claim (which the insert waits for, and then sees) is live.  The
# insert's ON CONFLICT … WHERE is what decides, on the claim's latest version.  Its own
# claims are this sender's again in this pass, and in a later pass while never tried: a
# claim the pass skipped (SKIP LOCKED: another sender's statement held the row) and then
# went past would otherwise stay claimed, unsent, while the sender lives, and senders
# each waiting for the other's readers would never end.  One tried in an earlier pass
# (failed, say) is not tried again by this run.
_CLAIM = """
WITH candidates AS (
  SELECT s.id FROM subscribers s
  LEFT JOIN send_claims c ON c.issue_id = %(issue)s AND c.subscriber_id = s.id
  LEFT JOIN senders o ON o.sender_id = c.sender_id
  WHERE s.id > %(last)s AND s.id <= %(up_to)s AND s.status = 'active'
    AND NOT EXISTS (SELECT 1 FROM deliveries d
                    WHERE d.issue_id = %(issue)s AND d.email = s.email AND d.status IN {done})
    AND (c.sender_id IS NULL
         OR (c.sender_id = %(me)s AND (c.claimed_at >= %(pass_start)s
             OR NOT EXISTS (SELECT 1 FROM deliveries t
                            WHERE t.issue_id = %(issue)s AND t.email = s.email)))
         OR (c.sender_id <> %(me)s
             AND ((o.finished IS NULL AND o.lease_until < now())
                  OR (o.finished IS NOT NULL AND c.claimed_at < %(my_start)s))))
  ORDER BY s.id LIMIT %(size)s
  FOR UPDATE OF s SKIP LOCKED
), claimed AS (
  INSERT INTO send_claims AS c (issue_id, subscriber_id, sender_id, claimed_at)
  SELECT %(issue)s, id, %(me)s, now() FROM candidates
  ON CONFLICT (issue_id, subscriber_id) DO UPDATE
    SET sender_id = excluded.sender_id, claimed_at = excluded.claimed_at
    WHERE c.sender_id = excluded.sender_id OR EXISTS (
      SELECT 1 FROM senders o WHERE o.sender_id = c.sender_id
        AND ((o.finished IS NULL AND o.lease_until < now())
             OR (o.finished IS NOT NULL AND c.claimed_at < %(my_start)s)))
  RETURNING subscriber_id
)
SELECT s.id, s.email::text, s.name, s.fields, s.first_name
FROM subscribers s JOIN claimed ON claimed.subscriber_id = s.id
ORDER BY s.id
"""
_OTHERS_PENDING = """
SELECT count(*) FROM send_claims c
JOIN senders o ON o.sender_id = c.sender_id
JOIN subscribers s ON s.id = c.subscriber_id
WHERE c.issue_id = %s AND c.sender_id <> %s AND o.finished IS NULL AND o.lease_until >= now()
  AND s.id <= %s AND s.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = c.issue_id
                  AND d.email = s.email AND d.status IN ('sent', 'unknown', 'failed'))
"""
_STILL_MINE = """
SELECT 1 FROM send_claims c JOIN subscribers s ON s.id = c.subscriber_id
WHERE c.issue_id = %s AND c.sender_id = %s AND s.email = %s
"""
# The claims a sender gives back as it ends: those it did not settle (neither sent, unknown
# nor failed), so that the senders still running take them.
_RELEASE = """
DELETE FROM send_claims c WHERE c.sender_id = %s AND NOT EXISTS (
  SELECT 1 FROM subscribers s JOIN deliveries d ON d.email = s.email
  WHERE s.id = c.subscriber_id AND d.issue_id = c.issue_id
    AND d.status IN ('sent', 'unknown', 'failed'))
"""
# Each sender's share.  The claims are counted in a subquery grouped by sender, then joined
# to the few senders: PostgreSQL 15 runs that join of claims, readers and deliveries in
# parallel, where a left join from `senders` (a hash right join) ran on one core (2.5 s for a
# million claimed readers against 1.2 s; bench/bench_status.py).
_SHARES = """
SELECT o.sender_id, o.host, o.pid, o.started,
  CASE WHEN o.finished IS NOT NULL THEN 'finished'
       WHEN o.lease_until >= now() THEN 'sending' ELSE 'gone' END,
  coalesce(t.claimed, 0), coalesce(t.sent, 0), coalesce(t.failed, 0), coalesce(t.unknown, 0)
FROM senders o
LEFT JOIN (
  SELECT c.sender_id, count(*) AS claimed,
    count(*) FILTER (WHERE d.status = 'sent') AS sent,
    count(*) FILTER (WHERE d.status = 'failed') AS failed,
    count(*) FILTER (WHERE d.status = 'unknown') AS unknown
  FROM send_claims c
  JOIN subscribers s ON s.id = c.subscriber_id
  LEFT JOIN deliveries d ON d.issue_id = c.issue_id AND d.email = s.email
  WHERE c.issue_id = %(issue)s
  GROUP BY c.sender_id
) t ON t.sender_id = o.sender_id
WHERE o.issue_id = %(issue)s
ORDER BY o.started, o.sender_id
"""
# `send --status` in one pass over the list: per sender (NULL: no claim) its claimed readers,
# their outcomes, and the readers the issue has not reached, active (unsent) and not (not
# mailed), as journal._NOT_REACHED counts them.
_STATUS = """
SELECT c.sender_id, count(c.subscriber_id),
  count(*) FILTER (WHERE c.subscriber_id IS NOT NULL AND d.status = 'sent'),
  count(*) FILTER (WHERE c.subscriber_id IS NOT NULL AND d.status = 'failed'),
  count(*) FILTER (WHERE c.subscriber_id IS NOT NULL AND d.status = 'unknown'),
  count(*) FILTER (WHERE s.status = 'active' AND d.status IS DISTINCT FROM 'sent'
                   AND d.status IS DISTINCT FROM 'unknown'),
  count(*) FILTER (WHERE s.status != 'active' AND d.status IS DISTINCT FROM 'sent'
                   AND d.status IS DISTINCT FROM 'unknown')
FROM subscribers s
LEFT JOIN deliveries d ON d.issue_id = %(issue)s AND d.email = s.email
LEFT JOIN send_claims c ON c.issue_id = %(issue)s AND c.subscriber_id = s.id
GROUP BY c.sender_id
"""
_SENDERS = """
SELECT o.sender_id, o.host, o.pid, o.started,
  CASE WHEN o.finished IS NOT NULL THEN 'finished'
       WHEN o.lease_until >= now() THEN 'sending' ELSE 'gone' END
FROM senders o WHERE o.issue_id = %(issue)s
ORDER BY o.started, o.sender_id
"""
