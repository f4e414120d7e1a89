"""Several senders on one issue over PostgreSQL, judged as issue 18 judges them: what the
claims do when senders cross, and two hosts sending through their own flaky relays with a
kill -9 and a re-run, end to end through the command line (docs/postgresql-measurements.md, "Judged from
outside")."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from newsletter.config import load_settings
from newsletter.issue.build_record import read_build_record
from newsletter.send.journal import LeaseLost
from newsletter.send.merge_check import merge_hash
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.sender_lease import workspace_host
from newsletter.send.shared_journal import PostgresJournal, local_state, open_postgres_journal
from newsletter.subscribers.backends import workspace_store
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.smtp_server import RecordingHandler, settled, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


@pytest.fixture
def pg_ws(send_ws, postgres_url, monkeypatch) -> Workspace:
    """The send workspace on a fresh PostgreSQL database."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    return Workspace(send_ws.root, load_settings(send_ws.root)[0])


def add_readers(ws: Workspace, n: int) -> list[str]:
    """`n` numbered active readers, in id order."""
    emails = [f"reader{i:05d}@example.org" for i in range(n)]
    with workspace_store(ws.settings) as store:
        store.conn.execute("BEGIN IMMEDIATE")
        for i, email in enumerate(emails):
            store.upsert(email, f"Reader {i}", {})
        store.conn.execute("COMMIT")
    return emails


def sender(ws: Workspace, *, batch: int, merge: str = "m") -> PostgresJournal:
    """A registered sender of the issue (as one worker process of `send` is)."""
    server = ws.settings.database_server
    assert server is not None
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=30.0, merge=merge)
    assert journal is not None
    journal.batch = batch
    journal.register()
    return journal


def test_a_claimed_reader_skipped_while_another_sender_locks_it_is_still_sent(
    pg_ws, postgres_server, postgres_url, monkeypatch
):
    """A reader its sender claimed, then skipped while another sender's claim statement held
    its row (SKIP LOCKED), is given out by that sender's next round; it used to stay claimed
    and unsent while the sender lived, so two senders each waiting for the other's readers
    never ended (found judging issue 18 from outside: 349 readers, both hosts stuck)."""
    emails = add_readers(pg_ws, 12)
    monkeypatch.setattr("newsletter.send.shared_journal.FRESH_FOR", 0.2)
    journal = sender(pg_ws, batch=4)
    given: list[str] = []

    def take(stream) -> None:  # what a round sends: each one journaled as sent
        for recipient in stream:
            given.append(recipient.email)
            journal.record(recipient.email, "sent", attempts=1)

    try:
        stream = journal.unsent()
        first = next(stream)  # readers 1-4 claimed, the first given out
        given.append(first.email)
        journal.record(first.email, "sent", attempts=1)
        with postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as other:
            with other.transaction():  # another sender's claim holding reader 2's row
                other.execute("SELECT 1 FROM subscribers WHERE id = 2 FOR UPDATE")
                time.sleep(0.3)  # the batch is stale: the next reader comes from a new claim
                second = next(stream)
            given.append(second.email)
            journal.record(second.email, "sent", attempts=1)
        take(stream)  # the rest of this round
        take(journal.unsent())  # the next round, as in_rounds runs it after one that gave
    finally:
        journal.close()
    assert sorted(given) == emails, "a claimed reader was never given out (or given twice)"


