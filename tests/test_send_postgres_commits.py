"""Outcomes on PostgreSQL are committed by the process's committer, and a worker's final `.`
waits for its previous outcome's commit (newsletter/send/outcome_committer.py): a kill -9
leaves at most one uncertain message per connection, and a commit that fails stops the send
before the next `.` with one line."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from newsletter.config import load_settings
from newsletter.database_url import parse_database
from newsletter.send import outcome_committer
from newsletter.send.journal import JournalWriteError, LeaseLost
from newsletter.send.outcome_committer import LINGER, OutcomeCommitter
from newsletter.send.recovery import read_recovery
from newsletter.send.sender import send_issue
from newsletter.send.server_link import ServerLink
from newsletter.send.shared_journal import PostgresJournal, local_state
from tests.support.send_workspace import Workspace
from tests.support.smtp_server import (
    RecordingHandler,
    assert_once_but_in_flight,
    settled,
    smtp_server,
)
from tests.test_send_postgres import add_readers, start_send, wait_for

pytest_plugins = ["tests.support.send_fixtures"]

CONNECTIONS = 2  # start_send's


@pytest.fixture
def pg_ws(send_ws, postgres_url, monkeypatch) -> Workspace:
    """The send workspace on a fresh PostgreSQL database."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    return Workspace(send_ws.root, load_settings(send_ws.root)[0])


def journaled_sent(postgres_server, dbname: str) -> int:
    """How many deliveries the server has committed as sent."""
    with postgres_server.connect(dbname) as conn:
        row = conn.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()
    return int(row[0])


@pytest.mark.slow
def test_a_final_dot_waits_for_the_previous_commit_so_a_kill_leaves_one_per_connection(
    pg_ws, postgres_server, postgres_url
):
    """With the journal's commits held back (a lock on `deliveries`), each connection sends at
    most one message past what is committed; killed -9 then and run again, every reader has
    one copy and only those (at most one per connection) went twice, with the same id."""
    active = add_readers(pg_ws, 400)
    dbname = postgres_url.rsplit("/", 1)[1]
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        killed = start_send(pg_ws, relay, "--rate", "200")
        wait_for(lambda: len(handler.received) >= 60)
        with postgres_server.connect(dbname) as blocker, blocker.transaction():
            blocker.execute("LOCK TABLE deliveries IN EXCLUSIVE MODE")  # reads go on
            received = settled(lambda: len(handler.received))
            committed = journaled_sent(postgres_server, dbname)
            assert 1 <= received - committed <= CONNECTIONS, (received, committed)
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=10)
            assert killed.stdout is not None
            killed.stdout.close()
        rerun = start_send(pg_ws, relay)
        output, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, output
    assert_once_but_in_flight(active, CONNECTIONS, handler)


@pytest.mark.slow
def test_a_kill_mid_send_with_gathered_commits_doubles_only_what_was_in_flight(
    pg_ws, postgres_server, postgres_url
):
    """Six connections at full speed, so that commits carry several outcomes (gathered, and
    written by whichever worker waits first): killed -9 at an arbitrary moment and run again,
    every reader has a copy, and at most one per connection has two, with one Message-ID."""
    connections = 6
    active = add_readers(pg_ws, 600)
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        killed = start_send(pg_ws, relay, "--connections", str(connections))
        wait_for(lambda: len(handler.received) >= 150)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        assert killed.stdout is not None
        killed.stdout.close()
        before_rerun = len(handler.received)
        assert before_rerun < len(active), "the kill came after the send had ended"
        rerun = start_send(pg_ws, relay)
        output, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, output
    assert_once_but_in_flight(active, connections, handler)


