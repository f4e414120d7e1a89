"""`bounces process imaps://…` against an IMAP server that lies: answers nobody asked for, literals in SEARCH.

The server is our own asyncio IMAP over TLS on 127.0.0.1: honest but for one
scripted lie.  Each lie used to cost memory without bound or a traceback; now
each is one line naming host:port, or a bounded run.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import tracemalloc

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.bounce_messages import dsn, list_message_id
from tests.support.dovecot_server import PASSWORD, dovecot_server
from tests.support.fake_imaps import fake_imaps
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = ["first@example.org", "second@example.org"]


class LyingImap:
    """An asyncio IMAP server over TLS holding `messages`; `lie` says what it does wrong.

    "unasked-literals": 900 KB literals for messages nobody asked for, beside every
    body FETCH; "search-flood": such literals for seconds before the SEARCH answer;
    "search-literal": the SEARCH answer as a literal; "junk-each": one 900 KB literal under
    a name nobody asks for (`* 1 XJUNK {900000}`) before every answer, within the bounds of
    each; "bye-echo": LOGIN answered `* BYE refused: <the command's words>`, password and
    all ("bye-echo-cut": their last 6 characters cut off); "preauth": a PREAUTH greeting (then
    LOGIN is refused, as RFC 3501 has it); "none": honest.  `stored` holds
    the UID sets the client flagged, one entry per STORE.
    """

    def __init__(self, context: ssl.SSLContext, messages: list[bytes], lie: str) -> None:
        self.context, self.messages, self.lie = context, messages, lie
        self.stored: list[str] = []
        self.port = 0
        started = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._main(started),))
        self.thread.start()
        started.wait(10)

    async def _main(self, started: threading.Event) -> None:
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        server = await asyncio.start_server(self._session, "127.0.0.1", 0, ssl=self.context)
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        async with server:
            await self.stopping.wait()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            greeting = b"* PREAUTH ready\r\n" if self.lie == "preauth" else b"* OK ready\r\n"
            writer.write(greeting)
            while line := await reader.readline():
                tag, _, rest = line.decode().strip().partition(" ")
                await self._answer(writer, tag, rest.upper(), rest)
                await writer.drain()
                if rest.upper().startswith("LOGOUT"):
                    break
        except (OSError, ssl.SSLError):
            pass  # the client hung up on us: what it should do
        finally:
            writer.close()

    async def _unasked(self, writer: asyncio.StreamWriter, seconds: float, count: int) -> None:
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        for n in range(count):
            if loop.time() > until:
                break
            writer.write(f"* {n + 100} FETCH (UID {n + 100} BODY[] {{900000}}\r\n".encode())
            writer.write(b"y" * 900_000 + b")\r\n")
            await writer.drain()

    async def _answer(
        self, writer: asyncio.StreamWriter, tag: str, command: str, rest: str
    ) -> None:
        uids = " ".join(str(n) for n in range(1, len(self.messages) + 1))
        if self.lie == "junk-each":
            writer.write(b"* 1 XJUNK {900000}\r\n" + b"j" * 900_000 + b"\r\n")
        if command.startswith("LOGIN") and self.lie == "bye-echo":
            writer.write(f"* BYE refused: {rest}\r\n".encode())
            return
        if command.startswith("LOGIN") and self.lie == "bye-echo-cut":  # its last 6 cut off
            writer.write(f"* BYE refused: {rest[:-6]}...\r\n".encode())
            return
        if command.startswith("LOGIN") and self.lie == "preauth":
            writer.write(f"{tag} BAD already authenticated\r\n".encode())
            return
        if command.startswith("CAPABILITY"):
            writer.write(b"* CAPABILITY IMAP4rev1\r\n")
        elif command.startswith("SELECT"):
            writer.write(f"* {len(self.messages)} EXISTS\r\n".encode())
        elif command.startswith("UID SEARCH") and self.lie == "search-literal":
            writer.write(f"* SEARCH {{{len(uids)}}}\r\n{uids}\r\n".encode())
        elif command.startswith("UID SEARCH"):
            if self.lie == "search-flood":
                await self._unasked(writer, 8.0, 10_000)
            writer.write(f"* SEARCH {uids}\r\n".encode())
        elif command.startswith("UID FETCH") and "BODY.PEEK[]" in command:
            if self.lie == "unasked-literals":
                await self._unasked(writer, 8.0, 60)
            for n in (int(u) for u in rest.split()[2].split(",")):
                data = self.messages[n - 1]
                writer.write(f"* {n} FETCH (UID {n} BODY[] {{{len(data)}}}\r\n".encode())
                writer.write(data + b")\r\n")
        elif command.startswith("UID FETCH"):
            for n in (int(u) for u in rest.split()[2].split(",")):
                size = len(self.messages[n - 1])
                writer.write(f"* {n} FETCH (UID {n} RFC822.SIZE {size})\r\n".encode())
        elif command.startswith("UID STORE"):
            self.stored.append(rest.split()[2])
        elif command.startswith("LOGOUT"):
            writer.write(b"* BYE\r\n")
        writer.write(f"{tag} OK done\r\n".encode())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)


@pytest.fixture
def lying(certificate_authority, tmp_path):
    """Start a LyingImap: `lying(messages, lie)` → (server, imaps URL, CA file)."""
    with fake_imaps(certificate_authority, tmp_path, LyingImap) as start:
        yield start


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace: answers get 20 s, messages at most 1 MB."""
    monkeypatch.chdir(send_ws.root)
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", "anything")
    path = send_ws.root / "newsletter.toml"
    path.write_text(
        path.read_text() + "\n[bounce]\nimap_seconds = 20\nimap_max_message = 1000000\n"
    )
    send_ws.add(*READERS)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def bounces() -> list[bytes]:
    return [
        dsn(f"<h{n}@mx.example.net>", r, "5.1.1", original_id=list_message_id(ISSUE_ID, r))
        for n, r in enumerate(READERS)
    ]


