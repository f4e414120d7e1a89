"""`newsletter db copy SRC DST`: a whole workspace database from SQLite to PostgreSQL and back,
every table checked, a non-empty target refused, and a failure leaving the target as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.subscribers.database import open_database

runner = CliRunner()

# Every table newsletter.db holds: the copy must carry each one.
TABLES = (
    "bounce_reports",
    "consents",
    "deliveries",
    "rate_hits",
    "signing_keys",
    "signups",
    "soft_bounces",
    "status_reasons",
    "subscribers",
    "suppressions",
    "unsubscribes",
)


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def fill(workspace: Path) -> Path:
    """A newsletter.db with rows in every table, written by the commands where they exist."""
    (workspace / "list.csv").write_text(
        "email,name,city\n"
        + "".join(f"reader{i}@example.org,Reader {i},Lima\n" for i in range(40))
        + "jose.jeri@example.org,José Jerí,Cusco\n"
    )
    run("subscribers", "import", "list.csv")
    run("subscribers", "unsubscribe", "reader3@example.org")
    run("subscribers", "forget", "reader4@example.org")
    path = workspace / "newsletter.db"
    conn = open_database(path)
    conn.executescript(
        """
        INSERT INTO deliveries VALUES ('2026-11-26', 'reader1@example.org', 'sent', 1, '',
            '<a@example.org>', '2026-11-26T08:00:00Z');
        INSERT INTO deliveries VALUES ('2026-11-26', 'reader2@example.org', 'unknown', 2,
            'reply lost', '<b@example.org>', '2026-11-26T08:00:01Z');
        INSERT INTO signups VALUES ('f00d', 'new@example.org', 'New', '203.0.113.9', 'v1',
            '2026-11-26T08:00:00Z', '2026-11-29T08:00:00Z', '', 'New');
        INSERT INTO rate_hits VALUES ('client:abc', 1795680000.125);
        INSERT INTO rate_hits VALUES ('client:abc', 1795680001.5);
        INSERT INTO bounce_reports VALUES ('<r1@mx.example.net>', 'hard', '2026-11-26',
            '2026-11-27T00:00:00Z');
        INSERT INTO soft_bounces VALUES ('reader5@example.org', '<c@example.org>', '2026-11-26',
            '2026-11-27T00:00:00Z');
        INSERT INTO status_reasons VALUES ('reader6@example.org', 'bounce', '5.1.1',
            'user unknown', '2026-11-27T00:00:00Z', '<r1@mx.example.net>');
        INSERT INTO signing_keys VALUES ('unsubscribe', x'00ff10', '2026-11-26T08:00:00Z');
        """
    )
    conn.close()
    return path


def sqlite_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted, as a plain SQLite connection reads them."""
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in TABLES}
    finally:
        conn.close()


def test_a_workspace_database_goes_to_postgresql_and_back_unchanged(workspace, postgres_url):
    """SQLite → PostgreSQL → SQLite keeps every row of every table, and the list reads the same."""
    original = fill(workspace)
    run("subscribers", "export", "before.csv")
    output = run("db", "copy", "newsletter.db", postgres_url)
    for table in TABLES:
        assert f"  {table} " in output
    assert "Copied " in output and "every table's count and checksum match" in output
    assert (
        "subscribers" in output and "        40 rows" in output
    )  # 41 read, less the forgotten one

    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
        run("subscribers", "export", "after.csv")
        assert (workspace / "after.csv").read_bytes() == (workspace / "before.csv").read_bytes()
        assert run("subscribers", "count").startswith("39 active, 1 unsubscribed")
        run("subscribers", "add", "later@example.org")  # the id sequence goes on after the copy

    run("db", "copy", postgres_url, "back.db")
    back = sqlite_rows(workspace / "back.db")
    before = sqlite_rows(original)
    for table in TABLES:
        later = [r for r in back[table] if "later@example.org" in r]
        assert [r for r in back[table] if r not in later] == before[table], table
    (added,) = [r for r in back["subscribers"] if r[1] == "later@example.org"]
    assert added[0] == max(r[0] for r in before["subscribers"]) + 1


def test_a_non_empty_target_is_refused_without_force(workspace, postgres_url):
    """A target holding rows is named and left alone; --force replaces its rows with SRC's."""
    fill(workspace)
    run("db", "copy", "newsletter.db", postgres_url)
    refused = run("db", "copy", "newsletter.db", postgres_url, code=1)
    assert "the target is not empty" in refused and "subscribers 40" in refused
    assert "--force" in refused
    output = run("db", "copy", "newsletter.db", postgres_url, "--force")
    assert "replacing" in output
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
        assert run("subscribers", "count").startswith("39 active, 1 unsubscribed")


