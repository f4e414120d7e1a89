"""MemoryTransport: messages kept in a list instead of sent, for your own tests.

Shipped beside the SMTP and file transports (as httpx ships `MockTransport`), so code that
sends an issue can be tested without a relay and without patching anything:

    from newsletter.send import MemoryTransport, SendOptions, TemporaryFailure, send_issue

    def flaky(message):                      # called for every message, in any worker thread
        if message.recipient == "slow@example.org" and message.attempt == 1:
            raise TemporaryFailure("451 4.7.1 try again later")

    transport = MemoryTransport(flaky)
    summary = send_issue(issue_folder, settings, SendOptions(transport=transport))
    assert [m.recipient for m in transport.sent] == [...]   # accepted messages, in order

The handler may raise any failure of transport.py (TemporaryFailure, PermanentFailure,
ConnectionLost, OutcomeUnknown) to make the sender retry, record a failure or an unknown
outcome; what it lets through is accepted and appended to `sent`.  `refuse` makes every
`connect` fail with that error instead (a relay that is down, a wrong password).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from newsletter.errors import DeliveryError


@dataclass(frozen=True, slots=True)
class MemoryMessage:
    """One message handed to the transport: the envelope, the bytes, the attempt number."""

    envelope_from: str
    recipient: str
    data: bytes
    attempt: int  # 1 for the first try of this recipient, 2 for the first retry...

    def parsed(self) -> EmailMessage:
        """The message parsed with the standard library (headers decoded, parts walkable)."""
        message = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(message, EmailMessage)
        return message


Handler = Callable[[MemoryMessage], None]


class MemoryTransport:
    """Keeps every accepted message in `sent`; `handler` may refuse any of them first."""

    def __init__(
        self, handler: Handler | None = None, *, refuse: DeliveryError | None = None
    ) -> None:
        self.handler = handler
        self.refuse = refuse
        self.where = "memory"
        self.description = "memory"
        self.sent: list[MemoryMessage] = []  # accepted, in the order they were accepted
        self.attempts: Counter[str] = Counter()  # every try, accepted or not, per recipient
        self.connections = 0  # how many times the sender connected
        self._lock = threading.Lock()  # the sender's worker threads share one transport

    def __repr__(self) -> str:
        return f"MemoryTransport({len(self.sent)} sent)"

    def connect(self) -> MemoryConnection:
        """A connection to the list in memory; `refuse` raised instead, when set."""
        if self.refuse is not None:
            raise self.refuse
        with self._lock:
            self.connections += 1
        return MemoryConnection(self)

    def deliver(self, envelope_from: str, recipient: str, data: bytes) -> None:
        """Count the attempt, let the handler refuse it, else keep the message."""
        with self._lock:
            self.attempts[recipient] += 1
            attempt = self.attempts[recipient]
        message = MemoryMessage(envelope_from, recipient, data, attempt)
        if self.handler is not None:
            self.handler(message)  # outside the lock: a slow handler holds no other worker
        with self._lock:
            self.sent.append(message)

    def recipients(self) -> list[str]:
        """The recipients of the accepted messages, in order."""
        with self._lock:
            return [m.recipient for m in self.sent]


class MemoryConnection:
    """One connection of a MemoryTransport (the sender opens one per worker)."""

    def __init__(self, transport: MemoryTransport) -> None:
        self.transport = transport
        self.closed = False

    def send(
        self,
        envelope_from: str,
        recipient: str,
        data: bytes,
        *,
        at_end: Callable[[], None] | None = None,
    ) -> None:
        """Hand the message to the transport (its handler may raise a SendFailure)."""
        if at_end is not None:
            at_end()
        self.transport.deliver(envelope_from, recipient, data)

    def close(self) -> None:
        """Nothing to close; never raises."""
        self.closed = True
