"""Read what the workspace's earlier issues carried, for memory across issues.

Every folder of issues/ with an issue.toml dated before the issue being built is an earlier
issue (folders starting with "." are a build in progress and skipped, and so is the issue being
rebuilt).  Only what memory needs is read: the lead's title and URL and every headline's title
and URL.  A manifest that cannot be read stops the build with its path, as any bad input does:
skipping it silently would bring its headlines back.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from newsletter.assemble.memory import PastIssue
from newsletter.errors import ManifestError, display_path
from newsletter.manifest import MANIFEST_NAME


def read_past_issues(issues_dir: Path, before: dt.date, skip: str | None = None) -> list[PastIssue]:
    """The issues in `issues_dir` dated before `before`, except the one with id `skip`."""
    try:
        folders = sorted(p for p in issues_dir.iterdir() if not p.name.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ManifestError(
            f"{display_path(issues_dir)}: cannot list ({e.strerror}); check the folder"
        ) from None
    past = []
    for folder in folders:
        path = folder / MANIFEST_NAME
        try:
            text = path.read_text("utf-8")
        except (FileNotFoundError, NotADirectoryError):
            continue
        except (OSError, UnicodeDecodeError) as e:
            raise ManifestError(
                f"{display_path(path)}: cannot read this earlier issue ({e}); fix or move it"
            ) from None
        issue = _past_issue(path, text)
        if issue.date < before and issue.id != skip:
            past.append(issue)
    return past


def _past_issue(path: Path, text: str) -> PastIssue:
    shown = display_path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(
            f"{shown}: invalid TOML in this earlier issue: {e}; fix that line"
        ) from None
    day = data.get("date")
    if isinstance(day, dt.datetime):
        day = day.date()
    lead = data.get("lead")
    issue_id = data.get("id")
    if not isinstance(issue_id, str) or not isinstance(day, dt.date) or not isinstance(lead, dict):
        raise ManifestError(
            f"{shown}: an earlier issue needs id, date and [lead]; fix it or move it out of issues/"
        )
    headlines = []
    for section in ("related", "more"):  # [[repeated]] it left out: it did not carry them
        for item in _tables(data.get(section, []), shown, section):
            headlines.append((_text(item, "title", shown, section), _url(item, shown, section)))
    return PastIssue(
        id=issue_id,
        date=day,
        lead_title=_text(lead, "title", shown, "lead"),
        headlines=tuple(headlines),
        lead_url=_url(lead, shown, "lead"),
    )


def _tables(items: Any, shown: str, section: str) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ManifestError(f"{shown}: {section}: write each headline as a [[{section}]] table")
    return items


def _text(item: dict[str, Any], key: str, shown: str, section: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise ManifestError(f"{shown}: {section}.{key}: must be text in quotes")
    return " ".join(value.split())


def _url(item: dict[str, Any], shown: str, section: str) -> str | None:
    value = item.get("url")
    if value is not None and not isinstance(value, str):
        raise ManifestError(f"{shown}: {section}.url: must be text in quotes")
    return value or None
