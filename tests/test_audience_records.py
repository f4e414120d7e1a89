"""Signing keys, consent records, `subscribers show` and `subscribers forget` (GDPR basics)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.mail.unsubscribe import unsubscribe_links, verify_token
from newsletter.subscribers.consent import consent_for
from newsletter.subscribers.keys import UNSUBSCRIBE_KEY, existing_key
from newsletter.subscribers.store import open_store

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace."""
    monkeypatch.chdir(send_ws.root)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_without_the_variable_a_key_is_made_once_in_the_database_and_shared(served_ws, monkeypatch):
    """Unset secret: a random key is kept in the database (SQLite or PostgreSQL); a second
    process signs the same."""
    send_ws = served_ws
    monkeypatch.delenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET")
    links = unsubscribe_links(send_ws.settings)
    url = links.url_for("reader@example.org")
    assert "?token=" in url
    with send_ws.store() as store:
        key = existing_key(store.conn, UNSUBSCRIBE_KEY)
    assert key is not None and len(key) == 32
    assert unsubscribe_links(send_ws.settings).url_for("reader@example.org") == url
    token = url.split("token=")[1]
    assert verify_token(token, key, links.list_id) == "reader@example.org"


def test_the_variable_overrides_the_stored_key(send_ws):
    """With the variable set, tokens verify with it and no key is stored."""
    links = unsubscribe_links(send_ws.settings)
    token = links.url_for("reader@example.org").split("token=")[1]
    assert (
        verify_token(token, b"test-secret-0123456789abcdef", links.list_id) == "reader@example.org"
    )
    assert (
        not send_ws.database.exists()
        or existing_key(open_store(send_ws.database).conn, UNSUBSCRIBE_KEY) is None
    )


def test_building_an_issue_creates_no_database(tmp_path, monkeypatch):
    """The key is looked up only for a reader's link: a build (public page only) makes no newsletter.db."""
    from tests.support.send_workspace import build_sample_issue

    monkeypatch.delenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", raising=False)
    build_sample_issue(tmp_path)
    assert not (tmp_path / "newsletter.db").exists()


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "é.é",
        "a" * 5000,
        "cmVhZGVy.",
        "cmVhZGVyQGV4YW1wbGUub3Jn.AAAA",
        "\x00.\x00",
        "===.===",
    ],
)
def test_a_malformed_token_is_invalid_and_never_raises(token):
    """Empty, non-ASCII, overlong, truncated or padded tokens verify as None."""
    assert verify_token(token, b"key", "list.example.org") is None


def test_consent_is_recorded_for_cli_adds_and_imports_and_exported(cli, send_ws, tmp_path):
    """`add` records source cli, an import source import; `export` carries both records."""
    assert cli("subscribers", "add", "cli@example.org").exit_code == 0
    (tmp_path / "list.csv").write_text("email,name\nimported@example.org,Imported\n")
    assert cli("subscribers", "import", str(tmp_path / "list.csv")).exit_code == 0
    with send_ws.store() as store:
        assert consent_for(store.conn, "cli@example.org").source == "cli"
        assert consent_for(store.conn, "imported@example.org").source == "import"
    out = tmp_path / "out.csv"
    assert cli("subscribers", "export", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith(
        "email,name,first_name,status,created,updated,consent_source,consent_at,"
    )
    assert any(
        line.startswith("imported@example.org,Imported,,active,") and ",import," in line
        for line in lines
    )
    again = cli(
        "subscribers", "import", str(out)
    )  # the export imports back, consent columns ignored
    assert again.exit_code == 0 and "Merge fields" not in again.output


def test_show_json_answers_an_access_request(cli, send_ws):
    """`subscribers show --json` holds status, name, fields, consent and deliveries."""
    cli(
        "subscribers",
        "add",
        "reader@example.org",
        "--name",
        "Sample Reader",
        "--field",
        "city=Lima",
    )
    with send_ws.store() as store:
        store.conn.execute(
            "INSERT INTO deliveries (issue_id, email, status, updated, message_id)"
            " VALUES ('2026-W48', 'reader@example.org', 'sent', '2026-11-26T09:00:00Z', '<x@y>')"
        )
    result = cli("subscribers", "show", "reader@example.org", "--json")
    assert result.exit_code == 0, result.output
    profile = json.loads(result.output)
    assert profile["status"] == "active" and profile["name"] == "Sample Reader"
    assert profile["fields"] == {"city": "Lima"}
    assert profile["consent"]["source"] == "cli"
    assert profile["deliveries"][0]["issue_id"] == "2026-W48"
    text = cli("subscribers", "show", "reader@example.org")
    assert "reader@example.org: active" in text.output and "consent: cli at " in text.output


def test_forget_erases_everything_and_no_import_brings_the_address_back(cli, send_ws, tmp_path):
    """After `forget` the address is nowhere in the database; an import or add skips it."""
    cli("subscribers", "add", "Gone.Reader@example.org", "--name", "Gone Reader")
    with send_ws.store() as store:
        store.conn.execute(
            "INSERT INTO deliveries (issue_id, email, status, updated)"
            " VALUES ('2026-W48', 'gone.reader@example.org', 'sent', 'x')"
        )
        store.set_status("gone.reader@example.org", "unsubscribed")
    result = cli("subscribers", "forget", "gone.reader@example.org")
    assert result.exit_code == 0 and "Forgot gone.reader@example.org" in result.output
    # VACUUM folds the WAL in and drops freed pages: what is left is all the file holds.
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; sqlite3.connect({str(send_ws.database)!r}).execute('VACUUM')",
        ],
        check=True,
    )
    database = send_ws.database.read_bytes()
    assert b"gone.reader" not in database.lower() and b"Gone Reader" not in database
    (tmp_path / "list.csv").write_text("email,name\ngone.reader@example.org,Back Again\n")
    imported = cli("subscribers", "import", str(tmp_path / "list.csv"))
    assert "1 kept unsubscribed or bounced" in imported.output
    added = cli("subscribers", "add", "GONE.READER@example.org")
    assert added.exit_code == 1
    with send_ws.store() as store:
        assert store.get("gone.reader@example.org") is None
    shown = json.loads(cli("subscribers", "show", "gone.reader@example.org", "--json").output)
    assert shown["status"] == "absent" and shown["forgotten"] is True


def test_forget_deletes_the_dry_run_copies_named_after_the_address(cli, send_ws):
    """A dry run's outbox file for the address (its name, its token) goes with `forget`; others stay."""
    cli("subscribers", "add", "gone.reader@example.org", "--name", "Gone Reader")
    cli("subscribers", "add", "kept.reader@example.org")
    assert cli("send", str(send_ws.issue), "--dry-run").exit_code == 0
    outbox = send_ws.issue / "outbox"
    assert len(list(outbox.glob("*gone.reader@example.org.eml"))) == 1
    result = cli("subscribers", "forget", "Gone.Reader@example.org")
    assert result.exit_code == 0, result.output
    assert "and 1 dry-run outbox file(s) named after it deleted" in result.output
    assert [p.name for p in outbox.iterdir()] == ["00002-kept.reader@example.org.eml"]


def test_the_commands_that_do_not_serve_never_import_starlette_or_uvicorn(tmp_path):
    """`newsletter --help` and `subscribers count` start without loading the server stack."""
    for args in (["--help"], ["subscribers", "count"], ["bounces", "--help"]):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "newsletter", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        imported = {
            line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line
        }
        assert not {m for m in imported if m.split(".")[0] in ("starlette", "uvicorn", "anyio")}