def test_a_worker_process_refused_at_registration_says_why(pg_ws, postgres_server, postgres_url):
    """A send whose worker processes the server refuses as they register (a read-only
    answer: a failover between the parent's check and the workers' start) stops with the
    server's one line naming host:port/dbname, not "a send process ended with exit code 1",
    and mails nobody."""
    add_readers(pg_ws, 5)
    with (pg_ws.root / "newsletter.toml").open("a") as toml:
        toml.write("processes = 2\n")  # [smtp] is the file's last table
    database = postgres_url.rsplit("/", 1)[1]
    with postgres_server.connect(database) as conn:  # made once the schema exists
        conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " RAISE EXCEPTION 'cannot execute INSERT in a read-only transaction'"
            " USING ERRCODE = '25006'; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON senders FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--yes",
                   *relay.send_flags, "--connections", "2"]  # fmt: skip
        done = subprocess.run(command, cwd=pg_ws.root, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 1 and not handler.received, done.stdout + done.stderr
    assert len(errors) == 1, done.stderr
    assert "read-only" in errors[0] and f"/{database}" in errors[0], errors
    assert "exit code" not in errors[0] and "Traceback" not in done.stderr


@pytest.fixture
def two_hosts(send_ws, postgres_url, tmp_path, monkeypatch) -> tuple[Workspace, Workspace]:
    """Two workspaces (two hosts) on one PostgreSQL database holding the same built issue
    (the second a copy of the first, as the docs say to copy an issue folder)."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    second = tmp_path / "host-b"
    shutil.copytree(send_ws.root, second)
    return tuple(Workspace(root, load_settings(root)[0]) for root in (send_ws.root, second))


def start_send(ws: Workspace, relay, rate: int = 150) -> subprocess.Popen[str]:
    """`newsletter send ISSUE --yes` in the workspace, its own process, through `relay`."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--yes",
               *relay.send_flags, "--connections", "2", "--rate", str(rate)]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ws.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def send_together(hosts: tuple[Workspace, Workspace], readers: list[str], rate: int) -> list[int]:
    """Both hosts' `newsletter send` started together, each through its own relay at `rate`:
    both exit 0 and every reader has exactly one copy over the two relays; each one's share."""
    relays = RecordingHandler(pipelining=True), RecordingHandler(pipelining=True)
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        runs = [start_send(hosts[0], one, rate=rate), start_send(hosts[1], two, rate=rate)]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    copies = relays[0].by_recipient()
    for email, n in relays[1].by_recipient().items():
        copies[email] = copies.get(email, 0) + n
    assert copies == {email: 1 for email in readers}
    return [len(relay.received) for relay in relays]


def flaky(handlers: tuple[RecordingHandler, ...], emails: list[str], seed: int) -> None:
    """A share of temporary failures on every relay, whoever sends the reader: 6% a 451 at
    RCPT, 2% a 421 after the message, 1% the connection dropped at RCPT."""
    pick = random.Random(seed)
    for email in emails:
        roll = pick.random()
        stage, reply = (
            ("rcpt", "451 4.3.0 try again later") if roll < 0.06
            else ("data", "421 4.3.2 closing, try again later") if roll < 0.08
            else ("rcpt", "drop") if roll < 0.09
            else ("", "")
        )  # fmt: skip
        for handler in handlers if stage else ():
            handler.fail(email, stage, reply)


@pytest.mark.slow
def test_two_hosts_one_killed_and_re_run_mail_every_reader_once(two_hosts):
    """The judged scenario at 2,000 readers, through the command line: two hosts send one
    issue through their own flaky relays, one is killed -9 mid-send and run again while the
    other still sends.  Every active reader gets one copy over both relays (a double only for
    a message in flight at the kill, with its Message-ID), the unsubscribed none, each host a
    real share, and `--status` on either host says everything was sent."""
    first, second = two_hosts
    readers = add_readers(first, 2000)
    unsubscribed = readers[::33]
    with workspace_store(first.settings) as store:
        for email in unsubscribed:
            store.set_status(email, "unsubscribed")
    active = sorted(set(readers) - set(unsubscribed))
    relays = RecordingHandler(pipelining=True), RecordingHandler(pipelining=True)
    flaky(relays, active, seed=18)
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        killed, other = start_send(first, one), start_send(second, two)
        wait_for(lambda: len(relays[0].received) >= 300)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        # What the killed host wrote before it died may still be in the relay's socket: its
        # relay has it once nothing new has come for a moment (nobody else sends to it yet).
        settled(lambda: len(relays[0].received), quiet=0.5)
        at_kill = {r.rcpt_tos[0].lower() for r in relays[0].received}
        assert killed.stdout is not None
        killed.stdout.close()
        rerun = start_send(first, one)  # at once: the other host is still sending
        outputs = [run.communicate(timeout=300)[0] for run in (other, rerun)]
    assert [other.returncode, rerun.returncode] == [0, 0], outputs
    counts: dict[str, int] = {}
    ids: dict[str, set[bytes]] = {}
    for relay in relays:
        for received in relay.received:
            email = received.rcpt_tos[0].lower()
            counts[email] = counts.get(email, 0) + 1
            found = re.search(rb"(?im)^Message-ID: (\S+)", received.data)
            ids.setdefault(email, set()).add(found.group(1) if found else b"")
    assert sorted(counts) == active, "a reader was lost, or an unsubscribed one mailed"
    twice = sorted(e for e, n in counts.items() if n > 1)
    assert len(twice) <= 2 and all(counts[e] == 2 for e in twice), twice  # 2 in flight at most
    doubles = [(e, e in at_kill, ids[e]) for e in twice]  # said if the next line fails
    assert all(e in at_kill and len(ids[e]) == 1 for e in twice), ("not from the kill", doubles)
    shares = [len(relay.received) for relay in relays]
    assert min(shares) >= len(active) // 5, f"not a real share each: {shares}"
    for ws in (first, second):
        status = status_of(ws)
        assert f"sent        {len(active)}" in status and "not sent    0" in status, status


