"""Sending through a real SMTP server: what arrives, TLS, AUTH, and the test copy."""

from __future__ import annotations

import html

import pytest

from newsletter.errors import ConfigError, DeliveryError
from newsletter.mail.template import build_message_template
from newsletter.mail.unsubscribe import verify_token
from newsletter.send import send_test_copy
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.smtp import SmtpTransport, wire_bytes
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.support.starttls_relay import send_over_starttls

pytest_plugins = ["tests.support.send_fixtures"]


def send_all(send_ws, smtpd, **smtp):
    """Send the workspace's issue to its list through `smtpd`."""
    return send_issue(send_ws.issue, send_ws.with_server(smtpd.host, smtpd.port, **smtp))


def test_each_active_subscriber_gets_one_personalised_message(send_ws, smtpd):
    """Every active subscriber receives one message with their name and field in both parts."""
    send_ws.add(("reader.one@example.org", "Reader One"), fields={"city": "Lima"})
    send_ws.add(("reader.two@example.com", "Reader Two"), fields={"city": "Quito"})
    summary = send_all(send_ws, smtpd)
    assert (summary.sent, summary.failed, summary.left) == (2, 0, 0)
    by_rcpt = {r.rcpt_tos[0]: r for r in smtpd.received}
    assert set(by_rcpt) == {"reader.one@example.org", "reader.two@example.com"}
    message = by_rcpt["reader.two@example.com"].message()
    assert by_rcpt["reader.two@example.com"].mail_from == "digest@example.org"
    assert message.get_content_type() == "multipart/alternative"
    text, html_part = (part for part in message.iter_parts())
    assert text.get_content_type() == "text/plain" and html_part.get_content_type() == "text/html"
    assert "Dear Reader Two in Quito" in text.get_content()
    assert "Dear Reader Two in Quito" in html_part.get_content()
    assert "Reader One" not in text.get_content()


def test_headers_carry_one_click_unsubscribe_and_a_unique_message_id(send_ws, smtpd):
    """To, Date, Message-ID, List-Id, List-Unsubscribe (mailto + signed URL) and -Post are set."""
    send_ws.add(("reader.one@example.org", "Reader One"), "reader.two@example.com")
    send_all(send_ws, smtpd)
    messages = [r.message() for r in smtpd.received]
    ids = {m["Message-ID"] for m in messages}
    assert len(ids) == 2
    for m in messages:
        assert m["Date"] and m["From"] == "The Test Brief <digest@example.org>"
        assert m["List-Id"] == "The Test Brief <the-test-brief.example.org>"
        assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = m["List-Unsubscribe"]
        assert "<mailto:unsubscribe@example.org?subject=" in unsubscribe
        token = unsubscribe.split("?token=")[1].split(">")[0]
        assert (
            verify_token(token, b"test-secret-0123456789abcdef", "the-test-brief.example.org")
            == m["To"].addresses[0].addr_spec
        )


def test_names_are_escaped_in_the_html_part(send_ws, smtpd):
    """A name such as `<b>Ana & Co</b>` is escaped in HTML, verbatim in text, and encoded in To."""
    send_ws.add(("ana@example.org", "<b>Ana & Co</b>"), fields={"city": "<script>x</script>"})
    send_all(send_ws, smtpd)
    message = smtpd.received[0].message()
    text, html_part = (part.get_content() for part in message.iter_parts())
    assert "Dear <b>Ana & Co</b> in <script>x</script>" in text
    assert "<b>Ana" not in html_part and "<script>" not in html_part
    assert html.escape("Dear <b>Ana & Co</b>", quote=True) in html_part
    assert message["To"].addresses[0].display_name == "<b>Ana & Co</b>"


def test_unsubscribed_and_bounced_subscribers_get_nothing(send_ws, smtpd):
    """Only active subscribers are mailed; the summary counts the others as not mailed."""
    send_ws.add("active@example.org", "left@example.org", "bounced@example.org")
    with send_ws.store() as store:
        store.set_status("left@example.org", "unsubscribed")
        store.set_status("bounced@example.org", "bounced")
    summary = send_all(send_ws, smtpd)
    assert smtpd.handler.by_recipient() == {"active@example.org": 1}
    assert summary.inactive == 2


def test_pipelining_server_gets_the_same_messages(send_ws):
    """With PIPELINING offered, commands are pipelined and every message still arrives once."""
    emails = send_ws.add_many(30)
    with smtp_server(handler=RecordingHandler(pipelining=True)) as server:
        summary = send_all(send_ws, server, connections=3)
    assert summary.sent == 30
    assert server.handler.by_recipient() == {e: 1 for e in emails}


def test_lines_starting_with_a_dot_are_stuffed():
    """A line starting with '.' is doubled on the wire; bare CR or LF are made CRLF beforehand."""
    wire = wire_bytes(b"Subject: x\r\n\r\n.\r\n.hidden\r\nend")
    assert wire == b"Subject: x\r\n\r\n..\r\n..hidden\r\nend\r\n.\r\n"
    data = build_message_template(b"X: y\r\n", "a\nb\rc\r\n", "<p>x\ry</p>\n").fill(b"", {})
    assert data.count(b"\r") == data.count(b"\n") == data.count(b"\r\n")
    assert b"a\r\nb\r\nc\r\n" in data and b"<p>x\r\ny</p>" in data


