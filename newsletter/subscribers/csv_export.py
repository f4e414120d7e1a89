"""Export subscribers to CSV: email, name, status, dates, consent, reason, then merge fields.

A cell that starts with `=`, `+`, `-`, `@`, tab or CR gets a `'` in front, as
OWASP advises against CSV injection, so a spreadsheet shows it as text instead
of running it as a formula (`=HYPERLINK(...)`).  The import takes that `'` off
again: the file imports back as it was (`newsletter subscribers import`),
statuses included.  An existing file is replaced only when it is an earlier export: never
the database, newsletter.toml or any other file that happens to have the name given.
"""

from __future__ import annotations

import csv
import json
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from newsletter.errors import SubscriberError, display_path
from newsletter.out_folder import require_parent_folder
from newsletter.subscribers.connection import dialect
from newsletter.subscribers.consent import CONSENT_COLUMNS
from newsletter.subscribers.status_reasons import REASON_COLUMNS
from newsletter.subscribers.store import STATUSES, Status, SubscriberStore

BASE_COLUMNS = (
    "email",
    "name",
    "first_name",
    "status",
    "created",
    "updated",
    *CONSENT_COLUMNS,
    *REASON_COLUMNS,
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will not evaluate: `'` before a leading =, +, -, @, tab or CR."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def export_csv(store: SubscriberStore, path: Path | None, *, status: Status | None = None) -> int:
    """Write the subscribers (all, or one `status`) to `path` (None: stdout); return how many."""
    if path is None:
        return write_csv(store, sys.stdout, status=status)
    require_parent_folder(path, "")
    try:
        if not _replaceable(path):  # a device or a pipe (/dev/stdout): written into, as it is
            with path.open("w", encoding="utf-8", newline="") as out:
                return write_csv(store, out, status=status)
        partial = path.with_name(f".{path.name}.partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as out:
                count = write_csv(store, out, status=status)
            partial.replace(path)  # whole or not at all
        finally:
            partial.unlink(missing_ok=True)
    except OSError as e:
        raise SubscriberError(f"{display_path(path)}: cannot write ({e.strerror})") from None
    return count


def _replaceable(path: Path) -> bool:
    """True for a new file or an earlier export; False for a device or a pipe.

    Never replaces the database, newsletter.toml or any other file that happens to
    have the name given (SubscriberError), nor a folder.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return True
    if stat.S_ISDIR(mode):
        raise SubscriberError(f"{display_path(path)}: is a folder; give a file name")
    if not stat.S_ISREG(mode):
        return False
    with path.open("rb") as existing:
        start = existing.read(len(_EXPORT_START))
    if start and start != _EXPORT_START:
        raise SubscriberError(
            f"{display_path(path)}: exists and is not a subscriber export (it does not start "
            f"with `{_EXPORT_START.decode()}`), so it is left as it is; give another file name"
        )
    return True


_EXPORT_START = b"email,name,"  # every export starts so (first_name came after `name` later)


def write_csv(store: SubscriberStore, out: TextIO, *, status: Status | None = None) -> int:
    """Stream the subscribers as CSV rows into `out`; return how many."""
    fields = store.field_names(status)
    writer = csv.writer(out)
    writer.writerow([neutralise(c) for c in (*BASE_COLUMNS, *fields)])
    count = 0
    for cells, values in _rows(store, status):
        writer.writerow([neutralise(c) for c in (*cells, *(values.get(f, "") for f in fields))])
        count += 1
    return count


def _rows(
    store: SubscriberStore, status: Status | None
) -> Iterator[tuple[Sequence[str], Mapping[str, str]]]:
    """Each subscriber's BASE_COLUMNS cells and merge fields, in the order they joined."""
    if dialect(store.conn) == "postgresql":
        yield from _copied_rows(store, status)
        return
    # SQLite: the same one statement, read from its cursor as it goes (one read transaction,
    # as COPY's one snapshot); a look-up per row for the consent and the reason took twice as
    # long at a million rows.
    for row in store.conn.execute(_EXPORT_QUERY.format(where=_where(status))):
        yield row[:-1], json.loads(row[-1])


# BASE_COLUMNS (in their order: a new column goes in both) and the fields, joined in one
# statement: what PostgreSQL's COPY streams out, and SQLite's cursor.
_EXPORT_QUERY = (
    "SELECT s.email, s.name, s.first_name, s.status, s.created, s.updated,"
    " coalesce(c.source, ''), coalesce(c.at, ''), coalesce(c.client, ''),"
    " coalesce(c.wording, ''), coalesce(r.kind, ''), coalesce(r.code, ''),"
    " coalesce(r.diagnostic, ''), coalesce(r.at, ''), coalesce(r.message_id, ''), s.fields"
    " FROM subscribers s LEFT JOIN consents c ON c.email = s.email"
    " LEFT JOIN status_reasons r ON r.email = s.email {where} ORDER BY s.id"
)


def _copied_rows(
    store: SubscriberStore, status: Status | None
) -> Iterator[tuple[Sequence[str], Mapping[str, str]]]:
    """On PostgreSQL: one `COPY (SELECT …) TO STDOUT`, read as it arrives (memory stays flat)."""
    from newsletter.subscribers.postgres import PostgresConnection

    conn = store.conn
    assert isinstance(conn, PostgresConnection)
    query = _EXPORT_QUERY.format(where=_where(status))
    for row in conn.copy_out(query, len(BASE_COLUMNS) + 1):
        yield row[:-1], json.loads(row[-1])


def _where(status: Status | None) -> str:
    """The export's WHERE clause: every subscriber, or those of one status."""
    if status is None:
        return ""
    assert status in STATUSES  # a Literal: safe to write into the statement
    return f"WHERE s.status = '{status}'"
