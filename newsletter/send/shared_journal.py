"""The delivery journal on PostgreSQL, shared by every sender of one issue.

The same `DeliveryJournal` interface as on SQLite (journal.py) and the same semantics: at a
kill -9 at most one message per connection whose outcome the journal lacks, `unknown` never
re-sent by itself, the list cut at the plan's last id.  Outcomes go through the process's
committer (outcome_committer.py: few statements and commits, and a worker's final `.`
waits for its previous outcome's commit); leases are sender_lease.py's, the claim
statements claim_statements.py's, `--status`'s shared_status.py's, the reconnecting
connection server_link.py's.  What differs from SQLite is who may send whom.  On PostgreSQL several
`newsletter send ISSUE` runs (workspaces on several hosts sharing the database and the
same built issue) send one issue at once:

- **The message is the same.**  The first sender records the SHA-256 of merge.eml (and its
  merge.empty=*.eml variants) in `send_issues`; a sender whose files hash otherwise is
  refused with one line before it claims anyone (merge_check.py).
- **Each sender has a lease.**  It registers in `senders` (id: host:pid:random) with
  `lease_until = now() + smtp.lease`, renewed by a heartbeat thread on a connection of its
  own every sixth of the lease.  It hands a reader to a worker only while its last renewal is
  younger than half the lease: a sender cut off from the database stops giving out readers
  long before the others may take them.  That half is judged by the sender's clock; each
  final `.` also waits for the server's own verdict, on its clock, given after the reader
  was given out, and a lease the server saw run out is never renewed: the sender stops
  (the fence, outcome_committer.py).
- **Readers are claimed in batches** with `SELECT … FOR UPDATE SKIP LOCKED` over the list
  and an insert into `send_claims` whose `ON CONFLICT … WHERE` takes a reader only when no
  living sender holds it: two senders never both claim one reader.  A reader is free when
  nobody claimed it, when its sender's lease ran out (killed -9, cut off) on the server's
  present run, or when its sender ended and had claimed it before this run started (a
  re-run tries the failed again; the worker processes of one run share its start, so none
  retries what a sibling found failed).  A sender whose lease ran out on an earlier run of
  the server (a restart, a failover: claim_statements.EPOCH) may hold accepted messages in
  its recovery file: its readers are held for its own workspace's re-run, or freed by
  `send --take-over` (`held`, `take_over`; shared_status.HELD).
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
import functools
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from newsletter.config import Settings
from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.mail.personalize import Recipient
from newsletter.send.claim_statements import (
    ANY_FREE,
    ANY_UNSENT,
    CLAIM,
    EPOCH,
    NO_ID_LIMIT,
    OTHERS_PENDING,
    OTHERS_STALLED,
    RELEASE,
    RELEASE_SOME,
    STILL_MINE,
    claim_ranges,
)
from newsletter.send.disk_fence import (
    ASYNC,
    FENCE,
    FINAL,
    RECORD_AGAIN,
    SESSION,
    SYNC_STANDBY,
    KeptOutcomes,
    to_record_again,
)
from newsletter.send.disk_fence import as_json as rows_json
from newsletter.send.journal import (
    FRESH_FOR,
    PATIENCE,
    UNREACHABLE,
    DeliveryJournal,
    JournalCounts,
    JournalWriteError,
    SenderShare,
    refused_login,
)
from newsletter.send.merge_check import check_merge_hash
from newsletter.send.outcome_committer import (
    LEASE_LIVE,
    MOST_WRITERS,
    NEAR,
    RECORD_MANY,
    RECORD_ONE,
    OutcomeCommitter,
    Row,
    as_json,
    fenced,
)
from newsletter.send.recovery import KeptFile
from newsletter.send.sender_lease import (
    Heartbeat,
    connect_durably,
    lease_lost_line,
    new_sender_id,
    senders_file,
)
from newsletter.send.server_link import (
    CONNECTION_LOST,
    FIRST_PAUSE,
    LONGEST_PAUSE,
    OUTAGE,
    Prepared,
    ServerLink,
    cancelled_by_request,
    stopped_by_timeout,
)
from newsletter.send.shared_status import (
    HELD,
    SHARES,
    TAKE_OVER,
    sender_share,
    share_of,
    status_rows,
)
from newsletter.stored_text import storable_text
from newsletter.subscribers.postgres import (
    LoginRefused,
    PostgresConnection,
    server_words,
    statement_error,
)
from newsletter.subscribers.postgres_schema import schema_version, upgrade_postgres

T = TypeVar("T")

# The committer's statements, each prepared once per writer connection (server_link.py)
_ONE, _MANY = Prepared("nl_record_one", RECORD_ONE), Prepared("nl_record_many", RECORD_MANY)
_FENCED_ONE = Prepared("nl_record_one_fenced", fenced(RECORD_ONE))
_FENCED_MANY = Prepared("nl_record_many_fenced", fenced(RECORD_MANY))
_LEASE = Prepared("nl_lease_live", LEASE_LIVE)
Statement = tuple[Prepared, list[str]]  # a prepared statement and its text parameters

CLAIM_BATCH = 200  # the most readers claimed at a time (a big list's claims)
# A claim takes at most a quarter of the ids left after the sender's cursor, and never fewer
# than CLAIM_FLOOR readers: a list of 150 is claimed 37, 28, 21, 20, … so a second sender
# that starts a second later still finds readers to claim (with 200 at a time the first took
# them all), while a big list is claimed 200 at a time until its last 800 ids (a few more
# claims per pass, each cheaper for being smaller).  A small list's floor is lower: a
# CLAIM_SHARE²-th of its ids, at least 1 (the sample's 12 readers are claimed 3, 2, 1, …, so a
# second host sending with the first gets a share; with 20 a claim the first took all 12).
# Lists of 320 ids and more keep CLAIM_FLOOR: their claims are as before.
CLAIM_SHARE = 4
CLAIM_FLOOR = 20


def claim_size(most: int, last: int, up_to: int) -> int:
    """How many readers to claim next: `most` at most, a CLAIM_SHARE-th of the ids after
    the cursor `last` up to the list's end `up_to`, at least the list's floor (CLAIM_FLOOR,
    lower for a small list: see above)."""
    floor = min(CLAIM_FLOOR, max(1, up_to // CLAIM_SHARE**2))
    return min(most, max(floor, (up_to - last) // CLAIM_SHARE))


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
    key_check: str = "",
    local: Path | None = None,
    host: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> PostgresJournal | None:
    """The issue's journal on the server (its schema upgraded first when `create`); None for
    a server newsletter has not used yet when not `create` (nothing is created).  `host`:
    what its senders register as (sender_lease.workspace_host; the machine's name if None).
    `merge`, `key_check`: merge.eml's hash and the unsubscribe key's check (merge_check.py).
    `warn`: how a line the sender says while it runs reaches the CLI (SendOptions.on_warning)."""
    journal = PostgresJournal(
        server, issue_id, lease=lease, merge=merge, key_check=key_check, local=local, warn=warn
    )
    journal.host = host
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


def sent_issue_ids_on(server: PostgresUrl) -> frozenset[str]:
    """The issues that reached a reader (sent, or unknown) on the server; nothing is created."""
    journal = open_postgres_journal(server, "", create=False)
    if journal is None:
        return frozenset()
    try:
        return journal.issues_reached()
    finally:
        journal.close()


class PostgresJournal(DeliveryJournal):
    """The journal of one issue on a PostgreSQL server; see the module doc.

    `lease` None: a reader of the journal (`send --status`, a dry run), which claims nobody.
    """

    shared = True
    batched = True  # record_soon returns before the commit (outcome_committer.py)

    def __init__(
        self,
        server: PostgresUrl,
        issue_id: str,
        *,
        patience: float | None = None,
        lease: float | None = None,
        merge: str = "",
        key_check: str = "",
        batch: int = CLAIM_BATCH,
        local: Path | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.server = server
        self.local = local  # the workspace's send state: its past senders are listed there
        self.lease_seconds = lease
        self.merge = merge
        self.key_check = key_check  # a keyed check of the unsubscribe key, never the key
        self.batch = batch
        self.sender_id = new_sender_id()
        self.host: str | None = None  # registered as; None: the machine's name
        self.started: Any = None  # the server's time at registration
        self._heartbeat: Heartbeat | None = None
        self._tickets = threading.local()  # each worker thread's outcomes handed over (open)
        # (issue, address) -> subscriber id: the readers this sender claimed whose final
        # outcome it has not seen committed; its end gives back only those (_finish)
        self._unsettled: dict[tuple[str, str], int] = {}
        self._ahead: _ClaimAhead | None = None  # a claim running on its thread (_claimed_in)
        self._passes = 0  # passes over the list begun (_claimed)
        connection = PostgresConnection(connect_durably(server), server)
        super().__init__(connection, issue_id, patience=PATIENCE if patience is None else patience)
        # Outcomes committed without waiting for the disk, kept until a fence finds them on
        # it (disk_fence.py), and on this host's disk while the server is gone; durable
        # commits when a synchronous standby must have them.
        tag = self.sender_id.split(":", 1)[1].replace(":", "-")  # pid-random
        kept_file = None if local is None else KeptFile(local, tag)
        self._kept = KeptOutcomes(kept_file, warn=warn)  # said by the CLI, never printed here
        self._warn = warn
        self._unfenced = False  # `settle` saved the kept outcomes: the readers stay claimed
        self._async = not self._patiently(
            lambda: bool(self.pg.raw.execute(SYNC_STANDBY).fetchone()[0]),  # type: ignore[index]
            "read the server's settings",
        )
        setup = {"setup": ASYNC, "session": SESSION} if self._async else {}
        self._writers = [ServerLink(server, **setup) for _ in range(MOST_WRITERS)]  # when used
        self._lease_lost = threading.Event()  # the server saw this sender's lease run out
        self._committer = OutcomeCommitter(
            self._write_outcomes,
            send=self._send_outcomes,
            near=self._server_near,
            patience=self.patience,
            gave_up=str(self._gave_up("record deliveries", "no commit came", None)),
            lost=self._lease_lost,
            lost_line=lease_lost_line(server),
        )

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
        """Write the outcomes still queued, give back unsettled claims, mark this sender
        finished, and close (see module doc).

        A claim still running ahead (a stream left open: a run stopped by an error keeps it
        alive) is waited for first: it would use the connection with `_finish`, and its
        readers, claimed after the give-back, stayed held by a finished sender."""
        if self._ahead is not None:
            self._ahead.wait()
        self._committer.close()
        fenced = not self._unfenced
        try:
            with self._lock:
                self._fence()
        except NewsletterError:  # its readers are not given back: `settle` saved the outcomes
            fenced = False
        if self._heartbeat is not None:
            self._heartbeat.stop()
            with contextlib.suppress(NewsletterError):
                if fenced:
                    self._patiently(self._finish, "record the end of this sender", patience=5.0)
        for link in self._writers:
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
        """Record one outcome, committed before returning (through the committer, so that
        it follows every outcome this process handed over before it)."""
        self.record_soon(email, status, attempts=attempts, error=error, message_id=message_id,
                         now=now)  # fmt: skip
        self.wait_recorded()

    def stamp(self) -> str:
        """The `updated` stamp a row written now gets (to the microsecond: _stamp)."""
        return _stamp()

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
        """Hand one outcome to the process's committer and return: `wait_recorded` (before
        the worker's next final `.`) waits for its commit (outcome_committer.py)."""
        if error:  # a relay's or a socket's words: PostgreSQL keeps them
            error = storable_text(error)
        row: Row = (self.issue_id, email, status, attempts, error, message_id, now or _stamp())
        ticket = self._committer.add(row)
        if not hasattr(self._tickets, "open"):
            self._tickets.open = []
        self._tickets.open.append(ticket)

    def lease_mark(self) -> int:
        """The committer's statements begun so far (a sender; 0 for a reader)."""
        return self._committer.mark() if self._heartbeat is not None else 0

    def write_ahead(self) -> None:
        """Send the statement committing this thread's outcomes handed over, now, on a
        connection of its own; `wait_recorded` reads its answer (outcome_committer.py)."""
        tickets = getattr(self._tickets, "open", None)
        if tickets and self._heartbeat is not None:
            self._committer.ahead(tickets)

    def wait_recorded(self, since: int | None = None) -> None:
        """Wait for the commit of every outcome this thread handed over; JournalWriteError
        when one cannot be committed (the server gone past the patience, a refusal).
        `since` (a sender's `lease_mark`): and for a statement begun after it that found this
        sender's lease live on the server's clock; LeaseLost when it ran out (the fence,
        outcome_committer.py)."""
        tickets = getattr(self._tickets, "open", None)
        since = since if self._heartbeat is not None else None
        if tickets or since is not None:
            self._committer.wait(tickets or (), since)
        if tickets:
            tickets.clear()

    def _statement(self, rows: Sequence[Row]) -> Statement | None:
        """The statement writing `rows`, and its parameters: one row alone takes RECORD_ONE,
        which costs the server half as much; a sender's also reads whether its lease is live
        (the fence).  No rows: the lease alone (None for a journal that holds no lease)."""
        statement = _MANY if len(rows) > 1 else _ONE
        params = as_json(rows) if len(rows) > 1 else [str(v) for v in rows[0]] if rows else []
        if self._heartbeat is not None:
            statement = _FENCED_MANY if len(rows) > 1 else _FENCED_ONE if rows else _LEASE
            params.append(self.sender_id)
        elif not rows:
            return None
        return statement, params

    def _written(self, link: ServerLink, rows: Sequence[Row], answer: bytes | None) -> bool:
        """After a statement wrote `rows`: they are kept until a fence finds them on disk,
        and the final ones settled; is the lease live (True without a lease)."""
        if self._async and rows:
            self._kept.add(link.session, rows)
        for row in rows:
            if row[2] in FINAL:  # settled: not to be given back at the end
                self._unsettled.pop((row[0], row[1]), None)
        return self._heartbeat is None or answer == b"t"  # libpq's text: b"t" or b"f"

    def _write_outcomes(
        self, rows: Sequence[Row], writer: int, *, sent: Statement | None = None
    ) -> bool:
        """The committer's write on its `writer`'s connection: the rows in one statement,
        one commit (autocommit), prepared once on the server; a lost connection is waited
        out.  True when the server saw this sender's lease live, or for a journal that
        holds no lease.  `sent`: the statement `_send_outcomes` sent ahead on that
        connection: its answer is read, and it is run again only when that fails (an
        upsert, as after any answer lost)."""
        link = self._writers[writer]
        statement = sent or self._statement(rows)
        if statement is None:
            return True

        def write() -> bool:
            nonlocal sent
            if sent is not None:  # a second try runs it again
                sent = None
                return self._written(link, rows, link.answer())
            return self._written(link, rows, link.run_prepared(*statement))

        try:
            return self._patiently(write, "record deliveries", link=link, rows=rows)
        finally:
            self._kept.done(rows)

    def _server_near(self) -> bool:
        """Is the server near enough for two outcomes to a statement sent ahead
        (outcome_committer.NEAR), by the shortest round trip its writer connections took?"""
        trips = [link.round_trip for link in self._writers if link.round_trip is not None]
        return not trips or min(trips) < NEAR

    def _send_outcomes(self, rows: Sequence[Row], writer: int) -> Callable[[], bool]:
        """The committer's write begun now (outcome_committer.py, "Ahead"): the statement is
        sent on `writer`'s connection, and the server runs and commits it while the worker
        sends its next message; the function returned is `_write_outcomes`, which reads
        its answer (or, when it could not be sent, writes the rows the patient way)."""
        if (statement := self._statement(rows)) is None:
            return lambda: True
        try:
            self._writers[writer].send_prepared(*statement)
        except psycopg.Error:  # the connection lost, say: the patient way at the answer
            return lambda: self._write_outcomes(rows, writer)
        return functools.partial(self._write_outcomes, rows, writer, sent=statement)

    def _fence(self) -> None:
        """Know the kept outcomes on the server's disk, recording again durably the final
        ones whose session is gone (a crash may have lost them); disk_fence.py.  On a
        failure they stay kept (`settle` saves them) and JournalWriteError is raised; on
        success they are forgotten, and so is the file that held them during an outage."""
        taken = self._kept.snapshot()
        if not taken.mark:
            return
        sessions = list(taken.by_session)
        row = self._patiently(
            lambda: self.pg.raw.execute(FENCE, (sessions,)).fetchone(),
            "confirm deliveries on the server's disk",
        )
        again = to_record_again(taken.by_session, set(row[2]) if row else set())
        if again:
            self._patiently(
                lambda: self.pg.raw.execute(RECORD_AGAIN, (rows_json(again),)),
                "record deliveries again after the server restarted",
            )
        self._kept.settled(taken)

    def waiting_for_server(self) -> bool:
        return OUTAGE.waited() is not None

    def stop_waiting(self) -> None:
        """Ctrl-C: no statement of this send (in any of its processes) waits any longer for
        a server that is gone; what it may have lost is on this disk already (disk_fence)."""
        OUTAGE.interrupt()

    def settle(self, recovery: Any) -> str | None:
        """At a run's end: write what is queued and fence the kept outcomes; when the server
        cannot be reached for that, the accepted ones stay in this sender's kept file
        (counted in `recovery`, a RecoveryFile or its part), or go to `recovery` itself when
        that file cannot be written, and the stop's one line is returned."""
        self._committer.close()
        with self._lock:
            try:
                self._fence()
            except JournalWriteError as e:
                accepted = self._kept.accepted()
                if self._kept.save():  # all of them in this sender's kept file, on this disk
                    recovery.count_kept(len(accepted))
                else:  # that file cannot be written: the run's (space reserved at the start)
                    for issue, email, status, _, _, message_id, stamp in accepted:
                        recovery.save(issue, email, status, message_id, stamp)
                self._kept.clear()  # on this disk now: close() waits no second patience
                self._unfenced = True
                return str(e)
        return None

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Closed while worker processes start (a connection never crosses a fork)."""
        self._committer.close()
        with self._lock:
            self._fence()  # nothing kept crosses a fork
        for link in self._writers:
            link.renew()
        self.conn.close()
        try:
            yield
        finally:  # a server down now: the next statement waits for it (_patiently)
            with contextlib.suppress(NewsletterError):
                self.conn = PostgresConnection(connect_durably(self.server), self.server)

    def _patiently(
        self,
        operation: Callable[[], T],
        what: str,
        *,
        patience: float | None = None,
        link: ServerLink | None = None,
        rows: Sequence[Row] = (),
    ) -> T:
        """Run `operation`; a lost connection (the journal's, or the committer's `link`) is
        re-opened and the operation run again, for `patience` seconds; any other refusal is
        one line at once.  The server gone, what it may have lost is first saved on this
        disk (disk_fence.py), with the accepted `rows` the operation writes."""
        try:
            return self._retried(operation, what, patience=patience, link=link, rows=rows)
        except LoginRefused as e:  # reconnecting, the login refused: no wait mends it
            where = self.server.where
            raise JournalWriteError(f"{where}: cannot {what}: {refused_login(where, e)}") from None

    def _retried(
        self,
        operation: Callable[[], T],
        what: str,
        *,
        patience: float | None,
        link: ServerLink | None,
        rows: Sequence[Row],
    ) -> T:
        """_patiently's loop (its doc): LoginRefused from a reconnection passes through."""
        patience = self.patience if patience is None else patience
        deadline = time.monotonic() + patience
        pause, cause = FIRST_PAUSE, ""
        while True:
            try:
                result = operation()
                OUTAGE.ended()
                return result
            except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
                time.sleep(0.01)  # another sender's claim crossed ours: try again
            except psycopg.Error as e:
                lost = link.lost(e) if link is not None else self._lost(e)
                if not lost and not stopped_by_timeout(e):
                    line = str(statement_error(self.server, e)).removeprefix(self.server.where)
                    line = line.removesuffix(", then run the command again")  # the stop says so
                    raise JournalWriteError(f"{self.server.where}: cannot {what}{line}") from None
                cause = cause or server_words(e)  # why it went: later tries say "closed"
                if lost:  # the server gone: what it may have lost, on this disk before waiting
                    self._server_gone(rows)
                    # one deadline for the outage, whichever process saw it first (server_link)
                    deadline = min(deadline, OUTAGE.began(self.patience) + patience)
                    if OUTAGE.interrupted():  # Ctrl-C: the send stops, not waiting
                        deadline = 0.0
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

    def _server_gone(self, rows: Sequence[Row] = ()) -> None:
        """A statement (writing `rows`), or the lease's renewal, found the server gone: the
        accepted outcomes it may have lost or never got on this host's disk (disk_fence.py).

        Not after `settle` left them in the kept file (and forgot them): a later statement of
        the same journal (one process: the run's own reads after it) saved the emptied memory
        over that file, and the re-run mailed those readers again."""
        if getattr(self, "_unfenced", False):  # (None yet while opening)
            return
        if rows:
            self._kept.unsure(rows)
        committer = getattr(self, "_committer", None)  # None: still opening (nothing kept)
        if committer is not None:
            self._kept.queued(committer.queued())
        self._kept.save()

    def _lost(self, e: psycopg.Error) -> bool:
        raw = self.pg.raw
        return raw.closed or raw.broken or isinstance(e, CONNECTION_LOST)

    def _reconnect(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.pg.raw.close()
        try:
            self.conn = PostgresConnection(connect_durably(self.server), self.server)
        except LoginRefused:
            raise  # answered and refused: _patiently stops with it
        except NewsletterError:
            pass  # still down: the next try waits again

    def _gave_up(self, what: str, cause: str, timeout: psycopg.Error | None) -> JournalWriteError:
        if timeout is not None:  # every try stopped by a statement or lock timeout, or cancelled
            hint = "find what holds the lock (pg_stat_activity)"
            if cancelled_by_request(timeout):  # (server_link.stopped_by_timeout)
                hint = (
                    "find the session that cancels this sender's statements "
                    "(pg_cancel_backend; pg_stat_activity), or raise statement_timeout for "
                    "this user (ALTER ROLE … SET): a timeout that runs out as a statement "
                    "ends is reported on the next as a cancel"
                )
            elif not isinstance(timeout, psycopg.errors.LockNotAvailable):
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
        self._heartbeat = Heartbeat(
            self.server,
            self.sender_id,
            self.lease_seconds,
            lost=self._lease_lost,
            held=self._kept.holding,
            gone=self._server_gone,
        )
        if self.local is not None:  # a few bytes; a full disk only makes a re-run wait longer
            with contextlib.suppress(OSError), senders_file(self.local).open("a") as f:
                f.write(self.sender_id + "\n")

    def expire_previous(self) -> None:
        """End this workspace's earlier senders as they would have ended themselves (under
        its send lock, so they are gone: killed, or cut off; and after its recovery file was
        recorded): their unsettled readers given back, free to every sender at once and not
        a lease later, and each marked finished, so the host reads `finished` once done."""
        if self.local is None:
            return
        path = senders_file(self.local)
        try:
            ids = path.read_text("utf-8").split()
        except OSError:
            return
        if ids:

            def end() -> None:
                raw = self.pg.raw
                with raw.transaction():
                    for sender_id in ids:
                        raw.execute(RELEASE, (sender_id,))
                    raw.execute(
                        "UPDATE senders SET finished = now()"
                        " WHERE sender_id = ANY(%s) AND finished IS NULL",
                        (ids,),
                    )

            self._patiently(end, "end this workspace's earlier senders")
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
                "INSERT INTO senders (sender_id, issue_id, host, pid, started, lease_until,"
                " server_epoch) VALUES (%s, %s, %s, %s, now(),"
                f" now() + make_interval(secs => %s), {EPOCH}) RETURNING started",
                (self.sender_id, self.issue_id, self.host or socket.gethostname(), os.getpid(),
                 self.lease_seconds),
            ).fetchone()  # fmt: skip
            assert started is not None
            self.started = started[0]

    def _check_merge(self) -> None:
        """The first sender records the hash; the others must have the same (in a transaction)."""
        # Recorded as `--status` names a host, with this process's pid: a refusal quotes it
        # to the editor, who cannot look up a sender's id (the parent's never registers).
        first = f"{self.host or socket.gethostname()} pid {os.getpid()}"
        check_merge_hash(self.pg.raw, self.server, self.issue_id, self.merge, first, self.key_check)

    def _finish(self) -> None:
        """Give back the claimed readers this sender did not settle, and mark it finished.

        Only the readers it claimed and saw no final outcome of committed are looked at
        (RELEASE_SOME): an outcome acknowledged and then lost in a server crash is recorded
        again by the fence, which close() runs first, and when the fence fails this is not
        run at all."""
        raw = self.pg.raw
        ids = [n for (issue, _), n in list(self._unsettled.items()) if issue == self.issue_id]
        with raw.transaction():
            if ids:
                raw.execute(RELEASE_SOME, (self.issue_id, ids, self.sender_id))
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
        yield from self._claimed(limit=limit, resend_unknown=resend_unknown, up_to=up_to, part=part)

    def _claimed(
        self,
        *,
        limit: int | None,
        resend_unknown: bool,
        up_to: int | None,
        part: tuple[int, int] = (0, 1),
    ) -> Iterator[Recipient]:
        """One pass: this worker process's own range of ids first, then the rest of the
        list, each range of the rest walked only when it may hold a reader to claim
        (`claim_ranges`, ANY_FREE)."""
        done = "('sent')" if resend_unknown else "('sent', 'unknown')"
        pass_start = self._patiently(self._server_now, "read the server's time")
        self._passes += 1
        if self._passes > 1 and not self._any_unsent(done, up_to):
            return  # nobody left to claim: no walk over the list (ANY_UNSENT)
        given = 0
        for number, (first, end) in enumerate(claim_ranges(part, up_to)):
            if number and not self._any_free(done, first, end):
                continue  # held by the other living senders, or sent: nothing to walk
            for recipient in self._claimed_in(first, end, done, pass_start, limit, given):
                yield recipient
                given += 1
            if limit is not None and given >= limit:
                return

    def _claimed_in(
        self, last: int, end: int, done: str, pass_start: Any, limit: int | None, given: int
    ) -> Iterator[Recipient]:
        """The readers this sender claims with ids after `last` up to `end`, in id order,
        a batch at a time, until nobody is free there (or `limit` readers are given).

        A full batch of a big list (CLAIM_BATCH readers, no `limit`) has the next one claimed
        at once on a thread of its own (`_ClaimAhead`), from its last id, while its readers
        go out: the claim (its fence, its statement: 10-16 ms at 100,000 readers) no longer
        stops both of the process's connections at every batch (docs/postgresql-measurements.md,
        "Part 11").  It is used only when the cursor reaches that id with the batch still fresh;
        otherwise it is waited for and claimed again from the cursor (its readers are this
        sender's own claims of the pass, which CLAIM takes again)."""
        query = CLAIM.format(done=done)
        heartbeat = self._heartbeat
        assert heartbeat is not None
        ahead: _ClaimAhead | None = None
        try:
            while limit is None or given < limit:
                size = claim_size(self.batch, last, end)
                size = size if limit is None else min(size, limit - given)
                params = {
                    "issue": self.issue_id,
                    "me": self.sender_id,
                    "last": last,
                    "up_to": end,
                    "pass_start": pass_start,
                    "my_start": self.started,
                    "size": size,
                }
                taken = ahead.taken(params) if ahead is not None else None
                ahead = None
                rows, read_at = taken or self._claim_batch(query, params)
                if limit is None and size == self.batch and len(rows) == size:
                    following = {**params, "last": rows[-1][0]}
                    following["size"] = claim_size(self.batch, rows[-1][0], end)
                    ahead = _ClaimAhead(partial(self._claim_batch, query, following), following)
                    self._ahead = ahead  # close() waits for it
                for number, email, name, fields, first_name, won in rows:
                    if time.monotonic() - read_at > FRESH_FOR or not heartbeat.valid():
                        break  # claim again: statuses may have changed, the lease must be fresh
                    if won:  # not won: another sender claimed it after the statement's snapshot
                        yield Recipient(email, name, _fields(fields), first_name=first_name)
                        given += 1
                    last = number
                else:
                    if len(rows) < size:  # nobody free after the cursor: the range is done
                        return
        finally:
            if ahead is not None:  # its readers are claimed: unsettled, given back at the end
                ahead.wait()

    def _claim_batch(self, query: str, params: dict[str, Any]) -> tuple[list[Any], float]:
        """One claim (CLAIM with `params`), after the fence, with the lease fresh: the rows,
        and when they were read."""
        heartbeat = self._heartbeat
        assert heartbeat is not None
        heartbeat.wait_valid(self.patience, self.server)
        with self._lock:
            self._fence()  # the kept outcomes on disk before more readers are claimed
            rows = self._patiently(partial_fetch(self, query, params), "claim readers")
        # every reader won is this sender's to give back until settled, yielded or not
        self._unsettled.update(((self.issue_id, r[1]), r[0]) for r in rows if r[5])
        return rows, time.monotonic()

    def _any_free(self, done: str, last: int, end: int) -> bool:
        """May a reader with an id after `last` up to `end` be claimed (ANY_FREE)?"""
        params = {"issue": self.issue_id, "me": self.sender_id, "last": last, "up_to": end}
        row = self._hash_joined(ANY_FREE.format(done=done), params, "read the journal")
        return bool(row and row[0])

    def _any_unsent(self, done: str, up_to: int | None) -> bool:
        """Is an active reader up to `up_to` without a `done` outcome left (ANY_UNSENT)?"""
        params = {"issue": self.issue_id, "up_to": NO_ID_LIMIT if up_to is None else up_to}
        row = self._hash_joined(ANY_UNSENT.format(done=done), params, "read the journal")
        return bool(row and row[0])

    def _hash_joined(self, query: str, params: Any, what: str) -> tuple[Any, ...] | None:
        """`query`'s one row, read with hash joins (the planner's nested loops over claims
        and deliveries it has not analysed yet cost the square of their number), on this
        sender's connection, patiently: _any_free, _any_unsent, others_pending."""

        def read() -> tuple[Any, ...] | None:
            with self.pg.raw.transaction():
                self.pg.raw.execute("SET LOCAL enable_nestloop = off")
                return self.pg.raw.execute(query, params).fetchone()

        with self._lock:
            return self._patiently(read, what)

    def _server_now(self) -> Any:
        row = self.pg.raw.execute("SELECT now()").fetchone()
        assert row is not None
        return row[0]

    def others_pending(self, up_to: int | None = None) -> int:
        """Readers not yet sent that another living sender holds: what this one waits for."""
        params = (self.issue_id, self.sender_id, NO_ID_LIMIT if up_to is None else up_to)
        row = self._hash_joined(OTHERS_PENDING, params, "read the other senders' claims")
        return int(row[0]) if row else 0

    def say_waiting(self) -> bool:
        """One line, through the CLI, that this run waits for readers held by a sender whose
        lease is no longer renewed (a host killed or stopped): the progress stood still until
        that lease ran out, saying nothing of why (tried as a new user: 226 of 290 for 20 s,
        "ETA 6 s").  A sender still renewing its lease (a slow relay, a retry) is not named.
        True if said."""
        if self._warn is None or self.lease_seconds is None:
            return False
        params = (self.issue_id, self.sender_id, NO_ID_LIMIT, self.lease_seconds * 2 / 3)
        row = self._hash_joined(OTHERS_STALLED, params, "read the other senders' claims")
        held = int(row[0]) if row else 0
        if held:
            self._warn(
                f"{self.server.where}: waiting for {held:,} reader(s) of issue {self.issue_id} "
                "that a sender which stopped renewing its lease (killed, or cut off) claimed "
                "and did not send; they come to this one when its lease runs out (smtp.lease, "
                f"{self.lease_seconds:g} s here); `send --status` names its host"
            )
        return bool(held)

    def would_send(self, email: str) -> bool:
        """Active, neither sent nor unknown, and (for a sender) still claimed by this one."""
        if not super().would_send(email):
            return False
        if self._heartbeat is None:
            return True

        def mine() -> bool:
            return (
                self.pg.raw.execute(STILL_MINE, (self.issue_id, self.sender_id, email)).fetchone()
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

    def bounce_budget(self) -> tuple[int, int]:
        """As on SQLite, with hash joins, as `counts` (a hostile relay's tens of thousands of
        failed deliveries against every reader would otherwise be a nested loop)."""

        def read() -> tuple[int, int]:
            with self.pg.raw.transaction():
                self.pg.raw.execute("SET LOCAL enable_nestloop = off")
                self.pg.raw.execute("SET LOCAL jit = off")
                return self._bounce_budget()

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
                per_sender, senders = status_rows(self.pg.raw, self.issue_id)
                unsent = sum(int(r[4]) for r in per_sender.values())  # over every sender
                inactive = sum(int(r[5]) for r in per_sender.values())
                return self._counts(first, (unsent, inactive)), tuple(
                    sender_share(r, per_sender.get(r[0], (0,) * 6)) for r in senders
                )

        with self._lock:
            return self._patiently(read, "read the journal")

    def issues_reached(self) -> frozenset[str]:
        """Every issue that reached a reader (sent, or unknown)."""

        def read() -> list[tuple[Any, ...]]:
            query = "SELECT DISTINCT issue_id FROM deliveries WHERE status IN ('sent', 'unknown')"
            return self.pg.raw.execute(query).fetchall()

        return frozenset(str(issue_id) for (issue_id,) in self._patiently(read, "read the journal"))

    def held(self) -> list[tuple[str, int]]:
        """The readers held for senders cut off by a restart or failover, per host (HELD)."""

        def read() -> list[tuple[str, int]]:
            rows = self.pg.raw.execute(HELD, (self.issue_id,)).fetchall()
            return [(str(host), int(n)) for host, n in rows]

        with self._lock:
            return self._patiently(read, "read the held readers")

    def take_over(self) -> list[tuple[str, int]]:
        """Free the readers held for senders cut off by a restart or failover (`--take-over`,
        the editor's choice): what was held, per host."""

        def take() -> list[tuple[str, int]]:
            raw = self.pg.raw
            with raw.transaction():
                rows = raw.execute(HELD, (self.issue_id,)).fetchall()
                raw.execute(TAKE_OVER, (self.issue_id,))
            return [(str(host), int(n)) for host, n in rows]

        with self._lock:
            return self._patiently(take, "take over the held readers")

    def shares(self) -> tuple[SenderShare, ...]:
        """Every sender of the issue, oldest first, with its share (`send --status`)."""

        def read() -> list[tuple[Any, ...]]:
            with self.pg.raw.transaction():
                self.pg.raw.execute("SET LOCAL enable_nestloop = off")  # as counts() says
                self.pg.raw.execute("SET LOCAL jit = off")
                return self.pg.raw.execute(SHARES, {"issue": self.issue_id}).fetchall()

        with self._lock:  # as every read of this connection: a claim may run on its thread
            rows = self._patiently(read, "read the senders")
        return tuple(share_of(r) for r in rows)


_last_stamp: tuple[int, str] = (0, "")  # (second, its stamp): one strftime a second


def _stamp() -> str:
    """utc_now() (database.py's format) to the microsecond, the second formatted once a
    second, not once a message: strftime was 5% of a sender's CPU on PostgreSQL (py-spy).

    To the microsecond because a stamp is how a re-run knows a kept outcome's row
    (journaled_run._apply_recovery: same status, Message-ID and stamp, and a list copy's
    Message-ID is the same from every host): to the second, another host's copy of the same
    reader mailed within that second (a short `lease`, or clocks apart) read as this host's
    own row, and the second copy went unsaid."""
    global _last_stamp
    now = time.time()
    second, last = int(now), _last_stamp  # read once: other threads replace it
    if last[0] != second:
        last = _last_stamp = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{last[1]}.{int((now - second) * 1_000_000):06d}Z"


def partial_fetch(
    journal: PostgresJournal, query: str, params: dict[str, Any]
) -> Callable[[], list[tuple[Any, ...]]]:
    """The claim statement as one operation `_patiently` may run again (a lost connection)."""

    def fetch() -> list[tuple[Any, ...]]:
        return journal.pg.raw.execute(query, params).fetchall()

    return fetch


def _fields(value: str) -> dict[str, Any]:
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}


class _ClaimAhead:
    """A claim run on a thread of its own while the batch before it goes out
    (`PostgresJournal._claimed_in`): its rows once taken, its failure raised then."""

    def __init__(self, claim: Callable[[], tuple[list[Any], float]], params: dict[str, Any]):
        self.params = params
        self._result: tuple[list[Any], float] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(claim,), name="send-claim")
        self._thread.daemon = True
        self._thread.start()

    def _run(self, claim: Callable[[], tuple[list[Any], float]]) -> None:
        try:
            self._result = claim()
        except BaseException as e:  # raised where the rows are taken (or dropped at the end)
            self._error = e

    def wait(self) -> None:
        self._thread.join()

    def taken(self, params: dict[str, Any]) -> tuple[list[Any], float] | None:
        """Its rows and when they were read, if it was claimed with `params`; None (after
        it ended) when the cursor stopped elsewhere.  A failure is raised either way."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result if params == self.params else None
