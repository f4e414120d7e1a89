"""A send spread over worker processes keeps every promise of one: one copy each, all journaled.

The processes are real (forked by a real `newsletter send`), and so are the
SMTP server and the signals; nothing is mocked.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsletter.send.processes import SharedBoard, processes_for
from newsletter.send.recovery import RecoveryFile, read_recovery
from newsletter.send.sender import SendOptions, send_issue
from tests.support.smtp_server import RecordingHandler, settled, smtp_server
from tests.test_send_resume import send_status, start_send, wait_for

pytest_plugins = ["tests.support.send_fixtures"]


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Is `pid` a running (not zombie) process?"""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_processes_default_to_one_per_core_and_never_exceed_the_connections():
    """0 means one per usable core; never more processes than connections; at least one."""
    cores = len(os.sched_getaffinity(0))
    assert processes_for(0, 64) == cores
    assert processes_for(0, 1) == 1
    assert processes_for(3, 2) == 2
    assert processes_for(1, 8) == 1


def test_the_board_sums_every_process_row_and_carries_the_stop():
    """Counts posted by two rows add up; a stop set through one row is seen by the other."""
    board = SharedBoard(2)
    board.post(5, 1, 1, 1)
    board.row = 1
    board.post(7, 2, 3, 2)
    assert board.totals() == (12, 3) and board.in_a_row() == 4
    assert board.reconnecting() == 3  # connections waiting for the relay, in every process
    assert not board.stopped()
    board.stop()
    board.row = 0
    assert board.stopped()


def test_a_worker_that_dies_while_reconnecting_is_no_longer_shown_waiting():
    """A worker killed while its connections waited for the relay leaves the progress line's
    "waiting for host:port" behind it no longer (a review's finding: it stayed until the end)."""
    from newsletter.send.processes import spread

    def work(k: int, board: SharedBoard) -> str:
        if k == 0:
            board.post(0, 0, 0, 2)
            time.sleep(0.2)
            os._exit(9)  # no result: lost
        while not board.stopped():
            time.sleep(0.01)
        time.sleep(0.3)  # progress is drawn meanwhile, after the loss
        return "done"

    seen: list[int] = []
    results = spread(
        2, work, total=0, on_progress=lambda p: seen.append(p.reconnecting), lost=lambda *a: "lost"
    )
    assert results == ["lost", "done"]
    assert 2 in seen and seen[-1] == 0


def test_a_send_in_two_processes_mails_everyone_once_and_journals_them(send_ws):
    """Two worker processes, four connections: each reader one copy, all `sent`, progress total."""
    emails = send_ws.add_many(300)
    seen = []
    with smtp_server() as server:
        settings = send_ws.with_server(server.host, server.port, processes=2, connections=4)
        summary = send_issue(send_ws.issue, settings, SendOptions(on_progress=seen.append))
    assert server.handler.by_recipient() == {e: 1 for e in emails}
    assert summary.sent == 300 and summary.left == 0 and not summary.stopped
    assert seen and seen[-1].sent == 300 and seen[-1].total == 300
    status = send_status(send_ws)
    assert "sent        300" in status and "not sent    0" in status


def sending_with_workers(send_ws, server, after: int = 20):
    """A `newsletter send` process once `after` messages are in, and its two worker processes."""
    process = start_send(send_ws, server, "--rate", "200")
    wait_for(lambda: len(server.received) >= after)
    workers = children_of(process.pid)
    assert len(workers) == 2, "a send on two cores with three connections runs two workers"
    return process, workers


def resume_and_check_once(send_ws, server, emails: list[str], *, in_flight: int) -> None:
    """A re-run finishes the send: everyone has the issue, no more doubles than were in flight."""
    final = start_send(send_ws, server)
    output, _ = final.communicate(timeout=120)
    assert final.returncode == 0, output
    counts = server.handler.by_recipient()
    assert set(counts) == set(emails)
    assert sum(n - 1 for n in counts.values()) <= in_flight, "more doubles than messages in flight"


