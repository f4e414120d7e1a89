"""`newsletter serve` under hostile clients, on real uvicorn: bodies, heads, slow and many connections.

Raw sockets on 127.0.0.1 send what no well-behaved client would: chunked bodies
over the cap, heads that never end, connections that say nothing.
"""

from __future__ import annotations

import logging
import os
import re
import resource
import signal
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_token
from newsletter.serve.app import ServeOptions
from newsletter.serve.connections import ConnectionLimits
from newsletter.serve.runner import running_server
from tests.support.form_token import sign_up_token
from tests.support.serve_process import serve_process, wait_until_answering

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"
READER = "reader@example.org"


def one_click_head(token: str, length: int, chunked: bool = False) -> bytes:
    size = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    return (
        f"POST /unsubscribe?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{size}\r\n\r\n"
    ).encode()


def answer(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (or `timeout`)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def status_of(data: bytes) -> int:
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0


@pytest.fixture
def guarded(send_ws, smtpd, audience_app):
    """Start the send workspace's server with the given connection limits; its URL and port."""
    started = []

    def start(**limits):
        options = ServeOptions(limits=ConnectionLimits(**limits))
        app = audience_app(send_ws, smtpd, options=options)[0]
        server = running_server(app)
        started.append(server)
        return server.__enter__()

    yield start
    for server in started:
        server.__exit__(None, None, None)


def test_a_chunked_body_over_the_cap_is_413_and_the_app_never_sees_it(send_ws, audience, caplog):
    """A 20 KB chunked one-click: 413 with Connection: close, the reader kept, no traceback, one log line."""
    audience.ws.add(READER)
    token = sign_token(READER, SECRET, LIST_ID)
    body = b"List-Unsubscribe=One-Click&pad=" + b"x" * 20000
    port = int(audience.url.rsplit(":", 1)[1])
    with (
        caplog.at_level(logging.INFO, logger="newsletter.serve"),
        socket.create_connection(("127.0.0.1", port)) as sock,
    ):
        sock.sendall(one_click_head(token, 0, chunked=True))
        for i in range(0, len(body), 4096):
            piece = body[i : i + 4096]
            sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        data = answer(sock)
    assert status_of(data) == 413 and b"connection: close" in data.lower()
    assert audience.status(READER) == "active"
    lines = [r.getMessage() for r in caplog.records if r.name == "newsletter.serve"]
    assert len(lines) == 1 and lines[0].startswith("POST /unsubscribe 413 ")
    assert not any(r.exc_info for r in caplog.records)


def test_a_head_past_its_cap_is_431_before_more_is_read(guarded):
    """A header block over 32 KiB, one header line over 8 KiB, a URL over 8 KiB: 431, 431, 414."""
    server = guarded()
    cases = [
        (b"GET /subscribe HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 40_000, 431),
        (b"GET /subscribe HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (b"GET /subscribe?q=" + b"c" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ]
    for request, expected in cases:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(request)  # the first never ends its head: the cap alone stops it
            assert status_of(answer(sock)) == expected
    fine = httpx.get(f"{server.url}/subscribe", headers={"X-Fine": "d" * 7000})
    assert fine.status_code == 200


def test_a_request_that_does_not_arrive_in_time_is_408_and_closed(guarded, caplog):
    """A head dribbled past the deadline, a body never finished, a connection that says nothing: all closed, one log line."""
    server = guarded(request_seconds=0.5)
    caplog.set_level(logging.INFO, logger="newsletter.serve")
    sockets = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    sockets[0].sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\n")  # never the blank line
    sockets[1].sendall(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nemail=")
    # sockets[2] sends nothing at all
    started = time.monotonic()
    answers = [answer(sock, timeout=5) for sock in sockets]
    assert time.monotonic() - started < 4  # all closed by the server, not by our timeout
    assert [status_of(a) for a in answers] == [408, 408, 408]
    for sock in sockets:
        sock.close()
    assert httpx.get(f"{server.url}/subscribe").status_code == 200
    time.sleep(1.0)  # past the one-line-a-second window: the next line counts the others
    with socket.create_connection(("127.0.0.1", server.port)) as late:
        assert status_of(answer(late, timeout=5)) == 408
    timeouts = [r.getMessage() for r in caplog.records if "request-timeout" in r.getMessage()]
    assert len(timeouts) == 2 and timeouts[0].startswith("- - 408 0.0ms client=127.0.0.x")
    assert timeouts[1].endswith("request-timeout (+2 more)")


def read_response(sock: socket.socket) -> bytes:
    """One whole response on a kept-alive connection (it has a Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_a_kept_alive_connection_dribbling_blank_lines_is_closed_too(guarded):
    """After one answered request, CRLFs sent every 0.2 s (which the parser skips) do not keep it open."""
    server = guarded(request_seconds=0.5)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(read_response(sock)) == 200
        sock.settimeout(0.2)
        started = time.monotonic()
        closed = False
        while not closed and time.monotonic() - started < 5:
            try:
                sock.sendall(b"\r\n")
                closed = sock.recv(65536) is not None  # the 408, or the close
            except TimeoutError:
                continue
            except OSError:
                closed = True
        assert closed and time.monotonic() - started < 4.5


def test_one_client_gets_a_bounded_number_of_connections(guarded, caplog):
    """Past `per_client` open connections from one address, the next is answered 503 and closed."""
    server = guarded(per_client=3, exempt=())  # 127.0.0.1 counted like any client here
    held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    for sock in held:
        sock.sendall(b"GET /subscribe HTTP/1.1\r\n")
    time.sleep(0.2)
    with caplog.at_level(logging.INFO, logger="newsletter.serve"):
        refused = httpx.get(f"{server.url}/subscribe")
    assert refused.status_code == 503 and refused.headers["retry-after"] == "10"
    assert any("too-many-connections" in r.getMessage() for r in caplog.records)
    held.pop().close()
    time.sleep(0.2)
    assert httpx.get(f"{server.url}/subscribe").status_code == 200
    for sock in held:
        sock.close()


def test_when_full_the_longest_reading_connection_makes_room_for_a_one_click(guarded, send_ws):
    """At `max_connections`, a new one-click is answered and committed; the oldest slow reader is closed."""
    send_ws.add(READER)
    server = guarded(max_connections=5)
    slow = []
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\n")
        slow.append(sock)
        time.sleep(0.02)
    token = sign_token(READER, SECRET, LIST_ID)
    response = httpx.post(
        f"{server.url}/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    with send_ws.store() as store:
        assert store.get(READER).status == "unsubscribed"
    assert status_of(answer(slow[0], timeout=2)) == 408  # the oldest was shed
    slow[-1].setblocking(False)
    with pytest.raises(BlockingIOError):
        slow[-1].recv(1)  # the newest slow one is still open, still waiting
    for sock in slow:
        sock.close()


def test_the_guard_counts_an_ipv6_client_as_its_64_and_exempts_loopback():
    """Connections per client: two addresses in one /64 share a count; loopback is exempt by default."""
    from newsletter.serve.connections import ConnectionGuard

    guard = ConnectionGuard(ConnectionLimits())
    assert guard.bucket_of("2001:db8:1:2::a") == guard.bucket_of("2001:db8:1:2:ffff::b")
    assert guard.bucket_of("2001:db8:1:3::a") != guard.bucket_of("2001:db8:1:2::a")
    assert guard.bucket_of("::ffff:203.0.113.7") == "203.0.113.7"
    assert guard.bucket_of("127.0.0.1") is None and guard.bucket_of("::1") is None
    proxied = ConnectionGuard(ConnectionLimits(exempt=()), trusted_proxies=("10.0.0.0/8",))
    assert proxied.bucket_of("10.1.2.3") is None and proxied.bucket_of("127.0.0.1") == "127.0.0.1"


def test_signups_from_one_ipv6_64_share_one_limit(send_ws, smtpd, audience_app):
    """Behind a trusted proxy, sign-ups from addresses in one IPv6 /64 count together; another /64 does not."""
    app = audience_app(send_ws, smtpd, ("127.0.0.1",), client_limit=3)[0]
    with running_server(app) as server, httpx.Client(timeout=10) as http:

        def sign_up(i: int, client: str) -> int:
            token = sign_up_token(http, server.url)
            return http.post(
                f"{server.url}/subscribe",
                data={"form_token": token, "email": f"v6-{i}@example.org"},
                headers={"X-Forwarded-For": client},
            ).status_code

        same_64 = [sign_up(i, f"2001:db8:7:1::{i + 1:x}") for i in range(4)]
        elsewhere = sign_up(9, "2001:db8:7:2::1")
    assert same_64 == [200, 200, 200, 429]
    assert elsewhere == 200


def test_while_another_process_holds_the_write_lock_pages_answer_and_writes_get_503(
    send_ws, smtpd, audience_app
):
    """A second connection holds BEGIN IMMEDIATE: GET /subscribe answers while writes wait; they get 503 and never commit later."""
    readers = [f"held{i}@example.org" for i in range(3)]
    send_ws.add(*readers)
    options = ServeOptions(database_wait=3.0)  # room for a loaded machine to answer the GET
    app = audience_app(send_ws, smtpd, options=options)[0]
    with running_server(app) as server, httpx.Client(timeout=20) as http:
        form_token = sign_up_token(http, server.url)
        blocker = sqlite3.connect(send_ws.database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with ThreadPoolExecutor(4) as pool:
                writes = [
                    pool.submit(
                        http.post,
                        f"{server.url}/unsubscribe?token={sign_token(r, SECRET, LIST_ID)}",
                        data=ONE_CLICK,
                    )
                    for r in readers
                ]
                writes.append(
                    pool.submit(
                        http.post,
                        f"{server.url}/subscribe",
                        data={"form_token": form_token, "email": "new@example.org"},
                    )
                )
                time.sleep(0.2)
                page = http.get(f"{server.url}/subscribe")
                assert page.status_code == 200
                assert not any(w.done() for w in writes)  # the page did not wait behind them
                answers = [w.result() for w in writes]
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert [a.status_code for a in answers] == [503] * 4
        assert all(int(a.headers["retry-after"]) > 0 for a in answers)
        time.sleep(0.5)  # nothing answered 503 may commit once the lock is free
        with send_ws.store() as store:
            assert {store.get(r).status for r in readers} == {"active"}
        assert smtpd.received == []
        again = http.post(
            f"{server.url}/unsubscribe?token={sign_token(readers[0], SECRET, LIST_ID)}",
            data=ONE_CLICK,
        )
        assert again.status_code == 200
    with send_ws.store() as store:
        assert store.get(readers[0]).status == "unsubscribed"


def test_the_signup_name_never_reaches_the_confirmation_email(audience):
    """Whatever is typed as the name is not mailed to the address; it is kept for after confirmation."""
    lure = "URGENT: your bank account is locked, call +1 555 0100"
    audience.sign_up("target@example.org", lure)
    (received,) = audience.smtpd.received
    assert b"URGENT" not in received.data and b"bank" not in received.data
    assert b"Hello,\r\n" in received.data
    link = audience.confirmation_links()[0]
    audience.http.post(f"{audience.url}/confirm", data={"token": link.split("token=")[1]})
    with audience.ws.store() as store:
        assert store.get("target@example.org").name == lure


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # a zombie waits only for its reaper: it holds no socket


@pytest.mark.slow
def test_workers_exit_and_free_the_port_when_their_parent_is_killed(send_ws):
    """`kill -9` of `serve --workers 2`: its workers exit and the port can be bound again."""
    process, url = serve_process(send_ws.root, "--workers", "2")
    port = int(url.rsplit(":", 1)[1])
    workers: list[int] = []
    try:
        wait_until_answering(url)
        workers += children_of(process.pid)
        assert len(workers) >= 2
        process.kill()
        process.wait(10)
        deadline = time.monotonic() + 20
        while not all(gone(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(gone(pid) for pid in workers)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))  # free again
    finally:
        process.kill()
        for pid in workers:
            if not gone(pid):  # orphans of a failed run: they would hold the port
                os.kill(pid, signal.SIGKILL)
        process.stdout.close()


def low_file_limit() -> None:
    """In the child: 1,024 files, soft and hard, as many systems start a service."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


@pytest.mark.slow
def test_1100_connections_that_never_finish_their_heads_leave_room_for_a_one_click(send_ws):
    """`serve` limited to 1,024 files, 1,100 slow connections open: a one-click is still answered and committed."""
    send_ws.add(READER)
    process, url = serve_process(send_ws.root, preexec_fn=low_file_limit)
    port = int(url.rsplit(":", 1)[1])
    slow = []
    try:
        wait_until_answering(url)
        for _ in range(1100):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(sock)
        token = sign_token(READER, SECRET, LIST_ID)
        response = httpx.post(f"{url}/unsubscribe?token={token}", data=ONE_CLICK, timeout=10)
        assert response.status_code == 200
        with send_ws.store() as store:
            assert store.get(READER).status == "unsubscribed"
    finally:
        for sock in slow:
            sock.close()
        process.terminate()
        process.wait(20)
        process.stdout.close()


def peak_memory_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


@pytest.mark.slow
def test_four_100_mb_headers_are_cut_off_and_memory_stays_flat(send_ws):
    """Four clients each sending a 100 MB header: each refused early; serve's peak memory grows by < 30 MB."""
    process, url = serve_process(send_ws.root)
    port = int(url.rsplit(":", 1)[1])
    try:
        wait_until_answering(url)
        before = peak_memory_mb(process.pid)
        sent: list[int] = []

        def flood() -> None:
            total = 0
            with socket.create_connection(("127.0.0.1", port)) as sock:
                try:
                    sock.sendall(b"GET /subscribe HTTP/1.1\r\nHost: x\r\nX-Big: ")
                    block = b"a" * (1 << 20)
                    while total < 100 << 20:
                        sock.sendall(block)
                        total += len(block)
                except OSError:
                    pass  # the server closed the connection: what we want
            sent.append(total)

        threads = [threading.Thread(target=flood) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(sent) == 4 and max(sent) < 20 << 20  # cut off long before 100 MB
        assert peak_memory_mb(process.pid) - before < 30
        assert httpx.get(f"{url}/subscribe").status_code == 200
    finally:
        process.terminate()
        process.wait(20)
        process.stdout.close()


def test_an_upgrade_request_is_answered_as_plain_http(guarded):
    """`Upgrade: h2c` (curl --http2 on http://) gets its page, then the connection closes."""
    server = guarded()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(
            b"GET /subscribe HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
        )
        started = time.monotonic()
        data = answer(sock, timeout=5)
    assert status_of(data) == 200 and b"Subscribe" in data
    assert time.monotonic() - started < 4  # closed by the server, not by our timeout
