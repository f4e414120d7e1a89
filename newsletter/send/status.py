"""Where the send of an issue stands (`newsletter send ISSUE --status`, and the confirmation).

Read-only: it never creates the database (a workspace without one has sent nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings
from newsletter.issue_folder import read_built_issue
from newsletter.send.journal import JournalCounts, open_journal
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


def delivery_status(folder: Path, settings: Settings, *, first: int = 10) -> IssueStatus:
    """Read the issue's id and subject, then count its journal; nothing is sent or changed."""
    built = read_built_issue(folder)
    issue_id, subject = built.issue.id, built.rendered.subject
    database = settings.path(settings.database)
    if not database.exists():
        empty = JournalCounts(issue_id, 0, 0, 0, 0, 0, 0, "", (), ())
        return IssueStatus(issue_id, subject, empty, database, has_database=False)
    journal = open_journal(database, issue_id, create=False)
    try:
        counts = journal.counts(first=first)
    finally:
        journal.close()
    waiting = sum(1 for entry in read_recovery(database) if entry[0] == issue_id)
    return IssueStatus(issue_id, subject, counts, database, recovering=waiting)
