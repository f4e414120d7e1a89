"""`newsletter db copy SRC DST`: a whole workspace database, SQLite ⇄ PostgreSQL, verified.

Every table of the schema is copied (the list, unsubscribes, consent, suppression hashes,
sign-ups, rate-limit hits, bounce records, the journal, the signing keys), found in the
schema itself rather than listed here, so a table a later version adds is copied too.  Both
sides are first brought to this version's schema, so their tables and columns match.

- The source is read in one snapshot (a read transaction), row by row: PostgreSQL through
  `COPY (SELECT …) TO STDOUT`, SQLite through its cursor.
- The target is written in **one transaction**: PostgreSQL through `COPY … FROM STDIN` (the
  schema upgrade too, under its lock), SQLite in batches of `BATCH` rows.  Each table is read
  back inside that transaction and compared with the source by its row count and a checksum;
  any difference, any error, Ctrl-C: the transaction rolls back and the target is as it was
  (a SQLite file the copy created is removed again).
- A target holding any row is refused unless `force`, which empties it in the same
  transaction.

The checksum does not depend on row order (the two backends sort text differently): the sum,
modulo 2**128, of each row's SHA-256 over its values in a canonical text form.  Memory stays
flat: no table is held, only a batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
import sqlite3
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsletter.control_chars import ECHOED, shown_safely
from newsletter.database_url import PostgresUrl, parse_database
from newsletter.errors import SubscriberError, display_path
from newsletter.out_folder import require_parent_folder
from newsletter.subscribers.database import BUSY_TIMEOUT, database_error, open_database

BATCH = 5_000  # rows per executemany on SQLite
PROGRESS_EVERY = 5_000  # rows between two calls of the progress callback

# How far the copy is, for a terminal: (table, "copying" or "checking", rows so far, of how many)
Progress = Callable[[str, str, int, int], None]
_MODULUS = 2**128

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TableCopy:
    """One table copied: its rows and the checksum both sides agree on."""

    name: str
    rows: int
    checksum: str


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What `db copy` did: from where, to where, and each table."""

    source: str
    target: str
    tables: tuple[TableCopy, ...]
    replaced: int  # rows the target held before (only with force)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def row_digest(row: Row, times: frozenset[int] = frozenset()) -> int:
    """One row's contribution to its table's checksum (its values in canonical text form).

    `times`: the positions of columns PostgreSQL keeps as timestamps (SQLite as ISO text),
    compared as instants in UTC.
    """
    text = "\x1f".join(_canonical(v, i in times) for i, v in enumerate(row))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:16])


def _canonical(value: Any, time: bool = False) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if time:
        with contextlib.suppress(ValueError):  # not a timestamp: compared as written
            return _instant(value).isoformat()
    return str(value)


