"""The ASGI layer in front of the app: trusted proxies, a body cap, security headers, log lines.

- `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the peer is
  one of `--trusted-proxy` (an address or a network); the client is then the
  right-most address in the chain that is not a trusted proxy.
- Request bodies over MAX_BODY_BYTES are refused (413) before the app reads them.
- Every response carries the CSP, `Referrer-Policy: no-referrer`,
  `frame-ancestors 'none'` (and X-Frame-Options), nosniff and `no-store`.
- One log line per request: method, path (never the query: it holds tokens),
  status, milliseconds, the client address with its last part hidden, and what
  the request did, with any address masked (`r…@example.org`).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 16 * 1024

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Gateway:
    """Wraps an ASGI app; see the module doc."""

    def __init__(
        self, app: ASGIApp, csp: str, trusted_proxies: Iterable[str], log: logging.Logger
    ) -> None:
        self.app = app
        self.log = log
        self.trusted: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(p, strict=False) for p in trusted_proxies
        )
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"referrer-policy", b"no-referrer"),
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
            await self.app(scope, _capped(receive), send_with_headers)
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
        for address in reversed(chain):
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
            scope.get("path", "-"),
            status,
            seconds * 1000,
            masked_ip(client[0]) if client else "-",
            f" {event}" if event else "",
        )


class _BodyTooLarge(Exception):
    pass


def _capped(receive: Receive) -> Receive:
    seen = 0

    async def capped_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise _BodyTooLarge
        return message

    return capped_receive


async def _too_large(send: Send) -> None:
    body = b"Request body too large.\n"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


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
