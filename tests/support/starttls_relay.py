"""A send through a real relay (aiosmtpd on 127.0.0.1) under STARTTLS and AUTH, as the sender's
tests and its attack tests make it: the workspace's issue to its list, the client trusting the
test CA, logged in as USER; and what the delivery journal kept of a reader's refusal."""

from __future__ import annotations

import ssl
from typing import NamedTuple

from newsletter.send.journaled_run import SendSummary
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.smtp import SmtpTransport
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.smtp_server import PASSWORD, USER, RecordingHandler, Server, smtp_server


class StarttlsSend(NamedTuple):
    """What a send over STARTTLS and AUTH returned, the server it went to and the transport."""

    summary: SendSummary
    server: Server
    transport: SmtpTransport


def send_over_starttls(
    workspace: Workspace,
    tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext],
    *,
    password: str = PASSWORD,
    handler: RecordingHandler | None = None,
) -> StarttlsSend:
    """Send the workspace's issue through a relay requiring STARTTLS then AUTH (USER with
    PASSWORD), logging in with `password`; `handler` scripts the relay's replies."""
    server_ctx, client_ctx = tls_contexts
    with smtp_server(handler=handler, starttls=server_ctx, auth=True) as server:
        settings = workspace.with_server(server.host, server.port, security="starttls", user=USER)
        transport = SmtpTransport(settings.smtp, password=password, tls_context=client_ctx)
        summary = send_issue(workspace.issue, settings, SendOptions(transport=transport))
    return StarttlsSend(summary, server, transport)


def journal_errors(workspace: Workspace) -> dict[str, str]:
    """{email: the journal's last error} for the sample issue."""
    journal = workspace.journal(ISSUE_ID)
    try:
        return dict(journal.conn.execute("SELECT email, last_error FROM deliveries").fetchall())
    finally:
        journal.close()


def send_through_refusing_relay(
    workspace: Workspace, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext], reply: str
) -> tuple[SendSummary, str]:
    """Two readers added, the first refused at RCPT with `reply` by a relay under STARTTLS and
    AUTH: the run's summary and the journal's error for that reader."""
    refused, _ = workspace.add_many(2)
    handler = RecordingHandler()
    handler.fail(refused, "rcpt", reply)
    summary = send_over_starttls(workspace, tls_contexts, handler=handler).summary
    return summary, journal_errors(workspace)[refused]
