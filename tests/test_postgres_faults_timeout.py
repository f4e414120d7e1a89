"""A statement timeout on the PostgreSQL server mid-send (SQLSTATE 57014), for real.

The database's statement_timeout is set low (as an administrator may set it for a role or a
database) and another session holds a lock the journal's writes wait for (as a `VACUUM
FULL`, a migration or a hand-run `LOCK TABLE` does).  The sender waits it out: a journal
write is an upsert, so a statement the server stopped is run again, with backoff, within the
journal's patience.  A lock held past that stops the send in one line naming host:port/dbname
and what to do; what the relay accepted is in the recovery file, and a re-run mails the rest,
each reader once.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.send.server_link import ServerLink
from tests.support.fault_commands import import_readers, one_error, send, wait_for
from tests.support.postgres_server import PASSWORD
from tests.support.send_workspace import ISSUE_ID
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


def cancelled_now(link: ServerLink) -> psycopg.Error:
    """The error the server gives a statement it cancels 'due to user request' on `link`'s
    connection (the backend signals itself, as its statement_timeout timer does)."""
    try:
        link.raw().execute("SELECT pg_cancel_backend(pg_backend_pid()), pg_sleep(5)")
    except psycopg.errors.QueryCanceled as e:
        return e
    raise AssertionError("the server did not cancel the statement")


CANCELLED = b"SELECT pg_cancel_backend(pg_backend_pid()), pg_sleep(5)"


def cancel_from(monkeypatch, first: int, last: float = float("inf")) -> None:
    """Every committer statement numbered `first` to `last` (in each process: the workers
    are forked with the count) cancelled by the server 'due to user request': one run on
    the spot raises the server's error, one sent ahead is a statement the server cancels, so
    its answer is that error."""
    run_prepared, send_prepared = ServerLink.run_prepared, ServerLink.send_prepared
    calls = [0]

    def run(link: ServerLink, statement, params):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if first <= calls[0] <= last:
            raise cancelled_now(link)
        return run_prepared(link, statement, params)

    def sent(link: ServerLink, statement, params):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if first <= calls[0] <= last:
            link.raw().pgconn.send_query(CANCELLED)
            return None
        return send_prepared(link, statement, params)

    monkeypatch.setattr(ServerLink, "run_prepared", run)
    monkeypatch.setattr(ServerLink, "send_prepared", sent)


def set_statement_timeout(postgres_server, url: str, value: str) -> None:
    """The database's own statement_timeout, for every session that logs in to it."""
    with postgres_server.connect() as conn:
        conn.execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET statement_timeout = {value!r}')


class LockHolder(threading.Thread):
    """A thread that, once `received` messages went out, locks `deliveries` against writes in
    a session of its own (no timeout) for `seconds`, then lets go; `at_lock` is how many had
    gone out when it got the lock."""

    def __init__(self, postgres_server, url: str, handler: RecordingHandler, received: int,
                 seconds: float) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.server, self.dbname = postgres_server, url.rsplit("/", 1)[1]
        self.handler, self.received, self.seconds = handler, received, seconds
        self.at_lock: int | None = None
        self.start()

    def run(self) -> None:
        wait_for(lambda: len(self.handler.received) >= self.received)
        with self.server.connect(self.dbname) as holder:
            holder.execute("BEGIN")
            holder.execute("SET LOCAL statement_timeout = 0")
            holder.execute("LOCK TABLE deliveries IN EXCLUSIVE MODE")  # reads go on
            self.at_lock = len(self.handler.received)
            time.sleep(self.seconds)
            holder.execute("ROLLBACK")


