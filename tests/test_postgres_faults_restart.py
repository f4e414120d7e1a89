"""The PostgreSQL server restarts while two hosts send one issue: both wait and go on.

Two workspaces (two hosts) share one database and the same built issue, each `newsletter
send` its own process through its own relay.  Mid-send the server stops at once (`pg_ctl
stop -m immediate`, as a crash) and starts again 3 s later.  Each sender waits and
reconnects within its patience (its journal writes, its claims, its lease), and every
reader gets exactly one copy over the two relays: none lost, none doubled.
"""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from newsletter.config import load_settings
from tests.support.fault_commands import (
    import_readers,
    no_send_left_running,  # noqa: F401 (autouse: kills a send a failed test left running)
    start_send,
    wait_for,
)
from tests.support.send_workspace import Workspace
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


@pytest.mark.slow
def test_a_restart_while_two_hosts_send_loses_and_doubles_nobody(
    send_ws, postgres_url, postgres_server, tmp_path
):
    """Two senders on one issue, the server crashing and back 3 s later mid-send: both exit 0,
    every reader has exactly one copy over the two relays, and each host sent a share.  The
    server's WAL writer sleeps 10 s, so the crash loses the outcomes committed without
    waiting for the disk since then (send/disk_fence.py): each sender records them again,
    and neither leaves a kept file behind nor says a reader went twice."""
    with postgres_server.connect() as conn:  # a production server's commits survive a crash
        dbname = postgres_url.rsplit("/", 1)[1]
        conn.execute(f'ALTER DATABASE "{dbname}" SET synchronous_commit = on')
        conn.execute("ALTER SYSTEM SET wal_writer_delay = '10s'")
        conn.execute("SELECT pg_reload_conf()")
    try:
        crash_mid_send(send_ws, postgres_url, postgres_server, tmp_path)
    finally:
        with postgres_server.connect() as conn:
            conn.execute("ALTER SYSTEM RESET wal_writer_delay")
            conn.execute("SELECT pg_reload_conf()")


def crash_mid_send(send_ws, postgres_url, postgres_server, tmp_path) -> None:
    with (send_ws.root / "newsletter.toml").open("a") as toml:
        toml.write("lease = 8\n")  # [smtp]: outlasts the outage, or the server sees it run out
    second_root = tmp_path / "second-host"
    shutil.copytree(send_ws.root, second_root)
    second = Workspace(second_root, load_settings(second_root)[0])
    active = import_readers(send_ws, postgres_url, 800)
    relays = RecordingHandler(), RecordingHandler()

    def received() -> int:
        return len(relays[0].received) + len(relays[1].received)

    at_crash: list[int] = []

    def crash_and_restart() -> None:
        wait_for(lambda: received() >= 150)
        postgres_server.stop()
        at_crash.append(received())
        time.sleep(3.0)
        postgres_server.start()

    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        senders = [
            start_send(send_ws, postgres_url, *one.send_flags, "--rate", "50"),
            start_send(second, postgres_url, *two.send_flags, "--rate", "50"),
        ]
        restart = threading.Thread(target=crash_and_restart, daemon=True)
        restart.start()
        outputs = [sender.communicate(timeout=180)[0] for sender in senders]
        restart.join(timeout=60)
    assert [sender.returncode for sender in senders] == [0, 0], outputs
    assert not any("mailed again" in output for output in outputs), outputs
    for root in (send_ws.root, second_root):  # each fenced after the crash: no file left
        assert not list(root.glob("postgresql-send.unjournaled*")), root
    assert at_crash and at_crash[0] < len(active) - 100, f"the crash came too late: {at_crash}"
    counts: dict[str, int] = {}
    for relay in relays:
        for email, n in relay.by_recipient().items():
            counts[email] = counts.get(email, 0) + n
    assert set(counts) == set(active), "a reader was lost in the restart"
    assert set(counts.values()) == {1}, [e for e, n in counts.items() if n > 1]
    shares = [len(relay.received) for relay in relays]
    assert min(shares) >= len(active) // 5, f"not a real share each: {shares}"
