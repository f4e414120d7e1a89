"""A flaky or hostile server: retries, permanent failures, dropped connections, pauses, resumes."""

from __future__ import annotations

import time

import pytest

from newsletter.errors import DeliveryError
from newsletter.send.journal import send_lock
from newsletter.send.sender import SendOptions, send_issue
from tests.support.relay_faults import RelayAway
from tests.support.send_workspace import (
    send_ws_on_each_backend,  # noqa: F401 (send_ws: each backend in turn)
)
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


def send(send_ws, server, **smtp):
    """Send the workspace's issue through `server` with these SMTP settings changed."""
    return send_issue(send_ws.issue, send_ws.with_server(server.host, server.port, **smtp))


def journal_rows(send_ws):
    """{email: (status, attempts, last_error, message_id)} from the delivery journal."""
    journal = send_ws.journal("2026-W48")
    try:
        rows = journal.conn.execute(
            "SELECT email, status, attempts, last_error, message_id FROM deliveries"
        ).fetchall()
    finally:
        journal.close()
    return {email: tuple(rest) for email, *rest in rows}


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_4xx_replies_are_retried_until_accepted(send_ws, smtpd, stage):
    """A recipient answered 451 twice is retried and delivered once; others are unaffected."""
    emails = send_ws.add_many(6)
    smtpd.handler.fail(emails[2], stage, "451 4.3.0 try again later", "452 4.2.2 mailbox busy")
    summary = send(send_ws, smtpd)
    assert (summary.sent, summary.failed, summary.retries) == (6, 0, 2)
    assert smtpd.handler.by_recipient() == {e: 1 for e in emails}
    status, attempts, _, _ = journal_rows(send_ws)[emails[2]]
    assert (status, attempts) == ("sent", 3)


def test_5xx_is_a_permanent_failure_and_the_run_goes_on(send_ws, smtpd):
    """A 550 for one recipient is recorded with its reason, and everyone else is still sent."""
    emails = send_ws.add_many(5)
    smtpd.handler.fail(emails[1], "rcpt", "550 5.7.1 refused by policy")
    summary = send(send_ws, smtpd)
    assert (summary.sent, summary.failed, summary.left) == (4, 1, 1)
    assert summary.failures[0].email == emails[1]
    assert summary.failures[0].reason == "550 5.7.1 refused by policy"
    assert summary.reasons == (("550 5.7.1 refused by policy", 1),)
    assert journal_rows(send_ws)[emails[1]][:3] == ("failed", 1, "550 5.7.1 refused by policy")
    assert emails[1] not in smtpd.handler.by_recipient()


def test_rerun_retries_failed_recipients_and_skips_sent_ones(send_ws, smtpd):
    """After a failure, running again mails only the failed recipient, and only once."""
    emails = send_ws.add_many(4)
    smtpd.handler.fail(emails[0], "data", "554 5.7.1 rejected for now")
    send(send_ws, smtpd)
    summary = send(send_ws, smtpd)
    assert (summary.sent, summary.failed, summary.skipped, summary.left) == (1, 0, 3, 0)
    assert smtpd.handler.by_recipient() == {e: 1 for e in emails}


def test_dropped_connections_reconnect_and_retry(send_ws, smtpd):
    """A connection closed before the message is complete is re-opened and the message retried."""
    emails = send_ws.add_many(8)
    smtpd.handler.fail(emails[3], "rcpt", "drop")
    smtpd.handler.fail(emails[6], "rcpt", "drop", "drop")
    summary = send(send_ws, smtpd)
    assert (summary.sent, summary.failed, summary.retries) == (8, 0, 3)
    assert smtpd.handler.by_recipient() == {e: 1 for e in emails}


def test_421_closes_the_connection_and_is_retried(send_ws, smtpd):
    """A 421 (service closing) counts as a dropped connection: reconnect, retry, deliver."""
    emails = send_ws.add_many(3)
    smtpd.handler.fail(emails[1], "rcpt", "421 4.7.0 too many messages, closing")
    summary = send(send_ws, smtpd, connections=1)
    assert (summary.sent, summary.failed) == (3, 0)
    assert smtpd.handler.by_recipient() == {e: 1 for e in emails}


