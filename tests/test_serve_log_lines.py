"""serve's request log holds one line per request, whatever the request's path says.

uvicorn decodes the path (`%0A` is a line break, `%1B` an escape), and the log line quoted it
raw: a request could write a forged line into the log (`… POST /unsubscribe 200 … unsubscribe
one-click r…@example.org`) or retitle the terminal of whoever tails it.  A case of
docs/security.md's "serve, bounces and relays, tried once more" table, over raw sockets on
127.0.0.1.
"""

from __future__ import annotations

import logging
import socket

import pytest

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

FORGED = b"2026-12-06 12:00:00,000 POST /unsubscribe 200 0.1ms client=1.2.3.x unsubscribe"


def get(url: str, path: bytes) -> bytes:
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_path_with_line_breaks_and_escapes_logs_one_escaped_line(audience, caplog):
    """Line breaks, ESC, BEL, a bidi override and 6,000 characters in a path: one line each, escaped and cut."""
    paths = [
        b"/%0A" + FORGED.replace(b" ", b"%20"),
        b"/%0D%0A" + FORGED.replace(b" ", b"%20"),
        b"/%1B]0;pwned%07%1B[2J",
        b"/%E2%80%AEtxt.exe",
        b"/%C2%85next%E2%80%A8line",
        b"/" + b"a" * 6000,
    ]
    with caplog.at_level(logging.INFO, logger="newsletter.serve"):
        for path in paths:
            assert get(audience.url, path).startswith(b"HTTP/1.1 404 ")
    lines = [r.getMessage() for r in caplog.records if r.name == "newsletter.serve"]
    assert len(lines) == len(paths)
    for line in lines:
        assert line.startswith("GET /") and line.isprintable(), repr(line)
        assert "\u202e" not in line and len(line) < 400
    assert "\\x0a2026-12-06" in lines[0] and "\\x1b]0;pwned\\x07" in lines[2]
    assert "\\u202etxt.exe" in lines[3]
