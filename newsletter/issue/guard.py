"""The manifest is the editor's: what a build may overwrite, and what it must refuse.

The build keeps, beside issue.toml, a record of the manifest's SHA-256 as it wrote it from
the sources (`built`), as it last rendered it (`rendered`) and, once the issue has readers,
as they got it (`sent`: the render before the first rebuild after the send), in
`.manifest-hashes`.  So:

- a build from the sources into a folder whose issue.toml is not what the build wrote (the
  editor changed it) refuses, and tells the editor to rebuild from the folder instead;
  `--force` overwrites, keeping the old manifest as `issue.toml.~1~` (then ~2~, ...);
- an issue with rows in the delivery journal (sent to anyone) is never rebuilt from the
  sources under the same id without `--force`, nor re-rendered from a manifest that is
  neither the one its readers got nor its last render: later readers would get other
  content under the same id.  Restoring the manifest readers got (after a forced
  re-render) is always allowed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from newsletter.config import Settings
from newsletter.errors import ManifestError, display_path
from newsletter.issue.manifest import MANIFEST_NAME, RECORD_NAME, read_manifest

_BACKUP_NAME = re.compile(re.escape(MANIFEST_NAME) + r"\.~(\d+)~")
_RECORD_LINE = re.compile(r'^(built|rendered|sent) = "([0-9a-f]{64})"$', re.M)


def digest(data: bytes) -> str:
    """The SHA-256 of a manifest's bytes, as kept in the record."""
    return hashlib.sha256(data).hexdigest()


def read_record(folder: Path) -> dict[str, str]:
    """The hashes kept in an issue folder ({} when there is no record)."""
    try:
        text = (folder / RECORD_NAME).read_text("ascii")
    except (OSError, UnicodeDecodeError):
        return {}
    return dict(_RECORD_LINE.findall(text))


def record_bytes(built: str | None, rendered: str, sent: str | None = None) -> bytes:
    """The record file: which manifest the build wrote, which one it rendered last, and
    which one the issue's readers got (once sent)."""
    lines = [
        "# Written by `newsletter build`; do not edit. SHA-256 of issue.toml as built from the",
        "# sources, as last rendered and as sent: how a build knows the manifest holds your edits.",
    ]
    if built:
        lines.append(f'built = "{built}"')
    lines.append(f'rendered = "{rendered}"')
    if sent:
        lines.append(f'sent = "{sent}"')
    return ("\n".join(lines) + "\n").encode("ascii")


def sent_manifest(folder: Path, issue_id: str, settings: Settings) -> str | None:
    """The hash of the manifest the issue's readers got; None while nobody has it.

    Kept in the record from the first rebuild after the send: until then, the last render
    is what was sent (a send refuses a manifest changed since its render).
    """
    record = read_record(folder)
    if "sent" in record:
        return record["sent"]
    rendered = record.get("rendered")
    if rendered and sent_count(settings, issue_id):
        return rendered
    return None


def backup_name(folder: Path) -> str:
    """The first free `issue.toml.~N~` in the folder (GNU numbered-backup style)."""
    n = 1
    while (folder / f"{MANIFEST_NAME}.~{n}~").exists():
        n += 1
    return f"{MANIFEST_NAME}.~{n}~"


def check_source_build(
    folder: Path, issue_id: str, new_manifest: bytes, settings: Settings, *, force: bool
) -> dict[str, bytes]:
    """May a build from the sources write this folder?  Returns the backup files to write.

    Raises ManifestError when the folder's manifest holds edits, or the issue was sent,
    unless `force`; with `force`, an existing manifest that differs is kept as a backup.
    """
    if not force:
        sent = sent_count(settings, issue_id)
        if sent:
            server = settings.database_server
            journal = server.where if server else display_path(settings.path(settings.database))
            raise ManifestError(
                f"issue {issue_id} was already sent ({sent} reader(s) in the delivery journal "
                f"of {journal}); rebuilding it from the "
                "sources would give later readers other content under the same id: build a new "
                f"issue with --id, re-render {display_path(folder)} from its manifest, or pass "
                "--force"
            )
    return check_overwrite(folder, new_manifest, force=force)


def check_overwrite(folder: Path, new_manifest: bytes, *, force: bool) -> dict[str, bytes]:
    """May `new_manifest` replace the folder's issue.toml?  Not an edited one, unless `force`.

    Returns the backup to write with the new folder ({} when nothing would be lost).
    """
    shown = display_path(folder)
    manifest = folder / MANIFEST_NAME
    try:
        current = manifest.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return {}  # nothing to lose (writing the folder says what is in the way)
    except OSError as e:
        raise ManifestError(f"{display_path(manifest)}: cannot read ({e.strerror})") from None
    if current == new_manifest:
        return {}
    built = read_record(folder).get("built")
    if built != digest(current) and not force:
        why = (
            "was edited since the build wrote it"
            if built
            else (f"may hold your edits (no {RECORD_NAME} record of what the build wrote)")
        )
        raise ManifestError(
            f"{display_path(manifest)}: {why}; to render your edits run "
            f"`newsletter build {shown}`; to overwrite it anyway pass --force "
            f"(your manifest is kept as {backup_name(folder)})"
        )
    return {backup_name(folder): current} if force else {}


