"""The `subscribers` commands on both backends: the same list rules on a SQLite file and on a
PostgreSQL server (the `backend` fixture runs each test once per backend)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsletter.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_add_list_count_and_an_unsubscribe_that_outlives_remove(backend):
    """Added readers are listed and counted; one who left stays out through remove and add."""
    run("subscribers", "add", "Reader.One@example.org", "--name", "Reader One")
    run("subscribers", "add", "two@example.org", "--field", "city=Lima")
    assert "Already on the list" in run("subscribers", "add", "reader.one@EXAMPLE.org")
    assert run("subscribers", "count").startswith("2 active, 0 unsubscribed, 0 bounced")
    run("subscribers", "unsubscribe", "two@example.org")
    run("subscribers", "remove", "two@example.org")
    refused = run("subscribers", "add", "two@example.org", code=1)
    assert "unsubscribed earlier" in refused
    listed = run("subscribers", "list")
    assert listed.splitlines() == ["Reader.One@example.org\tReader One\tactive"]
    assert "not on the list" in run("subscribers", "resubscribe", "two@example.org", code=1)
    assert "unsubscribed earlier" in run("subscribers", "add", "two@example.org", code=1)


def test_show_and_forget_erase_everything_and_block_a_re_add(backend):
    """`show` reports the consent; `forget` erases the reader, and no add brings them back."""
    run("subscribers", "add", "gone@example.org", "--name", "Gone")
    profile = json.loads(run("subscribers", "show", "gone@example.org", "--json"))
    assert (profile["status"], profile["consent"]["source"]) == ("active", "cli")
    assert "record(s) erased" in run("subscribers", "forget", "gone@example.org")
    assert "(forgotten)" in run("subscribers", "show", "gone@example.org")
    run("subscribers", "add", "gone@example.org", code=1)
    assert run("subscribers", "count").startswith("0 active")


def test_an_export_imports_back_into_an_empty_list(backend, workspace):
    """Export, remove everyone, import the export: the same readers, statuses and fields."""
    (workspace / "list.csv").write_text(
        "email,name,city\na@example.org,A,Lima\nb@example.org,B,Quito\nA@example.org,dup,x\n"
    )
    imported = run("subscribers", "import", "list.csv")
    assert "2 added" in imported and "list.csv:4: A@example.org: same address as line 2" in imported
    run("subscribers", "unsubscribe", "b@example.org")
    run("subscribers", "export", "out.csv")
    exported = (workspace / "out.csv").read_text()
    assert exported.splitlines()[0].startswith("email,name,first_name,status,")
    for address in ("a@example.org", "b@example.org"):
        run("subscribers", "remove", address)
    run("subscribers", "import", "out.csv")
    assert run("subscribers", "count").startswith("1 active, 1 unsubscribed")
    assert "a@example.org\tA\tactive" in run("subscribers", "list")


def test_reading_an_unused_database_creates_nothing(backend, workspace):
    """`list`, `count` and `export` before any list say so and create nothing, on either backend."""
    output = run("subscribers", "list", code=1)
    assert "add subscribers first" in output
    assert run("subscribers", "count").startswith("0 active, 0 unsubscribed, 0 bounced (no list")
    run("subscribers", "export", "out.csv", code=1)
    assert not (workspace / "newsletter.db").exists()
    if backend == "postgresql":
        from newsletter.config import load_settings
        from newsletter.subscribers.postgres import connect_postgres

        server = load_settings(workspace)[0].database_server
        with connect_postgres(server) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert tables.fetchone() == (0,)


def _fill(store) -> None:
    """The same list on any backend: fields, consent, an unsubscribe and a bounce with its reason."""
    from newsletter.subscribers.consent import record_consent
    from newsletter.subscribers.status_reasons import StatusReason

    now = "2026-12-01T09:00:00Z"
    for i in range(30):
        email = f"reader{i:02d}@example.org"
        store.upsert(email, f"Reader {i}", {"city": f"=City {i}", "n": str(i)}, now=now)
        record_consent(store.conn, email, "import", now=now)
    store.set_status("reader03@example.org", "unsubscribed", now=now)
    store.mark_bounced(
        "reader07@example.org", now=now, reason=StatusReason("bounce", "5.1.1", "no such user")
    )


def test_an_export_is_the_same_file_on_both_backends(tmp_path, postgres_url):
    """The same list exports byte for byte the same from SQLite and (through COPY) PostgreSQL."""
    from newsletter.config import Settings
    from newsletter.subscribers.backends import workspace_store
    from newsletter.subscribers.csv_export import export_csv
    from newsletter.subscribers.store import open_store

    with open_store(tmp_path / "newsletter.db") as sqlite_store:
        _fill(sqlite_store)
        export_csv(sqlite_store, tmp_path / "sqlite.csv")
        export_csv(sqlite_store, tmp_path / "sqlite-active.csv", status="active")
    with workspace_store(Settings(database=postgres_url, workspace=tmp_path)) as pg_store:
        _fill(pg_store)
        export_csv(pg_store, tmp_path / "postgresql.csv")
        export_csv(pg_store, tmp_path / "postgresql-active.csv", status="active")
    exported = (tmp_path / "sqlite.csv").read_text()
    assert "'=City 5" in exported and "5.1.1" in exported and "unsubscribed" in exported
    assert (tmp_path / "postgresql.csv").read_text() == exported
    active = (tmp_path / "sqlite-active.csv").read_text()
    assert len(active.splitlines()) == 1 + 28
    assert (tmp_path / "postgresql-active.csv").read_text() == active


def test_an_import_gives_the_same_list_and_report_on_both_backends(
    tmp_path, postgres_url, monkeypatch
):
    """PostgreSQL's batched COPY import (batches of 3 here) reports and stores what SQLite's does:
    duplicates across batches, kept unsubscribes, status columns, a forgotten address, and a
    re-import whose rows change nothing, or a name, a first name, a field."""
    from newsletter.config import Settings
    from newsletter.subscribers import copy_import
    from newsletter.subscribers.backends import workspace_store
    from newsletter.subscribers.csv_export import export_csv
    from newsletter.subscribers.csv_import import import_csv
    from newsletter.subscribers.store import open_store
    from newsletter.subscribers.suppression import forget

    monkeypatch.setattr(copy_import, "BATCH_ROWS", 3)
    rows = [f"r{i}@example.org,Reader {i},city {i},active" for i in range(10)]
    rows += ["R2@example.org,again,x,active", "left@example.org,L,y,active", "bad@,B,z,active"]
    rows += ["new@example.org,N,w,bounced", "r9@EXAMPLE.org,dup,v,active", "gone@example.org,G,,"]
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("email,name,city,status\n" + "\n".join(rows) + "\n")
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "email,name,first_name,city\nr1@example.org,Reader 1,,city 1\n"
        "r2@example.org,Renamed,,city 2\nr3@example.org,,,city 3\nr4@example.org,Reader 4,,\n"
        "r5@example.org,Reader 5,Five,city 5\nr6@example.org,Reader 6,,city 6\n"
        "left@example.org,Left,,\nr7@example.org,Reader 7,,elsewhere\n"
    )
    now = "2026-12-01T09:00:00Z"

    def run_on(store, name):
        store.upsert("left@example.org", now=now)
        store.set_status("left@example.org", "unsubscribed", now=now)
        first = import_csv(csv_file, store, now=now)
        forget(store.conn, "gone@example.org")
        second = import_csv(csv_file, store, now=now)  # now with someone forgotten
        third = import_csv(changed, store, now=now)  # unchanged, renamed, new field, kept name
        export_csv(store, tmp_path / f"{name}.csv")
        return [(r.rows, r.added, r.updated, r.unchanged, r.suppressed, sorted((x.line, x.reason) for x in r.rejected))
                for r in (first, second, third)]  # fmt: skip

    with open_store(tmp_path / "newsletter.db") as sqlite_store:
        expected = run_on(sqlite_store, "sqlite")
    with workspace_store(Settings(database=postgres_url, workspace=tmp_path)) as pg_store:
        assert run_on(pg_store, "postgresql") == expected
    assert expected[0][1] == 12  # r0-r9, new (bounced), gone; left stays unsubscribed
    assert expected[2][1:5] == (0, 4, 3, 1)  # r2 r4 r5 r7 changed; r1 r3 r6 not; left stays out
    assert (tmp_path / "postgresql.csv").read_text() == (tmp_path / "sqlite.csv").read_text()


def test_an_import_stopped_midway_on_postgresql_leaves_the_list_as_it_was(
    tmp_path, postgres_url, monkeypatch
):
    """A Ctrl-C while a batch is being written on its thread rolls the whole import back: the
    batch ends first, so nothing reaches the server after the rollback."""
    from newsletter.config import Settings
    from newsletter.subscribers import copy_import, csv_import
    from newsletter.subscribers.backends import workspace_store
    from newsletter.subscribers.csv_import import import_csv

    monkeypatch.setattr(copy_import, "BATCH_ROWS", 3)
    csv_file = tmp_path / "list.csv"
    csv_file.write_text("email,name\n" + "".join(f"r{i}@example.org,R{i}\n" for i in range(20)))
    real_parse = csv_import._parse_row

    def parse(row, *args):
        if row[0] == "r13@example.org":  # four batches handed to the writer by now
            raise KeyboardInterrupt
        return real_parse(row, *args)

    monkeypatch.setattr(csv_import, "_parse_row", parse)
    with workspace_store(Settings(database=postgres_url, workspace=tmp_path)) as store:
        with pytest.raises(KeyboardInterrupt):
            import_csv(csv_file, store)
        assert sum(store.counts().values()) == 0
        monkeypatch.setattr(csv_import, "_parse_row", real_parse)
        assert import_csv(csv_file, store).added == 20
