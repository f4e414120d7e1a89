"""One send spread over worker processes, so it can use every CPU core.

Python runs one thread at a time per process, and personalising, journaling
and SMTP each cost CPU: one process tops out near one core.  So a real send
(`smtp.processes`, default one per core, never more than `smtp.connections`)
forks worker processes once everything is ready (the issue's message, the
settings, the unsubscribe key), each sending to its own part of the list
(subscriber id modulo the number of processes) with its share of the
connections and its own connection to the journal.  Each still commits every
accepted message before it takes the next, so the journal's promise holds:
a re-run skips everyone sent, and only messages in flight can go out twice.

The processes share a small board in shared memory (`SharedBoard`): sent and
failed counts for the progress bar, failures in a row summed over every
process (a relay that fails every message pauses the whole send as soon as it
would pause one process), and a stop flag: when one process stops (a pause,
a journal error, a refused login), the others stop before their next message.
A warning a worker says while it runs (`SharedBoard.say`: its kept file cannot be
written, say) goes up a pipe of its own to the parent, which hands it to the
caller's one reporter (`on_warning`: the CLI's bar or log, stamped there like
every other line); a worker never prints over the parent's progress bar.

Signals: the workers run in their own process group, so a Ctrl-C at the
terminal reaches only the parent, which passes each Ctrl-C (or SIGTERM, or the
SIGHUP of a closed terminal) on to every worker: the first lets the messages
in flight finish and be recorded, a second stops waiting for them (a third is
not passed on: it would land in the recording).  If the
parent dies (kill -9), the kernel kills the workers too (PR_SET_PDEATHSIG), so
nothing goes on mailing behind the editor's back; a worker that dies on its
own stops the others, and the summary says so.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

from newsletter.errors import DeliveryError
from newsletter.send.signals import handling
from newsletter.send.workers import SendProgress

T = TypeVar("T")
Work = Callable[[int, "SharedBoard"], T]

_SLOTS = 4  # per process: sent, failed (or unknown), failures in a row, connections reconnecting
_TICK = 0.1  # seconds between the parent's looks at the board (progress, exits)
# When the parent must stop its workers (it cannot follow them any more): how long a worker
# may take to finish and record its messages in flight after a Ctrl-C (an SMTP reply's own
# timeout is longer: past this it is unknown, as after a kill), then after a second one.
STOP_GRACE = 30.0
SECOND_GRACE = 5.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# What the parent passes on to its workers (as SIGINT): SIGHUP too, since the workers, in a
# group of their own, never get the terminal's hang-up, and the parent must not die of it.
_PASSED_ON = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def processes_for(wanted: int, connections: int) -> int:
    """How many worker processes a send uses: `wanted`, or one per usable core for 0.

    Never more than the connections (each process needs one), and 1 where fork or
    the parent-death signal is missing (not Linux): threads in one process then.
    """
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return 1  # signal handlers (Ctrl-C forwarding) can only be set from the main thread
    cores = len(os.sched_getaffinity(0)) if wanted == 0 else wanted
    return max(1, min(cores, connections))


class SharedBoard:
    """Counters and a stop flag in anonymous shared memory, one row per process.

    Each process writes only its own row; aligned 8-byte stores are atomic on the
    machines CPython runs on, so a reader sees a value, old or new, never a torn one.
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._memory = mmap.mmap(-1, 8 * (1 + _SLOTS * processes))
        self._cells = memoryview(self._memory).cast("q")
        self.row = 0  # this process's row: set in each worker after the fork
        self._voice: int | None = None  # in a worker: the write end of its warnings' pipe
        self._voice_lock = threading.Lock()  # its threads say whole lines, one at a time
        # What this process's earlier rounds did (PostgreSQL runs in rounds, each a SendRun
        # counting from 0): added to what it posts, so the progress never goes back.
        self.earlier = (0, 0)

    def stopped(self) -> bool:
        return self._cells[0] != 0

    def say(self, line: str) -> None:
        """A warning line from a worker (any of its threads), for the parent's reporter."""
        if self._voice is None:
            return  # not a worker of spread(): nobody to hear it
        data = (" ".join(line.splitlines()) + "\n").encode("utf-8", "replace")
        with self._voice_lock, contextlib.suppress(OSError):  # the parent gone: nobody hears
            view = memoryview(data)
            while view:
                view = view[os.write(self._voice, view) :]

    def stop(self) -> None:
        self._cells[0] = 1

    def post(self, sent: int, failed: int, in_a_row: int, reconnecting: int = 0) -> None:
        base = 1 + _SLOTS * self.row
        self._cells[base] = self.earlier[0] + sent
        self._cells[base + 1] = self.earlier[1] + failed
        self._cells[base + 2] = in_a_row
        self._cells[base + 3] = reconnecting

    def counts_of(self, row: int) -> tuple[int, int]:
        """Sent and failed, as one process last posted them."""
        base = 1 + _SLOTS * row
        return self._cells[base], self._cells[base + 1]

    def in_a_row(self) -> int:
        return sum(self._column(2))

    def reconnecting(self) -> int:
        """Connections waiting for the relay to answer again, over every process."""
        return sum(self._column(3))

    def ended(self, row: int) -> None:
        """A process is gone: none of its connections waits for the relay any more."""
        self._cells[1 + _SLOTS * row + 3] = 0

    def totals(self) -> tuple[int, int]:
        """Sent and failed, over every process."""
        return sum(self._column(0)), sum(self._column(1))

    def _column(self, slot: int) -> Iterator[int]:
        return (self._cells[1 + _SLOTS * k + slot] for k in range(self.processes))