def _instant(value: Any) -> dt.datetime:
    """A timestamp (a datetime, or SQLite's ISO text) as an aware datetime in UTC."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _sqlite_value(value: Any) -> Any:
    """A value read from PostgreSQL as SQLite keeps it: a timestamp as ISO text (`…Z`)."""
    if isinstance(value, dt.datetime):
        return _instant(value).isoformat().replace("+00:00", "Z")
    return value


class _Tally:
    """Counts rows and sums their digests as they stream past."""

    def __init__(self, times: frozenset[int]) -> None:
        self.rows = 0
        self.total = 0
        self.times = times

    def watch(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            self.rows += 1
            self.total = (self.total + row_digest(row, self.times)) % _MODULUS
            yield row

    @property
    def checksum(self) -> str:
        return f"{self.total:032x}"


class _Side:
    """One end of a copy: a SQLite file or a PostgreSQL database."""

    where: str

    def tables(self) -> dict[str, list[str]]:
        raise NotImplementedError

    def read(self, table: str, columns: list[str]) -> Generator[Row]:
        raise NotImplementedError

    def count(self, table: str) -> int:
        raise NotImplementedError

    def times(self, table: str, columns: list[str]) -> frozenset[int]:
        """Positions of the columns this side keeps as timestamps (none on SQLite)."""
        return frozenset()


class _SqliteSide(_Side):
    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path, self.conn, self.where = path, conn, display_path(path)

    def tables(self) -> dict[str, list[str]]:
        names = [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite%' ORDER BY name"
            )
        ]
        return {n: [c[1] for c in self.conn.execute(f'PRAGMA table_info("{n}")')] for n in names}

    def read(self, table: str, columns: list[str]) -> Generator[Row]:
        number = 0
        try:
            for row in self.conn.execute(f"SELECT {_names(columns)} FROM {table}"):
                number += 1
                yield row
        except sqlite3.OperationalError as e:
            if "decode" not in str(e):
                raise
            # Text another program wrote as bytes that are not UTF-8: neither backend can
            # take it as text, and guessing its encoding would copy a different list.
            raise SubscriberError(
                f"{self.where}: {table} row {number + 1:,}: "
                f"{shown_safely(str(e), ECHOED + 40)}; nothing was copied: fix that row "
                "in the SQLite file and copy again"
            ) from None

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def clear(self, tables: Iterable[str]) -> None:
        for table in tables:
            self.conn.execute(f"DELETE FROM {table}")

    def write(self, table: str, columns: list[str], rows: Iterator[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({_names(columns)}) VALUES ({marks})"
        while batch := list(itertools.islice(rows, BATCH)):
            self.conn.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in batch])


class _PostgresSide(_Side):
    def __init__(self, server: PostgresUrl, conn: Any) -> None:
        self.server, self.conn, self.where = server, conn, server.where
        self._types: dict[str, dict[str, str]] = {}

    def tables(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for table, column, udt in self.conn.execute(
            "SELECT table_name, column_name, udt_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name <> 'newsletter_schema'"
            " AND table_name IN (SELECT tablename FROM pg_tables"
            "  WHERE schemaname = current_schema())"
            " ORDER BY table_name, ordinal_position"
        ):
            found.setdefault(table, []).append(column)
            self._types.setdefault(table, {})[column] = "text" if udt == "citext" else udt
        return found

    def binary(self, table: str) -> frozenset[str]:
        """The table's columns that hold bytes (bytea): only there may a SQLite BLOB go."""
        return frozenset(c for c, kind in self._types[table].items() if kind == "bytea")

    def times(self, table: str, columns: list[str]) -> frozenset[int]:
        kinds = self._types[table]
        return frozenset(i for i, c in enumerate(columns) if kinds[c].startswith("timestamp"))

    def read(self, table: str, columns: list[str]) -> Generator[Row]:
        types = [self._types[table][c] for c in columns]
        query = f"COPY (SELECT {_names(columns)} FROM {table}) TO STDOUT"
        with self.conn.cursor() as cursor, cursor.copy(query) as copy:
            copy.set_types(types)
            yield from copy.rows()

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def clear(self, tables: Iterable[str]) -> None:
        self.conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")

    def lock(self, tables: Iterable[str]) -> None:
        """No other host writes the target while it is filled and checked."""
        self.conn.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")

    def write(self, table: str, columns: list[str], rows: Iterator[Row]) -> None:
        # Every value travels as text, which the server reads as the column's own type (a
        # citext, a number, SQLite's ISO text for a timestamptz); only bytea is encoded.
        types = ["bytea" if self._types[table][c] == "bytea" else "text" for c in columns]
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({_names(columns)}) FROM STDIN") as copy,
        ):
            copy.set_types(types)
            for row in rows:
                copy.write_row([_as_text(v) for v in row])
        self._restart_identity(table)

    def _restart_identity(self, table: str) -> None:
        """An identity column (subscribers.id) goes on after the highest id copied."""
        for (column,) in self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = %s AND is_identity = 'YES'",
            (table,),
        ).fetchall():
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({column}), 0) + 1,"
                f" false) FROM {table}",
                (table, column),
            )