def test_the_send_runs_in_worker_processes_which_die_with_a_killed_parent(send_ws):
    """kill -9 of `newsletter send`: its workers die too, mailing stops; a re-run finishes once."""
    emails = send_ws.add_many(400)
    with smtp_server() as server:
        process, workers = sending_with_workers(send_ws, server)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stdout.close()
        wait_for(lambda: not any(alive(w) for w in workers), timeout=5)
        # A message whose final `.` left before the kill may be taken in by the relay a little
        # later on a busy machine; at --rate 200 a worker still mailing would never let the
        # count rest for half a second.
        stopped_at = settled(lambda: len(server.received), quiet=0.5, timeout=10)
        time.sleep(0.5)
        assert len(server.received) == stopped_at, "a worker went on mailing after the kill"
        assert stopped_at < len(emails)
        resume_and_check_once(send_ws, server, emails, in_flight=3)


def test_a_worker_killed_on_its_own_stops_the_send_with_a_clear_line(send_ws):
    """One worker killed -9: the other stops, the summary names it, exit 1; a re-run finishes."""
    emails = send_ws.add_many(400)
    with smtp_server() as server:
        process, workers = sending_with_workers(send_ws, server)
        os.kill(workers[0], signal.SIGKILL)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 1, output
        assert "a send process killed by signal 9" in output and "Traceback" not in output
        assert "run the same command again to resume" in output
        assert len(server.received) < len(emails)
        said = int(re.search(r"(\d+) sent, ", output).group(1))
        journaled = int(re.search(r"sent +(\d+)", send_status(send_ws)).group(1))
        assert said == journaled, "the summary counts the killed worker's messages too"
        resume_and_check_once(send_ws, server, emails, in_flight=2)


def test_ctrl_c_reaches_every_worker_once_and_each_records_its_messages(send_ws):
    """SIGINT to the process group (a terminal's Ctrl-C): exit 130, nobody lost, no doubles."""
    emails = send_ws.add_many(300)
    with smtp_server() as server:
        process = start_send(send_ws, server, "--rate", "200")
        wait_for(lambda: len(server.received) >= 30)
        os.kill(process.pid, signal.SIGINT)  # the workers are in their own group: passed on
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 130, output
        assert "interrupted" in output and "Traceback" not in output
        assert "0 unknown" in output or "unknown" not in output
        resumed = start_send(send_ws, server)
        output, _ = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, output
    assert server.handler.by_recipient() == {e: 1 for e in emails}


def test_failures_in_a_row_are_counted_over_every_process(send_ws):
    """A relay losing every reply pauses the whole send after the limit, not after twice it."""
    send_ws.add_many(200)
    handler = RecordingHandler()
    handler.always["data"] = "lost"
    with smtp_server(handler=handler) as server:
        settings = send_ws.with_server(
            server.host, server.port, processes=2, connections=2, max_consecutive_failures=6
        )
        summary = send_issue(send_ws.issue, settings)
    assert summary.paused and "paused after" in summary.stopped
    # Each process sees the other's pause before its next message: one or two more at most.
    assert 6 <= summary.unknown <= 6 + 2 * 2
    assert len(server.received) == summary.unknown


def test_recovery_parts_share_one_file_and_are_all_read_back(tmp_path):
    """Two workers' slices of the recovery file: every line read back, the file trimmed after."""
    database = tmp_path / "newsletter.db"
    with RecoveryFile(database) as recovery:
        first, second = recovery.part(0, 2), recovery.part(1, 2)
        assert first.save("2026-W48", "a@example.org", "sent", "<a@example.org>")
        assert second.save("2026-W48", "b@example.org", "unknown", "<b@example.org>")
        recovery.absorb(first.saved + second.saved, first.unsaved + second.unsaved)
        assert recovery.saved == 2
    assert [e[1] for e in read_recovery(database)] == ["a@example.org", "b@example.org"]
    assert recovery.path.stat().st_size < 64 * 1024  # trimmed after the last line


