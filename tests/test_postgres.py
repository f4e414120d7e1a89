"""PostgreSQL as the database: the connection, its one-line failures, the versioned schema and
`newsletter db upgrade`, against a real PostgreSQL 15 the tests start (tests/support/postgres_server.py)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.database_url import PostgresUrl
from newsletter.errors import SubscriberError
from newsletter.send.outcome_committer import RECORD_ONE
from newsletter.send.shared_journal import PostgresJournal
from newsletter.subscribers.connection import same_address
from newsletter.subscribers.postgres import connect_postgres, statement_error
from newsletter.subscribers.postgres_schema import (
    SCHEMA_VERSION,
    upgrade_postgres,
)
from tests.support.postgres_schema_at import schema_at
from tests.support.postgres_server import PASSWORD
from tests.support.smtp_server import free_port

runner = CliRunner()


@pytest.fixture
def server(postgres_url, workspace, monkeypatch) -> PostgresUrl:
    """The workspace pointed at a fresh PostgreSQL database through NEWSLETTER_DATABASE_URL."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    return PostgresUrl(postgres_url)


def _tables(server: PostgresUrl) -> set[str]:
    with connect_postgres(server) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {str(r[0]) for r in rows}


def test_db_upgrade_makes_the_schema_then_finds_it_up_to_date(server):
    """A first `db upgrade` makes every table at the current version; a second changes nothing."""
    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert f"PostgreSQL {server.where}: schema upgraded from 0 to {SCHEMA_VERSION}." in first.output
    assert {"subscribers", "unsubscribes", "deliveries", "consents", "suppressions"} <= _tables(
        server
    )
    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert f"schema {SCHEMA_VERSION}, up to date." in again.output


