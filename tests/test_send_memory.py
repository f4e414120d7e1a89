"""The in-memory transport shipped for users' own tests, the send plan, and the stop signals."""

from __future__ import annotations

import os
import signal
from dataclasses import replace

import pytest

from newsletter.send import (
    ConnectionLost,
    MemoryTransport,
    OutcomeUnknown,
    PermanentFailure,
    SendOptions,
    ServerUnavailable,
    TemporaryFailure,
    plan_send,
    run_send,
    send_issue,
)
from newsletter.send.signals import stop_on_signals

pytest_plugins = ["tests.support.send_fixtures"]


def quick_retries(ws):
    """The workspace's settings with retries after 0.01 s instead of 1 s."""
    return replace(ws.settings, smtp=replace(ws.settings.smtp, retry_delay=0.01))


def test_every_list_message_is_kept_in_order_with_its_envelope(send_ws):
    """A send through MemoryTransport keeps each reader's message, parsed as it would go out."""
    emails = send_ws.add_many(3)
    transport = MemoryTransport()
    summary = send_issue(send_ws.issue, send_ws.settings, SendOptions(transport=transport))
    assert summary.sent == 3 and summary.transport == "memory" and summary.left == 0
    assert sorted(transport.recipients()) == emails
    message = transport.sent[0]
    assert message.envelope_from == "digest@example.org" and message.attempt == 1
    parsed = message.parsed()
    assert parsed["To"].addresses[0].addr_spec == message.recipient and parsed["List-Unsubscribe"]
    assert parsed.get_body(("plain",)) is not None
    again = send_issue(send_ws.issue, send_ws.settings, SendOptions(transport=transport))
    assert again.sent == 0 and again.skipped == 3 and len(transport.sent) == 3  # journaled


def test_a_handler_injects_a_retry_a_bounce_and_an_unknown_outcome(send_ws):
    """The handler's failures drive the sender: 4xx retried, 5.1.1 bounced, a lost reply unknown."""
    send_ws.add("slow@example.org", "gone@example.org", "lost@example.org", "fine@example.org")
    send_ws.refused_earlier(["gone@example.org"])  # the second issue refused: believed

    def handler(message):
        if message.recipient == "slow@example.org" and message.attempt == 1:
            raise TemporaryFailure("451 4.7.1 try again later")
        if message.recipient == "gone@example.org":
            raise PermanentFailure("550 5.1.1 no such user", bad_address=True)
        if message.recipient == "lost@example.org":
            raise OutcomeUnknown("connection reset after the final dot")

    transport = MemoryTransport(handler)
    summary = send_issue(send_ws.issue, quick_retries(send_ws), SendOptions(transport=transport))
    assert sorted(transport.recipients()) == ["fine@example.org", "slow@example.org"]
    assert transport.attempts["slow@example.org"] == 2 and summary.retries >= 1
    assert (summary.sent, summary.failed, summary.unknown, summary.bounced) == (2, 1, 1, 1)
    with send_ws.store() as store:
        assert store.get("gone@example.org").status == "bounced"


def test_a_refused_connection_stops_the_run_naming_the_cause(send_ws):
    """`refuse` makes every connect fail: the run stops at once with that line, nobody recorded."""
    send_ws.add("reader@example.org")
    down = MemoryTransport(refuse=ServerUnavailable("memory: nobody listening", refused=True))
    summary = send_issue(send_ws.issue, send_ws.settings, SendOptions(transport=down))
    assert summary.sent == 0 and summary.stopped and "nobody listening" in summary.stopped
    assert down.sent == [] and summary.left == 1


def test_a_dropped_connection_is_retried_on_a_new_one(send_ws):
    """ConnectionLost from the handler makes the sender reconnect and send the message again."""
    send_ws.add("reader@example.org")

    def handler(message):
        if message.attempt == 1:
            raise ConnectionLost("connection dropped")

    transport = MemoryTransport(handler)
    summary = send_issue(send_ws.issue, quick_retries(send_ws), SendOptions(transport=transport))
    assert summary.sent == 1 and transport.recipients() == ["reader@example.org"]
    assert transport.connections >= 2


def test_the_plan_counts_what_the_run_sends(send_ws):
    """plan_send reads the issue and journal once; its `recipients` is what run_send then mails."""
    send_ws.add_many(5)
    transport = MemoryTransport()
    plan = plan_send(send_ws.issue, send_ws.settings, SendOptions(transport=transport, limit=2))
    assert (plan.issue_id, plan.todo, plan.recipients) == ("2026-W48", 5, 2)
    assert plan.relay == "memory" and not plan.nothing_to_send
    summary = run_send(plan)
    assert summary.sent == plan.recipients == len(transport.sent)
    rest = plan_send(send_ws.issue, send_ws.settings, SendOptions(transport=transport))
    assert rest.recipients == 3 and rest.status.counts.sent == 2


def test_sigterm_and_sighup_stop_like_ctrl_c_inside_the_block_only():
    """Within stop_on_signals SIGTERM and SIGHUP raise KeyboardInterrupt; after it, the old handlers."""
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        with pytest.raises(KeyboardInterrupt), stop_on_signals():
            os.kill(os.getpid(), signum)
            signal.sigtimedwait([], 1)  # let the handler run
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
