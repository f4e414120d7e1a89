"""Which earlier issues went out, and last week's sources caught.

An earlier issue *went out* when its run.json says it was sent or the delivery journal has
rows for it.  Only those are the workspace's memory (`sent_past_issues`): an issue built and
never sent was read by nobody, so its stories are not carried; the editor who built a draft
on Friday and builds again on Monday (another ISO week, another id) gets this week's issue
from the same stories, not "every story was carried by an earlier issue".

The stray build this catches: `newsletter build` a week later quietly made a new issue from
the seeds already sent. The newest date the sources carry (sources/named.py: entry dates,
file days) is compared with the date of the newest earlier issue that went out.

And the first build in a workspace, with no issue gone out yet: a week of stories copied in
from 2024 built the issue of today's week (2026-W50) without a word.  When every story and
headline that carries a date is older than the issue by more than `OLD_AFTER`, the build says
so, naming the newest and `--date` (`old_sources_warning`); not when every story is undated
(a week's seeds written this week beside a feed whose last post is a month old).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from newsletter.assemble.memory import PastIssue, same_article
from newsletter.config import Settings
from newsletter.errors import display_path
from newsletter.issue.guard import first_outcome, journal_issue_ids
from newsletter.issue.past_issues import read_past_issues
from newsletter.issue.run_state import read_run_state
from newsletter.models import Lead, Sources
from newsletter.sources.named import Newest

# The age of the newest dated story past which a week's sources look like another time's.
OLD_AFTER = dt.timedelta(days=14)


def sent_past_issues(
    settings: Settings, before: dt.date, skip: str | None = None
) -> list[PastIssue]:
    """The issues dated on or before `before` (but `skip`) that went out: the workspace's memory."""
    return split_past_issues(settings, before, skip)[0]


def split_past_issues(
    settings: Settings, before: dt.date, skip: str | None = None
) -> tuple[list[PastIssue], list[PastIssue]]:
    """The issues dated on or before `before` (but `skip`): those that went out (the workspace's
    memory), and those built and never sent (each manifest read once)."""
    issues = settings.workspace / "issues"
    past = read_past_issues(issues, before, skip, text_bytes=settings.limits.text_bytes)
    if not past:
        return [], []
    journal = journal_issue_ids(settings)

    def went_out(issue: PastIssue) -> bool:
        if issue.id in journal:
            return True
        folder = issues / issue.id
        return folder.is_dir() and read_run_state(folder).done("sent") is not None

    sent = {issue.id for issue in past if went_out(issue)}
    return [p for p in past if p.id in sent], [p for p in past if p.id not in sent]


def unsent_lead_warning(lead: Lead, unsent: Sequence[PastIssue], issues_dir: Path) -> str | None:
    """A warning when an earlier issue built and never sent led with this same story (its
    link, else its title).

    Tried as a new user: the issue was mailed to the editor alone (`send --to`), then a build
    a week later from the same sources gave the same issue again without a word, every
    headline back; a test copy, a dry run and the preview's Send a test leave no row in the
    delivery journal, so the issue was nobody's memory.  The editor's Friday draft rebuilt on
    Monday (another id) is told the same, and the old draft folder is theirs to delete.
    """
    for issue in sorted(unsent, key=lambda p: p.date, reverse=True):
        if same_article(lead.url, lead.title, issue):
            return (
                f"{display_path(issues_dir / issue.id)}: led with this story too and was "
                "never sent to the list (a test copy with --to, the preview's Send a test "
                "or a --dry-run is not a send), so nothing it carried is left out of this "
                "issue; send it before building the next, or delete that folder if it was "
                "a draft"
            )
    return None


def previous_sent_issue(
    settings: Settings, before: dt.date, skip: str | None = None
) -> tuple[str, dt.date] | None:
    """The newest issue dated on or before `before` that went out: (id, date), or None."""
    sent = sent_past_issues(settings, before, skip)
    newest = max(sent, key=lambda p: p.date, default=None)
    return (newest.id, newest.date) if newest is not None else None


def went_out_at(settings: Settings, issue_id: str) -> dt.datetime | None:
    """When the issue started going out (UTC): its first outcome in the delivery journal, else
    the time `newsletter run` recorded its send; None when neither says."""
    first = first_outcome(settings, issue_id)
    if first is None:
        folder = settings.workspace / "issues" / issue_id
        record = read_run_state(folder).done("sent") if folder.is_dir() else None
        first = str(record.get("at", "")) if record else None
    try:
        moment = dt.datetime.fromisoformat(first) if first else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def stale_sources_warning(
    newest: Newest | None, settings: Settings, today: dt.date, issue_id: str
) -> str | None:
    """A warning when every source predates the previous sent issue, naming the newest date.

    A file saved on the day the previous issue went out is judged by the time: saved before
    it went out, it was in that issue's sources (a new user's seeds, written and sent on a
    Thursday, built again unchanged the next Thursday, drew no warning: same day, not older).
    """
    if newest is None:
        return None
    previous = previous_sent_issue(settings, today, skip=issue_id)
    if previous is None:
        return None
    went_out = went_out_at(settings, previous[0])
    # The day it went out, when known: an issue dated Thursday and sent on Friday took the
    # sources saved on Friday before it went out.
    last_day = went_out.astimezone().date() if went_out is not None else previous[1]
    if newest.day > last_day:
        return None
    if newest.day == last_day:
        if newest.saved is None or went_out is None or newest.saved >= went_out:
            return None
        return (
            f"every source predates issue {previous[0]} (sent from "
            f"{went_out:%Y-%m-%d %H:%M} UTC): the newest, {newest.where}, was saved at "
            f"{newest.saved.astimezone(dt.UTC):%H:%M} UTC, before it went out; these look like "
            "last week's stories: put this week's in the sources before sending"
        )
    return (
        f"every source predates issue {previous[0]} (sent, dated {previous[1].isoformat()}): "
        f"the newest date seen is {newest.day.isoformat()} ({newest.where}); these look like last "
        "week's stories: put this week's in the sources before sending"
    )


def old_sources_warning(loaded: Sources, issue_date: dt.date) -> str | None:
    """A warning when every dated story and headline is older than the issue by more than
    OLD_AFTER (module doc); None when none carries a date or one is recent enough, and None
    when there are stories and none is dated: the editor's own undated seeds say nothing of
    age, and a quiet feed's last post weeks back does not make this week's seeds old."""
    dated = [(s.date, s.source) for s in loaded.stories if s.date is not None]
    if loaded.stories and not dated:
        return None
    dated += [(h.date, h.source) for h in loaded.headlines if h.date is not None]
    if not dated:
        return None
    day, where_ = max(dated, key=lambda d: d[0])
    if issue_date - day <= OLD_AFTER:
        return None
    return (
        f"every dated story is more than {OLD_AFTER.days} days older than this issue "
        f"({issue_date.isoformat()}): the newest is dated {day.isoformat()} ({where_}); to build "
        f"that week's issue give `--date {day.isoformat()}`, or put this week's stories in the "
        "sources"
    )
