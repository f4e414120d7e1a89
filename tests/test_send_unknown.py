"""Lost, late and dripped replies: an unknown outcome is journaled at once and never re-sent."""

from __future__ import annotations

import random
import time

import pytest

from newsletter.errors import DeliveryError
from newsletter.send import send_test_copy
from newsletter.send.sender import SendOptions, send_issue
from tests.support.send_workspace import (
    send_ws_on_each_backend,  # noqa: F401 (send_ws: each backend in turn)
)
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


def send(send_ws, server, **options):
    """Send the workspace's issue through `server`; SMTP settings and send options as given."""
    resend = options.pop("resend_unknown", False)
    settings = send_ws.with_server(server.host, server.port, **options)
    return send_issue(send_ws.issue, settings, SendOptions(resend_unknown=resend))


@pytest.mark.parametrize("pipelining", [False, True])
def test_five_percent_lost_replies_give_every_reader_exactly_one_copy(send_ws, pipelining):
    """The reply to the final `.` lost for 5% of messages: each reader has one copy, re-runs too."""
    emails = send_ws.add_many(400)
    lost = set(random.Random(7).sample(emails, 20))
    handler = RecordingHandler(pipelining=pipelining)
    for email in lost:
        handler.fail(email, "data", "lost")
    with smtp_server(handler=handler) as server:
        first = send(send_ws, server, connections=3)
        again = send(send_ws, server, connections=3)
    assert (first.sent, first.unknown, first.failed) == (380, 20, 0)
    assert first.unknown_total == 20 and first.left == 0
    assert handler.by_recipient() == {e: 1 for e in emails}
    assert {e for e, s in send_ws.journal_statuses().items() if s == "unknown"} == lost
    assert (again.sent, again.unknown, again.skipped) == (0, 0, 380)


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_relay_hanging_up_after_its_354_is_retried_not_unknown(send_ws, pipelining):
    """Closed right after DATA's 354, before the message: an ordinary retry, one copy each."""
    emails = send_ws.add_many(400)
    hung = set(random.Random(9).sample(emails, 20))
    handler = RecordingHandler(pipelining=pipelining)
    for email in hung:
        handler.fail(email, "rcpt", "hangup")
    with smtp_server(handler=handler) as server:
        first = send(send_ws, server, connections=3)
    assert (first.sent, first.unknown, first.failed) == (400, 0, 0)
    assert first.retries == 20
    assert handler.by_recipient() == {e: 1 for e in emails}
    assert all(handler.attempts[e] == 2 for e in hung)


@pytest.mark.parametrize("pipelining", [False, True])
@pytest.mark.parametrize("after", [0.0, 0.003, 0.02, 0.2], ids=lambda s: f"{s * 1000:g}ms")
def test_a_relay_going_away_any_time_after_its_354_unread_is_retried(send_ws, after, pipelining):
    """354, then nothing read, then a close `after` seconds later (the `.` long sent): a retry, one copy each."""
    emails = send_ws.add_many(30)
    hung = set(random.Random(11).sample(emails, 4))
    handler = RecordingHandler(pipelining=pipelining)
    for email in hung:
        handler.fail(email, "rcpt", f"hangup:{after}")
    with smtp_server(handler=handler) as server:
        first = send(send_ws, server, connections=2)
    assert (first.sent, first.unknown, first.failed) == (30, 0, 0)
    assert first.retries == 4
    assert handler.by_recipient() == {e: 1 for e in emails}
    assert all(handler.attempts[e] == 2 for e in hung)


def test_a_relay_that_read_the_message_and_closed_without_a_reply_stays_unknown(send_ws):
    """The relay read the final `.` and queued the message, then closed: unknown, never sent twice."""
    emails = send_ws.add_many(5)
    handler = RecordingHandler()
    handler.fail(emails[1], "data", "lost")
    with smtp_server(handler=handler) as server:
        first = send(send_ws, server)
    assert (first.sent, first.unknown) == (4, 1)
    assert handler.by_recipient() == {e: 1 for e in emails}


def test_only_a_reset_or_an_unacknowledged_dot_is_proof_the_relay_never_read_it():
    """A reset anywhere in the error's causes is proof; a plain close of a gone socket is not."""
    import smtplib

    from newsletter.send.final_dot import never_read

    reset = smtplib.SMTPServerDisconnected("closed")
    reset.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert never_read(None, reset) is True
    assert (
        never_read(None, smtplib.SMTPServerDisconnected("Connection unexpectedly closed")) is False
    )
    timeout = smtplib.SMTPServerDisconnected("closed")
    timeout.__cause__ = TimeoutError("no complete reply in time")
    assert never_read(None, timeout) is False


