"""A real `newsletter send` process killed mid-run (SIGKILL, Ctrl-C) and resumed loses nobody."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.support.smtp_server import (
    RecordingHandler,
    assert_once_but_in_flight,
    smtp_server,
)

pytest_plugins = ["tests.support.send_fixtures"]

CONNECTIONS = 3


def start_send(send_ws, server, *extra: str) -> subprocess.Popen:
    """Start `python -m newsletter send` in the workspace against the server."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("NEWSLETTER_SMTP_PASSWORD", None)
    command = [
        sys.executable,
        "-m",
        "newsletter",
        "send",
        "issues/2026-W48",
        "--yes",
        *server.send_flags,
        "--connections",
        str(CONNECTIONS),
        *extra,
    ]
    return subprocess.Popen(
        command,
        cwd=send_ws.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def send_status(send_ws) -> str:
    """What `newsletter send issues/2026-W48 --status` prints, run as its own process."""
    return subprocess.run(
        [sys.executable, "-m", "newsletter", "send", "issues/2026-W48", "--status"],
        cwd=send_ws.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def wait_for(condition, timeout: float = 30.0) -> None:
    """Poll until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_mails_everyone_once(send_ws):
    """Killed -9 thrice and resumed, every active subscriber gets one message (in flight: two)."""
    emails = send_ws.add_many(600)
    unsubscribed = set(emails[::40])
    with send_ws.store() as store:
        for email in unsubscribed:
            store.set_status(email, "unsubscribed")
    active = [e for e in emails if e not in unsubscribed]
    rng = random.Random(48)
    # Transient failures and dropped connections along the way, as a flaky relay would.
    handler = RecordingHandler(pipelining=True)
    for email in rng.sample(active, 30):  # (a drop after DATA would be an unknown outcome)
        stage = rng.choice(["rcpt", "data"])
        handler.fail(
            email,
            stage,
            rng.choice(["451 4.3.0 busy", "drop" if stage == "rcpt" else "451 4.3.0 busy"]),
        )
    kills = 0
    with smtp_server(handler=handler) as server:
        for _ in range(3):
            before = len(server.received)
            process = start_send(send_ws, server, "--rate", "400")
            wait_for(lambda b=before: len(server.received) >= b + rng.randint(20, 120))
            time.sleep(rng.uniform(0, 0.05))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            process.stdout.close()
            kills += 1
            assert len(server.received) < len(active), "the run finished before it was killed"
        final = start_send(send_ws, server)
        output, _ = final.communicate(timeout=120)
    assert final.returncode == 0, output
    assert_once_but_in_flight(active, kills * CONNECTIONS, handler)
    status = send_status(send_ws)
    assert f"sent        {len(active)}" in status and "not sent    0" in status


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_ctrl_c_or_kill_stops_cleanly_with_a_summary_and_resumes(send_ws, signum):
    """SIGINT or SIGTERM lets messages in flight finish, prints a summary, exits 130; resumable."""
    emails = send_ws.add_many(300)
    with smtp_server() as server:
        process = start_send(send_ws, server, "--rate", "300")
        wait_for(lambda: len(server.received) >= 30)
        process.send_signal(signum)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 130, output
        assert "error: interrupted; run the same command again to resume" in output
        assert "Traceback" not in output
        first = len(server.received)
        assert first < len(emails)
        resumed = start_send(send_ws, server)
        output, _ = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, output
    assert "skipped" in output
    assert server.handler.by_recipient() == {e: 1 for e in emails}


@pytest.mark.slow
def test_sigkill_with_lost_replies_then_resume_never_resends_an_unknown(send_ws):
    """Killed -9 twice while 5% of replies are lost: each reader gets one copy (in flight: two)."""
    emails = send_ws.add_many(400)
    rng = random.Random(11)
    lost = set(rng.sample(emails, 20))
    handler = RecordingHandler(pipelining=True)
    for email in lost:
        handler.fail(email, "data", "lost")
    kills = 0
    with smtp_server(handler=handler) as server:
        for _ in range(2):
            before = len(server.received)
            process = start_send(send_ws, server, "--rate", "400")
            wait_for(lambda b=before: len(server.received) >= b + rng.randint(30, 100))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            process.stdout.close()
            kills += 1
        final = start_send(send_ws, server)
        output, _ = final.communicate(timeout=120)
    assert final.returncode == 1, output  # unknown outcomes remain: the editor decides
    assert "unknown" in output and "Traceback" not in output
    counts = handler.by_recipient()
    assert set(counts) == set(emails)
    twice = [e for e, n in counts.items() if n > 1]
    assert len(twice) <= kills * CONNECTIONS, f"more doubles than messages in flight: {twice}"
    status = send_status(send_ws)
    unknown = int(re.search(r"unknown +(\d+)", status).group(1))
    assert len(lost) - len(twice) <= unknown <= len(lost)


@pytest.mark.slow
def test_ctrl_c_while_the_relay_holds_the_final_reply_records_unknown_and_exits(send_ws):
    """Ctrl-C during a 60 s wait for the reply to `.`: exit within `timeout`, that reader unknown."""
    emails = send_ws.add_many(3)
    handler = RecordingHandler(drip_seconds=60)
    handler.fail(emails[1], "data", "drip")
    with smtp_server(handler=handler) as server:
        process = start_send(send_ws, server, "--connections", "1")
        wait_for(lambda: len(server.received) >= 1 and handler.attempts[emails[1]] >= 1)
        time.sleep(0.5)  # the body of emails[1] is out; its reply drips
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        assert time.monotonic() - started < 15  # timeout is 5 s in the test settings
        assert process.returncode == 130, output
        assert "1 unknown" in output and "Traceback" not in output
        again = start_send(send_ws, server)
        again.communicate(timeout=60)
    counts = handler.by_recipient()
    assert counts.get(emails[0]) == 1 and counts.get(emails[2]) == 1
    assert handler.attempts[emails[1]] == 1  # never sent again without --resend-unknown
