"""The committer's writer connection runs its prepared statements straight through libpq
(newsletter/send/server_link.py, `run_prepared`): on a real server it answers as psycopg's
execute would, raises the same psycopg errors for a refusal and for a lost connection, and
prepares its statements again on the new connection it opens after a loss."""

from __future__ import annotations

import multiprocessing
import os
import resource

import psycopg
import pytest

from newsletter.database_url import parse_database
from newsletter.send import server_link
from newsletter.send.server_link import Prepared, ServerLink
from newsletter.subscribers.postgres import connect_postgres

ADD = Prepared("test_add", "SELECT %s::integer + %s::integer")
CHECKED = Prepared("test_checked", "INSERT INTO t (n) VALUES (%s::integer) RETURNING n")


@pytest.fixture
def link(postgres_url):
    """A writer link to a fresh database holding a table with a CHECK constraint."""
    server = parse_database(postgres_url)
    assert server is not None
    link = ServerLink(server)
    link.raw().execute("CREATE TABLE t (n integer CHECK (n > 0))")
    yield link
    link.renew()


def test_a_prepared_statement_answers_its_first_value_as_the_server_s_text(link):
    """Text parameters in, the first column of the first row out (None for no row)."""
    assert link.run_prepared(ADD, ["2", "40"]) == b"42"
    assert link.run_prepared(ADD, ["-1", "1"]) == b"0"  # prepared once, run again
    assert link.run_prepared(Prepared("test_none", "SELECT 1 WHERE false"), []) is None
    assert link.run_prepared(CHECKED, ["7"]) == b"7"
    assert link.raw().execute("SELECT n FROM t").fetchall() == [(7,)]  # committed (autocommit)


def test_a_refusal_is_psycopg_s_own_error_and_the_connection_stays(link):
    """A statement the server refuses raises the psycopg class of its SQLSTATE, not a lost
    connection: the journal reports it at once instead of waiting it out."""
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        link.run_prepared(CHECKED, ["-5"])
    assert not link.lost(refused.value)
    assert link.run_prepared(CHECKED, ["5"]) == b"5"


def test_a_lost_connection_is_seen_as_lost_and_the_next_one_prepares_again(link):
    """The server ends the session (as a restart or failover does): the error is one
    `lost` recognises, and after `renew` the statement is prepared on the new session."""
    assert link.run_prepared(ADD, ["1", "1"]) == b"2"
    pid = link.raw().pgconn.backend_pid
    with connect_postgres(link.server) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.Error) as gone:
        link.run_prepared(ADD, ["1", "2"])
    assert link.lost(gone.value)
    link.renew()
    assert link.run_prepared(ADD, ["1", "2"]) == b"3"
    assert link.raw().pgconn.backend_pid != pid


def test_a_statement_sent_ahead_is_run_and_committed_before_its_answer_is_read(link):
    """`send_prepared` returns before the answer; the server runs and commits the statement
    meanwhile (another session sees its row), and `answer` reads what run_prepared returns."""
    link.send_prepared(CHECKED, ["9"])
    with connect_postgres(link.server) as other:
        seen = []
        for _ in range(200):  # the server's own pace: a few ms at most
            seen = other.execute("SELECT n FROM t").fetchall()
            if seen:
                break
            other.execute("SELECT pg_sleep(0.01)")
    assert seen == [(9,)]
    assert link.answer() == b"9"
    assert link.run_prepared(ADD, ["40", "2"]) == b"42"  # the connection is free again


def test_an_answer_read_ahead_raises_the_refusal_or_the_loss_as_run_prepared_does(link):
    """A refused statement sent ahead raises its psycopg class at `answer` and the
    connection stays; a session ended meanwhile raises an error `lost` recognises."""
    link.send_prepared(CHECKED, ["-3"])
    with pytest.raises(psycopg.errors.CheckViolation) as refused:
        link.answer()
    assert not link.lost(refused.value)
    link.send_prepared(CHECKED, ["3"])
    assert link.answer() == b"3"
    pid = link.raw().pgconn.backend_pid
    with connect_postgres(link.server) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.Error) as gone:
        link.send_prepared(ADD, ["1", "1"])
        link.answer()
    assert link.lost(gone.value)