def test_a_commit_that_fails_stops_the_send_before_the_next_dot_with_one_line(pg_ws, monkeypatch):
    """The committer's write refused (injected on its 20th batch): the send stops with that
    one line; every message the relay took is in the journal or in the recovery file (none
    went out without a way to record it), and the next run mails the rest, one copy each."""
    active = add_readers(pg_ws, 300)
    real = PostgresJournal._statement  # each write's, sent ahead or run (once each)
    writes = {"n": 0}

    def failing(journal, rows):  # the mock injects the failure only, before it is sent
        writes["n"] += 1
        if writes["n"] >= 20:
            raise JournalWriteError("127.0.0.1: cannot record deliveries: injected refusal")
        return real(journal, rows)

    monkeypatch.setattr(PostgresJournal, "_statement", failing)
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        settings = pg_ws.with_server(relay.host, relay.port, connections=CONNECTIONS, rate=300.0)
        first = send_issue(pg_ws.issue, settings)
        assert first.journal_failed and first.stopped is not None
        assert "\n" not in first.stopped and "injected refusal" in first.stopped
        took = len(handler.received)
        kept = read_recovery(local_state(settings))
        journal = pg_ws.journal()
        try:
            in_journal = journal.counts(first=0).sent
        finally:
            journal.close()
        assert took == in_journal + len(kept), (took, in_journal, kept)
        assert len(kept) <= CONNECTIONS, kept
        monkeypatch.setattr(PostgresJournal, "_statement", real)
        second = send_issue(pg_ws.issue, settings)
    assert second.stopped is None and second.recovered == len(kept)
    assert handler.by_recipient() == {email: 1 for email in active}


def test_a_waiter_gets_the_committers_failure_and_later_outcomes_are_refused():
    """A write that fails wakes the worker waiting for it with the same one line, and the
    committer takes no outcome after that (nothing more can be sent)."""

    def refuse(rows, writer):
        raise JournalWriteError("db.example.org:5432/list: cannot record deliveries: disk full")

    committer = OutcomeCommitter(refuse, patience=5.0, gave_up="gave up")
    row = ("2026-W48", "ana@example.org", "sent", 1, "", "<id@x>", "2026-11-30T10:00:00Z")
    ticket = committer.add(row)
    with pytest.raises(JournalWriteError, match="disk full"):
        committer.wait([ticket])
    with pytest.raises(JournalWriteError, match="disk full"):
        committer.add(row)
    committer.close()


def test_outcomes_of_one_address_are_written_in_order_and_never_twice_in_a_batch():
    """A `pending` and then a `sent` for one address are written in two batches, in that
    order (one statement cannot update a row twice); other addresses share a batch."""
    batches: list[list[tuple[str, str]]] = []
    written = []

    def write(rows, writer):
        batches.append([(r[1], r[2]) for r in rows])
        written.extend(rows)

    committer = OutcomeCommitter(write, patience=5.0, gave_up="gave up")
    rows = [
        ("i", "ana@example.org", "pending", 1, "451", "<1@x>", "t1"),
        ("i", "ben@example.org", "sent", 1, "", "<2@x>", "t1"),
        ("i", "ANA@example.org", "sent", 1, "", "<3@x>", "t2"),
    ]
    with committer._changed:  # queue all three before the first writer looks
        tickets = [committer.add(row) for row in rows]
    committer.wait(tickets)
    committer.close()
    assert [(r[1].lower(), r[2]) for r in written] == [
        ("ana@example.org", "pending"),
        ("ben@example.org", "sent"),
        ("ana@example.org", "sent"),
    ]
    assert batches == [
        [("ana@example.org", "pending"), ("ben@example.org", "sent")],
        [("ANA@example.org", "sent")],
    ]


@pytest.mark.slow
def test_ctrl_c_on_postgresql_records_what_went_out_and_the_rerun_mails_everyone_once(pg_ws):
    """A Ctrl-C mid-send lets each worker's last outcome be committed: exit 130 with a
    summary, and the re-run mails the rest, every reader exactly one copy."""
    active = add_readers(pg_ws, 300)
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        process = start_send(pg_ws, relay, "--rate", "300")
        wait_for(lambda: len(handler.received) >= 40)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 130, output
        assert "interrupted; run the same command again to resume" in output
        assert "Traceback" not in output
        rerun = start_send(pg_ws, relay)
        rerun_output, _ = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, rerun_output
    assert handler.by_recipient() == {email: 1 for email in active}