@pytest.mark.parametrize(
    ("lie", "while_"),
    [("unasked-literals", "fetched messages"), ("search-flood", "searched the folder")],
)
def test_literals_nobody_asked_for_stop_the_run_at_twice_the_message_cap(
    cli, send_ws, lying, lie, while_
):
    """900 KB literals sent unasked (they grew the run to 812 MB): one line at 2 MB read, nothing applied."""
    server, url, ca_file = lying(bounces(), lie)
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (
        f"error: 127.0.0.1:{server.port}: the IMAP server failed while we {while_} "
        "(command: UID => sent more than 2000000 bytes of messages in one answer, twice "
        "bounce.imap_max_message); what was processed before is kept, run again later"
    )
    assert send_ws.statuses() == {r: "active" for r in READERS}
    assert server.stored == []


def test_a_search_answered_with_a_literal_is_one_line(cli, send_ws, lying):
    """`* SEARCH {3}` then the UIDs: one line naming host:port (was an AttributeError traceback)."""
    server, url, ca_file = lying(bounces(), "search-literal")
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == (
        f"error: 127.0.0.1:{server.port}: the IMAP server answered SEARCH with a literal, "
        "not a list of UIDs; what was processed before is kept"
    )


def test_large_messages_are_committed_a_few_at_a_time_not_a_hundred(cli, send_ws, lying):
    """Two bounces and four 400 KB messages under a 1 MB cap: committed in two batches of at most 1 MB (was one of all six)."""
    spam = [b"Subject: x\r\nMessage-ID: <s%d@x>\r\n\r\n" % n + b"z" * 400_000 for n in range(4)]
    server, url, ca_file = lying([*bounces(), *spam], "none")
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert result.exit_code == 0, result.output
    assert send_ws.statuses() == {r: "bounced" for r in READERS}
    assert server.stored == ["1,2,3,4", "5,6"]


