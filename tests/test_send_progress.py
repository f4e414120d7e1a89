"""The send's progress while the relay is away: it says the send waits for it, and where."""

from __future__ import annotations

import re

from newsletter.cli.progress import ProgressDisplay
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.smtp import SmtpTransport
from newsletter.send.transport import ServerUnavailable
from newsletter.send.workers import SendProgress

pytest_plugins = ["tests.support.send_fixtures"]


class AwayForAWhile(SmtpTransport):
    """The real relay, which drops the first connection after one message and then refuses
    two connections (a restart) before it answers again: the failure is injected, the rest
    is the aiosmtpd server."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connects = 0

    def connect(self):
        self.connects += 1
        if self.connects in (2, 3):
            raise ServerUnavailable(f"{self.where}: connection refused", refused=True)
        connection = super().connect()
        if self.connects == 1:
            original = connection.send

            def send_then_drop(*args, **kwargs):
                original(*args, **kwargs)
                connection._client.close()  # the next message finds the connection gone

            connection.send = send_then_drop
        return connection


def test_the_progress_says_the_send_waits_for_the_relay_and_stops_saying_it(send_ws, smtpd, capsys):
    """While a connection waits for a relay that went away, the progress counts it and the
    log line names host:port; once the relay answers, the count is back to 0 and all are sent
    (a new user watched "6/12, 0 failed" for two minutes without a word about the relay)."""
    send_ws.add_many(4)
    settings = send_ws.with_server(
        smtpd.host, smtpd.port, connections=1, retry_delay=0.2, max_attempts=5
    )
    relay = f"{smtpd.host}:{smtpd.port}"
    seen: list[SendProgress] = []
    with ProgressDisplay(4, relay) as display:  # stderr is not a terminal here: log lines

        def progress(p: SendProgress) -> None:
            seen.append(p)
            display.update(p)

        transport = AwayForAWhile(settings.smtp)
        options = SendOptions(transport=transport, on_progress=progress)
        summary = send_issue(send_ws.issue, settings, options)
    assert summary.sent == 4 and summary.failed == 0 and summary.stopped is None
    assert len(smtpd.received) == 4
    assert [p.reconnecting for p in seen if p.reconnecting] == [1]
    assert seen[-1].reconnecting == 0 and seen[-1].sent == 4
    lines = capsys.readouterr().err.splitlines()
    waiting = [line for line in lines if "waiting for" in line]
    assert len(waiting) == 1, lines
    assert re.fullmatch(
        rf"sending: 1/4 \(\d+/s, 0 failed, waiting for {re.escape(relay)} to answer again "
        r"\(1 connection\(s\) retrying\), ETA \d+ s\)",
        waiting[0],
    )
