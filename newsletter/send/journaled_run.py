"""One journaled run of a send, on either backend: the worker threads (and processes) over
the journal's stream, the send lock, the recovery file, the rounds of a shared journal, and
the summary.  sender.py (SQLite) and shared_send.py (PostgreSQL) open the journal and call
`locked_run` (a real send) or `run_over` (a dry run).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from time import monotonic
from typing import Any

from newsletter.config import Settings, smtp_password
from newsletter.errors import NewsletterError, display_path
from newsletter.mail.personalize import Recipient
from newsletter.send.composer import Composer
from newsletter.send.journal import (
    REFUSED_LOGIN,
    UNREACHABLE,
    DeliveryJournal,
    Failure,
    SenderShare,
    send_lock,
)
from newsletter.send.outbox import FileTransport
from newsletter.send.plan import ProgressCallback, SendPlan
from newsletter.send.recovery import (
    RecoveryEntry,
    RecoveryFile,
    discard_recovery,
    read_recovery,
)
from newsletter.send.transport import Transport
from newsletter.send.workers import INTERRUPTED, RunBoard, RunResult, SendProgress, SendRun

# A journal of its own, for one worker process; what it says while it runs goes to the
# function given (the worker's voice up to the parent: processes.SharedBoard.say).
OpenJournal = Callable[[Callable[[str], None]], DeliveryJournal]
WAIT_FOR_OTHERS = 1.0  # seconds between looks at the readers other senders hold (PostgreSQL)
# seconds of waiting for them, nothing claimed meanwhile, before the run says why it stands
# still: the end of a send waits well under this for the other senders' last messages, a
# sender killed holding readers up to its lease (30 s)
SAY_WAITING_AFTER = 3.0


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
    unbelieved: int = 0  # refused 5.1.x past what a list holds: failed, not marked (workers.py)
    refused_once: int = 0  # refused 5.1.x the first issue in a row: failed, not marked yet
    recovered: int = 0  # lines of a previous run's recovery file recorded before this one
    journal_failed: bool = False  # stopped because the journal could not be written
    # on PostgreSQL: every sender of the issue as the run ended (as `--status` reads them),
    # and the host this workspace's senders register as: the others' share is theirs
    senders: tuple[SenderShare, ...] = ()
    own_host: str = ""
    taken_over: tuple[tuple[str, int], ...] = ()  # --take-over: readers taken, per host
    recovered_twice: tuple[str, ...] = ()  # of `recovered`: mailed by another sender meanwhile

    @property
    def rate(self) -> float:
        """Messages per second over the run."""
        done = self.sent + self.failed + self.unknown
        return done / self.elapsed if self.elapsed > 0 else 0.0

    def counts(self) -> dict[str, Any]:
        """The counts of a send's JSON event (`send --log-format json`'s summary and `run
        --log-format json`'s send event, docs/schedule.md): with the recovery file's
        deliveries recorded, how many of them another host mailed again (two copies), and
        the readers `--take-over` took, in all and per host held for; counts and host names
        only, never an address (the text summary and `--status` name the readers)."""
        return {
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
            "unknown": self.unknown_total,
            "left": self.left,
            "recovered": self.recovered,
            "recovered_twice": len(self.recovered_twice),
            "taken_over": sum(n for _, n in self.taken_over),
            "taken_over_from": [{"host": host, "readers": n} for host, n in self.taken_over],
            "seconds": round(self.elapsed, 1),
        }


def dry_run_outbox(plan: SendPlan) -> tuple[SendPlan, FileTransport]:
    """A dry run's plan (one connection, no rate) and its emptied outbox."""
    outbox = FileTransport(plan.composer.folder / "outbox")
    outbox.clear()
    quiet = replace(plan.settings.smtp, connections=1, rate=0.0)
    return replace(plan, settings=replace(plan.settings, smtp=quiet)), outbox


def empty_dry_run(plan: SendPlan, outbox: FileTransport) -> SendSummary:
    """A dry run with no list yet: nothing written, nothing created."""
    run = SendRun(plan.composer, outbox, plan.settings.smtp, None, 0)
    return _summary(plan.composer, outbox, run.result(), 0.0, dry_run=True, skipped=0, left=0)


