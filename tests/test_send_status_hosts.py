"""`send --status` on PostgreSQL: each host's share of the issue and its progress, with each
sender (worker process) under its host on request (newsletter/send/status.py)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from newsletter.config import load_settings
from newsletter.send.journal import SenderShare
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.status import hosts_of
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.smtp_server import smtp_server
from tests.test_send_postgres import add_readers

pytest_plugins = ["tests.support.send_fixtures"]


def share(host: str, pid: int, state: str, claimed: int, sent: int) -> SenderShare:
    """One sender's row as `--status` reads it."""
    return SenderShare(f"{host}:{pid}:ab12", host, pid, f"2026-12-06T08:0{pid % 10}:00Z",
                       state, claimed, sent, 0, 0)  # fmt: skip


def test_senders_are_summed_per_host_in_the_order_hosts_started():
    """Two processes of one host add up; a host is `sending` while any of its senders is."""
    hosts = hosts_of((
        share("mail-a", 11, "finished", 300, 300),
        share("mail-b", 21, "sending", 200, 150),
        share("mail-a", 12, "gone", 250, 240),
        share("mail-b", 22, "finished", 100, 100),
    ))  # fmt: skip
    assert [h.host for h in hosts] == ["mail-a", "mail-b"]
    a, b = hosts
    assert (a.claimed, a.sent, a.settled, a.state) == (550, 540, 540, "gone")
    assert (b.claimed, b.sent, b.state, b.started) == (300, 250, "sending", "2026-12-06T08:01:00Z")


def status_lines(ws: Workspace, *extra: str) -> list[str]:
    """`newsletter send ISSUE --status` in the workspace, its lines."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--status", *extra]
    done = subprocess.run(command, cwd=ws.root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


@pytest.mark.slow
def test_status_shows_each_hosts_share_and_progress_and_each_sender_on_request(
    send_ws, postgres_url, monkeypatch
):
    """Two hosts send one issue (20 readers, then the other 40): `--status` gives a line per
    host with its share of all sent and how much of what it claimed is done; `--senders`
    adds a line per worker process under its host."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    add_readers(ws, 60)
    with smtp_server() as relay:
        settings = ws.with_server(relay.host, relay.port, connections=2)
        for host, limit in (("mail-a", 20), ("mail-b", None)):
            monkeypatch.setattr("socket.gethostname", lambda h=host: h)  # a host of its own
            summary = send_issue(ws.issue, settings, SendOptions(limit=limit))
            assert summary.stopped is None, summary.stopped
    lines = status_lines(ws)
    hosts = [line for line in lines if re.match(r"    mail-[ab] ", line)]
    assert len(hosts) == 2, lines
    assert re.match(r"    mail-a  finished  sent 20 \(33% of all sent\), failed 0, unknown 0; "
                    r"20 of 20 claimed done \(100%\)  1 sender\(s\) since ", hosts[0]), hosts  # fmt: skip
    assert re.match(r"    mail-b  finished  sent 40 \(67% of all sent\), .*; 40 of 40 claimed "
                    r"done \(100%\)  \d sender\(s\)", hosts[1]), hosts  # fmt: skip
    senders = int(re.search(r"hosts \(2, (\d+) senders", "\n".join(lines)).group(1))
    assert not any(line.startswith("      pid ") for line in lines)
    detailed = status_lines(ws, "--senders")
    per_process = [line for line in detailed if line.startswith("      pid ")]
    assert len(per_process) == senders and all(" finished " in line for line in per_process)
    assert detailed.index(hosts[0]) < detailed.index(per_process[0]) < detailed.index(hosts[1])


def test_senders_without_status_is_refused_with_one_line(send_ws):
    """`--senders` only goes with `--status`."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--senders"]
    done = subprocess.run(command, cwd=send_ws.root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "--senders goes with --status" in done.stderr
    assert "Traceback" not in done.stderr