@pytest.mark.parametrize(
    ("answered", "ahead", "unready"),
    [(1, False, False), (2, False, False), (1, True, False), (2, True, False), (2, True, True)],
    ids=["frozen-at-prepare", "frozen-at-run", "frozen-at-prepare-ahead", "frozen-ahead",
         "answered-ahead-never-ready"],
)  # fmt: skip
def test_a_server_that_freezes_mid_send_is_a_lost_connection_within_the_answer_limit(
    monkeypatch, answered, ahead, unready
):
    """A server that logged the committer in and answered its first statements, then
    nothing (a paused host, a cut network), or answered one sent ahead but never said it was
    ready for the next: preparing, running or reading a statement sent ahead raises, within
    the answer limit, an error `lost` reads as a lost connection, so the journal waits for
    the server as for one gone (libpq's blocking calls waited for ever: a send froze with
    it)."""
    import multiprocessing

    from tests.support.silent_postgres import silent_postgres

    monkeypatch.setattr("newsletter.subscribers.postgres.ANSWER_SECONDS", 1.5)

    def committer(link: ServerLink, said) -> None:  # type: ignore[no-untyped-def]
        """In a process of its own: a libpq call that waits for ever may hold the
        interpreter's lock (PQgetResult does), and the test must still end."""
        try:
            if ahead:
                link.send_prepared(ADD, ["1", "1"])
                link.answer()
            else:
                link.run_prepared(ADD, ["1", "1"])
            said.send(("answered", "", False))
        except psycopg.Error as e:
            said.send((type(e).__name__, str(e), link.lost(e)))

    with silent_postgres(answered=answered, unready=unready) as port:  # 1: connect's limits
        server = parse_database(f"postgresql://news@127.0.0.1:{port}/letters")
        assert server is not None
        heard, said = multiprocessing.get_context("fork").Pipe(duplex=False)
        worker = multiprocessing.get_context("fork").Process(
            target=committer, args=(ServerLink(server), said), daemon=True
        )
        worker.start()
        worker.join(30)
        alive = worker.is_alive()
        if alive:
            worker.kill()
        assert not alive, "the committer still waits for a frozen server"
    kind, words, lost = heard.recv()
    assert kind == "OperationalError" and "no answer in 1.5 s" in words, (kind, words)
    assert lost


def test_an_answer_is_waited_for_on_a_descriptor_past_select_s_limit(link):
    """A sender with many connections open may get a socket numbered past 1,023, which
    select() refuses ("filedescriptor out of range"): the wait for an answer still works."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"this machine allows {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    fillers: list[int] = []
    link.renew()
    try:
        while not fillers or fillers[-1] < 1030:  # every lower descriptor taken
            fillers.extend(os.pipe())
        assert link.raw().pgconn.socket > 1023
        slow = Prepared("test_slow", "SELECT pg_sleep(%s::float8)::text || 'done'")
        assert link.run_prepared(slow, ["0.2"]) == b"done"  # not answered at once: waited
    finally:
        for fd in fillers:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_copy_answered_unasked_ends_the_wait_instead_of_reading_for_ever(link):
    """A hostile server or proxy answering with a COPY: libpq's results never end
    (get_result keeps giving the COPY), so the wait must stop at once with a lost
    connection, never collect results until memory runs out (run in a process of its own)."""

    def child(said) -> None:  # type: ignore[no-untyped-def]
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))  # a spin fails fast here
        conn = link.raw()
        conn.pgconn.send_query(b"COPY (SELECT 1) TO STDOUT")
        try:
            server_link._answers(conn)
            said.send(("answered", ""))
        except BaseException as e:  # MemoryError on the old code
            said.send((type(e).__name__, str(e)))

    heard, said = multiprocessing.get_context("fork").Pipe(duplex=False)
    worker = multiprocessing.get_context("fork").Process(target=child, args=(said,))
    worker.start()
    worker.join(30)
    if worker.is_alive():
        worker.kill()
    kind, words = heard.recv() if heard.poll(1) else ("nothing said", "")
    assert kind == "OperationalError" and "COPY" in words, (kind, words)