def test_a_schema_newer_than_the_code_is_refused_in_one_line(server):
    """A database a newer newsletter made is refused, naming the server, and left unchanged."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with connect_postgres(server) as conn:
        conn.execute("UPDATE newsletter_schema SET version = 99")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert f"{server.where}: made by a newer newsletter (schema 99" in result.output
    with connect_postgres(server) as conn:
        assert conn.execute("SELECT version FROM newsletter_schema").fetchone() == (99,)


def test_two_first_uses_at_once_run_each_step_once(server):
    """Two hosts upgrading an empty database at once: one runs the steps, the other waits."""
    results: list[object] = []

    def upgrade() -> None:
        try:
            with connect_postgres(server) as conn:
                results.append(upgrade_postgres(conn, server))
        except Exception as e:  # the failure is what the test reports
            results.append(e)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(not isinstance(r, Exception) for r in results), results
    # each ends at the current version; a step run twice would have failed its CREATE TABLE
    assert [r.after for r in results] == [SCHEMA_VERSION] * 4  # type: ignore[attr-defined]
    assert min(r.before for r in results) == 0  # type: ignore[attr-defined]
    with connect_postgres(server) as conn:
        assert conn.execute("SELECT count(*) FROM newsletter_schema").fetchone() == (1,)


def test_db_upgrade_on_sqlite_reports_the_file(workspace):
    """On the default SQLite file `db upgrade` makes it and says so; a newer one is refused."""
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"SQLite newsletter.db: schema upgraded from 0 to {SCHEMA_VERSION}." in result.output
    conn = sqlite3.connect(workspace / "newsletter.db")
    conn.execute("PRAGMA user_version = 42")
    conn.close()
    refused = runner.invoke(app, ["db", "upgrade"])
    assert refused.exit_code == 1
    assert "newer version of newsletter (schema 42)" in refused.output


def test_a_wrong_password_is_one_line_naming_host_and_port(server, monkeypatch):
    """A wrong password fails in one line naming host:port and the variable, never the password."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", "not-the-password-xyz")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {server.where}: cannot connect (")
    assert "NEWSLETTER_DATABASE_PASSWORD" in result.output
    assert "not-the-password-xyz" not in result.output and PASSWORD not in result.output
    assert result.output.count("\n") == 1


def test_libpq_pgpassword_and_pgpass_are_honoured(server, monkeypatch, tmp_path):
    """Without NEWSLETTER_DATABASE_PASSWORD, libpq's PGPASSWORD, then a .pgpass file, log in."""
    monkeypatch.delenv("NEWSLETTER_DATABASE_PASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    missing = runner.invoke(app, ["db", "upgrade"])
    assert missing.exit_code == 1 and "wants a password" in missing.output
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:*:*:postgres:{PASSWORD}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output


def test_a_pgpass_others_may_read_is_named_in_the_missing_password_line(
    server, monkeypatch, tmp_path
):
    """A ~/.pgpass holding the right line but readable by others (libpq skips it, with a
    warning of its own) ends in a line naming all three places a password may come from and
    the `chmod 600` that makes libpq read the file: it said only "set
    NEWSLETTER_DATABASE_PASSWORD" (found trying issue 18 as a new user)."""
    monkeypatch.delenv("NEWSLETTER_DATABASE_PASSWORD")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:*:*:postgres:{PASSWORD}\n")
    pgpass.chmod(0o644)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert (
        line.startswith(f"error: {server.where}: cannot connect (") and "wants a password" in line
    )
    assert "PGPASSWORD" in line and "~/.pgpass" in line and "chmod 600" in line, line
    assert PASSWORD not in result.output


def test_a_role_that_may_not_log_in_is_refused_in_one_line(postgres_server, workspace, monkeypatch):
    """A role without LOGIN is refused naming host:port and what the administrator must do."""
    with postgres_server.connect() as conn:
        conn.execute("CREATE ROLE locked_out NOLOGIN PASSWORD 'locked out password'")
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", "locked out password")
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_server.url("postgres", "locked_out"))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "may not log in" in result.output and f":{postgres_server.port}/" in result.output


def test_a_server_that_is_down_is_one_line(workspace, monkeypatch):
    """Nothing listening at the URL's port: one line naming host:port and asking if it runs."""
    port = free_port()
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", f"postgresql://news@127.0.0.1:{port}/letters")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert f"error: 127.0.0.1:{port}/letters: cannot connect" in result.output
    assert "is PostgreSQL running" in result.output


def test_libpq_parameters_in_the_url_are_honoured(postgres_server, server, monkeypatch):
    """`sslmode=require` reaches libpq: against this server without TLS it fails, saying so."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", server.url + "?sslmode=require")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "SSL" in result.output and "sslmode" in result.output


def test_connect_refuses_a_url_libpq_cannot_read():
    """A URL libpq cannot parse is one line about the `database` setting, not a traceback."""
    with pytest.raises(SubscriberError, match="libpq cannot read the URL"):
        connect_postgres(PostgresUrl("postgresql://h/db?no_such_param=1"))


def test_a_read_only_server_is_one_line_and_changes_nothing(postgres_server, server):
    """A server answering read-only (as a standby after a failover) refuses the add in one line."""
    assert runner.invoke(app, ["subscribers", "add", "first@example.org"]).exit_code == 0
    dbname = server.where.rsplit("/", 1)[1]
    with postgres_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on')
    result = runner.invoke(app, ["subscribers", "add", "second@example.org"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert f"{server.where}: cannot execute INSERT in a read-only transaction" in result.output
    assert "target_session_attrs=read-write" in result.output
    listed = runner.invoke(app, ["subscribers", "list"])
    assert listed.output.splitlines() == ["first@example.org\t\tactive"]


def test_a_statement_timeout_is_one_line(postgres_server, server):
    """The server's statement_timeout stopping a command is one line saying what to change."""
    assert runner.invoke(app, ["subscribers", "add", "first@example.org"]).exit_code == 0
    dbname = server.where.rsplit("/", 1)[1]
    with postgres_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{dbname}" SET statement_timeout = 1')
        # a lock held elsewhere makes the add wait past the timeout
        conn.execute(f'ALTER DATABASE "{dbname}" SET lock_timeout = 0')
    with connect_postgres(server) as holder:
        holder.execute("BEGIN")
        holder.execute("SET LOCAL statement_timeout = 0")
        holder.execute("LOCK TABLE subscribers IN ACCESS EXCLUSIVE MODE")
        result = runner.invoke(app, ["subscribers", "add", "second@example.org"])
        holder.execute("ROLLBACK")
    assert result.exit_code == 1
    assert "canceling statement due to statement timeout" in result.output
    assert "statement_timeout" in result.output.split(";", 1)[1]


def test_a_statement_the_server_cancels_says_so_not_a_refusal(server):
    """A statement the server cancelled 'due to user request' is one line saying it was
    cancelled (a pg_cancel_backend, or a statement_timeout that landed late), not that the
    database refused it."""
    with connect_postgres(server) as conn, pytest.raises(psycopg.errors.QueryCanceled) as cancelled:
        conn.execute("SELECT pg_cancel_backend(pg_backend_pid()), pg_sleep(5)")
    line = str(statement_error(server, cancelled.value))
    assert line.startswith(f"{server.where}: canceling statement due to user request; "), line
    assert "refused" not in line and "pg_cancel_backend" in line and "statement_timeout" in line


@pytest.mark.parametrize(
    ("state", "words", "hint", "not_hint"),
    [
        ("42P01", "cannot execute INSERT in a read-only transaction", "refused it", "standby"),
        ("P0001", "could not extend file: No space left on device", "refused it", "disk"),
        ("57014", "could not extend file: No space left on device", "cancelled it", "disk"),
        ("25006", "canceling statement due to statement timeout", "standby", "statement_timeout"),
        ("57P05", "terminating connection due to idle-session timeout", "closed", "refused"),
    ],
    ids=["undefined-table-worded-read-only", "raise-worded-disk-full",
         "cancel-worded-disk-full", "read-only-worded-timeout", "idle-session-timeout"],
)  # fmt: skip
def test_a_statement_error_is_read_by_its_sqlstate_not_by_its_words(
    server, state, words, hint, not_hint
):
    """An error the server raised with one SQLSTATE and the words of another class (a
    trigger, an extension or a fake server words it as it likes): the line's hint follows
    the SQLSTATE, as the send's waits and stops do, never the words."""
    raise_it = f"DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '{state}', MESSAGE = '{words}'; END $$"
    with connect_postgres(server) as conn, pytest.raises(psycopg.Error) as raised:
        conn.execute(raise_it)
    assert raised.value.sqlstate == state
    line = str(statement_error(server, raised.value))
    assert line.startswith(f"{server.where}: "), line
    assert hint in line and not_hint not in line.split(words)[-1], line


def _at_schema_7(server: PostgresUrl) -> None:
    """Make the database as newsletter left it at schema 7, with readers in mixed case, their
    consent and an unsubscribe."""
    with connect_postgres(server) as conn, conn.transaction():
        schema_at(conn, 7)
        for email, name in READERS_AT_7:
            conn.execute(
                "INSERT INTO subscribers (email, name, created, updated) VALUES (%s, %s, 'x', 'x')",
                (email, name),
            )
            conn.execute(
                "INSERT INTO consents (email, source, at) VALUES (%s, 'import', 'x')", (email,)
            )
        conn.execute("INSERT INTO unsubscribes (email, at) VALUES ('Gone@Example.org', 'x')")


READERS_AT_7 = [
    ("Ana.Lima@Example.org", "Ana Lima"),
    ("bo@example.org", "Bo"),
    ("ÉCOLE@example.org", "École"),
]


def test_db_upgrade_from_schema_11_keys_the_journal_on_the_lower_cased_address(server):
    """Step 12 upgrades a database at schema 11 in place: every delivery is kept, an address
    differing only in case (accents too) is still the same delivery, to a raw insert and to the
    send's own outcome statement, and the journal finds a delivery by address through the new
    key, whatever the case."""
    with connect_postgres(server) as conn, conn.transaction():
        schema_at(conn, 11)
        for email, status in JOURNAL_AT_11:
            conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, message_id, updated)"
                " VALUES ('2026-W01', %s, %s, '<m@x>', 'x')",
                (email, status),
            )
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"schema upgraded from 11 to {SCHEMA_VERSION}." in result.output
    with connect_postgres(server) as conn:
        rows = conn.execute("SELECT email::text, status FROM deliveries ORDER BY email").fetchall()
        assert sorted(rows) == sorted(JOURNAL_AT_11)
        for twin in ("ana.lima@EXAMPLE.ORG", "école@example.org"):
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(
                    "INSERT INTO deliveries (issue_id, email, status, updated)"
                    " VALUES ('2026-W01', %s, 'sent', 'y')",
                    (twin,),
                )
        conn.execute(RECORD_ONE, ("2026-W01", "école@EXAMPLE.org", "sent", 1, "", "<n@x>", "y"))
        assert conn.execute(
            "SELECT email::text, status, attempts FROM deliveries WHERE issue_id = '2026-W01'"
            " AND email = 'ÉCOLE@example.org'"
        ).fetchall() == [("ÉCOLE@example.org", "sent", 1)]
    journal = PostgresJournal(server, "2026-W01")
    try:
        assert journal.recorded("ANA.LIMA@example.org") == ("sent", "<m@x>", "x")
        journal.pg.raw.execute("SET enable_seqscan = off")  # three rows: show the index serves it
        plan = journal.pg.raw.execute(
            "EXPLAIN SELECT 1 FROM deliveries d WHERE d.issue_id = %s AND "
            + same_address(journal.conn, "d.email", "%s"),
            ("2026-W01", "BO@example.org"),
        ).fetchall()
        assert "deliveries_key" in str(plan)
    finally:
        journal.close()


