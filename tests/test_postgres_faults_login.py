"""Logging in to PostgreSQL fails, and every command that needs the database says so alike.

A wrong password, a role refused by pg_hba.conf, a role without LOGIN, a database that does
not exist, a server that is down: each of `db upgrade`, `subscribers import`, `send`,
`bounces process` and `serve` (before it listens) prints one line naming host:port/dbname and
what to do, exits 1, and never shows a password, the wrong one tried or the right one.
Then `serve` as its own process with the server gone mid-run: 503 with Retry-After, nothing
changed, and the same request works once the server is back.
"""

from __future__ import annotations

import httpx
import pytest

from newsletter.config import load_settings
from newsletter.mail.unsubscribe import sign_token
from newsletter.serve.app import create_app
from newsletter.serve.audience import Audience
from newsletter.serve.runner import running_server
from tests.support.fault_commands import import_readers, listed, newsletter, one_error, wait_for
from tests.support.postgres_server import PASSWORD
from tests.support.send_workspace import ISSUE_ID
from tests.support.serve_process import running_serve
from tests.support.smtp_server import free_port
from tests.support.tcp_relay import tcp_relay

pytest_plugins = ["tests.support.send_fixtures"]

WRONG = "wrong-Passw0rd-for-the-test"  # tried, and must never be shown either
OTHER_ROLE_PASSWORD = "the roles own Passw0rd"
COMMANDS = {
    "db upgrade": ("db", "upgrade"),
    "import": ("subscribers", "import", "readers.csv"),
    "send": ("send", f"issues/{ISSUE_ID}", "--yes", "--smtp-host", "127.0.0.1",
             "--smtp-port", "9", "--smtp-security", "none"),
    "bounces": ("bounces", "process", "reports.mbox"),
    "serve": ("serve", "--port", "0"),
}  # fmt: skip


@pytest.fixture
def ws(send_ws):
    """The send workspace with a CSV to import and an empty mailbox to read."""
    (send_ws.root / "readers.csv").write_text("email\nreader@example.org\n", "utf-8")
    (send_ws.root / "reports.mbox").write_text("", "utf-8")
    return send_ws


@pytest.fixture(scope="module")
def roles(postgres_server):
    """A role without LOGIN and one that pg_hba.conf rejects (its line first, then reloaded)."""
    hba = postgres_server.root / "data" / "pg_hba.conf"
    original = hba.read_text()
    with postgres_server.connect() as conn:
        conn.execute(f"CREATE ROLE no_login NOLOGIN PASSWORD '{OTHER_ROLE_PASSWORD}'")
        conn.execute(f"CREATE ROLE rejected LOGIN PASSWORD '{OTHER_ROLE_PASSWORD}'")
        hba.write_text("host all rejected 127.0.0.1/32 reject\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    yield
    hba.write_text(original)
    with postgres_server.connect() as conn:
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("DROP ROLE no_login")
        conn.execute("DROP ROLE rejected")


def refusal(postgres_server, case: str) -> tuple[str, str, str]:
    """(URL, password to give, words the line must hold) for each way a login fails."""
    base = postgres_server.url
    if case == "wrong password":
        return base("postgres"), WRONG, "NEWSLETTER_DATABASE_PASSWORD"
    if case == "no such database":
        return base("no_such_database"), PASSWORD, "createdb"
    if case == "role without LOGIN":
        return base("postgres", "no_login"), OTHER_ROLE_PASSWORD, "ALTER ROLE"
    if case == "refused by pg_hba.conf":
        return base("postgres", "rejected"), OTHER_ROLE_PASSWORD, "ask its administrator"
    port = free_port()  # nothing listens there
    return f"postgresql://postgres@127.0.0.1:{port}/letters", PASSWORD, "is PostgreSQL running"


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    "case",
    ["wrong password", "no such database", "role without LOGIN", "refused by pg_hba.conf",
     "server down"],
)  # fmt: skip
def test_a_login_that_fails_is_one_line_naming_the_server_and_never_a_password(
    ws, postgres_server, roles, case, command
):
    """Each way a login fails, through each command that needs the database: one line naming
    host:port/dbname and what to do, exit 1, no password (tried or right) in the output."""
    url, password, advice = refusal(postgres_server, case)
    code, output = newsletter(ws, *COMMANDS[command], url=url, password=password, timeout=60)
    assert code == 1, output
    line = one_error(output)
    where = url.split("@", 1)[1]
    assert line.startswith(f"error: {where}: cannot connect ("), line
    assert advice in line, line
    for secret in (WRONG, PASSWORD, OTHER_ROLE_PASSWORD):
        assert secret not in output
    assert not (ws.root / "postgresql:").exists()


