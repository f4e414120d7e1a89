"""`bounces process imaps://…` against a misbehaving IMAP server: one line, a deadline, no lock held.

The server is a few lines of Python speaking just enough IMAP over TLS on
127.0.0.1, scripted to fail at one step: a dropped connection, garbage, a
FETCH answer without its UID, silence, a drip, a literal announced as 1.5 GB.
"""

from __future__ import annotations

import socket
import sqlite3
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from newsletter.bounces import intake, sources
from tests.support.bounce_messages import dsn, list_message_id
from tests.support.fake_imaps import fake_imaps
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = ["first@example.org", "second@example.org"]


class HostileImap:
    """A one-connection-at-a-time IMAP server holding `messages`, failing as `fault` says.

    Faults act on the body FETCH of UID `at`: "drop", "garbage", "no-uid", "silence",
    "drip", "huge-literal"; `stored` collects the UIDs the client flagged.
    """

    def __init__(
        self, context: ssl.SSLContext, messages: list[bytes], fault: str, at: int = 1
    ) -> None:
        self.context, self.messages, self.fault, self.at = context, messages, fault, at
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stored: list[str] = []
        self.fetching = threading.Event()  # set when the faulty FETCH arrives
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                raw, _ = self.listener.accept()
            except TimeoutError:
                continue
            try:
                with self.context.wrap_socket(raw, server_side=True) as conn:
                    self._session(conn, conn.makefile("rb"))
            except (OSError, ValueError):
                pass  # the client hung up: fine

    def _session(self, conn: ssl.SSLSocket, lines) -> None:
        if self.fault == "no-greeting":
            self.fetching.set()
            self.stop.wait(30)
            return
        conn.sendall(b"* OK hostile IMAP ready\r\n")
        while not self.stop.is_set() and (line := lines.readline()):
            tag, _, rest = line.decode().strip().partition(" ")
            command = rest.upper()
            if command.startswith("UID FETCH") and "BODY.PEEK[]" in command:
                if not self._fetch(conn, tag, rest):
                    return
                continue
            conn.sendall(self._answer(tag, command, rest))
            if command.startswith("LOGOUT"):
                return

    def _answer(self, tag: str, command: str, rest: str) -> bytes:
        if command.startswith("CAPABILITY"):
            return b"* CAPABILITY IMAP4rev1\r\n" + f"{tag} OK done\r\n".encode()
        if command.startswith("SELECT"):
            return f"* {len(self.messages)} EXISTS\r\n{tag} OK [READ-WRITE] done\r\n".encode()
        if command.startswith("UID SEARCH"):
            uids = " ".join(str(n) for n in range(1, len(self.messages) + 1))
            return f"* SEARCH {uids}\r\n{tag} OK done\r\n".encode()
        if command.startswith("UID FETCH"):  # the sizes
            rows = "".join(
                f"* {n} FETCH (UID {n} RFC822.SIZE {len(m)})\r\n"
                for n, m in enumerate(self.messages, start=1)
            )
            return f"{rows}{tag} OK done\r\n".encode()
        if command.startswith("UID STORE"):
            self.stored.append(rest.split()[2])
        if command.startswith("LOGOUT"):
            return f"* BYE\r\n{tag} OK bye\r\n".encode()
        return f"{tag} OK done\r\n".encode()

    def _fetch(self, conn: ssl.SSLSocket, tag: str, rest: str) -> bool:
        """Answer a body FETCH, or fail at it; False when the session ends."""
        uids = [int(u) for u in rest.split()[2].split(",")]
        if self.at not in uids or self.fault == "none":
            for n in uids:
                data = self.messages[n - 1]
                conn.sendall(f"* {n} FETCH (UID {n} BODY[] {{{len(data)}}}\r\n".encode())
                conn.sendall(data + b")\r\n")
            conn.sendall(f"{tag} OK done\r\n".encode())
            return True
        self.fetching.set()
        if self.fault == "drop":
            return False
        if self.fault == "garbage":
            conn.sendall(b"\x00\xff}{ not IMAP at all \xfe" + b"z" * 500_000 + b"\r\n")
        elif self.fault == "no-uid":
            data = self.messages[self.at - 1]
            conn.sendall(f"* {self.at} FETCH (BODY[] {{{len(data)}}}\r\n".encode() + data)
            conn.sendall(f")\r\n{tag} OK done\r\n".encode())
        elif self.fault == "huge-literal":
            conn.sendall(f"* {self.at} FETCH (UID {self.at} BODY[] {{1500000000}}\r\n".encode())
            conn.sendall(b"x" * 65536)
        elif self.fault == "drip":
            for _ in range(200):
                if self.stop.is_set():
                    break
                conn.sendall(b"*")
                time.sleep(0.1)
        self.stop.wait(30)  # then silence (or after the rest): the client's deadline acts
        return False

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def hostile(certificate_authority, tmp_path):
    """Start a HostileImap: `hostile(messages, fault, at)` → (server, imaps URL, CA file)."""
    with fake_imaps(certificate_authority, tmp_path, HostileImap) as start:
        yield start


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace; IMAP answers get 1 s, batches hold one report."""
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", "anything")
    # One message per FETCH and per transaction, so "what came before is kept" shows with two.
    monkeypatch.setattr(intake, "BATCH", 1)
    monkeypatch.setattr(sources, "FETCH_BATCH", 1)
    path = send_ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "\n[bounce]\nimap_seconds = 1\n")
    return send_ws.cli(monkeypatch, *READERS)


def two_bounces() -> list[bytes]:
    return [
        dsn(f"<h{n}@mx.example.net>", r, "5.1.1", original_id=list_message_id(ISSUE_ID, r))
        for n, r in enumerate(READERS)
    ]


@contextmanager
def write_lock_is_free_while(event: threading.Event, database) -> Iterator[list[bool]]:
    """While the run waits on the server, check another writer gets the database at once."""
    free: list[bool] = []

    def probe() -> None:
        if not event.wait(10):
            return
        conn = sqlite3.connect(database, timeout=0.5)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            conn.close()

    thread = threading.Thread(target=probe)
    thread.start()
    yield free
    thread.join()


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("drop", "closed the connection"),
        ("garbage", "the IMAP server failed while we fetched messages"),
        ("no-uid", "a FETCH without its UID"),
        ("silence", "no whole answer within 1 s"),
        ("drip", "no whole answer within 1 s"),
        ("huge-literal", "announced a message of 1500000000 bytes"),
    ],
)
def test_a_misbehaving_server_is_one_line_and_what_came_before_is_kept(
    cli, send_ws, hostile, fault, says
):
    """The first report is applied and flagged; the failure at the second is one line naming host:port; the lock is free meanwhile."""
    server, url, ca_file = hostile(two_bounces(), fault, at=2)
    with write_lock_is_free_while(server.fetching, send_ws.database) as free:
        started = time.monotonic()
        result = cli("bounces", "process", url, "--ca-file", ca_file)
        took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: 127.0.0.1:{server.port}: ")
    assert len(lines[0]) < 400  # a server's garbage is never echoed at length
    assert says in lines[0]
    assert took < 10  # the deadline, not the server, ends the wait
    assert free == [True]
    assert send_ws.statuses() == {READERS[0]: "bounced", READERS[1]: "active"}
    assert server.stored == ["1"]  # flagged only what was committed


def test_a_message_over_the_size_cap_is_never_fetched_but_counted_and_flagged(
    cli, send_ws, hostile
):
    """A message larger than imap_max_message is left on the server, counted unreadable, flagged."""
    path = send_ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "imap_max_message = 10000\n")
    big = two_bounces()[1] + b"\r\n" + b"x" * 20_000 + b"\r\n"
    server, url, ca_file = hostile([two_bounces()[0], big], "none")
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert result.exit_code == 0, result.output
    assert "1 hard bounce(s)" in result.output and "1 unreadable" in result.output
    assert send_ws.statuses() == {READERS[0]: "bounced", READERS[1]: "active"}
    assert sorted(server.stored) == ["1", "2"]


def test_a_server_that_never_greets_is_one_line_within_the_deadline(cli, send_ws, hostile):
    """TLS up but no greeting: `cannot connect (no whole answer within 1 s)`, naming host:port."""
    server, url, ca_file = hostile(two_bounces(), "no-greeting")
    started = time.monotonic()
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert time.monotonic() - started < 10
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (
        f"error: 127.0.0.1:{server.port}: cannot connect (no whole answer within 1 s)"
    )
    assert set(send_ws.statuses().values()) == {"active"}
