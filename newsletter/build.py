"""`newsletter build`: load → assemble → render → write, or re-render an issue folder.

The two entry points differ only in where the Issue comes from: the sources
(ranked afresh) or an issue folder's manifest (as the editor left it).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsletter.assemble import AssembleOptions
from newsletter.config import Settings
from newsletter.errors import display_path
from newsletter.issue_folder import is_issue_folder, write_issue_folder
from newsletter.manifest import MANIFEST_NAME, manifest_text, read_manifest
from newsletter.models import Issue, RenderedIssue


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made, for the CLI to report."""

    folder: Path
    issue: Issue
    rendered: RenderedIssue
    html_bytes: int
    from_manifest: bool


def build(
    sources: Sequence[str],
    settings: Settings,
    options: AssembleOptions,
    *,
    out: Path | None = None,
) -> BuildResult:
    """Build from sources, or, given one issue folder, re-render it from its manifest."""
    if len(sources) == 1 and is_issue_folder(Path(sources[0])):
        return rebuild(Path(sources[0]), settings, out=out)
    from newsletter.assemble import assemble_issue, iso_week_id
    from newsletter.past_issues import read_past_issues
    from newsletter.sources import load_sources

    loaded = load_sources(sources)
    this_id = options.issue_id or iso_week_id(options.today)  # a rebuild is not its own past
    past = read_past_issues(settings.workspace / "issues", options.today, skip=this_id)
    issue = assemble_issue(loaded, settings, options, past)
    folder = out or settings.workspace / "issues" / issue.id
    manifest = manifest_text(issue, display_path(folder))
    return _write(folder, issue, manifest.encode("utf-8"), settings, from_manifest=False)


def rebuild(folder: Path, settings: Settings, *, out: Path | None = None) -> BuildResult:
    """Re-render an issue from its manifest; the manifest itself is kept byte for byte.

    In place, the editor's issue.toml is not even rewritten: it moves into the new folder as
    the same file, so an editor holding it open sees no change and a save is never lost.
    """
    manifest_path = folder / MANIFEST_NAME
    issue = read_manifest(manifest_path)
    in_place = out is None or out.resolve() == folder.resolve()
    manifest = None if in_place else manifest_path.read_bytes()
    return _write(out or folder, issue, manifest, settings, from_manifest=True)


def _write(
    folder: Path,
    issue: Issue,
    manifest: bytes | None,
    settings: Settings,
    *,
    from_manifest: bool,
) -> BuildResult:
    from newsletter.mail.personalize import Recipient, prepare_mailing, web_values
    from newsletter.render import render_issue
    from newsletter.render.merge_tags import fill_merge_tags

    rendered = render_issue(issue, settings)
    mailing = prepare_mailing(rendered, issue.id, settings)
    public = web_values(mailing.links)
    html = fill_merge_tags(rendered.html, public, escape_html=True).encode("utf-8")
    sender_name, sender_address = settings.sender
    # message.eml is the web version as a reader's mail program shows it, addressed to the
    # list itself and dated the issue's day: rebuilding an unchanged issue repeats its bytes.
    sample = mailing.message_for(
        Recipient(sender_address, sender_name or settings.name),
        timestamp=calendar.timegm(issue.date.timetuple()),
        web_version=True,
        fixed_id=f"{issue.id}.web",
    )
    merge = mailing.template.fill(b"", {tag: f"%%{tag}%%" for tag in mailing.template.tags})
    files = {
        "index.html": html,
        "index.txt": fill_merge_tags(rendered.text, public, escape_html=False).encode("utf-8"),
        "message.eml": sample.data,
        "merge.eml": merge,
    }
    if manifest is not None:  # None: re-rendering in place, the live issue.toml carries over
        files[MANIFEST_NAME] = manifest
    write_issue_folder(folder, files)
    return BuildResult(
        folder=folder,
        issue=issue,
        rendered=rendered,
        html_bytes=len(html),
        from_manifest=from_manifest,
    )
