"""What a PostgreSQL sender's claim of a batch reads (newsletter/send/claim_statements.py):
the readers after its cursor, each looked up by key, never every claim and delivery of the
issue, whatever the server's statistics say."""

from __future__ import annotations

import json
import time
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
        stream = journal.unsent(limit=800)  # a limit: no batch claimed ahead of the 800
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


def _ids(journal, emails: list[str]) -> list[int]:
    """The subscriber ids of `emails`, in their order."""
    found = dict(journal.pg.raw.execute("SELECT email::text, id FROM subscribers").fetchall())
    return [found[email] for email in emails]


def test_each_worker_process_claims_its_own_range_first_and_walks_no_range_a_living_one_holds(
    send_ws, postgres_url, monkeypatch
):
    """Two worker processes of one run (parts 0 and 1 of 2) over 100 readers: the second
    claims from the middle of the list, and once at the end it does not walk the first's
    range, every reader of which the first (alive) holds; once the first's lease has run
    out, the second's next pass walks that range and takes its readers."""
    with _registered_journal(send_ws, postgres_url, monkeypatch, 100) as (server, first):
        second = open_postgres_journal(server, ISSUE_ID, create=False, lease=60.0)
        assert second is not None
        try:
            second.register()
            up_to = first.pg.raw.execute("SELECT max(id) FROM subscribers").fetchone()[0]
            mine = first.unsent(part=(0, 2), up_to=up_to)
            held = [next(mine).email for _ in range(up_to // 2)]  # the first half: claimed
            walked: list[tuple[int, int]] = []
            claimed_in = second._claimed_in

            def spied(last, end, *args):
                walked.append((last, end))
                return claimed_in(last, end, *args)

            monkeypatch.setattr(second, "_claimed_in", spied)
            theirs = [r.email for r in second.unsent(part=(1, 2), up_to=up_to)]
            assert _ids(second, theirs) == list(range(up_to // 2 + 1, up_to + 1))
            assert walked == [(up_to // 2, up_to)]  # not (0, up_to // 2): held by the first
            for email in theirs:
                second.record(email, "sent", attempts=1)
            mine.close()
            first.pg.raw.execute(
                "UPDATE senders SET lease_until = now() - interval '1 second' WHERE sender_id = %s",
                (first.sender_id,),
            )  # the first killed -9: its claims are free once its lease has run out
            again = [r.email for r in second.unsent(part=(1, 2), up_to=up_to)]
            assert sorted(again) == sorted(held)
        finally:
            second.close()


def test_a_full_batch_has_the_next_one_claimed_while_it_goes_out_and_nobody_is_given_twice(
    send_ws, postgres_url, monkeypatch
):
    """Claims of 10 over 45 readers: while the first batch's readers are given out the next
    batch is already claimed (on its own thread), every reader is given once and in order;
    a stream closed mid-batch leaves the batch claimed ahead to be given back at the end."""
    with _registered_journal(send_ws, postgres_url, monkeypatch, 45) as (_, journal):
        journal.batch = 10
        raw = journal.pg.raw
        count = "SELECT count(*) FROM send_claims WHERE sender_id = %s"
        stream = journal.unsent()
        given = [next(stream).email]
        deadline = time.monotonic() + 10
        while raw.execute(count, (journal.sender_id,)).fetchone() != (20,):
            assert time.monotonic() < deadline, "the next batch was not claimed ahead"
            time.sleep(0.01)
        given += [r.email for r in stream]
        assert _ids(journal, given) == sorted(_ids(journal, given))
        assert len(given) == len(set(given)) == 45
    with _registered_journal(send_ws, postgres_url, monkeypatch, 0) as (_, journal):
        journal.batch = 10
        stream = journal.unsent()
        for _ in range(3):
            journal.record(next(stream).email, "sent", attempts=1)
        stream.close()  # the claim ahead of the second batch: waited for, then unsettled
        assert len(journal._unsettled) >= 17


def test_a_sender_closed_while_a_claim_ahead_runs_gives_its_readers_back(
    send_ws, postgres_url, monkeypatch
):
    """A journal closed with its stream still open (a run stopped by an error, whose
    traceback keeps the stream alive) while the next batch is being claimed ahead (made slow
    here) waits for that claim, then gives back every reader it holds: none stays claimed
    by a finished sender, where the late claim used to land after the give-back."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    add_readers(ws, 45)
    server = ws.settings.database_server
    assert server is not None
    journal = open_postgres_journal(server, ISSUE_ID, create=True, lease=60.0)
    assert journal is not None
    journal.register()
    journal.batch = 10
    claim_batch, calls = journal._claim_batch, []

    def slow_ahead(query, params):
        calls.append(params["last"])
        if len(calls) == 2:  # the claim ahead of the second batch
            time.sleep(1.0)
        return claim_batch(query, params)

    monkeypatch.setattr(journal, "_claim_batch", slow_ahead)
    stream = journal.unsent()
    next(stream)
    journal.close()  # `stream` still open: its generator's `finally` has not run
    time.sleep(1.5)  # a claim ahead that outlived close() has landed by now
    check = open_postgres_journal(server, ISSUE_ID, create=False)
    assert check is not None
    try:
        held = check.pg.raw.execute(
            "SELECT count(*) FROM send_claims WHERE sender_id = %s", (journal.sender_id,)
        ).fetchone()
    finally:
        check.close()
    assert len(calls) == 2
    assert held == (0,)
    stream.close()