def transport_for(plan: SendPlan) -> tuple[Transport, int]:
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


def locked_run(
    plan: SendPlan,
    transport: Transport,
    journal: DeliveryJournal,
    local: Path,
    processes: int,
    open_own: OpenJournal,
    *,
    before_run: Callable[[], None] | None = None,
) -> SendSummary:
    """A real run: under the send lock beside `local` (the SQLite file, or the workspace's
    stand-in for a server), the recovery file's lines recorded first."""
    with send_lock(local, plan.issue_id):
        recovered, twice = _apply_recovery(journal, local)
        if before_run is not None:
            before_run()
        with RecoveryFile(local) as recovery:
            summary = run_over(
                plan, transport, journal, recovery, processes=processes, open_own=open_own
            )
        if summary.journal_failed:
            stopped = _journal_stop(summary.stopped, recovery, server=journal.shared)
            summary = replace(summary, stopped=stopped)
        # What the recovery file holds was accepted: not "left", though not journaled yet.
        left = max(0, summary.left - recovery.saved)
        return replace(summary, recovered=recovered, recovered_twice=twice, left=left)


def run_over(
    plan: SendPlan,
    transport: Transport,
    journal: DeliveryJournal,
    recovery: RecoveryFile | None,
    *,
    processes: int = 1,
    open_own: OpenJournal | None = None,
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
    if processes > 1 and recovery is not None and open_own is not None:
        with journal.released():
            result = _run_in_processes(
                processes,
                composer,
                transport,
                plan.settings,
                open_own,
                recovery,
                total,
                options.on_progress,
                on_warning=options.on_warning,
                resend_unknown=resend_unknown,
                up_to=up_to,
                in_flight_unknown=options.in_flight_unknown,
            )
    else:

        def new_run(on_progress: ProgressCallback | None) -> SendRun:
            return SendRun(
                composer,
                transport,
                plan.settings.smtp,
                None if dry_run else journal,
                total,
                on_progress,
                recovery=recovery,
                in_flight_unknown=options.in_flight_unknown,
            )

        stream = {"limit": limit, "resend_unknown": resend_unknown, "up_to": up_to}
        result = in_rounds(journal, new_run, stream, options.on_progress, claims=not dry_run)
        if recovery is not None:
            result = _settled(journal, recovery, result)
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


def in_rounds(
    journal: DeliveryJournal,
    new_run: Callable[[ProgressCallback | None], SendRun],
    stream: dict[str, Any],
    on_progress: ProgressCallback | None,
    *,
    claims: bool = True,
    board: RunBoard | None = None,
    says: bool = True,
) -> RunResult:
    """One run over the journal's stream; on a shared journal (PostgreSQL), another round while
    a living sender holds readers not yet sent, so that a killed one's claims are taken once
    its lease runs out (shared_journal.py).  A run with a limit is one round.  Waiting for
    them past SAY_WAITING_AFTER, the run `says` so once (one worker process of several)."""
    shared = journal.shared and claims and stream.get("limit") is None
    results: list[RunResult] = []
    waiting_since: float | None = None  # the first wait since this run last claimed someone
    said = False
    while True:
        run = new_run(_after(on_progress, RunResult.merged(results)) if results else on_progress)
        counted = _Counted(journal.unsent(**stream))
        run.execute(counted)
        results.append(run.result())
        if not shared or run.stopped is not None:
            break
        if counted.given:
            waiting_since = None
            continue  # it claimed someone: look again at once
        try:
            held = journal.others_pending(stream.get("up_to"))
            if not held:
                break
            waiting_since = monotonic() if waiting_since is None else waiting_since
            if says and not said and monotonic() - waiting_since >= SAY_WAITING_AFTER:
                said = journal.say_waiting()
            if _waited_stopped(board):
                break
        except KeyboardInterrupt:
            journal.stop_waiting()  # a server gone is not waited for any more
            results.append(RunResult(stopped=INTERRUPTED, stopped_at=monotonic(), interrupted=True))
            break
        except NewsletterError as e:  # the journal cannot be read: stop as a failed read does
            results.append(RunResult(stopped=str(e), stopped_at=monotonic()))
            break
    return RunResult.merged(results)


class _Counted:
    """A stream of recipients that counts what it gave."""

    def __init__(self, stream: Iterator[Recipient]) -> None:
        self.stream, self.given = stream, 0

    def __iter__(self) -> Iterator[Recipient]:
        return self

    def __next__(self) -> Recipient:
        recipient = next(self.stream)
        self.given += 1
        return recipient


def _after(on_progress: ProgressCallback | None, done: RunResult) -> ProgressCallback | None:
    """The progress of a later round, counted after what the earlier ones did."""
    if on_progress is None:
        return None
    report = on_progress

    def shifted(p: SendProgress) -> None:
        failed = p.failed + done.failed + done.unknown
        report(replace(p, sent=p.sent + done.sent, failed=failed))

    return shifted


def _waited_stopped(board: RunBoard | None) -> bool:
    """Wait a while for the other senders; True if another of our processes stopped meanwhile."""
    deadline = monotonic() + WAIT_FOR_OTHERS
    while monotonic() < deadline:
        if board is not None and board.stopped():
            return True
        time.sleep(0.05)
    return False


def _settled(journal: DeliveryJournal, recovery: Any, result: RunResult) -> RunResult:
    """`result`, stopped with the journal's line when the outcomes it recorded could not be
    made sure of at the end (on PostgreSQL: disk_fence.py); those went to `recovery`."""
    line = journal.settle(recovery)
    if line is None:
        return result
    return replace(result, stopped=result.stopped or line, journal_failed=True)


def _run_in_processes(
    processes: int,
    composer: Composer,
    transport: Transport,
    settings: Settings,
    open_own: OpenJournal,
    recovery: RecoveryFile,
    total: int,
    on_progress: ProgressCallback | None,
    *,
    on_warning: Callable[[str], None] | None = None,
    resend_unknown: bool,
    up_to: int,
    in_flight_unknown: bool = False,
) -> RunResult:
    """The run spread over `processes` workers, each over its own part of the list."""
    from newsletter.send.processes import SharedBoard, spread

    smtp = settings.smtp

    def work(k: int, board: SharedBoard) -> tuple[RunResult, int, list[str]]:
        share = smtp.connections // processes + (k < smtp.connections % processes)
        own = replace(smtp, connections=share, rate=smtp.rate * share / smtp.connections)
        part = recovery.part(k, processes)
        journal: DeliveryJournal | None = None
        runs: list[SendRun] = []
        try:
            # A connection of its own (on PostgreSQL: a sender of its own), whose warnings go
            # up to the parent's reporter, never printed from here over its progress bar.
            journal = open_own(board.say)

            def new_run(_: ProgressCallback | None) -> SendRun:
                assert journal is not None
                done = RunResult.merged(r.result() for r in runs)
                board.earlier = (done.sent, done.failed + done.unknown)
                runs.append(
                    SendRun(
                        composer,
                        transport,
                        own,
                        journal,
                        total,
                        recovery=part,
                        board=board,
                        in_flight_unknown=in_flight_unknown,
                    )
                )
                return runs[-1]

            stream = {"resend_unknown": resend_unknown, "part": (k, processes), "up_to": up_to}
            result = in_rounds(journal, new_run, stream, None, board=board, says=k == 0)
        except KeyboardInterrupt:  # before (or after) the run could take it itself
            if journal is not None:
                journal.stop_waiting()  # a server gone is not waited for any more
            done = RunResult.merged(r.result() for r in runs) if runs else RunResult()
            result = replace(done, interrupted=True)
            if result.stopped is None:
                result = replace(result, stopped=INTERRUPTED, stopped_at=monotonic())
        except NewsletterError as e:  # its journal refused it (registering, say): say why,
            # as one process does, not "a send process ended with exit code 1"
            done = RunResult.merged(r.result() for r in runs) if runs else RunResult()
            result = replace(done, stopped=done.stopped or str(e), stopped_at=monotonic())
        finally:
            settled = journal.settle(part) if journal is not None else None
            if journal is not None:
                journal.close()
        if settled is not None:  # the kept outcomes could not be made sure of: in `part`
            result = replace(result, stopped=result.stopped or settled, journal_failed=True)
        board.earlier = (0, 0)  # the result is every round's
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

    outcomes = spread(
        processes, work, total=total, on_progress=on_progress, on_warning=on_warning, lost=lost
    )
    for _, saved, unsaved in outcomes:
        recovery.absorb(saved, unsaved)
    return RunResult.merged(result for result, _, _ in outcomes)


def _apply_recovery(journal: DeliveryJournal, database: Path) -> tuple[int, tuple[str, ...]]:
    """Record what a run that could not write the journal left in the recovery files (one
    line a reader, `sent` over `unknown`); and the addresses another sender mailed meanwhile
    (on a shared journal: a host cut off without the server restarting is taken over as if
    killed): two copies, said, not hidden.  Of two outcomes the journal keeps `sent` over
    `unknown`.  A kept outcome (recovery.py) whose very row the journal has (same status,
    Message-ID and stamp: the server kept it, or a fence recorded it again) is recorded
    already: neither written nor said twice.  A row with a kept line's Message-ID and stamp
    but another status is this sender's own earlier outcome of that message: `sent` is
    written over its `unknown`, and nobody is said mailed twice."""
    entries = read_recovery(database)
    readers: dict[tuple[str, str], RecoveryEntry] = {}
    kept: dict[tuple[str, str], set[tuple[str, str, str]]] = {}  # (status, Message-ID, stamp)
    for entry in entries:
        key = (entry.issue_id, entry.email.lower())
        if entry.recorded:
            kept.setdefault(key, set()).add((entry.status, entry.message_id, entry.recorded))
        if key not in readers or _better(entry, readers[key]):
            readers[key] = entry
    twice: list[str] = []
    for key, (issue_id, email, status, message_id, recorded) in readers.items():
        target = journal.for_issue(issue_id)
        found = target.recorded(email) if journal.shared else None
        if found is not None and found[0] in ("sent", "unknown"):
            ours = kept.get(key, set())
            if (found[0], found[1], found[2]) in ours:
                continue  # this very outcome is in the journal: the server kept it
            if (found[1], found[2]) not in {(mid, stamp) for _, mid, stamp in ours}:
                twice.append(email)  # not our own earlier outcome of that message: another's
            if found[0] == "sent" or status == "unknown":
                continue
        error = "" if status == "sent" else "outcome unknown (from the recovery file)"
        target.record(
            email, status, attempts=1, error=error, message_id=message_id, now=recorded or None
        )
    if entries:
        discard_recovery(database)
    return len(readers), tuple(twice)


def _better(entry: RecoveryEntry, than: RecoveryEntry) -> bool:
    """Of two lines for one reader: `sent` over `unknown`, then one with its stamp."""
    if entry.status != than.status:
        return entry.status == "sent"
    return bool(entry.recorded) and not than.recorded


def _journal_stop(reason: str | None, recovery: RecoveryFile, *, server: bool = False) -> str:
    """The one line for a run the journal stopped: the database, the cause, what was kept where.

    `server`: the journal is on a database server, whose refusal (a read-only standby, a full
    disk there, a statement timeout) already says what to do; not this host's disk."""
    line = f"{reason}; the run stopped"
    if recovery.saved:
        beside = " (and the .kept-* files beside it)" if recovery.kept_beside() else ""
        line += (
            f"; {recovery.saved} accepted message(s) not in the journal are saved in "
            f"{display_path(recovery.path)}{beside}, which the next send records first"
        )
    if recovery.unsaved:
        line += (
            f"; could not save {len(recovery.unsaved)} accepted address(es) anywhere: "
            f"{', '.join(recovery.unsaved)} (do not mail them again)"
        )
    if reason and UNREACHABLE in reason:  # a database server that did not come back in time
        return line + "; run the same command again once the server is back"
    if reason and REFUSED_LOGIN in reason:  # the fix is in the reason: the login's own
        return line + "; run the same command again once the login works"
    if server:
        return line + "; run the same command again once the database takes writes again"
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
        unbelieved=run.unbelieved,
        refused_once=run.refused_once,
        journal_failed=run.journal_failed,
    )
