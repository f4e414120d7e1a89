"""Accepted messages the journal could not record (disk full, I/O error), kept for the next run.

When a journal write fails, the sender stops at once and writes each recipient
the relay had accepted (or whose outcome is unknown) but the journal could not
record to `<database>.unjournaled`, beside the database's real file: one
tab-separated line per recipient (issue, address, status, Message-ID, and the stamp its
journal row was written with, when the sender stamped it: see kept outcomes below).  The
file's space is reserved when the run starts, while the disk still has room,
so those few lines fit even on a disk that has just filled up.  The next send
records the file in the journal before it sends anything, then deletes it: an
accepted message is never sent twice because the journal missed it.

When a send runs in several worker processes, each writes in its own slice
of the reserved space (`part`); the unused rest of a slice stays NUL bytes,
which the reader skips.

**Kept outcomes** (PostgreSQL, send/disk_fence.py): outcomes the server acknowledged
without flushing them, which a crash of the server can lose, are written by each sender
to a file of its own, `<database>.unjournaled.kept-<sender>` (`KeptFile`), as soon as
the server is found gone, and removed once a fence finds them on the server's disk.
Their lines carry a fifth field, the `updated` stamp the journal row was written with:
such an outcome *may already be recorded*, and the next run, finding that very row
(same status, Message-ID and stamp), counts it as recorded and not as a reader mailed
twice (`RecoveryEntry.recorded`).  The main file's lines carry it too when the sender
stamped the outcome before handing it to the journal (workers.py): a commit whose answer was
lost is then known for this run's own as well.  `read_recovery` reads the main file and every kept
file; `discard_recovery` deletes them all.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from newsletter.errors import DeliveryError, display_path

RESERVED = 64 * 1024  # bytes: room for ~700 lines, far more than the messages in flight
SUFFIX = ".unjournaled"
KEPT = ".kept-"  # a sender's kept outcomes: `<recovery file>.kept-<sender>`
_STATUSES = ("sent", "unknown")


class RecoveryEntry(NamedTuple):
    """One line of a recovery file.  `recorded`: the stamp the journal row was written
    with, for an outcome that may already be recorded (a kept one); "" when it never was."""

    issue_id: str
    email: str
    status: str
    message_id: str
    recorded: str = ""


def recovery_path(database: Path) -> Path:
    """Where the recovery file of this database lives (beside its real file)."""
    real = database.resolve()
    return real.with_name(real.name + SUFFIX)


def kept_files(database: Path) -> list[Path]:
    """The senders' kept-outcome files beside the recovery file (module doc), oldest first."""
    return _kept_beside(recovery_path(database))


def _kept_beside(main: Path) -> list[Path]:
    try:
        found = list(main.parent.glob(main.name + KEPT + "*"))
    except OSError:
        return []
    return sorted((p for p in found if not p.name.endswith(".tmp")), key=_mtime)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def read_recovery(database: Path) -> list[RecoveryEntry]:
    """The lines waiting in the recovery file and the kept-outcome files, if any."""
    entries: list[RecoveryEntry] = []
    for path in (recovery_path(database), *kept_files(database)):
        entries.extend(_read_lines(path))
    return entries


def _read_lines(path: Path) -> list[RecoveryEntry]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as e:
        raise DeliveryError(f"{display_path(path)}: cannot read ({e.strerror})") from None
    entries = []
    text = data.replace(b"\0", b"").decode("utf-8", "replace")  # the unused reserve is NULs
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("\t")
        if len(fields) not in (4, 5) or fields[2] not in _STATUSES:
            raise DeliveryError(
                f"{display_path(path)}:{number}: not a recovery line (issue, address, status, "
                "Message-ID); fix or delete that line, then send again"
            )
        entries.append(RecoveryEntry(*fields))
    return entries


def discard_recovery(database: Path) -> None:
    """Delete the recovery file and the kept-outcome files once their lines are in the
    journal, and any `<kept>.tmp` a sender killed inside `KeptFile.write` left behind (never
    read, it stayed for ever)."""
    main = recovery_path(database)
    try:
        spares = list(main.parent.glob(main.name + KEPT + "*.tmp"))
    except OSError:
        spares = []
    for path in (main, *kept_files(database), *spares):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _line(issue_id: str, email: str, status: str, message_id: str, recorded: str) -> bytes:
    fields = (issue_id, email, status, message_id) + ((recorded,) if recorded else ())
    return "\t".join(fields).encode("utf-8") + b"\n"


