"""Where the send of an issue stands (`newsletter send ISSUE --status`, and the confirmation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings
from newsletter.issue_folder import read_built_issue
from newsletter.send.journal import JournalCounts, open_journal


@dataclass(frozen=True, slots=True)
class IssueStatus:
    """An issue, and its delivery journal's counts."""

    issue_id: str
    subject: str
    counts: JournalCounts


def delivery_status(folder: Path, settings: Settings, *, first: int = 10) -> IssueStatus:
    """Read the issue's id and subject, then count its journal; nothing is sent or changed."""
    built = read_built_issue(folder)
    journal = open_journal(settings.path(settings.database), built.issue.id)
    try:
        return IssueStatus(built.issue.id, built.rendered.subject, journal.counts(first=first))
    finally:
        journal.close()
