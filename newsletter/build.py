"""`newsletter build`: load → assemble → render → write, or re-render an issue folder.

The two entry points differ only in where the Issue comes from: the sources
(ranked afresh) or an issue folder's manifest (as the editor left it).
"""

from __future__ import annotations

import calendar
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from newsletter.assemble import (
    AssembleOptions,
    assemble_issue,
    format_text,
    iso_week_id,
    text_fields,
)
from newsletter.assemble.later_stories import later_warning
from newsletter.assemble.learn import Cut, Learnt, learn_cut
from newsletter.assemble.meaning import RELATED_BAR, SPARSE_SHARE
from newsletter.assemble.memory import PastIssue, repeated_note
from newsletter.config import Settings, validated
from newsletter.errors import SourceError, display_path
from newsletter.issue.build_record import BUILD_RECORD_NAME, build_record_bytes
from newsletter.issue.editor_edits import (
    ranking_record_bytes,
    read_editor_edits,
    without_evidences,
)
from newsletter.issue.freshness import (
    old_sources_warning,
    split_past_issues,
    stale_sources_warning,
    unsent_lead_warning,
)
from newsletter.issue.guard import (
    check_overwrite,
    check_rerender,
    check_source_build,
    digest,
    forced_over_sent_warning,
    read_record,
    record_bytes,
    sent_manifest,
)
from newsletter.issue.layout import (
    RANKING_RECORD_NAME,
    check_out_folder,
    is_issue_folder,
    merge_file_name,
    write_issue_folder,
)
from newsletter.issue.manifest import MANIFEST_NAME, RECORD_NAME, manifest_text, read_manifest
from newsletter.mail.personalize import Recipient, prepare_mailing, web_values
from newsletter.models import Issue, Note, RenderedIssue, Sources
from newsletter.render import check_story_sizes, check_text_sizes, render_issue
from newsletter.render.merge_tags import empty_keys, fill_merge_tags
from newsletter.sources import load_sources
from newsletter.sources.named import newest_date


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build made, for the CLI to report."""

    folder: Path
    issue: Issue
    rendered: RenderedIssue
    html_bytes: int
    from_manifest: bool
    warnings: tuple[str, ...] = ()  # from the sources: an empty feed, a file skipped
    backup: str | None = None  # the name the editor's old manifest was kept under (--force)
    learnt: Learnt | None = None  # the cut learnt from earlier issues' edits
    learn_off: str | None = None  # why nothing was learnt: "--no-learn", the setting, a re-render

    def learnt_view(self) -> dict[str, Any]:
        """What was learnt from the editor's edits of earlier issues, or why nothing was: the
        `learnt` object of `build --json` and of the preview's Ranking tab."""
        if self.learnt is not None:
            return self.learnt.as_dict()
        return {"on": False, "why": self.learn_off or "off"}