@pytest.mark.slow
def test_two_hosts_started_together_on_a_small_list_both_send_a_share(two_hosts):
    """150 readers, two hosts started together through the command line: each sends a real
    share (a claim takes at most a quarter of what is left; at 200 a claim, the first host
    to claim took the whole list), and every reader gets exactly one copy."""
    shares = send_together(two_hosts, add_readers(two_hosts[0], 150), rate=40)
    assert min(shares) >= 15, f"not a real share each: {shares}"


def test_a_host_that_finds_the_list_sent_by_another_names_who_sent_it(
    two_hosts, postgres_server, postgres_url
):
    """A host whose send finds every reader claimed by another host's sender, which mails
    them all while it waits, ends with 0 sent and one line naming that sender (its host and
    pid, as `--status --senders` names them) and what it sent, then "Done"; it used to say
    only "0 sent, 0 skipped (sent before)" (found by a new user's trial, two folders)."""
    first, second = two_hosts
    emails = add_readers(first, 30)
    server = first.settings.database_server
    assert server is not None
    local = local_state(first.settings)
    other_host = workspace_host(local)  # the first workspace's host, as its sends register
    other = open_postgres_journal(
        server, ISSUE_ID, create=True, lease=30.0,
        merge=merge_hash(read_build_record(first.issue).files), local=local, host=other_host,
    )  # fmt: skip
    assert other is not None
    other.register()
    database = postgres_url.rsplit("/", 1)[1]
    relay_handler = RecordingHandler(pipelining=True)
    try:
        claimed = [r.email for r in other.unsent()]  # every reader: nothing left to claim
        assert sorted(claimed) == emails
        with smtp_server(handler=relay_handler) as relay:
            idle = start_send(second, relay)
            with postgres_server.connect(database) as conn:  # its senders are registered
                query = "SELECT count(*) FROM senders WHERE host <> %s"
                wait_for(lambda: conn.execute(query, (other_host,)).fetchone()[0] > 0)
            for email in claimed:  # the other host mails them while this one waits
                other.record(email, "sent", attempts=1)
            output = idle.communicate(timeout=120)[0]
    finally:
        other.close()
    assert idle.returncode == 0, output
    assert not relay_handler.received, "the idle host mailed a reader the other one had"
    # 0 skipped, or a few when the other host's first records beat this run's first count
    assert re.search(r": 0 sent, 0 failed, 0 unknown, \d+ skipped \(sent before this run\)", output)
    lines = [x for x in output.splitlines() if "Other senders" in x]
    assert lines == [
        f"  Other senders sent 30 of issue {ISSUE_ID}, before or while this run ran: {other_host} pid {os.getpid()} sent 30. "
        f"`newsletter send issues/{ISSUE_ID} --status --senders` shows each."
    ], output
    assert f"Done: every active subscriber has issue {ISSUE_ID}" in output, output
    status = status_of(second, "--senders")  # names that host and pid as the summary did
    assert f"\n    {other_host}  " in status and f"\n      pid {os.getpid()}  " in status, status


