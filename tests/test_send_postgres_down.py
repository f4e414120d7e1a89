"""The PostgreSQL server stopped mid-send and not started again (a new user's trial: `pg_ctl
stop` at 5 s left "44/300 (0/s, ETA 1521 s)" on screen for six minutes, then the parent went
on reconnecting, silent, past nine).

`newsletter send` runs as its own process, as an editor runs it, with the journal's patience
cut from 120 s to a few seconds (the only change: a `-c` line that sets it, then the CLI).
While it waits, the progress says it waits for the database; the whole send, worker processes
and parent, stops within one patience of the outage in one line naming host:port; a Ctrl-C
meanwhile stops it at once; and a re-run once the server is back mails every reader once.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from newsletter.cli.log_output import EventLog
from newsletter.send.workers import SendProgress
from tests.support.fault_commands import environment, import_readers, wait_for
from tests.support.send_workspace import ISSUE_ID
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]

# The CLI with the journal's patience (seconds) given as the first argument.
_WITH_PATIENCE = (
    "import sys; import newsletter.send.shared_journal as j; j.PATIENCE = float(sys.argv.pop(1));"
    " from newsletter.cli import main; main()"
)


def _send(ws, url: str, relay, patience: float) -> subprocess.Popen[str]:
    """`newsletter send ISSUE --yes` through `relay`, with the given patience."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WITH_PATIENCE,
            str(patience),
            "send",
            f"issues/{ISSUE_ID}",
            "--yes",
            *relay.send_flags,
            "--rate",
            "40",
        ],
        cwd=ws.root,
        env=environment(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _lines(process: subprocess.Popen[str]) -> list[str]:
    """What the process prints, read as it comes (a thread appends each line)."""
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return lines


def _once_each(handler: RecordingHandler, active: list[str], out: str) -> None:
    """Every reader has one copy over the two runs."""
    counts = handler.by_recipient()
    doubled = sorted(e for e, n in counts.items() if n > 1)
    assert set(counts) == set(active) and not doubled, (doubled, out)


def _ended(process: subprocess.Popen[str], within: float) -> int:
    """The exit code of `process`, which must end within `within` seconds."""
    try:
        return process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"the send still ran {within:.0f} s later")
    finally:
        time.sleep(0.2)  # the reader thread takes the last lines
        assert process.stdout is not None
        process.stdout.close()


class _Server:
    """The test cluster, stopped by the test and started again at its end if it is down."""

    def __init__(self, postgres_server) -> None:
        self.server, self.down = postgres_server, False

    def stop(self) -> None:
        self.server.stop()
        self.down = True

    def start(self) -> None:
        if self.down:
            self.server.start()
            self.down = False


@pytest.fixture(params=[2, 1], ids=["2-processes", "1-process"])
def down_send(send_ws, postgres_url, postgres_server, request):
    """A send of 300 readers whose server is stopped after 40 messages, from a parent and two
    worker processes, or one process; the server is started again at the end."""
    with (send_ws.root / "newsletter.toml").open("a") as toml:
        toml.write(f"processes = {request.param}\n")  # [smtp]
    with postgres_server.connect() as conn:  # a production server's commits survive a crash
        dbname = postgres_url.rsplit("/", 1)[1]
        conn.execute(f'ALTER DATABASE "{dbname}" SET synchronous_commit = on')
    active = import_readers(send_ws, postgres_url, 300)
    handler = RecordingHandler()
    server = _Server(postgres_server)
    try:
        with smtp_server(handler=handler) as relay:
            yield send_ws, active, handler, relay, server
    finally:
        server.start()


