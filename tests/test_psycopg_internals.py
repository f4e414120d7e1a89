"""The psycopg internals subscribers/postgres.py leans on are still there (psycopg is pinned).

`_AnsweringConnection` bounds each wait for the server's answer by overriding
`Connection.wait(gen, interval, timeout)`, defaulting `interval` to psycopg's private
`_WAIT_INTERVAL` and catching its private `errors._WaitTimeout`. Neither is public API: a
psycopg upgrade may rename them, and then every PostgreSQL command would die on an import
error or, worse, a silent server would hold a send for ever again. These tests name what moved;
tests/test_postgres_silent_server.py checks the behaviour itself against a real silent server.
"""

from __future__ import annotations

import inspect

import psycopg
import psycopg.connection
import psycopg.errors

UPGRADE_HINT = (
    "psycopg {version} no longer has {name}, which newsletter/subscribers/postgres.py "
    "(_AnsweringConnection) relies on: adapt it to the new psycopg before moving the pin in "
    "pyproject.toml"
)


def _missing(name: str) -> str:
    return UPGRADE_HINT.format(version=psycopg.__version__, name=name)


def test_the_wait_interval_is_still_psycopg_connection_WAIT_INTERVAL():
    """`psycopg.connection._WAIT_INTERVAL` exists and is a number of seconds."""
    value = getattr(psycopg.connection, "_WAIT_INTERVAL", None)
    assert isinstance(value, int | float) and value > 0, _missing(
        "psycopg.connection._WAIT_INTERVAL"
    )


def test_the_wait_timeout_is_still_psycopg_errors_WaitTimeout():
    """`psycopg.errors._WaitTimeout` exists and is an OperationalError, as we catch it."""
    value = getattr(psycopg.errors, "_WaitTimeout", None)
    assert isinstance(value, type) and issubclass(value, psycopg.OperationalError), _missing(
        "psycopg.errors._WaitTimeout (an OperationalError)"
    )


def test_connection_wait_still_takes_gen_interval_and_timeout():
    """`Connection.wait` still takes (gen, interval, timeout), the signature we override."""
    params = list(inspect.signature(psycopg.Connection.wait).parameters)
    assert params[:4] == ["self", "gen", "interval", "timeout"], _missing(
        f"Connection.wait(self, gen, interval, timeout) (it is now {params})"
    )
