"""Outcomes committed without waiting for the server's disk (newsletter/send/disk_fence.py), on
a real server that loses them in a crash: the fence sees the sessions gone and records the
final outcomes again, durably; outcomes that survived are not counted twice."""

from __future__ import annotations

import pytest

from newsletter.database_url import parse_database
from newsletter.send.shared_journal import open_postgres_journal
from tests.support.postgres_server import PASSWORD, postgres_cluster

ISSUE_ID = "2026-W48"


class Recovery:
    """A recovery file's stand-in: what `settle` saves."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str, str]] = []
        self.kept = 0

    def save(self, issue: str, email: str, status: str, message_id: str, recorded: str) -> bool:
        self.lines.append((issue, email, status, message_id))
        return True

    def count_kept(self, count: int) -> None:
        self.kept += count


@pytest.fixture
def lossy(monkeypatch):
    """A cluster of its own whose WAL writer sleeps 10 s, so that stopping it at once (as a
    crash does) loses the commits that did not wait for the disk; a journal on it."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    with postgres_cluster() as server:
        server.stop()
        server.options += " -c wal_writer_delay=10000"
        server.start()
        url = parse_database(server.url(server.new_database()))
        assert url is not None
        journal = open_postgres_journal(url, ISSUE_ID, create=True)
        assert journal is not None
        try:
            yield server, journal
        finally:
            journal.close()


def rows(journal) -> dict[str, tuple[str, int]]:
    found = journal.pg.raw.execute(
        "SELECT email::text, status, attempts FROM deliveries WHERE issue_id = %s", (ISSUE_ID,)
    ).fetchall()
    return {email: (status, attempts) for email, status, attempts in found}


def test_outcomes_a_crash_lost_are_recorded_again_before_the_run_ends(lossy):
    """Outcomes acknowledged without a flush, then the server stopped at once: they are gone
    from the server, and the end of the run (settle) records the final ones again, each
    once, nothing to the recovery file."""
    server, journal = lossy
    # The outcomes begin a fresh WAL segment: a page they filled would be written whatever the
    # WAL writer's delay, and keep some (as a schema's WAL before them could make them do).
    journal.pg.raw.execute("SELECT pg_switch_wal()")
    for n in range(5):
        journal.record(f"r{n}@example.org", "sent", attempts=1, message_id=f"<m{n}@x>")
    journal.record("later@example.org", "pending", attempts=1, error="451 try later")
    journal.record("refused@example.org", "failed", attempts=1, error="550 no such user")
    server.stop()
    server.start()
    with journal._lock:  # what the server kept: the sleeping WAL writer flushed none of it
        journal._reconnect()
    assert rows(journal) == {}
    recovery = Recovery()
    assert journal.settle(recovery) is None
    after = rows(journal)
    assert after == {
        **{f"r{n}@example.org": ("sent", 1) for n in range(5)},
        "refused@example.org": ("failed", 1),
    }  # the pending's reader has a later outcome to come: not recorded again
    assert recovery.lines == []
    server.stop()  # recorded again durably: a second crash keeps them
    server.start()
    with journal._lock:
        journal._reconnect()
    assert rows(journal) == after


def test_outcomes_that_survived_the_crash_are_not_counted_twice(lossy):
    """The same crash after a durable commit had put the outcomes on disk: the fence still
    sees the sessions gone and records again, and every row stays as it was (attempts 1)."""
    server, journal = lossy
    for n in range(3):
        journal.record(f"r{n}@example.org", "sent", attempts=1, message_id=f"<m{n}@x>")
    journal.pg.raw.execute("CHECKPOINT")  # everything so far on disk
    server.stop()
    server.start()
    recovery = Recovery()
    assert journal.settle(recovery) is None
    assert rows(journal) == {f"r{n}@example.org": ("sent", 1) for n in range(3)}


def test_without_a_crash_the_fence_keeps_nothing_and_records_nothing_again(lossy):
    """Sessions alive: the fence's durable commit puts the outcomes on disk, and a crash
    right after it loses none of them."""
    server, journal = lossy
    for n in range(3):
        journal.record(f"r{n}@example.org", "sent", attempts=1, message_id=f"<m{n}@x>")
    assert journal.settle(Recovery()) is None
    assert journal._kept.snapshot().mark == 0
    server.stop()
    server.start()
    with journal._lock:
        journal._reconnect()
    assert rows(journal) == {f"r{n}@example.org": ("sent", 1) for n in range(3)}


def test_a_server_gone_past_the_patience_puts_the_accepted_outcomes_in_the_recovery_file(
    lossy,
):
    """The server crashed and does not come back: settle gives up after the patience and
    the kept `sent` and `unknown` outcomes go to the recovery file, with their Message-IDs."""
    server, journal = lossy
    journal.patience = 1.0
    journal.record("a@example.org", "sent", attempts=1, message_id="<a@x>")
    journal.record("b@example.org", "unknown", attempts=1, message_id="<b@x>")
    journal.record("c@example.org", "failed", attempts=1, error="550")
    server.stop()
    try:
        recovery = Recovery()
        line = journal.settle(recovery)
        assert line is not None and "cannot confirm deliveries" in line
        assert sorted(recovery.lines) == [
            (ISSUE_ID, "a@example.org", "sent", "<a@x>"),
            (ISSUE_ID, "b@example.org", "unknown", "<b@x>"),
        ]
    finally:
        server.start()
