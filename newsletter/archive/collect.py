"""The built issues of a workspace that go into the archive, newest first."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import ManifestError, display_path
from newsletter.issue.layout import is_issue_folder

# The files a page is made from; a change to any of them re-renders the page.
INPUT_FILES = ("issue.toml", "merge.eml")


@dataclass(frozen=True, slots=True)
class IssueInput:
    """One built issue folder and the digest of what its page is made from."""

    name: str  # the folder's name (the issue's id is in its manifest)
    folder: Path
    digest: str


def issue_inputs(issues_dir: Path, salt: str) -> list[IssueInput]:
    """Every issue folder under `issues_dir` (hidden ones skipped), with its input digest.

    `salt` is what else a page depends on (the site's settings, the page format), so a
    change there re-renders every page.
    """
    if not issues_dir.is_dir():
        return []
    found = []
    for folder in sorted(issues_dir.iterdir()):
        if folder.name.startswith(".") or not is_issue_folder(folder):
            continue  # a build in progress (.2026-W48.tmp-…) or not an issue
        digest = hashlib.sha256(salt.encode())
        for name in INPUT_FILES:
            try:
                digest.update(b"\0" + (folder / name).read_bytes())
            except OSError as e:
                raise ManifestError(
                    f"{display_path(folder / name)}: cannot read ({e.strerror}); rebuild the "
                    f"issue (`newsletter build {display_path(folder)}`)"
                ) from None
        found.append(IssueInput(folder.name, folder, digest.hexdigest()))
    return found


def newest_first(
    dated: list[tuple[dt.date, str]], *, since: dt.date | None, limit: int | None
) -> list[str]:
    """The ids to archive: dated on or after `since`, newest first, at most `limit`."""
    chosen = [(day, issue_id) for day, issue_id in dated if since is None or day >= since]
    chosen.sort(reverse=True)
    return [issue_id for _, issue_id in (chosen if limit is None else chosen[:limit])]
