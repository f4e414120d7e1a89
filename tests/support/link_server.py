"""A real HTTP server on 127.0.0.1 with the links `check --links` must cope with.

/ok        200                 /missing   404
/moved     301 → /hop → 302 → /ok
/loop      302 to itself       /nohead    405 to HEAD, 200 to GET
/slow      answers after 3 s   /error     503
/big.png   a 100 px wide PNG that weighs 2 MB
"""

from __future__ import annotations

import contextlib
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 3.0
BIG_BYTES = 2 * 1024 * 1024
PNG_HEAD = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 100, 60)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet
        pass

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/moved":
            return self._redirect(301, "/hop")
        if path == "/hop":
            return self._redirect(302, "/ok")
        if path == "/loop":
            return self._redirect(302, "/loop")
        if path == "/to-mail":
            return self._redirect(302, "mailto:editor@example.org")
        if path == "/caf%C3%A9":
            return self._status(200)
        if path == "/nohead" and not body:
            return self._status(405)
        if path == "/slow":
            time.sleep(SLOW_SECONDS)
        if path == "/missing":
            return self._status(404)
        if path == "/error":
            return self._status(503)
        if path == "/big.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(BIG_BYTES))
            self.end_headers()
            if body:
                with contextlib.suppress(ConnectionError):  # the checker reads the head only
                    self.wfile.write(PNG_HEAD + b"\0" * (BIG_BYTES - len(PNG_HEAD)))
            return None
        return self._status(200)

    def _status(self, code: int) -> None:
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _redirect(self, code: int, to: str) -> None:
        self.send_response(code)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()


@contextmanager
def link_server() -> Iterator[str]:
    """Serve the links above; yields the base URL, e.g. http://127.0.0.1:41234."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