def test_a_failure_midway_leaves_the_postgresql_target_as_it_was(workspace, postgres_url):
    """Two addresses SQLite keeps apart but PostgreSQL's citext merges: one line, nothing kept."""
    fill(workspace)
    run("db", "copy", "newsletter.db", postgres_url)
    conn = open_database(workspace / "newsletter.db")
    for address in ("ÉCOLE@example.org", "école@example.org"):  # NOCASE folds ASCII only
        conn.execute(
            "INSERT INTO subscribers (email, name, created, updated) VALUES "
            "(?, 'Twice', '2026-11-26T00:00:00Z', '2026-11-26T00:00:00Z')",
            (address,),
        )
    conn.execute("DELETE FROM subscribers WHERE email = 'reader0@example.org'")
    conn.close()
    output = run("db", "copy", "newsletter.db", postgres_url, "--force", code=1)
    line = output.strip()
    assert "\n" not in line and "Traceback" not in output
    assert line.startswith("error: 127.0.0.1:") and "duplicate key" in line
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
        listed = run("subscribers", "list")
    assert "reader0@example.org" in listed and "Twice" not in listed  # the earlier copy, whole


def test_a_failure_midway_removes_the_sqlite_file_it_made(workspace, postgres_url, monkeypatch):
    """A disk filling up during a copy into a new file: one line, and no file is left behind."""
    fill(workspace)
    run("db", "copy", "newsletter.db", postgres_url)
    from newsletter.subscribers import database_copy

    write = database_copy._SqliteSide.write

    def fill_up(self, table, columns, rows):  # the failure injected: a full disk at table 3
        if table == "rate_hits":
            raise sqlite3.OperationalError("database or disk is full")
        write(self, table, columns, rows)

    monkeypatch.setattr(database_copy._SqliteSide, "write", fill_up)
    output = run("db", "copy", postgres_url, "new.db", code=1)
    assert output.count("\n") == 1 and "disk is full" in output and "free space" in output
    assert not list(workspace.glob("new.db*"))


def test_a_copy_into_an_existing_sqlite_file_fails_whole(workspace, postgres_url, monkeypatch):
    """With --force into a file holding another list, a failure keeps that list untouched."""
    fill(workspace)
    run("db", "copy", "newsletter.db", postgres_url)
    other = workspace / "other"
    other.mkdir()
    (other / "newsletter.toml").write_text((workspace / "newsletter.toml").read_text())
    monkeypatch.chdir(other)
    run("subscribers", "add", "only@example.org")
    from newsletter.subscribers import database_copy

    def broken(self, table, columns, rows):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(database_copy._SqliteSide, "write", broken)
    run("db", "copy", postgres_url, "newsletter.db", "--force", code=1)
    assert run("subscribers", "list").splitlines() == ["only@example.org\t\tactive"]


def test_bad_arguments_are_one_line(workspace, postgres_url):
    """A missing source (named as SRC, not "no database yet; add subscribers first"), the same
    database twice and a URL with a password: one line each."""
    missing = run("db", "copy", "missing.db", postgres_url, code=1)  # a typo, not a new list
    assert missing.startswith("error: db copy: SRC: missing.db: no such file;"), missing
    assert "add subscribers" not in missing and not (workspace / "missing.db").exists()
    assert "the same database" in run("db", "copy", postgres_url, postgres_url, code=1)
    bad = postgres_url.replace("postgres@", "postgres:hunter2@")
    output = run("db", "copy", "newsletter.db", bad, code=1)
    assert "holds a password" in output and "hunter2" not in output
    assert "nothing to copy" in run("db", "copy", postgres_url, "x.db", code=1)
    assert not (workspace / "x.db").exists()


def test_a_row_lost_on_the_way_is_caught_by_the_checksum(workspace, postgres_url, monkeypatch):
    """A target that stores one row fewer than it was sent fails the check, and keeps nothing."""
    fill(workspace)
    from newsletter.subscribers import database_copy

    write = database_copy._PostgresSide.write

    def drop_one(self, table, columns, rows):  # the failure injected: one row never arrives
        if table == "subscribers":
            next(rows)
        write(self, table, columns, rows)

    monkeypatch.setattr(database_copy._PostgresSide, "write", drop_one)
    output = run("db", "copy", "newsletter.db", postgres_url, code=1)
    assert "subscribers: 40 rows sent but 39 read back" in output
    assert "nothing was changed" in output
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    assert run("subscribers", "count").startswith("0 active")


