"""Every connection sets the server's own statement_timeout and lock_timeout below the answer
limit, on a real cluster: a statement that is only slow (waiting on a lock another session
holds) ends in the server's own error, one line naming it, never in "the server sent no
answer" (which a send takes for an outage: kept files, the outage clock, "unreachable")."""

from __future__ import annotations

import threading
import time

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.database_url import PostgresUrl
from newsletter.send.journal import UNREACHABLE
from newsletter.subscribers import postgres
from newsletter.subscribers.postgres import LONG_ANSWER_SECONDS, connect_postgres
from tests.support.fault_commands import import_readers, one_error, wait_for
from tests.support.send_workspace import ISSUE_ID
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]
runner = CliRunner()


def _limits(conn) -> tuple[str, str]:
    return (
        conn.execute("SHOW statement_timeout").fetchone()[0],
        conn.execute("SHOW lock_timeout").fetchone()[0],
    )


def test_each_connection_sets_the_server_limits_below_the_answer_limit(postgres_url):
    """120 s answer: 90 s statement, 60 s lock; db upgrade's and db copy's hour: 45 min, 60 s;
    a lower statement_timeout set for the database by its administrator is kept."""
    server = PostgresUrl(postgres_url)
    with connect_postgres(server) as conn:
        assert _limits(conn) == ("90s", "1min")
    with connect_postgres(server, answer_seconds=LONG_ANSWER_SECONDS) as conn:
        assert _limits(conn) == ("45min", "1min")
        dbname = server.where.rsplit("/", 1)[1]
        conn.execute(f'ALTER DATABASE "{dbname}" SET statement_timeout = 500')
    with connect_postgres(server, answer_seconds=LONG_ANSWER_SECONDS) as conn:
        assert _limits(conn) == ("500ms", "1min")
    with connect_postgres(server, answer_seconds=2.0) as conn:
        assert _limits(conn) == ("500ms", "1s")


def _hold_lock(
    postgres_url: str, table: str, seconds: float, after=lambda: True
) -> threading.Thread:
    """A second session that (once `after()` holds) locks `table` against writes for `seconds`."""

    def hold() -> None:
        wait_for(after)
        with connect_postgres(PostgresUrl(postgres_url)) as holder:
            holder.execute("BEGIN")
            holder.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE")
            held.set()
            time.sleep(seconds)
            holder.execute("ROLLBACK")

    held = threading.Event()
    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    thread.held = held  # type: ignore[attr-defined]
    return thread


@pytest.mark.slow
def test_a_command_waiting_on_a_lock_is_the_servers_one_line_not_no_answer(
    postgres_url, workspace, monkeypatch
):
    """`subscribers add` behind a lock held 6 s, with a 3 s answer limit: the server stops it
    for lock_timeout, one line saying so, not "the server sent no answer"."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    assert runner.invoke(app, ["subscribers", "add", "first@example.org"]).exit_code == 0
    monkeypatch.setattr(postgres, "ANSWER_SECONDS", 3.0)
    holder = _hold_lock(postgres_url, "subscribers", 6.0)
    assert holder.held.wait(10)  # type: ignore[attr-defined]
    result = runner.invoke(app, ["subscribers", "add", "second@example.org"])
    holder.join(10)
    assert result.exit_code == 1, result.output
    assert "lock timeout" in result.output and "lock_timeout" in result.output, result.output
    assert postgres.NO_ANSWER not in result.output


@pytest.mark.slow
def test_a_send_statement_slow_behind_a_lock_is_a_timeout_not_an_outage(
    send_ws, postgres_url, monkeypatch
):
    """A lock on `deliveries` held 8 s mid-send, a 3 s answer limit and 1.5 s patience: the
    send stops naming the statement and the lock timeout, never "unreachable" (an outage);
    a re-run once the lock is gone mails the rest, each reader once."""
    monkeypatch.setattr(postgres, "ANSWER_SECONDS", 3.0)
    monkeypatch.setattr("newsletter.send.shared_journal.PATIENCE", 1.5)
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    monkeypatch.chdir(send_ws.root)
    active = import_readers(send_ws, postgres_url, 300)
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        holder = _hold_lock(
            postgres_url, "deliveries", 8.0, after=lambda: len(handler.received) >= 30
        )
        flags = ["--yes", *relay.send_flags, "--rate", "40"]
        result = runner.invoke(app, ["send", f"issues/{ISSUE_ID}", *flags])
        holder.join(30)
        assert result.exit_code == 1, result.output
        line = one_error(result.output)
        where = postgres_url.split("@", 1)[1]
        assert line.startswith(f"error: {where}: cannot record deliveries: "), line
        assert "lock timeout" in line and "find what holds the lock" in line, line
        assert UNREACHABLE not in line and postgres.NO_ANSWER not in line, line
        rerun = runner.invoke(app, ["send", f"issues/{ISSUE_ID}", *flags])
    assert rerun.exit_code == 0, rerun.output
    counts = handler.by_recipient()
    assert set(counts) == set(active), "a reader was lost to the lock"
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