@pytest.mark.slow
def test_a_statement_timeout_mid_send_is_waited_out_and_every_reader_gets_one_copy(
    send_ws, postgres_url, postgres_server
):
    """statement_timeout 200 ms and a lock held 3 s mid-send: the journal's writes time out
    and are run again until the lock goes; the send finishes, every reader exactly once."""
    active = import_readers(send_ws, postgres_url, 300)
    set_statement_timeout(postgres_server, postgres_url, "200ms")
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        holder = LockHolder(postgres_server, postgres_url, handler, 30, seconds=3.0)
        code, output = send(send_ws, postgres_url, *relay.send_flags, "--rate", "40")
        holder.join(timeout=30)
    assert code == 0, output
    assert holder.at_lock is not None and holder.at_lock < len(active) - 40, holder.at_lock
    counts = handler.by_recipient()
    assert set(counts) == set(active) and set(counts.values()) == {1}


@pytest.mark.slow
def test_a_lock_held_past_the_patience_stops_in_one_line_and_a_rerun_mails_the_rest_once(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """With the journal's patience cut to 1.5 s and the lock held 6 s, the send stops in one
    line naming host:port/dbname, the statement timeout and what to do, exit 1, the accepted
    messages in the recovery file; a re-run once the lock is gone mails the rest, each once."""
    monkeypatch.setattr("newsletter.send.shared_journal.PATIENCE", 1.5)
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    monkeypatch.chdir(send_ws.root)
    active = import_readers(send_ws, postgres_url, 300)
    set_statement_timeout(postgres_server, postgres_url, "200ms")
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        holder = LockHolder(postgres_server, postgres_url, handler, 30, seconds=6.0)
        result = CliRunner().invoke(
            app, ["send", f"issues/{ISSUE_ID}", "--yes", *relay.send_flags, "--rate", "40"]
        )
        holder.join(timeout=30)
        assert result.exit_code == 1, result.output
        line = one_error(result.output)
        where = postgres_url.split("@", 1)[1]
        assert line.startswith(f"error: {where}: cannot record deliveries: "), line
        assert "the server stopped every try for 2 s" in line, line
        assert "statement timeout" in line and "ALTER ROLE" in line, line
        assert "the run stopped" in line and "postgresql-send.unjournaled" in line, line
        assert len(handler.received) < len(active)
        code, output = send(send_ws, postgres_url, *relay.send_flags)
    assert code == 0, output
    counts = handler.by_recipient()
    assert set(counts) == set(active), "a reader was lost to the timeout"
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]


