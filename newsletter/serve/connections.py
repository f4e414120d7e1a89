"""Limits on connections, below the ASGI app: what no middleware can see.

uvicorn (with httptools) buffers a request head of any size, waits for it for
ever (`timeout_keep_alive` only covers the idle time between requests, and any
byte resets it) and accepts connections until the process runs out of file
descriptors; its `limit_concurrency` answers 503 only once a head is complete,
and counts the slow connections it should be shedding.  An ASGI middleware
runs after the head is parsed, too late for all of these.  So `GuardedProtocol`
(uvicorn's httptools protocol, a few callbacks longer) enforces, per process:

- a request head (request line and headers) of at most `head_bytes` (32 KiB),
  each line at most `line_bytes` (8 KiB): 431 (414 for the URL), then closed,
  before more than that is held in memory;
- a whole request (head and body) within `request_seconds` (10 s) of its first
  byte, or of the connection's opening: 408, then closed;
- at most `per_client` open connections from one address (an IPv6 client: its
  /64), except from loopback and the trusted proxies: the next one is answered
  503 and closed.  Behind a reverse proxy every connection comes from the proxy,
  whose own limits (nginx `limit_conn`, `client_header_timeout`) bound each
  reader;
- at most `max_connections` (the file descriptor limit less a reserve): a new
  connection beyond it closes the one that has been reading its request the
  longest (a slow client, never a request being answered), or, if every
  connection is busy, is itself answered 503;
- at most `pipelined` requests queued behind the one being answered: the next
  is 400 and the connection closed (uvicorn parses every request in what it
  reads, and keeps each queued: 3,000 pipelined GETs a connection held 7 MB);
- an answer the client does not read (the socket's buffer full, writing paused)
  within `request_seconds`: the connection is dropped (a slow reader holds a
  task and its buffers for as long as it likes otherwise, never shed, and made
  a graceful shutdown wait out its time and log a traceback).

A client that sends its request and then half-closes its side (`shutdown(SHUT_WR)`)
still gets the answer, then the connection closes: uvicorn closed at once and the
answer to a committed unsubscribe was lost.

A refusal is logged like a request: `- - 408 0.0ms client=127.0.0.x request-timeout`, at
most one line a second for each kind; the next line says how many it stands for
(`… request-timeout (+999 more)`), so a thousand slow connections do not flood the log.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from newsletter.serve.gateway import masked_ip
from newsletter.serve.rate_limit import address_block

FD_RESERVE = 64  # descriptors kept for newsletter.db, its WAL, the SMTP relay, logs
SHED_AHEAD = 32  # connections closed to make room whose descriptors may not be free yet


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The bounds `GuardedProtocol` enforces; see the module doc."""

    head_bytes: int = 32 * 1024
    line_bytes: int = 8 * 1024
    request_seconds: float = 10.0
    per_client: int = 32
    pipelined: int = 8
    max_connections: int = 0  # 0: the file descriptor limit less FD_RESERVE
    exempt: tuple[str, ...] = ("127.0.0.0/8", "::1/128")  # plus the trusted proxies


