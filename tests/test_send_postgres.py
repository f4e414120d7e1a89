"""The delivery journal and `send` on PostgreSQL: one set of semantics on both backends, and
several senders sharing one issue through leases and claims (newsletter/send/shared_journal.py)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from newsletter.config import load_settings
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.shared_journal import open_postgres_journal
from newsletter.send.status import delivery_status
from newsletter.subscribers.backends import workspace_store
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.smtp_server import (
    RecordingHandler,
    assert_once_but_in_flight,
    copies,
    smtp_server,
)

pytest_plugins = ["tests.support.send_fixtures"]


@pytest.fixture
def any_ws(send_ws, backend) -> Workspace:
    """The send workspace on each backend in turn (its settings read again after `backend`)."""
    settings, _ = load_settings(send_ws.root)
    return Workspace(send_ws.root, settings)


def add_readers(ws: Workspace, n: int, *, unsubscribed: int = 0) -> list[str]:
    """Add `n` numbered readers on the workspace's backend (the first `unsubscribed` of them
    unsubscribed); return the active addresses."""
    emails = [f"reader{i:05d}@example.org" for i in range(n)]
    with workspace_store(ws.settings) as store:
        store.conn.execute("BEGIN IMMEDIATE")
        for i, email in enumerate(emails):
            store.upsert(email, f"Reader {i}", {"city": "Lima"})
        store.conn.execute("COMMIT")
        for email in emails[:unsubscribed]:
            store.set_status(email, "unsubscribed")
    return emails[unsubscribed:]


def send(ws: Workspace, server, **options) -> object:
    """Send the workspace's issue through `server`, in this process."""
    settings = ws.with_server(server.host, server.port)
    return send_issue(ws.issue, settings, SendOptions(**options))


def test_one_journal_semantics_on_both_backends(any_ws):
    """Sent, refused, retried and unknown outcomes are journaled alike on SQLite and PostgreSQL,
    and a re-run mails nobody twice and never re-sends an unknown one."""
    active = add_readers(any_ws, 30, unsubscribed=2)
    any_ws.refused_earlier(active[:1])  # the second issue refused: believed
    handler = RecordingHandler()
    handler.fail(active[0], "rcpt", "550 5.1.1 no such user")
    handler.fail(active[1], "rcpt", "451 4.3.0 try later")
    handler.fail(active[2], "data", "lost")
    with smtp_server(handler=handler) as server:
        first = send(any_ws, server)
        again = send(any_ws, server)
    assert (first.sent, first.failed, first.unknown) == (26, 1, 1)
    assert first.inactive == 3 and first.bounced == 1 and first.retries == 1
    counts = handler.by_recipient()
    assert set(counts) == set(active) - {active[0]} and all(n == 1 for n in counts.values())
    assert (again.sent, again.failed, again.unknown_total) == (0, 0, 1)
    status = delivery_status(any_ws.issue, any_ws.settings).counts
    assert (status.sent, status.unknown, status.failed, status.unsent) == (26, 1, 1, 0)
    assert status.unknowns[0][0] == active[2]


def test_a_dry_run_writes_the_outbox_and_records_nothing_on_both_backends(any_ws):
    """A dry run writes one .eml per active reader and leaves the journal empty."""
    active = add_readers(any_ws, 5, unsubscribed=1)
    summary = send_issue(any_ws.issue, any_ws.settings, SendOptions(dry_run=True))
    assert summary.sent == len(active)
    assert len(list((any_ws.issue / "outbox").glob("*.eml"))) == len(active)
    assert delivery_status(any_ws.issue, any_ws.settings).counts.sent == 0


@pytest.fixture
def two_ws(send_ws, postgres_url, tmp_path, monkeypatch) -> tuple[Workspace, Workspace]:
    """Two workspaces (two hosts) sharing one PostgreSQL database and the same built issue,
    with a 2-second lease so that a killed sender's readers are free soon."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    with (send_ws.root / "newsletter.toml").open("a") as toml:
        toml.write("lease = 2\n")  # [smtp] is the file's last table
    second = tmp_path / "second-host"
    shutil.copytree(send_ws.root, second)
    return tuple(Workspace(root, load_settings(root)[0]) for root in (send_ws.root, second))


def start_send(ws: Workspace, server, *extra: str) -> subprocess.Popen[str]:
    """`python -m newsletter send` in the workspace, as its own process, through `server`."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--yes",
               *server.send_flags, "--connections", "2", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        command, cwd=ws.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def status_of(ws: Workspace, *extra: str) -> str:
    """What `newsletter send ISSUE --status` prints in the workspace."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--status",
               *extra]  # fmt: skip
    done = subprocess.run(command, cwd=ws.root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_for(condition, timeout: float = 60.0) -> None:
    """Poll until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.slow