def cancel_one_write(postgres_server, url: str, nth: int) -> str:
    """A trigger on the test database's `deliveries` that has the server cancel the `nth`
    row written, 'due to user request' (the backend signals itself and sleeps, as its
    statement_timeout timer does): the real write cancelled, by the server, with no mock.
    Its count is a sequence, which a rollback leaves as it is.  Returns the function's name,
    which the server's log names in the cancel's CONTEXT line."""
    dbname = url.rsplit("/", 1)[1]
    function = f"cancel_write_{dbname}"
    with postgres_server.connect(dbname) as conn:
        conn.execute("CREATE SEQUENCE deliveries_written")
        conn.execute(
            f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF nextval('deliveries_written') = {nth} THEN
                PERFORM pg_cancel_backend(pg_backend_pid());
                PERFORM pg_sleep(5);
              END IF;
              RETURN NEW;
            END $$"""
        )
        conn.execute(
            f"CREATE TRIGGER cancel_one BEFORE INSERT OR UPDATE ON deliveries "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
    return function


def cancels_logged(postgres_server, function: str) -> int:
    """How many statements the server's log says it cancelled 'due to user request' inside
    `function` (its ERROR line, then the CONTEXT lines naming the function)."""
    lines = postgres_server.log().splitlines()
    return sum(
        1
        for at, said in enumerate(lines)
        if "ERROR:  canceling statement due to user request" in said
        and any(f"function {function}()" in line for line in lines[at + 1 : at + 5])
    )


@pytest.mark.slow
def test_a_write_the_server_cancels_as_a_user_request_is_run_again(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """A journal write the server cancels 'due to user request' (as PostgreSQL words a
    statement_timeout whose signal lands after the statement before it ended) is run again,
    not a refusal: the server's own log shows the write cancelled, the send finishes, every
    reader exactly once, and the journal holds every outcome (the cancelled one written on
    the next try)."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    monkeypatch.chdir(send_ws.root)
    active = import_readers(send_ws, postgres_url, 40)
    function = cancel_one_write(postgres_server, postgres_url, 10)  # mid-send
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        result = CliRunner().invoke(app, ["send", f"issues/{ISSUE_ID}", "--yes", *relay.send_flags])
    assert result.exit_code == 0, result.output
    assert cancels_logged(postgres_server, function) == 1, postgres_server.log()[-3000:]
    counts = handler.by_recipient()
    assert set(counts) == set(active) and set(counts.values()) == {1}, counts
    with postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as conn:
        written = conn.execute("SELECT last_value FROM deliveries_written").fetchone()[0]
        journal = dict(conn.execute("SELECT lower(email), status FROM deliveries").fetchall())
    assert written > 10  # the cancelled write's row was written again after it
    assert journal == {email: "sent" for email in active}, journal


@pytest.mark.slow
def test_writes_the_server_cancels_past_the_patience_stop_naming_the_cancel(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """Every journal write cancelled 'due to user request' for the whole (cut) patience: the
    send stops in one line saying the server stopped every try and who may be cancelling
    them, not that the database refused it."""
    monkeypatch.setattr("newsletter.send.shared_journal.PATIENCE", 1.5)
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    monkeypatch.chdir(send_ws.root)
    import_readers(send_ws, postgres_url, 20)
    cancel_from(monkeypatch, 3)
    with smtp_server() as relay:
        result = CliRunner().invoke(app, ["send", f"issues/{ISSUE_ID}", "--yes", *relay.send_flags])
    assert result.exit_code == 1, result.output
    line = one_error(result.output)
    assert "cannot record deliveries: the server stopped every try for 2 s" in line, line
    assert "user request" in line and "pg_cancel_backend" in line and "refused" not in line, line


@pytest.mark.slow
def test_a_write_the_server_refuses_mid_send_stops_in_one_line_and_a_rerun_mails_the_rest_once(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """A journal write the server refuses mid-send with its own SQLSTATE and words that
    mimic another class and quote the password (a trigger an administrator added, or a
    proxy): one line naming host:port/dbname, the refusal, never the password nor the
    mimicked class's hint, exit 1; what the relay accepted is kept, and once the trigger is
    gone the same command mails the rest, every reader exactly once."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    monkeypatch.chdir(send_ws.root)
    active = import_readers(send_ws, postgres_url, 40)
    dbname = postgres_url.rsplit("/", 1)[1]
    words = f"cannot execute INSERT in a read-only transaction; the password is {PASSWORD}"
    with postgres_server.connect(dbname) as conn:
        conn.execute("CREATE SEQUENCE deliveries_written")
        conn.execute(
            f"""CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF nextval('deliveries_written') = 10 THEN
                RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = '{words}';
              END IF;
              RETURN NEW;
            END $$"""
        )
        conn.execute(
            "CREATE TRIGGER refuse_one BEFORE INSERT OR UPDATE ON deliveries "
            "FOR EACH ROW EXECUTE FUNCTION refuse_write()"
        )
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        flags = ["send", f"issues/{ISSUE_ID}", "--yes", *relay.send_flags]
        first = CliRunner().invoke(app, flags)
        assert first.exit_code == 1, first.output
        line = one_error(first.output)
        assert f"127.0.0.1:{postgres_server.port}/{dbname}" in line, line
        assert "refused it" in line and "standby" not in line, line
        assert PASSWORD not in first.output and "[password hidden]" in line, line
        with postgres_server.connect(dbname) as conn:
            conn.execute("DROP TRIGGER refuse_one ON deliveries")
        second = CliRunner().invoke(app, flags)
    assert second.exit_code == 0, second.output
    counts = handler.by_recipient()
    assert set(counts) == set(active), (first.output, second.output)
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
