"""A URL that leaves out its user, database or host: the login fails as libpq's default for it
fails, and the line says the URL named none, with the URL to write.

libpq takes this system's user for a user left out, the user's name for a database left
out, and a Unix socket on this machine for a host left out.  The server's words named only
what it took (`password authentication failed for user "root"`, `database "news" does not
exist`), and the hint said to fix the URL's user and database name, or to create the
database, or to check the setting, when the URL had none of them (tried as a new user).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.postgres_server import PASSWORD
from tests.support.smtp_server import free_port

runner = CliRunner()
URL_FORM = "postgresql://user@host:5432/dbname"


@pytest.fixture
def env(workspace, postgres_server, monkeypatch):
    """The workspace, the test server's password, and none of libpq's own defaults set."""
    for variable in ("PGUSER", "PGDATABASE", "PGHOST", "PGHOSTADDR", "PGPASSWORD", "PGPORT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    return postgres_server


@pytest.fixture(scope="module")
def lone_role(postgres_server):
    """A role that may log in and has no database of its name."""
    with postgres_server.connect() as conn:
        conn.execute(f"CREATE ROLE lone_role LOGIN PASSWORD '{PASSWORD}'")
    yield "lone_role"
    with postgres_server.connect() as conn:
        conn.execute("DROP ROLE lone_role")


def _line(monkeypatch, url: str) -> str:
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
    result = runner.invoke(app, ["subscribers", "count"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output
    return result.output


def test_no_database_in_the_url_is_named_not_created(env, lone_role, monkeypatch):
    """`postgresql://lone_role@host:port` (no `/letters`): libpq asks for a database named as
    the user; the line says the URL names none, not "create it first (createdb)"."""
    line = _line(monkeypatch, f"postgresql://{lone_role}@{env.host}:{env.port}")
    assert f'database "{lone_role}" does not exist' in line
    assert "the URL names no database" in line and URL_FORM in line
    assert "createdb" not in line
    # A database the URL does name and the server has not: the usual hint, as before.
    line = _line(monkeypatch, env.url("no_such_database"))
    assert "createdb" in line and "the URL names no" not in line


def test_no_user_in_the_url_is_named(env, monkeypatch):
    """`postgresql://host:port/postgres` (no `user@`): libpq logs in as this system's user;
    the line says the URL names no user, beside the password's hint.  A wrong password, so
    that a test run as the system user `postgres` is refused too."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", "not the password")
    line = _line(monkeypatch, f"postgresql://{env.host}:{env.port}/postgres")
    assert "the URL names no user" in line and URL_FORM in line
    assert "NEWSLETTER_DATABASE_PASSWORD" in line and "not the password" not in line


def test_no_host_in_the_url_is_named(env, monkeypatch):
    """`postgresql:///letters?port=N` (no host): libpq looks for a Unix socket on this machine;
    with none there the line says the URL names no host, and to write 127.0.0.1."""
    line = _line(monkeypatch, f"postgresql:///letters?port={free_port()}")
    assert "the URL names no host" in line and "postgresql://user@127.0.0.1:5432/dbname" in line
