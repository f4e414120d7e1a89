"""A relay that calls readers unknown addresses: its word marks a few bounced, never half the
list (aiosmtpd on 127.0.0.1 scripted to refuse, through `send_issue` and its journal)."""

from __future__ import annotations

from newsletter.send.sender import send_issue
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


def statuses(send_ws) -> dict[str, str]:
    """{email: list status} of the workspace's subscribers."""
    return send_ws.statuses()


def test_a_relay_refusing_every_other_reader_as_unknown_marks_few_bounced(send_ws):
    """`550 5.1.1` to every other RCPT of 60 readers (never 20 in a row, so no pause): at most
    10 and one per 20 sent are marked bounced, the rest recorded failed and left active
    (all 30 were marked bounced)."""
    emails = send_ws.add_many(60)
    handler = RecordingHandler()
    for email in emails[::2]:
        handler.fail(email, "rcpt", "550 5.1.1 <x>: Recipient address rejected: User unknown")
    with smtp_server(handler=handler) as server:
        summary = send_issue(
            send_ws.issue, send_ws.with_server(server.host, server.port, connections=1)
        )
    assert (summary.sent, summary.failed) == (30, 30), summary
    assert summary.bounced <= 10 + summary.sent // 20, summary
    assert summary.bounced + summary.unbelieved == 30, summary
    marked = [e for e, status in statuses(send_ws).items() if status == "bounced"]
    assert len(marked) == summary.bounced
    assert all(e in emails[::2] for e in marked)


def test_a_few_unknown_addresses_among_many_are_all_marked_bounced(send_ws):
    """Three readers refused `550 5.1.1` among 60: all three marked bounced, as before."""
    emails = send_ws.add_many(60)
    handler = RecordingHandler()
    for email in emails[5:60:20]:
        handler.fail(email, "rcpt", "550 5.1.1 no such user")
    with smtp_server(handler=handler) as server:
        summary = send_issue(
            send_ws.issue, send_ws.with_server(server.host, server.port, connections=1)
        )
    assert (summary.sent, summary.bounced, summary.unbelieved) == (57, 3, 0), summary
    assert sorted(e for e, s in statuses(send_ws).items() if s == "bounced") == emails[5:60:20]