def test_a_server_that_greets_with_preauth_is_read_without_logging_in(cli, send_ws, lying):
    """`* PREAUTH`: no LOGIN sent, the bounces applied (it said "login failed, check the password")."""
    server, url, ca_file = lying(bounces(), "preauth")
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert result.exit_code == 0, result.output
    assert send_ws.statuses() == {r: "bounced" for r in READERS}
    assert server.stored == ["1,2"]


@pytest.mark.slow
def test_on_dovecot_large_and_hostile_messages_are_flagged_and_the_reports_beside_them_applied(
    certificate_authority, send_ws, monkeypatch
):
    """Real Dovecot, 1 MB cap: 700 KB messages, a 3 MB one and 1,100 nested multiparts beside two reports; no answer trips the bounds, all flagged."""
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", PASSWORD)
    path = send_ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "\n[bounce]\nimap_max_message = 1000000\n")
    run = send_ws.cli(monkeypatch, *READERS)
    nested = (
        b"From: MAILER-DAEMON@x\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + b"".join(
            b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (n, n + 1)
            for n in range(1100)
        )
    )
    spam = [b"Subject: x\r\nMessage-ID: <s%d@x>\r\n\r\n" % n + b"z\r\n" * 230_000 for n in range(4)]
    huge = b"Subject: x\r\nMessage-ID: <huge@x>\r\n\r\n" + b"z\r\n" * 1_000_000
    with dovecot_server(certificate_authority) as imap:
        first, second = bounces()
        imap.append(first, *spam, nested, huge, second)
        result = run("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
        assert result.exit_code == 0, result.output
        assert "Processed 8 message(s)" in result.output and "2 unreadable" in result.output
        assert send_ws.statuses() == {r: "bounced" for r in READERS}
        assert all("NewsletterProcessed" in f for f in imap.folder_flags())
        again = run("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
        assert "Processed 0 message(s)" in again.output, again.output


def test_answers_nobody_asked_for_are_not_kept_from_one_command_to_the_next(cli, send_ws, lying):
    """A 900 KB untagged literal before each of 40 answers (each within its bounds): the run
    ends holding at most a few of them, not all (imaplib kept every one until the end)."""
    spam = [b"Subject: x\r\nMessage-ID: <s%d@x>\r\n\r\n" % n + b"z" * 600_000 for n in range(30)]
    server, url, ca_file = lying([*bounces(), *spam], "junk-each")
    tracemalloc.start()
    try:
        result = cli("bounces", "process", url, "--ca-file", ca_file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert send_ws.statuses() == {r: "bounced" for r in READERS}
    assert peak < 15_000_000, f"{peak / 1e6:.0f} MB"  # 64 MB before, growing with each command
    assert sorted(int(u) for stored in server.stored for u in stored.split(",")) == list(
        range(1, 33)
    )  # every message flagged once


def test_a_server_echoing_the_password_at_login_never_gets_it_printed(cli, lying, monkeypatch):
    """LOGIN answered with a BYE quoting the password: one line naming host:port and the
    server's words, the password hidden (it was printed)."""
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", "imap-secret-456")
    server, url, ca_file = lying(bounces(), "bye-echo")
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"127.0.0.1:{server.port}" in result.output and "refused" in result.output
    assert "imap-secret-456" not in result.output, result.output


def test_a_server_echoing_most_of_the_password_at_login_never_gets_it_printed(
    cli, lying, monkeypatch
):
    """LOGIN answered with a BYE quoting the password cut short (`imap-secre...`): two
    thirds of it were printed; now the server's words are hidden (docs/security.md)."""
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", "imap-secret-456")
    server, url, ca_file = lying(bounces(), "bye-echo-cut")
    result = cli("bounces", "process", url, "--ca-file", ca_file)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"127.0.0.1:{server.port}" in result.output
    assert "imap-sec" not in result.output and "[password hidden]" in result.output, result.output
