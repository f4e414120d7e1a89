"""A sender's lease on the shared journal: its id, and the thread that renews the lease.

Each sender of an issue on PostgreSQL registers in `senders` (id: host:pid:random) with
`lease_until = now() + smtp.lease`, renewed by `Heartbeat` on a connection of its own every
sixth of the lease.  It hands a reader to a worker only while its last renewal is younger
than half the lease (`valid`): a sender cut off from the database stops giving out readers
long before the others may take them (shared_journal.py).

That half is judged by the sender's monotonic clock, the lease by the server's wall clock:
when the server's clock steps forward, or the machine is paused and resumed (the monotonic
clock stood still), the server may see the lease run out while the sender thinks it fresh.
So a renewal only renews a lease the server still sees live; one it saw run out stays out
(another sender may have taken the readers), and the sender stops (`lost`, LeaseLost: the
outcome committer's fence, outcome_committer.py, catches the same at each final `.`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import NewsletterError
from newsletter.send.claim_statements import EPOCH
from newsletter.send.journal import (
    UNREACHABLE,
    JournalWriteError,
    LeaseLost,
    host_name,
    refused_login,
)
from newsletter.send.server_link import CONNECTION_LOST, OUTAGE, stopped_by_timeout
from newsletter.subscribers.postgres import LoginRefused, connect_postgres, statement_error


def new_sender_id() -> str:
    """host:pid:random, unique to this run."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def lease_lost_line(server: PostgresUrl) -> str:
    """LeaseLost's one line: what happened, and that there is nothing to do."""
    return (
        f"{server.where}: this sender's lease ran out on the database server's clock (the "
        "machine or the server was paused, or a clock stepped), so it stopped sending; the "
        "other senders take the readers it had not sent: nothing to do, or run the same "
        "command again to send them from here"
    )


# The server's run (claim_statements.EPOCH): each registration and renewal stamps it on the
# sender; a sender whose lease ran
# out without a clean end on another run than the server's now was cut off by the server, not
# killed, and may have stopped with accepted messages in its recovery file: its readers are
# held for its workspace's re-run (claim_statements.CLAIM, docs/postgresql.md).  A renewal
# while the sender holds outcomes the server may have lost in a crash (`held`: its kept file,
# disk_fence.py) keeps the run it had: killed before its fence, it is held the same way.
RENEW = (
    "UPDATE senders SET lease_until = now() + make_interval(secs => %s),"
    f" server_epoch = CASE WHEN %s THEN server_epoch ELSE {EPOCH} END"
    " WHERE sender_id = %s AND lease_until > now() RETURNING 1"
)


# A sender's registration, lease, claims and end are durable whatever the server's, the
# database's or the role's default: with `synchronous_commit = off` there (a common tuning)
# a crash of the server lost the last claims (another host was then given the same readers,
# and both mailed them) and even the registration (the sender stopped, its lease "run out").
# A stronger setting (remote_apply, remote_write) is kept.  The committer's connections set
# their own (disk_fence.ASYNC), and the fence makes their outcomes durable.
DURABLE = (
    "SELECT set_config('synchronous_commit', 'on', false)"
    " WHERE current_setting('synchronous_commit') = 'off'"
)


def connect_durably(server: PostgresUrl) -> psycopg.Connection[tuple[Any, ...]]:
    """connect_postgres, its commits waiting for the server's disk (DURABLE): the journal's
    own connection (claims, the end, the fence) and the lease's."""
    conn = connect_postgres(server)
    try:
        conn.execute(DURABLE)
    except psycopg.Error as e:
        with contextlib.suppress(psycopg.Error):
            conn.close()
        raise statement_error(server, e) from None
    return conn


def workspace_host(local: Path) -> str:
    """This workspace's name as a host, `machine (workspace 3f9a1c2b, /its/folder)`: what
    `send --status` groups senders by (status.py shows the part in brackets only to tell two
    apart).

    The id is made once and kept in the workspace's state (`postgresql-send.host`, with the
    machine's name and the folder it was made for): a re-run after a kill is the same host,
    two workspaces on one machine (or two machines of one name: containers) are two.  A copy
    of the workspace (another folder or machine) makes an id of its own.  Where the file
    cannot be written, the id is the hash of the machine's name and the folder (as stable).
    """
    machine, folder = socket.gethostname(), str(local.parent.resolve())
    path = local.with_name(local.name + ".host")
    with contextlib.suppress(OSError, UnicodeDecodeError):
        kept = path.read_text("utf-8").split("\t")
        if len(kept) == 3 and kept[1:] == [machine, folder + "\n"] and kept[0].isalnum():
            return host_name(machine, kept[0], folder)
    made = secrets.token_hex(4)
    spare = path.with_name(f"{path.name}.{os.getpid()}")
    try:
        spare.write_text(f"{made}\t{machine}\t{folder}\n", "utf-8")
        if path.exists():
            spare.replace(path)  # a copy's (or a foreign) id: this workspace makes its own
        else:
            try:  # two first sends at once: the first id made is everyone's
                os.link(spare, path)
            except FileExistsError:
                return workspace_host(local)
    except OSError:
        made = hashlib.sha256(f"{machine}\0{folder}".encode()).hexdigest()[:8]
    finally:
        with contextlib.suppress(OSError):
            spare.unlink()
    return host_name(machine, made, folder)


