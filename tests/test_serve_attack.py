"""`newsletter serve` attacked from outside: pipelining floods, readers that never read, half-closes.

The cases of docs/security.md's "Tried from outside" table that needed a fix,
each on real uvicorn with the real GuardedProtocol (in-process, or `newsletter
serve` as its own process), from raw sockets on 127.0.0.1.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from newsletter.mail.unsubscribe import sign_token
from newsletter.serve.connections import ConnectionGuard, ConnectionLimits
from newsletter.serve.runner import running_server
from tests.support.serve_process import serve_process, wait_until_answering
from tests.test_serve_limits import (
    LIST_ID,
    ONE_CLICK,
    READER,
    SECRET,
    answer,
    guarded,  # noqa: F401  (a fixture)
    one_click_head,
    status_of,
)

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def test_thousands_of_pipelined_requests_never_read_leave_memory_flat(send_ws):
    """20 connections each pipelining 3,000 GETs and reading nothing: each cut off, serve grows < 20 MB, a one-click is answered."""
    send_ws.add(READER)
    process, url = serve_process(send_ws.root)
    port = int(url.rsplit(":", 1)[1])
    flood = []
    try:
        wait_until_answering(url)
        before = resident_mb(process.pid)
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\n\r\n" * 3000)
            flood.append(sock)
        time.sleep(2)
        # It was 7 MB a connection: every request parsed and queued, answers waiting on a reader.
        assert resident_mb(process.pid) - before < 20
        token = sign_token(READER, SECRET, LIST_ID)
        response = httpx.post(f"{url}/unsubscribe?token={token}", data=ONE_CLICK, timeout=10)
        assert response.status_code == 200
        data = answer(flood[0], timeout=5)
        assert data.count(b"HTTP/1.1 ") <= 9 and data.endswith(b"Bad Request.\n")
    finally:
        for sock in flood:
            sock.close()
        process.terminate()
        process.wait(20)
        process.stdout.close()


def test_eight_pipelined_requests_are_all_answered_in_order(guarded):  # noqa: F811
    """An honest pipelining client (up to `pipelined` queued behind the first) gets every answer."""
    server = guarded()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\n\r\n" * 8)
        sock.sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = answer(sock, timeout=5)
    assert data.count(b"HTTP/1.1 200 OK") == 9


def test_a_one_click_followed_by_a_half_close_is_answered_and_committed(guarded, send_ws):  # noqa: F811
    """`shutdown(SHUT_WR)` right after a one-click: the 200 arrives (it was lost), the reader is unsubscribed."""
    send_ws.add(READER)
    server = guarded()
    body = b"List-Unsubscribe=One-Click"
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(one_click_head(sign_token(READER, SECRET, LIST_ID), len(body)) + body)
        sock.shutdown(socket.SHUT_WR)
        data = answer(sock, timeout=5)
    assert status_of(data) == 200 and b"Unsubscribed" in data
    with send_ws.store() as store:
        assert store.get(READER).status == "unsubscribed"


class BigAnswers:
    """An ASGI app answering every request with 20 MB, carrying its own connection guard."""

    def __init__(self, guard: ConnectionGuard) -> None:
        self.connection_guard = guard

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * (20 << 20)})


def test_a_client_that_stops_reading_its_answer_is_dropped_after_the_deadline():
    """A client reading none of a 20 MB answer is dropped `request_seconds` after writing stalls, its slot freed."""
    guard = ConnectionGuard(ConnectionLimits(request_seconds=0.5))
    with running_server(BigAnswers(guard)) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.2)
            assert guard.open == 1
            deadline = time.monotonic() + 5
            while guard.open and time.monotonic() < deadline:
                time.sleep(0.05)
            assert guard.open == 0  # the server let go without a byte read by us
            started = time.monotonic()
            received = len(answer(sock, timeout=5))
        assert received < 1 << 20 and time.monotonic() - started < 2  # reset, not trickled on


def test_a_worker_freezes_what_startup_made_before_it_serves(send_ws):
    """A `--workers` process's app comes with startup's objects frozen, out of every garbage collection's walk."""
    script = (
        "import gc, json, os\n"
        "from newsletter.serve import runner\n"
        "os.environ[runner._OPTIONS_ENV] = json.dumps({'workspace': os.getcwd(),"
        " 'trusted_proxies': [], 'outbox': '', 'parent': os.getppid()})\n"
        "before = gc.get_freeze_count()\n"
        "runner.app_from_environment()\n"
        "print(before, gc.get_freeze_count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=send_ws.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    before, after = (int(n) for n in done.stdout.split())
    assert before == 0 and after > 20_000  # the modules, templates and app: tens of thousands
