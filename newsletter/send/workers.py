"""`SendRun`: one run's worker threads, retry schedule, counters and stop signal.

Each worker holds one reused connection and takes its next recipient from
`_next`: a retry that is due, else the next recipient of the stream, else it
waits for the earliest retry.  A recipient refused for now (4xx, dropped
connection, 503) is scheduled again with exponential backoff and jitter while
the worker goes on with the list: a flaky relay slows nobody else.  Each
accepted message is recorded (committed) before the worker takes another; on a
`batched` journal (PostgreSQL: outcome_committer.py) the worker hands the outcome over and
goes on, and waits for its commit just before its next message's final `.` (and before it
ends): at a kill -9 each connection still leaves at most one message whose outcome the
journal does not have, the argument is outcome_committer.py's.  That wait also needs the
server to have found the sender's lease live after the message's reader was given out (a
lease mark taken in `_attempt`); when the server saw it run out (LeaseLost), the message is
dropped unsent and the run stops with one line (the fence, outcome_committer.py).

A message whose reply was lost after its final `.` is recorded `unknown` at
once and never tried again in this run; it counts as a failure towards
`max_consecutive_failures`, so a relay that drops after every message pauses
the run within a few messages.  A journal write that fails stops the run at
once; what the relay accepted meanwhile goes to the recovery file.  So does
a message answered whose journal write still waits for a busy database when
an interrupted run stops waiting: the run ends before that write would.

A run may be one of several sending one issue at once, each in its own worker
process over its own part of the list (processes.py).  They then share a
`RunBoard`: a stop by one stops them all, and failures in a row are counted
over all of them.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from newsletter.config import SmtpSettings
from newsletter.errors import NewsletterError
from newsletter.mail.headers import HeaderValueError
from newsletter.mail.personalize import Recipient
from newsletter.send.composer import Composer
from newsletter.send.journal import (
    HANDED_OVER,
    UNREACHABLE,
    DeliveryJournal,
    Failure,
    JournalWriteError,
    LeaseLost,
)
from newsletter.send.pacing import RateLimiter, backoff
from newsletter.send.recovery import RecoveryFile
from newsletter.send.transport import (
    Connection,
    ConnectionLost,
    OutcomeUnknown,
    PermanentFailure,
    ServerUnavailable,
    TemporaryFailure,
    Transport,
)

INTERRUPTED = "interrupted; run the same command again to resume"
FIRST_FAILURES = 10  # how many failures a summary lists by name
# The relay's word that an address does not exist (5.1.x) marks the reader bounced while a run
# has marked at most this many, plus one per SENT_PER_BOUNCE messages it sent: a list's dead
# addresses are a few in a hundred, a relay refusing every other reader as unknown is broken.
BELIEVED_BOUNCES = 10
SENT_PER_BOUNCE = 20
RETRY_CAP = 60.0  # seconds: the longest wait between two attempts for one recipient


@dataclass(frozen=True, slots=True)
class SendProgress:
    """How far a run is, for a progress bar."""

    sent: int
    failed: int  # refused for good, out of attempts, or outcome unknown
    total: int  # recipients this run means to try
    elapsed: float
    # Connections waiting to reconnect to a relay that stopped answering: the count stands
    # still meanwhile, and the display says why (a new user watched "6/12, 0 failed" for two
    # minutes while the relay was down, and learnt why only at the end).
    reconnecting: int = 0
    # On PostgreSQL, while the database server is gone: seconds waited for it so far, and
    # the patience (server_link.OutageClock); the count stands still meanwhile too.
    database: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """What one run did: the counts and reasons a summary is made of."""

    sent: int = 0
    failed: int = 0  # refused for good or out of attempts
    unknown: int = 0  # reply lost after the final `.`
    retries: int = 0
    bounced: int = 0
    unbelieved: int = 0  # refused as unknown past what a list holds (BELIEVED_BOUNCES): not marked
    refused_once: int = 0  # refused as unknown for the first issue in a row: not marked yet
    failures: tuple[Failure, ...] = ()  # the first ones
    reasons: tuple[tuple[str, int], ...] = ()  # every failure reason and its count
    stopped: str | None = None  # why the run ended early, if it did
    stopped_at: float = 0.0  # when (monotonic seconds): of several runs, the first stop says why
    paused: bool = False
    interrupted: bool = False
    journal_failed: bool = False

    @classmethod
    def merged(cls, results: Iterable[RunResult]) -> RunResult:
        """The runs of one send (one per worker process) as one."""
        results = list(results)
        reasons: Counter[str] = Counter()
        for r in results:
            reasons.update(dict(r.reasons))
        stops = sorted((r for r in results if r.stopped), key=lambda r: r.stopped_at)
        first = stops[0] if stops else None
        return cls(
            sent=sum(r.sent for r in results),
            failed=sum(r.failed for r in results),
            unknown=sum(r.unknown for r in results),
            retries=sum(r.retries for r in results),
            bounced=sum(r.bounced for r in results),
            unbelieved=sum(r.unbelieved for r in results),
            refused_once=sum(r.refused_once for r in results),
            failures=tuple(f for r in results for f in r.failures)[:FIRST_FAILURES],
            reasons=tuple(reasons.most_common()),
            stopped=first.stopped if first else None,
            stopped_at=first.stopped_at if first else 0.0,
            paused=first.paused if first else False,
            interrupted=any(r.interrupted for r in results),
            journal_failed=any(r.journal_failed for r in results),
        )


class RunBoard(Protocol):
    """What the runs sending one issue at once (one per worker process) share."""

    def stopped(self) -> bool:
        """Has any run stopped the send?"""
        ...

    def stop(self) -> None:
        """Stop every run (this one has stopped for a reason of its own)."""
        ...

    def post(self, sent: int, failed: int, in_a_row: int, reconnecting: int = 0) -> None:
        """This run's counts, for the progress bar and the failures in a row."""
        ...

    def in_a_row(self) -> int:
        """Failures in a row, over every run."""
        ...


