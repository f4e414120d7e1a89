"""The interface the sender needs from a way of delivering messages, declared here, by its consumer.

A `Transport` opens `Connection`s; the sender keeps each one open for many
messages.  `Connection.send` returns when the server accepted the message,
or raises one of the four failures below, which tell the sender what to do
next.  Failures of the whole server (authentication, certificates, nobody
listening) are `DeliveryError`s raised by `connect`: the run stops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from newsletter.errors import DeliveryError


class Connection(Protocol):
    """One open session with the server, reused for message after message."""

    def send(
        self,
        envelope_from: str,
        recipient: str,
        data: bytes,
        *,
        at_end: Callable[[], None] | None = None,
    ) -> None:
        """Hand over one message (CRLF line ends only); return once the server accepted it.

        `at_end` is called at the last moment the server cannot have the message yet (SMTP:
        just before the final `.`): a caller that records "handed over" there knows that a
        crash before it sent nothing, so a retry cannot make a second copy.
        """
        ...

    def close(self) -> None:
        """Say goodbye; never raises."""
        ...


class Transport(Protocol):
    """Where messages go: an SMTP relay, or files in an outbox."""

    description: str  # for messages: `smtp 127.0.0.1:2525 (starttls)`, `outbox issues/x/outbox`
    where: str  # `host:port` or a folder: what error messages name

    def connect(self) -> Connection:
        """Open a connection; DeliveryError (or ServerUnavailable) if the server cannot be used."""
        ...


class SendFailure(Exception):
    """One message was not accepted; `reason` is the server's reply, on one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(SendFailure):
    """A 4xx reply: try this recipient again later on the same connection."""


class PermanentFailure(SendFailure):
    """A 5xx reply: this recipient failed for good; record it and go on.

    `bad_address` is True when the reply says the address itself does not exist
    (5.1.x): the subscriber is then marked bounced.  Policy refusals are not.
    """

    def __init__(self, reason: str, *, bad_address: bool = False) -> None:
        super().__init__(reason)
        self.bad_address = bad_address


class ConnectionLost(SendFailure):
    """The connection dropped before the message was complete (or 421, 503): reconnect, retry."""


class OutcomeUnknown(SendFailure):
    """The whole message went out, but no (readable) reply came: the relay may have queued it.

    Never retried automatically: a second copy is worse than a lost one, so the
    journal says `unknown` and only `--resend-unknown` sends it again.
    """


class ServerUnavailable(DeliveryError):
    """Nobody answered at host:port, or the server turned the connection away.

    `refused` is True when nothing listens there at all: at the start of a run
    that stops it at once; later it may be a restart, so the sender retries.
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