def _as_text(value: Any) -> Any:
    if value is None or isinstance(value, str | bytes):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def _names(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def copy_database(
    source: str, target: str, *, force: bool = False, progress: Progress | None = None
) -> CopyReport:
    """Copy every table of `source` into `target` (each a SQLite path or a PostgreSQL URL);
    `progress` is told each table's rows as they are copied, then read back."""
    src_server, dst_server = _parse(source, "SRC"), _parse(target, "DST")
    if _same(source, src_server, target, dst_server):
        raise SubscriberError(f"{target}: SRC and DST are the same database; name another DST")
    if dst_server is None:  # a typo must not make folders wherever it points
        require_parent_folder(Path(target), "DST")
    with _open_source(source, src_server) as src:
        if dst_server is not None:
            return _into_postgres(src, dst_server, force=force, progress=progress)
        return _into_sqlite(src, Path(target), force=force, progress=progress)


def _parse(value: str, which: str) -> PostgresUrl | None:
    try:
        return parse_database(value)
    except ValueError as e:
        raise SubscriberError(f"db copy: {which}: {e}") from None


def _same(a: str, a_server: PostgresUrl | None, b: str, b_server: PostgresUrl | None) -> bool:
    if a_server is not None or b_server is not None:
        # Several hosts (a primary and its standby): one in common with the same name is it.
        return a_server is not None and b_server is not None and a_server.may_be(b_server)
    return Path(a).resolve() == Path(b).resolve()


@contextlib.contextmanager
def _open_source(value: str, server: PostgresUrl | None) -> Iterator[_Side]:
    """The source, brought to this version's schema, inside a read snapshot for the block."""
    if server is None:
        path = Path(value)
        if not path.exists():  # not "no database yet; add subscribers first": a typo, mostly
            raise SubscriberError(
                f"db copy: SRC: {display_path(path)}: no such file; name the workspace's "
                "database (its `database` setting, newsletter.db by default) or a "
                "postgresql:// URL"
            )
        conn = open_database(path, create=False)
        try:
            conn.execute("BEGIN")  # one snapshot (WAL): a send running meanwhile is not half seen
            try:
                yield _SqliteSide(path, conn)
            except sqlite3.Error as e:
                raise database_error(path, e, "read it") from None
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.close()
        return
    import psycopg

    from newsletter.subscribers.postgres import (
        LONG_ANSWER_SECONDS,
        connect_postgres,
        statement_error,
    )
    from newsletter.subscribers.postgres_schema import schema_version, upgrade_postgres

    with connect_postgres(server, answer_seconds=LONG_ANSWER_SECONDS) as raw:  # a big list
        try:
            if schema_version(raw) == 0:
                raise SubscriberError(
                    f"{server.where}: nothing to copy: newsletter has not used this database yet"
                )
            upgrade_postgres(raw, server, writing=False)  # a list may leave any locale
            with raw.transaction():
                raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _PostgresSide(server, raw)
        except psycopg.Error as e:
            raise statement_error(server, e) from None


def _into_postgres(
    src: _Side, server: PostgresUrl, *, force: bool, progress: Progress | None
) -> CopyReport:
    import psycopg

    from newsletter.subscribers.postgres import (
        LONG_ANSWER_SECONDS,
        connect_postgres,
        statement_error,
    )
    from newsletter.subscribers.postgres_schema import upgrade_postgres

    with connect_postgres(server, answer_seconds=LONG_ANSWER_SECONDS) as raw:  # a big list
        try:
            with raw.transaction():  # the upgrade, the emptying, every table: all or nothing
                upgrade_postgres(raw, server)
                dst = _PostgresSide(server, raw)
                report = _copy_tables(src, dst, force=force, lock=dst.lock, progress=progress)
                # The planner's statistics, as after a restore: the unique addresses are
                # indexes on lower(email), which say nothing about `email = ?` without them.
                raw.execute(f"ANALYZE {', '.join(t.name for t in report.tables)}")
                return report
        except psycopg.Error as e:
            raise statement_error(server, e) from None


def _into_sqlite(src: _Side, path: Path, *, force: bool, progress: Progress | None) -> CopyReport:
    created = not path.exists()
    try:
        open_database(path).close()  # creates or upgrades it, as any first use does
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
        try:
            # A plain connection: the copy writes every row as it is, and is checked after.
            conn.execute("BEGIN IMMEDIATE")
            try:
                dst = _SqliteSide(path, conn)
                report = _copy_tables(src, dst, force=force, lock=None, progress=progress)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()
    except sqlite3.Error as e:
        _remove_created(path, created)
        raise database_error(path, e) from None
    except BaseException:
        _remove_created(path, created)
        raise
    return report


def _remove_created(path: Path, created: bool) -> None:
    if created:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            name.unlink(missing_ok=True)


def _copy_tables(
    src: _Side,
    dst: Any,
    *,
    force: bool,
    lock: Callable[[list[str]], None] | None,
    progress: Progress | None = None,
) -> CopyReport:
    tables = src.tables()
    _check_same_schema(src, tables, dst, dst.tables())
    names = sorted(tables)
    if lock is not None:
        lock(names)
    held = {t: n for t in names if (n := dst.count(t))}
    if held and not force:
        listed = ", ".join(f"{t} {n:,}" for t, n in held.items())
        raise SubscriberError(
            f"{dst.where}: the target is not empty ({sum(held.values()):,} rows: {listed}); "
            "add --force to replace them, or name an empty database"
        )
    if held:
        dst.clear(names)
    copied = []
    for table in names:
        columns = tables[table]
        times = src.times(table, columns) | dst.times(table, columns)
        sent = _Tally(times)
        # Closed here, not by the garbage collector after the source's connection has gone
        # (which printed "Exception ignored in…" and a traceback when a write failed).
        total = src.count(table) if progress is not None else 0
        with contextlib.closing(src.read(table, columns)) as read:
            rows = _told(sent.watch(read), progress, table, "copying", total)
            if isinstance(dst, _PostgresSide):
                rows = _storable(rows, src.where, table, columns, dst.binary(table))
            dst.write(table, columns, rows)
        back = _Tally(times)
        for _ in _told(back.watch(dst.read(table, columns)), progress, table, "checking", total):
            pass
        if (back.rows, back.total) != (sent.rows, sent.total):
            raise SubscriberError(
                f"{dst.where}: {table}: {sent.rows:,} rows sent but {back.rows:,} read back "
                f"(checksum {sent.checksum[:12]} vs {back.checksum[:12]}); nothing was changed"
            )
        copied.append(TableCopy(table, sent.rows, sent.checksum))
    return CopyReport(src.where, dst.where, tuple(copied), sum(held.values()))


def _told(
    rows: Iterable[Row], progress: Progress | None, table: str, phase: str, total: int
) -> Iterator[Row]:
    """`rows` as they are, `progress` told at the start and every PROGRESS_EVERY rows."""
    if progress is None:
        yield from rows
        return
    progress(table, phase, 0, total)
    for n, row in enumerate(rows, 1):
        if n % PROGRESS_EVERY == 0:
            progress(table, phase, n, total)
        yield row


def _storable(
    rows: Iterable[Row], where: str, table: str, columns: list[str], binary: frozenset[str]
) -> Iterator[Row]:
    """The rows, refusing (before PostgreSQL does, nameless) a text holding a NUL character:
    SQLite stores one, PostgreSQL cannot, and dropping it would copy a different list.  A
    BLOB, which SQLite keeps in any column, is refused the same way outside the `binary`
    (bytea) columns (psycopg raised a TypeError traceback)."""
    for number, row in enumerate(rows, 1):
        for column, value in zip(columns, row, strict=True):
            if isinstance(value, bytes) and column not in binary:
                key = f"{columns[0]} {shown_safely(str(row[0]), ECHOED)}"
                raise SubscriberError(
                    f"{where}: {table} row {number:,} ({key}, column {column}) holds binary "
                    "data (a BLOB another program wrote), which that column never holds; "
                    "nothing was copied: fix that row in the SQLite file and copy again"
                )
            if column == "fields" and isinstance(value, str) and _unreadable_json(value):
                key = f"{columns[0]} {shown_safely(str(row[0]), ECHOED)}"
                raise SubscriberError(
                    f"{where}: {table} row {number:,} ({key}, column fields) holds a merge "
                    "field with a NUL character or a byte that was not UTF-8 (a JSON \\u "
                    "escape an older version kept), which PostgreSQL cannot read; nothing was "
                    "copied: set that reader's fields again (`newsletter subscribers add` with "
                    "--field) and copy again"
                )
            if isinstance(value, str) and "\x00" in value:
                key = f"{columns[0]} {shown_safely(str(row[0]), ECHOED)}"
                raise SubscriberError(
                    f"{where}: {table} row {number:,} ({key}, column {column}) holds a NUL "
                    "character, which PostgreSQL cannot store; nothing was copied: remove it in "
                    f"the SQLite file (UPDATE {table} SET {column} = replace({column}, char(0),"
                    " '')) and copy again"
                )
        yield row


def _unreadable_json(text: str) -> bool:
    """True when the JSON text holds a string PostgreSQL's jsonb cannot read: a NUL or a lone
    surrogate, written as a `\\u` escape (each import naming that reader failed there)."""
    if "\\u" not in text:
        return False
    try:
        value = json.loads(text)
    except ValueError:
        return False  # not JSON: not this check's to judge
    return any("\x00" in s or any(0xD800 <= ord(c) <= 0xDFFF for c in s) for s in _strings(value))


def _strings(value: object) -> Iterator[str]:
    """Every string of a JSON value, keys too, however deep (a NUL inside a nested list
    or object was missed: repr() wrote it `\\x00`)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_same_schema(
    src: _Side, mine: dict[str, list[str]], dst: _Side, theirs: dict[str, list[str]]
) -> None:
    """Both sides are at this version's schema, so this holds unless one was altered by hand."""
    for table in sorted(set(mine) | set(theirs)):
        if set(mine.get(table, ())) != set(theirs.get(table, ())):
            raise SubscriberError(
                f"{dst.where}: table {table} differs from {src.where}'s (columns "
                f"{sorted(theirs.get(table, []))} vs {sorted(mine.get(table, []))}); "
                "run `newsletter db upgrade` on both, or restore the table"
            )
