"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the sender's tests, with failures on demand.

`smtp_server(...)` starts one in a thread and yields a `Server` whose handler
records every accepted message and replays scripted faults at RCPT or DATA:

  "451 4.3.0 try later", "503 5.5.1 bad sequence", "550 5.1.1 no such user"
              that reply
  "drop"      the connection is closed without a reply (at DATA: the message is
              not kept, as a relay that crashed before queueing it)
  "lost"      at DATA: the message is kept (queued, it will be delivered), then the
              connection is closed before the reply: the reply is lost
  "held"      at DATA: the message is kept (queued) at once, then the reply drips as
              "drip" does: the moment between a relay's queueing and its 250
  "drip"      the reply comes as `250-` continuation lines, one every 0.2 s, for
              `drip_seconds`, then the real reply: a server that never finishes answering
  "trickle"   at RCPT: one line of reply, a byte every 0.2 s for `drip_seconds`
  "hangup"    at RCPT: accept the recipient, then answer DATA's 354 and close the
              connection at once, before reading the message (a relay that dies there)
  "hangup:S"  the same, S seconds after the 354, having read nothing of the message
              meanwhile (a relay stuck after its 354 that then goes away): by then the
              whole message, final `.` included, waits unread in the relay's system
  "poison"    at DATA: answer 451, and answer 503 to the session's next MAIL unless
              the client sent RSET first (aiosmtpd-like after a failed end of data)
  "kept:R"    at DATA: the message is kept (queued), then R is sent as the reply line,
              however garbled (`25 ok`, `354 go`)
  "accept:R"  at RCPT: the recipient is accepted, but R is the reply, however garbled
  "ahead:R"   at RCPT: accept, then send R right behind DATA's 354, in the same write (a
              relay whose replies run ahead of the commands, RFC 2920 says never)
  "flood"     at DATA: the message is kept, then `250-` lines of 1,000 bytes as fast as the
              client reads them, for `drip_seconds` (a reply that never ends); `flood_ehlo`
              (a field) does the same to every EHLO

The fixtures are in tests/support/send_fixtures.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USER, PASSWORD = "editor", "correct horse battery staple"


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    def message(self) -> EmailMessage:
        """The bytes parsed as a mail reader would."""
        return BytesParser(policy=policy.default).parsebytes(self.data)