@pytest.mark.slow
def test_a_server_stopped_mid_send_is_waited_for_aloud_and_the_send_stops_within_its_patience(
    down_send, postgres_url, postgres_server
):
    """The server stopped mid-send and not started again: the progress says the send waits
    for PostgreSQL at host:port and for how long of its patience; every process stops within
    one patience of the stop (not one per statement), exit 1, in one line naming host:port
    and what to do; the re-run once it is back mails every reader once and says nobody
    went twice."""
    ws, active, handler, relay, server = down_send
    patience = 6.0
    sending = _send(ws, postgres_url, relay, patience)
    lines = _lines(sending)
    wait_for(lambda: len(handler.received) >= 40)
    server.stop()
    stopped = time.monotonic()
    code = _ended(sending, within=4 * patience + 30)
    took = time.monotonic() - stopped
    output = "\n".join(lines)
    assert code == 1, output
    where = f"{postgres_server.host}:{postgres_server.port}"
    waiting = [line for line in lines if f"waiting for PostgreSQL at {where} (" in line]
    assert waiting and f" of {patience:.0f} s)" in waiting[0], output
    # One patience, not one per statement (six statements: 36 s); the rest is two processes'
    # teardown on a loaded machine.
    limit = 2 * patience + 10
    assert took < limit, f"{took:.1f} s after the stop, patience {patience} s:\n{output}"
    assert f"{where}/" in output and "unreachable for 6 s" in output, output
    assert "run the same command again once the server is back" in output, output
    assert "Traceback" not in output, output
    server.start()
    again = _send(ws, postgres_url, relay, patience)
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out
    _once_each(handler, active, out)
    assert "mailed again" not in out, out  # a new user's re-run said so of readers mailed once


@pytest.mark.slow
def test_ctrl_c_while_the_server_is_gone_stops_the_send_at_once(
    down_send, postgres_url, postgres_server
):
    """Ctrl-C while the send waits for a stopped server stops it within seconds (exit 130,
    "interrupted"), not at the end of its patience; what the relay accepted is kept on this
    disk, so the re-run once the server is back mails every reader once and says nobody went
    twice."""
    ws, active, handler, relay, server = down_send
    sending = _send(ws, postgres_url, relay, patience=90.0)
    lines = _lines(sending)
    wait_for(lambda: len(handler.received) >= 40)
    server.stop()
    time.sleep(3)  # waiting for the server now
    sending.send_signal(signal.SIGINT)
    code = _ended(sending, within=45)  # well inside the 90 s patience, on a loaded machine too
    output = "\n".join(lines)
    assert code == 130, output
    assert "interrupted" in output and "Traceback" not in output, output
    server.start()
    again = _send(ws, postgres_url, relay, patience=90.0)
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out
    _once_each(handler, active, out)
    assert "mailed again" not in out, out  # a new user's re-run said so of readers mailed once


def test_the_json_log_says_how_long_the_send_has_waited_for_the_database(capsys):
    """With `--log-format json` the progress event of a send waiting for its server carries
    `database_down` (seconds), as it carries `reconnecting` while the relay is waited for."""
    log = EventLog("json", clock=dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC))
    log.issue = ISSUE_ID
    log.progress(SendProgress(44, 0, 300, 5.0))  # the first: only starts the 10 s
    log.progress(SendProgress(44, 0, 300, 16.0, database=(11.4, 120.0)))
    events = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert len(events) == 1 and events[0]["database_down"] == 11, events
    assert (events[0]["done"], events[0]["total"]) == (44, 300)


@pytest.mark.slow
def test_the_wait_for_a_server_on_a_unix_socket_names_its_folder(send_ws):
    """A server reached through a Unix socket (`?host=/folder`) stopped mid-send: the progress
    line names it `/folder:port` (it said "waiting for PostgreSQL at  (" with no host)."""
    import getpass

    from tests.support.postgres_server import postgres_cluster

    user = getpass.getuser()
    with postgres_cluster() as cluster:
        with cluster.connect() as conn:  # peer login over the socket: this OS user's role
            conn.execute(f'CREATE ROLE "{user}" LOGIN SUPERUSER')
        dbname = cluster.new_database()
        url = f"postgresql://{user}@/{dbname}?host={cluster.root}&port={cluster.port}"
        import_readers(send_ws, url, 200)
        handler = RecordingHandler()
        with smtp_server(handler=handler) as relay:
            sending = _send(send_ws, url, relay, patience=3.0)
            lines = _lines(sending)
            wait_for(lambda: len(handler.received) >= 40)
            cluster.stop()
            code = _ended(sending, within=60)
        cluster.start()
    output = "\n".join(lines)
    assert code == 1, output
    assert f"waiting for PostgreSQL at {cluster.root}:{cluster.port} (" in output, output
