"""A hostile relay during a send: endless replies and garbled codes never grow a worker or
turn an outcome the relay may hold into one a re-run sends again."""

from __future__ import annotations

import base64
import time
import tracemalloc

import pytest
from aiosmtpd.smtp import AuthResult

from newsletter.send.sender import send_issue
from newsletter.subscribers.status_reasons import is_bad_address
from tests.support import smtp_server as smtp_support
from tests.support.smtp_server import PASSWORD, USER, RecordingHandler, smtp_server
from tests.support.starttls_relay import send_over_starttls, send_through_refusing_relay

pytest_plugins = ["tests.support.send_fixtures"]


def send(send_ws, server, **smtp):
    """Send the workspace's issue through `server` with these SMTP settings."""
    return send_issue(send_ws.issue, send_ws.with_server(server.host, server.port, **smtp))


def test_an_endless_reply_to_the_final_dot_is_unknown_at_once_and_small(send_ws):
    """`250-` lines flooding in after the `.`: unknown once the reply passes 64 KiB, not GBs."""
    emails = send_ws.add_many(3)
    handler = RecordingHandler(drip_seconds=20)
    handler.fail(emails[1], "data", "flood")
    with smtp_server(handler=handler) as server:
        tracemalloc.start()
        started = time.monotonic()
        try:
            summary = send(send_ws, server, connections=1, data_timeout=15)
            took = time.monotonic() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        again = send(send_ws, server, connections=1)
    assert took < 5, took
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MB"
    assert (summary.sent, summary.unknown, summary.retries) == (2, 1, 0), summary
    assert send_ws.journal_statuses()[emails[1]] == "unknown"
    assert again.sent == 0 and handler.by_recipient() == {e: 1 for e in emails}, (
        dict(handler.attempts),
        again,
    )


def test_an_endless_ehlo_reply_stops_the_run_in_one_line(send_ws):
    """A relay answering EHLO with lines for ever: one line naming host:port, nobody mailed."""
    send_ws.add_many(2)
    handler = RecordingHandler(drip_seconds=20, flood_ehlo=True)
    with smtp_server(handler=handler) as server:
        started = time.monotonic()
        summary = send(send_ws, server, timeout=15)
    assert time.monotonic() - started < 5
    assert (
        summary.stopped
        == f"127.0.0.1:{server.port}: a reply of more than 64 KiB: no relay's answer"
    )
    assert (summary.sent, summary.left) == (0, 2) and handler.received == []


@pytest.mark.parametrize(
    "reply",
    [
        "25 queued",
        "099 queued",
        "+25 queued",
        "2500 queued",
        "354 go on",
        "250-ok\r\n550 no",
        "xyz",
    ],
)
def test_a_garbled_reply_to_the_final_dot_stays_unknown_and_is_never_resent(send_ws, reply):
    """A reply after the `.` that is no SMTP reply (nor a refusal) is unknown: a re-run skips it."""
    emails = send_ws.add_many(2)
    handler = RecordingHandler()
    handler.fail(emails[0], "data", f"kept:{reply}")
    with smtp_server(handler=handler) as server:
        first = send(send_ws, server, connections=1)
        again = send(send_ws, server, connections=1)
    assert (first.sent, first.unknown, first.failed) == (1, 1, 0)
    assert send_ws.journal_statuses()[emails[0]] == "unknown"
    assert again.sent == 0 and handler.by_recipient() == {e: 1 for e in emails}, (
        dict(handler.attempts),
        again,
    )


def test_another_positive_reply_to_the_final_dot_is_sent(send_ws):
    """A 2xx other than 250 after the `.` is the relay taking the message: sent, not failed."""
    emails = send_ws.add_many(2)
    handler = RecordingHandler()
    handler.fail(emails[0], "data", "kept:252 2.0.0 queued as 12345")
    with smtp_server(handler=handler) as server:
        first = send(send_ws, server, connections=1)
        again = send(send_ws, server, connections=1)
    assert (first.sent, first.unknown, first.failed) == (2, 0, 0)
    assert again.sent == 0 and handler.by_recipient() == {e: 1 for e in emails}, (
        dict(handler.attempts),
        again,
    )


