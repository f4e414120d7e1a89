"""A sender killed -9 while the batch it claims ahead (shared_journal._ClaimAhead) is in
flight: the claim committed on the server, its rows never seen by the sender.  Those readers
go to another host once the lease has run out, and to the killed workspace's re-run at once;
nobody is given twice.  And a claim ahead whose reply is lost (committed, the connection
dropped): run again, it gives the sender its own claims back, nobody twice."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from newsletter.config import load_settings
from newsletter.send import shared_journal
from newsletter.send.journal import JournalWriteError
from newsletter.send.server_link import OUTAGE
from newsletter.send.shared_journal import open_postgres_journal
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.test_send_postgres import add_readers

pytest_plugins = ["tests.support.send_fixtures"]

# The killed sender: claims of 10, its first reader sent; the claim ahead of the second batch
# runs on its thread and the process is killed -9 the moment that statement returns, so
# the server holds the claim and the sender never saw its rows (a mock injects the kill).
KILLED = textwrap.dedent(
    """
    import os, signal, sys, threading
    from pathlib import Path
    from newsletter.config import load_settings
    from newsletter.send import shared_journal
    root = Path(sys.argv[1])
    server = load_settings(root)[0].database_server
    journal = shared_journal.open_postgres_journal(
        server, sys.argv[2], create=True, lease=float(sys.argv[3]), local=root)
    journal.register()
    journal.batch = 10
    fetch = shared_journal.partial_fetch
    first_sent = threading.Event()

    def killing_fetch(journal_, query, params):
        run = fetch(journal_, query, params)
        def then_kill():
            rows = run()
            if threading.current_thread().name == "send-claim":
                first_sent.wait(30)
                print(journal.sender_id, len(rows), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            return rows
        return then_kill

    shared_journal.partial_fetch = killing_fetch
    stream = journal.unsent()
    first = next(stream)
    journal.record(first.email, "sent", attempts=1)
    print("first", first.email, flush=True)
    first_sent.set()
    for _ in stream:
        pass
    """
)


def _kill_mid_claim_ahead(root: Path, lease: float) -> tuple[str, str]:
    """Run the killed sender; its id and the reader it sent."""
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(root), ISSUE_ID, str(lease)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == -9, done.stderr
    said = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert said["first"].startswith("reader")
    sender_id = next(key for key in said if key != "first")
    assert said[sender_id] == "10"  # the second batch was claimed when it was killed
    return sender_id, said["first"]


def _claims_of(journal, sender_id: str) -> int:
    row = journal.pg.raw.execute(
        "SELECT count(*) FROM send_claims WHERE sender_id = %s", (sender_id,)
    ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.slow
def test_readers_claimed_ahead_by_a_sender_killed_mid_claim_go_to_another_host_after_its_lease(
    send_ws, postgres_url, monkeypatch
):
    """Host B, sending already, leaves the 19 readers A held (its first batch's 9 untried and
    the 10 claimed ahead as it was killed) while A's lease runs, and takes exactly those once
    it has run out: over both, every one of the 45 readers is given once."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    readers = add_readers(ws, 45)
    server = ws.settings.database_server
    assert server is not None
    other = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0)
    assert other is not None
    try:
        other.register()  # host B began first: A's later claims are no run's before it
        lease = 3.0
        killed, sent = _kill_mid_claim_ahead(send_ws.root, lease)
        killed_at = time.monotonic()
        assert _claims_of(other, killed) == 20
        while_alive = [r.email for r in other.unsent()]
        for email in while_alive:
            other.record(email, "sent", attempts=1)
        assert len(while_alive) == 25
        assert other.others_pending() == 19  # the lease still runs: B waits for them
        time.sleep(max(0.0, lease + 0.5 - (time.monotonic() - killed_at)))
        after_lease = [r.email for r in other.unsent()]
        assert len(after_lease) == 19
        given = [sent, *while_alive, *after_lease]
        assert sorted(given) == sorted(readers)
        assert other.others_pending() == 0
    finally:
        other.close()


