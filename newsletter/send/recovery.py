"""Accepted messages the journal could not record (disk full, I/O error), kept for the next run.

When a journal write fails, the sender stops at once and writes each recipient
the relay had accepted (or whose outcome is unknown) but the journal could not
record to `<database>.unjournaled`, beside the database's real file: one
tab-separated line per recipient (issue, address, status, Message-ID).  The
file's space is reserved when the run starts, while the disk still has room,
so those few lines fit even on a disk that has just filled up.  The next send
records the file in the journal before it sends anything, then deletes it: an
accepted message is never sent twice because the journal missed it.

When a send runs in several worker processes, each writes in its own slice
of the reserved space (`part`); the unused rest of a slice stays NUL bytes,
which the reader skips.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from newsletter.errors import DeliveryError, display_path

RESERVED = 64 * 1024  # bytes: room for ~700 lines, far more than the messages in flight
SUFFIX = ".unjournaled"
_STATUSES = ("sent", "unknown")


def recovery_path(database: Path) -> Path:
    """Where the recovery file of this database lives (beside its real file)."""
    real = database.resolve()
    return real.with_name(real.name + SUFFIX)


def read_recovery(database: Path) -> list[tuple[str, str, str, str]]:
    """The (issue, email, status, message_id) lines waiting in the recovery file, if any."""
    path = recovery_path(database)
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
        if len(fields) != 4 or fields[2] not in _STATUSES:
            raise DeliveryError(
                f"{display_path(path)}:{number}: not a recovery line (issue, address, status, "
                "Message-ID); fix or delete that line, then send again"
            )
        entries.append((fields[0], fields[1], fields[2], fields[3]))
    return entries


def discard_recovery(database: Path) -> None:
    """Delete the recovery file once its lines are in the journal."""
    with contextlib.suppress(FileNotFoundError):
        recovery_path(database).unlink()


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

    def save(self, issue_id: str, email: str, status: str, message_id: str) -> bool:
        """Write one line and flush it to disk; False (address kept in `unsaved`) if it cannot."""
        line = "\t".join((issue_id, email, status, message_id)).encode("utf-8") + b"\n"
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