def test_a_wait_past_a_mark_asks_for_the_lease_alone_and_raises_once_it_ran_out():
    """A worker with nothing queued waits at its final `.` for a statement begun after its
    reader was given out: the committer asks the server for the lease alone, and when the
    server saw it run out the wait raises LeaseLost; outcomes are still written."""
    statements: list[int] = []
    server = {"live": True}

    def write(rows, writer):
        statements.append(len(rows))
        return server["live"]

    committer = OutcomeCommitter(write, patience=5.0, gave_up="gave up", lost_line="lease lost")
    row = ("2026-W48", "ana@example.org", "sent", 1, "", "<id@x>", "2026-11-30T10:00:00Z")
    committer.wait([committer.add(row)])
    given_out = committer.mark()  # the next reader given out after that commit
    committer.wait([], since=given_out)  # live: one statement, the lease alone
    assert statements == [1, 0]
    server["live"] = False  # the server's clock passes the lease
    with pytest.raises(LeaseLost, match="lease lost"):
        committer.wait([], since=committer.mark())
    assert statements == [1, 0, 0]
    committer.wait([committer.add(row)])  # the outcome is true: still written
    assert statements == [1, 0, 0, 1]
    with pytest.raises(LeaseLost):  # and nothing more goes out
        committer.wait([], since=committer.mark())
    committer.close()


def test_the_lease_check_adds_no_statement_when_outcomes_are_queued():
    """The usual final `.`: the worker's previous outcome is queued after its mark, so the
    statement writing it (with the others queued) is the lease's check: no statement more."""
    statements: list[int] = []

    def write(rows, writer):
        statements.append(len(rows))
        return True

    committer = OutcomeCommitter(write, patience=5.0, gave_up="gave up")
    rows = [("i", f"r{n}@example.org", "sent", 1, "", f"<{n}@x>", "t") for n in range(3)]
    with committer._changed:  # queued before a writer looks
        marks = [committer.mark() for _ in rows]
        tickets = [committer.add(row) for row in rows]
    for ticket, mark in zip(tickets, marks, strict=True):
        committer.wait([ticket], since=mark)
    committer.close()
    assert statements == [3]


def test_a_send_checks_its_lease_at_each_final_dot_with_almost_no_statement_of_its_own(
    pg_ws, monkeypatch
):
    """Every message's final `.` rests on a check of the lease on the server, yet a send of
    400 readers adds a statement of its own (the lease alone) only where a worker had no
    outcome queued (its first message of a round): 1 in 200 measured, here at most 1 in 20."""
    active = add_readers(pg_ws, 400)
    real = PostgresJournal._write_outcomes
    sizes: list[int] = []

    def counted(journal, rows, writer, **ahead):  # counts the statements, changes nothing
        sizes.append(len(rows))
        return real(journal, rows, writer, **ahead)

    monkeypatch.setattr(PostgresJournal, "_write_outcomes", counted)
    handler = RecordingHandler(pipelining=True)
    with smtp_server(handler=handler) as relay:
        settings = pg_ws.with_server(relay.host, relay.port, connections=4, processes=1, rate=0)
        summary = send_issue(pg_ws.issue, settings)
    assert summary.sent == len(active) and handler.by_recipient() == dict.fromkeys(active, 1)
    assert sum(sizes) == len(active)  # every outcome written once
    assert 1 <= sizes.count(0) <= len(active) // 20, sizes.count(0)


