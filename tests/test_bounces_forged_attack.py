"""Forged and re-spelt bounce reports, from outside: a report moves only the reader its stamp
proves, and only as far as what really happened to that reader's copies."""

from __future__ import annotations

import pytest

from newsletter.mail.reader_stamp import reader_stamps
from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.bounce_messages import TEST_LIST_ID, TEST_SECRET, arf, dsn, write_mbox

pytest_plugins = ["tests.support.send_fixtures"]

READER = "ann@example.org"
ISSUES = ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace with READER and one other on its list."""
    return send_ws.cli(monkeypatch, READER, "bob@example.org")


def journal_sent(send_ws, issues: list[str], reader: str = READER) -> None:
    """The journal holds `reader`'s copy of each issue as sent, in this order."""
    with send_ws.store() as store:
        for n, issue in enumerate(issues):
            store.conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, updated) VALUES (?, ?, 'sent', ?)",
                (issue, reader, f"2026-11-{10 + n}T00:00:00Z"),
            )


def folded_soft_bounce(issue: str) -> bytes:
    """A mailbox-full DSN quoting nothing, come back to READER's VERP return path as a relay
    that folds case delivers it: `digest+2026-w48.…@` (the stamp still proves it)."""
    stamped = reader_stamps(TEST_SECRET, TEST_LIST_ID).stamp(issue, READER).lower()
    verp = f"Delivered-To: digest+{stamped}@example.org\r\n".encode()
    return verp + dsn(f"<{issue}.folded@mx.example.net>", READER, "4.2.2")


def test_soft_bounces_at_a_case_folded_return_path_count_in_a_row_as_any(cli, send_ws, tmp_path):
    """Soft bounces of W44 and W45, then W46 and W47 delivered, then one of W48, all come back
    to a lower-cased VERP path: the row is broken, the reader stays active (the folded issue
    names were kept as issues the journal never sent, counted for ever: bounced)."""
    journal_sent(send_ws, ISSUES)
    early = [folded_soft_bounce("2026-W44"), folded_soft_bounce("2026-W45")]
    cli("bounces", "process", str(write_mbox(tmp_path / "a.mbox", early)))
    result = cli(
        "bounces", "process", str(write_mbox(tmp_path / "b.mbox", [folded_soft_bounce("2026-W48")]))
    )
    assert "1 soft" in result.output, result.output
    assert send_ws.statuses() == {READER: "active", "bob@example.org": "active"}
    with send_ws.store() as store:
        kept = {i for (i,) in store.conn.execute("SELECT issue_id FROM soft_bounces")}
    assert kept == {"2026-W44", "2026-W45", "2026-W48"}


@pytest.mark.parametrize("send_ws", ["sqlite"], indirect=True)
def test_on_dovecot_a_subscribers_own_stamp_and_folded_soft_bounces_move_only_what_they_prove(
    certificate_authority, send_ws, monkeypatch
):
    """Real Dovecot: a subscriber's forged DSN and complaint naming READER with the subscriber's
    own stamp move only the subscriber; READER's three case-folded soft bounces around two
    clean deliveries leave READER active (READER was bounced)."""
    from tests.support.dovecot_server import PASSWORD, dovecot_server

    mallory = "mallory@evil.example"
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", PASSWORD)
    run = send_ws.cli(monkeypatch, READER, "bob@example.org", mallory)
    journal_sent(send_ws, ISSUES)
    journal_sent(send_ws, ISSUES, mallory)
    own = reader_stamps(TEST_SECRET, TEST_LIST_ID).stamp("2026-W48", mallory)
    forged = [
        dsn("<m1@evil.example>", READER, "5.1.1", original_id=f"<{own}@example.org>"),
        arf("<m2@evil.example>", READER, original_id=f"<{own.upper()}@example.org>"),
    ]
    folded = [folded_soft_bounce(issue) for issue in ("2026-W44", "2026-W45", "2026-W48")]
    with dovecot_server(certificate_authority) as imap:
        imap.append(*forged, *folded)
        result = run("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
    assert result.exit_code == 0, result.output
    assert "1 hard bounce(s), 3 soft, 1 complaint(s)" in result.output, result.output
    assert send_ws.statuses() == {
        READER: "active",
        "bob@example.org": "active",
        mallory: "unsubscribed",
    }


def test_a_subscribers_complaints_about_their_own_copy_count_once(cli, send_ws, tmp_path):
    """200 feedback reports, each its own Message-ID, all quoting one subscriber's copy: one
    complaint in the rate the editor is shown, the other 199 "repeated" (all 200 counted:
    40 % of the 500 messages sent)."""
    journal_sent(send_ws, ISSUES)
    with send_ws.store() as store:
        for n in range(495):
            store.conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, updated) VALUES (?, ?, 'sent', ?)",
                ("2026-W48", f"r{n}@example.net", "2026-11-20T00:00:00Z"),
            )
    own = reader_stamps(TEST_SECRET, TEST_LIST_ID).stamp("2026-W48", READER)
    reports = [arf(f"<c{n}@evil.example>", READER, original_id=f"<{own}@x>") for n in range(200)]
    result = cli("bounces", "process", str(write_mbox(tmp_path / "c.mbox", reports)))
    assert "1 complaint(s)" in result.output and "199 repeated complaint(s)" in result.output
    assert "Complaints: 1 for 500 message(s) sent (0.20%" in result.output, result.output
    again = [arf("<c9999@evil.example>", READER, original_id=f"<{own.upper()}@y>")]
    result = cli("bounces", "process", str(write_mbox(tmp_path / "d.mbox", again)))
    assert "Complaints: 1 for 500" in result.output, result.output
    assert send_ws.statuses()[READER] == "unsubscribed"


def test_with_trust_address_forged_issue_names_never_multiply_a_complaint(cli, send_ws, tmp_path):
    """`trust_address = true`: 30 feedback reports naming READER, each quoting a made-up
    stamp of an issue never sent (`2026-X0.…`, `2026-X1.…`): one complaint in the rate, the
    other 29 repeated (each made-up name counted as a copy of its own: 30 complaints)."""
    journal_sent(send_ws, ISSUES)
    path = send_ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "\n[bounce]\ntrust_address = true\n")
    reports = [
        arf(f"<t{n}@evil.example>", READER, original_id=f"<2026-X{n}.{'0' * 24}@x>")
        for n in range(30)
    ]
    result = cli("bounces", "process", str(write_mbox(tmp_path / "t.mbox", reports)))
    assert "1 complaint(s)" in result.output and "29 repeated" in result.output, result.output
    with send_ws.store() as store:
        rows = store.conn.execute(
            "SELECT count(*) FROM bounce_reports WHERE message_id LIKE 'complained:%'"
        ).fetchone()[0]
    assert rows == 1