def test_a_megabyte_reply_line_is_a_retry_before_the_dot_and_unknown_after(send_ws):
    """A 1 MB reply line: at RCPT the session is dropped and the reader retried (one copy);
    to the final `.` the outcome stays unknown."""
    emails = send_ws.add_many(3)
    handler = RecordingHandler()
    handler.fail(emails[0], "rcpt", "250 " + "x" * 1_000_000)
    handler.fail(emails[1], "data", "kept:250 " + "x" * 1_000_000)
    with smtp_server(handler=handler) as server:
        first = send(send_ws, server, connections=1)
        again = send(send_ws, server, connections=1)
    assert (first.sent, first.unknown, first.retries) == (2, 1, 1)
    assert send_ws.journal_statuses()[emails[1]] == "unknown"
    assert again.sent == 0 and handler.by_recipient() == {e: 1 for e in emails}


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_reply_running_ahead_of_the_final_dot_is_never_taken_for_its_answer(send_ws, pipelining):
    """A `250` sent behind the 354, before the message: the session is dropped before the `.`
    and the reader retried, so the relay's real answer (here a 554) is the one recorded, and
    the next reader's replies are their own."""
    emails = send_ws.add_many(3)
    handler = RecordingHandler(pipelining=pipelining)
    handler.fail(emails[0], "rcpt", "ahead:250 2.0.0 queued early")
    handler.fail(emails[0], "data", "554 5.7.1 rejected as spam")
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1)
    assert (summary.sent, summary.failed, summary.unknown) == (2, 1, 0)
    assert send_ws.journal_statuses() == {emails[0]: "failed", emails[1]: "sent", emails[2]: "sent"}
    assert handler.by_recipient() == {emails[1]: 1, emails[2]: 1}


@pytest.mark.parametrize("pipelining", [False, True])
def test_a_reply_nobody_asked_for_after_the_final_dot_is_no_next_readers_answer(
    send_ws, pipelining
):
    """An extra `250` behind the answer to one reader's `.` is never read as the next reader's:
    the session is dropped, and that reader's own refusal (a 550 5.1.1 at RCPT) is theirs."""
    emails = send_ws.add_many(3)
    send_ws.refused_earlier(emails[1:2])  # the second issue refused: believed
    handler = RecordingHandler(pipelining=pipelining)
    handler.fail(emails[0], "data", "kept:250 2.0.0 queued\r\n250 2.0.0 and again")
    handler.fail(emails[1], "rcpt", "550 5.1.1 no such user")
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1)
    assert (summary.sent, summary.failed, summary.bounced) == (2, 1, 1)
    assert send_ws.journal_statuses() == {emails[0]: "sent", emails[1]: "failed", emails[2]: "sent"}
    assert handler.by_recipient() == {emails[0]: 1, emails[2]: 1}


def test_a_relays_long_refusals_are_kept_short_in_the_journal(send_ws):
    """Every other reader refused with a 60 KB reply (61 lines, within the reply's bounds):
    each journal row keeps at most 500 characters of it, as a reader's reason does (it kept
    all 60 KB a row: a list of a million readers, 30 GB of newsletter.db)."""
    emails = send_ws.add_many(40)
    handler = RecordingHandler()
    for n, email in enumerate(emails[::2]):
        lines = [f"550-5.7.1 refusal {n} " + "x" * 980] * 60 + ["550 5.7.1 end"]
        handler.fail(email, "rcpt", "\r\n".join(lines))
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1)
    assert (summary.sent, summary.failed) == (20, 20)
    journal = send_ws.journal("2026-W48")
    try:
        (longest,) = journal.conn.execute(
            "SELECT max(length(last_error)) FROM deliveries"
        ).fetchone()
    finally:
        journal.close()
    assert 100 < longest <= 500, longest
    assert all(len(reason) <= 500 for reason, _ in summary.reasons)


