"""Why a reader bounced or complained is kept: code, diagnostic, date and report, shown and exported."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.subscribers.database import MIGRATIONS, open_database
from newsletter.subscribers.status_reasons import StatusReason
from tests.support.bounce_messages import arf, dsn, list_message_id, write_mbox
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = [f"reader{i}@example.org" for i in range(4)]
DATE = b"Date: Thu, 03 Dec 2026 08:00:12 +0100\r\n"  # 07:00:12 UTC


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace, which has READERS on its list."""
    monkeypatch.chdir(send_ws.root)
    send_ws.add(*READERS)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def _process(cli, tmp_path, *reports: bytes):
    result = cli("bounces", "process", str(write_mbox(tmp_path / "in.mbox", list(reports))))
    assert result.exit_code == 0, result.output
    return result


def _week_reports() -> list[bytes]:
    """A hard bounce for reader0 and a complaint from reader1, each with a Date header."""
    return [
        DATE
        + dsn(
            "<d1@mx.example.net>",
            READERS[0],
            "5.1.1",
            original_id=list_message_id(ISSUE_ID, READERS[0]),
        ),
        DATE
        + arf(
            "<c1@arf.example.net>", READERS[1], original_id=list_message_id(ISSUE_ID, READERS[1])
        ),
    ]


def test_a_bounce_and_a_complaint_show_code_diagnostic_date_and_report(cli, tmp_path):
    """`subscribers show` names the status code, the server's words, the date and the report."""
    _process(cli, tmp_path, *_week_reports())
    bounced = cli("subscribers", "show", READERS[0])
    assert bounced.exit_code == 0, bounced.output
    assert f"{READERS[0]}: bounced" in bounced.output
    assert (
        '  reason: bounce 5.1.1 on 2026-12-03T07:00:12Z: "550 5.1.1 mailbox problem" '
        "(report <d1@mx.example.net>)"
    ) in bounced.output
    complained = cli("subscribers", "show", READERS[1])
    assert f"{READERS[1]}: unsubscribed" in complained.output
    assert (
        '  reason: complaint on 2026-12-03T07:00:12Z: "Feedback-Type: abuse" '
        "(report <c1@arf.example.net>)"
    ) in complained.output
    active = cli("subscribers", "show", READERS[2])
    assert "reason:" not in active.output


def test_show_json_gives_the_reason_as_an_object(cli, tmp_path):
    """`subscribers show --json` carries the reason's five fields (null for a clean reader)."""
    _process(cli, tmp_path, *_week_reports())
    profile = json.loads(cli("subscribers", "show", READERS[0], "--json").output)
    assert profile["reason"] == {
        "kind": "bounce",
        "code": "5.1.1",
        "diagnostic": "550 5.1.1 mailbox problem",
        "at": "2026-12-03T07:00:12Z",
        "message_id": "<d1@mx.example.net>",
    }
    assert json.loads(cli("subscribers", "show", READERS[2], "--json").output)["reason"] is None


def test_export_has_the_reason_columns_and_imports_back_unchanged(cli, send_ws, tmp_path):
    """The export's reason columns are filled, and importing the file back adds no merge field."""
    _process(cli, tmp_path, *_week_reports())
    out = tmp_path / "list.csv"
    assert cli("subscribers", "export", str(out)).exit_code == 0
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(out.read_text("utf-8")))}
    assert (
        rows[READERS[0]]["reason"],
        rows[READERS[0]]["reason_code"],
        rows[READERS[0]]["reason_diagnostic"],
        rows[READERS[0]]["reason_at"],
        rows[READERS[0]]["reason_message_id"],
    ) == (
        "bounce",
        "5.1.1",
        "550 5.1.1 mailbox problem",
        "2026-12-03T07:00:12Z",
        "<d1@mx.example.net>",
    )
    assert rows[READERS[1]]["reason"] == "complaint"
    assert rows[READERS[2]]["reason"] == ""
    assert cli("subscribers", "import", str(out)).exit_code == 0
    with send_ws.store() as store:
        assert store.field_names() == []
        assert store.get(READERS[0]).status == "bounced"


def test_a_report_without_a_date_is_dated_when_processed(cli, send_ws, tmp_path):
    """No Date header: the reason is dated by the run that read it."""
    _process(
        cli,
        tmp_path,
        dsn(
            "<d9@mx.example.net>",
            READERS[0],
            "5.1.1",
            original_id=list_message_id(ISSUE_ID, READERS[0]),
        ),
    )
    profile = json.loads(cli("subscribers", "show", READERS[0], "--json").output)
    assert profile["reason"]["at"].startswith("20") and profile["reason"]["at"].endswith("Z")


