"""The ASGI layer in front of the app: trusted proxies, a body cap, security headers, log lines.

- `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the peer is
  one of `--trusted-proxy` (an address or a network); the client is then the
  right-most address in the chain that is not a trusted proxy (an entry written with
  its port, `203.0.113.7:51234` or `[2001:db8::7]:443`, is its address).
- The body is read here, whole, before the app runs: one over MAX_BODY_BYTES,
  declared or sent in chunks, is refused (413, connection closed) and the app
  never sees it.  (Slow or huge request heads are refused earlier still, by
  connections.py.)
- Every response carries the CSP, `Referrer-Policy: same-origin` (a browser posts our
  forms with our real Origin; no other site ever gets a Referer, nor a token in one),
  `frame-ancestors 'none'` (and X-Frame-Options), nosniff and `no-store`.
- One log line per request: method, path (never the query: it holds tokens; the path
  with its control and invisible characters escaped and cut at 200 characters),
  status, milliseconds, the client address with its last part hidden, and what
  the request did, with any address masked (`r…@example.org`).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from newsletter.control_chars import log_safe

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from newsletter.serve.connections import ConnectionGuard

MAX_BODY_BYTES = 16 * 1024

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Gateway:
    """Wraps an ASGI app; see the module doc."""

    def __init__(
        self,
        app: ASGIApp,
        csp: str,
        trusted_proxies: Iterable[str],
        log: logging.Logger,
        connection_guard: ConnectionGuard | None = None,
    ) -> None:
        self.app = app
        self.log = log
        self.connection_guard = connection_guard  # found here by connections.GuardedProtocol
        self.trusted: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(p, strict=False) for p in trusted_proxies
        )
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"no-store"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope = self._through_proxies(scope)
        status = 500
        headers = self.headers

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        try:
            declared = _content_length(scope)
            if declared is not None and declared > MAX_BODY_BYTES:
                await _too_large(send_with_headers)
                return
            body = await _read_body(receive)
            if body is None:
                status = 499  # the client went away before its body arrived: nothing to answer
                return
            await self.app(scope, _replaying(body, receive), send_with_headers)
        except _BodyTooLarge:
            await _too_large(send_with_headers)
        finally:
            self._log(scope, status, time.perf_counter() - started)

    def _through_proxies(self, scope: Scope) -> Scope:
        client = scope.get("client")
        if not self.trusted or not client or not self._is_trusted(client[0]):
            return scope
        headers = dict(scope.get("headers") or ())
        scope = dict(scope)
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
        chain = [a.strip() for a in forwarded.split(",") if a.strip()]
        for entry in reversed(chain):
            address = _without_port(entry)
            if not _valid_ip(address):
                break  # a garbled entry: believe nothing to its left
            scope["client"] = (address, 0)
            if not self._is_trusted(address):
                break
        proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto
        return scope

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def _log(self, scope: Scope, status: int, seconds: float) -> None:
        client = scope.get("client")
        event = (scope.get("state") or {}).get("event", "")
        self.log.info(
            "%s %s %d %.1fms client=%s%s",
            scope.get("method", "-"),
            log_safe(scope.get("path", "-")),  # decoded: it may hold line breaks and ESC
            status,
            seconds * 1000,
            masked_ip(client[0]) if client else "-",
            f" {event}" if event else "",
        )


class _BodyTooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body (at most MAX_BODY_BYTES, else _BodyTooLarge); None on disconnect."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > MAX_BODY_BYTES:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then whatever comes next (a disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _too_large(send: Send) -> None:
    body = b"Request body too large.\n"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),  # the rest of the body is never read
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _without_port(entry: str) -> str:
    """An X-Forwarded-For entry's address: `203.0.113.7:51234` and `[2001:db8::7]:443` (as
    some proxies write it, Azure's and IIS's among them) lose their port.  Read as garbage,
    the client was the proxy itself, and every reader shared one per-client limit."""
    if entry.startswith("["):
        address, _, after = entry[1:].partition("]")
        port = after.removeprefix(":")
        return address if after == "" or (after != port and port.isdigit()) else entry
    host, colon, port = entry.rpartition(":")
    return host if colon and "." in host and ":" not in host and port.isdigit() else entry


def _valid_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def masked_ip(address: str) -> str:
    """The client address with its host part hidden: `203.0.113.x`, `2001:db8:1::x`."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "?"
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False).network_address).rstrip(":") + "::x"


def masked_address(email: str) -> str:
    """An email address with its local part hidden but its first letter: `r…@example.org`."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"
