"""`send_issue`: mail a built issue to every active subscriber not yet sent it, safely.

A few worker threads (run.py), each holding one reused connection, take
recipients from one stream over newsletter.db (read a batch at a time, never
the whole list), personalise and send them.  Each accepted message is
committed to the delivery journal before its worker takes the next, so a
killed run re-mails at most the messages in flight.

What happens on failure:
  4xx reply, dropped connection  tried again later (exponential backoff, jitter, the
                                 connection re-opened) while the list goes on,
                                 up to smtp.max_attempts
  5xx reply                      recorded as failed for that recipient; the run goes on
  auth, TLS, nothing listening   the run stops at once with one message naming host:port
  many failed recipients in a row  the run pauses itself (smtp.max_consecutive_failures)
A re-run skips everyone already sent and tries the others again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from newsletter.config import Settings, smtp_password
from newsletter.send.compose import prepare_issue
from newsletter.send.journal import Failure, open_journal, send_lock
from newsletter.send.run import SendProgress, SendRun
from newsletter.send.transport import Transport

__all__ = ["SendProgress", "SendSummary", "send_issue"]


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
            run = SendRun(
                composer, transport, settings.smtp, None if dry_run else journal, total, on_progress
            )
            run.execute(journal.unsent(limit=limit))
            after = before if dry_run else journal.counts(first=0)
            left = before.unsent - run.sent if dry_run else after.unsent
            return _summary(
                run, dry_run=dry_run, skipped=before.sent, left=left, inactive=after.inactive
            )
    finally:
        journal.close()


def _summary(run: SendRun, *, dry_run: bool, skipped: int, left: int, inactive: int) -> SendSummary:
    return SendSummary(
        issue_id=run.composer.issue_id,
        transport=run.transport.description,
        dry_run=dry_run,
        sent=run.sent,
        failed=run.failed,
        skipped=skipped,
        left=left,
        inactive=inactive,
        retries=run.retries,
        elapsed=run.elapsed,
        failures=tuple(run.failures),
        reasons=tuple(run.reasons.most_common(5)),
        stopped=run.stopped,
        paused=run.paused,
        interrupted=run.interrupted,
    )