def test_resubscribing_drops_the_reason(cli, tmp_path):
    """An address made active again no longer shows why it once bounced."""
    _process(cli, tmp_path, *_week_reports())
    assert cli("subscribers", "resubscribe", READERS[0]).exit_code == 0
    assert json.loads(cli("subscribers", "show", READERS[0], "--json").output)["reason"] is None


def test_a_forgotten_address_keeps_no_reason(cli, send_ws, tmp_path):
    """`forget` erases the reason, and the store writes none for the address afterwards."""
    _process(cli, tmp_path, *_week_reports()[:1])
    assert cli("subscribers", "forget", READERS[0]).exit_code == 0
    later = StatusReason("bounce", "5.1.1", "550 gone", "2026-12-10T07:00:00Z", "<d2@x>")
    with send_ws.store() as store:
        store.conn.execute(  # on the list again by a path that is not a sign-up: refused
            "INSERT INTO subscribers (email, created, updated) VALUES (?, 'x', 'x')", (READERS[0],)
        )
        assert store.set_status(READERS[0], "bounced", reason=later) is None
        assert store.mark_bounced(READERS[0], reason=later) is False
        assert store.conn.execute("SELECT count(*) FROM status_reasons").fetchone()[0] == 0


def test_a_550_at_sending_keeps_the_relays_reply_as_the_reason(cli, send_ws, smtpd):
    """A relay refusing an address with 550 5.1.1 (the second issue in a row) marks it bounced
    with the reply and message."""
    send_ws.refused_earlier([READERS[1]])
    smtpd.handler.fail(READERS[1], "rcpt", "550 5.1.1 <reader1@example.org>: no such user")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert result.exit_code == 1, result.output
    profile = json.loads(cli("subscribers", "show", READERS[1], "--json").output)
    assert profile["status"] == "bounced"
    reason = profile["reason"]
    assert (reason["kind"], reason["code"]) == ("refused", "5.1.1")
    assert reason["diagnostic"] == "550 5.1.1 <reader1@example.org>: no such user"
    with send_ws.store() as store:
        sent_id = store.conn.execute(
            "SELECT message_id FROM deliveries WHERE email = ? AND issue_id = '2026-W48'",
            (READERS[1],),
        ).fetchone()[0]
    assert reason["message_id"] == sent_id and sent_id.startswith("<")
    text = cli("subscribers", "show", READERS[1]).output
    assert f"refused by the relay at sending 5.1.1 on {reason['at']}" in text
    assert f"(message {sent_id})" in text


def test_a_version_3_database_upgrades_in_place(tmp_path):
    """A newsletter.db made before reasons were kept gets the table and keeps its rows."""
    path = tmp_path / "newsletter.db"
    old = sqlite3.connect(path)
    old.executescript("".join(MIGRATIONS[:3]) + "; PRAGMA user_version = 3;")
    old.execute(
        "INSERT INTO subscribers (email, name, status, created, updated)"
        " VALUES ('kept@example.org', 'Kept', 'bounced', 'x', 'x')"
    )
    old.commit()
    old.close()
    conn = open_database(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("SELECT name, status FROM subscribers").fetchall() == [("Kept", "bounced")]
    assert conn.execute("SELECT count(*) FROM status_reasons").fetchone()[0] == 0
    conn.close()


def test_a_hostile_diagnostic_is_kept_on_one_bounded_line(cli, tmp_path):
    """Escape sequences and a 5,000-character diagnostic reach `show` as one safe line."""
    words = "\x1b]0;pwned\x07 user unknown " + "x" * 5000
    report = DATE + dsn(
        "<d7@mx.example.net>",
        READERS[0],
        "5.1.1",
        original_id=list_message_id(ISSUE_ID, READERS[0]),
    ).replace(b"550 5.1.1 mailbox problem", words.encode())
    _process(cli, tmp_path, report)
    reason = json.loads(cli("subscribers", "show", READERS[0], "--json").output)["reason"]
    assert reason["code"] == "5.1.1"
    assert reason["diagnostic"].startswith("]0;pwned user unknown xxx")
    assert len(reason["diagnostic"]) <= 500 and reason["diagnostic"].endswith("...")
    shown = cli("subscribers", "show", READERS[0]).output
    assert "\x1b" not in shown and "\x07" not in shown