def test_a_part_that_is_full_keeps_the_address_as_unsaved(tmp_path):
    """A line past the end of a worker's slice is not written over the next: it is `unsaved`."""
    with RecoveryFile(tmp_path / "newsletter.db") as recovery:
        part = recovery.part(0, 1024)  # 64 bytes
        long = "x" * 80 + "@example.org"
        assert not part.save("2026-W48", long, "sent", "<id@example.org>")
        assert part.unsaved == [long]
    assert not re.search("x{80}", "".join(map(str, read_recovery(tmp_path / "newsletter.db"))))


def test_a_fork_that_fails_is_one_clear_error_and_nothing_is_sent(send_ws, monkeypatch):
    """No process can be started (EAGAIN): a DeliveryError saying what to set; nobody mailed."""
    import errno

    from newsletter.errors import DeliveryError

    send_ws.add_many(20)

    def no_fork():
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    monkeypatch.setattr(os, "fork", no_fork)
    with smtp_server() as server:
        settings = send_ws.with_server(server.host, server.port, processes=2, connections=2)
        with pytest.raises(DeliveryError, match=r"cannot start a send process .*processes = 1"):
            send_issue(send_ws.issue, settings)
        assert server.received == []
    assert "not sent    20" in send_status(send_ws)


def test_subscribers_added_during_a_send_wait_for_the_next_run(send_ws):
    """The send mails the list as confirmed; those added meanwhile are left, then sent once."""
    emails = send_ws.add_many(1200)  # more than a batch (500) per worker: the list is read again
    added = [f"late{i:03d}@example.net" for i in range(30)]

    def add_late(kept: int) -> None:
        if kept == 20:
            with send_ws.store() as store:
                for email in added:
                    store.upsert(email, "Late Reader")

    handler = RecordingHandler(on_accept=add_late)
    with smtp_server(handler=handler) as server:
        settings = send_ws.with_server(server.host, server.port, processes=2, connections=2)
        first = send_issue(send_ws.issue, settings)
        assert first.sent == 1200 and first.left == 30
        assert set(handler.by_recipient()) == set(emails)
        second = send_issue(send_ws.issue, settings)
    assert second.sent == 30 and second.left == 0
    assert handler.by_recipient() == {e: 1 for e in emails + added}


def _send_as_they_leave(send_ws, leaving: list[str], accepted: int, **smtp):
    """Send the workspace's issue with these SMTP settings, `leaving` unsubscribing once the
    relay has accepted `accepted` messages: the run's summary and the relay's handler."""

    def unsubscribe(kept: int) -> None:
        if kept == accepted:
            with send_ws.store() as store:
                for email in leaving:
                    store.set_status(email, "unsubscribed")

    handler = RecordingHandler(on_accept=unsubscribe)
    with smtp_server(handler=handler) as server:
        summary = send_issue(send_ws.issue, send_ws.with_server(server.host, server.port, **smtp))
    return summary, handler


@pytest.mark.parametrize("processes", [1, 2])
def test_a_reader_who_unsubscribes_during_a_slow_send_is_not_mailed_by_it(send_ws, processes):
    """Rate-limited, the list is read again each second: an unsubscribe mid-send is honoured."""
    emails = send_ws.add_many(60)
    leaving = emails[-4:]  # in the first batch read, reached only seconds later
    summary, handler = _send_as_they_leave(
        send_ws, leaving, 3, processes=processes, connections=2, rate=30.0
    )
    assert summary.sent == 56 and not summary.stopped
    assert handler.by_recipient() == {e: 1 for e in emails if e not in leaving}


@pytest.mark.slow
def test_an_unsubscribe_during_a_send_slower_than_its_connections_is_honoured(send_ws):
    """rate 1/s over 4 connections: a reader is taken only when their slot is due (reader 5's
    at 4 s), so one who unsubscribes at 1 s is not mailed, though the list was read at 0 s."""
    emails = send_ws.add_many(8)
    leaving = [emails[4], emails[7]]
    summary, handler = _send_as_they_leave(
        send_ws, leaving, 2, processes=1, connections=4, rate=1.0
    )
    assert summary.sent == 6 and not summary.stopped
    assert handler.by_recipient() == {e: 1 for e in emails if e not in leaving}


