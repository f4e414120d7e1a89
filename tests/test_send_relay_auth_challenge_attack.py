"""A relay whose AUTH challenge is not base64, scripted line by line on 127.0.0.1, through
`newsletter send` (docs/security.md, *Feeds, reports, relays and serve, a third round from
outside*): one line naming host:port and what happened, exit 1, the password never shown."""

from __future__ import annotations

import base64

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.scripted_relay import ScriptedRelay, Session, plain

pytest_plugins = ["tests.support.send_fixtures"]

SECRET = "hunter2-relay-secret"


def _relay(challenges: list[bytes]):
    """A relay offering AUTH LOGIN whose replies to AUTH and each answer after it are
    `challenges`, in turn."""

    def answer(command: bytes, session: Session) -> bytes:
        verb = command[:4].upper()
        if verb == b"EHLO":
            return b"250-relay.example\r\n250 AUTH LOGIN\r\n"
        if verb in (b"QUIT", b"RSET", b"NOOP", b"MAIL", b"RCPT", b"DATA"):
            return plain(command, session)
        auth = next(i for i, c in enumerate(session.commands) if c.upper().startswith(b"AUTH"))
        asked = len(session.commands) - auth  # 1: AUTH itself, 2: the first answer, …
        return challenges[min(asked, len(challenges)) - 1]

    return answer


@pytest.mark.parametrize(
    ("challenges", "shown"),
    [
        ([b"334 What is your name?\r\n"], "'What is your name?'"),
        (
            [
                b"334 " + base64.b64encode(b"Username:") + b"\r\n",
                b"334 " + base64.b64encode(b"Password:") + b"\r\n",
                b"334 you said " + SECRET.encode() + b", didn't you\r\n",
            ],
            "you said",
        ),
    ],
    ids=["first-challenge", "echoing-the-password"],
)
def test_an_auth_challenge_that_is_not_base64_is_one_line_naming_the_relay(
    send_ws, monkeypatch, challenges, shown
):
    """A `334` challenge that is no base64 (the first one, or one quoting the password just
    sent): `error: 127.0.0.1:port: … the relay's AUTH challenge is not base64: …`, exit 1, no
    traceback, the password not shown (it said "cannot set up the session (Error)")."""
    send_ws.add("reader@example.org")
    monkeypatch.chdir(send_ws.root)
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", SECRET)
    with ScriptedRelay(_relay(challenges)) as relay:
        flags = ["--smtp-host", relay.host, "--smtp-port", str(relay.port)]
        flags += ["--smtp-security", "none", "--smtp-user", "editor", "--yes"]
        result = CliRunner().invoke(app, ["send", "issues/2026-W48", *flags])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"error: 127.0.0.1:{relay.port}: "), errors
    assert "the relay's AUTH challenge is not base64: " in errors[0], errors
    assert shown in errors[0], errors
    assert "Traceback" not in result.output
    assert SECRET not in result.output
    assert base64.b64encode(SECRET.encode()).decode() not in result.output
