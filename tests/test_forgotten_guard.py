"""After `subscribers forget`, no path writes the address into newsletter.db again."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.mail.unsubscribe import sign_token
from newsletter.send.journal import open_journal
from newsletter.serve.audience import Audience
from newsletter.subscribers.consent import record_consent
from newsletter.subscribers.forgotten import ADDRESS_TABLES, open_address, seal_address
from newsletter.subscribers.postgres_schema import IMPORT_CHECKED
from newsletter.subscribers.suppression import forget
from tests.support.bounce_messages import arf, dsn, list_message_id, mailed_unsubscribe, write_mbox
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

GONE = "gone.reader@example.org"
LIST_ID = "the-test-brief.example.org"
SECRET = (
    b"test-secret-0123456789abcdef"  # what tests/support/send_fixtures.py puts in the environment
)


@pytest.fixture
def forgotten(send_ws, monkeypatch):
    """The send workspace with GONE and another reader added, then GONE forgotten."""
    monkeypatch.chdir(send_ws.root)
    send_ws.add((GONE, "Gone Reader"), "stays@example.org")
    with send_ws.store() as store:
        forget(store.conn, GONE)
    return send_ws


def plain_traces(ws) -> list[str]:
    """Every place newsletter.db still holds GONE in plain text (after folding the WAL in)."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; sqlite3.connect({str(ws.database)!r}).execute('VACUUM')",
        ],
        check=True,
    )
    found = []
    with sqlite3.connect(ws.database) as conn:
        for table in ADDRESS_TABLES:
            rows = conn.execute(f"SELECT count(*) FROM {table} WHERE email = ?", (GONE,))
            if rows.fetchone()[0]:
                found.append(table)
    if b"gone.reader" in ws.database.read_bytes().lower():
        found.append("the file's bytes")
    return found


def test_every_writing_command_after_forget_leaves_no_trace(forgotten, tmp_path):
    """add, import, unsubscribe, resubscribe and a bounces run naming the address store nothing."""
    cli = CliRunner()
    (tmp_path / "list.csv").write_text(f"email,name\n{GONE.upper()},Back Again\n")
    commands = [
        ["subscribers", "add", GONE, "--name", "Gone Reader"],
        ["subscribers", "import", str(tmp_path / "list.csv")],
        ["subscribers", "import", str(tmp_path / "list.csv"), "--resubscribe"],
        ["subscribers", "unsubscribe", GONE],
        ["subscribers", "resubscribe", GONE],
    ]
    for args in commands:
        result = cli.invoke(app, args)
        assert "Traceback" not in result.output, (args, result.output)
    reports = [
        dsn("<d1@mx.example.net>", GONE, "5.1.1", original_id=list_message_id(ISSUE_ID, GONE)),
        dsn("<d2@mx.example.net>", GONE, "4.2.2"),  # soft
        arf("<c1@arf.example.net>", GONE, original_id=list_message_id(ISSUE_ID, GONE)),
        mailed_unsubscribe("<u1@example.net>", sign_token(GONE, SECRET, LIST_ID)),
    ]
    box = write_mbox(tmp_path / "bounces.mbox", reports)
    processed = cli.invoke(app, ["bounces", "process", str(box)])
    assert processed.exit_code == 0 and "Now bounced: 0; now unsubscribed: 0." in processed.output
    assert plain_traces(forgotten) == []
    with forgotten.store() as store:
        assert store.get("stays@example.org").status == "active"  # the others are untouched


