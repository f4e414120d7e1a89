"""A relay attacked from outside, as it misbehaves: its word marks a few readers bounced,
never half the list, and its echo of the password, wrapped or in another case, is never shown
(aiosmtpd on 127.0.0.1 scripted to lie, through `send_issue` and its journal)."""

from __future__ import annotations

from aiosmtpd.smtp import AuthResult

from newsletter.send.sender import send_issue
from tests.support import smtp_server as smtp_support
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.support.starttls_relay import send_over_starttls

pytest_plugins = ["tests.support.send_fixtures"]


def statuses(send_ws) -> dict[str, str]:
    """{email: list status} of the workspace's subscribers."""
    return send_ws.statuses()


def test_a_relay_refusing_every_other_reader_as_unknown_marks_few_bounced(send_ws):
    """`550 5.1.1` to every other RCPT of 60 readers (never 20 in a row, so no pause): at most
    10 and one per 20 sent are marked bounced, the rest recorded failed and left active
    (all 30 were marked bounced), though each was refused on the issue before too."""
    emails = send_ws.add_many(60)
    send_ws.refused_earlier(emails[::2])
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
    """Three readers refused `550 5.1.1` among 60, and on the issue before: all three marked
    bounced, as before."""
    emails = send_ws.add_many(60)
    send_ws.refused_earlier(emails[5:60:20])
    handler = RecordingHandler()
    for email in emails[5:60:20]:
        handler.fail(email, "rcpt", "550 5.1.1 no such user")
    with smtp_server(handler=handler) as server:
        summary = send_issue(
            send_ws.issue, send_ws.with_server(server.host, server.port, connections=1)
        )
    assert (summary.sent, summary.bounced, summary.unbelieved) == (57, 3, 0), summary
    assert sorted(e for e, s in statuses(send_ws).items() if s == "bounced") == emails[5:60:20]


def test_a_relay_echoing_the_password_wrapped_or_upper_cased_never_gets_it_printed(
    send_ws, tls_contexts, monkeypatch
):
    """A 535 quoting the password over two lines (`535-5.7.8 … wrong-secr`, `535 5.7.8
    et-1234567`) and upper-cased: the run's line shows neither half nor the shout (both
    were printed)."""

    def echoing(password: str):
        def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
            said = auth_data.password.decode()
            half = len(said) // 2
            message = (
                f"535-5.7.8 bad credentials, you sent {said[:half]}\r\n"
                f"535 5.7.8 {said[half:]} ({said.upper()})"
            )
            return AuthResult(success=False, handled=False, message=message)

        return authenticate

    monkeypatch.setattr(smtp_support, "_authenticator", echoing)
    send_ws.add_many(1)
    secret = "wrong-secret-1234567"
    summary = send_over_starttls(send_ws, tls_contexts, password=secret).summary
    assert summary.stopped is not None and "authentication failed" in summary.stopped
    shown = summary.stopped.lower()
    assert secret[:10] not in shown and secret[10:] not in shown, summary.stopped
