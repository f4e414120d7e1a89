"""`send --status` on PostgreSQL names each folder that sent (a new user with two folders on
one machine saw `vm (workspace a2dc379c)` and `vm (workspace c1d8ad88)`, and which folder was
which appeared only in each folder's postgresql-send.host)."""

from __future__ import annotations

import re
import socket

from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.test_send_postgres import add_readers, start_send, status_of
from tests.test_send_postgres import two_ws as two_ws  # the fixture: two folders, one server

pytest_plugins = ["tests.support.send_fixtures"]


def test_status_names_the_folder_each_workspace_id_stands_for(two_ws):
    """Two folders on one machine each send a share: `--status` (from either) shows each host
    as the machine, its workspace id and the folder that id stands for, the one its own
    postgresql-send.host names, and so does the summary naming the other host."""
    first, second = two_ws
    add_readers(first, 20)
    relays = RecordingHandler(), RecordingHandler()
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        done = start_send(first, one, "--limit", "5").communicate(timeout=60)[0]
        rest = start_send(second, two)
        output, _ = rest.communicate(timeout=60)
    assert rest.returncode == 0, done + output
    machine = socket.gethostname()
    named = {}
    for ws in (first, second):
        workspace, _, folder = (ws.root / "postgresql-send.host").read_text("utf-8").split("\t")
        assert folder.strip() == str(ws.root.resolve())
        named[ws.root] = f"{machine} (workspace {workspace}, {folder.strip()})"
    for ws in (first, second):
        status = status_of(ws)
        hosts = [line for line in status.splitlines() if re.match(r"    \S", line)]
        assert len(hosts) == 2, status
        for host in named.values():
            assert sum(line.startswith(f"    {host}  ") for line in hosts) == 1, status
    assert (
        f"Other senders sent 5 of issue 2026-W48, before or while this run ran: {named[first.root]} pid "
        in output
    ), output