def test_the_database_itself_refuses_the_address_whoever_writes(forgotten):
    """The store's methods, the journal, consent and raw SQL on the store's connection all skip it."""
    with forgotten.store() as store:
        assert store.upsert(GONE, "Gone Reader", resubscribe=True) == "suppressed"
        assert store.set_status(GONE, "unsubscribed") is None
        assert store.mark_bounced(GONE) is False
        record_consent(store.conn, GONE.upper(), "cli")
        for table, columns, values in [
            ("subscribers", "email, created, updated", "?, 'x', 'x'"),
            ("unsubscribes", "email, at", "?, 'x'"),
            ("soft_bounces", "email, original, at", "?, '<m@x>', 'x'"),
            ("signups", "token_hash, email, created, expires", "'h', ?, 'x', 'x'"),
        ]:
            store.conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({values})", (GONE,))
        store.conn.execute(
            "INSERT INTO subscribers (email, created, updated) VALUES ('other@example.org', 'x', 'x')"
        )
        store.conn.execute(  # nor can another row be renamed to it
            "UPDATE subscribers SET email = ? WHERE email = 'other@example.org'", (GONE,)
        )
    journal = open_journal(forgotten.database, ISSUE_ID)
    try:
        journal.record(GONE, "sent", attempts=1, message_id="<m@example.org>")
    finally:
        journal.close()
    assert plain_traces(forgotten) == []


def test_a_sign_up_after_forget_is_sealed_until_the_reader_confirms_it(forgotten):
    """A pending sign-up keeps the address only sealed by its token; confirming re-adds the reader."""
    audience = Audience(forgotten.settings)
    try:
        request = audience.request_signup(GONE, "Gone Reader", "127.0.0.1", "form-1")
        assert plain_traces(forgotten) == []
        assert audience.confirm(request.token)  # the reader's own choice brings them back
    finally:
        audience.close()
    with forgotten.store() as store:
        assert store.get(GONE).status == "active"


def test_a_sealed_address_opens_only_with_its_token():
    """seal_address hides the address; open_address gives it back with the right token only."""
    sealed = seal_address("token-1", GONE)
    assert "gone" not in sealed and sealed.startswith("sealed:")
    assert open_address("token-1", sealed) == GONE
    assert open_address("token-2", sealed) != GONE
    assert open_address("anything", GONE) == GONE  # a plain row is its own address


@pytest.fixture
def forgotten_on_server(send_ws, postgres_url, monkeypatch):
    """The send workspace on a fresh PostgreSQL database, GONE and another reader added, then
    GONE forgotten."""
    monkeypatch.chdir(send_ws.root)
    ws = send_ws.on_server(postgres_url)
    ws.add((GONE, "Gone Reader"), "stays@example.org")
    with ws.store() as store:
        forget(store.conn, GONE)
    return ws


def server_traces(postgres_server, ws) -> list[str]:
    """Every table on the server that still holds GONE, in any case."""
    dbname = ws.settings.database.rsplit("/", 1)[1]
    with postgres_server.connect(dbname) as conn:
        return [
            table
            for table in ADDRESS_TABLES
            if conn.execute(
                f"SELECT count(*) FROM {table} WHERE lower(email::text) = %s", (GONE,)
            ).fetchone()[0]
        ]


def test_the_postgresql_database_itself_refuses_the_address_whoever_writes(
    forgotten_on_server, postgres_server
):
    """On PostgreSQL the schema's trigger function skips the address in every table: through
    the store, and through another connection's raw SQL (any case, an insert or a rename)."""
    ws = forgotten_on_server
    with ws.store() as store:
        assert store.upsert(GONE, "Gone Reader", resubscribe=True) == "suppressed"
        record_consent(store.conn, GONE.upper(), "cli")
    dbname = ws.settings.database.rsplit("/", 1)[1]
    with postgres_server.connect(dbname) as conn:  # a writer outside newsletter altogether
        for table, columns, values in [
            ("subscribers", "email, created, updated", "%s, 'x', 'x'"),
            ("unsubscribes", "email, at", "%s, 'x'"),
            ("deliveries", "issue_id, email, status, updated", f"'{ISSUE_ID}', %s, 'sent', 'x'"),
            ("consents", "email, source, at", "%s, 'cli', 'x'"),
            ("soft_bounces", "email, original, at", "%s, '<m@x>', 'x'"),
            ("signups", "token_hash, email, created, expires", "'h', %s, 'x', 'x'"),
            ("status_reasons", "email, kind, at", "%s, 'bounce', 'x'"),
        ]:
            conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({values})", (GONE.upper(),))
        conn.execute(
            "INSERT INTO subscribers (email, created, updated) VALUES ('other@example.org', 'x', 'x')"
        )
        conn.execute("UPDATE subscribers SET email = %s WHERE email = 'other@example.org'", (GONE,))
        kept = conn.execute("SELECT email FROM subscribers ORDER BY email").fetchall()
    assert server_traces(postgres_server, ws) == []
    assert kept == [("other@example.org",), ("stays@example.org",)]  # the others are written


