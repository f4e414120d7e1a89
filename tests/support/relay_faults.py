"""A real relay (the aiosmtpd server) with one fault injected into the client's transport:
the first connection drops after one message, and the later connections `refused` names find
nobody listening (a restart, a crash)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from newsletter.send.smtp import SmtpTransport
from newsletter.send.transport import ServerUnavailable


class RelayAway(SmtpTransport):
    """`refused(n)`: whether the n-th connection (from 1) is refused."""

    def __init__(self, *args: Any, refused: Callable[[int], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused = refused
        self.connects = 0

    def connect(self):  # type: ignore[no-untyped-def]
        self.connects += 1
        if self.refused(self.connects):
            raise ServerUnavailable(f"{self.where}: connection refused", refused=True)
        connection = super().connect()
        if self.connects == 1:
            original = connection.send

            def send_then_drop(*args: Any, **kwargs: Any) -> Any:
                original(*args, **kwargs)
                connection._client.close()  # the next message finds the connection gone

            connection.send = send_then_drop
        return connection
