"""A primary and a real hot standby, for the failover tests: streaming replication, promotion.

`primary_and_standby()` starts a throwaway primary (postgres_server.postgres_cluster) and a
hot standby of it: `pg_basebackup -R` copies the primary's data folder and writes its
`primary_conninfo`, then the copy starts as a second cluster on another free port, where
every write is refused with SQLSTATE 25006 (read_only_sql_transaction), as a standby (or a
demoted old primary) refuses it after a failover.  Replication is synchronous
(`synchronous_standby_names = '*'`, `synchronous_commit = on`): a commit the primary
acknowledged is on the standby, as in a failover set up not to lose writes.
`Standby.promote()` makes the standby a primary (`pg_ctl promote`), as the failover does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres_server import (
    BIN,
    PASSWORD,
    SUPERUSER,
    Postgres,
    _as_owner,
    _run,
    postgres_cluster,
)
from tests.support.smtp_server import free_port


@dataclass
class Standby(Postgres):
    """A running hot standby of a primary (a Postgres whose writes are refused until promoted)."""

    def promote(self) -> None:
        """Make it a primary (`pg_ctl promote -w`: returns once it takes writes)."""
        _run(str(BIN / "pg_ctl"), "-D", str(self.root / "data"), "-w", "promote", root=self.root)

    def in_recovery(self) -> bool:
        """Is it still a standby (pg_is_in_recovery)?"""
        with self.connect() as conn:
            row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            return bool(row and row[0])

    def wait_caught_up(self, primary: Postgres, timeout: float = 30.0) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        with primary.connect() as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        deadline = time.monotonic() + timeout
        with self.connect() as conn:
            while True:
                done = conn.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)
                ).fetchone()
                if done and done[0]:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the standby did not catch up:\n{self.log()[-2000:]}")
                time.sleep(0.05)


@contextlib.contextmanager
def standby_of(primary: Postgres) -> Iterator[Standby]:
    """A hot standby of `primary`, streaming from it, on 127.0.0.1 and a free port."""
    root = Path(tempfile.mkdtemp(prefix="newsletter-standby-"))
    owner = _as_owner()
    if owner:
        os.chown(root, owner["user"], owner["group"])
    os.chmod(root, 0o700)
    data = root / "data"
    # pg_basebackup reads the password from the environment of the process it runs in.
    os.environ["PGPASSWORD"], saved = PASSWORD, os.environ.get("PGPASSWORD")
    try:
        _run(str(BIN / "pg_basebackup"), "-h", primary.host, "-p", str(primary.port),
             "-U", SUPERUSER, "-D", str(data), "-R", "-X", "stream", "--no-sync",
             "-c", "fast", root=root)  # fmt: skip
    finally:
        if saved is None:
            del os.environ["PGPASSWORD"]
        else:
            os.environ["PGPASSWORD"] = saved
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
        "-c max_connections=60 -c fsync=off -c full_page_writes=off -c hot_standby=on"
    )
    _run(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options,
         "-w", "start", root=root)  # fmt: skip
    standby = Standby(primary.host, port, root, options=options)
    try:
        _wait_streaming(primary)
        yield standby
    finally:
        with contextlib.suppress(Exception):
            _run(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop",
                 root=root)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _wait_streaming(primary: Postgres, state: str = "", timeout: float = 30.0) -> None:
    """Wait until the primary sees its standby streaming (its sync_state `state`, if given)."""
    deadline = time.monotonic() + timeout
    with primary.connect() as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                " AND (%s = '' OR sync_state = %s)",
                (state, state),
            ).fetchone()
            if row and row[0]:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"no standby streams from the primary:\n{primary.log()[-2000:]}")
            time.sleep(0.05)


@contextlib.contextmanager
def primary_and_standby() -> Iterator[tuple[Postgres, Standby]]:
    """A primary of its own and a synchronous hot standby of it (module doc)."""
    with postgres_cluster() as primary, standby_of(primary) as standby:
        # Set after the copy, so the standby, once promoted, waits for no standby of its own.
        # A role's setting, because the cluster's command line turns synchronous_commit off.
        with primary.connect() as conn:
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            conn.execute("SELECT pg_reload_conf()")
            conn.execute(f"ALTER ROLE {SUPERUSER} SET synchronous_commit = on")
        _wait_streaming(primary, state="sync")
        yield primary, standby