@dataclass(order=True, slots=True)
class _Retry:
    """A recipient refused for now, due again at `due` (monotonic seconds)."""

    due: float
    order: int  # first scheduled, first retried among equals
    recipient: Recipient = field(compare=False)
    attempts: int = field(compare=False)


class SendRun:
    """Sends to a stream of recipients with `smtp.connections` threads; see the module doc."""

    def __init__(
        self,
        composer: Composer,
        transport: Transport,
        smtp: SmtpSettings,
        journal: DeliveryJournal | None,
        total: int,
        on_progress: Callable[[SendProgress], None] | None = None,
        recovery: RecoveryFile | None = None,
        board: RunBoard | None = None,
        *,
        in_flight_unknown: bool = False,
    ) -> None:
        self.composer = composer
        self.in_flight_unknown = in_flight_unknown  # SendOptions.in_flight_unknown
        self.transport = transport
        self.smtp = smtp
        self.journal = journal  # None: record nothing (a dry run)
        self.total = total
        self.on_progress = on_progress
        self.recovery = recovery  # where accepted messages go when the journal cannot take them
        self.board = board  # shared with the other processes sending this issue, if any
        self.limiter = RateLimiter(smtp.rate)
        self.stop = threading.Event()
        self._stream: Iterator[Recipient] = iter(())
        self._stream_done = False
        self._retries: list[_Retry] = []  # a heap, earliest due first
        self._order = itertools.count()
        self._feed_lock = threading.Lock()
        self._lock = threading.RLock()  # _failed may _halt while holding it
        self.sent = self.failed = self.retries = self.consecutive = 0
        self.unknown = self.bounced = self.unbelieved = self.refused_once = 0
        # The issue's sent and marked bounced before this run (rounds, runs, other senders)
        self._sent_before, self._bounced_before = journal.bounce_budget() if journal else (0, 0)
        self.reconnecting = 0  # connections in _connect's backoff (SendProgress.reconnecting)
        self.journal_error: str | None = None  # the journal write that stopped the run
        self._in_flight: dict[int, tuple[str, str]] = {}  # worker -> (address, Message-ID)
        # worker -> (address, status, Message-ID): accepted (or unknown), journal write under way
        # (email, status, Message-ID, the stamp its journal row is written with)
        self._recording: dict[int, tuple[str, str, str, str]] = {}
        # worker -> accepted outcomes handed to a batched journal, counted, commit not yet seen
        self._unconfirmed: dict[int, list[tuple[str, str, str, str]]] = {}
        self.accepted_any = False
        self.failures: list[Failure] = []
        self.reasons: Counter[str] = Counter()
        self.stopped: str | None = None
        self.stopped_at = 0.0
        self.paused = self.interrupted = False
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def execute(self, recipients: Iterable[Recipient]) -> None:
        """Run the workers until every recipient is done or the run stops."""
        self._stream = iter(recipients)
        # Each worker sets its own event when it is done.  Thread.join is not used to wait:
        # a Ctrl-C landing inside join() makes CPython mark the joined thread as stopped
        # while it still runs (threading's bpo-45274 clean-up), and the run would then end
        # with that worker's message delivered but not journaled.
        finished = [threading.Event() for _ in range(self.smtp.connections)]
        for i, done in enumerate(finished):
            threading.Thread(target=self._work, args=(done,), name=f"send-{i}", daemon=True).start()
        tick = 0.2 if self.board is None else 0.05  # a stop by another process: seen in 0.05 s
        try:
            for done in finished:
                while not done.wait(tick):  # a timeout, so Ctrl-C reaches this thread
                    if self.board is not None and self.board.stopped():
                        self.stop.set()
                    elif self._waiting_for_server():
                        with self._lock:  # the progress says for how long, while nothing moves
                            self._progress()
        except KeyboardInterrupt:
            self.interrupted = True
            self._halt(INTERRUPTED)
            if self.journal is not None:
                self.journal.stop_waiting()  # a server gone is not waited for any more
            self._let_in_flight_finish(finished)

    def _waiting_for_server(self) -> bool:
        """One process whose journal waits for its database server (PostgreSQL): the parent of
        worker processes draws their progress itself."""
        journal = self.journal
        return (
            self.board is None
            and self.on_progress is not None
            and journal is not None
            and (journal.waiting_for_server())
        )

    def _let_in_flight_finish(self, finished: list[threading.Event]) -> None:
        """Give the messages in flight `timeout` seconds to be answered (and recorded).

        A relay may take up to `data_timeout` to answer the final `.`; an editor who
        pressed Ctrl-C should not wait that long.  A message still unanswered then is
        recorded `unknown` (never re-sent by itself) and its worker is left behind.
        """
        deadline = time.monotonic() + self.smtp.timeout
        try:
            for done in finished:
                while not done.wait(min(0.2, max(0.0, deadline - time.monotonic()))):
                    if time.monotonic() >= deadline:
                        break
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting now
            pass
        with self._lock:
            abandoned = list(self._in_flight.values())
            self._in_flight.clear()
            unrecorded = list(self._recording.values())
            self._recording.clear()
            unconfirmed = [kept for each in self._unconfirmed.values() for kept in each]
            self._unconfirmed.clear()
        self._keep_unrecorded(unrecorded)
        self._keep_unrecorded(unconfirmed, counted=True)
        for email, message_id in abandoned:
            self._unknown(email, message_id, 1, "interrupted while waiting for the relay's reply")
        with contextlib.suppress(NewsletterError):  # a failure is saved and said by itself
            self._confirm_recorded()  # those unknown, handed to a batched journal

    def _keep_unrecorded(
        self, unrecorded: list[tuple[str, str, str, str]], *, counted: bool = False
    ) -> None:
        """Messages the relay answered whose journal write still waits (the database busy
        with an import, say) when the run stops waiting: the run ends before those writes,
        so each goes to the recovery file, which the next run records before it sends.
        `counted`: already in this run's counts (handed to a batched journal)."""
        if self.journal is None or self.recovery is None:
            return
        for email, status, message_id, stamp in unrecorded:
            self.recovery.save(self.journal.issue_id, email, status, message_id, stamp)
            if counted:
                continue
            with self._lock:
                if status == "sent":
                    self.sent += 1
                else:
                    self.unknown += 1

    def result(self) -> RunResult:
        """What this run did, as a frozen value (once it has ended)."""
        with self._lock:
            return RunResult(
                sent=self.sent,
                failed=self.failed,
                unknown=self.unknown,
                retries=self.retries,
                bounced=self.bounced,
                unbelieved=self.unbelieved,
                refused_once=self.refused_once,
                failures=tuple(self.failures),
                reasons=tuple(self.reasons.most_common()),
                stopped=self.stopped,
                stopped_at=self.stopped_at,
                paused=self.paused,
                interrupted=self.interrupted,
                journal_failed=self.journal_error is not None,
            )

    def _next(self) -> Recipient | _Retry | float | None:
        """A due retry, else the stream's next recipient, else seconds to wait; None: all done."""
        with self._feed_lock:
            if self.board is not None and self.board.stopped():  # another process stopped
                self.stop.set()
            if self.stop.is_set():
                return None
            now = time.monotonic()
            if self._retries and self._retries[0].due <= now:
                return heapq.heappop(self._retries)
            if not self._stream_done:
                recipient = next(self._stream, None)  # the database is read a batch at a time
                if recipient is not None:
                    return recipient
                self._stream_done = True
            if self._retries:
                return min(0.2, self._retries[0].due - now)
            return None  # a retry scheduled later by a busy worker is that worker's to take

    def _work(self, done: threading.Event) -> None:
        connection: Connection | None = None
        try:
            # The rate limit's slot is waited for before a recipient is taken, so whoever is
            # taken is sent at once: an unsubscribe during a slow send is not missed.
            while not self._paced() and (turn := self._next()) is not None:
                if isinstance(turn, float):
                    self.stop.wait(turn)
                elif isinstance(turn, _Retry):
                    connection = self._attempt(turn.recipient, turn.attempts + 1, connection)
                else:
                    connection = self._attempt(turn, 1, connection)
        except NewsletterError as e:  # the list cannot be read further, say
            if isinstance(e, JournalWriteError) and UNREACHABLE in str(e):
                with self._lock:  # a database server gone: the summary says what to do
                    self.journal_error = self.journal_error or str(e)
            self._halt(str(e))
        except Exception as e:  # a bug must stop the run loudly, not hang it
            self._halt(f"internal error in the sender ({type(e).__name__}: {e}); please report it")
        finally:
            with contextlib.suppress(NewsletterError):  # a failure is saved and said by itself
                self._confirm_recorded()  # the last outcomes, before the connection ends
            if connection is not None:
                connection.close()
            done.set()

    def _attempt(
        self, recipient: Recipient, attempt: int, connection: Connection | None
    ) -> Connection | None:
        """One attempt at one recipient; returns the connection to reuse (None: reconnect)."""
        given_out = 0
        if self.journal is not None:
            given_out = self.journal.lease_mark()
            self.journal.write_ahead()  # the last outcome's commit, beside this message
        try:
            message = self.composer.message_for(recipient, list_copy=True)
        except HeaderValueError as e:
            self._failed(recipient.email, "", attempt, str(e))
            return connection
        if (
            attempt > 1
            and self.journal is not None
            and not self.journal.would_send(recipient.email)
        ):
            return connection  # a retry for someone who left the list (or was sent) meanwhile
        if connection is None and (connection := self._connect()) is None:
            return None  # the run stops; this recipient stays unsent
        me = threading.get_ident()
        with self._lock:
            self._in_flight[me] = (recipient.email, message.message_id)
        # Answered, the message leaves `_in_flight`: a refused one here, an accepted one (or
        # unknown) in `_record`, in the same hold of the lock that marks it being recorded,
        # so an interrupted run always finds it in one of the two (_let_in_flight_finish).
        at_end = None
        if self.journal is not None and (self.journal.batched or self.in_flight_unknown):
            at_end = partial(self._before_final_dot, recipient.email, message.message_id, given_out)
        try:
            connection.send(message.envelope_from, message.recipient, message.data, at_end=at_end)
        except OutcomeUnknown as e:
            self._unknown(recipient.email, message.message_id, attempt, e.reason)
            return None
        except (TemporaryFailure, ConnectionLost) as e:
            self._settle(me)
            self._retry_later(recipient, message.message_id, attempt, e.reason)
            return None if isinstance(e, ConnectionLost) else connection
        except PermanentFailure as e:
            self._settle(me)
            self._failed(recipient.email, message.message_id, attempt, e.reason)
            if e.bad_address:
                self._bounced(recipient.email, e.reason, message.message_id)
        except NewsletterError as e:  # an unwritable outbox, say
            self._settle(me)
            self._halt(str(e))
        else:
            self._sent(recipient.email, message.message_id)
        return connection

    def _before_final_dot(self, email: str, message_id: str, given_out: int) -> None:
        """The last moment the relay cannot have the message: the worker's previous outcome
        must be committed (a batched journal) and the server must have found this sender's
        lease live after the reader was given out (`given_out`, a lease mark: the fence,
        outcome_committer.py), and with `in_flight_unknown` this one is recorded as handed
        over.  Raising here drops the message unsent."""
        self._confirm_recorded(given_out)
        if self.in_flight_unknown:
            self._handing_over(email, message_id)

    def _confirm_recorded(self, given_out: int | None = None) -> None:
        """Wait until this worker's outcomes handed to a batched journal are committed (see
        the module doc), then with `given_out` for the lease confirmed after it.  When they
        cannot be, what the relay accepted goes to the recovery file, the run stops with the
        journal's one line, and JournalWriteError is raised; LeaseLost (the outcomes are
        committed) stops the run with its own line."""
        if self.journal is None or not self.journal.batched:
            return
        me = threading.get_ident()
        try:
            self.journal.wait_recorded()
        except JournalWriteError as e:
            with self._lock:
                kept = self._unconfirmed.pop(me, [])
                self.journal_error = self.journal_error or str(e)
            for email, status, message_id, stamp in kept:
                if self.recovery is not None:
                    self.recovery.save(self.journal.issue_id, email, status, message_id, stamp)
            self._halt(str(e))
            raise
        with self._lock:
            self._unconfirmed.pop(me, None)
        if given_out is None:
            return
        try:
            self.journal.wait_recorded(given_out)  # the fence: nothing left to commit
        except JournalWriteError as e:
            with self._lock:
                self.journal_error = self.journal_error or str(e)
            self._halt(str(e))
            raise
        except LeaseLost as e:
            self._halt(str(e))
            raise

    def _handing_over(self, email: str, message_id: str) -> None:
        """Just before the final `.`: `unknown` until the reply is recorded over it, so a run
        killed in between (kill -9) does not mail this reader again by itself."""
        assert self.journal is not None
        self.journal.record(email, "unknown", attempts=0, error=HANDED_OVER, message_id=message_id)

    def _paced(self) -> bool:
        """Wait for the rate limit's next slot; True if the run stopped meanwhile."""
        wait = self.limiter.delay()
        return bool(wait) and self.stop.wait(wait)

    def _settle(self, worker: int) -> None:
        """This worker's message is answered (or failed): the interrupted run need not guess."""
        with self._lock:
            self._in_flight.pop(worker, None)

    def _connect(self) -> Connection | None:
        """A new connection, retried with backoff while the server is unreachable; None: halted.

        While it waits, the progress shows one more connection reconnecting."""
        waited: list[bool] = []

        def on_wait() -> None:
            waited.append(True)
            self._waiting(True)

        try:
            return self._connect_attempts(on_wait)
        finally:
            if waited:
                self._waiting(False)

    def _waiting(self, start: bool) -> None:
        """One connection starts (or stops) waiting for the relay: the progress says so."""
        with self._lock:
            self.reconnecting += 1 if start else -1
            self._progress()

    def _connect_attempts(self, on_wait: Callable[[], None]) -> Connection | None:
        """_connect's attempts; `on_wait` is called before the first wait."""
        for attempt in range(1, self.smtp.max_attempts + 1):
            try:
                return self.transport.connect()
            except ServerUnavailable as e:
                if e.refused and not self.accepted_any:  # nothing listens there: stop at once
                    self._halt(str(e))
                    return None
                if attempt == self.smtp.max_attempts:
                    self._halt(
                        f"{e}; gave up after {attempt} attempts to connect, "
                        "run the same command again to resume"
                    )
                    return None
                if attempt == 1:
                    on_wait()
                if self.stop.wait(backoff(attempt, self.smtp.retry_delay, cap=RETRY_CAP)):
                    return None
            except NewsletterError as e:  # authentication, certificates: no use retrying
                self._halt(str(e))
                return None
        return None

    def _record(self, email: str, status: str, error: str = "", message_id: str = "") -> None:
        """Record an outcome.  An accepted one is stamped here, and kept with its stamp until
        committed: if it goes to the recovery file instead, its line carries the stamp its
        journal row was written with, so a re-run knows that row, should the server have kept
        it, for this run's own (not another host's second copy), and records the outcome at
        the time it was accepted, not at the re-run's."""
        me, accepted = threading.get_ident(), status in ("sent", "unknown")
        stamp = self.journal.stamp() if accepted and self.journal is not None else None
        with self._lock:  # out of flight and into recording at once (see _attempt)
            self._in_flight.pop(me, None)
            if stamp is not None:  # until committed, not to be forgotten
                self._recording[me] = (email, status, message_id, stamp)
        if self.journal is None:
            return
        handed: tuple[str, str, str, str] | None = None  # to a batched journal: confirmed later
        try:
            self.journal.record_soon(
                email, status, attempts=1, error=error, message_id=message_id, now=stamp
            )
            if stamp is not None and self.journal.batched:
                handed = (email, status, message_id, stamp)
        except JournalWriteError as e:
            if stamp is not None and self.recovery is not None:
                self.recovery.save(self.journal.issue_id, email, status, message_id, stamp)
            with self._lock:
                if self.journal_error is None:
                    self.journal_error = str(e)
            self._halt(str(e))
        finally:
            if accepted:
                with self._lock:  # out of recording and into unconfirmed at once
                    self._recording.pop(me, None)
                    if handed is not None:
                        self._unconfirmed.setdefault(me, []).append(handed)

    def _sent(self, email: str, message_id: str) -> None:
        self._record(email, "sent", message_id=message_id)  # committed before anything else
        with self._lock:
            self.sent += 1
            self.consecutive = 0
            self.accepted_any = True
            self._progress()

    def _unknown(self, email: str, message_id: str, attempts: int, reason: str) -> None:
        reason = f"outcome unknown: {reason}"
        self._record(email, "unknown", reason, message_id)  # at once: never re-sent by itself
        with self._lock:
            self.unknown += 1
            self.accepted_any = True  # the relay was there: a later refusal may be a restart
        self._count_failure(email, attempts, reason)

    def _bounced(self, email: str, reply: str, message_id: str) -> None:
        """Mark a reader the relay refused as an unknown address bounced, while believable.

        The relay speaks for every reader: one that answers `550 5.1.1` to every other
        reader (broken, or misconfigured as the final server of a domain) marked half the
        list bounced in one run, never pausing (its refusals were never 20 in a row).  Past
        BELIEVED_BOUNCES and one per SENT_PER_BOUNCE sent, the refusal is recorded failed
        and the reader stays active: the next issue asks again.  Counted over the issue's
        journal (DeliveryJournal.bounce_budget): a run again, or a round on PostgreSQL, is
        no new allowance.

        And the relay's word is believed only the second issue in a row it says so
        (DeliveryJournal.refused_before): a relay lying within the allowance still marked
        ten living readers an issue.  Refused at RCPT, the message never left: asking once
        more costs the list nothing, and the summary shows the first refusals meanwhile.
        """
        if self.journal is None:
            return
        try:
            again = self.journal.refused_before(email)
        except JournalWriteError as e:
            self._halt(str(e))
            return
        if not again:
            with self._lock:
                self.refused_once += 1
            return
        with self._lock:  # the place is taken before the write: workers mark at once
            sent = self._sent_before + self.sent
            if self._bounced_before + self.bounced >= BELIEVED_BOUNCES + sent // SENT_PER_BOUNCE:
                self.unbelieved += 1
                return
            self.bounced += 1
        try:
            self.journal.mark_bounced(email, reply, message_id)
        except JournalWriteError as e:
            with self._lock:
                self.bounced -= 1
            self._halt(str(e))

    def _retry_later(self, recipient: Recipient, message_id: str, attempt: int, error: str) -> None:
        if attempt >= self.smtp.max_attempts:
            self._failed(
                recipient.email, message_id, attempt, f"{error} (after {attempt} attempts)"
            )
            return
        self._record(recipient.email, "pending", error, message_id)
        due = time.monotonic() + backoff(attempt, self.smtp.retry_delay, cap=RETRY_CAP)
        with self._feed_lock:
            heapq.heappush(self._retries, _Retry(due, next(self._order), recipient, attempt))
        with self._lock:
            self.retries += 1

    def _failed(self, email: str, message_id: str, attempts: int, reason: str) -> None:
        self._record(email, "failed", reason, message_id)
        with self._lock:
            self.failed += 1
        self._count_failure(email, attempts, reason)

    def _count_failure(self, email: str, attempts: int, reason: str) -> None:
        """A failed or unknown recipient: listed, counted towards a pause."""
        with self._lock:
            self.consecutive += 1
            self.reasons[reason] += 1
            if len(self.failures) < FIRST_FAILURES:
                self.failures.append(Failure(email, reason, attempts))
            self._progress()
            in_a_row = self.consecutive if self.board is None else self.board.in_a_row()
            limit = self.smtp.max_consecutive_failures
            if limit and in_a_row >= limit and not self.stop.is_set():
                self.paused = True
                self._halt(
                    f"paused after {in_a_row} failed recipients in a row "
                    f"(last: {reason}); check the relay and the list, then run the same "
                    "command again to resume"
                )

    def _halt(self, reason: str) -> None:
        with self._lock:
            if self.stopped is None:  # the first reason is the real one
                self.stopped, self.stopped_at = reason, time.monotonic()
            self.stop.set()
        if self.board is not None:
            self.board.stop()

    def _progress(self) -> None:  # called holding _lock
        if self.board is not None:
            self.board.post(
                self.sent, self.failed + self.unknown, self.consecutive, self.reconnecting
            )
        if self.on_progress is not None:
            failed = self.failed + self.unknown
            self.on_progress(
                SendProgress(self.sent, failed, self.total, self.elapsed, self.reconnecting)
            )
