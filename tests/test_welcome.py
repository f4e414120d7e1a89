"""The welcome email (issue 19, part 5): a real `serve` confirmation, a real relay (aiosmtpd on
127.0.0.1), `newsletter run` for what the relay refused to take, the delivery journal.

The delivery tests run on each backend (`ws`): the workspace's SQLite file, then a fresh
PostgreSQL database (tests/support/postgres_server.py), as tests/support/backend_workspace.py
does for the send; a test about one backend's own parts pins it."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from typer.testing import CliRunner

from newsletter.cli import app as cli_app
from newsletter.config import Settings, load_settings, settings_from_mapping
from newsletter.errors import ConfigError
from newsletter.issue.run_state import read_run_state, record_step
from newsletter.serve.app import ServeOptions, create_app
from newsletter.serve.audience import Audience
from newsletter.serve.runner import running_server
from newsletter.subscribers.suppression import forget
from newsletter.week.run import EXIT_FAILED, EXIT_OK, RunEvent, RunOptions, run_week
from newsletter.welcome.compose import WELCOME_ID
from newsletter.welcome.delivery import send_welcomes
from tests.support.form_token import sign_up_token
from tests.support.send_workspace import Workspace
from tests.support.smtp_server import Server, free_port, smtp_server
from tests.support.week_workspace import MONDAY, make_week_workspace

READER = "new.reader@example.org"
SECRET = "test-secret-0123456789abcdef"


SQLITE_ONLY = pytest.mark.parametrize("ws", ["sqlite"], indirect=True)
POSTGRES_ONLY = pytest.mark.parametrize("ws", ["postgresql"], indirect=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def ws(tmp_path, monkeypatch, request) -> Workspace:
    """A workspace on a weekly schedule (Thursday 07:00 Lisbon), with a signing secret; its
    list in its SQLite file, then on a fresh PostgreSQL database (NEWSLETTER_DATABASE_URL)."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD", raising=False)
    settings = make_week_workspace(tmp_path / "ws", free_port())
    workspace = Workspace(settings.workspace, settings)
    if request.param == "sqlite":
        return workspace
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
    return workspace.on_server(url)


def _at(settings: Settings, relay: Server) -> Settings:
    return dataclasses.replace(
        settings, smtp=dataclasses.replace(settings.smtp, host=relay.host, port=relay.port)
    )