def wait_for(condition, timeout: float = 120.0) -> None:
    """Poll until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def status_of(ws: Workspace, *extra: str) -> str:
    """What `newsletter send ISSUE --status` prints in the workspace."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--status",
               *extra]  # fmt: skip
    done = subprocess.run(command, cwd=ws.root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_progress_of_worker_processes_never_goes_back_between_rounds(
    pg_ws, postgres_server, postgres_url
):
    """With worker processes on PostgreSQL, a worker's later round (readers another sender's
    claim held at first) adds to what it sent before: the progress line never goes back (it
    fell from 9,758 to 5,098 of 19,509 in a judged send, each round counting from 0)."""
    emails = add_readers(pg_ws, 400)
    with (pg_ws.root / "newsletter.toml").open("a") as toml:
        toml.write("processes = 2\n")  # [smtp] is the file's last table
    seen: list[int] = []
    handler = RecordingHandler(pipelining=True)
    with (
        smtp_server(handler=handler) as relay,
        postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as other,
    ):
        other.execute("BEGIN")  # another sender's statement holding the first 40 readers
        other.execute("SELECT 1 FROM subscribers WHERE id <= 40 FOR UPDATE")
        released = threading.Thread(
            target=lambda: (wait_for(lambda: len(handler.received) >= 300), other.rollback()),
            daemon=True,
        )
        released.start()
        settings = pg_ws.with_server(relay.host, relay.port)
        options = SendOptions(on_progress=lambda p: seen.append(p.sent))
        summary = send_issue(pg_ws.issue, settings, options)
        released.join(timeout=10)
    assert summary.sent == len(emails) and sorted(handler.by_recipient()) == emails
    assert seen == sorted(seen), [b for a, b in itertools.pairwise(seen) if b < a]


def test_a_sender_whose_lease_the_server_saw_run_out_sends_none_of_the_readers_taken(
    two_hosts, postgres_server, postgres_url
):
    """When the server's clock passes a sender's lease mid-send (a paused machine, a clock
    step: the sender's own clock says its lease is fresh) and another sender takes its
    claimed readers, the first sends not one more message (it held a batch of 120: 17
    doubles in a judged send), stops with one line, and every reader gets one copy."""
    first, second = two_hosts
    active = add_readers(first, 120)
    taken: list[str] = []
    takers: list[PostgresJournal] = []

    def take_over(kept: int) -> None:  # in the relay, before its reply to message 20
        if kept != 20:
            return
        with postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as conn:
            conn.execute("UPDATE senders SET lease_until = now() - interval '1 second'")
        merge = merge_hash(read_build_record(second.issue).files)
        takers.append(sender(second, batch=50, merge=merge))
        taken.extend(r.email for r in takers[0].unsent(limit=50))

    relay_a = RecordingHandler(pipelining=True, on_accept=take_over)
    with smtp_server(handler=relay_a) as relay:
        one_connection = first.with_server(relay.host, relay.port, connections=1, processes=1)
        summary = send_issue(first.issue, one_connection)  # so nothing else is in flight
    in_flight = relay_a.received[19].rcpt_tos[0].lower()  # its reply awaited at the takeover
    got_a = [r.rcpt_tos[0].lower() for r in relay_a.received]
    assert len(taken) == 50 and in_flight in taken, taken  # the first sender's claims
    assert len(got_a) == 20, f"sent after the takeover: {got_a[20:]}"
    assert set(got_a) & set(taken) == {in_flight}
    assert summary.sent == 20 and summary.stopped is not None and "\n" not in summary.stopped
    assert "lease ran out" in summary.stopped and "other senders take" in summary.stopped
    takers[0].close()  # the taker ends: the readers it did not send are free again
    relay_b = RecordingHandler(pipelining=True)
    with smtp_server(handler=relay_b) as relay:
        rest = send_issue(second.issue, second.with_server(relay.host, relay.port))
    assert rest.stopped is None and rest.sent == len(active) - 20
    copies = relay_a.by_recipient()
    for email, n in relay_b.by_recipient().items():
        copies[email] = copies.get(email, 0) + n
    assert copies == {email: 1 for email in active}


def test_a_lease_the_server_saw_run_out_is_never_renewed(pg_ws, postgres_server, postgres_url):
    """The lease's heartbeat renews only a lease the server still sees live: one it saw run
    out stays out (another sender may hold its readers), and the sender gives out no more."""
    add_readers(pg_ws, 5)
    server = pg_ws.settings.database_server
    assert server is not None
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=0.6, merge="m")
    assert journal is not None
    journal.register()  # renewed every 0.1 s
    database = postgres_url.rsplit("/", 1)[1]
    try:
        with postgres_server.connect(database) as conn:
            conn.execute("UPDATE senders SET lease_until = now() - interval '1 second'")
        wait_for(lambda: not journal._heartbeat.valid(), timeout=5.0)
        time.sleep(0.5)  # five renewals' time
        with postgres_server.connect(database) as conn:
            row = conn.execute("SELECT lease_until < now() FROM senders").fetchone()
        assert row == (True,)
        with pytest.raises(LeaseLost, match="lease ran out"):
            next(journal.unsent())
    finally:
        journal.close()


