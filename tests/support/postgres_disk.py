"""A full disk on the PostgreSQL server, for the fault tests: SQLSTATE 53100 (disk_full).

Two ways, both on the real server:

- `tmpfs`: a real ENOSPC.  A small tmpfs is mounted (this needs root and the right to
  mount, which CI's container has and a developer's machine may not), made a tablespace, the
  table moved onto it, and the rest of the tmpfs filled with a file, leaving a few pages:
  once the table outgrows them the server answers `could not extend file …: No space left on
  device`.  `free()` deletes the filling file, as an administrator frees space.
- `trigger`: where mounting is not allowed, the same SQLSTATE raised by the server itself
  from a trigger on the table after a number of rows (fault injection on the real engine,
  with the message PostgreSQL writes).  `free()` drops the trigger.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.postgres_server import Postgres, _as_owner

PAGE = 8192  # PostgreSQL's block: a table grows a block at a time


@dataclass
class FullDisk:
    """A table on a server whose disk fills up after a while; `free()` makes room again."""

    server: Postgres
    dbname: str
    table: str
    filler: Path | None  # the file filling the tmpfs (None: the trigger way)

    def free(self) -> None:
        """Make room again: delete the filling file, or drop the trigger."""
        if self.filler is not None:
            self.filler.unlink(missing_ok=True)
            return
        with self.server.connect(self.dbname) as conn:
            conn.execute(f"DROP TRIGGER newsletter_test_disk_full ON {self.table}")


def can_mount() -> bool:
    """Can this process mount a tmpfs (root, with the right to mount)?"""
    if os.getuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(tempfile.mkdtemp(prefix="newsletter-mount-probe-"))
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
            capture_output=True,
            timeout=10,
        )
        if mounted.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], capture_output=True, timeout=10)
        return True
    finally:
        probe.rmdir()


@contextlib.contextmanager
def full_disk(
    server: Postgres, dbname: str, table: str, *, way: str, rows: int
) -> Iterator[FullDisk]:
    """`table` in `dbname` refuses rows with disk_full after about `rows` more (module doc)."""
    if way == "trigger":
        yield _by_trigger(server, dbname, table, rows)
        return
    if not can_mount():
        pytest.skip("mounting a tmpfs is not allowed here; the trigger way covers a full disk")
    with _tmpfs_tablespace(server, dbname) as (space, mount):
        with server.connect(dbname) as conn:
            conn.execute(f"ALTER TABLE {table} SET TABLESPACE {space}")
        filler = mount / "filler"
        # Leave about one block per 40 rows (short rows: an address, a status, a Message-ID).
        _fill(mount, filler, room=PAGE * max(1, rows // 40))
        yield FullDisk(server, dbname, table, filler)


def _by_trigger(server: Postgres, dbname: str, table: str, rows: int) -> FullDisk:
    with server.connect(dbname) as conn:
        conn.execute("CREATE SEQUENCE IF NOT EXISTS newsletter_test_rows")
        conn.execute(
            f"""
            CREATE FUNCTION newsletter_test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF nextval('newsletter_test_rows') > {rows} THEN
                RAISE EXCEPTION 'could not extend file "base/%/%": No space left on device',
                  (SELECT oid FROM pg_database WHERE datname = current_database()),
                  pg_relation_filenode(TG_RELID)
                  USING ERRCODE = 'disk_full', HINT = 'Check free disk space.';
              END IF;
              RETURN NEW;
            END $$"""
        )
        conn.execute(
            f"CREATE TRIGGER newsletter_test_disk_full BEFORE INSERT OR UPDATE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION newsletter_test_disk_full()"
        )
    return FullDisk(server, dbname, table, None)


@contextlib.contextmanager
def _tmpfs_tablespace(server: Postgres, dbname: str) -> Iterator[tuple[str, Path]]:
    """A tablespace on an 8 MB tmpfs of its own; dropped (with `dbname`) and unmounted after."""
    mount = Path(tempfile.mkdtemp(prefix="newsletter-small-disk-"))
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount)],
        check=True,
        capture_output=True,
        timeout=10,
    )
    space = f"small_{dbname}"
    try:
        owner = _as_owner()
        if owner:
            os.chown(mount, owner["user"], owner["group"])
        with server.connect() as conn:
            conn.execute(f"CREATE TABLESPACE {space} LOCATION '{mount}'")
        yield space, mount
    finally:
        with contextlib.suppress(Exception), server.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f"DROP TABLESPACE IF EXISTS {space}")
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=10)
        with contextlib.suppress(OSError):
            mount.rmdir()


def _fill(mount: Path, filler: Path, *, room: int) -> None:
    """Fill the file system at `mount` with `filler`, leaving `room` bytes free."""
    stats = os.statvfs(mount)
    size = stats.f_bavail * stats.f_frsize - room
    with filler.open("wb") as f:
        while size > 0:
            chunk = min(size, 64 * 1024)
            f.write(b"\0" * chunk)
            size -= chunk
