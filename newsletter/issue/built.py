"""A built issue read back once: `BuiltIssue`, handed to check, status, send, archive, preview.

Every file a send goes by (issue.toml and each merge*.eml) is read once and checked against
the hash the build recorded (built-with.json), so what is checked and sent is exactly what
was built: a folder changed since is refused, naming the file and the fix (rebuild).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from newsletter.errors import ManifestError, display_path
from newsletter.issue.build_record import BuildRecord, read_as_built, read_build_record
from newsletter.issue.folder_given import not_an_issue_folder
from newsletter.issue.layout import is_issue_folder, merge_variant_fields
from newsletter.issue.manifest import MANIFEST_NAME, parse_manifest, read_manifest
from newsletter.mail.template import MessageTemplate, TemplateFileError, parse_message_template
from newsletter.models import Issue, RenderedIssue

MERGE_NAME = "merge.eml"


@dataclass(frozen=True, slots=True)
class BuiltIssue:
    """An issue folder as built: its manifest, its record and its email with merge tags.

    The issue's subject and preheader are as the build filled them (built-with.json).
    `templates` are the merge.eml (fields ()) and each merge.empty=*.eml variant, as loaded.
    """

    folder: Path
    issue: Issue
    rendered: RenderedIssue
    record: BuildRecord
    templates: tuple[tuple[frozenset[str], MessageTemplate], ...]
    manifest_text: str = ""  # issue.toml as read (and checked against the record)

    @property
    def template(self) -> MessageTemplate:
        """The merge.eml every reader's message is filled from (variants aside)."""
        return self.templates[0][1]

    @property
    def variants(self) -> dict[frozenset[str], MessageTemplate]:
        """The merge.empty=*.eml templates, by the fields each is for."""
        return dict(self.templates[1:])


def read_folder_manifest(folder: Path) -> Issue:
    """The issue.toml of an issue folder; a folder without one is a clear error."""
    if not is_issue_folder(folder):
        raise not_an_issue_folder(folder)
    return read_manifest(folder / MANIFEST_NAME)


def read_built_issue(folder: Path, *, edited_manifest: bool = False) -> BuiltIssue:
    """Read an issue folder as built, once, without rendering anything again.

    ManifestError (one line, with the fix) for a folder that is not one, was never built,
    or changed since its build.  `edited_manifest`: an issue.toml edited since the build is
    read as it is now, for the readers that send nothing and show the email as built (the
    archive, `send --status`); merge*.eml are checked all the same.
    """
    if not is_issue_folder(folder):
        raise not_an_issue_folder(folder)
    record = read_build_record(folder)
    unchecked = frozenset({MANIFEST_NAME}) if edited_manifest else frozenset[str]()
    files = read_as_built(folder, record, unchecked=unchecked)
    manifest = folder / MANIFEST_NAME
    try:
        text = files[MANIFEST_NAME].decode("utf-8")
    except UnicodeDecodeError as e:
        raise ManifestError(
            f"{display_path(manifest)}: cannot read ({e}); save it as UTF-8"
        ) from None
    issue = parse_manifest(text, manifest)
    if MERGE_NAME not in files:
        raise ManifestError(
            f"{display_path(folder / 'built-with.json')}: names no {MERGE_NAME}; "
            f"run `newsletter build {display_path(folder)}` to re-render it"
        )
    main, (text_body, html) = _template(folder / MERGE_NAME, files[MERGE_NAME])
    templates = [(frozenset[str](), main)]
    variants = []
    for name in sorted(files):
        empty = merge_variant_fields(name)
        if empty is not None:
            template, (variant_text, variant_html) = _template(folder / name, files[name])
            templates.append((empty, template))
            variants.append((empty, variant_html, variant_text))
    rendered = RenderedIssue(
        subject=record.subject,
        preheader=record.preheader,
        html=html,
        text=text_body,
        tested=frozenset().union(*(empty for empty, _ in templates)),
        variants=tuple(variants),
    )
    # The manifest holds the templates ({title}, {summary}); the record, them as built.
    issue = replace(issue, subject=record.subject, preheader=record.preheader)
    return BuiltIssue(folder, issue, rendered, record, tuple(templates), text)


def _template(path: Path, data: bytes) -> tuple[MessageTemplate, tuple[str, str]]:
    """A merge*.eml as its template, and its text and HTML parts."""
    try:
        template = parse_message_template(data)
        return template, template.bodies()
    except TemplateFileError as e:
        raise ManifestError(
            f"{display_path(path)}: not as the build wrote it ({e}); "
            f"run `newsletter build {display_path(path.parent)}` to re-render it"
        ) from None
