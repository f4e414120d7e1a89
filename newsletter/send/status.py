"""Where the send of an issue stands (`newsletter send ISSUE --status`, and the confirmation).

Read-only: it never creates the database (a workspace without one has sent nothing).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from newsletter.config import Settings
from newsletter.control_chars import shown_safely
from newsletter.errors import DeliveryError, display_path
from newsletter.issue.built import BuiltIssue, read_built_issue
from newsletter.send.journal import (
    DeliveryJournal,
    JournalCounts,
    SenderShare,
    machine_of,
    open_journal,
)
from newsletter.send.recovery import read_recovery


@dataclass(frozen=True, slots=True)
class IssueStatus:
    """An issue, and its delivery journal's counts."""

    issue_id: str
    subject: str
    counts: JournalCounts
    database: Path
    has_database: bool = True
    recovering: int = 0  # accepted messages waiting in the recovery file for the next send
    last_id: int = 0  # the list's highest subscriber id: what a send confirmed now covers
    where: str = ""  # the database as messages name it: the file, or host:port/dbname
    senders: tuple[SenderShare, ...] = ()  # on PostgreSQL: each sender's share, oldest first

    @property
    def hosts(self) -> tuple[HostShare, ...]:
        """The senders grouped by host, in the order each host first started one."""
        return hosts_of(self.senders)


# A host's state: its liveliest sender's (held: cut off by a restart or failover of the
# database, its readers waiting for its re-run; shared_status.HELD).
_STATE_ORDER = ("sending", "held", "gone", "finished")


@dataclass(frozen=True, slots=True)
class HostShare:
    """The senders (worker processes, runs) of one host, summed: its share of the issue and
    its progress (`send --status` on PostgreSQL)."""

    host: str  # as its senders registered: `machine (workspace 3f9a1c2b)` (sender_lease.py)
    senders: tuple[SenderShare, ...]
    label: str = ""  # as `--status` shows it: the machine alone unless another host shares it

    @property
    def claimed(self) -> int:
        return sum(s.claimed for s in self.senders)

    @property
    def sent(self) -> int:
        return sum(s.sent for s in self.senders)

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.senders)

    @property
    def unknown(self) -> int:
        return sum(s.unknown for s in self.senders)

    @property
    def settled(self) -> int:
        """Claimed readers with an outcome (sent, failed or unknown)."""
        return self.sent + self.failed + self.unknown

    @property
    def state(self) -> str:
        """sending while one of its senders is; else gone if one let its lease run out."""
        return min((s.state for s in self.senders), key=_STATE_ORDER.index)

    @property
    def started(self) -> str:
        return min(s.started for s in self.senders)


def hosts_of(senders: tuple[SenderShare, ...]) -> tuple[HostShare, ...]:
    """`senders` grouped by host, in the order each host first appears; each labelled by its
    machine's name, or by its whole host (`vm (workspace 3f9a1c2b)`) when two hosts share
    that name (two workspaces on one machine, containers of one name).  A label is shown
    safely (`shown_host`): whoever can write the senders table, or name a folder, writes it."""
    grouped: dict[str, list[SenderShare]] = {}
    for share in senders:
        grouped.setdefault(share.host, []).append(share)
    machines = Counter(machine_of(host) for host in grouped)
    return tuple(
        HostShare(
            host,
            tuple(shares),
            shown_host(host if machines[machine_of(host)] > 1 else machine_of(host)),
        )
        for host, shares in grouped.items()
    )


def shown_host(host: str) -> str:
    """A host's name as a terminal may show it: control characters (ESC, BEL: a retitled or
    cleared terminal) escaped as text (`\\x1b`), whole."""
    return shown_safely(host, 12 * len(host) + 1)  # an escape is at most 10 characters


def delivery_status(
    built: BuiltIssue | Path, settings: Settings, *, first: int = 10
) -> IssueStatus:
    """The issue's id and subject (`built`, or read from its folder), and its journal's counts.

    Nothing is sent or changed.
    """
    if isinstance(built, Path):
        built = read_built_issue(built, edited_manifest=True)  # sends nothing
    return journal_status(settings, built.issue.id, built.rendered.subject, first=first)


def journal_status(
    settings: Settings, issue_id: str, subject: str, *, first: int = 10
) -> IssueStatus:
    """Count the journal of the issue `issue_id` (the send plan has read the issue already)."""
    server = settings.database_server
    journal: DeliveryJournal | None
    if server is not None:
        from newsletter.send.shared_journal import local_state, open_postgres_journal

        database, where = local_state(settings), f"PostgreSQL {server.where}"
        journal = open_postgres_journal(server, issue_id, create=False)
    else:
        database = settings.database_file("send --status")
        where = str(database)
        journal = open_journal(database, issue_id, create=False) if database.exists() else None
    if journal is None:
        empty = JournalCounts(issue_id, 0, 0, 0, 0, 0, 0, "", (), ())
        return IssueStatus(issue_id, subject, empty, database, has_database=False, where=where)
    try:
        waiting = {  # an address saved twice (an interrupt, then the failed write) counts once
            email: status
            for issue, email, status, *_ in read_recovery(database)
            if issue == issue_id
        }
        counts, senders = journal.status(first=first)
        # Accepted messages the journal missed (disk full) are counted as what they are: the
        # next send records them before anything else, so they are not "not sent".
        pending = [(e, s) for e, s in waiting.items() if journal.would_send(e)]
        last_id = journal.last_id()
    finally:
        journal.close()
    if pending:
        sent = sum(1 for _, s in pending if s == "sent")
        counts = replace(
            counts,
            sent=counts.sent + sent,
            unknown=counts.unknown + len(pending) - sent,
            unsent=counts.unsent - len(pending),
        )
    return IssueStatus(
        issue_id,
        subject,
        counts,
        database,
        recovering=len(waiting),
        last_id=last_id,
        where=where,
        senders=senders,
    )


def sent_issue_ids(settings: Settings, doing: str = "this command") -> frozenset[str]:
    """The ids of the issues the delivery journal says reached a reader (sent, or unknown).

    Read-only, and never creates the database: a workspace without one has sent nothing.
    A dry run or a `--to` copy records nothing, so neither counts.
    """
    server = settings.database_server
    if server is not None:
        from newsletter.send.shared_journal import sent_issue_ids_on

        return sent_issue_ids_on(server)
    database = settings.database_file(doing)
    if not database.is_file():
        return frozenset()
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            if not conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
            ).fetchone():
                return frozenset()
            rows = conn.execute(
                "SELECT DISTINCT issue_id FROM deliveries WHERE status IN ('sent', 'unknown')"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise DeliveryError(
            f"{display_path(database)}: cannot read the delivery journal ({e}) for {doing}; "
            "fix or restore the database"
        ) from None
    return frozenset(str(issue_id) for (issue_id,) in rows)
