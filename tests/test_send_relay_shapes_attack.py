"""A relay that answers as no real one does, scripted line by line on 127.0.0.1, through
`send_issue` and its journal (docs/security.md, *Feeds, reports, relays and serve, a third
round from outside*): held cases the earlier relay tests did not have. Nobody is recorded sent
who was not, nobody is mailed twice, nobody is marked bounced on a garbled word."""

from __future__ import annotations

from newsletter.send.sender import send_issue
from tests.support.scripted_relay import ScriptedRelay, Session, plain

pytest_plugins = ["tests.support.send_fixtures"]


def _send(send_ws, answer):
    with ScriptedRelay(answer) as relay:
        summary = send_issue(
            send_ws.issue,
            send_ws.with_server(relay.host, relay.port, connections=1, timeout=3, retry_delay=0.01),
        )
    return summary, relay


def test_a_250_to_data_sends_nothing_and_the_next_run_sends_each_once(send_ws):
    """`250 ok` where DATA's `354` was due, pipelined: no message is sent, each reader is
    recorded failed (not sent, not unknown), and a run through an honest relay then sends
    each once."""
    emails = send_ws.add_many(3)

    def answer(command: bytes, session: Session) -> bytes:
        if command[:4].upper() == b"EHLO":
            return b"250-relay.example\r\n250 PIPELINING\r\n"
        return b"250 ok\r\n" if command.upper() == b"DATA" else plain(command, session)

    summary, relay = _send(send_ws, answer)
    assert (summary.sent, summary.failed, summary.unknown) == (0, 3, 0), summary
    assert sum(s.ended for s in relay.sessions) == 0
    again, honest = _send(send_ws, plain)
    assert again.sent == 3 and sum(s.ended for s in honest.sessions) == 3, again
    assert send_ws.journal_statuses() == {e: "sent" for e in emails}


def test_a_421_after_the_first_message_of_each_session_mails_each_reader_once(send_ws):
    """`421` to the MAIL of every session's second message (a relay limiting messages per
    connection): each reader is sent once, on a new connection, none twice."""
    emails = send_ws.add_many(4)

    def answer(command: bytes, session: Session) -> bytes:
        if command.upper().startswith(b"MAIL") and session.ended >= 1:
            return b"421 4.7.0 too many messages, closing\r\n"
        return plain(command, session)

    summary, relay = _send(send_ws, answer)
    assert (summary.sent, summary.failed) == (4, 0), summary
    assert sum(s.ended for s in relay.sessions) == 4
    assert send_ws.journal_statuses() == {e: "sent" for e in emails}


def test_a_354_and_a_421_in_one_write_is_never_ended_with_the_final_dot(send_ws):
    """`354` and `421` in one write to DATA: the message is never ended with its `.` (the
    relay cannot have it), the reader retried and, still refused, failed (never unknown)."""
    send_ws.add_many(2)

    def answer(command: bytes, session: Session) -> bytes:
        if command.upper() == b"DATA":
            return b"354 go ahead\r\n421 4.3.2 shutting down\r\n"
        return plain(command, session)

    summary, relay = _send(send_ws, answer)
    assert (summary.sent, summary.unknown, summary.failed) == (0, 0, 2), summary
    assert sum(s.ended for s in relay.sessions) == 0


def test_mixed_codes_naming_an_unknown_address_never_mark_a_reader_bounced(send_ws):
    """`250-ok` / `550-5.1.1` / `550 5.1.1` to RCPT (a reply changing its code midway), for
    readers refused as unknown on the issue before: garbled, it is no refusal; each reader is
    retried and failed, none marked bounced."""
    emails = send_ws.add_many(2)
    send_ws.refused_earlier(emails)

    def answer(command: bytes, session: Session) -> bytes:
        if command.upper().startswith(b"RCPT"):
            return b"250-ok\r\n550-5.1.1 no such user\r\n550 5.1.1 no such user\r\n"
        return plain(command, session)

    summary, _relay = _send(send_ws, answer)
    assert (summary.sent, summary.bounced) == (0, 0), summary
    assert set(send_ws.statuses().values()) == {"active"}