def _wait_for(check: Callable[[], object], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("waited in vain")
        time.sleep(0.02)


@contextlib.contextmanager
def _serve(settings: Settings) -> Iterator[tuple[str, httpx.Client]]:
    app = create_app(settings, ServeOptions(), audience=Audience(settings))
    with running_server(app) as server, httpx.Client(timeout=30) as http:
        yield server.url, http


def _sign_up(url: str, http: httpx.Client, relay: Server, email: str, first_name: str) -> str:
    """Post the sign-up form as a browser would; the confirmation token mailed for it."""
    token = sign_up_token(http, url)
    data = {"form_token": token, "email": email, "first_name": first_name, "website": ""}
    assert http.post(f"{url}/subscribe", data=data).status_code == 200
    links = [re.findall(rb"/confirm\?token=([\w-]+)", r.data) for r in relay.received]
    return [link for found in links for link in found][-1].decode()


def _confirm(url: str, http: httpx.Client, token: str) -> str:
    answer = http.post(f"{url}/confirm", data={"token": token})
    assert answer.status_code == 200
    return answer.text


def _welcomes(relay: Server) -> list:
    return [r for r in relay.received if r.message()["Subject"] == "Welcome to The Test Brief"]


def _row(ws: Workspace, email: str) -> tuple[str, int] | None:
    """The reader's welcome row (status, attempts) in the journal, on either backend."""
    with ws.store() as store:
        row = store.conn.execute(
            "SELECT status, attempts FROM deliveries WHERE issue_id = ? AND email = ?",
            (WELCOME_ID, email),
        ).fetchone()
    return (row[0], row[1]) if row else None


def _run(settings: Settings, events: list[RunEvent] | None = None) -> int:
    """`newsletter run` on Monday, when no issue step is due: only the welcomes."""
    events = [] if events is None else events
    return run_week(settings, RunOptions(now=MONDAY, on_event=events.append))


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_confirmed_signup_gets_exactly_one_welcome_from_serve(ws):
    """Confirmed through serve: one welcome, greeting the first name, saying who writes and how often."""
    with smtp_server() as relay:
        settings = _at(ws.settings, relay)
        with _serve(settings) as (url, http):
            token = _sign_up(url, http, relay, READER, "Inês")
            assert "You are subscribed" in _confirm(url, http, token)
            _wait_for(lambda: _welcomes(relay))
            _confirm(url, http, token)  # a replay changes nothing
            token = _sign_up(url, http, relay, READER, "Inês")  # a second sign-up, confirmed
            _confirm(url, http, token)
            time.sleep(0.5)
        assert _run(settings) == EXIT_OK
    (welcome,) = _welcomes(relay)
    message = welcome.message()
    assert welcome.rcpt_tos == (READER,) and message["To"] == READER
    assert re.fullmatch(r"<welcome\.[0-9a-f]{24}@example\.org>", message["Message-ID"])
    assert message["List-Unsubscribe"] and message["List-Unsubscribe-Post"]
    text = _body(message)
    assert text.startswith("Hi Inês, and welcome")
    assert "every Thursday at 07:00 (Europe/Lisbon)" in text
    assert "No issue has gone out yet" in text  # nothing was sent: it says so
    html = message.get_body(("html",)).get_content()
    assert "Hi Inês, and welcome" in html and "unsubscribe?token=" in html
    assert _row(ws, READER) == ("sent", 1)


def test_the_welcome_links_the_latest_sent_issue_and_greets_there_without_a_first_name(ws):
    """With an issue sent, the welcome links its web version; no first name gives "there"."""
    folder = ws.root / "issues" / "2026-W48"
    from tests.support.send_workspace import build_sample_issue

    other = ws.root.parent / "other"
    other.mkdir()
    build_sample_issue(other)  # a built issue folder, moved into this workspace
    folder.parent.mkdir()
    (other / "issues" / "2026-W48").rename(folder)
    record_step(read_run_state(folder), "sent", MONDAY, sent=3)
    with smtp_server() as relay:
        settings = _at(ws.settings, relay)
        with _serve(settings) as (url, http):
            _confirm(url, http, _sign_up(url, http, relay, READER, ""))
            _wait_for(lambda: _welcomes(relay))
    text = _body(_welcomes(relay)[0].message())
    assert text.startswith("Hi there, and welcome")
    assert "https://news.example.org/2026-W48/" in text and "26 November 2026" in text


def test_a_relay_down_at_confirmation_leaves_the_welcome_to_the_next_run_once(ws, caplog):
    """The relay dies before the reader confirms: the confirmation still works; `run` sends it once."""
    with smtp_server() as relay_gone:
        settings = _at(ws.settings, relay_gone)
        with _serve(settings) as (url, http):
            token = _sign_up(url, http, relay_gone, READER, "Ana")
    # The relay is gone now: serve again, and the reader confirms.
    with _serve(settings) as (url, http), caplog.at_level(logging.INFO, logger="newsletter.serve"):
        assert "You are subscribed" in _confirm(url, http, token)
        _wait_for(lambda: "relay unreachable" in caplog.text or "not sent" in caplog.text)
    assert READER not in caplog.text  # the log never names the reader
    assert _row(ws, READER) == ("pending", 0)
    assert not _welcomes(relay_gone)
    with smtp_server() as relay:
        events: list[RunEvent] = []
        assert _run(_at(ws.settings, relay), events) == EXIT_OK
        assert [e.message for e in events if e.step == "welcome"] == ["welcome: 1 sent"]
        assert _run(_at(ws.settings, relay), events) == EXIT_OK  # a second run: nothing
        assert [e.step for e in events if e.step == "welcome"] == ["welcome"]
    assert len(_welcomes(relay)) == 1 and _welcomes(relay)[0].rcpt_tos == (READER,)
    assert _row(ws, READER) == ("sent", 1)


def test_a_run_with_the_relay_still_down_fails_and_keeps_the_welcome_pending(ws):
    """No relay at the next run either: exit 1, one error line, the welcome still pending."""
    _queue(ws, READER)
    events: list[RunEvent] = []
    dead = dataclasses.replace(ws.settings.smtp, port=free_port())
    assert _run(dataclasses.replace(ws.settings, smtp=dead), events) == EXIT_FAILED
    (event,) = [e for e in events if e.step == "welcome"]
    assert event.level == "error" and "relay unreachable" in event.message
    assert event.counts["left"] == 1
    assert _row(ws, READER) == ("pending", 0)


def _queue(ws: Workspace, *emails: str) -> None:
    """Confirm sign-ups as serve does (Audience.confirm), without the server's own sending."""
    audience = Audience(ws.settings)
    try:
        for n, email in enumerate(emails):  # a client each: the rate limit counts per client
            signup = audience.request_signup(email, "", f"127.0.0.{n + 1}", "form-1:test")
            assert audience.confirm(signup.token)
    finally:
        audience.close()


def test_a_lost_reply_stays_unknown_and_is_never_sent_again(ws):
    """The relay keeps the welcome but its reply is lost: `unknown`, and no run sends a second."""
    _queue(ws, READER, "other@example.org")
    with smtp_server() as relay:
        relay.handler.fail(READER, "data", "lost")
        events: list[RunEvent] = []
        assert _run(_at(ws.settings, relay), events) == EXIT_OK
        assert _run(_at(ws.settings, relay), events) == EXIT_OK
    assert relay.handler.by_recipient() == {READER: 1, "other@example.org": 1}
    assert _row(ws, READER)[0] == "unknown" and _row(ws, "other@example.org")[0] == "sent"
    (event,) = [e for e in events if e.step == "welcome"]
    assert event.level == "warning" and "1 unknown" in event.message and "1 sent" in event.message


def test_a_reader_who_left_or_was_forgotten_gets_no_welcome(ws):
    """Unsubscribed or forgotten before the welcome went: nothing is sent to them."""
    _queue(ws, READER, "gone@example.org", "stays@example.org")
    with ws.store() as store:
        store.set_status(READER, "unsubscribed")
        forget(store.conn, "gone@example.org")
    with smtp_server() as relay:
        summary = send_welcomes(_at(ws.settings, relay))
    assert relay.handler.by_recipient() == {"stays@example.org": 1}
    assert summary.sent == 1
    assert _row(ws, "gone@example.org") is None


def test_a_refused_welcome_is_failed_and_a_4xx_is_retried_by_the_next_round(ws):
    """A 5.1.1 fails it (the reader stays active: a relay's word alone marks nobody, as for
    an issue); a 4xx leaves it for the next round."""
    _queue(ws, READER, "later@example.org")
    with smtp_server() as relay:
        relay.handler.fail(READER, "rcpt", "550 5.1.1 no such user")
        relay.handler.fail("later@example.org", "rcpt", "451 4.3.0 try later")
        first = send_welcomes(_at(ws.settings, relay))
        second = send_welcomes(_at(ws.settings, relay))
    assert (first.failed, first.retrying, second.sent) == (1, 1, 1)
    assert relay.handler.by_recipient() == {"later@example.org": 1}
    with ws.store() as store:
        assert store.get(READER).status == "active"
    assert _row(ws, READER) == ("failed", 1)
    assert _row(ws, "later@example.org") == ("sent", 2)


def test_a_relay_refusing_every_welcome_marks_no_new_reader_but_the_next_issue_may(ws):
    """Attack: a relay answering `550 5.1.1` to each welcome marked every new reader bounced
    at once (no allowance, no second word).  Now the welcome is the relay's first word: the
    readers stay active, and the next issue refused too is the second in a row."""
    readers = [f"new{n}@example.org" for n in range(4)]
    _queue(ws, *readers)
    with smtp_server() as relay:
        for email in readers:
            relay.handler.fail(email, "rcpt", "550 5.1.1 <x>: Recipient address rejected")
        summary = send_welcomes(_at(ws.settings, relay))
    assert summary.failed == 4
    with ws.store() as store:
        assert [store.get(e).status for e in readers] == ["active"] * 4
    journal = ws.journal("2026-W50")
    try:
        assert journal.refused_before(readers[0])
    finally:
        journal.close()


def test_welcome_disabled_queues_and_sends_none(ws):
    """`[welcome] enabled = false`: a confirmation through serve queues nothing, a run sends nothing."""
    settings = dataclasses.replace(
        ws.settings, welcome=dataclasses.replace(ws.settings.welcome, enabled=False)
    )
    with smtp_server() as relay:
        settings = _at(settings, relay)
        with _serve(settings) as (url, http):
            assert "You are subscribed" in _confirm(
                url, http, _sign_up(url, http, relay, READER, "")
            )
            time.sleep(0.5)
        assert _run(settings) == EXIT_OK
    assert not _welcomes(relay) and _row(ws, READER) is None


def test_the_welcome_settings_are_checked():
    """An unknown key in [welcome] is refused like any table's; so is a subject with another field."""
    with pytest.raises(
        ConfigError, match=r"welcome: unknown key 'enabeld' \(did you mean 'enabled'"
    ):
        settings_from_mapping({"welcome": {"enabeld": False}})
    with pytest.raises(ConfigError, match=r"welcome\.subject"):
        settings_from_mapping({"welcome": {"subject": "Hello {title}"}})
    with pytest.raises(ConfigError, match=r"welcome\.enabled"):
        settings_from_mapping({"welcome": {"enabled": "no"}})


@SQLITE_ONLY
def test_welcome_preview_renders_the_files_and_the_editors_template_wins(ws, monkeypatch):
    """`newsletter welcome preview` writes the HTML and text; a templates/welcome.txt.j2 overrides."""
    monkeypatch.chdir(ws.root)
    runner = CliRunner()
    result = runner.invoke(cli_app, ["welcome", "preview", "--first-name", "Zoë"])
    assert result.exit_code == 0, result.output
    html = (ws.root / "welcome-preview" / "welcome.html").read_text("utf-8")
    text = (ws.root / "welcome-preview" / "welcome.txt").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Hi Zoë, and welcome" in html
    assert "<style" in html and 'lang="en"' in html
    assert text.startswith("Hi Zoë, and welcome") and "every Thursday at 07:00" in text
    assert "%%" not in html + text
    (ws.root / "templates").mkdir()
    (ws.root / "templates" / "welcome.txt.j2").write_text(
        "Hello {{ subscriber.first_name or 'friend' }} from {{ welcome.writer }}\n", "utf-8"
    )
    result = runner.invoke(cli_app, ["welcome", "preview", "--out", "p2"])
    assert result.exit_code == 0, result.output
    assert (ws.root / "p2" / "welcome.txt").read_text(
        "utf-8"
    ) == "Hello friend from The Test Brief\n"
    assert sorted(os.listdir(ws.root / "p2")) == ["welcome.html", "welcome.txt"]


@SQLITE_ONLY
def test_an_issue_may_not_be_called_welcome(ws, monkeypatch):
    """`welcome` is the welcome's name in the journal: `build --id welcome` is refused."""
    monkeypatch.chdir(ws.root)
    result = CliRunner().invoke(cli_app, ["build", "--id", "welcome"])
    assert result.exit_code != 0
    assert "not 'welcome'" in result.output


def test_a_fresh_workspace_without_a_database_sends_nothing_and_creates_none(tmp_path, monkeypatch):
    """No newsletter.db yet: a round of welcomes does nothing and creates no database."""
    monkeypatch.chdir(tmp_path)
    settings, _ = load_settings(tmp_path)
    assert send_welcomes(settings).tried == 0
    assert not (tmp_path / "newsletter.db").exists()


def test_a_broken_welcome_template_is_one_error_line_and_the_welcome_waits(ws):
    """A welcome template that fails to render: `run` says so in one line, exits 1, keeps it pending."""
    _queue(ws, READER)
    (ws.root / "templates").mkdir()
    (ws.root / "templates" / "welcome.txt.j2").write_text("Hi {{ welcome.nobody }}\n", "utf-8")
    events: list[RunEvent] = []
    with smtp_server() as relay:
        assert _run(_at(ws.settings, relay), events) == EXIT_FAILED
    (event,) = [e for e in events if e.step == "welcome"]
    assert event.level == "error" and "welcome.txt.j2:1" in event.message
    assert not relay.received and _row(ws, READER) == ("pending", 0)


def test_while_another_process_sends_welcomes_a_round_leaves_them_to_it(ws):
    """The welcome lock is held (a serve worker sending): `run` sends nothing and says so quietly."""
    from newsletter.welcome.locks import welcome_lock

    _queue(ws, READER)
    events: list[RunEvent] = []
    with smtp_server() as relay, welcome_lock(ws.settings) as held:
        assert held
        assert send_welcomes(_at(ws.settings, relay)).busy
        assert _run(_at(ws.settings, relay), events) == EXIT_OK
    assert not relay.received and _row(ws, READER) == ("pending", 0)
    assert [e.level for e in events if e.step == "welcome"] == ["debug"]


class _Killed(BaseException):
    """A kill -9 right after the relay accepted a message, before its journal record."""


def test_a_kill_between_the_relays_yes_and_the_record_resends_with_the_same_message_id(ws):
    """As for an issue: the copy is sent again by the next round, with the same Message-ID."""
    from newsletter.send.smtp import SmtpTransport

    _queue(ws, READER)
    with smtp_server() as relay:
        settings = _at(ws.settings, relay)

        class KilledAfterSend(SmtpTransport):
            def connect(self):
                connection = super().connect()
                send = connection.send

                def send_then_die(*args):
                    send(*args)
                    raise _Killed()

                connection.send = send_then_die  # type: ignore[method-assign]
                return connection

        with pytest.raises(_Killed):
            send_welcomes(settings, transport=KilledAfterSend(settings.smtp))
        assert _row(ws, READER) == ("pending", 0)
        assert send_welcomes(settings).sent == 1
    first, second = (r.message()["Message-ID"] for r in relay.received)
    assert first == second
    assert _row(ws, READER) == ("sent", 1)


def test_newsletter_run_logs_the_welcomes_as_one_json_event(ws, monkeypatch):
    """`newsletter run --log-format json`: one `welcome` event with the counts, no address."""
    import json

    _queue(ws, READER)
    with smtp_server() as relay:
        toml = ws.root / "newsletter.toml"
        text = toml.read_text("utf-8")
        toml.write_text(re.sub(r"port = \d+", f"port = {relay.port}", text, count=1), "utf-8")
        result = CliRunner().invoke(
            cli_app,
            [
                "run",
                "--workspace",
                str(ws.root),
                "--clock",
                MONDAY.isoformat(),
                "--log-format",
                "json",
            ],
        )
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(x) for x in result.stderr.splitlines() if '"welcome"' in x]
    assert (line["step"], line["sent"], line["failed"], line["unknown"]) == ("welcome", 1, 0, 0)
    assert READER not in result.stderr
    assert relay.handler.by_recipient() == {READER: 1}


