"""A relay's `550 5.1.1` alone never removes a reader: it is believed the second issue in a
row it says so (aiosmtpd on 127.0.0.1 scripted to lie, on SQLite and PostgreSQL)."""

from __future__ import annotations

from newsletter.send.sender import send_issue
from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]

UNKNOWN = "550 5.1.1 <x>: Recipient address rejected: User unknown"


def _earlier_issue(send_ws, issue_id: str, outcomes: dict[str, str]) -> None:
    """Write the journal of an earlier issue: each reader refused 5.1.1 or sent."""
    journal = send_ws.journal(issue_id)
    try:
        for email, status in outcomes.items():
            error = UNKNOWN if status == "failed" else ""
            journal.record(email, status, attempts=1, error=error, message_id=f"<{email}>")
    finally:
        journal.close()


def test_a_relay_lying_within_the_allowance_marks_no_living_reader(send_ws):
    """40 readers, six refused as unknown by the relay (inside the issue's allowance of 12):
    none is marked bounced on the relay's word alone (all six were), each stays active and
    failed, and the summary counts them as refused once."""
    emails = send_ws.add_many(40)
    handler = RecordingHandler()
    for email in emails[:6]:
        handler.fail(email, "rcpt", UNKNOWN)
    with smtp_server(handler=handler) as server:
        summary = send_issue(send_ws.issue, send_ws.with_server(server.host, server.port))
    statuses = send_ws.statuses()
    assert [statuses[e] for e in emails[:6]] == ["active"] * 6
    assert (summary.sent, summary.failed, summary.bounced, summary.refused_once) == (34, 6, 0, 6)


def test_the_second_issue_in_a_row_refused_marks_the_reader_bounced(send_ws):
    """Refused as unknown on the last issue sent to them too: bounced. Refused two issues ago
    but delivered since, or never refused before: still active (each was bounced)."""
    emails = send_ws.add_many(8)
    twice, healed, fresh = emails[0], emails[1], emails[2]
    _earlier_issue(send_ws, "2026-W46", {twice: "sent", healed: "failed"})
    _earlier_issue(send_ws, "2026-W47", {twice: "failed", healed: "sent"})
    handler = RecordingHandler()
    for email in (twice, healed, fresh):
        handler.fail(email, "rcpt", UNKNOWN)
    with smtp_server(handler=handler) as server:
        summary = send_issue(send_ws.issue, send_ws.with_server(server.host, server.port))
    statuses = send_ws.statuses()
    assert (statuses[twice], statuses[healed], statuses[fresh]) == ("bounced", "active", "active")
    assert (summary.bounced, summary.refused_once) == (1, 2)


def test_the_summary_tells_the_editor_why_nobody_was_marked(send_ws, monkeypatch):
    """`newsletter send` says how many were refused for the first issue in a row and that
    none of them was marked."""
    emails = send_ws.add_many(5)
    handler = RecordingHandler()
    handler.fail(emails[0], "rcpt", UNKNOWN)
    with smtp_server(handler=handler) as server:
        result = send_ws.cli(monkeypatch)("send", "issues/2026-W48", *server.send_flags, "--yes")
    assert "1 refused as unknown addresses for the first issue in a row" in result.output
    assert "marked bounced (no such user" not in result.output
