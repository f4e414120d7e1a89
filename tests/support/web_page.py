"""A small website on 127.0.0.1 for the tests that need one (a feed to fetch, a page to embed in)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serving_page(
    body: Callable[[], bytes], content_type: str = "text/html; charset=utf-8"
) -> Iterator[str]:
    """Every GET answered 200 with `body()` (read at each request); the server's base URL.

    A port of its own, so an origin of its own; the request log is kept quiet.
    """

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = body()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
