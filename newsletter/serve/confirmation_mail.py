"""The double opt-in email: one short message with the reader's confirmation link.

It goes through the workspace's SMTP relay (`[smtp]`, password from
NEWSLETTER_SMTP_PASSWORD), or into an outbox folder (`serve --outbox`), one
file per message, named so that several worker processes never collide.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.config import Settings, smtp_password
from newsletter.errors import DeliveryError, OutputError, display_path
from newsletter.mail.headers import date_value, message_id
from newsletter.send.transport import SendFailure, Transport

if TYPE_CHECKING:
    from newsletter.send.smtp import SmtpTransport  # imported on first use: `serve` starts faster


def confirmation_message(settings: Settings, email: str, link: str, days: int) -> bytes:
    """The confirmation email's bytes (CRLF), asking the reader to open `link`.

    Nothing the sign-up form's sender typed goes into it but the address: a name field
    echoed here would let anyone mail their own words to any address under the list's
    name ("Hello URGENT: your account is locked…").  The name is kept for after
    confirmation, when the address's owner has asked for the list.
    """
    msg = EmailMessage(policy=SMTP)
    msg["From"] = settings.from_address
    msg["To"] = email
    msg["Subject"] = f"Confirm your subscription to {settings.name}"
    msg["Date"] = date_value()
    msg["Message-ID"] = message_id(settings.from_domain, "confirm")
    msg["Auto-Submitted"] = "auto-generated"
    body = (
        f"Hello,\n\nsomeone, probably you, asked to receive {settings.name} at this address.\n"
        f"To confirm, open this link and press Confirm:\n\n{link}\n\n"
        f"The link works once and expires in {days} days. If you did not ask, ignore this\n"
        "email: you will not be subscribed and will hear nothing more from us.\n"
    )
    # 7bit keeps the link on one line for any mail program; quoted-printable only if needed.
    msg.set_content(body, cte="7bit" if body.isascii() else "quoted-printable")
    return msg.as_bytes()


class ConfirmationMailer:
    """Sends confirmation emails through the workspace's relay, or writes them to a folder."""

    def __init__(self, settings: Settings, outbox: Path | None = None) -> None:
        self.settings = settings
        self.outbox = outbox
        self._transport: SmtpTransport | None = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        if self.outbox is not None:
            return f"outbox {display_path(self.outbox)}/"
        return self._smtp().description

    def send(self, email: str, data: bytes) -> None:
        """Hand one message over; DeliveryError (or OutputError) when it cannot go."""
        if self.outbox is not None:
            self._write(email, data)
            return
        connection = self._smtp().connect()
        try:
            connection.send(self.settings.sender[1], email, data)
        except SendFailure as e:
            raise DeliveryError(
                f"{self._smtp().where}: confirmation not accepted ({e.reason})"
            ) from None
        finally:
            connection.close()

    def transport(self) -> Transport:
        """Where the welcome emails go: the same relay, or the same outbox folder."""
        return _OutboxTransport(self) if self.outbox is not None else self._smtp()

    def _smtp(self) -> SmtpTransport:
        with self._lock:
            if self._transport is None:
                from newsletter.send.smtp import SmtpTransport

                self._transport = SmtpTransport(self.settings.smtp, password=smtp_password())
            return self._transport

    def _write(self, email: str, data: bytes) -> None:
        assert self.outbox is not None
        name = f"{time.time_ns()}-{os.getpid()}-{os.urandom(3).hex()}.eml"
        final = self.outbox / name
        partial = self.outbox / f".{name}.partial"
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(data)
            partial.replace(final)  # whole or not at all
        except OSError as e:
            partial.unlink(missing_ok=True)
            raise OutputError(f"{display_path(final)}: cannot write ({e.strerror})") from None


class _OutboxTransport:
    """`serve --outbox`: the welcome emails are written beside the confirmations."""

    def __init__(self, mailer: ConfirmationMailer) -> None:
        self._mailer = mailer
        self.description = mailer.description
        self.where = self.description

    def connect(self) -> _OutboxTransport:
        return self

    def send(
        self,
        envelope_from: str,
        recipient: str,
        data: bytes,
        *,
        at_end: Callable[[], None] | None = None,
    ) -> None:
        if at_end is not None:
            at_end()
        self._mailer.send(recipient, data)

    def close(self) -> None:
        pass