def test_a_relay_echoing_the_password_in_its_refusal_never_gets_it_printed(
    send_ws, tls_contexts, monkeypatch
):
    """A 535 that quotes the password, plain and as the AUTH PLAIN blob: the run's line shows
    the relay's words with the password hidden (it printed both)."""

    def echoing(password: str):
        def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
            said = auth_data.password.decode()
            blob = base64.b64encode(b"\0" + auth_data.login + b"\0" + auth_data.password)
            return AuthResult(
                success=False, handled=False, message=f"535 5.7.8 no: {said} {blob.decode()}"
            )

        return authenticate

    monkeypatch.setattr(smtp_support, "_authenticator", echoing)
    send_ws.add_many(2)
    summary = send_over_starttls(send_ws, tls_contexts, password="wrong-secret-123").summary
    blob = base64.b64encode(b"\0editor\0wrong-secret-123").decode()
    assert summary.stopped is not None and "535 5.7.8 no:" in summary.stopped
    assert "wrong-secret-123" not in summary.stopped and blob not in summary.stopped


def test_a_garbled_rcpt_reply_the_relay_took_sends_no_empty_message(send_ws):
    """Pipelined, a RCPT answered `2.1.5 ok` (no code: refused, to us) while the relay took the
    recipient and answered DATA 354: the session is dropped, not ended with a bare `.` (which
    mailed the reader an empty message before their retried copy)."""
    emails = send_ws.add_many(2)
    handler = RecordingHandler(pipelining=True)
    handler.fail(emails[0], "rcpt", "accept:2.1.5 ok")
    with smtp_server(handler=handler) as server:
        summary = send(send_ws, server, connections=1)
    assert (summary.sent, summary.retries) == (2, 1)
    assert handler.by_recipient() == {e: 1 for e in emails}
    assert all(b"Subject:" in received.data for received in handler.received)


def test_a_relay_quoting_the_password_in_a_refusal_never_gets_it_journaled(send_ws, tls_contexts):
    """After AUTH, a relay refusing a reader with the password in its words (plain and as the
    AUTH PLAIN blob): the journal row and the run's reasons keep the words, not the password
    (the journal is shared with whoever reads the list's database)."""
    blob = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    summary, error = send_through_refusing_relay(
        send_ws, tls_contexts, f"550 5.7.1 denied to {PASSWORD} ({blob})"
    )
    assert (summary.sent, summary.failed) == (1, 1)
    assert error.startswith("550 5.7.1 denied to"), error
    assert PASSWORD not in error and blob not in error
    assert all(PASSWORD not in reason and blob not in reason for reason, _ in summary.reasons)


@pytest.mark.parametrize("after_code", ["\t", ":", ": "], ids=["tab", "colon", "colon-space"])
def test_a_reply_hidden_whole_keeps_the_enhanced_code_that_marks_a_bad_address(
    send_ws, tls_contexts, after_code
):
    """A 550 5.1.1 after the login, its code followed by a tab or a colon, that quotes the
    password (its blanks dropped, so the whole reply is hidden): the journal keeps `550
    5.1.1`, read from the relay's real reply, so the refusal is still a bad address (the
    mark a second issue in a row believes), and the password is nowhere (the code went with
    the rest, and the refusal read as an ordinary 550)."""
    squeezed = PASSWORD.replace(" ", "")
    reply = f"550 5.1.1{after_code}no such user here (logged in with {squeezed})"
    summary, error = send_through_refusing_relay(send_ws, tls_contexts, reply)
    assert (summary.sent, summary.failed) == (1, 1)
    assert is_bad_address(error) and error.startswith("550 5.1.1"), error
    assert squeezed not in error and "[password hidden]" in error, error
    assert all(squeezed not in reason for reason, _ in summary.reasons)