def spread(
    processes: int,
    work: Work[T],
    *,
    total: int,
    on_progress: Callable[[SendProgress], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    lost: Callable[[int, str, tuple[int, int]], T],
) -> list[T]:
    """Run `work(k, board)` in `processes` forked workers; their results, in order.

    A worker that dies without a result (killed, say) gets `lost(k, why, (sent, failed))`
    instead, with the counts it last posted on the board, and stops the others.  What a
    worker says through `board.say` reaches `on_warning` here, in the parent, as it comes.
    See the module doc for signals and the board.
    """
    board = SharedBoard(processes)
    started = time.monotonic()
    workers: dict[int, tuple[int, int]] = {}  # pid -> (k, read end of its result pipe)
    voices = _Voices(on_warning)
    results: dict[int, T] = {}
    import ctypes  # loaded once here, not in every worker

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    interrupts = _Interrupts()
    with _forwarding_signals(lambda: list(workers), board, interrupts):
        try:
            for k in range(processes):
                pid, fd = _fork(k, board, work, prctl, voices)
                workers[pid] = (k, fd)
            chunks: dict[int, list[bytes]] = {fd: [] for _, fd in workers.values()}
            while workers:
                _collect(workers, chunks, results, board, lost, voices)
                if on_progress is not None:
                    sent, failed = board.totals()
                    elapsed = time.monotonic() - started
                    waiting = board.reconnecting()
                    on_progress(SendProgress(sent, failed, total, elapsed, waiting))
        except BaseException:
            # The parent cannot follow its workers any more (a progress bar that cannot be
            # drawn, say): stop them and wait for them, so the send lock is never released
            # while one of them still mails.
            board.stop()
            # A warning said while stopping must not end the stop (the terminal that failed
            # the bar fails it too): the workers would be left unreaped, the lock given up.
            voices.on_warning = _said_if_possible(voices.on_warning)
            results_fds = [fd for _, fd in workers.values()]
            unread = set(results_fds)
            _stop_workers(workers, lambda: _drain(unread, voices), interrupts)
            for fd in results_fds:
                os.close(fd)
            raise
        finally:
            voices.close()
    return [results[k] for k in range(processes)]


class _Interrupts:
    """The Ctrl-Cs passed on to each worker: two at most.  The first lets its messages in
    flight finish and be recorded, the second stops waiting for them; a third means nothing,
    and landed wherever the worker then was (writing the relay's answers to the recovery
    file, say), so those were neither journaled nor kept, and went out again on the re-run."""

    MOST = 2

    def __init__(self) -> None:
        self.sent: dict[int, int] = {}

    def interrupt(self, pid: int) -> None:
        """Pass a Ctrl-C on to worker `pid`, unless it has had two."""
        count = self.sent[pid] = self.sent.get(pid, 0) + 1  # counted first: a Ctrl-C
        if count > self.MOST:  # handled between a read and a write would pass a third
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)