def test_outcomes_queued_by_several_workers_go_in_one_statement_when_one_is_waited_for():
    """Outcomes handed over while nobody waits are gathered (held up to LINGER) and written
    in one statement, one commit, as soon as a worker waits for one of them."""
    statements: list[int] = []

    def write(rows, writer):
        statements.append(len(rows))
        return True

    committer = OutcomeCommitter(write, patience=5.0, gave_up="gave up")
    rows = [("i", f"r{n}@example.org", "sent", 1, "", f"<{n}@x>", "t") for n in range(4)]
    with committer._changed:  # four workers hand over within LINGER of one another
        tickets = [committer.add(row) for row in rows]
    committer.wait(tickets[:1])  # the first worker reaches its next final `.`
    committer.wait(tickets)
    committer.close()
    assert statements == [4]


def test_an_outcome_nobody_waits_for_is_committed_within_the_linger():
    """A worker that hands over its outcome and then does something else (a retry's wait,
    the next claim) does not leave it uncommitted: it is written within about LINGER."""
    written = threading.Event()

    def write(rows, writer):
        written.set()
        return True

    committer = OutcomeCommitter(write, patience=5.0, gave_up="gave up")
    began = time.monotonic()
    committer.add(("i", "ana@example.org", "sent", 1, "", "<1@x>", "t"))
    assert written.wait(1.0), "never written"
    assert time.monotonic() - began >= LINGER * 0.9  # held to gather others first
    committer.close()


def test_a_statement_sent_ahead_is_read_at_the_wait_and_a_bug_in_sending_it_stops_the_send():
    """`ahead` sends a worker's own queued outcomes at once and `wait` reads the answer
    (nothing written a second time); a bug while sending fails the committer: the waiter and
    every later outcome get one line naming it, and no connection stays taken."""
    sent: list[list[str]] = []
    read: list[int] = []

    def send(rows, writer):
        sent.append([r[1] for r in rows])
        return lambda: read.append(writer) or True

    def write(rows, writer):  # the patient way: never taken while an answer is pending
        raise AssertionError(f"written again: {rows}")

    committer = OutcomeCommitter(write, send=send, patience=5.0, gave_up="gave up")
    row = ("i", "ana@example.org", "sent", 1, "", "<1@x>", "t")
    with committer._changed:  # queued, and sent ahead before any writer thread looks
        ticket = committer.add(row)
        committer.ahead([ticket])
    assert sent == [["ana@example.org"]] and committer.queued() == [row]
    committer.wait([ticket])
    assert len(read) == 1 and committer.queued() == []  # read once, never written again
    committer.close()

    def broken(rows, writer):
        raise KeyError("a bug")

    committer = OutcomeCommitter(write, send=broken, patience=5.0, gave_up="gave up")
    with committer._changed:
        ticket = committer.add(row)
        committer.ahead([ticket])
    with pytest.raises(JournalWriteError, match="internal error in the journal's writer"):
        committer.wait([ticket])
    with pytest.raises(JournalWriteError, match="KeyError"):
        committer.add(row)
    assert committer._inline == set()
    committer.close()