def test_a_worker_parts_lines_are_counted_from_the_file(tmp_path):
    """What a worker left in its part is counted from disk (for a worker that died unheard)."""
    with RecoveryFile(tmp_path / "newsletter.db") as recovery:
        part = recovery.part(1, 2)
        part.save("2026-W48", "a@example.org", "sent", "<a@example.org>")
        part.save("2026-W48", "b@example.org", "unknown", "<b@example.org>")
        assert recovery.part(1, 2).written() == 2 and recovery.part(0, 2).written() == 0


def test_the_send_covers_the_list_counted_for_the_prompt(send_ws):
    """The plan the prompt showed is the one run: those who joined after it are not mailed."""
    from newsletter.send.sender import plan_send, run_send

    emails = send_ws.add_many(5)
    with smtp_server() as server:
        settings = send_ws.with_server(server.host, server.port)
        plan = plan_send(send_ws.issue, settings)  # what the prompt shows
        assert plan.recipients == 5
        with send_ws.store() as store:
            store.upsert("joined.later@example.net", "Later")
        summary = run_send(plan)
    assert server.handler.by_recipient() == {e: 1 for e in emails}
    assert summary.sent == 5 and summary.left == 1


def test_an_address_saved_twice_in_the_recovery_file_counts_once(send_ws):
    """--status counts a recovery line repeated (an interrupt, then the failed write) once."""
    from newsletter.send.recovery import recovery_path
    from newsletter.send.status import delivery_status

    emails = send_ws.add_many(3)
    line = f"2026-W48\t{emails[0]}\tsent\t<x@example.org>\n"
    recovery_path(send_ws.database).write_text(line * 2)
    state = delivery_status(send_ws.issue, send_ws.settings)
    assert state.recovering == 1
    assert (state.counts.sent, state.counts.unsent) == (1, 2)


def _run_naming_its_worker(script: str, timeout: float) -> tuple[subprocess.CompletedProcess, int]:
    """Run `script` in a new Python, the end of a pipe its argv[1], where it writes its worker's
    process id: the finished run and that id."""
    read_end, write_end = os.pipe()
    run = subprocess.run(
        [sys.executable, "-c", script, str(write_end)],
        pass_fds=(write_end,),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    os.close(write_end)
    worker = int(os.read(read_end, 64).split()[0])
    os.close(read_end)
    return run, worker


_WEDGED_WORKER = """
import os, signal, sys, time
from newsletter.send import processes

processes.STOP_GRACE, processes.SECOND_GRACE = 0.5, 0.5

def work(k, board):
    os.write(int(sys.argv[1]), f"{os.getpid()}\\n".encode())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as deaf as one stuck on a copied lock
    while True:
        time.sleep(1)

def lost(k, why, counts):
    return why

def progress(_):
    time.sleep(1)
    raise RuntimeError("the progress bar cannot be drawn")

try:
    processes.spread(1, work, total=1, on_progress=progress, lost=lost)
except RuntimeError as e:
    print("stopped:", e)
"""


def test_a_worker_deaf_to_ctrl_c_is_killed_when_the_parent_must_stop_and_never_holds_it():
    """The parent cannot follow its workers any more (its progress bar fails) and one worker
    takes no Ctrl-C (as one forked while another thread held a lock it then waits for, which
    once held the whole test suite in waitpid for ever): after the two graces it is killed
    and reaped, and the parent's error comes out."""
    run, worker = _run_naming_its_worker(_WEDGED_WORKER, timeout=30)
    assert run.returncode == 0 and "stopped: the progress bar cannot be drawn" in run.stdout
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)  # killed and reaped, not left behind


