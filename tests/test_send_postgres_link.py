"""The committer's writer connection runs its prepared statements straight through libpq
(newsletter/send/server_link.py, `run_prepared`): on a real server it answers as psycopg's
execute would, raises the same psycopg errors for a refusal and for a lost connection, and
prepares its statements again on the new connection it opens after a loss."""

from __future__ import annotations

import psycopg
import pytest

from newsletter.database_url import parse_database
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
