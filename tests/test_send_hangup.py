"""A send whose terminal closes (SIGHUP) stops as Ctrl-C does: nothing in flight goes out twice.

The terminal is a real pseudo-terminal whose master side is closed mid-send, so
the kernel itself sends the hang-up; the relay is a real SMTP server that
queues each message at once and answers a little later, so messages are in
flight when it comes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import select
import sys
import time

import pytest

from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.test_send_resume import start_send

pytest_plugins = ["tests.support.send_fixtures"]


class LateReply(RecordingHandler):
    """Queues each message as it arrives and answers its final `.` `delay` seconds later."""

    delay = 0.5

    async def handle_DATA(self, server, session, envelope):
        self._keep(envelope)
        await asyncio.sleep(self.delay)
        return "250 2.0.0 queued"


def send_on_a_terminal(root, server, connections: int) -> tuple[int, int]:
    """Start `newsletter send` with a new pseudo-terminal as its controlling terminal."""
    pid, master = pty.fork()
    if pid == 0:  # the child: nothing but exec (the test process has threads)
        try:
            os.chdir(root)
            command = ["-m", "newsletter", "send", "issues/2026-W48", "--yes"]
            os.execv(
                sys.executable,
                [sys.executable, *command, *server.send_flags, "--connections", str(connections)],
            )
        finally:
            os._exit(127)
    return pid, master


def drain_until(master: int, condition, timeout: float = 30.0) -> None:
    """Read the terminal's output (so the progress bar never blocks) until `condition()`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        if select.select([master], [], [], 0.01)[0]:
            with contextlib.suppress(OSError):
                os.read(master, 1 << 16)


@pytest.mark.slow
@pytest.mark.parametrize("connections", [1, 4], ids=["one process", "worker processes"])
def test_a_closed_terminal_lets_the_messages_in_flight_finish_and_mails_nobody_twice(
    send_ws, connections
):
    """SIGHUP mid-send: each message in flight is answered and journaled; a re-run mails once."""
    emails = send_ws.add_many(120)
    handler = LateReply()
    with smtp_server(handler=handler) as server:
        pid, master = send_on_a_terminal(send_ws.root, server, connections)
        drain_until(master, lambda: len(server.received) >= 10)
        os.close(master)  # the terminal window closes: the kernel hangs up the send's session
        deadline = time.monotonic() + 30
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            assert time.monotonic() < deadline, "the send did not stop after the hang-up"
            time.sleep(0.05)
        assert len(server.received) < len(emails)
        handler.delay = 0.0
        resumed = start_send(send_ws, server)
        output, _ = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, output
    assert handler.by_recipient() == {e: 1 for e in emails}