def test_two_senders_share_one_issue_and_every_reader_gets_one_copy(two_ws):
    """Two `send` processes on two workspaces over one database: every active reader gets
    exactly one copy over the two relays, the unsubscribed none, and each sender a real share."""
    first, second = two_ws
    active = add_readers(first, 1500, unsubscribed=50)
    relays = RecordingHandler(pipelining=True), RecordingHandler(pipelining=True)
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        runs = [start_send(first, one, "--rate", "200"), start_send(second, two, "--rate", "200")]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    counts = copies(*relays)
    assert set(counts) == set(active) and set(counts.values()) == {1}
    shares = [len(relay.received) for relay in relays]
    assert min(shares) >= len(active) // 5, f"not a real share each: {shares}"
    status = status_of(first, "--senders")
    assert f"sent        {len(active)}" in status and "not sent    0" in status
    assert status.count(" finished ") >= 3, status  # the host, and each sender under it


@pytest.mark.slow
def test_a_sender_killed_mid_send_leaves_its_readers_to_the_other(two_ws):
    """One sender killed -9 mid-send: the other takes its claimed readers once its lease runs
    out; nobody is lost, only messages in flight at the kill may go out twice (same id), and
    `--status`'s one-pass read counts what the separate reads count."""
    first, second = two_ws
    active = add_readers(first, 1230, unsubscribed=30)
    relays = RecordingHandler(pipelining=True), RecordingHandler(pipelining=True)
    for email in active[::40]:  # a flaky relay each: whoever sends these is told to retry
        for relay in relays:
            relay.fail(email, "rcpt", "451 4.3.0 try again later")
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        killed = start_send(first, one, "--rate", "150")
        survivor = start_send(second, two, "--rate", "150")
        wait_for(lambda: len(relays[0].received) >= 150 and len(relays[1].received) >= 50)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        assert killed.stdout is not None
        killed.stdout.close()
        at_kill = len(relays[0].received)
        output, _ = survivor.communicate(timeout=120)
        assert survivor.returncode == 0, output
        rerun = start_send(first, one)  # the killed host runs the same command again
        rerun_output, _ = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, rerun_output
    assert_once_but_in_flight(active, 2, *relays)  # 2 connections
    assert len(relays[0].received) - at_kill <= 2, "the re-run found little or nothing left"
    status = status_of(first, "--senders")
    assert f"sent        {len(active)}" in status and " gone " in status
    journal = open_postgres_journal(first.settings.database_server, ISSUE_ID, create=False)
    assert journal is not None
    try:  # `--status` reads it all in one pass; the separate reads agree with it
        assert journal.status() == (journal.counts(), journal.shares())
    finally:
        journal.close()


@pytest.mark.slow
def test_a_sender_with_another_merge_eml_is_refused(two_ws, tmp_path):
    """A second sender whose merge.eml differs from the one the send started with is refused
    with one line naming the host (workspace and folder) and pid that started it, as
    `--status` names hosts, and mails nobody.  The line named the parent's `vm:22672:60ae…`,
    an id `--status` never shows (found trying issue 18 as a new user)."""
    from tests.support.send_workspace import build_sample_issue

    first, _ = two_ws
    add_readers(first, 20)
    other_root = tmp_path / "rebuilt"
    other_root.mkdir()
    build_sample_issue(other_root, subject="Peru declares a border emergency")
    other = Workspace(other_root, load_settings(other_root)[0])
    relays = RecordingHandler(), RecordingHandler()
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        done = start_send(first, one, "--limit", "5").communicate(timeout=60)[0]
        refused = start_send(other, two)
        output, _ = refused.communicate(timeout=60)
    assert len(relays[0].received) == 5, done
    assert refused.returncode == 1 and not relays[1].received
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "merge.eml is not the one its send started with" in errors[0]
    assert re.search(rf"from \S+ \(workspace \w+, {re.escape(str(first.root))}\) pid \d+ at ",
                     errors[0]), errors[0]  # fmt: skip
    assert "Traceback" not in output


