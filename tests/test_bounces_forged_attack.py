"""Forged and re-spelt bounce reports, from outside: a report moves only the reader its stamp
proves, and only as far as what really happened to that reader's copies."""

from __future__ import annotations

import pytest

from newsletter.mail.reader_stamp import reader_stamps
from tests.support.bounce_messages import TEST_LIST_ID, TEST_SECRET, dsn, write_mbox

pytest_plugins = ["tests.support.send_fixtures"]

READER = "ann@example.org"
ISSUES = ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace with READER and one other on its list."""
    return send_ws.cli(monkeypatch, READER, "bob@example.org")


def journal_sent(send_ws, issues: list[str]) -> None:
    """The journal holds READER's copy of each issue as sent, in this order."""
    with send_ws.store() as store:
        for n, issue in enumerate(issues):
            store.conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, updated) VALUES (?, ?, 'sent', ?)",
                (issue, READER, f"2026-11-{10 + n}T00:00:00Z"),
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