JOURNAL_AT_11 = [
    ("Ana.Lima@Example.org", "sent"),
    ("bo@example.org", "failed"),
    ("ÉCOLE@example.org", "pending"),
]


def test_db_upgrade_from_schema_7_keeps_the_rows_and_the_case_insensitive_addresses(server):
    """Step 8 upgrades a database at schema 7 in place: every row is kept, an address differing
    only in case (accents too) is still refused, and look-ups by address still ignore case,
    through an index."""
    _at_schema_7(server)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"schema upgraded from 7 to {SCHEMA_VERSION}." in result.output
    with connect_postgres(server) as conn:
        rows = conn.execute("SELECT email::text, name FROM subscribers ORDER BY id").fetchall()
        assert rows == READERS_AT_7
        assert conn.execute("SELECT count(*) FROM consents").fetchone() == (3,)
        for table, columns, values in [
            ("subscribers", "email, created, updated", "%s, 'x', 'x'"),
            ("consents", "email, source, at", "%s, 'cli', 'x'"),
        ]:
            for twin in ("ana.lima@EXAMPLE.ORG", "école@example.org"):
                with pytest.raises(psycopg.errors.UniqueViolation):
                    conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({values})", (twin,))
        conn.execute("SET enable_seqscan = off")  # three rows: show that an index can serve it
        plan = conn.execute(
            "EXPLAIN SELECT * FROM subscribers WHERE email = %s", ("ANA.LIMA@example.org",)
        ).fetchall()
        assert "subscribers_by_email" in str(plan)
    shown = runner.invoke(app, ["subscribers", "show", "ana.lima@EXAMPLE.org"])
    assert shown.exit_code == 0 and "Ana Lima" in shown.output, shown.output
    left = runner.invoke(app, ["subscribers", "unsubscribe", "BO@EXAMPLE.ORG"])
    assert left.exit_code == 0, left.output
    imported = Path("list.csv")
    imported.write_text(
        "email,name\nGONE@example.org,Back\nana.lima@example.org,Ana\nnew@example.org,New\n"
    )
    report = runner.invoke(app, ["subscribers", "import", str(imported)])
    assert report.exit_code == 0, report.output
    with connect_postgres(server) as conn:
        statuses = dict(conn.execute("SELECT email::text, status FROM subscribers").fetchall())
    assert statuses == {
        "Ana.Lima@Example.org": "active",
        "bo@example.org": "unsubscribed",
        "ÉCOLE@example.org": "active",
        "GONE@example.org": "unsubscribed",  # the kept unsubscribe, found in any case
        "new@example.org": "active",
    }
