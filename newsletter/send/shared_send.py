"""`newsletter send` on PostgreSQL: the run over the shared journal (shared_journal.py).

The same run as on SQLite (sender.py) with three differences: the journal is the server's,
each sender (each worker process) registers with a lease and claims its readers, and the
send lock and the recovery file are the workspace's own (`postgresql-send.send.lock` and
`postgresql-send.unjournaled` beside newsletter.toml): one send at a time per workspace,
any number of workspaces (hosts) at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from newsletter.errors import NewsletterError, display_path
from newsletter.issue.build_record import read_build_record
from newsletter.send.journal import SenderShare
from newsletter.send.journaled_run import (
    SendSummary,
    dry_run_outbox,
    empty_dry_run,
    locked_run,
    run_over,
    transport_for,
)
from newsletter.send.merge_check import key_check, merge_hash
from newsletter.send.plan import SendPlan
from newsletter.send.sender_lease import workspace_host
from newsletter.send.server_link import OUTAGE
from newsletter.send.shared_journal import (
    PostgresJournal,
    local_state,
    open_postgres_journal,
)
from newsletter.send.shared_status import held_line
from newsletter.send.workers import SendProgress


def run_shared_send(plan: SendPlan) -> SendSummary:
    """Run the plan over the server's journal; see the module doc and sender.run_send."""
    server = plan.settings.database_server
    assert server is not None
    if plan.options.dry_run:
        dry, outbox = dry_run_outbox(plan)
        reader = open_postgres_journal(server, plan.issue_id, create=False)
        if reader is None:  # no list yet: nothing to write, nothing created
            return empty_dry_run(dry, outbox)
        try:
            return run_over(dry, outbox, reader, None)
        finally:
            reader.close()
    transport, processes = transport_for(plan)
    OUTAGE.reset()  # what an earlier send in this process saw is not this one's
    plan = _saying_outages(plan)
    lease = plan.settings.smtp.lease
    links = plan.composer.mailing.links  # its key: the same on every host (merge_check.py)
    merge = merge_hash(read_build_record(plan.folder).files)
    check = key_check(links.secret, links.list_id)

    local = local_state(plan.settings)
    host = workspace_host(local)  # made once per workspace: every worker registers as it

    def sender(warn: Callable[[str], None] | None) -> PostgresJournal:
        opened = open_postgres_journal(
            server,
            plan.issue_id,
            create=True,
            lease=lease,
            merge=merge,
            key_check=check,
            local=local,
            host=host,
            warn=warn,
        )
        assert opened is not None
        return opened

    journal = sender(plan.options.on_warning)

    def own(warn: Callable[[str], None]) -> PostgresJournal:
        """One worker process's journal: a sender of its own, saying what it says to `warn`
        (up to the parent, which hands it to the CLI's reporter: processes.py)."""
        worker = sender(warn)
        worker.register(run_started=journal.started)  # its siblings' settled claims: not free
        return worker

    taken: list[tuple[str, int]] = []

    def start() -> None:  # under the workspace's send lock
        journal.expire_previous()
        if plan.options.take_over:
            taken.extend(journal.take_over())
        # One process: this journal is the sender.  Several: each worker registers its own,
        # and this one only checks merge.eml before any of them starts.
        if processes == 1:
            journal.register()
        else:
            journal.check_merge()

    try:
        summary = locked_run(plan, transport, journal, local, processes, own, before_run=start)
        summary = replace(
            summary, taken_over=tuple(taken), senders=_senders(journal), own_host=host
        )
        if summary.left and summary.stopped is None and plan.options.limit is None:
            held = journal.held()  # readers another host may have sent: not ours to send
            if held:
                line = held_line(server.where, held, display_path(plan.folder))
                summary = replace(summary, stopped=line)
        return summary
    finally:
        journal.close()


def _saying_outages(plan: SendPlan) -> SendPlan:
    """The plan with a progress that says when the send waits for the database server: its
    processes share when the outage began (server_link.OUTAGE)."""
    report = plan.options.on_progress
    if report is None:
        return plan

    def with_outage(p: SendProgress) -> None:
        report(replace(p, database=OUTAGE.waited()))

    return replace(plan, options=replace(plan.options, on_progress=with_outage))


def _senders(journal: PostgresJournal) -> tuple[SenderShare, ...]:
    """Every sender of the issue and its share, so that the summary names the other hosts'
    senders (a run that found the list sent by others says who sent it); none when the
    server cannot say (the run's own line already tells why)."""
    try:
        return journal.shares()
    except NewsletterError:
        return ()
