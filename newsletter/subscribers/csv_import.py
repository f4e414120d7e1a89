"""Import subscribers from a CSV file: every bad row reported with its line, none stops the import.

The first line names the columns; one of them is the address (`email`,
`e-mail`, `email address`...; another name only when given as `email_column`:
a column called `address` may as well hold a postal address).  `name` (the full
name), `first_name` (`subscriber.first_name`) and `status` are understood; every other
column becomes a merge field (`City` → `%%field.city%%`).  Comma, semicolon and tab
separators are recognised from the header line.

Each physical line is one row: a field may not hold a line break, so a quote
left open at the end of a line rejects that line alone (a stray `"Alice`
never swallows the rows after it), and so does a field over 1,000 characters.

The file is streamed, never held whole: a first pass checks that it decodes
(a file that is not UTF-8 changes nothing), the second writes the rows in
transactions of at most about a quarter of a second each, so a send running
meanwhile can record its deliveries between them.  Duplicates within the file
are found through a temporary table, not a dict in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from newsletter.control_chars import quoted
from newsletter.errors import ConfigError, SubscriberError, display_path
from newsletter.stored_text import storable_text
from newsletter.subscribers.addresses import InvalidAddress, normalize_address
from newsletter.subscribers.connection import Connection, dialect
from newsletter.subscribers.consent import CONSENT_COLUMNS, record_consent
from newsletter.subscribers.csv_export import FORMULA_STARTS
from newsletter.subscribers.database import utc_now
from newsletter.subscribers.status_reasons import REASON_COLUMNS
from newsletter.subscribers.store import STATUSES, Change, Status, SubscriberStore

if TYPE_CHECKING:
    from newsletter.subscribers.copy_import import CopyImport

# The names taken for the address column without asking; any other needs `email_column`.
EMAIL_COLUMNS = ("email", "e_mail", "email_address", "e_mail_address", "mail")
NAME_COLUMNS = ("name", "full_name", "fullname", "display_name")
FIRST_NAME_COLUMNS = ("first_name", "firstname", "given_name")  # `name` stays the full name
# What `subscribers export` adds besides the fields (the consent record is kept by the database).
IGNORED_COLUMNS = ("id", "created", "updated", *CONSENT_COLUMNS, *REASON_COLUMNS)
_Line = tuple[int, str, str | None]  # line number, text without its end, problem or None
MAX_FIELD = 1000  # characters in one cell
MAX_LINE = 1 << 20  # characters read at once; a longer line is rejected, not held
MAX_REJECTS_KEPT = 1000  # listed by line; the rest are counted
BATCH_SECONDS = 0.25  # the longest an import holds the database's write lock at once
_SURROGATE = re.compile("[\ud800-\udfff]")
_CHUNK = 1 << 20


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
    rejected: tuple[Reject, ...]  # the first MAX_REJECTS_KEPT
    fields: tuple[str, ...]  # merge fields found in the header
    rejected_count: int = 0  # all of them


def import_csv(
    path: Path,
    store: SubscriberStore,
    *,
    resubscribe: bool = False,
    encoding: str = "utf-8",
    now: str | None = None,
    batch_seconds: float = BATCH_SECONDS,
    email_column: str | None = None,
) -> ImportReport:
    """Add or update every valid row of a CSV file; `resubscribe` re-activates unsubscribed ones.

    `email_column` names the address column when its name is not one of EMAIL_COLUMNS.
    """
    shown = display_path(path)
    now = now or utc_now()  # one time for the whole file
    with _open(path, shown) as raw:
        encoding = _encoding(raw.read(4), encoding, shown)
        raw.seek(0)
        check_decodes(raw, encoding, shown)
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            return _import_lines(
                _lines(text), store, shown, path, resubscribe, now, batch_seconds, email_column
            )
        except sqlite3.Error as e:  # busy for too long, disk full: the batches so far are kept
            raise SubscriberError(
                f"{shown}: stopped, cannot write to the database ({' '.join(str(e).split())}); "
                "the rows committed so far are kept: import the file again once that is fixed "
                "(nothing is added twice)"
            ) from None
        except UnicodeDecodeError:  # the file changed since the first pass
            raise SubscriberError(
                f"{shown}: changed while being imported; import it again"
            ) from None
        finally:
            text.detach()


def _import_lines(
    lines: Iterator[_Line],
    store: SubscriberStore,
    shown: str,
    path: Path,
    resubscribe: bool,
    now: str,
    batch_seconds: float,
    email_column: str | None,
) -> ImportReport:
    header_number, header, delimiter = _header(lines, shown)
    columns = _columns(header, shown, header_number, email_column)
    changes: dict[Change, int] = dict.fromkeys(
        ("added", "updated", "unchanged", "suppressed", "resubscribed"), 0
    )
    rejected: list[Reject] = []
    rejected_count = rows = 0

    def reject(line: int, reason: str) -> None:
        nonlocal rejected_count
        rejected_count += 1
        if len(rejected) < MAX_REJECTS_KEPT:
            rejected.append(Reject(line, reason))

    conn = store.conn
    seen = _seen_table(conn)
    conn.execute("BEGIN IMMEDIATE")
    batched = _copy_import(store, resubscribe, now, reject, changes)
    started = time.monotonic()
    try:
        for number, text, problem in lines:
            if problem is None and not text.strip():
                continue
            rows += 1
            if problem is not None:
                reject(number, problem)
                continue
            try:
                email, name, first_name, fields, status = _parse_row(
                    _cells(text, delimiter), columns, len(header)
                )
            except (InvalidAddress, _BadRow) as e:
                reject(number, str(e))
                continue
            if batched is not None:  # PostgreSQL: a batch at a time, through COPY
                batched.add(number, email, name, first_name, fields, status)
                continue
            first = _earlier_line(conn, seen, email, number)
            if first is not None:
                reject(number, f"{email}: same address as line {first} (kept that one)")
                continue
            change = store.upsert(
                email,
                name,
                fields,
                status=status,
                resubscribe=resubscribe,
                now=now,
                first_name=first_name,
            )
            changes[change] += 1
            if change in ("added", "resubscribed"):
                record_consent(conn, email, "import", now=now)
            if time.monotonic() - started >= batch_seconds:
                conn.execute("COMMIT")  # let a send record its deliveries in between
                time.sleep(0.02)
                conn.execute("BEGIN IMMEDIATE")
                started = time.monotonic()
        if batched is not None:
            batched.finish()
        conn.execute("COMMIT")
    except BaseException:
        if batched is not None:
            batched.abort()  # the batch being written ends first: nothing after the rollback
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute(f"DELETE FROM {seen}")
    return ImportReport(
        path=path,
        rows=rows,
        rejected=tuple(rejected),
        fields=tuple(columns.fields),
        rejected_count=rejected_count,
        **changes,
    )


def _header(lines: Iterator[_Line], shown: str) -> tuple[int, list[str], str]:
    """The file's first non-blank line as its header: its number, its cells and the delimiter
    they use; SubscriberError for a file with no header to read."""
    empty = f"{shown}: empty; its first line must name the columns, e.g. `email,name`"
    header_line = next(((n, t) for n, t, _ in lines if t.strip()), None)
    if header_line is None:
        raise SubscriberError(empty)
    number, text = header_line
    delimiter = _delimiter(text)
    try:
        header = _cells(text, delimiter)
    except _BadRow as e:
        raise SubscriberError(f"{shown}:{number}: {e}") from None
    if not any(cell.strip() for cell in header):
        raise SubscriberError(empty)
    return number, header, delimiter


def _earlier_line(conn: Connection, seen: str, email: str, number: int) -> int | None:
    """The line of this file that already gave `email`; None the first time (now noted)."""
    if conn.execute(
        f"INSERT INTO {seen} VALUES (?, ?) ON CONFLICT DO NOTHING", (email, number)
    ).rowcount:
        return None
    return int(conn.execute(f"SELECT line FROM {seen} WHERE email = ?", (email,)).fetchone()[0])


def _copy_import(
    store: SubscriberStore,
    resubscribe: bool,
    now: str,
    reject: Callable[[int, str], None],
    changes: dict[Change, int],
) -> CopyImport | None:
    """On PostgreSQL, the writer that takes the valid rows a batch at a time; else None."""
    if dialect(store.conn) != "postgresql":
        return None
    from newsletter.subscribers.copy_import import CopyImport

    return CopyImport(store, resubscribe=resubscribe, now=now, reject=reject, changes=changes)


def _seen_table(conn: Connection) -> str:
    """The emptied temporary table of the addresses read so far (any case), and its name."""
    if dialect(conn) == "postgresql":
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_seen "
            "(email TEXT PRIMARY KEY, line INTEGER NOT NULL)"  # lower(email): copy_import.py
        )
        name = "pg_temp.import_seen"
    else:
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_seen "
            "(email TEXT PRIMARY KEY COLLATE NOCASE, line INTEGER NOT NULL) WITHOUT ROWID"
        )
        name = "temp.import_seen"
    conn.execute(f"DELETE FROM {name}")
    return name


def _open(path: Path, shown: str) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise SubscriberError(
            f"{shown}: no such file; check the path (it is relative to the folder you run in)"
        ) from None
    except IsADirectoryError:
        raise SubscriberError(f"{shown}: is a folder; give a CSV file") from None
    except OSError as e:
        raise SubscriberError(f"{shown}: cannot read ({e.strerror})") from None


def _encoding(start: bytes, encoding: str, shown: str) -> str:
    """The encoding to read with: UTF-16 when it has a byte-order mark, UTF-8 without its mark."""
    if start.startswith(b"PK\x03\x04"):
        raise SubscriberError(
            f'{shown}: is a spreadsheet workbook, not CSV; save it as "CSV UTF-8"'
        )
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if codecs.lookup(_lookup(encoding)).name == "utf-8":
        return "utf-8-sig"  # drops the byte-order mark spreadsheets write
    return encoding


def check_decodes(raw: BinaryIO, encoding: str, shown: str) -> None:
    """Read the whole file once, a chunk at a time: SubscriberError naming the line that does not
    decode or holds a NUL character."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    column_start = 0  # offset in the file where the current line starts
    offset = 0
    while True:
        chunk = raw.read(_CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as e:
            bad = max(0, e.start - (len(e.object) - len(chunk)))  # e.object may hold carried bytes
            before = chunk[:bad]
            line += before.count(b"\n")
            newline = before.rfind(b"\n")
            column = bad - newline if newline >= 0 else offset + bad - column_start + 1
            raise SubscriberError(
                f"{shown}:{line}: not {encoding.removesuffix('-sig').upper()} "
                f"(byte 0x{chunk[bad]:02x} "
                f'at column {column}); save the file as UTF-8 ("CSV UTF-8" in a spreadsheet), '
                "or give its encoding, e.g. --encoding latin-1"
            ) from None
        if "\x00" in text:
            line += text.count("\n", 0, text.index("\x00"))
            raise SubscriberError(
                f"{shown}:{line}: contains NUL characters; is it really a CSV text file?"
            )
        surrogate = _SURROGATE.search(text)  # only an odd --encoding (unicode_escape) makes one
        if surrogate:
            line += text.count("\n", 0, surrogate.start())
            raise SubscriberError(
                f"{shown}:{line}: decodes to U+{ord(surrogate.group()):04X}, half of a character "
                f"that no database stores; check --encoding ({encoding})"
            )
        line += text.count("\n")
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            column_start = offset + newline + 1
        offset += len(chunk)
        if not chunk:
            return


def _lines(text: io.TextIOWrapper) -> Iterator[_Line]:
    """(line number, line without its end, problem or None) for each physical line."""
    number = 0
    while True:
        line = text.readline(MAX_LINE)
        if not line:
            return
        number += 1
        if len(line) == MAX_LINE and not line.endswith(("\n", "\r")):
            while (more := text.readline(MAX_LINE)) and not more.endswith(("\n", "\r")):
                pass  # the rest of an endless line, dropped a piece at a time
            yield number, "", f"longer than {MAX_LINE:,} characters"
            continue
        yield number, line.rstrip("\r\n"), None


def _lookup(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except (LookupError, ValueError):  # ValueError: a NUL, or bytes that are not UTF-8
        raise ConfigError(
            f"--encoding {quoted(encoding)}: unknown encoding (try utf-8, latin-1, cp1252)"
        ) from None


def _delimiter(first: str) -> str:
    """Comma, semicolon or tab: whichever splits the header line into the most columns."""
    return max((",", ";", "\t"), key=first.count) if any(d in first for d in ",;\t") else ","


def _cells(line: str, delimiter: str) -> list[str]:
    """One line's cells; _BadRow for broken quoting, a line break in a field, an oversize field."""
    try:
        row = next(csv.reader((line,), delimiter=delimiter, strict=True), [])
    except csv.Error as e:
        text = str(e)
        if "unexpected end of data" in text:
            raise _BadRow(
                'a quoted field is not closed on this line (a stray ", or a line break inside '
                "a field, which is not accepted); this line is left out, the next ones are not"
            ) from None
        if "field limit" in text:
            raise _BadRow(f"a field runs past {MAX_FIELD:,} characters") from None
        raise _BadRow(
            f'broken quoting ({text}); quote a field whole, double a " inside it'
        ) from None
    for i, cell in enumerate(row, start=1):
        if len(cell) > MAX_FIELD:
            raise _BadRow(f"field {i} runs past {MAX_FIELD:,} characters ({len(cell):,})")
    return row


class _BadRow(ValueError):
    """A row that cannot be imported; the message says why."""


@dataclass(slots=True)
class _Columns:
    email: int
    name: int | None
    status: int | None
    fields: dict[str, int]
    first_name: int | None = None


def _columns(
    header: list[str], shown: str, line: int = 1, email_column: str | None = None
) -> _Columns:
    keys = [column_key(h) for h in header]
    for i, key in enumerate(keys):  # two columns of one name: which one holds the value?
        if key and key in keys[:i]:
            first = keys.index(key) + 1
            raise SubscriberError(
                f"{shown}:{line}: columns {first} and {i + 1} are both named "
                f"{quoted(header[i].strip())}; rename or delete one, then import again"
            )
    if email_column is not None:
        return _columns_with(keys, _named_column(header, keys, email_column, shown, line))
    email = next((keys.index(k) for k in EMAIL_COLUMNS if k in keys), None)
    if email is None and "address" in keys:  # a postal address, or the email? Ask.
        raise SubscriberError(
            f"{shown}:{line}: is the column 'address' the email address? Rename it to `email`, "
            "or pass --email-column address, then import again"
        )
    if email is None:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        hint = (
            "the file seems to have no header line: add one, e.g. `email,name`"
            if "@" in "".join(header)
            else "the first line must name the columns, one of them `email` (or pass "
            "--email-column NAME for the column that holds the addresses)"
        )
        raise SubscriberError(f"{shown}:{line}: no email column (found: {found}); {hint}")
    return _columns_with(keys, email)


def _named_column(header: list[str], keys: list[str], wanted: str, shown: str, line: int) -> int:
    """The index of the column the editor named with --email-column (any case and spacing)."""
    key = column_key(wanted)
    if not key or key not in keys:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        raise SubscriberError(
            f"{shown}:{line}: no column named {quoted(wanted)} (found: {found}); "
            "pass --email-column with one of these"
        )
    return keys.index(key)


def _columns_with(keys: list[str], email: int) -> _Columns:
    """The columns, once the address column is known: name, status, the rest as merge fields."""
    name = next((keys.index(k) for k in NAME_COLUMNS if k in keys and keys.index(k) != email), None)
    status = keys.index("status") if "status" in keys else None
    first = next((keys.index(k) for k in FIRST_NAME_COLUMNS if k in keys), None)
    taken = {email, name, status, first}
    fields: dict[str, int] = {}
    for i, key in enumerate(keys):
        if i not in taken and key and key not in IGNORED_COLUMNS and key not in fields:
            fields[key] = i
    return _Columns(email, name, status, fields, first)


def column_key(header: str) -> str:
    """A column name as a merge-field name: `Favourite Topic` → `favourite_topic`."""
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _parse_row(
    row: list[str], columns: _Columns, width: int
) -> tuple[str, str | None, str | None, dict[str, str], Status]:
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        raise _BadRow(
            f"{len(row)} cells but the header names {width} columns "
            "(a separator inside an unquoted name?)"
        )

    def cell(i: int | None) -> str:
        return clean_cell(row[i]) if i is not None and i < len(row) else ""

    # The address is not cleaned: a tab or control character inside it is named, not hidden.
    raw = row[columns.email] if columns.email < len(row) else ""
    if raw[:1] == "'" and raw[1:2] in FORMULA_STARTS:
        raw = raw[1:]
    email = normalize_address(raw)
    status = cell(columns.status).lower() or "active"
    if status not in STATUSES:
        raise _BadRow(f"{email}: status {quoted(status)} is not one of {', '.join(STATUSES)}")
    name = cell(columns.name) or None  # an empty cell keeps the name already stored
    first_name = cell(columns.first_name) or None
    fields = {key: cell(i) for key, i in columns.fields.items()}
    return email, name, first_name, fields, cast(Status, status)  # one of STATUSES, checked


def clean_cell(value: str) -> str:
    """A cell on one line, without control characters or surrounding spaces.

    A leading `'` that an export put before `=`, `+`, `-` or `@` (so spreadsheets do not run the
    cell as a formula) is taken off again.
    """
    if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
        value = value[1:]
    return storable_text(value)