_STATUS = {
    408: "Request Timeout",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


class ConnectionGuard:
    """The per-process books: connections per client, and who is still reading a request."""

    def __init__(
        self,
        limits: ConnectionLimits,
        trusted_proxies: tuple[str, ...] = (),
        log: logging.Logger | None = None,
    ) -> None:
        self.limits = limits
        self.log = log or logging.getLogger("newsletter.serve")
        self.exempt = tuple(
            ipaddress.ip_network(n, strict=False) for n in (*limits.exempt, *trusted_proxies)
        )
        self.max_connections = limits.max_connections or max(64, file_limit() - FD_RESERVE)
        self.open = 0
        self.per_client: dict[str, int] = {}
        self.reading: dict[GuardedProtocol, None] = {}  # in order of arrival: oldest first
        self.shed: set[GuardedProtocol] = set()  # closed by us to make room, not yet gone
        self._quiet_until: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def admit(self, conn: GuardedProtocol) -> bool:
        """Count a new connection in, making room if needed; False if it must be refused."""
        bucket = conn.bucket
        if bucket is not None and self.per_client.get(bucket, 0) >= self.limits.per_client:
            conn.refuse(503, "too-many-connections", retry_after=10)
            return False
        if self.open - len(self.shed) >= self.max_connections:
            # A shed connection holds its descriptor until the loop closes it: at most
            # SHED_AHEAD of them at a time, so a burst never takes more than the reserve.
            if not self.reading or len(self.shed) >= SHED_AHEAD:
                conn.refuse(503, "server-full", retry_after=5)
                return False
            slowest = next(iter(self.reading))
            self.shed.add(slowest)
            slowest.refuse(408, "shed-slow-request")
        self.open += 1
        if bucket is not None:
            self.per_client[bucket] = self.per_client.get(bucket, 0) + 1
        return True

    def release(self, conn: GuardedProtocol) -> None:
        """A counted connection closed."""
        self.reading.pop(conn, None)
        self.shed.discard(conn)
        self.open -= 1
        bucket = conn.bucket
        if bucket is not None:
            left = self.per_client.get(bucket, 1) - 1
            if left > 0:
                self.per_client[bucket] = left
            else:
                self.per_client.pop(bucket, None)

    def note(self, status: int, client: str, event: str) -> None:
        """Log a refusal: at most one line a second per kind, counting the ones in between."""
        now = time.monotonic()
        if now < self._quiet_until.get(event, 0.0):
            self._unlogged[event] = self._unlogged.get(event, 0) + 1
            return
        self._quiet_until[event] = now + 1.0
        more = self._unlogged.pop(event, 0)
        self.log.info(
            "- - %d 0.0ms client=%s %s%s", status, client, event, f" (+{more} more)" if more else ""
        )

    def bucket_of(self, address: str) -> str | None:
        """What a client's connections count against: its address (IPv6: its /64), or None."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None  # a Unix socket, say: nothing to count
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.exempt):
            return None
        return address_block(str(ip))


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of the module doc."""

    def __init__(self, config: Any, server_state: Any, app_state: Any, _loop: Any = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.guard = guard_of(config.loaded_app)
        self.bucket: str | None = None
        self._counted = False
        self._in_head = True
        self._head_bytes = 0
        self._refusal: tuple[int, str] | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._write_deadline: asyncio.TimerHandle | None = None

    # Connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.bucket = self.guard.bucket_of(self.client[0]) if self.client else None
        self._counted = self.guard.admit(self)
        if self._counted:
            self._start_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_reading()
        self._stop_write_deadline()
        if self._counted:
            self._counted = False
            self.guard.release(self)
        super().connection_lost(exc)

    def eof_received(self) -> bool:  # type: ignore[override]  # asyncio reads the bool
        """The client half-closed: answer a request under way (then close), else close now."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False
            self.pipeline.clear()  # nothing more can follow a half-close worth answering
            return True  # keep our side open for the answer
        return False

    def pause_writing(self) -> None:
        """The client stopped reading: it has `request_seconds` to start again."""
        super().pause_writing()
        if self._write_deadline is None:
            self._write_deadline = self.loop.call_later(
                self.guard.limits.request_seconds, self._drop_slow_reader
            )

    def resume_writing(self) -> None:
        self._stop_write_deadline()
        super().resume_writing()

    def shutdown(self) -> None:
        """A graceful shutdown: a client not reading its answers is dropped, not waited for."""
        if self.flow is not None and self.flow.write_paused:
            self.transport.abort()
            return
        super().shutdown()

    def data_received(self, data: bytes) -> None:
        """Feed the parser, never more than `head_bytes` of one request's head."""
        self._unset_keepalive_if_required()
        if self._deadline is None and self._counted:
            # Bytes on an idle kept-alive connection start a request (the parser skips blank
            # lines without a callback, so a client sending only CRLFs must be timed too).
            self._start_reading()
        while data and not self.transport.is_closing():
            if not self._in_head:
                self._feed(data)
                return
            room = self.guard.limits.head_bytes - self._head_bytes
            if room <= 0:
                self.refuse(431, "head-too-large")
                return
            chunk, data = data[:room], data[room:]
            self._head_bytes += len(chunk)
            self._feed(chunk)

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # `Upgrade: h2c` or websocket: the request is answered as plain HTTP/1.1 (as
            # uvicorn does), and the connection closes after it: the parser reads no further.
            self._stop_reading()
            if self.cycle is not None:
                self.cycle.keep_alive = False
        except httptools.HttpParserError:
            status, event = self._refusal or (400, "bad-request")
            self.refuse(status, event)

    # Parser callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if len(self.pipeline) >= self.guard.limits.pipelined:
            self._refusal = (400, "too-many-pipelined")
            raise ValueError("too many pipelined requests")  # stops the parser; _feed answers
        super().on_message_begin()
        if self._deadline is None and self._counted:
            self._start_reading()  # a request pipelined behind one just read

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.guard.limits.line_bytes:
            self._refusal = (414, "url-too-long")
            raise ValueError("URL too long")  # stops the parser; _feed answers

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) > self.guard.limits.line_bytes:
            self._refusal = (431, "header-too-long")
            raise ValueError("header line too long")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._stop_reading()
        self._in_head = True
        self._head_bytes = 0

    # Reading deadline ------------------------------------------------------------------

    def _start_reading(self) -> None:
        self.guard.reading[self] = None
        self._deadline = self.loop.call_later(
            self.guard.limits.request_seconds, self.refuse, 408, "request-timeout"
        )

    def _stop_reading(self) -> None:
        self.guard.reading.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _stop_write_deadline(self) -> None:
        if self._write_deadline is not None:
            self._write_deadline.cancel()
            self._write_deadline = None

    def _drop_slow_reader(self) -> None:
        self._write_deadline = None
        self._stop_reading()
        sock = self.transport.get_extra_info("socket")
        if sock is not None:  # a reset: else the kernel goes on sending what it holds
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()  # close() would wait for a flush that never comes
        self.guard.note(408, masked_ip(self.client[0]) if self.client else "-", "slow-reader")

    def refuse(self, status: int, event: str, retry_after: int = 0) -> None:
        """Answer `status` (unless a response is under way) and close; one log line."""
        self._stop_reading()
        if self.transport.is_closing():
            return
        if self.flow is not None and self.flow.write_paused:
            self.transport.abort()  # not reading what we sent: nothing more would arrive
            self.guard.note(status, masked_ip(self.client[0]) if self.client else "-", event)
            return
        if self.cycle is None or self.cycle.response_complete or not self.cycle.response_started:
            self.transport.write(_raw_response(status, retry_after))
        self.transport.close()
        self.guard.note(status, masked_ip(self.client[0]) if self.client else "-", event)


def _raw_response(status: int, retry_after: int) -> bytes:
    reason = _STATUS.get(status, "Bad Request")
    body = f"{reason}.\n".encode()
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "content-type: text/plain; charset=utf-8",
        f"content-length: {len(body)}",
        "x-content-type-options: nosniff",
        "cache-control: no-store",
        "connection: close",
    ]
    if retry_after:
        lines.append(f"retry-after: {retry_after}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def guard_of(app: Any) -> ConnectionGuard:
    """The guard an app carries (the gateway's, through uvicorn's wrappers), or a default one."""
    for _ in range(5):
        guard = getattr(app, "connection_guard", None)
        if isinstance(guard, ConnectionGuard):
            return guard
        app = getattr(app, "app", None)
    global _default_guard
    if _default_guard is None:
        _default_guard = ConnectionGuard(ConnectionLimits())
    return _default_guard


_default_guard: ConnectionGuard | None = None


def file_limit() -> int:
    """This process's soft limit on open files."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def raise_file_limit(wanted: int = 65536) -> int:
    """Raise the soft open-file limit towards the hard one (at most `wanted`); the new soft one.

    Each connection is a file descriptor; the common soft default of 1,024 lets a
    thousand idle connections stop the server accepting any more.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft
        return target
    return soft