_TALKING_WORKER = """
import os, sys, time
from newsletter.send import processes

processes.STOP_GRACE, processes.SECOND_GRACE = 20.0, 0.5
marker = sys.argv[1]

def work(k, board):
    try:
        while True:
            time.sleep(0.05)
    except KeyboardInterrupt:  # the parent's Ctrl-C: say a lot, then record and end
        for n in range(400):
            board.say(f"warning {n}: " + "x" * 1000)
        open(marker, "w").write("recorded")
        return "done"

def lost(k, why, counts):
    return why

def progress(_):
    time.sleep(0.5)
    raise RuntimeError("the progress bar cannot be drawn")

heard = []
try:
    processes.spread(1, work, total=1, on_progress=progress, lost=lost, on_warning=heard.append)
except RuntimeError as e:
    print("stopped:", e, len(heard))
"""


def test_workers_stopping_are_heard_while_the_parent_waits_so_none_blocks_on_its_pipe(tmp_path):
    """While the parent waits out a stopping worker, it reads the worker's pipes: one that
    says 400 KB of warnings on its way out (more than a pipe holds) finishes and records its
    work within the grace, instead of blocking on its pipe until it is killed."""
    marker = tmp_path / "recorded"
    run = subprocess.run(
        [sys.executable, "-c", _TALKING_WORKER, str(marker)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0 and "stopped: the progress bar cannot be drawn" in run.stdout
    assert marker.read_text() == "recorded"


_UNHEARD_WORKER = """
import os, sys, time
from newsletter.send import processes

processes.STOP_GRACE, processes.SECOND_GRACE = 20.0, 0.5

def work(k, board):
    os.write(int(sys.argv[1]), f"{os.getpid()}\\n".encode())
    try:
        while True:
            time.sleep(0.05)
    except KeyboardInterrupt:  # the parent's Ctrl-C: say something, finish, record
        board.say("the kept file cannot be written")
        time.sleep(1)
        return "done"

def lost(k, why, counts):
    return why

def progress(_):
    time.sleep(0.5)
    raise RuntimeError("the progress bar cannot be drawn")

def warning(line):
    raise BrokenPipeError("the terminal is gone")  # as the progress bar's

try:
    processes.spread(1, work, total=1, on_progress=progress, lost=lost, on_warning=warning)
except RuntimeError as e:
    print("stopped:", e)
"""


def test_a_warning_that_cannot_be_said_while_stopping_never_leaves_a_worker_running():
    """The parent stops its workers because its terminal is gone (the progress bar fails), and
    a worker says a warning on its way out, which fails to print the same way: the stop went
    on no further (no second Ctrl-C, no kill, no reaping), the send lock was given up with the
    worker still running, and the warning's error hid the first.  Now a warning that cannot
    be said is dropped while stopping, every worker is reaped, and the first error comes out."""
    run, worker = _run_naming_its_worker(_UNHEARD_WORKER, timeout=60)
    assert run.returncode == 0 and "stopped: the progress bar cannot be drawn" in run.stdout, (
        run.stderr
    )
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)  # reaped by the parent before it went on


_COUNTING_WORKER = """
import os, signal, sys, time
from newsletter.send import processes

ready_read, ready_write = os.pipe()

def work(k, board):
    heard = []
    signal.signal(signal.SIGINT, lambda signum, frame: heard.append(signum))
    os.write(ready_write, b"r")
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        time.sleep(0.02)
    return len(heard)

def lost(k, why, counts):
    return why

pressed = []

def progress(_):
    # the editor presses Ctrl-C three times, a tick apart, once both workers listen
    if not pressed:
        listening = b""
        while len(listening) < 2:
            listening += os.read(ready_read, 2)
    if len(pressed) < 3:
        pressed.append(True)
        os.kill(os.getpid(), signal.SIGINT)

print(*processes.spread(2, work, total=2, on_progress=progress, lost=lost))
"""


def test_a_third_ctrl_c_is_not_passed_on_to_the_workers():
    """The first Ctrl-C lets a worker's messages in flight finish and be recorded, the second
    stops waiting for them; a third has no meaning, and passed on it landed wherever the
    worker then was (its recording of messages the relay had answered, say), so those could
    be neither journaled nor kept for the next run: each worker hears two at most."""
    run = subprocess.run(
        [sys.executable, "-c", _COUNTING_WORKER], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2", "2"]
