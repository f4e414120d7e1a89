"""One sender of welcomes at a time, on either backend.

SQLite: a file lock beside the database (`newsletter.db.welcome.lock`, file_lock.py: the
kernel frees it when a process dies), as before.

PostgreSQL: there is no file beside the database, and the senders may be on several hosts
(each host's `newsletter run`, each `serve` worker).  The lock is a session-level advisory
lock (`pg_try_advisory_lock`) on a connection of its own, held while sending: the server
frees it when that session ends (the process exits or is killed, or the server drops the
connection).  The connection is never re-opened: the sender asks it before each welcome
(`WelcomeHold.check`), and a session gone means the lock may be someone else's now, so the
round stops with one line and leaves the rest pending.  At most the welcome in flight when
the session went can go out twice, with the same Message-ID (as a kill before the record).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from newsletter.config import Settings
from newsletter.errors import DeliveryError, NewsletterError, display_path
from newsletter.file_lock import held_lock

LOCK_POLL = 0.05  # seconds between tries for the welcome lock while waiting for it


class WelcomeHold(Protocol):
    """The welcome lock, held; `check()` before each welcome."""

    def check(self) -> None:
        """Raise (a DeliveryError) when the lock may be someone else's now."""


class _FileHold:
    """The file lock cannot be lost while the process lives: nothing to check."""

    def check(self) -> None:
        """Nothing: the kernel keeps the lock until the process ends."""


class _LockBusy(NewsletterError):
    """Another process holds the welcome lock."""


@contextlib.contextmanager
def welcome_lock(settings: Settings, wait: float = 0.0) -> Iterator[WelcomeHold | None]:
    """Hold the welcome lock (a WelcomeHold), or yield None when another process kept it
    `wait` seconds; on the database `settings` name (a file, or a PostgreSQL server)."""
    server = settings.database_server
    if server is not None:
        from newsletter.welcome.server_lock import server_lock  # psycopg: not for a file

        with server_lock(server, wait, LOCK_POLL) as hold:
            yield hold
        return
    with _file_lock(settings.database_file("sending welcomes"), wait) as held:
        yield _FileHold() if held else None


@contextlib.contextmanager
def _file_lock(database: Path, wait: float) -> Iterator[bool]:
    real = database.resolve()
    path = real.with_name(f"{real.name}.welcome.lock")

    def cannot_create(why: str) -> DeliveryError:
        return DeliveryError(f"{display_path(path)}: cannot create the welcome lock ({why})")

    deadline = time.monotonic() + wait
    with contextlib.ExitStack() as stack:
        while True:
            try:
                note = f"pid {os.getpid()}, welcome emails"
                stack.enter_context(
                    held_lock(path, note, cannot_create=cannot_create, busy=_LockBusy)
                )
                break
            except _LockBusy:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(LOCK_POLL)
        yield True
