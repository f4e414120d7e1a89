"""`send_issue`: mail a built issue to every active subscriber not yet sent it, safely.

A few worker threads (workers.py), each holding one reused connection, take
recipients from one stream over newsletter.db (read a batch at a time, never
the whole list), personalise and send them.  Each accepted message is
committed to the delivery journal before its worker takes the next, so a
killed run re-mails at most the messages in flight.  A send to the list runs
in one worker process per CPU core (processes.py), each over its own part of
the list with its share of the connections.

What happens on failure:
  4xx reply, 503, dropped connection  tried again later (exponential backoff, jitter, the
                                 connection re-opened) while the list goes on,
                                 up to smtp.max_attempts
  no reply after the final `.`   recorded `unknown` at once (the relay may have queued it);
  (lost, late, reset)            never re-sent unless `resend_unknown`
  5xx reply                      recorded as failed for that recipient; the run goes on;
                                 a 5.1.x (no such user or domain) also marks them bounced
  auth, TLS, nothing listening   the run stops at once with one message naming host:port
  many failed recipients in a row  the run pauses itself (smtp.max_consecutive_failures);
                                 unknown outcomes count as failures
  Ctrl-C, SIGTERM, SIGHUP       no new message; those in flight get smtp.timeout for their
                                 reply, then are recorded `unknown`; answered ones whose
                                 journal write still waits go to the recovery file
  journal write fails            the run stops at once; accepted messages not journaled
  (disk full, I/O error)         go to the recovery file, which the next run records first
A re-run skips everyone already sent (or unknown) and tries the others again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from time import monotonic

from newsletter.config import Settings, smtp_password
from newsletter.errors import NewsletterError, display_path
from newsletter.issue.built import BuiltIssue
from newsletter.send.composer import Composer
from newsletter.send.journal import DeliveryJournal, Failure, open_journal, send_lock
from newsletter.send.outbox import FileTransport
from newsletter.send.plan import ProgressCallback, SendOptions, SendPlan, plan_send
from newsletter.send.recovery import RecoveryFile, discard_recovery, read_recovery
from newsletter.send.transport import Transport
from newsletter.send.workers import INTERRUPTED, RunResult, SendProgress, SendRun

__all__ = [
    "SendOptions",
    "SendPlan",
    "SendProgress",
    "SendSummary",
    "plan_send",
    "run_send",
    "send_issue",
]


@dataclass(frozen=True, slots=True)
class SendSummary:
    """What a run did and what is left."""

    issue_id: str
    transport: str
    dry_run: bool
    sent: int  # accepted by the server (or written to the outbox) in this run
    failed: int  # refused for good, or out of attempts, in this run
    skipped: int  # already sent before this run
    left: int  # active subscribers still not sent (limit, pause, stop, failures), not unknown
    inactive: int  # unsubscribed or bounced: never mailed
    retries: int
    elapsed: float
    failures: tuple[Failure, ...]  # the first ones of this run
    reasons: tuple[tuple[str, int], ...]  # this run's failure reasons, most common first
    stopped: str | None = None  # why the run ended early, if it did
    paused: bool = False  # stopped by too many failures in a row
    interrupted: bool = False  # stopped by Ctrl-C
    unknown: int = 0  # this run's messages whose reply was lost after the final `.`
    unknown_total: int = 0  # every recipient of the issue whose outcome is unknown
    bounced: int = 0  # marked bounced in this run (5.1.x: no such user or domain)
    recovered: int = 0  # lines of a previous run's recovery file recorded before this one
    journal_failed: bool = False  # stopped because the journal could not be written

    @property
    def rate(self) -> float:
        """Messages per second over the run."""
        done = self.sent + self.failed + self.unknown
        return done / self.elapsed if self.elapsed > 0 else 0.0


def send_issue(
    built: BuiltIssue | Path, settings: Settings, options: SendOptions | None = None
) -> SendSummary:
    """Plan the send of a built issue (or the one in a folder) and run it at once.

    See the module doc.
    The `send` command plans first (`plan_send`), shows the plan, then runs it with
    `run_send`; scripts and tests that ask nobody can call this.
    """
    return run_send(plan_send(built, settings, options))


def run_send(plan: SendPlan) -> SendSummary:
    """Send the planned issue to the list (a dry run: write its outbox); see the module doc.

    The list is cut at `plan.last_id`, the highest subscriber id the plan saw.  The
    transport defaults to the SMTP relay of `settings.smtp` with the options' password (or
    NEWSLETTER_SMTP_PASSWORD); a dry run always writes files, records nothing and never
    creates the database.  `resend_unknown` sends again to the recipients whose outcome is
    unknown (the editor's explicit choice).
    """
    composer, settings, options = plan.composer, plan.settings, plan.options
    database = settings.database_file("send")
    if options.dry_run:
        outbox = FileTransport(composer.folder / "outbox")
        outbox.clear()
        quiet = replace(settings.smtp, connections=1, rate=0.0)
        dry = replace(plan, settings=replace(settings, smtp=quiet))
        if not database.exists():  # no list yet: nothing to write, nothing created
            run = SendRun(composer, outbox, quiet, None, 0)
            return _summary(composer, outbox, run.result(), 0.0, dry_run=True, skipped=0, left=0)
        return _with_journal(dry, outbox, database, processes=1)
    transport, processes = _transport(plan)
    return _with_journal(plan, transport, database, processes)


def _transport(plan: SendPlan) -> tuple[Transport, int]:
    """The options' transport, or the SMTP relay; and the worker processes to run."""
    if plan.options.transport is not None:
        return plan.options.transport, 1
    import socket

    from newsletter.send.processes import processes_for
    from newsletter.send.smtp import SmtpTransport

    smtp = plan.settings.smtp
    processes = 1  # several only for a real send through our own SMTP
    if plan.options.limit is None:  # a --limit run is a small one: its count is exact in one
        processes = processes_for(smtp.processes, smtp.connections)
    transport = SmtpTransport(
        smtp,
        password=plan.options.password or smtp_password(),
        local_hostname=socket.getfqdn() if processes > 1 else None,  # once, not per worker
        names=plan.options.setting_names,
    )
    return transport, processes


def _with_journal(
    plan: SendPlan, transport: Transport, database: Path, processes: int
) -> SendSummary:
    """The run over the journal: under the send lock and beside the recovery file (not dry)."""
    journal = open_journal(database, plan.issue_id, create=not plan.options.dry_run)
    try:
        if plan.options.dry_run:
            return _run(plan, transport, journal, None)
        with send_lock(database, plan.issue_id):
            recovered = _apply_recovery(journal, database)
            with RecoveryFile(database) as recovery:
                summary = _run(
                    plan, transport, journal, recovery, processes=processes, database=database
                )
            if summary.journal_failed:
                summary = replace(summary, stopped=_journal_stop(summary.stopped, recovery))
            # What the recovery file holds was accepted: not "left", though not journaled yet.
            left = max(0, summary.left - recovery.saved)
            return replace(summary, recovered=recovered, left=left)
    finally:
        journal.close()


def _run(
    plan: SendPlan,
    transport: Transport,
    journal: DeliveryJournal,
    recovery: RecoveryFile | None,
    *,
    processes: int = 1,
    database: Path | None = None,
) -> SendSummary:
    """One run over the journal's unsent recipients; `recovery` None: a dry run."""
    composer, options = plan.composer, plan.options
    dry_run = recovery is None
    resend_unknown, limit = options.resend_unknown, options.limit
    up_to = plan.last_id  # the list as planned (and confirmed): later additions wait
    before = journal.counts(first=0)
    todo = before.unsent + (before.unknown if resend_unknown else 0)
    total = todo if limit is None else min(limit, todo)
    started = monotonic()
    if processes > 1 and recovery is not None and database is not None:
        with journal.released():
            result = _run_in_processes(
                processes,
                composer,
                transport,
                plan.settings,
                database,
                recovery,
                total,
                options.on_progress,
                resend_unknown=resend_unknown,
                up_to=up_to,
            )
    else:
        run = SendRun(
            composer,
            transport,
            plan.settings.smtp,
            None if dry_run else journal,
            total,
            options.on_progress,
            recovery=recovery,
        )
        run.execute(journal.unsent(limit=limit, resend_unknown=resend_unknown, up_to=up_to))
        result = run.result()
    elapsed = monotonic() - started
    if dry_run:
        left, after = before.unsent - result.sent, before
    else:
        try:
            after = journal.counts(first=0)
        except NewsletterError:  # the journal failed mid-run: what we knew before
            after = before
        left = after.unsent
    return _summary(
        composer,
        transport,
        result,
        elapsed,
        dry_run=dry_run,
        skipped=before.sent,
        left=left,
        inactive=after.inactive,
        unknown_total=0 if dry_run else after.unknown,
    )


def _run_in_processes(
    processes: int,
    composer: Composer,
    transport: Transport,
    settings: Settings,
    database: Path,
    recovery: RecoveryFile,
    total: int,
    on_progress: ProgressCallback | None,
    *,
    resend_unknown: bool,
    up_to: int,
) -> RunResult:
    """The run spread over `processes` workers, each over its own part of the list."""
    from newsletter.send.processes import SharedBoard, spread

    smtp = settings.smtp

    def work(k: int, board: SharedBoard) -> tuple[RunResult, int, list[str]]:
        share = smtp.connections // processes + (k < smtp.connections % processes)
        own = replace(smtp, connections=share, rate=smtp.rate * share / smtp.connections)
        part = recovery.part(k, processes)
        journal, run = None, None
        try:
            journal = open_journal(database, composer.issue_id)  # a connection of its own
            run = SendRun(composer, transport, own, journal, total, recovery=part, board=board)
            mine = journal.unsent(resend_unknown=resend_unknown, part=(k, processes), up_to=up_to)
            run.execute(mine)
            result = run.result()
        except KeyboardInterrupt:  # before (or after) the run could take it itself
            result = replace(run.result() if run else RunResult(), interrupted=True)
            if result.stopped is None:
                result = replace(result, stopped=INTERRUPTED, stopped_at=monotonic())
        finally:
            if journal is not None:
                journal.close()
        board.post(result.sent, result.failed + result.unknown, 0)  # done: no longer in a row
        return result, part.saved, part.unsaved

    def lost(k: int, why: str, counts: tuple[int, int]) -> tuple[RunResult, int, list[str]]:
        stop = (
            f"a send process {why}; the messages it had in flight may have gone out, "
            "the others are in the journal; run the same command again to resume"
        )
        sent, failed = counts  # as it last posted them: each `sent` one is journaled
        saved = recovery.part(k, processes).written()  # what it left in its part of the file
        return RunResult(sent=sent, failed=failed, stopped=stop, stopped_at=monotonic()), saved, []

    outcomes = spread(processes, work, total=total, on_progress=on_progress, lost=lost)
    for _, saved, unsaved in outcomes:
        recovery.absorb(saved, unsaved)
    return RunResult.merged(result for result, _, _ in outcomes)


def _apply_recovery(journal: DeliveryJournal, database: Path) -> int:
    """Record what a run that could not write the journal left in the recovery file."""
    entries = read_recovery(database)
    for issue_id, email, status, message_id in entries:
        error = "" if status == "sent" else "outcome unknown (from the recovery file)"
        DeliveryJournal(journal.conn, issue_id, path=database).record(
            email, status, attempts=1, error=error, message_id=message_id
        )
    if entries:
        discard_recovery(database)
    return len(entries)


def _journal_stop(reason: str | None, recovery: RecoveryFile) -> str:
    """The one line for a run the journal stopped: the database, the cause, what was kept where."""
    line = f"{reason}; the run stopped"
    if recovery.saved:
        line += (
            f"; {recovery.saved} accepted message(s) not in the journal are saved in "
            f"{display_path(recovery.path)}, which the next send records first"
        )
    if recovery.unsaved:
        line += (
            f"; could not save {len(recovery.unsaved)} accepted address(es) anywhere: "
            f"{', '.join(recovery.unsaved)} (do not mail them again)"
        )
    return line + "; free space or fix the disk, then run the same command again"


def _summary(
    composer: Composer,
    transport: Transport,
    run: RunResult,
    elapsed: float,
    *,
    dry_run: bool,
    skipped: int,
    left: int,
    inactive: int = 0,
    unknown_total: int = 0,
) -> SendSummary:
    return SendSummary(
        issue_id=composer.issue_id,
        transport=transport.description,
        dry_run=dry_run,
        sent=run.sent,
        failed=run.failed,
        skipped=skipped,
        left=left,
        inactive=inactive,
        retries=run.retries,
        elapsed=elapsed,
        failures=run.failures,
        reasons=run.reasons[:5],
        stopped=run.stopped,
        paused=run.paused,
        interrupted=run.interrupted,
        unknown=run.unknown,
        unknown_total=unknown_total,
        bounced=run.bounced,
        journal_failed=run.journal_failed,
    )