def test_serve_with_an_outbox_writes_the_welcome_beside_the_confirmation(ws, tmp_path):
    """`serve --outbox DIR`: the welcome is written there too, whole, and journaled as sent."""
    outbox = tmp_path / "outbox"
    settings = ws.settings
    app = create_app(settings, ServeOptions(outbox=outbox), audience=Audience(settings))
    with running_server(app) as server, httpx.Client(timeout=30) as http:
        form = sign_up_token(http, server.url)
        http.post(f"{server.url}/subscribe", data={"form_token": form, "email": READER})
        (confirmation,) = outbox.glob("*.eml")
        token = re.search(rb"/confirm\?token=([\w-]+)", confirmation.read_bytes()).group(1)
        assert "You are subscribed" in _confirm(server.url, http, token.decode())
        _wait_for(lambda: len(list(outbox.glob("*.eml"))) == 2)
    welcome = next(p for p in outbox.glob("*.eml") if p != confirmation).read_bytes()
    assert b"Subject: Welcome to The Test Brief" in welcome
    assert not list(outbox.glob(".*"))  # no partial file left
    _wait_for(lambda: _row(ws, READER) == ("sent", 1))


@SQLITE_ONLY
def test_a_run_that_found_none_looks_again_once_the_database_changed(ws):
    """`run` skips the look while newsletter.db is unchanged; a confirmation since is seen and sent."""
    with smtp_server() as relay:
        settings = _at(ws.settings, relay)
        assert _run(settings) == EXIT_OK
        seen = (ws.root / "newsletter.db.welcome-seen").read_text("ascii")
        assert _run(settings) == EXIT_OK
        assert (ws.root / "newsletter.db.welcome-seen").read_text("ascii") == seen
        _queue(ws, READER)
        events: list[RunEvent] = []
        assert _run(settings, events) == EXIT_OK
    assert [e.message for e in events if e.step == "welcome"] == ["welcome: 1 sent"]
    assert relay.handler.by_recipient() == {READER: 1}


