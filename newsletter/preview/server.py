"""The preview's HTTP server: its own page, the issue's files, build events, the test send.

Standard library only (ThreadingHTTPServer).  Nothing is served from the
disk by path: every URL the server answers is in a fixed table, so `..`,
encoded or absolute paths and folder URLs all get a 404, and there is no
directory listing.  The issue's files come from the rebuilder's latest
snapshot, never from a folder that a build may be replacing.

Requests must name the preview's own host (defeats DNS rebinding; bound to every address,
an IP address or this machine's own name), and the
test-send form must also come from the preview's page (same origin, with the
session's token), since it mails through the workspace's relay.
"""

from __future__ import annotations

import errno
import functools
import ipaddress
import json
import secrets
import socket
import sys
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from newsletter.errors import ConfigError, NewsletterError, display_path
from newsletter.preview.email_frames import FRAME_STEPS
from newsletter.preview.rebuilder import SERVED_FILES, PreviewSnapshot, Rebuilder

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8025
PORT_TRIES = 10  # the requested port, then the next nine, then any free one
KEEP_ALIVE_SECONDS = 15.0
MAX_FORM_BYTES = 4096
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")

_STATIC = {  # URL → (file in page/, content type)
    "/": ("preview.html", "text/html; charset=utf-8"),
    "/preview.css": ("preview.css", "text/css; charset=utf-8"),
    "/preview.js": ("preview.js", "text/javascript; charset=utf-8"),
}
_ISSUE_TYPES = {  # the .eml is shown as text in the browser rather than downloaded
    "index.html": "text/html; charset=utf-8",
    "index.txt": "text/plain; charset=utf-8",
    "message.eml": "text/plain; charset=utf-8",
    "issue.toml": "text/plain; charset=utf-8",
}
_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# The email runs no script, even when opened on its own.  It stays same-origin (without
# scripts that gives it nothing) so that the page can keep its scroll position across rebuilds.
_EMAIL_CSP = (
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox; "
    "script-src 'none'; frame-ancestors 'self'"
)

SendTest = Callable[[str], str]
Approve = Callable[[], str]  # records the approval of the issue on show; says what it did


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach."""
    return host.lower() in LOOPBACK_NAMES or host.startswith("127.")


def host_allowed(bound: str, port: int, header: str | None) -> bool:
    """True when a request's Host names the server bound to `bound`:`port`.

    Bound to one address: that address or a loopback name.  Bound to all of them (`--host
    0.0.0.0`, to look from a phone): an IP address, a loopback name or this machine's own name
    (`laptop`, `laptop.local`), never another DNS name.  Any name used to be taken there, so a
    web page the editor opened could rebind its own name to this machine, read the page's
    token and press Approve (`newsletter run` then mails the list) or Send a test.
    """
    if not header:
        return False
    name, _, given_port = header.strip().lower().rpartition(":")
    if given_port != str(port):
        return False
    if bound in WILDCARD_HOSTS:
        return _an_address(name) or name in LOOPBACK_NAMES or name in _own_names()
    bound = bound.lower()
    return name in {*LOOPBACK_NAMES, f"[{bound}]" if ":" in bound else bound, "[::1]"}


def _an_address(name: str) -> bool:
    """True for an IP address as a Host header writes it (`192.168.1.20`, `[fe80::1]`)."""
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") and name.endswith("]") else name)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _own_names() -> frozenset[str]:
    """This machine's name, short and with `.local` (mDNS): how a phone on the LAN may ask."""
    name = socket.gethostname().lower().rstrip(".")
    short = name.split(".", 1)[0]
    return frozenset(n for n in {name, short, f"{short}.local"} if n)