def build(
    sources: Sequence[str],
    settings: Settings,
    options: AssembleOptions,
    *,
    out: Path | None = None,
    force: bool = False,
    learn: bool = True,
    fetched: MutableMapping[str, bytes] | None = None,
) -> BuildResult:
    """Build from sources, or, given one issue folder, re-render it from its manifest.

    A build from the sources never overwrites an edited manifest, nor rebuilds an issue
    already sent, unless `force` (see issue/guard.py).  It ranks and cuts Related as learnt
    from the editor's edits of earlier issues (the concepts' share, the bar, the length)
    unless `learn` is False or [ranking] learn is off (assemble/learn.py).  `fetched` keeps
    the feed URLs' bytes across builds (sources.load_sources).
    """
    if out is not None:
        check_out_folder(out, settings.workspace)
    if len(sources) == 1 and is_issue_folder(Path(sources[0])):
        return rebuild(Path(sources[0]), settings, out=out, force=force)
    _refuse_issue_folders(sources)

    loaded = load_sources(sources, settings.limits, fetched)
    check_story_sizes(loaded.stories, settings.limits.text_bytes)
    this_id = options.issue_id or iso_week_id(options.today)  # a rebuild is not its own past
    stale = _stale(sources, loaded, settings, options.today, this_id)
    # Memory is what went out: an issue built and never sent was read by nobody
    # (issue/freshness.py), so an editor's own draft never makes its stories "carried".
    past, unsent = split_past_issues(settings, options.today, skip=this_id)
    unset = options.related_bar is None  # a bar the caller gives is kept as given
    learnt, learn_warnings, learn_off = _learnt(settings, options, this_id, learn=learn and unset)
    if learnt is not None:
        cut = learnt.cut
        options = replace(options, related_bar=cut.bar, sparse_share=cut.share, related=cut.length)
    issue = assemble_issue(loaded, settings, options, past)
    note_warning = _repeated_note_warning(issue.note, past)
    unsent_warning = unsent_lead_warning(issue.lead, unsent, settings.workspace / "issues")
    folder = out or settings.workspace / "issues" / issue.id
    manifest = manifest_text(
        issue, display_path(folder), subject=settings.subject, preheader=settings.preheader
    ).encode("utf-8")
    extra = check_source_build(folder, issue.id, manifest, settings, force=force)
    sent = sent_manifest(folder, issue.id, settings) if force and folder.is_dir() else None
    extra[RECORD_NAME] = record_bytes(digest(manifest), digest(manifest), sent)
    built_cut = Cut(
        options.sparse_share or SPARSE_SHARE, options.related_bar or RELATED_BAR, options.related
    )
    extra[RANKING_RECORD_NAME] = ranking_record_bytes(issue, built_cut)
    issue = without_evidences(issue)
    result = _write(folder, issue, manifest, settings, from_manifest=False, extra=extra)
    backup = next((name for name in extra if name.startswith(MANIFEST_NAME + ".~")), None)
    over_sent = forced_over_sent_warning(folder, issue.id, manifest, sent, settings)
    return replace(
        result,
        warnings=(
            *((over_sent,) if over_sent else ()),
            *loaded.warnings,
            *(later_warning(story, issue.date) for story in issue.later),
            *stale,
            *learn_warnings,
            *note_warning,
            *((unsent_warning,) if unsent_warning else ()),
        ),
        backup=backup,
        learnt=learnt,
        learn_off=learn_off,
    )


def _learnt(
    settings: Settings, options: AssembleOptions, this_id: str, *, learn: bool
) -> tuple[Learnt | None, tuple[str, ...], str | None]:
    """The cut learnt from earlier issues (from the shipped share and bar and the `related`
    setting), the warnings of those that could not be read, and why nothing was learnt when
    learning is off."""
    if not learn:
        return None, (), "--no-learn"
    if not settings.ranking.learn:
        return None, (), "[ranking] learn = false"
    edits, warnings = read_editor_edits(settings.workspace / "issues", options.today, this_id)
    shipped = Cut(length=options.related)
    return learn_cut(edits, shipped, length=not options.related_given), warnings, None


def _refuse_issue_folders(sources: Sequence[str]) -> None:
    """SourceError naming the first issue folder among several sources (or one named twice).

    Read as sources, its index.txt is a seed story: an issue of today's week would lead with
    the masthead line "The Weekly Brief · 26 November 2026 18 stories · 3-min read"."""
    for source in sources:
        if is_issue_folder(Path(source)):
            shown = display_path(Path(source))
            raise SourceError(
                f"{shown}: an issue folder, not a source; to re-render it run "
                f"`newsletter build {shown}` alone, or name this week's sources (seeds/, feeds/)"
            )


def _stale(
    sources: Sequence[str], loaded: Sources, settings: Settings, today: date, issue_id: str
) -> tuple[str, ...]:
    """A warning when every source predates the previous sent issue, or else when every dated
    story is weeks older than the issue (issue/freshness.py)."""
    warning = stale_sources_warning(newest_date(sources, loaded), settings, today, issue_id)
    warning = warning or old_sources_warning(loaded, today)
    return (warning,) if warning else ()


def _repeated_note_warning(note: Note | None, past: Sequence[PastIssue]) -> tuple[str, ...]:
    """A warning when this week's editor's note is the one an issue that went out carried."""
    if note is None or (carried := repeated_note(note.body, past)) is None:
        return ()
    where_ = note.source or "the note"
    return (
        f"{where_}: the editor's note is the one issue {carried.id} went out with, word for "
        "word; write this week's note in it, or delete the file",
    )