@POSTGRES_ONLY
def test_two_senders_on_one_server_welcome_each_reader_once(ws):
    """Two hosts' senders start together on one PostgreSQL list: the advisory lock lets one send; each reader gets one welcome."""
    import threading

    from newsletter.send.smtp import SmtpTransport

    readers = [f"reader{i:02d}@example.org" for i in range(12)]
    _queue(ws, *readers)
    with smtp_server() as relay:
        settings = _at(ws.settings, relay)

        class SlowRelay(SmtpTransport):  # each welcome takes a while: the senders overlap
            def connect(self):
                connection = super().connect()
                send = connection.send

                def slow_send(*args):
                    time.sleep(0.05)
                    return send(*args)

                connection.send = slow_send  # type: ignore[method-assign]
                return connection

        start = threading.Barrier(2)
        summaries = []

        def sender() -> None:
            start.wait()
            summaries.append(send_welcomes(settings, transport=SlowRelay(settings.smtp), wait=30.0))

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        busy = send_welcomes(settings)  # a third round after them: nothing is left
    assert sorted(s.sent for s in summaries) == [0, len(readers)]
    assert busy.tried == 0
    assert relay.handler.by_recipient() == dict.fromkeys(readers, 1)
    assert all(_row(ws, r) == ("sent", 1) for r in readers)