def _stop_workers(
    workers: dict[int, tuple[int, int]],
    drain: Callable[[], None],
    interrupts: _Interrupts | None = None,
) -> None:
    """Stop the workers and reap every one, however wedged: a Ctrl-C (the messages in
    flight finish and are recorded) and STOP_GRACE seconds, a second (stop waiting for them)
    and SECOND_GRACE more, then SIGKILL, as a `kill -9` would (what was in flight stays
    unknown, never re-sent blindly).  A worker stuck where no signal handler runs (forked
    while another thread held a lock it then needs) once held its parent in waitpid for ever.
    Meanwhile `drain` reads their pipes (a worker saying more than a pipe holds would wait on
    it), and each one reaped leaves `workers` (a later Ctrl-C is passed on to none of them)."""
    interrupts = interrupts or _Interrupts()
    for grace in (STOP_GRACE, SECOND_GRACE):
        for pid in list(workers):
            interrupts.interrupt(pid)
        deadline = time.monotonic() + grace
        while workers and time.monotonic() < deadline:
            drain()
            for pid in [pid for pid in workers if _reaped(pid)]:
                del workers[pid]
    for pid in list(workers):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        del workers[pid]


def _said_if_possible(on_warning: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """`on_warning`, a line it cannot say dropped (the parent is stopping)."""
    if on_warning is None:
        return None
    say = on_warning

    def said(line: str) -> None:
        with contextlib.suppress(Exception):
            say(line)

    return said


def _drain(results: set[int], voices: _Voices) -> None:
    """Within a tick, read what the workers' pipes hold: their warnings said, their results
    dropped (the parent is stopping); a result pipe at its end is read no more."""
    said = voices.fds()
    readable, _, _ = select.select([*results, *said], [], [], _TICK)
    for fd in readable:
        if fd in said:
            voices.hear(fd)
        elif not os.read(fd, 1 << 16):
            results.discard(fd)  # the caller closes it once the workers are reaped


def _reaped(pid: int) -> bool:
    """Whether worker `pid` has ended (and is reaped now)."""
    try:
        return os.waitpid(pid, os.WNOHANG)[0] != 0
    except ChildProcessError:  # already reaped
        return True


class _Voices:
    """The parent's ends of the workers' warning pipes: whole lines to `on_warning`."""

    def __init__(self, on_warning: Callable[[str], None] | None) -> None:
        self.on_warning = on_warning
        self.of_worker: dict[int, int] = {}  # k -> the read end of its pipe
        self.pending: dict[int, bytes] = {}  # read end -> a line not yet whole

    def open(self, k: int) -> int:
        """Worker `k`'s pipe: its read end is kept here; the write end returned, for it."""
        read_end, write_end = os.pipe()
        self.of_worker[k] = read_end
        self.pending[read_end] = b""
        return write_end

    def fds(self) -> list[int]:
        return list(self.pending)

    def hear(self, fd: int) -> bool:
        """Read what `fd` holds and say each whole line; False once the worker closed it."""
        chunk = os.read(fd, 1 << 16)
        lines = (self.pending[fd] + chunk).split(b"\n")
        self.pending[fd] = lines.pop()
        for line in lines:
            if self.on_warning is not None:
                self.on_warning(line.decode("utf-8", "replace"))
        if not chunk:
            del self.pending[fd]
            os.close(fd)
        return bool(chunk)

    def drain(self, k: int) -> None:
        """Everything worker `k` said, now that it ended (its end of the pipe is closed)."""
        fd = self.of_worker.pop(k, None)
        while fd in self.pending and self.hear(fd):
            pass

    def close(self) -> None:
        for fd in self.pending:
            os.close(fd)
        self.pending.clear()
        self.of_worker.clear()


def _collect(
    workers: dict[int, tuple[int, int]],
    chunks: dict[int, list[bytes]],
    results: dict[int, T],
    board: SharedBoard,
    lost: Callable[[int, str, tuple[int, int]], T],
    voices: _Voices,
) -> None:
    """Read what the workers wrote within a tick (results, warnings); take the results of
    those that ended."""
    said = voices.fds()
    readable, _, _ = select.select([fd for _, fd in workers.values()] + said, [], [], _TICK)
    for fd in readable:
        if fd in said:
            voices.hear(fd)
        elif chunk := os.read(fd, 1 << 16):
            chunks[fd].append(chunk)
    for pid, (k, fd) in list(workers.items()):
        done, status = os.waitpid(pid, os.WNOHANG)
        if not done:
            continue
        while chunk := os.read(fd, 1 << 16):  # what is left in the pipe
            chunks[fd].append(chunk)
        os.close(fd)
        del workers[pid]
        voices.drain(k)  # what it said last, before its result is counted
        board.ended(k)  # a worker killed while reconnecting left its count behind
        try:
            results[k] = pickle.loads(b"".join(chunks[fd]))
        except Exception:  # no (whole) result: the worker died
            board.stop()
            results[k] = lost(k, _death(status), board.counts_of(k))


def _fork(
    k: int, board: SharedBoard, work: Work[T], prctl: Callable[..., int], voices: _Voices
) -> tuple[int, int]:
    """Start worker `k`; its pid and the read end of the pipe its result comes back on (what
    it says goes up a pipe of its own, whose read end `voices` keeps)."""
    read_end, write_end = os.pipe()
    voice = voices.open(k)
    parent = os.getpid()
    # Signals wait until the worker has its own handlers: the parent's (which pass a Ctrl-C
    # on to every worker) must never run in a worker.
    signal.pthread_sigmask(signal.SIG_BLOCK, _PASSED_ON)
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns on fork in a process with threads (a test's SMTP server): a
            # child could deadlock on a lock one of them held.  The worker takes none of
            # their locks: it only opens its own sockets and database connection.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError as e:
        os.close(read_end)
        os.close(write_end)
        os.close(voice)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _PASSED_ON)
        raise DeliveryError(
            f"cannot start a send process ({e.strerror}); set `processes = 1` in [smtp] "
            "to send from one, then run the same command again to resume"
        ) from None
    if pid:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _PASSED_ON)
        os.close(write_end)
        os.close(voice)
        return pid, read_end
    code = 1
    try:  # the worker: never return into the parent's stack (it would release the send lock)
        os.close(read_end)
        _become_worker(parent, prctl)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _PASSED_ON)
        board.row, board._voice = k, voice
        result = work(k, board)
        data = pickle.dumps(result)
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        code = 0
    except BaseException:  # whatever it was, the parent reports a worker without a result
        board.stop()
    finally:
        os._exit(code)


def _become_worker(parent: int, prctl: Callable[..., int]) -> None:
    """Die with the parent, and take signals from it only, not from the terminal."""
    os.setpgid(0, 0)  # a Ctrl-C at the terminal reaches the parent, which passes it on once
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl: do not send on alone
        os._exit(1)
    for signum in _PASSED_ON:  # not the parent's handler, which would pass it on again
        signal.signal(signum, signal.default_int_handler)


def _forwarding_signals(
    pids: Callable[[], list[int]], board: SharedBoard, interrupts: _Interrupts
) -> contextlib.AbstractContextManager[None]:
    """While the workers run: each Ctrl-C, SIGTERM or SIGHUP to the parent goes to every worker
    (two at most: `_Interrupts`).

    The board is stopped too, so a worker forked after the signal stops as well.
    """

    def forward(signum: int, frame: FrameType | None) -> None:
        board.stop()
        for pid in pids():
            interrupts.interrupt(pid)

    return handling(_PASSED_ON, forward)


def _death(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"ended with exit code {os.waitstatus_to_exitcode(status)}"
