"""serve's confirmation emails against a relay that misbehaves: a 503 page within the reply deadlines.

Cases of docs/security.md's "serve, bounces and relays, tried once more" table (all held): the
relay drops, drips, refuses, floods, runs ahead or hangs up at each step of one sign-up's
message; every sign-up is answered 503 "try again" within `[smtp] timeout` (or
`data_timeout` for the final `.`), logged in one line naming host:port, never a traceback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import httpx
import pytest

from newsletter.serve.app import create_app
from newsletter.serve.audience import Audience
from newsletter.serve.runner import running_server
from tests.support.form_token import sign_up_token
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]

FAULTS = [
    ("rcpt", "drop"),  # closed at RCPT
    ("rcpt", "drip"),  # `250-` a line every 0.2 s, past the 2 s deadline
    ("rcpt", "550 5.1.1 no such user"),
    ("rcpt", "trickle"),  # one byte every 0.2 s
    ("data", "drop"),  # the message read, then closed without a reply
    ("data", "lost"),  # queued, then the connection reset
    ("data", "flood"),  # `250-` lines as fast as they go
    ("data", "drip"),
    ("rcpt", "hangup"),  # 354, then gone
    ("rcpt", "ahead:250 ok"),  # a reply sent behind the 354, before the message
]


@pytest.mark.slow
def test_a_misbehaving_relay_gets_each_signup_a_503_in_time_and_one_log_line(send_ws, caplog):
    """Ten faults, ten sign-ups: each 503 within its deadline, a warning naming the relay, no traceback."""
    handler = RecordingHandler(drip_seconds=6)
    for n, (stage, fault) in enumerate(FAULTS):
        handler.fail(f"p{n}@example.org", stage, fault)
    with smtp_server(handler=handler) as server, caplog.at_level(logging.INFO):
        settings = send_ws.with_server(server.host, server.port, timeout=2, data_timeout=3)
        settings = replace(settings, serve=replace(settings.serve, client_limit=100))
        app = create_app(settings, audience=Audience(settings))
        with running_server(app) as served, httpx.Client(timeout=30) as http:
            for n, fault in enumerate(FAULTS):
                token = sign_up_token(http, served.url)
                started = time.monotonic()
                answer = http.post(
                    f"{served.url}/subscribe",
                    data={"form_token": token, "email": f"p{n}@example.org"},
                    headers={"Origin": "https://news.example.org"},
                )
                assert answer.status_code == 503, fault
                assert answer.headers["retry-after"] and "try again" in answer.text
                assert time.monotonic() - started < 4.5, fault
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    sent = [w for w in warnings if w.startswith("confirmation email not sent: ")]
    assert len(sent) == len(FAULTS), warnings
    assert all(f"127.0.0.1:{server.port}" in w and "@example.org" not in w for w in sent)
    assert not any(r.exc_info for r in caplog.records)
