"""What a PostgreSQL sender's claim of a batch reads (newsletter/send/claim_statements.py):
the readers after its cursor, each looked up by key, never every claim and delivery of the
issue, whatever the server's statistics say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from newsletter.config import load_settings
from newsletter.send.claim_statements import CLAIM, NO_ID_LIMIT
from newsletter.send.shared_journal import open_postgres_journal
from tests.support.send_workspace import ISSUE_ID, Workspace
from tests.test_send_postgres import add_readers

pytest_plugins = ["tests.support.send_fixtures"]


@contextmanager
def _registered_journal(
    send_ws, postgres_url: str, monkeypatch, readers: int
) -> Iterator[tuple[Any, Any]]:
    """`readers` active readers on the server and a sender's journal of the issue, registered
    (closed after): the server and the journal."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    add_readers(ws, readers)
    server = ws.settings.database_server
    assert server is not None
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0)
    assert journal is not None
    try:
        journal.register()
        yield server, journal
    finally:
        journal.close()


def rows_read(plan: dict[str, Any], tables: set[str]) -> int:
    """The rows the plan's scans of `tables` returned, over all their loops."""
    own = plan["Actual Rows"] * plan["Actual Loops"] if plan.get("Relation Name") in tables else 0
    return own + sum(rows_read(child, tables) for child in plan.get("Plans", []))


def test_a_claim_reads_the_claims_and_deliveries_of_its_batch_not_of_the_list(
    send_ws, postgres_url, monkeypatch
):
    """With 800 of 1,000 readers claimed and sent, the next claim of 100 reads at most one
    claim and two deliveries per reader it looks at, not the 800 of the issue."""
    with _registered_journal(send_ws, postgres_url, monkeypatch, 1000) as (_, journal):
        stream = journal.unsent()
        for _ in range(800):
            journal.record(next(stream).email, "sent", attempts=1)
        stream.close()
        raw = journal.pg.raw
        (last,) = raw.execute("SELECT max(subscriber_id) FROM send_claims").fetchone() or (0,)
        (now,) = raw.execute("SELECT now()").fetchone() or (None,)
        params = {"issue": ISSUE_ID, "me": journal.sender_id, "last": last,
                  "up_to": NO_ID_LIMIT, "pass_start": now, "my_start": journal.started,
                  "size": 100}  # fmt: skip
        with raw.transaction(force_rollback=True):
            query = "EXPLAIN (ANALYZE, FORMAT JSON) " + CLAIM.format(done="('sent', 'unknown')")
            found = raw.execute(query, params).fetchone()
        assert found is not None
        plan = (found[0] if isinstance(found[0], list) else json.loads(found[0]))[0]["Plan"]
        assert rows_read(plan, {"deliveries"}) <= 2 * 100
        assert rows_read(plan, {"send_claims"}) <= 100
        assert rows_read(plan, {"subscribers"}) >= 100  # it did claim a batch


def test_a_sender_ending_gives_back_exactly_the_claims_it_did_not_settle(
    send_ws, postgres_url, monkeypatch
):
    """A sender that sent two of its claimed readers, never heard the relay's reply for one
    (`unknown`), failed one, left one pending and never gave out the rest of its batch gives
    back, as it ends, the pending one and the untried ones, and keeps the claims of the
    settled.  (A claim the server committed but whose reply the sender lost is not made
    here.)"""
    with _registered_journal(send_ws, postgres_url, monkeypatch, 60) as (server, journal):
        stream = journal.unsent()
        given = [next(stream).email for _ in range(5)]
        stream.close()  # the rest of its claim: never given out
        for email, status in zip(
            given, ("sent", "sent", "unknown", "failed", "pending"), strict=True
        ):
            journal.record(email, status, attempts=1)
        raw = journal.pg.raw
        claimed = "SELECT count(*) FROM send_claims WHERE sender_id = %s"
        (before,) = raw.execute(claimed, (journal.sender_id,)).fetchone() or (0,)
        assert before == 60  # one batch: the whole short list
    check = open_postgres_journal(server, ISSUE_ID, create=False)
    assert check is not None
    try:
        kept = check.pg.raw.execute(
            "SELECT s.email::text FROM send_claims c JOIN subscribers s ON s.id = c.subscriber_id"
            " WHERE c.sender_id = %s ORDER BY 1",
            (journal.sender_id,),
        ).fetchall()
    finally:
        check.close()
    assert [email for (email,) in kept] == sorted(given[:4])