@POSTGRES_ONLY
def test_a_sender_whose_lock_session_is_cut_stops_and_the_next_round_sends_the_rest(
    ws, postgres_server
):
    """The server ends the session holding the welcome lock mid-round: one line, the rest left pending, sent once by the next run."""
    from newsletter.send.smtp import SmtpTransport
    from newsletter.welcome.server_lock import WELCOME_LOCK, LostWelcomeLock

    _queue(ws, READER, "second@example.org")
    dbname = ws.settings.database.rsplit("/", 1)[1]

    def cut_the_lock() -> None:
        with postgres_server.connect(dbname) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory'"
                " AND ((classid::bigint << 32) | objid::bigint) = %s",
                (WELCOME_LOCK & 0xFFFFFFFFFFFFFFFF,),
            )

    with smtp_server() as relay:
        settings = _at(ws.settings, relay)

        class CutAfterFirst(SmtpTransport):
            def connect(self):
                connection = super().connect()
                send = connection.send

                def send_then_cut(*args):
                    send(*args)
                    cut_the_lock()

                connection.send = send_then_cut  # type: ignore[method-assign]
                return connection

        with pytest.raises(LostWelcomeLock, match=r"127\.0\.0\.1:\d+.*lost the welcome lock"):
            send_welcomes(settings, transport=CutAfterFirst(settings.smtp))
        assert sorted(relay.handler.by_recipient().values()) == [1]
        events: list[RunEvent] = []
        assert _run(settings, events) == EXIT_OK
    assert [e.message for e in events if e.step == "welcome"] == ["welcome: 1 sent"]
    assert relay.handler.by_recipient() == {READER: 1, "second@example.org": 1}


def test_a_postgresql_server_never_used_gets_no_welcome_round_and_no_schema(
    tmp_path, monkeypatch, postgres_url, postgres_server
):
    """A fresh PostgreSQL database: a round of welcomes sends nothing and creates no table."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    settings, _ = load_settings(tmp_path)
    assert settings.database_server is not None
    assert send_welcomes(settings).tried == 0
    with postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as conn:
        assert conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone() == (0,)
