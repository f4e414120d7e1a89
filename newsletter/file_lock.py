"""An exclusive OS file lock with a note of who holds it: one send, or one run, at a time.

The kernel releases the lock when its process dies, even by kill -9, so a killed command never
leaves a lock behind to clear by hand. The note (`pid 123, issue 2026-W48`) is only for the
message the next caller shows: a full disk that cannot take its few bytes changes nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from newsletter.errors import NewsletterError


@contextlib.contextmanager
def held_lock(
    path: Path,
    note: str,
    *,
    cannot_create: Callable[[str], NewsletterError],
    busy: Callable[[str], NewsletterError],
) -> Iterator[None]:
    """Hold the lock on `path` (created if missing) with `note` in it.

    `cannot_create(reason)` is raised when the file cannot be opened, `busy(holder)` at once when
    another process holds the lock (`holder`: its note, or "another process"). Where there is
    no fcntl (not POSIX), nothing is locked: one at a time is then up to the editor.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise cannot_create(e.strerror or str(e)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy(_holder(fd)) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, note.encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """The holder's note in the lock file, or "another process"."""
    try:
        note = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        note = ""
    return note or "another process"