class PreviewServer(ThreadingHTTPServer):
    """Serves one preview; handler threads are daemons, so Ctrl-C never waits on a browser."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        rebuilder: Rebuilder,
        send_test: SendTest,
        approve: Approve | None = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)
        self.rebuilder = rebuilder
        self.send_test = send_test
        self.approve = approve
        self.token = secrets.token_urlsafe(24)
        self.session = secrets.token_hex(8)  # a page from an earlier run of the preview reloads
        self.page = _load_page(self.token)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def allows_host(self, header: str | None) -> bool:
        """True when the request's Host names this server (see `host_allowed`)."""
        return host_allowed(str(self.server_address[0]), self.port, header)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser closing a connection early is normal; anything else is logged, not printed."""
        import logging

        if not isinstance(sys.exc_info()[1], ConnectionError):
            logging.getLogger(__name__).exception("preview: request from %s failed", client_address)


def bind_server(
    host: str, port: int, rebuilder: Rebuilder, send_test: SendTest, approve: Approve | None = None
) -> PreviewServer:
    """Listen on `host`, on `port` or, when it is taken, the next free one."""
    ports = ([port + i for i in range(PORT_TRIES) if port + i < 65536] + [0]) if port else [0]
    for candidate in ports:
        try:
            return PreviewServer((host, candidate), rebuilder, send_test, approve)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                continue
            raise ConfigError(
                f"--host {host}: cannot listen there ({e.strerror}); "
                f"use {DEFAULT_HOST} or an address of this machine"
            ) from None
    raise ConfigError(f"--port {port}: no free port found; choose another")  # pragma: no cover


def _load_page(token: str) -> dict[str, bytes]:
    folder = resources.files("newsletter.preview") / "page"
    page = {url: (folder / name).read_bytes() for url, (name, _) in _STATIC.items()}
    page["/"] = page["/"].replace(b"{{token}}", token.encode("ascii"))
    return page


class PreviewHandler(BaseHTTPRequestHandler):
    """Answers the fixed set of URLs the page needs, and nothing else."""

    server: PreviewServer
    server_version = "newsletter-preview"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the library never prints (the CLI reports builds instead)."""

    def do_GET(self) -> None:
        self._get(with_body=True)

    def do_HEAD(self) -> None:
        self._get(with_body=False)

    def do_POST(self) -> None:
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        if path == "/api/approve" and self.server.approve is not None:
            self._approve(self.server.approve)
        elif path == "/api/send-test":
            self._send_test()
        else:
            self._plain(HTTPStatus.NOT_FOUND, "not found")

    def _from_the_page(self) -> bool:
        """True for a post from the preview's own page (its origin and the session's token);
        otherwise 403 is answered."""
        same_origin = (self.headers.get("Origin") or "").lower() == (
            f"http://{self.headers.get('Host', '')}".lower()
        )
        if same_origin and self.headers.get("X-Preview-Token") == self.server.token:
            return True
        self._json(
            HTTPStatus.FORBIDDEN,
            {"ok": False, "message": "refused: use the form on the preview page"},
        )
        return False

    def _approve(self, approve: Approve) -> None:
        """The Approve button: the issue on show approved for `newsletter run`."""
        if not self._from_the_page():
            return
        try:
            message = approve()
        except NewsletterError as e:
            self._json(HTTPStatus.OK, {"ok": False, "message": str(e)})
            return
        self._json(HTTPStatus.OK, {"ok": True, "message": message})

    def _get(self, *, with_body: bool) -> None:
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        snapshot = self.server.rebuilder.snapshot
        if path in _STATIC:
            csp = _PAGE_CSP
            self._reply(HTTPStatus.OK, _STATIC[path][1], self.server.page[path], with_body, csp=csp)
        elif path == "/api/state":
            self._reply(HTTPStatus.OK, "application/json", _state_json(snapshot), with_body)
        elif path == "/events":
            self._events()
        elif path.startswith("/frame/") and path.endswith(".html") and path[7:-5] in FRAME_STEPS:
            self._issue_file(snapshot.frames.get(path[7:-5]), "text/html; charset=utf-8", with_body)
        elif path.startswith("/issue/") and path[7:] in SERVED_FILES:
            self._issue_file(snapshot.files.get(path[7:]), _ISSUE_TYPES[path[7:]], with_body)
        else:
            self._plain(HTTPStatus.NOT_FOUND, "not found", with_body)

    def _issue_file(self, data: bytes | None, content_type: str, with_body: bool) -> None:
        if data is None:
            self._plain(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "no issue built yet: see the error on the preview page",
                with_body,
            )
            return
        csp = _EMAIL_CSP if content_type.startswith("text/html") else None
        self._reply(HTTPStatus.OK, content_type, data, with_body, csp=csp)

    def _events(self) -> None:
        """Server-sent events: one `build` event per finished build, keep-alive comments between."""
        rebuilder = self.server.rebuilder
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while not rebuilder.stopping:
                snapshot = rebuilder.wait_for(seen, KEEP_ALIVE_SECONDS)
                if rebuilder.stopping:
                    break
                if snapshot.generation != seen:
                    seen = snapshot.generation
                    data = json.dumps(
                        {
                            "generation": seen,
                            "ok": snapshot.error is None,
                            "session": self.server.session,
                        }
                    )
                    self.wfile.write(f"event: build\ndata: {data}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (ConnectionError, TimeoutError, ValueError):
            pass  # the page went away (ValueError: the server closed the stream)
        self.close_connection = True

    def _send_test(self) -> None:
        if not self._from_the_page():
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        is_json = self.headers.get("Content-Type", "").startswith("application/json")
        if not 0 < length <= MAX_FORM_BYTES or not is_json:
            self._json(
                HTTPStatus.BAD_REQUEST, {"ok": False, "message": "send a JSON body with an address"}
            )
            return
        try:
            address = json.loads(self.rfile.read(length)).get("address", "")
        except (ValueError, AttributeError, RecursionError):  # `[[[…` 4 KB deep too
            address = None
        if not isinstance(address, str) or not address.strip():
            self._json(HTTPStatus.BAD_REQUEST, {"ok": False, "message": "enter an email address"})
            return
        try:
            message = self.server.send_test(address.strip())
        except NewsletterError as e:  # the edge: library errors become one line for the page
            self._json(HTTPStatus.OK, {"ok": False, "message": str(e)})
            return
        self._json(HTTPStatus.OK, {"ok": True, "message": message})

    def _host_ok(self) -> bool:
        if self.server.allows_host(self.headers.get("Host")):
            return True
        self._plain(
            HTTPStatus.MISDIRECTED_REQUEST,
            f"this preview answers only at http://{DEFAULT_HOST}:{self.server.port}/",
        )
        return False

    def _json(self, status: HTTPStatus, value: dict[str, Any]) -> None:
        self._reply(status, "application/json", json.dumps(value).encode("utf-8"), True)

    def _plain(self, status: HTTPStatus, text: str, with_body: bool = True) -> None:
        self._reply(status, "text/plain; charset=utf-8", f"{text}\n".encode(), with_body)

    def _reply(
        self,
        status: HTTPStatus,
        content_type: str,
        body: bytes,
        with_body: bool,
        *,
        csp: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if csp:
            self.send_header("Content-Security-Policy", csp)
        self.end_headers()
        if with_body:
            self.wfile.write(body)


def _state_json(snapshot: PreviewSnapshot) -> bytes:
    """Everything the page shows, except the email itself (the frames carry that)."""

    return json.dumps(
        {
            "generation": snapshot.generation,
            "good_generation": snapshot.good_generation,
            "error": snapshot.error,
            "warnings": list(snapshot.warnings),
            "seconds": snapshot.seconds,
            "finished": snapshot.finished,
            "folder": display_path(snapshot.folder) if snapshot.folder else None,
            "issue": snapshot.summary,
        },
        ensure_ascii=False,
    ).encode("utf-8")
