"""The list stays lawful: an unsubscribe is lifted only on purpose; bad addresses become bounced."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.send.sender import send_issue
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


@pytest.fixture
def cli(send_ws, monkeypatch):
    """`newsletter …` in the workspace."""
    monkeypatch.chdir(send_ws.root)
    return lambda *args: CliRunner().invoke(app, list(args))


def test_a_failed_resubscribe_of_an_unknown_address_keeps_its_unsubscribe(cli, send_ws):
    """`resubscribe` of an address not on the list fails and lifts nothing: a later add refuses."""
    assert cli("subscribers", "unsubscribe", "gone@example.org").exit_code == 0
    failed = cli("subscribers", "resubscribe", "gone@example.org")
    assert failed.exit_code == 1 and "is not on the list" in failed.output
    with send_ws.store() as store:
        assert store.is_suppressed("gone@example.org")
    added = cli("subscribers", "add", "gone@example.org")
    assert added.exit_code == 1
    with send_ws.store() as store:
        assert store.is_suppressed("gone@example.org")
        assert store.get("gone@example.org") is None  # the refused add changed no row


def test_a_refused_add_leaves_the_unsubscribed_row_untouched(cli, send_ws):
    """`add` with a new name for an unsubscribed address fails and keeps the old name."""
    cli("subscribers", "add", "left@example.org", "--name", "Old Name")
    cli("subscribers", "unsubscribe", "left@example.org")
    assert cli("subscribers", "add", "left@example.org", "--name", "New Name").exit_code == 1
    with send_ws.store() as store:
        subscriber = store.get("left@example.org")
    assert (subscriber.name, subscriber.status) == ("Old Name", "unsubscribed")


def test_an_import_without_resubscribe_never_lifts_an_unsubscribe(send_ws, tmp_path):
    """A CSV that says `bounced` or `active` for an unsubscribed address leaves it unsubscribed."""
    from newsletter.subscribers.csv_import import import_csv

    send_ws.add("left@example.org")
    with send_ws.store() as store:
        store.set_status("left@example.org", "unsubscribed")
        path = tmp_path / "l.csv"
        path.write_text("email,status\nleft@example.org,bounced\n")
        import_csv(path, store)
        assert store.get("left@example.org").status == "unsubscribed"
        assert store.is_suppressed("left@example.org")


@pytest.mark.parametrize(
    ("reply", "bounced"),
    [
        ("550 5.1.1 no such user", True),
        ("550 5.1.2 no such domain", True),
        ("550 5.7.1 refused by policy", False),
        ("552 5.2.2 mailbox full", False),
        ("550 no such user here", False),  # no enhanced code: not proof enough
    ],
)
def test_only_a_bad_address_reply_marks_the_subscriber_bounced(send_ws, reply, bounced):
    """A 5.1.x on RCPT (the second issue in a row) marks the reader bounced and later sends
    skip them; policy codes do not."""
    emails = send_ws.add_many(3)
    send_ws.refused_earlier(emails[1:2])
    handler = RecordingHandler()
    handler.fail(emails[1], "rcpt", reply)
    with smtp_server(handler=handler) as server:
        settings = send_ws.with_server(server.host, server.port)
        first = send_issue(send_ws.issue, settings)
        second = send_issue(send_ws.issue, settings)
    with send_ws.store() as store:
        status = store.get(emails[1]).status
    assert status == ("bounced" if bounced else "active")
    assert first.bounced == int(bounced)
    assert (second.sent, second.left) == ((0, 0) if bounced else (1, 0))  # skipped, or retried
    assert handler.attempts[emails[1]] == (1 if bounced else 2)


def test_a_transient_bad_address_reply_does_not_mark_bounced(send_ws):
    """A 4.1.x (temporary) reply is retried, never bounced."""
    emails = send_ws.add_many(2)
    handler = RecordingHandler()
    handler.fail(emails[0], "rcpt", "450 4.1.1 try later")
    with smtp_server(handler=handler) as server:
        summary = send_issue(send_ws.issue, send_ws.with_server(server.host, server.port))
    assert (summary.sent, summary.bounced) == (2, 0)


def test_a_locked_database_is_one_line_not_a_traceback(cli, send_ws, monkeypatch):
    """`subscribers add` on a database another process holds gives one error line naming it."""
    import sqlite3

    import newsletter.subscribers.database as database

    send_ws.add("a@example.org")
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.1)
    holder = sqlite3.connect(send_ws.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = cli("subscribers", "add", "b@example.org")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "newsletter.db: cannot write to it (database is locked)" in result.output
    assert "Traceback" not in result.output
