"""A sender giving back its unsettled claims as it ends (RELEASE_SOME) whose connection drops
mid-way: the statement run and the connection lost before the transaction committed, or the
commit done and its reply lost.  On a real server: the backend is ended with
pg_terminate_backend at that moment (the mock only picks the moment), and the sender
reconnects and gives them back again.  Nobody is lost (a reader left claimed by a finished
sender would wait for ever) and nobody doubled; a re-run then finds everything settled.
"""

from __future__ import annotations

from typing import Any

import pytest

from newsletter.config import load_settings
from newsletter.issue.build_record import read_build_record
from newsletter.send.claim_statements import RELEASE_SOME
from newsletter.send.merge_check import key_check, merge_hash
from newsletter.send.sender import SendOptions, plan_send, send_issue
from newsletter.send.shared_journal import PostgresJournal, open_postgres_journal
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.test_send_postgres import add_readers

pytest_plugins = ["tests.support.send_fixtures"]

READERS = 60
GIVEN = 5  # of its claim of 60, the sender gives out and sends 5


def _end_backend(postgres_server, dbname: str, raw: Any) -> None:
    """End the server's side of `raw` from another connection, as a network cut or a crash
    of that backend would: the client finds out at its next read."""
    pid = raw.info.backend_pid
    with postgres_server.connect(dbname) as conn:
        conn.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def _losing_the_release(monkeypatch, postgres_server, dbname: str, when: str) -> list[str]:
    """Make the sender's first `_finish` lose its connection `when` ("before-commit": right
    after RELEASE_SOME ran, so the server rolls the transaction back; "after-commit": once
    it committed, so only the reply is lost); the list says what happened."""
    real = PostgresJournal._finish
    happened: list[str] = []

    def finish(journal: PostgresJournal) -> None:
        raw = journal.pg.raw
        if happened:
            happened.append("again")
            return real(journal)
        if when == "after-commit":
            real(journal)
            _end_backend(postgres_server, dbname, raw)
            happened.append("committed, reply lost")
            raw.execute("SELECT 1")  # the real error of a dropped connection
            return None
        execute = raw.execute

        def cut_after_release(query: Any, params: Any = None, **kw: Any) -> Any:
            result = execute(query, params, **kw)
            if query == RELEASE_SOME:
                _end_backend(postgres_server, dbname, raw)
                happened.append("released, not committed")
            return result

        raw.execute = cut_after_release  # type: ignore[method-assign]
        try:
            return real(journal)
        finally:
            del raw.execute

    monkeypatch.setattr(PostgresJournal, "_finish", finish)
    return happened


@pytest.mark.parametrize("when", ["before-commit", "after-commit"])
def test_giving_back_claims_over_a_dropped_connection_loses_and_doubles_nobody(
    send_ws, postgres_url, postgres_server, monkeypatch, when
):
    """A sender claims the whole list of 60, sends 5 and ends; the connection drops while it
    gives back the other 55 (before or after the commit): it reconnects and gives them back,
    is marked finished, keeps the 5 sent; a second sender then mails the 55, each once, and
    never the 5; a re-run finds nothing to send."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    dbname = postgres_url.rsplit("/", 1)[1].split("?")[0]
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    active = add_readers(ws, READERS)
    server = ws.settings.database_server
    assert server is not None
    unharmed = PostgresJournal._finish
    happened = _losing_the_release(monkeypatch, postgres_server, dbname, when)
    plan = plan_send(ws.issue, ws.settings, SendOptions())  # the send's own merge.eml and key
    links = plan.composer.mailing.links
    journal = open_postgres_journal(
        server, ISSUE_ID, create=True, lease=60.0,
        merge=merge_hash(read_build_record(plan.folder).files),
        key_check=key_check(links.secret, links.list_id),
    )  # fmt: skip
    assert journal is not None
    try:
        journal.register()
        stream = journal.unsent()
        given = [next(stream).email for _ in range(GIVEN)]
        stream.close()
        for email in given:
            journal.record(email, "sent", attempts=1, message_id=f"<{email}>")
    finally:
        journal.close()
    assert happened[0] != "again" and happened[-1] == "again", happened
    with postgres_server.connect(dbname) as conn:
        claims = conn.execute(
            "SELECT s.email::text FROM send_claims c JOIN subscribers s ON s.id = c.subscriber_id"
            " WHERE c.sender_id = %s ORDER BY 1",
            (journal.sender_id,),
        ).fetchall()
        (finished,) = conn.execute(
            "SELECT finished IS NOT NULL FROM senders WHERE sender_id = %s", (journal.sender_id,)
        ).fetchone()
    assert [email for (email,) in claims] == sorted(given)  # the 55 given back, once
    assert finished
    monkeypatch.setattr(PostgresJournal, "_finish", unharmed)  # the other senders end as usual
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        settings = ws.with_server(relay.host, relay.port)
        second = send_issue(ws.issue, settings)
        again = send_issue(ws.issue, settings)
    assert second.stopped is None and second.sent == READERS - GIVEN, second
    counts = handler.by_recipient()
    assert set(counts) == set(active) - set(given) and set(counts.values()) == {1}
    assert again.sent == 0 and again.left == 0 and again.stopped is None