def test_a_timestamp_column_on_postgresql_copies_as_iso_text_and_back(
    workspace, postgres_url, postgres_server
):
    """A table keeping timestamptz on PostgreSQL and ISO text on SQLite (as the senders' leases
    do) copies both ways, its instants compared in UTC by the checksum."""
    from newsletter.database_url import PostgresUrl
    from newsletter.subscribers.postgres_schema import upgrade_postgres

    fill(workspace)
    lease_text = "CREATE TABLE leases (holder TEXT PRIMARY KEY, until TEXT NOT NULL)"
    for name in ("newsletter.db", "back.db"):
        conn = open_database(workspace / name)
        conn.execute(lease_text)
        conn.close()
    conn = open_database(workspace / "newsletter.db")
    conn.execute("INSERT INTO leases VALUES ('host-a', '2026-11-26T08:00:30Z')")
    conn.execute("INSERT INTO leases VALUES ('host-b', '2026-11-26T08:00:30.250000Z')")
    conn.close()
    dbname = postgres_url.rsplit("/", 1)[1]
    with postgres_server.connect(dbname) as pg:
        upgrade_postgres(pg, PostgresUrl(postgres_url))
        pg.execute("CREATE TABLE leases (holder TEXT PRIMARY KEY, until TIMESTAMPTZ NOT NULL)")
    assert "leases" in run("db", "copy", "newsletter.db", postgres_url)
    with postgres_server.connect(dbname) as pg:
        kept = pg.execute("SELECT holder, extract(epoch FROM until) FROM leases ORDER BY 1")
        assert [(h, float(t)) for h, t in kept] == [
            ("host-a", 1795680030.0),
            ("host-b", 1795680030.25),
        ]
    run("db", "copy", postgres_url, "back.db")
    back = sqlite3.connect(workspace / "back.db")
    assert back.execute("SELECT * FROM leases ORDER BY 1").fetchall() == [
        ("host-a", "2026-11-26T08:00:30Z"),
        ("host-b", "2026-11-26T08:00:30.250000Z"),
    ]
    back.close()


def test_a_user_who_may_not_create_tables_is_told_what_to_grant(
    workspace, postgres_server, monkeypatch
):
    """A database the user does not own (PostgreSQL 15: no CREATE on `public`): one line with
    the server's reason, not its echo of the statement, and the command that gives the right,
    with this URL's database and user; after it, the same copy goes through."""
    fill(workspace)
    name = postgres_server.new_database()
    role = f"{name}_user"
    with postgres_server.connect() as conn:
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'a pass word'")
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", "a pass word")
    url = postgres_server.url(name, user=role)
    refused = run("db", "copy", "newsletter.db", url, code=1)
    assert refused.startswith("error: ") and refused.count("\n") == 1, refused
    assert "permission denied for schema public" in refused and "LINE 1" not in refused
    assert f'ALTER DATABASE "{name}" OWNER TO "{role}"' in refused
    assert "a pass word" not in refused
    with postgres_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{name}" OWNER TO "{role}"')
    assert "every table's count and checksum match" in run("db", "copy", "newsletter.db", url)


def test_a_copy_ends_saying_how_to_point_the_workspace_at_the_target(workspace, postgres_url):
    """The copy's last line says the workspace still reads its own database and names the
    `database` value (or NEWSLETTER_DATABASE_URL) that points it at DST, as typed: the summary
    ended at "every table's count and checksum match", and a new user went on adding readers
    to newsletter.db (found trying issue 18 as a new user)."""
    fill(workspace)
    lines = run("db", "copy", "newsletter.db", postgres_url).splitlines()
    assert lines[-2].startswith("Copied "), lines
    assert lines[-1].startswith("Next: ") and f'database = "{postgres_url}"' in lines[-1], lines
    assert "NEWSLETTER_DATABASE_URL" in lines[-1] and "subscribers count" in lines[-1]
    assert any(x.split()[:3] == ["bounce_reports", "1", "row"] for x in lines), lines
    back = run("db", "copy", postgres_url, "back.db").splitlines()
    assert 'database = "back.db"' in back[-1], back
