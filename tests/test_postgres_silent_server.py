"""A PostgreSQL server that logs us in and then answers nothing (a frozen host or virtual
machine, a proxy holding the query, a fake server on 127.0.0.1), and one that stops answering
mid-run: each command stops in one line naming host:port, and serve answers 503; libpq alone
waited for ever."""

from __future__ import annotations

import threading

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_token
from newsletter.serve.runner import running_server
from tests.support.bounce_messages import TEST_LIST_ID, TEST_SECRET
from tests.support.cli_errors import one_error_line, run
from tests.support.silent_postgres import silent_postgres
from tests.support.tcp_relay import tcp_relay

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

READER = "reader@example.org"


def within(seconds: float, *args: str):
    """`newsletter ARGS` run in-process; the test fails (not hangs) past `seconds`."""
    done: list = []
    worker = threading.Thread(target=lambda: done.append(run(*args)), daemon=True)
    worker.start()
    worker.join(seconds)
    if not done:
        pytest.fail(f"`newsletter {' '.join(args)}` still waited after {seconds:.0f} s")
    return done[0]


@pytest.mark.parametrize(
    "args",
    [("db", "upgrade"), ("subscribers", "count"), ("subscribers", "add", READER)],
    ids=["db-upgrade", "count", "add"],
)
def test_a_server_that_logs_in_and_answers_nothing_is_one_line(workspace, monkeypatch, args):
    """Logged in, then silence: one line naming 127.0.0.1:port, within the answer limit."""
    monkeypatch.setattr("newsletter.subscribers.postgres.ANSWER_SECONDS", 1.5)
    with silent_postgres() as port:
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", f"postgresql://news@127.0.0.1:{port}/letters")
        result = within(30, *args)
    line = one_error_line(result, f"127.0.0.1:{port}/letters", "no answer in 1.5 s")
    assert "stopped answering" in line


def test_a_server_that_answers_the_login_with_garbage_is_one_line(workspace, monkeypatch):
    """An HTTP answer to the startup packet: one line naming host:port, at once."""
    with silent_postgres(garbage=True) as port:
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", f"postgresql://news@127.0.0.1:{port}/letters")
        result = within(30, "db", "upgrade")
    one_error_line(result, f"127.0.0.1:{port}/letters", "cannot connect")


@pytest.mark.parametrize("serve_backend", ["postgresql"])
def test_a_server_that_stops_answering_mid_run_is_503_and_serve_recovers(
    served_ws, smtpd, audience_app, postgres_server, monkeypatch
):
    """The server's network freezes (bytes taken, nothing answered) while serve runs: a
    one-click is 503 within the answer limit, changing nothing, and works once it thaws."""
    monkeypatch.setattr("newsletter.serve.server_link.ANSWER_SECONDS", 2.0)
    served_ws.add(READER)
    with tcp_relay(postgres_server.host, postgres_server.port) as relay:
        ws = served_ws.on_server(
            served_ws.settings.database.replace(f":{postgres_server.port}/", f":{relay.port}/")
        )
        app = audience_app(ws, smtpd)[0]
        with running_server(app) as server, httpx.Client(timeout=30) as http:
            url = f"{server.url}/unsubscribe?token={sign_token(READER, TEST_SECRET, TEST_LIST_ID)}"
            assert http.get(url).status_code == 200  # the worker's connection is made
            relay.freeze()
            frozen = http.post(url, data={"List-Unsubscribe": "One-Click"})
            assert frozen.status_code == 503 and frozen.headers["Retry-After"]
            relay.stop()  # the frozen connections go; serve connects again
            relay.start()
            back = http.post(url, data={"List-Unsubscribe": "One-Click"})
    assert back.status_code == 200
    with served_ws.store() as store:
        assert store.get(READER).status == "unsubscribed"


@pytest.mark.parametrize(
    "flags", [(), ("--status",), ("--dry-run",)], ids=["send", "status", "dry"]
)
def test_a_send_against_a_server_that_answers_nothing_is_one_line(send_ws, monkeypatch, flags):
    """`send`, `send --status` and a dry run of a built issue against the silent server: one
    line naming it once the journal's patience for a lost server is spent, nothing mailed."""
    monkeypatch.setattr("newsletter.subscribers.postgres.ANSWER_SECONDS", 1.5)
    monkeypatch.setattr("newsletter.send.shared_journal.PATIENCE", 3.0)
    monkeypatch.chdir(send_ws.root)
    with silent_postgres() as port:
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", f"postgresql://news@127.0.0.1:{port}/letters")
        result = within(60, "send", "issues/2026-W48", "--yes", *flags)
    one_error_line(result, f"127.0.0.1:{port}/letters", "no answer in 1.5 s")


