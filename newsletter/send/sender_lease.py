"""A sender's lease on the shared journal: its id, and the thread that renews the lease.

Each sender of an issue on PostgreSQL registers in `senders` (id: host:pid:random) with
`lease_until = now() + smtp.lease`, renewed by `Heartbeat` on a connection of its own every
sixth of the lease.  It hands a reader to a worker only while its last renewal is younger
than half the lease (`valid`): a sender cut off from the database stops giving out readers
long before the others may take them (shared_journal.py).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.send.journal import UNREACHABLE, JournalWriteError
from newsletter.send.server_link import CONNECTION_LOST, stopped_by_timeout
from newsletter.subscribers.postgres import connect_postgres, statement_error


def new_sender_id() -> str:
    """host:pid:random, unique to this run."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def senders_file(local: Path) -> Path:
    """The ids of the senders this workspace started (`postgresql-send.senders`)."""
    return local.with_name(local.name + ".senders")


class Heartbeat:
    """Renews a sender's lease on a connection of its own, every sixth of the lease."""

    def __init__(self, server: PostgresUrl, sender_id: str, lease: float) -> None:
        self.server, self.sender_id, self.lease = server, sender_id, lease
        self._valid_until = time.monotonic() + lease / 2  # registration just renewed it
        self._stop = threading.Event()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        # The last renewal's refusal by a server that answered (a read-only standby, a full
        # disk): no use waiting for it, unlike a server that is gone.
        self.refused: str | None = None
        self._thread = threading.Thread(target=self._run, name="send-lease", daemon=True)
        self._thread.start()

    def valid(self) -> bool:
        """Renewed less than half a lease ago: readers may still be handed out."""
        return time.monotonic() < self._valid_until

    def wait_valid(self, patience: float, server: PostgresUrl) -> None:
        """Wait (up to `patience` s) for a renewal; JournalWriteError when none comes."""
        deadline = time.monotonic() + patience
        while not self.valid():
            if self.refused is not None:
                raise JournalWriteError(
                    f"{server.where}: cannot renew this sender's lease"
                    + self.refused.removeprefix(server.where)
                )
            if time.monotonic() >= deadline:
                raise JournalWriteError(
                    f"{server.where}: cannot renew this sender's lease: {UNREACHABLE} "
                    f"{patience:.0f} s"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()

    def _run(self) -> None:
        while not self._stop.wait(self.lease / 6):
            began = time.monotonic()
            if self._renew():
                self._valid_until = began + self.lease / 2

    def _renew(self) -> bool:
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = connect_postgres(self.server)
            self._conn.execute(
                "UPDATE senders SET lease_until = now() + make_interval(secs => %s)"
                " WHERE sender_id = %s",
                (self.lease, self.sender_id),
            )
        except (psycopg.Error, NewsletterError) as e:
            conn, self._conn = self._conn, None
            answered = conn is not None and not conn.closed and not conn.broken
            if answered and isinstance(e, psycopg.Error) and not _lost_or_passing(e):
                self.refused = str(statement_error(self.server, e))
            if conn is not None:
                with contextlib.suppress(psycopg.Error):
                    conn.close()
            return False
        self.refused = None
        return True


def _lost_or_passing(error: psycopg.Error) -> bool:
    """The server going away, or a timeout: worth waiting for, unlike a refusal."""
    return isinstance(error, CONNECTION_LOST) or stopped_by_timeout(error)
