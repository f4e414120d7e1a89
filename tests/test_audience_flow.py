"""The whole audience loop through the real commands: send, `serve`, bounces, forget, the next send."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from email import policy
from email.parser import BytesParser

import httpx
import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.bounce_messages import arf, dsn, list_message_id, write_mbox
from tests.support.form_token import sign_up_token
from tests.support.send_workspace import ISSUE_ID
from tests.support.serve_process import serve_process, wait_until_answering
from tests.support.smtp_server import free_port

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

READERS = [f"reader{i}@example.org" for i in range(8)]


@pytest.mark.slow
def test_the_next_send_reaches_exactly_the_readers_still_active(
    served_ws, smtpd, tmp_path, monkeypatch
):
    """One-click, page, scanner, forged token, sign-up flood, replay, bounces twice, forget: then
    the send (on newsletter.db, and on a PostgreSQL server)."""
    send_ws = served_ws
    if send_ws.settings.database_server is not None:
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", send_ws.settings.database)
    monkeypatch.chdir(send_ws.root)
    cli = CliRunner()
    send_ws.add(*READERS)
    dry = cli.invoke(app, ["send", str(send_ws.issue), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    links = {}
    for path in sorted((send_ws.issue / "outbox").glob("*.eml")):
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        links[msg["To"].addresses[0].addr_spec] = re.search(
            r"<(https://[^>]+)>", msg["List-Unsubscribe"]
        ).group(1)
    assert sorted(links) == READERS
    outbox = tmp_path / "confirmations"
    process, url = serve_process(send_ws.root, "--outbox", str(outbox), log=tmp_path / "serve.log")
    try:
        local = {e: u.replace("https://news.example.org", url) for e, u in links.items()}
        with httpx.Client(timeout=10) as http:
            assert (
                http.post(local[READERS[0]], data={"List-Unsubscribe": "One-Click"}).status_code
                == 200
            )
            token1 = local[READERS[1]].split("token=")[1]
            assert http.get(local[READERS[1]]).status_code == 200
            http.post(f"{url}/unsubscribe", data={"token": token1, "action": "unsubscribe"})
            for _ in range(3):  # a link scanner fetching reader 2's link
                http.get(local[READERS[2]], headers={"User-Agent": "SafeLinks"})
            forged = local[READERS[3]][:-2] + (
                "AA" if not local[READERS[3]].endswith("AA") else "BB"
            )
            assert http.post(forged, data={"List-Unsubscribe": "One-Click"}).status_code == 200
            codes = []
            for i in range(14):  # a flood of sign-ups from one client
                token = sign_up_token(http, url)
                email = "new.reader@example.org" if i == 0 else f"flood{i}@example.org"
                codes.append(
                    http.post(
                        f"{url}/subscribe", data={"form_token": token, "email": email}
                    ).status_code
                )
            assert codes.count(200) == 10 and codes[10:] == [429] * 4
            mails = sorted(outbox.glob("*.eml"))
            assert len(mails) == 10
            first = next(m for m in mails if b"To: new.reader@example.org" in m.read_bytes())
            confirm = re.search(rb"confirm\?token=([\w-]+)", first.read_bytes()).group(1).decode()
            for _ in range(3):  # confirmed once, then replayed
                http.post(f"{url}/confirm", data={"token": confirm})
    finally:
        process.send_signal(signal.SIGTERM)
        # uvicorn finishes the requests in flight, then re-raises SIGTERM (systemd: a clean stop)
        assert process.wait(15) in (0, -signal.SIGTERM)
        process.stdout.close()
    log = (tmp_path / "serve.log").read_text()
    assert "token=" not in log and READERS[0] not in log  # one line per request, nothing private
    assert len([line for line in log.splitlines() if " POST " in line or " GET " in line]) >= 30

    box = write_mbox(
        tmp_path / "bounces.mbox",
        [
            dsn(
                "<b1@mx.example.net>", READERS[4], original_id=list_message_id(ISSUE_ID, READERS[4])
            ),
            arf(
                "<c1@arf.example.net>",
                READERS[5],
                original_id=list_message_id(ISSUE_ID, READERS[5]),
            ),
        ],
    )
    for _ in range(2):
        assert cli.invoke(app, ["bounces", "process", str(box)]).exit_code == 0
    assert cli.invoke(app, ["subscribers", "forget", READERS[6]]).exit_code == 0
    sent = cli.invoke(
        app,
        [
            "send",
            str(send_ws.issue),
            "--yes",
            *smtpd.send_flags,
        ],
    )
    assert sent.exit_code == 0, sent.output
    assert sorted(smtpd.handler.by_recipient()) == sorted(
        [READERS[2], READERS[3], READERS[7], "new.reader@example.org"]
    )


@pytest.mark.slow
def test_serve_refuses_a_port_in_use_and_a_bad_proxy_with_one_line(send_ws):
    """A taken port names host:port; a bad --trusted-proxy names the option; exit 1, no traceback."""
    import socket

    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "newsletter", "serve", "--port", str(port)],
            cwd=send_ws.root,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: 127.0.0.1:{port}: cannot listen (Address already in use); "
        "choose another --port or --host"
    )
    bad = subprocess.run(
        [sys.executable, "-m", "newsletter", "serve", "--trusted-proxy", "proxy.example.org"],
        cwd=send_ws.root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 1 and "--trusted-proxy 'proxy.example.org'" in bad.stderr
    assert "Traceback" not in bad.stderr + result.stderr


@pytest.mark.slow
def test_serve_with_two_workers_shares_the_database(served_ws, monkeypatch):
    """`--workers 2`: both processes answer and every one-click is committed to the one database
    (newsletter.db, or the PostgreSQL server)."""
    from newsletter.mail.unsubscribe import sign_token

    send_ws = served_ws
    if send_ws.settings.database_server is not None:
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", send_ws.settings.database)

    send_ws.add(*READERS)
    process, url = serve_process(send_ws.root, "--workers", "2")
    try:
        wait_until_answering(url)  # the workers import the app after the port is bound
        with httpx.Client(timeout=10) as http:
            for email in READERS:
                token = sign_token(
                    email, b"test-secret-0123456789abcdef", "the-test-brief.example.org"
                )
                response = http.post(
                    f"{url}/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"}
                )
                assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
        process.stdout.close()
    with send_ws.store() as store:
        assert store.counts()["unsubscribed"] == len(READERS)