def test_a_retry_waits_while_the_rest_of_the_list_goes_on(send_ws, smtpd):
    """A recipient refused for now is retried later; the recipients after it are not held up."""
    emails = send_ws.add_many(4)
    smtpd.handler.fail(emails[0], "rcpt", "451 4.3.0 try later")
    summary = send(send_ws, smtpd, connections=1, retry_delay=0.5)
    assert (summary.sent, summary.failed, summary.retries) == (4, 0, 1)
    assert [r.rcpt_tos[0] for r in smtpd.received] == [*emails[1:], emails[0]]


def test_a_recipient_out_of_attempts_fails_with_the_last_reason(send_ws, smtpd):
    """A recipient answered 4xx every time fails after max_attempts, the reason saying so."""
    emails = send_ws.add_many(2)
    smtpd.handler.fail(emails[0], "rcpt", *["450 4.2.1 mailbox unavailable"] * 10)
    summary = send(send_ws, smtpd, max_attempts=3)
    assert (summary.sent, summary.failed) == (1, 1)
    assert summary.failures[0].reason == "450 4.2.1 mailbox unavailable (after 3 attempts)"
    assert smtpd.handler.attempts[emails[0]] == 3
    assert journal_rows(send_ws)[emails[0]][:2] == ("failed", 3)


def test_too_many_failures_in_a_row_pause_the_run(send_ws):
    """A server refusing everyone makes the run pause itself after max_consecutive_failures."""
    send_ws.add_many(100)
    handler = RecordingHandler(always={"rcpt": "550 5.7.1 relaying denied"})
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, max_consecutive_failures=5, connections=1)
    assert summary.paused and summary.failed == 5
    assert summary.stopped.startswith("paused after 5 failed recipients in a row")
    assert "run the same command again" in summary.stopped
    assert summary.left == 100


def test_a_server_that_goes_away_stops_the_run_and_keeps_the_recipient(send_ws, smtpd):
    """A relay that vanishes mid-run stops it after the attempts; the recipient stays unsent."""
    send_ws.add_many(10)
    settings = send_ws.with_server(smtpd.host, smtpd.port, connections=1, max_attempts=3)

    vanishing = RelayAway(settings.smtp, refused=lambda n: n > 1)  # then nobody listens
    summary = send_issue(send_ws.issue, settings, SendOptions(transport=vanishing))
    assert summary.sent == 1 and summary.failed == 0 and summary.left == 9
    assert "gave up after 3 attempts to connect" in summary.stopped
    assert sum(status == "pending" for status, *_ in journal_rows(send_ws).values()) == 1


def test_limit_sends_to_the_first_n_only(send_ws, smtpd):
    """`limit` sends to the first N not yet sent; the next run continues from there."""
    emails = send_ws.add_many(7)
    settings = send_ws.with_server(smtpd.host, smtpd.port)
    first = send_issue(send_ws.issue, settings, SendOptions(limit=3))
    assert (first.sent, first.left) == (3, 4)
    assert set(smtpd.handler.by_recipient()) == set(emails[:3])
    rest = send(send_ws, smtpd)
    assert (rest.sent, rest.skipped, rest.left) == (4, 3, 0)
    assert smtpd.handler.by_recipient() == {e: 1 for e in emails}


def test_rate_limit_spaces_the_messages(send_ws, smtpd):
    """At a rate of 20 a second, 10 messages take at least about half a second."""
    send_ws.add_many(10)
    started = time.monotonic()
    summary = send(send_ws, smtpd, rate=20.0, connections=3)
    assert summary.sent == 10
    assert time.monotonic() - started >= 0.4


def test_journal_keeps_the_message_id_the_server_received(send_ws, smtpd):
    """Each sent row holds the Message-ID of the message the server accepted."""
    send_ws.add_many(3)
    send(send_ws, smtpd)
    rows = journal_rows(send_ws)
    for received in smtpd.received:
        status, attempts, _, message_id = rows[received.rcpt_tos[0]]
        assert (status, attempts) == ("sent", 1)
        assert message_id == received.message()["Message-ID"]


def test_a_second_send_while_one_runs_is_refused(send_ws, smtpd):
    """Two runs never mail the list at once: the second is refused with a clear message."""
    send_ws.add_many(2)
    with (
        send_lock(send_ws.send_state, "2026-W48"),
        pytest.raises(DeliveryError, match="another `newsletter send` is running"),
    ):
        send(send_ws, smtpd)
    assert smtpd.received == []
