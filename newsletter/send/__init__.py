"""Sending an issue: to the list over SMTP (journaled, resumable), to an outbox, or one test copy.

transport.py   the Transport interface the sender needs, and its failures
smtp.py        SmtpTransport: STARTTLS/TLS/plain, AUTH, pipelining
outbox.py      FileTransport: --dry-run writes .eml files
journal.py     DeliveryJournal: each recipient's state per issue, in newsletter.db
recovery.py    accepted messages a failed journal write could not record, for the next run
pacing.py      the rate limit and the backoff between retries
sender.py      send_issue: the run (threads, retries, pause, summary)
status.py      delivery_status: where a send stands
workers.py     SendRun: the worker threads, each with one reused connection
single_copy.py send_test_copy: one copy to one address

Each recipient's message bytes come from newsletter/send/composer.py.
"""

from __future__ import annotations

__all__ = ["send_test_copy"]


def __getattr__(name: str):
    # Imported on first use: a list send need not load the address validator up front.
    if name == "send_test_copy":
        from newsletter.send.single_copy import send_test_copy

        return send_test_copy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