def test_a_sign_up_after_forget_on_postgresql_is_sealed_until_confirmed(
    forgotten_on_server, postgres_server
):
    """On PostgreSQL too, a pending sign-up keeps the address sealed; confirming re-adds them."""
    ws = forgotten_on_server
    audience = Audience(ws.settings)
    try:
        request = audience.request_signup(GONE, "Gone Reader", "127.0.0.1", "form-1")
        assert server_traces(postgres_server, ws) == []
        assert audience.confirm(request.token)
    finally:
        audience.close()
    with ws.store() as store:
        assert store.get(GONE).status == "active"


def test_every_table_with_an_address_column_is_guarded(tmp_path):
    """A table the schema adds later with an `email` column is in ADDRESS_TABLES, so `forget`
    erases it and the guard covers it (a new table cannot quietly keep a forgotten address)."""
    from newsletter.subscribers.database import open_database

    conn = open_database(tmp_path / "newsletter.db")
    try:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        with_email = {
            table
            for table in tables
            if any(column[1] == "email" for column in conn.execute(f"PRAGMA table_info({table})"))
        }
    finally:
        conn.close()
    assert "subscribers" in with_email
    assert with_email == set(ADDRESS_TABLES)


def test_on_postgresql_only_the_import_s_own_transaction_passes_the_guard(
    forgotten_on_server, postgres_server
):
    """The trigger on `subscribers` and `consents` lets a row pass only while IMPORT_CHECKED
    holds the writing transaction's own id, as the import sets it around its one checked
    insert: no setting, a session-wide one left by mistake, or another transaction's id still
    skip the forgotten address."""
    ws = forgotten_on_server
    dbname = ws.settings.database.rsplit("/", 1)[1]
    with postgres_server.connect(dbname) as conn:

        def write() -> None:
            conn.execute(
                "INSERT INTO subscribers (email, created, updated) VALUES (%s, 'x', 'x')", (GONE,)
            )
            conn.execute(
                "INSERT INTO consents (email, source, at) VALUES (%s, 'cli', 'x')", (GONE,)
            )

        write()
        conn.execute(f"SET {IMPORT_CHECKED} = 'on'")
        write()
        with conn.transaction():
            earlier = conn.execute("SELECT pg_current_xact_id()::text").fetchone()[0]
        conn.execute("SELECT set_config(%s, %s, false)", (IMPORT_CHECKED, earlier))
        write()
        assert server_traces(postgres_server, ws) == []
        with conn.transaction(force_rollback=True):  # the opening itself, then undone
            conn.execute(f"SELECT set_config('{IMPORT_CHECKED}', pg_current_xact_id()::text, true)")
            write()
            assert conn.execute("SELECT count(*) FROM consents").fetchone() == (1,)
    assert server_traces(postgres_server, ws) == []


def test_an_import_skips_a_forgotten_address_alike_on_both_backends(
    forgotten, forgotten_on_server, postgres_server, tmp_path
):
    """A CSV naming the forgotten address (in capitals) among new readers: on PostgreSQL, where
    the import checks the batch itself and passes the trigger, the report is SQLite's, the
    others are added with their consent, and the address is stored nowhere."""
    from newsletter.subscribers.consent import consent_for
    from newsletter.subscribers.csv_import import import_csv

    path = tmp_path / "list.csv"
    path.write_text(
        f"email,name\nnew.one@example.org,New One\n{GONE.upper()},Back Again\n"
        "new.two@example.org,New Two\n"
    )
    reports = []
    for ws in (forgotten, forgotten_on_server):
        with ws.store() as store:
            report = import_csv(path, store, now="2026-12-06T08:00:00Z")
            reports.append(report)
            assert consent_for(store.conn, "new.two@example.org") is not None
            assert consent_for(store.conn, GONE) is None
    assert reports[0] == reports[1]
    assert (reports[0].added, reports[0].suppressed) == (2, 1)
    assert plain_traces(forgotten) == []
    assert server_traces(postgres_server, forgotten_on_server) == []