def test_starttls_with_a_trusted_certificate_and_auth(send_ws, tls_contexts):
    """STARTTLS to a server with the test CA's certificate, then AUTH, delivers the message."""
    send_ws.add("reader.one@example.org")
    summary, server, _ = send_over_starttls(send_ws, tls_contexts)
    assert summary.sent == 1 and len(server.received) == 1


def test_implicit_tls(send_ws, tls_contexts):
    """Implicit TLS (`ssl`, as on port 465) delivers the message."""
    server_ctx, client_ctx = tls_contexts
    send_ws.add("reader.one@example.org")
    with smtp_server(implicit_tls=server_ctx) as server:
        settings = send_ws.with_server(server.host, server.port, security="ssl")
        transport = SmtpTransport(settings.smtp, tls_context=client_ctx)
        summary = send_issue(send_ws.issue, settings, SendOptions(transport=transport))
    assert summary.sent == 1 and len(server.received) == 1


def test_untrusted_certificate_stops_with_a_clear_error(send_ws, tls_contexts):
    """A certificate from an unknown CA stops the run with one line naming host:port and the fix."""
    server_ctx, _ = tls_contexts
    send_ws.add("reader.one@example.org")
    with smtp_server(starttls=server_ctx) as server:
        settings = send_ws.with_server(server.host, server.port, security="starttls")
        summary = send_issue(send_ws.issue, settings)  # default trust store: the test CA is unknown
    assert summary.sent == 0 and server.received == []
    assert summary.stopped.startswith(f"127.0.0.1:{server.port}: certificate not trusted")
    assert "set verify_certificates = false under [smtp] in newsletter.toml" in summary.stopped


def test_no_verify_certificates_accepts_an_untrusted_certificate(send_ws, tls_contexts):
    """With verification explicitly off, the same server is accepted."""
    server_ctx, _ = tls_contexts
    send_ws.add("reader.one@example.org")
    with smtp_server(starttls=server_ctx) as server:
        settings = send_ws.with_server(
            server.host, server.port, security="starttls", verify_certificates=False
        )
        summary = send_issue(send_ws.issue, settings)
    assert summary.sent == 1


def test_auth_failure_stops_the_run_without_leaking_the_password(send_ws, tls_contexts):
    """A wrong password stops the run at once; the message names host:port, not the password."""
    send_ws.add_many(20)
    summary, server, transport = send_over_starttls(
        send_ws, tls_contexts, password="wrong-secret-123"
    )
    assert (summary.sent, summary.failed) == (0, 0) and server.received == []
    assert summary.stopped.startswith(
        f"127.0.0.1:{server.port}: authentication failed for user 'editor'"
    )
    assert "wrong-secret-123" not in summary.stopped and "wrong-secret-123" not in repr(transport)
    assert summary.left == 20


def test_starttls_missing_is_an_error_not_a_silent_downgrade(send_ws, smtpd):
    """`starttls` against a smtpd without STARTTLS refuses to send in clear."""
    send_ws.add("reader.one@example.org")
    summary = send_all(send_ws, smtpd, security="starttls")
    assert smtpd.received == [] and "does not offer STARTTLS" in summary.stopped


def test_refused_connection_stops_early(send_ws):
    """Nothing listening: the run stops at once with host:port, trying nobody."""
    from tests.support.smtp_server import free_port

    send_ws.add_many(50)
    port = free_port()
    summary = send_issue(send_ws.issue, send_ws.with_server("127.0.0.1", port))
    assert summary.stopped.startswith(f"127.0.0.1:{port}: connection refused")
    assert (summary.sent, summary.failed, summary.left) == (0, 0, 50)
    assert summary.elapsed < 5


def test_test_copy_goes_to_one_address_and_is_not_journaled(send_ws, smtpd):
    """`send_test_copy` mails one address, personalised if listed; the list send is untouched."""
    send_ws.add(("reader.one@example.org", "Reader One"), fields={"city": "Lima"})
    settings = send_ws.with_server(smtpd.host, smtpd.port)
    line = send_test_copy(send_ws.issue, "Reader.One@Example.org", settings)
    assert line.startswith("test copy of 2026-W48 sent to Reader.One@example.org via 127.0.0.1:")
    assert [r.rcpt_tos for r in smtpd.received] == [("reader.one@example.org",)]  # as listed
    assert (
        "Dear Reader One in Lima" in smtpd.received[0].message().get_body(("plain",)).get_content()
    )
    summary = send_issue(send_ws.issue, settings)
    assert summary.sent == 1 and summary.skipped == 0


def test_test_copy_refused_or_bad_address_raises_one_line(send_ws, smtpd):
    """A refused test copy or a malformed address is a NewsletterError naming what to do."""
    settings = send_ws.with_server(smtpd.host, smtpd.port)
    smtpd.handler.fail("editor@example.org", "rcpt", "550 5.1.1 no such user")
    with pytest.raises(
        DeliveryError,
        match=r"127\.0\.0\.1:\d+: test copy to editor@example.org refused "
        r"\(550 5\.1\.1 no such user\)",
    ):
        send_test_copy(send_ws.issue, "editor@example.org", settings)
    with pytest.raises(ConfigError, match="test copy: 'editor@' is not a valid address"):
        send_test_copy(send_ws.issue, "editor@", settings)