@pytest.mark.slow
def test_readers_claimed_ahead_by_a_sender_killed_mid_claim_go_to_its_re_run_at_once(
    send_ws, postgres_url, monkeypatch
):
    """The killed workspace's re-run, its lease of 60 s still running, ends the killed
    sender (expire_previous) and is given every reader but the one sent, those claimed ahead
    among them, each once; nothing stays claimed by the killed sender."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    readers = add_readers(ws, 45)
    server = ws.settings.database_server
    assert server is not None
    killed, sent = _kill_mid_claim_ahead(send_ws.root, 60.0)
    rerun = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0, local=send_ws.root)
    assert rerun is not None
    try:
        assert _claims_of(rerun, killed) == 20
        rerun.register()
        rerun.expire_previous()
        assert _claims_of(rerun, killed) == 1  # the one it sent stays its own
        given = [r.email for r in rerun.unsent()]
        assert sorted([sent, *given]) == sorted(readers)
        assert len(given) == len(set(given)) == 44
    finally:
        rerun.close()


def test_a_claim_ahead_whose_reply_is_lost_is_run_again_and_gives_nobody_twice(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """The claim ahead of the second batch commits on the server and its connection drops
    before the rows come back (the backend ended with pg_terminate_backend; the mock only
    picks the moment): the sender reconnects and claims again, is given its own claims back,
    and gives out every one of the 45 readers once, in order; ended, it holds none."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    readers = add_readers(ws, 45)
    server = ws.settings.database_server
    assert server is not None
    dbname = postgres_url.rsplit("/", 1)[1].split("?", 1)[0]
    fetch, lost = shared_journal.partial_fetch, []

    def losing_fetch(journal_, query, params):
        run = fetch(journal_, query, params)

        def then_lose():
            rows = run()
            if threading.current_thread().name == "send-claim" and not lost:
                raw = journal_.pg.raw
                with postgres_server.connect(dbname) as conn:
                    conn.execute("SELECT pg_terminate_backend(%s, 5000)", (raw.info.backend_pid,))
                lost.append(len(rows))
                raw.execute("SELECT 1")  # the real error of a dropped connection
            return rows

        return then_lose

    monkeypatch.setattr(shared_journal, "partial_fetch", losing_fetch)
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0)
    assert journal is not None
    try:
        journal.register()
        journal.batch = 10
        given = [r.email for r in journal.unsent()]
        assert lost == [10]  # the claim ahead committed, its reply lost
        assert given == sorted(readers)  # each once, in id order (the addresses sort so)
    finally:
        journal.close()
    check = open_postgres_journal(server, ISSUE_ID, create=False)
    assert check is not None
    try:
        assert _claims_of(check, journal.sender_id) == 0  # none sent: every claim given back
    finally:
        check.close()


def _crash_the_claim_ahead(monkeypatch, postgres_server, then) -> list[float]:
    """Stop the server (`pg_ctl stop -m immediate`) the first time the claim ahead (the
    `send-claim` thread) is about to run its statement, and start `then(journal)`'s timer (the
    server back, or Ctrl-C); returns the list that gets the crash's monotonic time."""
    fetch, crashed = shared_journal.partial_fetch, []

    def crashing_fetch(journal_, query, params):
        run = fetch(journal_, query, params)

        def crash_then_run():
            if threading.current_thread().name == "send-claim" and not crashed:
                postgres_server.stop()
                crashed.append(time.monotonic())
                then(journal_).start()
            return run()

        return crash_then_run

    monkeypatch.setattr(shared_journal, "partial_fetch", crashing_fetch)
    return crashed


