"""One `newsletter run` at a time per workspace: an OS file lock beside newsletter.toml."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from newsletter.errors import NewsletterError, OutputError, display_path

LOCK_NAME = "newsletter.run.lock"


class RunBusy(NewsletterError):
    """Another `newsletter run` holds the workspace's lock."""


@contextlib.contextmanager
def run_lock(workspace: Path) -> Iterator[None]:
    """Hold the workspace's run lock; RunBusy at once when another run holds it.

    The kernel releases the lock when its process dies, even by kill -9: a killed run never
    leaves a lock behind to clear by hand.
    """
    import fcntl

    path = workspace / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise OutputError(
            f"{display_path(path)}: cannot create the run lock ({e.strerror})"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 100, 0).decode("utf-8", "replace").strip() or "another process"
            raise RunBusy(
                f"{display_path(path)}: another `newsletter run` is at work ({holder}); "
                "this one did nothing: the next one carries on"
            ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
