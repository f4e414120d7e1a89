"""Import subscribers from a CSV file: every bad row reported with its line, none stops the import.

The first line names the columns; one of them is the address (`email`,
`e-mail`, `email address`...).  `name` and `status` are understood; every other
column becomes a merge field (`City` → `%%field.city%%`).  Comma, semicolon and
tab separators are recognised from the header line.  The file is decoded whole
before anything is written, and all rows are written in one transaction: an
unreadable file changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from newsletter.errors import ConfigError, SubscriberError, display_path
from newsletter.subscribers.addresses import InvalidAddress, normalize_address
from newsletter.subscribers.consent import CONSENT_COLUMNS, record_consent
from newsletter.subscribers.database import utc_now
from newsletter.subscribers.store import STATUSES, Change, SubscriberStore

EMAIL_COLUMNS = ("email", "e_mail", "email_address", "e_mail_address", "mail", "address")
NAME_COLUMNS = ("name", "full_name", "fullname", "display_name")
# What `subscribers export` adds besides the fields (the consent record is kept by the database).
IGNORED_COLUMNS = ("id", "created", "updated", *CONSENT_COLUMNS)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Reject:
    """A row left out, with its line in the file and why."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did, row by row."""

    path: Path
    rows: int
    added: int
    updated: int
    unchanged: int
    suppressed: int  # unsubscribed or bounced, kept so
    resubscribed: int
    rejected: tuple[Reject, ...]
    fields: tuple[str, ...]  # merge fields found in the header


def import_csv(
    path: Path,
    store: SubscriberStore,
    *,
    resubscribe: bool = False,
    encoding: str = "utf-8",
    now: str | None = None,
) -> ImportReport:
    """Add or update every valid row of a CSV file; `resubscribe` re-activates unsubscribed ones."""
    shown = display_path(path)
    now = now or utc_now()  # one time for the whole file
    text = decode_csv(_read(path, shown), encoding, shown)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise SubscriberError(
            f"{shown}: empty; its first line must name the columns, e.g. `email,name`"
        )
    columns = _columns(header, shown)
    changes: dict[Change, int] = dict.fromkeys(
        ("added", "updated", "unchanged", "suppressed", "resubscribed"), 0
    )
    rejected: list[Reject] = []
    seen: dict[str, int] = {}
    rows = 0
    line = reader.line_num + 1
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        for row in reader:
            start, line = (
                line,
                reader.line_num + 1,
            )  # a quoted cell may span lines: report the first
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            try:
                email, name, fields, status = _parse_row(row, columns, len(header))
            except (InvalidAddress, _BadRow) as e:
                rejected.append(Reject(start, str(e)))
                continue
            key = email.lower()
            if key in seen:
                rejected.append(
                    Reject(start, f"{email}: same address as line {seen[key]} (kept that one)")
                )
                continue
            seen[key] = start
            change = store.upsert(
                email, name, fields, status=status, resubscribe=resubscribe, now=now
            )
            changes[change] += 1
            if change in ("added", "resubscribed"):
                record_consent(store.conn, email, "import", now=now)
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        raise
    return ImportReport(
        path=path, rows=rows, rejected=tuple(rejected), fields=tuple(columns.fields), **changes
    )


def decode_csv(data: bytes, encoding: str, shown: str) -> str:
    """The file's text: UTF-8 with or without a byte-order mark, UTF-16 with one, or `encoding`."""
    if data.startswith(b"PK\x03\x04"):
        raise SubscriberError(
            f'{shown}: is a spreadsheet workbook, not CSV; save it as "CSV UTF-8"'
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif codecs.lookup(_lookup(encoding)).name == "utf-8":
        encoding = "utf-8-sig"  # drops the byte-order mark spreadsheets write
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SubscriberError(
            f"{shown}:{line}: not {encoding.removesuffix('-sig').upper()} "
            f"(byte 0x{data[e.start]:02x} "
            f'at column {column}); save the file as UTF-8 ("CSV UTF-8" in a spreadsheet), '
            "or give its encoding, e.g. --encoding latin-1"
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SubscriberError(
            f"{shown}:{line}: contains NUL characters; is it really a CSV text file?"
        )
    return text


def _lookup(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(
            f"--encoding '{encoding}': unknown encoding (try utf-8, latin-1, cp1252)"
        ) from None


def _read(path: Path, shown: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SubscriberError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise SubscriberError(f"{shown}: is a folder; give a CSV file") from None
    except OSError as e:
        raise SubscriberError(f"{shown}: cannot read ({e.strerror})") from None


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever splits the header line into the most columns."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","


class _BadRow(ValueError):
    """A row that cannot be imported; the message says why."""


@dataclass(slots=True)
class _Columns:
    email: int
    name: int | None
    status: int | None
    fields: dict[str, int]


def _columns(header: list[str], shown: str) -> _Columns:
    keys = [column_key(h) for h in header]
    email = next((keys.index(k) for k in EMAIL_COLUMNS if k in keys), None)
    if email is None:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        hint = (
            "the file seems to have no header line: add one, e.g. `email,name`"
            if "@" in "".join(header)
            else "the first line must name the columns, one of them `email`"
        )
        raise SubscriberError(f"{shown}:1: no email column (found: {found}); {hint}")
    name = next((keys.index(k) for k in NAME_COLUMNS if k in keys), None)
    status = keys.index("status") if "status" in keys else None
    taken = {email, name, status}
    fields: dict[str, int] = {}
    for i, key in enumerate(keys):
        if i not in taken and key and key not in IGNORED_COLUMNS and key not in fields:
            fields[key] = i
    return _Columns(email, name, status, fields)


def column_key(header: str) -> str:
    """A column name as a merge-field name: `Favourite Topic` → `favourite_topic`."""
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _parse_row(row: list[str], columns: _Columns, width: int):
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        raise _BadRow(
            f"{len(row)} cells but the header names {width} columns "
            "(a separator inside an unquoted name?)"
        )

    def cell(i: int | None) -> str:
        return clean_cell(row[i]) if i is not None and i < len(row) else ""

    email = normalize_address(cell(columns.email))
    status = cell(columns.status).lower() or "active"
    if status not in STATUSES:
        raise _BadRow(f"{email}: status '{status}' is not one of {', '.join(STATUSES)}")
    name = cell(columns.name) or None  # an empty cell keeps the name already stored
    fields = {key: cell(i) for key, i in columns.fields.items()}
    return email, name, fields, status


def clean_cell(value: str) -> str:
    """A cell on one line, without control characters or surrounding spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())
