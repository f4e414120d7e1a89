"""Relays and IMAP servers whose certificate comes from a CA we trust but is not theirs, or has expired.

Cases of docs/security.md's "serve, bounces and relays, tried once more" table (held): with the
test CA trusted, a certificate naming another host or past its date still stops the send and
`bounces process` in one line naming host:port, before a password or a message is sent.
"""

from __future__ import annotations

import datetime as dt
import ssl

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.smtp import SmtpTransport
from tests.support.smtp_server import PASSWORD, USER, smtp_server
from tests.test_bounces_imap_attack import LyingImap, bounces

pytest_plugins = ["tests.support.send_fixtures"]

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
CERTIFICATES = {
    "another-host": lambda ca: ca.issue_cert("relay.example.org"),
    "expired": lambda ca: ca.issue_cert("127.0.0.1", not_before=LONG_AGO, not_after=LONG_AGO),
}


def server_context(certificate_authority, kind: str) -> ssl.SSLContext:
    ca, _ = certificate_authority
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    CERTIFICATES[kind](ca).configure_cert(context)
    return context


@pytest.mark.parametrize("security", ["starttls", "ssl"])
@pytest.mark.parametrize("kind", list(CERTIFICATES))
def test_a_relay_with_a_trusted_cas_wrong_certificate_gets_no_login(
    send_ws, certificate_authority, tls_contexts, kind, security
):
    """Another host's or an expired certificate from our CA: one line, no AUTH, no message."""
    _, client_ctx = tls_contexts  # trusts the test CA
    send_ws.add("reader.one@example.org")
    context = server_context(certificate_authority, kind)
    tls = {"starttls": context} if security == "starttls" else {"implicit_tls": context}
    with smtp_server(auth=True, **tls) as server:
        settings = send_ws.with_server(server.host, server.port, security=security, user=USER)
        transport = SmtpTransport(settings.smtp, password=PASSWORD, tls_context=client_ctx)
        summary = send_issue(send_ws.issue, settings, SendOptions(transport=transport))
    assert summary.sent == 0 and server.received == []
    assert summary.stopped.startswith(f"127.0.0.1:{server.port}: certificate not trusted")
    assert PASSWORD not in summary.stopped


@pytest.mark.parametrize("kind", list(CERTIFICATES))
def test_an_imap_server_with_a_trusted_cas_wrong_certificate_is_not_logged_in_to(
    send_ws, certificate_authority, tmp_path, monkeypatch, kind
):
    """`bounces process imaps://…` with the CA given: one line naming host:port, nothing applied."""
    ca, _ = certificate_authority
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = LyingImap(server_context(certificate_authority, kind), bounces(), "none")
    monkeypatch.chdir(send_ws.root)
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", "anything-secret")
    send_ws.add("first@example.org", "second@example.org")
    try:
        url = f"imaps://bounces@127.0.0.1:{server.port}/INBOX"
        result = CliRunner().invoke(app, ["bounces", "process", url, "--ca-file", str(ca_file)])
    finally:
        server.close()
    assert result.exit_code == 1, result.output
    assert f"127.0.0.1:{server.port}: certificate not trusted" in result.output
    assert "Traceback" not in result.output and "anything-secret" not in result.output
    assert set(send_ws.statuses().values()) == {"active"}