@pytest.mark.slow
def test_a_server_crash_while_a_claim_ahead_runs_is_waited_out_and_gives_nobody_twice(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """The server crashes (`pg_ctl stop -m immediate`) as the claim ahead of the second batch
    is about to run and is back 1.5 s later, while the first batch's readers are recorded
    sent: the claim waits, reconnects and runs; every one of the 45 readers is given once, in
    order, each recorded sent, and the sender ends holding nothing unsettled."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    readers = add_readers(ws, 45)
    server = ws.settings.database_server
    assert server is not None
    crashed = _crash_the_claim_ahead(
        monkeypatch, postgres_server, lambda journal_: threading.Timer(1.5, postgres_server.start)
    )
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0, local=send_ws.root)
    assert journal is not None
    try:
        journal.register()
        journal.batch = 10
        given = []
        for reader in journal.unsent():
            given.append(reader.email)
            journal.record(reader.email, "sent", attempts=1)
        assert len(crashed) == 1
        assert given == sorted(readers)
        assert journal.counts().sent == 45
    finally:
        journal.close()
    check = open_postgres_journal(server, ISSUE_ID, create=False)
    assert check is not None
    try:
        unsettled = check.pg.raw.execute(
            "SELECT count(*) FROM send_claims c JOIN subscribers s ON s.id = c.subscriber_id"
            " WHERE c.sender_id = %s AND NOT EXISTS (SELECT 1 FROM deliveries d"
            " WHERE d.email = s.email AND d.status = 'sent')",
            (journal.sender_id,),
        ).fetchone()
        assert unsettled == (0,)
    finally:
        check.close()


@pytest.mark.slow
def test_claims_and_the_lease_survive_a_crash_when_the_database_commits_without_waiting(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """On a database set to `synchronous_commit = off` (a common tuning), a sender's
    registration and its claims are still durable: the server crashes (`-m immediate`, its WAL
    writer asleep) right after a claim and comes back, and the claims are there, so a second
    sender is given none of the readers the first holds (before: the crash lost them, and
    both were given the same readers)."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    add_readers(ws, 45)
    server = ws.settings.database_server
    assert server is not None
    dbname = postgres_url.rsplit("/", 1)[1].split("?", 1)[0]
    with postgres_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{dbname}" SET synchronous_commit = off')
        conn.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
        conn.execute("SELECT pg_reload_conf()")
    try:
        first = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0)
        assert first is not None
        first.register()
        first.batch = 10
        stream = first.unsent()
        held = [next(stream).email]  # its claim of 10 committed (and the next, claimed ahead)
        if first._ahead is not None:
            first._ahead.wait()
        postgres_server.stop()
        postgres_server.start()
        second = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0)
        assert second is not None
        try:
            claims = _claims_of(second, first.sender_id)
            second.register()
            taken = [r.email for r in second.unsent()]
        finally:
            second.close()
        assert claims == 20
        assert not set(held) & set(taken)
        assert len(taken) == 25
        stream.close()
        first.close()
    finally:
        with postgres_server.connect() as conn:
            conn.execute("ALTER SYSTEM RESET wal_writer_delay")
            conn.execute("SELECT pg_reload_conf()")


@pytest.mark.slow
def test_ctrl_c_while_a_claim_ahead_waits_for_a_crashed_server_stops_at_once(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """The server crashes as the claim ahead runs and stays down; Ctrl-C a second later (the
    journal's stop_waiting, as the CLI's handler calls it): the stream stops in one line
    within seconds, not after the 120 s patience, and the journal closes without waiting for
    the server either."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    add_readers(ws, 45)
    server = ws.settings.database_server
    assert server is not None
    crashed = _crash_the_claim_ahead(
        monkeypatch, postgres_server, lambda journal_: threading.Timer(1.0, journal_.stop_waiting)
    )
    OUTAGE.reset()
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0, local=send_ws.root)
    assert journal is not None
    try:
        journal.register()
        journal.batch = 10
        with pytest.raises(JournalWriteError) as stopped:
            for _ in journal.unsent():
                pass
        assert crashed and time.monotonic() - crashed[0] < 10
        assert "\n" not in str(stopped.value)
        closing = time.monotonic()
        journal.close()
        assert time.monotonic() - closing < 10
    finally:
        postgres_server.start()
        OUTAGE.reset()