@pytest.mark.slow
@pytest.mark.parametrize("key", ["environment", "database"])
def test_serve_with_postgresql_gone_answers_503_changes_nothing_and_recovers(
    ws, postgres_url, postgres_server, monkeypatch, key
):
    """`newsletter serve --workers 2` as its own process, the database cut off as soon as it
    listens (its workers start while it is down, the unsubscribe key in the environment or
    kept in the database): a one-click unsubscribe is 503 with Retry-After and the reader
    stays active; with the server back the same request works."""
    [reader] = import_readers(ws, postgres_url, 1)
    secret = b"test-secret-0123456789abcdef"
    if key == "database":
        monkeypatch.delenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET")
    with tcp_relay(postgres_server.host, postgres_server.port) as address:
        url = postgres_url.replace(f":{postgres_server.port}/", f":{address.port}/")
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
        with running_serve(ws.root, "--workers", "2") as base:
            if key == "database":  # made by serve before it listened
                with postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as conn:
                    row = conn.execute(
                        "SELECT key FROM signing_keys WHERE name = 'unsubscribe'"
                    ).fetchone()
                    secret = bytes(row[0])
            token = sign_token(reader, secret, "the-test-brief.example.org")
            link = f"{base}/unsubscribe?token={token}"
            address.stop()  # open connections cut, new ones refused
            gone = [httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30)
                    for _ in range(3)]  # fmt: skip
            assert {r.status_code for r in gone} == {503}
            assert all(r.headers["Retry-After"] == "30" for r in gone)
            assert listed(ws, postgres_url) == {reader: "active"}
            address.start()
            answers: list[httpx.Response] = []  # a reader's mail client retries after Retry-After

            def applied() -> bool:
                answers.append(httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=30))
                return answers[-1].status_code != 503

            wait_for(applied, timeout=30)  # a worker's next login may wait up to its 1 s pause
            assert answers[-1].status_code == 200, answers[-1].text
    assert listed(ws, postgres_url) == {reader: "unsubscribed"}


def test_a_serve_worker_shows_the_sign_up_form_while_postgresql_is_down(
    ws, postgres_url, postgres_server, monkeypatch
):
    """A worker of `serve --workers N` started with the server up (the unsubscribe key kept in
    the database) still shows the sign-up form once PostgreSQL goes: it read the key as it
    started.  It read the key at its first use only, so a worker that had signed no form yet
    answered `GET /subscribe` 503 through the outage (found trying issue 18 as a new user;
    docs/postgresql.md says the form still answers)."""
    monkeypatch.delenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET")
    with tcp_relay(postgres_server.host, postgres_server.port) as address:
        url = postgres_url.replace(f":{postgres_server.port}/", f":{address.port}/")
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
        settings, _ = load_settings(ws.root)
        Audience(settings).close()  # the parent: the schema upgraded, the key made
        worker = Audience(settings, upgrade=False)
        app = create_app(settings, audience=worker)
        with running_server(app) as server:
            address.stop()  # open connections cut, new ones refused
            page = httpx.get(f"{server.url}/subscribe", timeout=30)
    assert page.status_code == 200, page.text
    assert 'name="form_token"' in page.text


def test_a_database_named_like_the_password_is_still_a_refused_login_with_its_hint(
    postgres_server, monkeypatch
):
    """A database whose name holds half the password (`capped_news`, password `capped pw`)
    that does not exist: the server's words are hidden whole as they might echo the password,
    yet the login is still read as refused (LoginRefused: no wait mends it) with the hint for
    a missing database, read from what the server said, not from what is shown."""
    from newsletter.database_url import parse_database
    from newsletter.subscribers.postgres import LoginRefused, connect_postgres

    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    monkeypatch.setenv("PGPASSWORD", "capped pw")
    server = parse_database(postgres_server.url("capped_news"))
    assert server is not None
    with pytest.raises(LoginRefused) as refused:
        connect_postgres(server)
    line = str(refused.value)
    assert "capped" not in line.split("(", 1)[1].split(")", 1)[0], line  # the words hidden
    assert "create it first (createdb)" in line, line


@pytest.mark.parametrize(
    ("role", "dbname"),
    [
        ("password authentication failed", "postgres"),
        ("does not exist", "postgres"),
        ("capped", "ssl_letters"),
    ],
    ids=["role-like-a-refusal", "role-like-a-missing-database", "database-named-ssl"],
)
def test_a_name_mimicking_another_refusal_is_still_read_as_no_slot_left(
    postgres_server, monkeypatch, role, dbname
):
    """No connection slot left for a role or database whose name holds the words of another
    refusal (a role named `does not exist`, a database `ssl_letters`): still NoSlotLeft
    (waited for, never a refused login), with the slot's hint, not the TLS one or createdb's:
    the words that classify are PostgreSQL's, not the quoted name's."""
    from urllib.parse import quote

    from newsletter.database_url import parse_database
    from newsletter.subscribers.postgres import LoginRefused, NoSlotLeft, connect_postgres

    with postgres_server.connect() as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
            conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{OTHER_ROLE_PASSWORD}'")
        if dbname != "postgres":
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{dbname}"')
            conn.execute(f'ALTER DATABASE "{dbname}" CONNECTION LIMIT 0')
        else:
            conn.execute(f'ALTER ROLE "{role}" CONNECTION LIMIT 0')
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", OTHER_ROLE_PASSWORD)
    server = parse_database(postgres_server.url(dbname, user=quote(role)))
    assert server is not None
    with pytest.raises(NoSlotLeft) as refused:
        connect_postgres(server)
    line = str(refused.value)
    assert not isinstance(refused.value, LoginRefused), line
    assert "no connection slot left" in line and "TLS" not in line, line
    assert "createdb" not in line and "refused the login" not in line, line
    assert OTHER_ROLE_PASSWORD not in line, line