def rebuild(
    folder: Path, settings: Settings, *, out: Path | None = None, force: bool = False
) -> BuildResult:
    """Re-render an issue from its manifest; the manifest itself is kept byte for byte.

    In place, the editor's issue.toml is not even rewritten: it moves into the new folder as
    the same file, so an editor holding it open sees no change and a save is never lost.
    The subject and preheader templates in it are filled from its lead.
    """

    if out is not None:
        check_out_folder(out, settings.workspace)
    manifest_path = folder / MANIFEST_NAME
    issue = fill_text_templates(read_manifest(manifest_path), settings)
    # Every text is in the manifest now: a size error names it and the key, not the source.
    check_text_sizes(issue, settings.limits.text_bytes, manifest=display_path(manifest_path))
    current = manifest_path.read_bytes()
    in_place = out is None or out.resolve() == folder.resolve()
    extra: dict[str, bytes] = {}
    sent = None
    if in_place:
        check_rerender(folder, issue.id, current, settings, force=force)
        built = read_record(folder).get("built")
        sent = sent_manifest(folder, issue.id, settings)  # kept across forced re-renders
    else:
        assert out is not None
        extra = check_overwrite(out, current, force=force)  # --out over someone's edits
        built = digest(current)  # the copy is what this build wrote there
    extra[RECORD_NAME] = record_bytes(built, digest(current), sent)
    result = _write(
        out or folder,
        issue,
        current,
        settings,
        from_manifest=True,
        extra=extra,
        in_place=in_place,
    )
    backup = next((name for name in extra if name.startswith(MANIFEST_NAME + ".~")), None)
    return replace(result, backup=backup, learn_off="re-rendered from the manifest: nothing ranked")


def fill_text_templates(issue: Issue, settings: Settings) -> Issue:
    """Fill the manifest's subject and preheader ({title}, {summary}...) from its lead."""

    if "{" not in issue.subject + issue.preheader:
        return issue
    fields = text_fields(settings, issue.lead, issue.id, issue.date, len(issue.related), issue.note)
    return replace(
        issue,
        subject=format_text(issue.subject, fields, "subject"),
        preheader=format_text(issue.preheader, fields, "preheader"),
    )


def _write(
    folder: Path,
    issue: Issue,
    manifest: bytes,
    settings: Settings,
    *,
    from_manifest: bool,
    extra: dict[str, bytes] | None = None,
    in_place: bool = False,
) -> BuildResult:
    """Render the issue and write its folder; `manifest`: the issue.toml it is rendered from.

    `in_place`: re-rendering the folder's own manifest, whose live file carries over (the
    record keeps the hash of the bytes rendered, so an edit saved meanwhile is seen).
    """

    validated(settings)  # the headers below are built from these: built only from checked values
    rendered = render_issue(issue, settings)
    mailing = prepare_mailing(rendered, issue.id, settings)
    public = web_values(mailing.links)
    web_html, web_text = rendered.variant(empty_keys(rendered.tested, public))
    html = fill_merge_tags(web_html, public, escape_html=True).encode("utf-8")
    sender_name, sender_address = settings.sender
    # message.eml is the web version as a reader's mail program shows it, addressed to the
    # list itself and dated the issue's day: rebuilding an unchanged issue repeats its bytes.
    sample = mailing.message_for(
        Recipient(sender_address, sender_name or settings.name),
        timestamp=calendar.timegm(issue.date.timetuple()),
        web_version=True,
        fixed_id=f"{issue.id}.web",
    )
    files = {
        "index.html": html,
        "index.txt": fill_merge_tags(web_text, public, escape_html=False).encode("utf-8"),
        "message.eml": sample.data,
    }
    sent_from = {MANIFEST_NAME: manifest}  # the bytes a send goes by, hashed in the record
    slots: dict[str, tuple[str, ...]] = {}  # the templates' merge slots, per merge file
    for empty, template in ((frozenset(), mailing.template), *mailing.variants.items()):
        tags = {tag: f"%%{tag}%%" for tag in template.tags}
        sent_from[merge_file_name(empty)] = template.fill(b"", tags)
        slots[merge_file_name(empty)] = template.slots
    files.update(sent_from)
    if in_place:  # the live issue.toml carries over
        del files[MANIFEST_NAME]
    files[BUILD_RECORD_NAME] = build_record_bytes(
        rendered.subject, rendered.preheader, settings, sent_from, slots
    )
    files.update(extra or {})
    write_issue_folder(folder, files)
    return BuildResult(
        folder=folder,
        issue=issue,
        rendered=rendered,
        html_bytes=len(html),
        from_manifest=from_manifest,
    )
