"""Last week's sources, caught: a build whose newest source predates the previous sent issue.

The stray build this catches: `newsletter build` a week later quietly made a new issue from
the seeds already sent. The newest date the sources carry (sources/named.py: entry dates,
file days) is compared with the date of the newest earlier issue that went out (run.json
says so, or the delivery journal has rows for it).
"""

from __future__ import annotations

import datetime as dt

from newsletter.config import Settings
from newsletter.issue.guard import sent_count
from newsletter.issue.past_issues import read_past_issues
from newsletter.issue.run_state import read_run_state


def previous_sent_issue(
    settings: Settings, before: dt.date, skip: str | None = None
) -> tuple[str, dt.date] | None:
    """The newest issue dated before `before` that went out: (id, date), or None."""
    issues = settings.workspace / "issues"
    for past in sorted(read_past_issues(issues, before, skip), key=lambda p: p.date, reverse=True):
        folder = issues / past.id
        sent = folder.is_dir() and read_run_state(folder).done("sent") is not None
        if sent or sent_count(settings, past.id):
            return past.id, past.date
    return None


def stale_sources_warning(
    newest: tuple[dt.date, str] | None, settings: Settings, today: dt.date, issue_id: str
) -> str | None:
    """A warning when every source predates the previous sent issue, naming the newest date."""
    if newest is None:
        return None
    previous = previous_sent_issue(settings, today, skip=issue_id)
    if previous is None or newest[0] >= previous[1]:
        return None
    return (
        f"every source predates issue {previous[0]} (sent, dated {previous[1].isoformat()}): "
        f"the newest date seen is {newest[0].isoformat()} ({newest[1]}); these look like last "
        "week's stories: put this week's in the sources before sending"
    )