def check_rerender(
    folder: Path, issue_id: str, manifest: bytes, settings: Settings, *, force: bool
) -> None:
    """May an issue folder be re-rendered from its manifest?  Not a sent one changed since."""
    if force:
        return
    record = read_record(folder)
    if digest(manifest) in (record.get("rendered"), record.get("sent")):
        return  # the manifest readers got, or the folder's own render: nothing new goes out
    sent = sent_count(settings, issue_id)
    if sent:
        raise ManifestError(
            f"{display_path(folder / MANIFEST_NAME)}: changed since issue {issue_id} was "
            f"rendered and sent ({sent} reader(s) in the delivery journal); re-rendering would "
            "give later readers other content under the same id: restore the manifest as "
            "sent, copy the folder and give it a new id, or pass --force"
        )


def check_send_of_edited(folder: Path, settings: Settings) -> None:
    """ManifestError when issue.toml changed since the issue was rendered and sent: the
    refusal `read_as_built` gives says to rebuild, which `check_rerender` then refuses for a
    sent issue, and the editor went round in a loop.  Nothing to say (None) otherwise."""
    record = read_record(folder)
    try:
        data = (folder / MANIFEST_NAME).read_bytes()
        issue_id = read_manifest(folder / MANIFEST_NAME).id
    except (OSError, ManifestError):
        return  # read_built_issue names what is wrong with it
    if not record or digest(data) in (record.get("rendered"), record.get("sent")):
        return
    sent = sent_count(settings, issue_id)
    if sent:
        raise ManifestError(
            f"{display_path(folder / MANIFEST_NAME)}: changed since issue {issue_id} was "
            f"rendered and sent ({sent} reader(s) in the delivery journal); the rest of the "
            "list gets what those readers got: restore the manifest as sent (git checkout, an "
            "undo) to go on, or copy the folder under a new id to send your edits"
        )


def forced_over_sent_warning(
    folder: Path, issue_id: str, manifest: bytes, sent: str | None, settings: Settings
) -> str | None:
    """The warning of a build from the sources forced over an issue that went out in another
    form: the rest of the list gets this build, not what its first readers got.  None when
    nobody has it or it gives what they got.  Names the kept manifest they got, if any.

    Tried as a new user: `build --force` said only "kept your previous manifest", and the
    next `send` mailed the new content to the readers left, without a word.
    """
    if sent is None or digest(manifest) == sent:
        return None
    shown = display_path(folder)
    kept = sorted(
        (int(m.group(1)), p.name) for p in folder.iterdir() if (m := _BACKUP_NAME.fullmatch(p.name))
    )
    theirs = next((name for _, name in kept if digest((folder / name).read_bytes()) == sent), None)
    restore = (
        f"put {shown}/{theirs} back as issue.toml"
        if theirs
        else "restore the manifest they got (git checkout)"
    )
    return (
        f"{shown}: issue {issue_id} already went to {sent_count(settings, issue_id)} "
        "reader(s) and this build from the sources (--force) differs from what they got: the "
        f"rest of the list gets this build; to send the rest what those readers got, {restore} "
        f"and run `newsletter build {shown}`; to send this build as an issue of its own, build it "
        "with a new --id"
    )


def sent_count(settings: Settings, issue_id: str) -> int:
    """Rows for the issue in the delivery journal; 0 without a database (none is created)."""
    rows = _journal(settings, "SELECT count(*) FROM deliveries WHERE issue_id = ?", (issue_id,))
    return int(str(rows[0][0])) if rows else 0


def first_outcome(settings: Settings, issue_id: str) -> str | None:
    """The journal's earliest `updated` for the issue (ISO 8601, UTC): about when it started
    going out; None when nobody has it in the journal (or there is no database)."""
    rows = _journal(settings, "SELECT min(updated) FROM deliveries WHERE issue_id = ?", (issue_id,))
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def journal_issue_ids(settings: Settings) -> frozenset[str]:
    """Every issue with rows in the delivery journal (sent to anyone), in one query."""
    rows = _journal(settings, "SELECT DISTINCT issue_id FROM deliveries", ())
    return frozenset(str(row[0]) for row in rows)


def _journal(settings: Settings, query: str, args: tuple[str, ...]) -> list[tuple[object, ...]]:
    """The rows of a read-only query on the delivery journal, in newsletter.db or on the
    PostgreSQL server; none without a database (none is created)."""
    # Imported here: a workspace that has sent nothing yet builds without the subscribers
    # package or sqlite3 (about 3% of a cold build's instructions; tests/test_build_startup.py).
    if settings.database_server is not None:
        from newsletter.subscribers.backends import server_journal_rows

        # Sends run on PostgreSQL: skipping its journal made every issue sent there unsent
        # to memory and to this guard (last week's stories all came back; a sent issue was
        # rebuilt from the sources without --force).
        return server_journal_rows(settings.database_server, query, args)
    path = settings.path(settings.database)
    if not path.is_file():
        return []
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            has_table = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
            ).fetchone()
            return conn.execute(query, args).fetchall() if has_table else []
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise ManifestError(
            f"{display_path(path)}: cannot read the delivery journal ({e}) to check which "
            "issues were sent; fix the database, or pass --force"
        ) from None