@pytest.mark.parametrize("variable", ["NEWSLETTER_DATABASE_PASSWORD", "PGPASSWORD"])
def test_a_server_quoting_the_password_back_never_shows_it(workspace, monkeypatch, variable):
    """A server that asks for the password in clear text and refuses the login quoting it:
    the one line says the login was refused, the password hidden."""
    monkeypatch.delenv("NEWSLETTER_DATABASE_PASSWORD", raising=False)
    monkeypatch.setenv(variable, "Secr3t-of-the-list")
    url = "postgresql://news@127.0.0.1:{port}/letters?require_auth=password"  # trusted, knowingly
    with silent_postgres(echo=True) as port:
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url.format(port=port))
        for args in (("db", "upgrade"), ("subscribers", "count")):
            line = one_error_line(within(30, *args), f"127.0.0.1:{port}/letters", "refused")
            assert "Secr3t" not in line and "[password hidden]" in line


def test_a_server_asking_for_the_password_in_clear_text_never_gets_it(workspace, monkeypatch):
    """By default the password is never sent in clear text (libpq's require_auth=!password):
    a server asking for it so (a fake one on the way, or the `password` method) is one line
    saying how to allow it, and gets nothing."""
    from tests.support.silent_postgres import RECEIVED

    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", "Secr3t-of-the-list")
    RECEIVED.clear()
    with silent_postgres(echo=True) as port:
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", f"postgresql://news@127.0.0.1:{port}/letters")
        line = one_error_line(within(30, "db", "upgrade"), f"127.0.0.1:{port}/letters")
    assert "clear text" in line and "require_auth=password" in line
    assert RECEIVED == []


def test_a_servers_escape_sequences_never_reach_serves_log(send_ws, smtpd, caplog):
    """A server refusing serve's connection with ESC and BEL in its words (a terminal title, a
    screen clear): the one-click is 503, and the log line shows them escaped."""
    from dataclasses import replace

    from newsletter.serve.app import create_app
    from newsletter.serve.audience import Audience

    refusal = b"no \x1b]0;owned\x07 entry \x1b[2J for you \x9b31m"
    with silent_postgres(refusal=refusal) as port:
        url = f"postgresql://news@127.0.0.1:{port}/letters"
        settings = replace(send_ws.on_server(url).with_server(smtpd.host, smtpd.port))
        app = create_app(settings, audience=Audience(settings, upgrade=False))
        with running_server(app) as server, httpx.Client(timeout=30) as http:
            token = sign_token(READER, TEST_SECRET, TEST_LIST_ID)
            answer = http.post(
                f"{server.url}/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"}
            )
    assert answer.status_code == 503
    logged = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    assert logged and all("\x1b" not in line and "\x07" not in line for line in logged)
    assert "\\x1b]0;owned\\x07" in logged[0]


@pytest.mark.slow
def test_a_server_that_freezes_mid_send_stops_it_in_one_line_and_loses_nobody(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """The database's network freezes mid-send (every connection kept, nothing answered, as
    from a paused host): the send stops in one line naming it once its answer limit and
    patience are spent, instead of waiting in libpq for ever; thawed, the same command mails
    the rest, every reader exactly once (what the relay accepted meanwhile kept on disk)."""
    from newsletter.config import load_settings
    from newsletter.send.sender import send_issue
    from tests.support.send_workspace import Workspace
    from tests.support.smtp_server import RecordingHandler, smtp_server
    from tests.test_send_postgres import add_readers

    monkeypatch.setattr("newsletter.subscribers.postgres.ANSWER_SECONDS", 2.0)
    monkeypatch.setattr("newsletter.subscribers.postgres.CONNECT_TIMEOUT", 2)
    monkeypatch.setattr("newsletter.send.shared_journal.PATIENCE", 3.0)
    with tcp_relay(postgres_server.host, postgres_server.port) as database:
        url = postgres_url.replace(f":{postgres_server.port}/", f":{database.port}/")
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
        ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
        active = add_readers(ws, 120)
        handler = RecordingHandler()
        with smtp_server(handler=handler) as relay:
            settings = ws.with_server(relay.host, relay.port, rate=100.0)
            done: list = []
            sender = threading.Thread(
                target=lambda: done.append(send_issue(ws.issue, settings)), daemon=True
            )
            sender.start()
            while len(handler.received) < 30 and sender.is_alive():
                sender.join(0.05)
            database.freeze()
            sender.join(120)
            assert done, "the send still waits for a frozen database"
            first = done[0]
            assert first.stopped is not None and f"127.0.0.1:{database.port}" in first.stopped
            assert "the run stopped" in first.stopped, first.stopped
            database.stop()  # the frozen connections go; the same address answers again
            database.start()
            second = send_issue(ws.issue, settings)
    assert second.stopped is None, second.stopped
    counts = handler.by_recipient()
    assert set(counts) == set(active), (first, second)
    assert set(counts.values()) == {1}, ([e for e, n in counts.items() if n > 1], first, second)