def test_an_outcome_alone_is_held_for_a_partners_and_the_pair_read_by_who_waits_first(
    monkeypatch,
):
    """A worker's outcome is held while another worker sends ahead (module doc, "Pairs"):
    that worker's next `ahead` sends both in one statement, the held worker's `wait` reads
    its answer, and the partner's `wait` finds its outcome committed without reading."""
    monkeypatch.setattr(outcome_committer, "PARTNER", 60.0)  # a loaded machine's pauses
    sent: list[list[str]] = []
    read: list[str] = []

    def send(rows, writer):
        sent.append([r[1] for r in rows])
        return lambda: read.append(threading.current_thread().name) or True

    def write(rows, writer):
        raise AssertionError(f"written the patient way: {rows}")

    committer = OutcomeCommitter(write, send=send, patience=5.0, gave_up="gave up")
    rows = {n: ("i", f"{n}@example.org", "sent", 1, "", f"<{n}@x>", "t") for n in "ab"}
    tickets: dict[str, list[int]] = {}

    def partner(step: str) -> None:  # worker b's steps, on a thread of its own
        def run() -> None:
            if step == "add":
                with committer._changed:  # queued and sent before a writer thread looks
                    tickets["b"] = [committer.add(rows["b"])]
                    committer.ahead(tickets["b"])
            else:
                committer.wait(tickets["b"])

        thread = threading.Thread(target=run, name="b")
        thread.start()
        thread.join()

    partner("add")  # b sends alone (nobody else is active) ...
    partner("wait")  # ... and reads it
    time.sleep(outcome_committer.SOONEST * 4)
    with committer._changed:  # worker a, on this thread
        tickets["a"] = [committer.add(rows["a"])]
        committer.ahead(tickets["a"])  # held: b sent ahead a moment ago
    assert sent == [["b@example.org"]]
    partner("add")  # b's next outcome: both in one statement
    assert sent == [["b@example.org"], ["a@example.org", "b@example.org"]]
    committer.wait(tickets["a"])
    partner("wait")
    assert read == ["b", threading.current_thread().name]  # the pair read once, by a
    assert committer.queued() == []
    committer.close()


def test_a_held_outcome_no_partner_takes_is_written_at_its_workers_wait(monkeypatch):
    """A partner that stops sending (a retry's wait, its end) leaves the held outcome to its
    own worker's final `.`: written there, never left unwritten."""
    monkeypatch.setattr(outcome_committer, "PARTNER", 60.0)
    written: list[list[str]] = []

    def send(rows, writer):
        return lambda: True

    def write(rows, writer):
        written.append([r[1] for r in rows])
        return True

    committer = OutcomeCommitter(write, send=send, patience=5.0, gave_up="gave up")
    committer._active[-1] = time.monotonic() - outcome_committer.SOONEST * 4  # a partner
    with committer._changed:
        ticket = committer.add(("i", "a@example.org", "sent", 1, "", "<a@x>", "t"))
        committer.ahead([ticket])  # held
        assert committer.queued() and not written
    committer.wait([ticket])
    assert written == [["a@example.org"]]
    committer.close()


def test_no_outcome_is_held_for_a_partner_when_the_server_is_far(monkeypatch):
    """Through a server 2 ms away each way, a pair's answer came after the held worker's
    final `.` (a third of the rate lost): a server whose round trip is over NEAR gets each
    outcome sent ahead at once, as before pairs."""
    monkeypatch.setattr(outcome_committer, "PARTNER", 60.0)
    sent: list[list[str]] = []

    def send(rows, writer):
        sent.append([r[1] for r in rows])
        return lambda: True

    def write(rows, writer):
        raise AssertionError(f"written the patient way: {rows}")

    for near, expected in ((True, []), (False, [["a@example.org"]])):
        sent.clear()
        committer = OutcomeCommitter(
            write, send=send, near=lambda near=near: near, patience=5.0, gave_up="gave up"
        )
        committer._active[-1] = time.monotonic() - outcome_committer.SOONEST * 4  # a partner
        with committer._changed:
            ticket = committer.add(("i", "a@example.org", "sent", 1, "", "<a@x>", "t"))
            committer.ahead([ticket])
        assert sent == expected, near
        committer._active.clear()
        if not expected:
            committer.ahead([ticket])  # no partner now: sent alone
        committer.wait([ticket])
        committer.close()


def test_a_writer_link_times_its_first_round_trip(postgres_url):
    """Each new connection of a writer link times one round trip; the link keeps the
    shortest, which says how near the server is (outcome_committer.NEAR)."""
    server = parse_database(postgres_url)
    assert server is not None
    link = ServerLink(server)
    link.raw()
    first = link.round_trip
    assert first is not None and 0 < first < 1.0
    link.renew()
    link.raw()
    assert link.round_trip is not None and link.round_trip <= first
    link.renew()
