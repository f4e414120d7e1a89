"""Workspaces with many built issues, for the archive's tests and benchmark."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from newsletter.build import rebuild
from newsletter.config import load_settings
from newsletter.send.journal import open_journal


def add_issues(root: Path, count: int, *, template: str = "2026-W48") -> list[str]:
    """Copy the workspace's built issue `count` times, one week apart going back, and rebuild each.

    Issue k is dated k weeks before the template's date and its subject says "Week k".
    """
    settings = load_settings(root)[0]
    source = root / "issues" / template
    manifest = (source / "issue.toml").read_text("utf-8")
    day = dt.date.fromisoformat(re.search(r"^date = (\S+)$", manifest, re.M).group(1))
    made = []
    for k in range(1, count + 1):
        when = day - dt.timedelta(weeks=k)
        year, week, _ = when.isocalendar()
        issue_id = f"{year}-W{week:02d}"
        folder = root / "issues" / issue_id
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("outbox"))
        text = re.sub(r'^id = ".*"$', f'id = "{issue_id}"', manifest, count=1, flags=re.M)
        text = re.sub(r"^date = .*$", f"date = {when.isoformat()}", text, count=1, flags=re.M)
        text = re.sub(r'^subject = "', f'subject = "Week {k}: ', text, count=1, flags=re.M)
        (folder / "issue.toml").write_text(text, "utf-8")
        rebuild(folder, settings)
        made.append(issue_id)
    return made


def site_bytes(out: Path) -> dict[str, bytes]:
    """Every file of a written site, by its path inside it."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def mark_sent(root: Path, *issue_ids: str) -> None:
    """Record each issue as delivered to one reader in the workspace's journal, as a send leaves it.

    The archive publishes sent issues only; its tests about pages and feeds start from these.
    """
    settings = load_settings(root)[0]
    for issue_id in issue_ids:
        journal = open_journal(settings.database_file("the tests"), issue_id)
        try:
            journal.record(
                "reader@example.org", "sent", attempts=1, message_id=f"<{issue_id}@example.org>"
            )
        finally:
            journal.close()
