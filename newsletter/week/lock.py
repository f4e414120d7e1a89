"""One `newsletter run` at a time per workspace: an OS file lock beside newsletter.toml."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from newsletter.errors import NewsletterError, OutputError, display_path
from newsletter.file_lock import held_lock

LOCK_NAME = "newsletter.run.lock"


class RunBusy(NewsletterError):
    """Another `newsletter run` holds the workspace's lock."""


@contextlib.contextmanager
def run_lock(workspace: Path) -> Iterator[None]:
    """Hold the workspace's run lock; RunBusy at once when another run holds it.

    The kernel releases the lock when its process dies, even by kill -9 (file_lock.py).
    """
    path = workspace / LOCK_NAME
    with held_lock(
        path,
        f"pid {os.getpid()}",
        cannot_create=lambda reason: OutputError(
            f"{display_path(path)}: cannot create the run lock ({reason})"
        ),
        busy=lambda holder: RunBusy(
            f"{display_path(path)}: another `newsletter run` is at work ({holder}); "
            "this one did nothing: the next one carries on"
        ),
    ):
        yield
