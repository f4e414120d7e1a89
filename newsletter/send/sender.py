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

The run itself is journaled_run.py's; a `database` naming a PostgreSQL server sends through
shared_send.py, where several senders may share one issue (docs/postgresql.md).
"""

from __future__ import annotations

from pathlib import Path

from newsletter.config import Settings
from newsletter.issue.built import BuiltIssue
from newsletter.send.journal import open_journal
from newsletter.send.journaled_run import (
    SendSummary,
    dry_run_outbox,
    empty_dry_run,
    locked_run,
    run_over,
    transport_for,
)
from newsletter.send.plan import SendOptions, SendPlan, plan_send
from newsletter.send.transport import Transport
from newsletter.send.workers import SendProgress

__all__ = [
    "SendOptions",
    "SendPlan",
    "SendProgress",
    "SendSummary",
    "plan_send",
    "run_send",
    "send_issue",
]


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
    if plan.settings.database_server is not None:
        from newsletter.send.shared_send import run_shared_send

        return run_shared_send(plan)
    settings, options = plan.settings, plan.options
    database = settings.database_file("send")
    if options.dry_run:
        dry, outbox = dry_run_outbox(plan)
        if not database.exists():  # no list yet: nothing to write, nothing created
            return empty_dry_run(dry, outbox)
        return _with_journal(dry, outbox, database, processes=1)
    transport, processes = transport_for(plan)
    return _with_journal(plan, transport, database, processes)


def _with_journal(
    plan: SendPlan, transport: Transport, database: Path, processes: int
) -> SendSummary:
    """The run over the journal: under the send lock and beside the recovery file (not dry)."""
    journal = open_journal(database, plan.issue_id, create=not plan.options.dry_run)
    try:
        if plan.options.dry_run:
            return run_over(plan, transport, journal, None)
        return locked_run(
            plan,
            transport,
            journal,
            database,
            processes,
            lambda _: open_journal(database, plan.issue_id),  # a connection of its own
        )
    finally:
        journal.close()
