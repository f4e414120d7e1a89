"""Sending an issue: to the list over SMTP (journaled, resumable), to an outbox, or one test copy.

transport.py   the Transport interface the sender needs, and its failures
smtp.py        SmtpTransport: STARTTLS/TLS/plain, AUTH, pipelining
outbox.py      FileTransport: --dry-run writes .eml files
memory.py      MemoryTransport: messages kept in a list, for your own tests
journal.py     DeliveryJournal: each recipient's state per issue, in newsletter.db
shared_journal.py  PostgresJournal: the journal on PostgreSQL; senders, leases, claims
outcome_committer.py  OutcomeCommitter: a PostgreSQL sender's outcomes in few commits
claim_statements.py   the SQL by which PostgreSQL senders claim readers and give them back
sender_lease.py       a PostgreSQL sender's id and the heartbeat that renews its lease
shared_status.py      `send --status` on PostgreSQL: each sender's and each host's share
server_link.py        a connection to the server opened again after it is lost
merge_check.py        one merge.eml for every sender of an issue on PostgreSQL
shared_send.py run_shared_send: `send` over a PostgreSQL journal (several senders at once)
journaled_run.py  the run over a journal: threads, processes, rounds, lock, recovery, summary
recovery.py    accepted messages a failed journal write could not record, for the next run
pacing.py      the rate limit and the backoff between retries
plan.py        SendOptions, SendPlan, plan_send: what a send will do, read once
sender.py      run_send, send_issue: the run (threads, retries, pause, summary)
signals.py     stop_on_signals: SIGTERM and SIGHUP stop a send as Ctrl-C does
status.py      delivery_status: where a send stands
workers.py     SendRun: the worker threads, each with one reused connection
single_copy.py send_test_copy: one copy to one address

Each recipient's message bytes come from newsletter/send/composer.py.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and its module, imported on first use: a list send need not load the
# address validator up front, nor the CLI the sender.
_HOMES = {
    "send_test_copy": "newsletter.send.single_copy",
    "MemoryTransport": "newsletter.send.memory",
    "MemoryMessage": "newsletter.send.memory",
    "SendOptions": "newsletter.send.plan",
    "SendPlan": "newsletter.send.plan",
    "plan_send": "newsletter.send.plan",
    "run_send": "newsletter.send.sender",
    "send_issue": "newsletter.send.sender",
    "SendSummary": "newsletter.send.sender",
    "TemporaryFailure": "newsletter.send.transport",
    "PermanentFailure": "newsletter.send.transport",
    "ConnectionLost": "newsletter.send.transport",
    "OutcomeUnknown": "newsletter.send.transport",
    "ServerUnavailable": "newsletter.send.transport",
    "Transport": "newsletter.send.transport",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