@pytest.fixture
def pg_ws(send_ws, postgres_url, postgres_server, monkeypatch) -> Workspace:
    """The send workspace on a fresh PostgreSQL database whose commits survive the server's
    crash, as a production server's do (the test cluster turns synchronous_commit off)."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    with postgres_server.connect() as conn:
        conn.execute(
            f'ALTER DATABASE "{postgres_url.rsplit("/", 1)[1]}" SET synchronous_commit = on'
        )
    return Workspace(send_ws.root, load_settings(send_ws.root)[0])


def _restart_when(
    server, handler: RecordingHandler, received: int, down: float
) -> threading.Thread:
    """A thread that stops the PostgreSQL server once `received` messages went out, and starts
    it again `down` seconds later (never, for a negative `down`)."""

    def run() -> None:
        wait_for(lambda: len(handler.received) >= received)
        server.stop()
        if down >= 0:
            time.sleep(down)
            server.start()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_a_database_restart_mid_send_is_waited_out(pg_ws, postgres_server):
    """The server stops mid-send and comes back 2 s later: the sender reconnects and finishes,
    every reader gets exactly one copy."""
    active = add_readers(pg_ws, 300)
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        restart = _restart_when(postgres_server, handler, 60, down=2.0)
        summary = send_issue(pg_ws.issue, pg_ws.with_server(relay.host, relay.port, rate=100.0))
        restart.join(timeout=30)
    assert summary.stopped is None, summary.stopped
    counts = handler.by_recipient()
    assert set(counts) == set(active) and set(counts.values()) == {1}
    assert delivery_status(pg_ws.issue, pg_ws.settings).counts.sent == len(active)


@pytest.mark.slow
def test_a_database_down_past_the_deadline_stops_with_one_line_and_loses_nobody(
    pg_ws, postgres_server, monkeypatch
):
    """A server down longer than the deadline stops the send with one line naming it; what the
    relay accepted is kept in the recovery file and recorded by the next run: one copy each."""
    monkeypatch.setattr("newsletter.send.shared_journal.PATIENCE", 1.5)
    active = add_readers(pg_ws, 200)
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        settings = pg_ws.with_server(relay.host, relay.port, rate=100.0)
        stopper = _restart_when(postgres_server, handler, 40, down=-1)
        try:
            first = send_issue(pg_ws.issue, settings)
        finally:
            stopper.join(timeout=30)
            postgres_server.start()
        assert first.journal_failed and first.stopped is not None
        assert "was unreachable for 2 s" in first.stopped and "the run stopped" in first.stopped
        assert first.stopped.endswith("run the same command again once the server is back")
        assert postgres_server.host in first.stopped
        second = send_issue(pg_ws.issue, settings)
    assert second.stopped is None, second.stopped
    counts = handler.by_recipient()
    assert set(counts) == set(active), (first, second)
    assert set(counts.values()) == {1}, ([e for e, n in counts.items() if n > 1], first, second)


@pytest.mark.slow
def test_a_send_killed_minus_9_and_resumed_mails_everyone_once_on_both_backends(any_ws):
    """`send` killed -9 twice mid-run and run again: every active reader has one copy, only
    messages in flight at a kill went twice (same Message-ID), and nothing is lost; on
    PostgreSQL the re-run takes the killed run's claims at once (its own workspace's senders)."""
    active = add_readers(any_ws, 500, unsubscribed=10)
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        for goal in (80, 220):
            killed = start_send(any_ws, relay, "--rate", "300")
            wait_for(lambda g=goal: len(handler.received) >= g)
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=10)
            assert killed.stdout is not None
            killed.stdout.close()
        started = time.monotonic()
        final = start_send(any_ws, relay)
        output, _ = final.communicate(timeout=120)
    assert final.returncode == 0, output
    assert time.monotonic() - started < 25, "the re-run waited for a lease (30 s) to run out"
    assert_once_but_in_flight(active, 2 * 2, handler)  # two kills, two connections each


def test_resend_unknown_sends_those_again_once_on_both_backends(any_ws):
    """A lost reply stays unknown through a re-run; --resend-unknown sends it again, once."""
    active = add_readers(any_ws, 6)
    handler = RecordingHandler()
    handler.fail(active[3], "data", "lost")
    with smtp_server(handler=handler) as server:
        first = send(any_ws, server)
        plain = send(any_ws, server)
        again = send(any_ws, server, resend_unknown=True)
    assert (first.sent, first.unknown, plain.sent) == (5, 1, 0)
    assert again.sent == 1 and again.unknown_total == 0
    assert handler.by_recipient()[active[3]] == 2 and len(handler.received) == 7


def test_a_read_only_server_stops_the_send_with_one_line_and_mails_nobody(pg_ws, postgres_server):
    """A server that answers read-only (a standby after a failover) refuses the send before
    anyone is mailed, in one line naming it and what to do."""
    from newsletter.send.journal import JournalWriteError

    add_readers(pg_ws, 5)
    name = pg_ws.settings.database_server.url.rsplit("/", 1)[1]
    with postgres_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay, pytest.raises(JournalWriteError) as refused:
        send_issue(pg_ws.issue, pg_ws.with_server(relay.host, relay.port))
    line = str(refused.value)
    assert "\n" not in line and postgres_server.host in line
    assert "read-only" in line and "target_session_attrs=read-write" in line
    assert not handler.received