@dataclass
class RecordingHandler:
    """Accepts and records messages; replays scripted faults per recipient first."""

    pipelining: bool = False
    received: list[Received] = field(default_factory=list)
    faults: dict[tuple[str, str], deque[str]] = field(default_factory=lambda: defaultdict(deque))
    always: dict[str, str] = field(default_factory=dict)  # stage -> reply for every recipient
    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)
    drip_seconds: float = 30.0
    lost: list[str] = field(default_factory=list)  # kept, but the reply never went out
    rsets: int = 0
    bad_sequences: int = 0  # 503s answered to a MAIL after a failed end of data
    on_accept: Callable[[int], None] | None = None  # called with the count of messages kept
    flood_ehlo: bool = False  # answer EHLO with `250-` lines for `drip_seconds`

    def fail(self, address: str, stage: str, *replies: str) -> None:
        """Answer the next attempts for `address` at `stage` ("rcpt" or "data") with `replies`.

        A reply is an SMTP reply line or one of the faults named in the module doc.
        """
        self.faults[(address.lower(), stage)].extend(replies)

    def by_recipient(self) -> dict[str, int]:
        """How many accepted messages each recipient got."""
        counts: dict[str, int] = defaultdict(int)
        for r in self.received:
            for rcpt in r.rcpt_tos:
                counts[rcpt.lower()] += 1
        return dict(counts)

    def _fault(self, address: str, stage: str) -> str | None:
        with self.lock:
            queued = self.faults.get((address.lower(), stage))
            if queued:
                return queued.popleft()
            return self.always.get(stage)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.flood_ehlo:
            await self._flood(server)
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if getattr(session, "poisoned", False):
            with self.lock:
                self.bad_sequences += 1
            return "503 5.5.1 Error: bad sequence of commands"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RSET(self, server, session, envelope):
        session.poisoned = False
        with self.lock:
            self.rsets += 1
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.attempts[address.lower()] += 1
        fault = self._fault(address, "rcpt")
        if fault == "drop":
            server.transport.close()
            return "421 4.4.2 dropped"
        if fault == "drip":
            await self._drip(server)
            return "250 OK"
        if fault == "trickle":
            await self._drip(server, line=False)
            return "OK"
        if fault and fault.startswith("accept:"):
            envelope.rcpt_tos.append(address)
            return fault.removeprefix("accept:")
        if fault and fault.startswith("ahead:"):
            session.ahead = fault.removeprefix("ahead:")
            fault = None
        elif fault == "hangup":
            session.hang_up_at_data = True
            fault = None
        elif fault and fault.startswith("hangup:"):
            session.hang_up_at_data = float(fault.split(":", 1)[1])
            fault = None
        if fault:
            return fault
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = self._fault(envelope.rcpt_tos[0], "data")
        if fault == "drop":  # the message was transmitted, but no reply ever comes
            server.transport.close()
            return "421 4.4.2 dropped"
        if fault == "poison":
            session.poisoned = True
            return "451 4.3.0 end of data failed"
        if fault == "drip":
            await self._drip(server)
        elif fault == "held":  # queued at once, the reply slow to come (a kill lands there)
            self._keep(envelope)
            await self._drip(server)
            return "250 2.0.0 queued"
        elif fault == "lost":  # queued for delivery, but the reply is lost on the way
            self._keep(envelope)
            with self.lock:
                self.lost.append(envelope.rcpt_tos[0].lower())
            server.transport.abort()
            return "250 2.0.0 queued"
        elif fault == "flood":
            self._keep(envelope)
            await self._flood(server)
            return "250 2.0.0 queued"
        elif fault and fault.startswith("kept:"):
            self._keep(envelope)
            return fault.removeprefix("kept:")
        elif fault:
            return fault
        self._keep(envelope)
        return "250 2.0.0 queued"

    def _keep(self, envelope) -> None:
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content)
            )
            kept = len(self.received)
        if self.on_accept is not None:
            self.on_accept(kept)

    async def _drip(self, server, *, line: bool = True) -> None:
        """Continuation lines (or single bytes), one every 0.2 s: no single read times out."""
        loop = asyncio.get_running_loop()
        end = loop.time() + self.drip_seconds
        pieces = (
            iter(lambda: b"250-still working\r\n", None) if line else iter(b"250 " + b"." * 1000)
        )
        while loop.time() < end and not server.transport.is_closing():
            server.transport.write(bytes([next(pieces)]) if not line else next(pieces))
            await asyncio.sleep(0.2)

    async def _flood(self, server) -> None:
        """`250-` lines as fast as the client takes them (never more than 1 MB waiting)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + self.drip_seconds
        lines = b"250-" + b"x" * 994 + b"\r\n"
        while loop.time() < end and not server.transport.is_closing():
            if server.transport.get_write_buffer_size() < 1 << 20:
                server.transport.write(lines * 64)
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(0.005)


class _FaultySMTP(SMTP):
    """aiosmtpd's session, able to hang up right after its 354 (the "hangup" fault), or to
    say more than asked there (the "ahead" fault)."""

    async def push(self, status: str | bytes) -> None:
        ahead = getattr(self.session, "ahead", None)
        if ahead and isinstance(status, str) and status.startswith("354"):
            self.session.ahead = None
            status = f"{status}\r\n{ahead}"
        await super().push(status)

    async def smtp_DATA(self, arg: str) -> None:
        later = getattr(self.session, "hang_up_at_data", False)
        if later is not True and later is not False and self.envelope.rcpt_tos:
            self.session.hang_up_at_data = False
            self.transport.pause_reading()  # the message stays unread in the system's buffer
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            await asyncio.sleep(later)
            self.transport.close()
            return
        if getattr(self.session, "hang_up_at_data", False) and self.envelope.rcpt_tos:
            self.session.hang_up_at_data = False
            # The 354 and the FIN in one segment (corked), as from a relay that dies right
            # there, so the client has both before it can write the message's end.
            raw = self.transport.get_extra_info("socket")
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            raw.shutdown(socket.SHUT_RDWR)
            self.transport.close()
            return
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _FaultySMTP(self.handler, **self.SMTP_kwargs)


@dataclass
class Server:
    """A running server: where it listens and what it received."""

    host: str
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def send_flags(self) -> list[str]:
        """The `send` options that point it at this server, plain SMTP."""
        return ["--smtp-host", self.host, "--smtp-port", str(self.port), "--smtp-security", "none"]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticator(password: str):
    """Accept USER with `password`, both compared as UTF-8 bytes."""

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            password.encode("utf-8"),
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


@contextlib.contextmanager
def smtp_server(
    *,
    handler: RecordingHandler | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    auth: bool = False,
    password: str = PASSWORD,
) -> Iterator[Server]:
    """Run an aiosmtpd server on 127.0.0.1 for the duration of the block."""
    handler = handler or RecordingHandler()
    port = free_port()
    kwargs: dict = {"server_hostname": "localhost"}
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    if implicit_tls is not None:
        kwargs["ssl_context"] = implicit_tls
    if auth:
        kwargs.update(authenticator=_authenticator(password), auth_require_tls=starttls is not None)
    controller = _Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server("127.0.0.1", port, handler)
    finally:
        controller.stop()


def message_ids(*handlers: RecordingHandler) -> dict[str, set[bytes]]:
    """Each recipient's Message-IDs over the relays."""
    ids: dict[str, set[bytes]] = {}
    for handler in handlers:
        for received in handler.received:
            found = re.search(rb"(?im)^Message-ID: (\S+)", received.data)
            assert found is not None
            ids.setdefault(received.rcpt_tos[0].lower(), set()).add(found.group(1))
    return ids


def copies(*handlers: RecordingHandler) -> dict[str, int]:
    """How many copies each recipient got over all the relays."""
    total: dict[str, int] = {}
    for handler in handlers:
        for email, n in handler.by_recipient().items():
            total[email] = total.get(email, 0) + n
    return total


def assert_once_but_in_flight(
    active: Iterable[str], in_flight: int, *handlers: RecordingHandler
) -> list[str]:
    """Every active reader got a copy over the relays and nobody else did; at most
    `in_flight` readers (the messages in flight at the kills) got a second, none a third,
    and each second copy repeats the first's Message-ID.  Returns the doubled readers."""
    counts = copies(*handlers)
    assert set(counts) == set(active), "a reader was lost, or someone not active was mailed"
    twice = [e for e, n in counts.items() if n > 1]
    assert all(n <= 2 for n in counts.values()), counts
    assert len(twice) <= in_flight, f"more doubles than messages in flight: {twice}"
    ids = message_ids(*handlers)
    assert all(len(ids[e]) == 1 for e in twice), "a double must repeat its Message-ID"
    return twice


def settled(count: Callable[[], int], quiet: float = 1.5, timeout: float = 30.0) -> int:
    """`count()` (say, the messages a relay has) once it has not changed for `quiet` seconds;
    a count that keeps growing for `timeout` seconds fails."""
    deadline = time.monotonic() + timeout
    last, since = count(), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, "never settled"
        time.sleep(0.05)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
    return last
