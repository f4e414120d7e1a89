"""`send_issue`: mail a built issue to every active subscriber not yet sent it, safely.

A few worker threads, each holding one reused connection, take recipients in
turn from one stream over newsletter.db (read a batch at a time, never the
whole list), personalise and send them.  Each accepted message is committed
to the delivery journal before its worker takes the next, so a killed run
re-mails at most the messages in flight.

What happens on failure:
  4xx reply, dropped connection  retried with exponential backoff and jitter,
                                 the connection re-opened, up to smtp.max_attempts
  5xx reply                      recorded as failed for that recipient; the run goes on
  auth, TLS, nothing listening   the run stops at once with one message naming host:port
  many failed recipients in a row  the run pauses itself (smtp.max_consecutive_failures)
A re-run skips everyone already sent and tries the others again.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from newsletter.config import Settings, smtp_password
from newsletter.errors import NewsletterError
from newsletter.mail.headers import HeaderValueError
from newsletter.mail.personalize import Recipient
from newsletter.send.compose import Composer, prepare_issue
from newsletter.send.journal import DeliveryJournal, Failure, open_journal, send_lock
from newsletter.send.pacing import RateLimiter, backoff
from newsletter.send.transport import (
    Connection,
    ConnectionLost,
    PermanentFailure,
    ServerUnavailable,
    TemporaryFailure,
    Transport,
)

FIRST_FAILURES = 10  # how many failures a summary lists by name


@dataclass(frozen=True, slots=True)
class SendProgress:
    """How far a run is, for a progress bar."""

    sent: int
    failed: int
    total: int  # recipients this run means to try
    elapsed: float


@dataclass(frozen=True, slots=True)
class SendSummary:
    """What a run did and what is left."""

    issue_id: str
    transport: str
    dry_run: bool
    sent: int  # accepted by the server (or written to the outbox) in this run
    failed: int  # refused for good, or out of attempts, in this run
    skipped: int  # already sent before this run
    left: int  # active subscribers still not sent (limit, pause, stop, failures)
    inactive: int  # unsubscribed or bounced: never mailed
    retries: int
    elapsed: float
    failures: tuple[Failure, ...]  # the first ones of this run
    reasons: tuple[tuple[str, int], ...]  # this run's failure reasons, most common first
    stopped: str | None = None  # why the run ended early, if it did
    paused: bool = False  # stopped by too many failures in a row
    interrupted: bool = False  # stopped by Ctrl-C

    @property
    def rate(self) -> float:
        """Messages per second over the run."""
        return (self.sent + self.failed) / self.elapsed if self.elapsed > 0 else 0.0


ProgressCallback = Callable[[SendProgress], None]


def send_issue(
    folder: Path,
    settings: Settings,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    password: str | None = None,
    transport: Transport | None = None,
    on_progress: ProgressCallback | None = None,
) -> SendSummary:
    """Send the issue in `folder` to the list (`dry_run`: write its outbox); see the module doc.

    `transport` defaults to the SMTP relay of `settings.smtp` with `password`
    (or NEWSLETTER_SMTP_PASSWORD); a dry run always writes files and records nothing.
    """
    composer = prepare_issue(folder, settings)
    database = settings.path(settings.database)
    if dry_run:
        from newsletter.send.outbox import FileTransport

        outbox = FileTransport(folder / "outbox")
        outbox.clear()
        transport, settings = (
            outbox,
            replace(settings, smtp=replace(settings.smtp, connections=1, rate=0.0)),
        )
    elif transport is None:
        from newsletter.send.smtp import SmtpTransport

        transport = SmtpTransport(settings.smtp, password=password or smtp_password())
    journal = open_journal(database, composer.issue_id)
    try:
        with contextlib.nullcontext() if dry_run else send_lock(database, composer.issue_id):
            before = journal.counts(first=0)
            total = before.unsent if limit is None else min(limit, before.unsent)
            run = _Run(
                composer, transport, settings, None if dry_run else journal, total, on_progress
            )
            run.execute(journal.unsent(limit=limit))
            after = before if dry_run else journal.counts(first=0)
            left = before.unsent - run.sent if dry_run else after.unsent
            return run.summary(
                dry_run=dry_run, skipped=before.sent, left=left, inactive=after.inactive
            )
    finally:
        journal.close()


class _Run:
    """One run's threads, counters and stop signal."""

    def __init__(
        self,
        composer: Composer,
        transport: Transport,
        settings: Settings,
        journal: DeliveryJournal | None,
        total: int,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.composer = composer
        self.transport = transport
        self.smtp = settings.smtp
        self.journal = journal
        self.total = total
        self.on_progress = on_progress
        self.limiter = RateLimiter(self.smtp.rate)
        self.stop = threading.Event()
        self._recipients: Iterator[Recipient] = iter(())
        self._feed_lock = threading.Lock()
        self._lock = threading.RLock()  # _failed may _halt while holding it
        self.sent = self.failed = self.retries = self.consecutive = 0
        self.accepted_any = False
        self.failures: list[Failure] = []
        self.reasons: Counter[str] = Counter()
        self.stopped: str | None = None
        self.paused = self.interrupted = False
        self.started = time.monotonic()

    def execute(self, recipients: Iterable[Recipient]) -> None:
        """Run the workers until the list ends or the run stops."""
        self._recipients = iter(recipients)
        workers = [
            threading.Thread(target=self._work, name=f"send-{i}", daemon=True)
            for i in range(self.smtp.connections)
        ]
        for worker in workers:
            worker.start()
        try:
            for worker in workers:
                while worker.is_alive():
                    worker.join(0.2)  # a timeout, so Ctrl-C reaches this thread
        except KeyboardInterrupt:
            self.interrupted = True
            self._halt("interrupted; run the same command again to resume")
            for worker in workers:  # each finishes (and records) the message it is sending
                worker.join()

    def _next(self) -> Recipient | None:
        """The next recipient for any worker (the database is read a batch at a time)."""
        with self._feed_lock:
            return None if self.stop.is_set() else next(self._recipients, None)

    def _work(self) -> None:
        connection: Connection | None = None
        try:
            while (recipient := self._next()) is not None:
                connection = self._deliver(recipient, connection)
        except Exception as e:  # a bug must stop the run loudly, not hang it
            self._halt(f"internal error in the sender ({type(e).__name__}: {e}); please report it")
        finally:
            if connection is not None:
                connection.close()

    def _deliver(self, recipient: Recipient, connection: Connection | None) -> Connection | None:
        """Try one recipient until accepted, refused for good, or out of attempts."""
        try:
            message = self.composer.message_for(recipient)
        except HeaderValueError as e:
            self._failed(recipient.email, "", 1, str(e))
            return connection
        attempt = 0
        while not self.stop.is_set():
            attempt += 1
            wait = self.limiter.delay()
            if wait and self.stop.wait(wait):
                break
            unreachable = False
            try:
                if connection is None:
                    connection = self.transport.connect()
                connection.send(self.composer.envelope_from, message.recipient, message.data)
            except ServerUnavailable as e:
                if e.refused and not self.accepted_any:
                    self._halt(str(e))  # nothing listens there: stop before trying the whole list
                    break
                error, unreachable = str(e), True
            except (TemporaryFailure, ConnectionLost) as e:
                error = e.reason
                if isinstance(e, ConnectionLost):
                    connection = None
            except PermanentFailure as e:
                self._failed(recipient.email, message.message_id, attempt, e.reason)
                return connection
            except NewsletterError as e:  # authentication, certificates, an unwritable outbox
                self._halt(str(e))
                break
            else:
                self._sent(recipient.email, message.message_id, attempt)
                return connection
            if attempt >= self.smtp.max_attempts:
                if unreachable:  # the server went away: not this recipient's fault
                    self._record(recipient.email, "pending", error, message.message_id)
                    self._halt(
                        f"{error}; gave up after {attempt} attempts, "
                        "run the same command again to resume"
                    )
                    break
                self._failed(
                    recipient.email,
                    message.message_id,
                    attempt,
                    f"{error} (after {attempt} attempts)",
                )
                return connection
            self._retrying(recipient.email, message.message_id, error)
            if self.stop.wait(backoff(attempt, self.smtp.retry_delay)):
                break
        return connection

    def _record(self, email: str, status: str, error: str = "", message_id: str = "") -> None:
        if self.journal is not None:
            self.journal.record(email, status, attempts=1, error=error, message_id=message_id)

    def _sent(self, email: str, message_id: str, attempts: int) -> None:
        self._record(email, "sent", message_id=message_id)  # committed before anything else
        with self._lock:
            self.sent += 1
            self.consecutive = 0
            self.accepted_any = True
            self._progress()

    def _retrying(self, email: str, message_id: str, error: str) -> None:
        self._record(email, "pending", error, message_id)
        with self._lock:
            self.retries += 1

    def _failed(self, email: str, message_id: str, attempts: int, reason: str) -> None:
        self._record(email, "failed", reason, message_id)
        with self._lock:
            self.failed += 1
            self.consecutive += 1
            self.reasons[reason] += 1
            if len(self.failures) < FIRST_FAILURES:
                self.failures.append(Failure(email, reason, attempts))
            self._progress()
            limit = self.smtp.max_consecutive_failures
            if limit and self.consecutive >= limit and not self.stop.is_set():
                self.paused = True
                self._halt(
                    f"paused after {self.consecutive} failed recipients in a row (last: {reason}); "
                    "check the relay and the list, then run the same command again to resume"
                )

    def _halt(self, reason: str) -> None:
        with self._lock:
            if self.stopped is None:  # the first reason is the real one
                self.stopped = reason
            self.stop.set()

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(
                SendProgress(self.sent, self.failed, self.total, time.monotonic() - self.started)
            )

    def summary(self, *, dry_run: bool, skipped: int, left: int, inactive: int) -> SendSummary:
        return SendSummary(
            issue_id=self.composer.issue_id,
            transport=self.transport.description,
            dry_run=dry_run,
            sent=self.sent,
            failed=self.failed,
            skipped=skipped,
            left=left,
            inactive=inactive,
            retries=self.retries,
            elapsed=time.monotonic() - self.started,
            failures=tuple(self.failures),
            reasons=tuple(self.reasons.most_common(5)),
            stopped=self.stopped,
            paused=self.paused,
            interrupted=self.interrupted,
        )
