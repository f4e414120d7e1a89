"""A warning a send's worker process says reaches the parent's one reporter (processes.py).

Each worker says its lines up a pipe of its own; the parent hands each whole line to
`on_warning` (the CLI's bar or log, which stamps it as it stamps every other line).  Before,
a worker ran the parent's reporter itself, after the fork: it printed straight onto the
terminal under the parent's progress bar, and a caller's list of lines (`run`'s events)
never heard it.
"""

from __future__ import annotations

import errno
import os
import threading

import pytest

import newsletter.send.shared_journal as shared_journal
from newsletter.config import load_settings
from newsletter.send.processes import SharedBoard, spread
from newsletter.send.recovery import KeptFile
from newsletter.send.sender import SendOptions, send_issue
from tests.support.send_workspace import Workspace
from tests.support.smtp_server import RecordingHandler, smtp_server
from tests.test_send_postgres import add_readers, wait_for

pytest_plugins = ["tests.support.send_fixtures"]


def test_what_workers_say_reaches_the_parents_reporter_whole_and_once(capfd):
    """Two workers, several threads each, say short, multi-line and 200 kB lines up to the
    last moment before their result: the parent's `on_warning` gets each line once, whole,
    as one line, and the workers print nothing themselves."""

    def work(k: int, board: SharedBoard) -> int:
        def chatter(t: int) -> None:
            for n in range(50):
                board.say(f"worker {k} thread {t} line {n}")

        threads = [threading.Thread(target=chatter, args=(t,)) for t in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        board.say(f"worker {k} says\ntwo lines")
        board.say(f"worker {k} long " + "x" * 200_000)
        board.say(f"worker {k} last")  # just before its result
        return k

    said: list[str] = []
    results = spread(2, work, total=0, on_warning=said.append, lost=lambda *a: -1)
    assert results == [0, 1]
    for k in (0, 1):
        expected = [f"worker {k} thread {t} line {n}" for t in range(3) for n in range(50)]
        expected += [f"worker {k} says two lines", f"worker {k} long " + "x" * 200_000]
        expected += [f"worker {k} last"]
        ours = [line for line in said if line.startswith(f"worker {k} ")]
        assert sorted(ours) == sorted(expected)
        assert ours[-1] == f"worker {k} last"
    printed = capfd.readouterr()
    assert "worker" not in printed.out + printed.err


def test_a_worker_killed_mid_line_leaves_no_torn_line_and_its_earlier_lines_arrive():
    """A worker that said two lines and dies (no result): both reach the parent, and the
    other worker's lines too; the lost one is reported as lost."""
    import os

    def work(k: int, board: SharedBoard) -> str:
        board.say(f"worker {k} first")
        board.say(f"worker {k} second")
        if k == 0:
            os._exit(9)
        return "done"

    said: list[str] = []
    results = spread(2, work, total=0, on_warning=said.append, lost=lambda *a: "lost")
    assert results == ["lost", "done"]
    assert sorted(said) == sorted(f"worker {k} {n}" for k in (0, 1) for n in ("first", "second"))


@pytest.mark.slow
def test_a_kept_file_a_worker_cannot_write_is_said_by_the_parents_reporter(
    send_ws, postgres_url, postgres_server, monkeypatch, capfd
):
    """A real send on PostgreSQL from two worker processes; the server stops mid-send and
    this disk refuses each worker's kept file (ENOSPC, injected): the `cannot save` line each
    worker says reaches the caller's `on_warning` in the parent (a list the workers could not
    append to), nothing is printed past it, and once the server is back the re-run mails
    every reader once."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    monkeypatch.setattr(shared_journal, "PATIENCE", 4.0)

    def no_room(self, rows):  # the mock injects the full disk only
        raise OSError(errno.ENOSPC, "No space left on device")

    room = KeptFile.write
    monkeypatch.setattr(KeptFile, "write", no_room)
    ws = Workspace(send_ws.root, load_settings(send_ws.root)[0])
    with postgres_server.connect() as conn:  # a production server's commits survive a crash
        dbname = postgres_url.rsplit("/", 1)[1]
        conn.execute(f'ALTER DATABASE "{dbname}" SET synchronous_commit = on')
    active = add_readers(ws, 200)
    handler = RecordingHandler()
    said: list[str] = []
    stopped = threading.Event()
    try:
        with smtp_server(handler=handler) as relay:
            settings = ws.with_server(relay.host, relay.port, connections=4, processes=2,
                                      rate=60.0)  # fmt: skip

            def stop_mid_send() -> None:
                wait_for(lambda: len(handler.received) >= 30)
                postgres_server.stop()
                stopped.set()

            threading.Thread(target=stop_mid_send, daemon=True).start()
            first = send_issue(ws.issue, settings, SendOptions(on_warning=said.append))
            assert stopped.wait(30)
            printed = capfd.readouterr()
            assert first.stopped is not None and "\n" not in first.stopped
            assert said and all("cannot save" in line for line in said), said
            # Once an outage per sender (its own kept file), the workers' among them: their
            # files are named by their pids, not the parent's.
            files = [line.split(": ", 1)[0] for line in said]
            assert len(set(files)) == len(files), said
            pids = {name.rsplit("kept-", 1)[1].split("-")[0] for name in files}
            assert len(pids - {str(os.getpid())}) == 2, said
            assert "cannot save" not in printed.out + printed.err
            postgres_server.start()
            stopped.clear()
            monkeypatch.setattr(KeptFile, "write", room)  # the disk has room again
            second = send_issue(ws.issue, settings)
    finally:
        if stopped.is_set():
            postgres_server.start()
    assert second.stopped is None, second.stopped
    counts = handler.by_recipient()
    assert set(counts) == set(active)
    assert [e for e, n in counts.items() if n > 1] == []
