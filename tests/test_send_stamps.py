"""Which decisions the journal's time stamps take part in, within one second.

Leases, claims and a run's start are the server's `timestamptz` (microseconds) and compared
on the server's clock.  The one decision made on a journal row's own `updated` stamp is the
re-run's reading of a kept outcome (journaled_run._apply_recovery): a kept line whose very
row the server has (same status, Message-ID and stamp) was recorded by this host and is not
said twice.  A list copy's Message-ID is the same from every host, so the stamp alone tells
this host's row from another host's copy of the same reader.
"""

from __future__ import annotations

import time
from typing import Any

from newsletter.config import load_settings
from newsletter.issue.build_record import read_build_record
from newsletter.send import shared_journal
from newsletter.send.journal import JournalWriteError
from newsletter.send.merge_check import key_check, merge_hash
from newsletter.send.recovery import KeptFile, read_recovery
from newsletter.send.sender import SendOptions, plan_send, send_issue
from newsletter.send.shared_journal import PostgresJournal, local_state, open_postgres_journal
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.test_send_postgres import add_readers

pytest_plugins = ["tests.support.send_fixtures"]


def test_another_hosts_copy_within_the_same_second_is_still_said_as_a_second_copy(
    send_ws, postgres_url, postgres_server, monkeypatch
):
    """This host's kept outcome of a reader (its row lost with the server's crash) and
    another host's copy of that reader, journaled within the same second: the re-run says
    the reader got two copies (before, stamps to the second were equal, and it read the
    other host's row as its own: the double went unsaid), keeps the other's `sent`, and
    mails the rest of the list once."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    readers = add_readers(ws, 10)
    server = ws.settings.database_server
    assert server is not None
    plan = plan_send(ws.issue, ws.settings, SendOptions())
    links = plan.composer.mailing.links
    reader = readers[0]
    message_id = plan.composer.stamps.stamp(ISSUE_ID, reader)  # the same from every host
    other = open_postgres_journal(
        server, ISSUE_ID, create=True, lease=60.0,
        merge=merge_hash(read_build_record(plan.folder).files),
        key_check=key_check(links.secret, links.list_id),
    )  # fmt: skip
    assert other is not None
    try:
        other.register()
        time.sleep(1.02 - time.time() % 1)  # just past a second's start: both within it
        ours = shared_journal._stamp()  # this host's outcome, accepted and then lost
        time.sleep(0.01)
        other.record(reader, "sent", attempts=1, message_id=message_id)  # the other host's copy
    finally:
        other.close()
    with postgres_server.connect(postgres_url.rsplit("/", 1)[1]) as conn:
        (theirs,) = conn.execute(
            "SELECT updated FROM deliveries WHERE email = %s", (reader,)
        ).fetchone()
    assert theirs[:19] == ours[:19], "not within one second: the machine stalled; run again"
    KeptFile(local_state(ws.settings), "4242-cutoff").write(
        [(ISSUE_ID, reader, "sent", message_id, ours)]
    )
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        summary = send_issue(ws.issue, ws.with_server(relay.host, relay.port))
    assert summary.recovered == 1 and summary.recovered_twice == (reader,), summary
    assert summary.stopped is None
    assert handler.by_recipient() == {email: 1 for email in readers[1:]}


def test_a_recovery_line_carries_its_rows_stamp_so_a_kept_row_is_not_called_a_second_copy(
    send_ws, postgres_url, monkeypatch
):
    """The journal commits a sender's outcomes and the sender never hears so (injected:
    the wait for the commit fails after it was made, as a reply lost with the server then
    gone): the accepted outcomes go to the recovery file, each line with the stamp its
    row was written with, so the re-run finds those rows its own: it says nobody got a
    second copy (before, lines without stamps made it say another host had mailed each of
    them again), keeps each row as the server has it, and mails the rest once."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    readers = add_readers(ws, 40)
    real = PostgresJournal._write_outcomes
    writes = {"n": 0}

    def reply_lost(journal: PostgresJournal, rows: Any, writer: Any, **ahead: Any) -> Any:
        result = real(journal, rows, writer, **ahead)  # committed on the server
        writes["n"] += 1
        if writes["n"] == 10:  # the mock injects the failure only
            raise JournalWriteError("127.0.0.1: cannot record deliveries: injected lost reply")
        return result

    monkeypatch.setattr(PostgresJournal, "_write_outcomes", reply_lost)
    handler = RecordingHandler()
    with smtp_server(handler=handler) as relay:
        settings = ws.with_server(relay.host, relay.port, connections=1, processes=1)
        first = send_issue(ws.issue, settings)
        assert first.journal_failed and first.stopped is not None, (first.stopped, first.sent)
        lines = read_recovery(local_state(settings))
        assert lines and all(line.recorded for line in lines), (lines, first.stopped, first.sent)
        monkeypatch.setattr(PostgresJournal, "_write_outcomes", real)
        second = send_issue(ws.issue, settings)
    assert second.recovered == len(lines) and second.recovered_twice == (), second
    assert second.stopped is None
    assert handler.by_recipient() == {email: 1 for email in readers}