def host_lines(ws: Workspace, *extra: str) -> list[str]:
    """The host lines (with `--senders`, and the sender lines) of `--status` in `ws`."""
    return [x for x in status_of(ws, *extra).splitlines() if re.match(r"    (\S|  pid )", x)]


@pytest.mark.slow
def test_two_workspaces_on_one_machine_are_two_hosts_and_a_killed_one_stays_itself(two_hosts):
    """Through the command line: a workspace killed -9 mid-send reads as one host; its re-run
    (the workspace's id kept in its own state, never in newsletter.toml) is the same host,
    with both runs' senders; a second workspace on the same machine sending meanwhile is a
    host of its own, and only then does each line add its workspace id to the machine's
    name (by machine name alone the two read as one host)."""
    first, second = two_hosts
    add_readers(first, 150)
    toml = (first.root / "newsletter.toml").read_bytes()
    machine = socket.gethostname()
    relays = RecordingHandler(pipelining=True), RecordingHandler(pipelining=True)
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        killed = start_send(first, one, rate=40)
        wait_for(lambda: len(relays[0].received) >= 10)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        assert killed.stdout is not None
        killed.stdout.close()
        lines = host_lines(second)
        assert len(lines) == 1 and lines[0].startswith(f"    {machine}  "), lines
        runs = [start_send(first, one, rate=40), start_send(second, two, rate=40)]
        outputs = [run.communicate(timeout=120)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
    kept = (first.root / "postgresql-send.host").read_text("utf-8").split("\t")[0]
    lines = host_lines(second, "--senders")
    hosts = [
        re.match(rf"    {re.escape(machine)} \(workspace (\w+), /.*?\)  (\w+) ", x) for x in lines
    ]
    named = [found.groups() for found in hosts if found]
    assert len(named) == 2 and named[0][0] != named[1][0], lines
    assert (kept, "finished") in named, lines
    at = next(i for i, x in enumerate(lines) if f"(workspace {kept}, " in x)
    pids = list(itertools.takewhile(lambda x: x.startswith("      pid "), lines[at + 1 :]))
    assert len(pids) >= 2, lines  # the killed run's sender and the re-run's: one host
    assert (first.root / "newsletter.toml").read_bytes() == toml


def send_cli(ws: Workspace, relay, *extra: str) -> tuple[int, str]:
    """`newsletter send ISSUE --yes` in the workspace through `relay`, to the end."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--yes",
               *relay.send_flags, *extra]  # fmt: skip
    done = subprocess.run(command, cwd=ws.root, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def summary_event(output: str) -> dict:
    """The last JSON object `send --log-format json` printed: its summary event."""
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert events and events[-1]["step"] == "send", output
    return events[-1]


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_readers_held_for_a_host_cut_off_by_the_database_go_only_with_take_over(
    two_hosts, postgres_server, postgres_url, log_format
):
    """A sender whose lease ran out without a clean end on an earlier run of the server (cut
    off by a restart or a failover: its recovery file may hold accepted messages) keeps its
    claimed readers: another host sends the rest and says in one line who holds how many and
    what to do, exit 1; `--take-over` then sends them, saying so (in JSON: the count taken
    and the host held for), each reader one copy."""
    first, second = two_hosts
    readers = add_readers(first, 60)
    cut_off = sender(first, batch=20, merge=merge_hash(read_build_record(first.issue).files))
    held = [r.email for r in cut_off.unsent(limit=20)]
    assert cut_off._heartbeat is not None
    cut_off._heartbeat.stop()
    cut_off._heartbeat = None  # it ends without a clean end: its lease left to run out
    cut_off.close()
    with postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as conn:
        conn.execute(
            "UPDATE senders SET lease_until = now() - interval '1 second',"
            " server_epoch = 'a run of the server before a restart'"
        )
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        code, output = send_cli(second, relay)
        errors = [line for line in output.splitlines() if line.startswith("error:")]
        assert code == 1 and len(errors) == 1, output
        assert "20 reader(s) held" in errors[0] and "--take-over" in errors[0], errors
        assert sorted(handler.by_recipient()) == sorted(set(readers) - set(held))
        status = status_of(second)
        assert re.search(r"(?m)^    \S+  held  ", status), status
        assert f"run `newsletter send issues/{ISSUE_ID}` there" in status, status
        code, output = send_cli(second, relay, "--take-over", "--log-format", log_format)
        assert code == 0, output
        if log_format == "text":
            assert "Took over 20 reader(s) held for" in output, output
        else:
            event = summary_event(output)
            assert event["sent"] == 20 and event["taken_over"] == 20, event
            [taken] = event["taken_over_from"]
            assert taken["readers"] == 20 and f"    {taken['host']}  held  " in status, event
    assert handler.by_recipient() == {email: 1 for email in readers}


def test_take_over_on_a_sqlite_list_is_refused_in_one_line(send_ws):
    """`--take-over` is for a list on PostgreSQL: on a SQLite file (one sender) it is refused
    in one line, and nobody is mailed."""
    command = [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--yes",
               "--take-over"]  # fmt: skip
    done = subprocess.run(command, cwd=send_ws.root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "--take-over goes with a real send on PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_recovery_file_whose_reader_another_host_mailed_meanwhile_says_so(two_hosts, log_format):
    """A host cut off without the server restarting is taken over as if killed: when its
    re-run records its recovery file and finds a reader another host mailed meanwhile, its
    summary names it (two copies, one Message-ID; in JSON, counts them) instead of
    overwriting the other's outcome in silence; the journal keeps `sent`."""
    first, second = two_hosts
    readers = add_readers(first, 40)
    (first.root / "postgresql-send.unjournaled").write_text(
        f"{ISSUE_ID}\t{readers[0]}\tunknown\t<cut-off@example.org>\n", "utf-8"
    )
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        code, output = send_cli(second, relay, "--limit", "30")
        assert code == 0 and readers[0] in handler.by_recipient(), output
        code, output = send_cli(first, relay, "--log-format", log_format)
    assert code == 0, output  # the other host's `sent` kept over the file's `unknown`
    if log_format == "text":
        assert "Recorded 1 delivery(ies) from the last run's recovery file." in output, output
        assert (
            f"1 of them another host mailed again after this one lost the database ({readers[0]})"
            in output
        )
    else:
        event = summary_event(output)
        assert event["recovered"] == 1 and event["recovered_twice"] == 1, event
        assert event["taken_over"] == 0 and event["taken_over_from"] == [], event
        assert readers[0] not in output  # counts only: the text summary names the reader
    assert "sent        40" in status_of(first)