def test_resend_unknown_sends_those_recipients_again_once(send_ws):
    """`resend_unknown` is the editor's explicit choice: each unknown recipient gets one more try."""
    emails = send_ws.add_many(6)
    handler = RecordingHandler()
    handler.fail(emails[2], "data", "lost")
    with smtp_server(handler=handler) as server:
        send(send_ws, server)
        summary = send(send_ws, server, resend_unknown=True)
    assert (summary.sent, summary.unknown_total) == (1, 0)
    assert handler.by_recipient()[emails[2]] == 2
    assert send_ws.journal_statuses()[emails[2]] == "sent"


def test_a_relay_that_drops_after_every_message_pauses_the_run_soon(send_ws):
    """Unknown outcomes count towards max_consecutive_failures: the run pauses after a few."""
    send_ws.add_many(200)
    handler = RecordingHandler(always={"data": "lost"})
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, max_consecutive_failures=5, connections=2)
    assert summary.paused and 5 <= summary.unknown <= 6
    assert len(handler.received) == summary.unknown  # none of them sent twice
    assert summary.stopped.startswith("paused after")


def test_a_dripping_reply_to_the_final_dot_gives_up_at_data_timeout(send_ws):
    """A server dripping continuation lines cannot hang the run: data_timeout bounds the reply."""
    emails = send_ws.add_many(3)
    handler = RecordingHandler(drip_seconds=20)
    handler.fail(emails[1], "data", "drip")
    started = time.monotonic()
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1, timeout=5, data_timeout=1.0)
    assert time.monotonic() - started < 10
    assert (summary.sent, summary.unknown) == (2, 1)
    assert send_ws.journal_statuses()[emails[1]] == "unknown"


@pytest.mark.parametrize("fault", ["drip", "trickle"])
def test_a_dripping_reply_before_the_body_is_retried(send_ws, fault):
    """A dripped RCPT reply (lines or bytes) times out as a whole, and the recipient is retried."""
    emails = send_ws.add_many(2)
    handler = RecordingHandler(drip_seconds=20)
    handler.fail(emails[0], "rcpt", fault)
    started = time.monotonic()
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1, timeout=1.0)
    assert time.monotonic() - started < 10
    assert (summary.sent, summary.unknown, summary.retries) == (2, 0, 1)
    assert handler.by_recipient() == {e: 1 for e in emails}


def test_the_final_reply_may_take_longer_than_timeout_up_to_data_timeout(send_ws):
    """A relay slow to accept the body (past `timeout`, within `data_timeout`) is not cut off."""
    emails = send_ws.add_many(1)
    handler = RecordingHandler(drip_seconds=1.5)
    handler.fail(emails[0], "data", "drip")
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, timeout=0.5, data_timeout=10.0)
    assert (summary.sent, summary.unknown) == (1, 0)


def test_503_is_the_sessions_fault_and_the_recipient_is_retried(send_ws):
    """A 503 bad sequence reconnects and retries; the recipient is delivered, not failed."""
    emails = send_ws.add_many(4)
    handler = RecordingHandler()
    handler.fail(emails[1], "rcpt", "503 5.5.1 bad sequence of commands")
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1)
    assert (summary.sent, summary.failed) == (4, 0)
    assert handler.by_recipient() == {e: 1 for e in emails}


def test_rset_after_a_failed_end_of_data_keeps_the_next_recipient_safe(send_ws):
    """After a 451 at end of data the session is RSET, so the next MAIL is not answered 503."""
    emails = send_ws.add_many(4)
    handler = RecordingHandler()
    handler.fail(emails[0], "data", "poison")
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1, retry_delay=0.01)
    assert (summary.sent, summary.failed) == (4, 0)
    assert handler.rsets >= 1 and handler.bad_sequences == 0
    assert handler.by_recipient() == {e: 1 for e in emails}


def test_a_test_copy_whose_reply_is_lost_is_not_sent_again(send_ws):
    """`--to` never retries after the body went out: one copy, and an error saying to check."""
    handler = RecordingHandler()
    handler.fail("me@example.org", "data", "lost")
    with smtp_server(handler=handler) as server:
        settings = send_ws.with_server(server.host, server.port)
        with pytest.raises(DeliveryError, match="went out but the reply was lost"):
            send_test_copy(send_ws.issue, "me@example.org", settings)
    assert handler.by_recipient() == {"me@example.org": 1}