class KeptFile:
    """One sender's kept outcomes on its host's disk (module doc): the whole set written
    at once and flushed (a new file renamed over the old, the folder flushed too), or
    removed.  `write` and `clear` raise OSError."""

    def __init__(self, database: Path, sender: str) -> None:
        main = recovery_path(database)
        self.path = main.with_name(f"{main.name}{KEPT}{sender}")
        self.holds = 0  # lines on disk now

    def write(self, rows: Sequence[tuple[str, str, str, str, str]]) -> None:
        """Write these (issue, email, status, Message-ID, stamp) lines in place of any."""
        if not rows:
            self.clear()
            return
        spare = self.path.with_name(self.path.name + ".tmp")
        data = b"".join(_line(*row) for row in rows)
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(28, os.strerror(28))  # a short write: the disk is full
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                spare.unlink()
            raise
        finally:
            os.close(fd)
        os.replace(spare, self.path)
        _sync_folder(self.path.parent)
        self.holds = len(rows)

    def clear(self) -> None:
        """Remove the file (its lines are on the server's disk now)."""
        if self.holds == 0 and not self.path.exists():
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        _sync_folder(self.path.parent)
        self.holds = 0


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a file made, renamed or removed in it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RecoveryFile:
    """The run's recovery file: space reserved at the start, lines written only on failure."""

    def __init__(self, database: Path) -> None:
        self.path = recovery_path(database)
        self.saved = 0
        self.unsaved: list[str] = []  # addresses that did not fit or could not be written
        self._fd: int | None = None
        self._offset = 0  # where the next line goes
        self._end = RESERVED  # where this file's (or this part's) space ends
        self._owner = True  # creates, trims and closes the file (a part does not)
        self._lock = threading.Lock()

    def part(self, k: int, parts: int) -> RecoveryFile:
        """Slice `k` of `parts` of the reserved space, for one of the send's worker processes."""
        piece = RecoveryFile.__new__(RecoveryFile)
        piece.path, piece.saved, piece.unsaved = self.path, 0, []
        piece._fd, piece._owner, piece._lock = self._fd, False, threading.Lock()
        piece._offset, piece._end = RESERVED * k // parts, RESERVED * (k + 1) // parts
        return piece

    def written(self) -> int:
        """How many lines this part holds on disk (for a worker that died before saying)."""
        if self._fd is None:
            return 0
        try:
            data = os.pread(self._fd, self._end - self._offset, self._offset)
        except OSError:
            return 0
        return data.split(b"\0", 1)[0].count(b"\n")

    def kept_beside(self) -> list[Path]:
        """The senders' kept-outcome files beside this file now."""
        return _kept_beside(self.path)

    def count_kept(self, count: int) -> None:
        """Count accepted messages a sender saved in its kept file beside this one."""
        with self._lock:
            self.saved += count

    def absorb(self, saved: int, unsaved: list[str]) -> None:
        """Count what a worker process's part kept (and could not keep)."""
        self.saved += saved
        self.unsaved.extend(unsaved)

    def __enter__(self) -> RecoveryFile:
        """Create the file and reserve its space (best effort: a full disk already fails here)."""
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            with contextlib.suppress(OSError, AttributeError):  # not every filesystem can
                os.posix_fallocate(self._fd, 0, RESERVED)
        except OSError:
            self._fd = None  # save() then reports what it could not keep
        return self

    def save(
        self, issue_id: str, email: str, status: str, message_id: str, recorded: str = ""
    ) -> bool:
        """Write one line and flush it to disk; False (address kept in `unsaved`) if it cannot.
        `recorded`: the stamp of a journal row the server may have kept (RecoveryEntry)."""
        line = _line(issue_id, email, status, message_id, recorded)
        with self._lock:
            try:
                if self._fd is None or self._offset + len(line) > self._end:
                    raise OSError("no recovery file, or no room left in it")
                os.pwrite(self._fd, line, self._offset)
                os.fsync(self._fd)
            except OSError:
                self.unsaved.append(email)
                return False
            self._offset += len(line)
            self.saved += 1
            return True

    def __exit__(self, *exc: object) -> None:
        """Trim the file to its lines, or delete it when nothing was saved."""
        if self._fd is None or not self._owner:
            return
        end: int | None = None  # unknown: the file is kept whole (the reader skips NULs)
        with contextlib.suppress(OSError):  # lines may lie in any part: find the last one
            end = len(os.pread(self._fd, RESERVED, 0).rstrip(b"\0"))
            if end:
                os.ftruncate(self._fd, end)
        os.close(self._fd)
        self._fd = None
        if end == 0:
            with contextlib.suppress(OSError):
                self.path.unlink()