def test_an_import_batch_planned_while_nobody_was_forgotten_adds_nobody_once_somebody_is(
    forgotten_on_server,
):
    """The import's insert passes the trigger, so it checks itself: the form chosen when a batch
    found nobody forgotten adds no row at all if somebody has been by the time it runs (the
    rows then go through upsert, guarded); the other form adds all but the forgotten."""
    from newsletter.subscribers import copy_import

    with forgotten_on_server.store() as store:
        raw = store.conn.raw  # type: ignore[attr-defined]
        copy_import.CopyImport(
            store, resubscribe=False, now="x", reject=lambda *_: None, changes={}
        ).writer.shutdown()
        added = {}
        for name, check in [
            ("nobody", copy_import._NOBODY_FORGOTTEN),
            ("each", copy_import._NOT_FORGOTTEN),
        ]:
            with raw.transaction(force_rollback=True):
                raw.execute(
                    "INSERT INTO pg_temp.import_batch VALUES"
                    " (2, %s, '', '', '{}', 'active'), (3, 'new@example.org', '', '', '{}', 'active')",
                    (GONE.upper(),),
                )
                raw.execute(copy_import._CHECKED)
                statement = copy_import._NEW_ADDRESSES.format(
                    plain=copy_import._PLAIN.format(forgotten=check)
                )
                rows = raw.execute(statement, {"now": "x", "dup": []}).fetchall()
                added[name] = sorted(r[0] for r in rows)
    assert added == {"nobody": [], "each": [3]}


def test_the_send_s_outcome_statements_keep_out_a_forgotten_address_past_the_trigger(
    forgotten_on_server, postgres_server
):
    """The committer's two outcome statements (one row, and many as JSON) pass the journal's
    trigger for their own transaction (schema step 11) and check the keyed hash themselves:
    an outcome for the forgotten address, in any case, is written nowhere while the others
    beside it are; a raw insert in another transaction still meets the trigger."""
    from newsletter.send.outcome_committer import RECORD_MANY, RECORD_ONE, as_json

    ws = forgotten_on_server
    row = (ISSUE_ID, GONE.upper(), "sent", 1, "", "<m@x>", "2026-12-06T08:00:00Z")
    other = (ISSUE_ID, "stays@example.org", "sent", 1, "", "<n@x>", "2026-12-06T08:00:00Z")
    dbname = ws.settings.database.rsplit("/", 1)[1]
    with postgres_server.connect(dbname) as conn:
        conn.execute(RECORD_ONE, [str(v) for v in row])
        conn.execute(RECORD_MANY, as_json([row, other]))
        conn.execute(RECORD_MANY, as_json([other, row]))
        kept = conn.execute("SELECT email::text, attempts FROM deliveries").fetchall()
        left = conn.execute(f"SELECT current_setting('{IMPORT_CHECKED}', true)").fetchone()
        assert left in {(None,), ("",)}  # the opening ended with its transaction
        conn.execute(
            "INSERT INTO deliveries (issue_id, email, status, updated) VALUES (%s, %s, 'sent', 'x')",
            (ISSUE_ID, GONE),
        )
        with conn.transaction(force_rollback=True):  # the trigger's calls, counted here
            conn.execute("SET LOCAL track_functions = 'pl'")
            calls = "SELECT pg_stat_get_xact_function_calls('newsletter_skip_forgotten'::regproc)"
            conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, updated) VALUES ('x', %s, 'sent', 'x')",
                ("raw@example.org",),
            )
            assert conn.execute(calls).fetchone() == (1,)
            conn.execute(RECORD_MANY, as_json([other, (*other[:1], "new@example.org", *other[2:])]))
            assert conn.execute(calls).fetchone() == (1,)  # not called for the committer's rows
    assert kept == [("stays@example.org", 2)]
    assert server_traces(postgres_server, ws) == []
