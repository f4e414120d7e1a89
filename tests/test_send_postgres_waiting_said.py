"""A send on PostgreSQL that waits for readers another sender holds says so, once.

A host killed -9 holding claimed readers keeps them until its lease runs out (smtp.lease, 30 s
by default); the other host's send waits for them, and its progress stood still all that
while ("sending: 226/290 … ETA 6 s" for 20 s, tried as a new user) with no word of why.
Now, past SAY_WAITING_AFTER seconds of such a wait, one warning names how many readers it
waits for and when they come, then every reader gets one copy as before.
"""

from __future__ import annotations

import pytest

from newsletter.config import load_settings
from newsletter.send.claim_statements import EPOCH
from newsletter.send.shared_journal import open_postgres_journal
from newsletter.subscribers.postgres import connect_postgres
from tests.support.fault_commands import newsletter
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.test_send_postgres import add_readers

pytest_plugins = ["tests.support.send_fixtures"]

# A sender killed -9: registered, holding readers, not renewing.  Its lease runs out 12 s after
# it is made, so the send (started, its 8 free readers mailed, within a few seconds even on a
# loaded machine) waits past SAY_WAITING_AFTER for the other 4: with 6 s a slow start left
# under 3 s of waiting, and nothing said.
GONE = "gone-host:4242:abcd"
HELD = 4


@pytest.mark.slow
def test_a_send_waiting_for_a_killed_senders_readers_says_so_once(
    send_ws, postgres_url, smtpd, monkeypatch
):
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    readers = add_readers(ws, 12)
    server = ws.settings.database_server
    assert server is not None
    conn = connect_postgres(server)
    try:
        conn.execute(
            "INSERT INTO senders (sender_id, issue_id, host, pid, started, lease_until,"
            " server_epoch) VALUES (%s, %s, 'gone-host', 4242, now(),"
            f" now() + interval '12 seconds', {EPOCH})",
            (GONE, ISSUE_ID),
        )
        conn.execute(
            "INSERT INTO send_claims (issue_id, subscriber_id, sender_id, claimed_at)"
            " SELECT %s, id, %s, now() FROM subscribers ORDER BY id LIMIT %s",
            (ISSUE_ID, GONE, HELD),
        )
    finally:
        conn.close()

    code, output = newsletter(
        ws, "send", f"issues/{ISSUE_ID}", "--yes", *smtpd.send_flags, url=postgres_url
    )
    assert code == 0, output
    waiting = [line for line in output.splitlines() if "waiting for" in line]
    assert len(waiting) == 1, output
    assert waiting[0].startswith("warning: ") and f"{HELD} reader(s)" in waiting[0]
    assert "smtp.lease" in waiting[0] and "--status" in waiting[0]
    assert smtpd.handler.by_recipient() == {r: 1 for r in readers}


def test_readers_held_by_a_sender_still_renewing_its_lease_are_not_called_stalled(
    send_ws, postgres_url, monkeypatch
):
    """A sender that renews its lease (a slow relay, a reader in retry) holds its readers
    rightly: nothing is said of them.  The same sender no longer renewing (its lease nearer
    its end than two thirds of ours) is named, with the number of readers it holds."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    add_readers(ws, 6)
    server = ws.settings.database_server
    assert server is not None
    said: list[str] = []
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=30.0, warn=said.append)
    assert journal is not None
    try:
        journal.register()
        raw = journal.pg.raw
        raw.execute(
            "INSERT INTO senders (sender_id, issue_id, host, pid, started, lease_until,"
            " server_epoch) VALUES (%s, %s, 'other-host', 4242, now(),"
            f" now() + interval '29 seconds', {EPOCH})",
            (GONE, ISSUE_ID),
        )
        raw.execute(
            "INSERT INTO send_claims (issue_id, subscriber_id, sender_id, claimed_at)"
            " SELECT %s, id, %s, now() FROM subscribers ORDER BY id LIMIT 2",
            (ISSUE_ID, GONE),
        )
        assert journal.others_pending() == 2
        assert journal.say_waiting() is False and said == []
        raw.execute(
            "UPDATE senders SET lease_until = now() + interval '9 seconds' WHERE sender_id = %s",
            (GONE,),
        )
        assert journal.say_waiting() is True
        assert len(said) == 1 and "waiting for 2 reader(s)" in said[0], said
    finally:
        journal.close()
