"""Schema step 10: `send_issues.key_check`, the unsubscribe key's check in a column of its own
(newsletter/send/merge_check.py), on both backends.  A database at schema 9 upgrades in place:
a send begun earlier keeps its hash and has no check (its key is then not compared), and a
row the version before packed as `HASH key:CHECK` into `merge_hash` is split in two."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.database_url import PostgresUrl
from newsletter.send.merge_check import KeyMismatch, MergeMismatch, check_merge_hash
from newsletter.subscribers.database import MIGRATIONS, open_database
from newsletter.subscribers.postgres import connect_postgres
from newsletter.subscribers.postgres_schema import (
    SCHEMA_VERSION,
    upgrade_postgres,
)
from tests.support.postgres_schema_at import schema_at

runner = CliRunner()

HASH_OLD = "a" * 64  # a send begun before the key was checked: the hash alone
HASH_PACKED = "b" * 64  # a send begun by the version that packed the check into merge_hash
CHECK = "c" * 32
# (issue_id, merge_hash, first_sender, at) as schema 9 kept them
ROWS_AT_9 = [
    ("2026-W47", HASH_OLD, "host-a:1:aa", "2026-11-19T08:00:00Z"),
    ("2026-W48", f"{HASH_PACKED} key:{CHECK}", "host-a:2:bb", "2026-11-26T08:00:00Z"),
]
# the same rows at schema 10: (issue_id, merge_hash, key_check)
ROWS_AT_10 = [("2026-W47", HASH_OLD, None), ("2026-W48", HASH_PACKED, CHECK)]


def _sqlite_at_9(path: Path) -> None:
    """newsletter.db as schema 9 left it, with the two sends' rows."""
    old = sqlite3.connect(path)
    old.executescript("".join(MIGRATIONS[:9]) + "; PRAGMA user_version = 9;")
    old.executemany("INSERT INTO send_issues VALUES (?, ?, ?, ?)", ROWS_AT_9)
    old.commit()
    old.close()


def _postgres_at_9(server: PostgresUrl) -> None:
    """The PostgreSQL database as schema 9 left it, with the two sends' rows."""
    with connect_postgres(server) as conn, conn.transaction():
        schema_at(conn, 9)
        for row in ROWS_AT_9:
            conn.execute("INSERT INTO send_issues VALUES (%s, %s, %s, %s)", row)


@pytest.fixture(params=["sqlite", "postgresql"])
def at_schema_9(request, workspace, monkeypatch):
    """A workspace whose database (each backend in turn) is at schema 9 with two sends begun;
    yields a function reading send_issues' (issue_id, merge_hash, key_check) rows."""
    if request.param == "sqlite":
        path = workspace / "newsletter.db"
        _sqlite_at_9(path)

        def read() -> list[tuple[object, ...]]:
            conn = sqlite3.connect(path)
            try:
                query = "SELECT issue_id, merge_hash, key_check FROM send_issues ORDER BY 1"
                return conn.execute(query).fetchall()
            finally:
                conn.close()

        return read
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
    server = PostgresUrl(url)
    _postgres_at_9(server)

    def read_pg() -> list[tuple[object, ...]]:
        with connect_postgres(server) as conn:
            query = "SELECT issue_id, merge_hash, key_check FROM send_issues ORDER BY 1"
            return [tuple(r) for r in conn.execute(query).fetchall()]

    return read_pg


def test_db_upgrade_from_schema_9_adds_the_key_check_and_splits_packed_rows(at_schema_9):
    """`db upgrade` takes a schema-9 database to 10 on either backend: the column appears, the
    send begun before any check keeps its hash with no check, the packed row is split."""
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"schema upgraded from 9 to {SCHEMA_VERSION}." in result.output
    assert at_schema_9() == ROWS_AT_10
    again = runner.invoke(app, ["db", "upgrade"])
    assert f"schema {SCHEMA_VERSION}, up to date." in again.output, again.output


def test_sends_begun_before_the_upgrade_go_on_with_their_hash_and_check(workspace, postgres_url):
    """After the upgrade a send begun before any check takes any key with its hash, the split
    send takes its own key and refuses another, each refuses another merge.eml, and a new
    send records its check in the column of its own."""
    server = PostgresUrl(postgres_url)
    _postgres_at_9(server)
    with connect_postgres(server) as conn:
        assert upgrade_postgres(conn, server).after == SCHEMA_VERSION

        def check(issue: str, merge: str, key: str) -> None:
            with conn.transaction():
                check_merge_hash(conn, server, issue, merge, "host-b:3:cc", key)

        check("2026-W47", HASH_OLD, "d" * 32)  # no check recorded: the key is not compared
        check("2026-W47", HASH_OLD, "")
        check("2026-W48", HASH_PACKED, CHECK)
        check("2026-W48", HASH_PACKED, "")  # a sender with no check compares none
        with pytest.raises(KeyMismatch, match="another key than the send's first sender"):
            check("2026-W48", HASH_PACKED, "d" * 32)
        for issue in ("2026-W47", "2026-W48"):
            with pytest.raises(MergeMismatch, match="is not the one its send started with"):
                check(issue, "e" * 64, CHECK)
        check("2026-W49", "f" * 64, CHECK)
        row = conn.execute(
            "SELECT merge_hash, key_check FROM send_issues WHERE issue_id = '2026-W49'"
        ).fetchone()
        assert tuple(row) == ("f" * 64, CHECK)


def test_db_copy_carries_the_key_check_both_ways(workspace, postgres_url):
    """SQLite → PostgreSQL → SQLite keeps send_issues' key_check, a NULL one as NULL, and the
    table is counted and checksummed like the others."""
    conn = open_database(workspace / "newsletter.db")
    conn.executemany(
        "INSERT INTO send_issues (issue_id, merge_hash, key_check, first_sender, at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(i, h, k, "host-a:1:aa", "2026-11-26T08:00:00Z") for i, h, k in ROWS_AT_10],
    )
    conn.close()
    there = runner.invoke(app, ["db", "copy", "newsletter.db", postgres_url])
    assert there.exit_code == 0, there.output
    assert "  send_issues " in there.output
    with connect_postgres(PostgresUrl(postgres_url)) as pg:
        query = "SELECT issue_id, merge_hash, key_check FROM send_issues ORDER BY 1"
        assert [tuple(r) for r in pg.execute(query).fetchall()] == ROWS_AT_10
    back = runner.invoke(app, ["db", "copy", postgres_url, "back.db"])
    assert back.exit_code == 0, back.output
    copied = sqlite3.connect(workspace / "back.db")
    try:
        rows = copied.execute(
            "SELECT issue_id, merge_hash, key_check, first_sender, at FROM send_issues ORDER BY 1"
        ).fetchall()
    finally:
        copied.close()
    assert rows == [(i, h, k, "host-a:1:aa", "2026-11-26T08:00:00Z") for i, h, k in ROWS_AT_10]