def senders_file(local: Path) -> Path:
    """The ids of the senders this workspace started (`postgresql-send.senders`)."""
    return local.with_name(local.name + ".senders")


class Heartbeat:
    """Renews a sender's lease on a connection of its own, every sixth of the lease.

    `held`: whether the renewal keeps the server's run the sender was stamped with (RENEW);
    `gone`: called when the renewal finds the server gone, before it reconnects (the kept
    outcomes saved to this host's disk, disk_fence.py)."""

    def __init__(
        self,
        server: PostgresUrl,
        sender_id: str,
        lease: float,
        lost: threading.Event | None = None,
        held: Callable[[], bool] | None = None,
        gone: Callable[[], object] | None = None,
    ) -> None:
        self.server, self.sender_id, self.lease = server, sender_id, lease
        self.lost = threading.Event() if lost is None else lost  # the server saw it run out
        self._held, self._gone = held, gone
        self._valid_until = time.monotonic() + lease / 2  # registration just renewed it
        self._stop = threading.Event()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        # The last renewal's refusal by a server that answered (a read-only standby, a full
        # disk): no use waiting for it, unlike a server that is gone.
        self.refused: str | None = None
        self.down = False  # the last renewal found the server gone (or its statement stopped)
        self._thread = threading.Thread(target=self._run, name="send-lease", daemon=True)
        self._thread.start()

    def valid(self) -> bool:
        """Renewed less than half a lease ago, and not seen run out: readers may still be
        handed out."""
        return time.monotonic() < self._valid_until and not self.lost.is_set()

    def wait_valid(self, patience: float, server: PostgresUrl) -> None:
        """Wait (up to `patience` s) for a renewal; JournalWriteError when none comes,
        LeaseLost when the server saw the lease run out.  The server gone, the wait is part of
        the send's outage (server_link.OUTAGE): it ends with it, and at once after a Ctrl-C."""
        deadline = time.monotonic() + patience
        while not self.valid():
            if self.down:  # the last renewal found the server gone
                deadline = min(deadline, OUTAGE.began(patience) + patience)
                if OUTAGE.interrupted():
                    deadline = 0.0
            if self.lost.is_set():
                raise LeaseLost(lease_lost_line(server))
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
        while not self._stop.wait(self.lease / 6) and not self.lost.is_set():
            began = time.monotonic()
            if self._renew():
                self._valid_until = began + self.lease / 2

    def _renew(self) -> bool:
        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = connect_durably(self.server)
            held = self._held is not None and self._held()
            renewed = self._conn.execute(RENEW, (self.lease, held, self.sender_id)).fetchone()
        except (psycopg.Error, NewsletterError) as e:
            conn, self._conn = self._conn, None
            answered = conn is not None and not conn.closed and not conn.broken
            if isinstance(e, LoginRefused):  # reconnecting, the login refused: no wait mends it
                self.refused = f"{self.server.where}: {refused_login(self.server.where, e)}"
            elif answered and isinstance(e, psycopg.Error) and not _lost_or_passing(e):
                self.refused = str(statement_error(self.server, e))
            else:  # gone (or passing): what it may have lost saved before the next renewal
                self.down = True
                if self._gone is not None:
                    self._gone()
            if conn is not None:
                with contextlib.suppress(psycopg.Error):
                    conn.close()
            return False
        self.refused, self.down = None, False
        OUTAGE.ended()  # the server answers
        if renewed is None:  # the server saw the lease run out: it stays out
            self.lost.set()
            return False
        return True


def _lost_or_passing(error: psycopg.Error) -> bool:
    """The server going away, or a timeout: worth waiting for, unlike a refusal."""
    return isinstance(error, CONNECTION_LOST) or stopped_by_timeout(error)
