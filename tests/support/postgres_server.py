"""A real PostgreSQL 15 for the tests: a throwaway cluster from Debian's binaries.

`postgres_cluster()` runs `initdb` and `pg_ctl` from /usr/lib/postgresql/15/bin (as the
`postgres` user when the tests run as root, since PostgreSQL refuses to run as root) in a
temporary folder, listening on 127.0.0.1 and a free port with password logins, fsync off
(the tests need speed, not durability).  Each test gets a database of its own from
`Postgres.new_database()`.  Without the binaries the tests skip, unless
NEWSLETTER_REQUIRE_POSTGRES=1 (CI installs `postgresql`), when they fail.  This is how
tests/support/dovecot_server.py starts Dovecot.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.smtp_server import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER, PASSWORD = "postgres", "postgres test password"


@dataclass
class Postgres:
    """A running cluster: where it listens, its superuser's password, its folder."""

    host: str
    port: int
    root: Path
    _names: Iterator[int] = field(default_factory=itertools.count)
    options: str = ""  # the server's -c options, for start()

    def stop(self) -> None:
        """Stop the server at once (`-m immediate`: as a crash would), for a fault test."""
        _run(str(BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w",
             "stop", root=self.root)  # fmt: skip

    def start(self) -> None:
        """Start it again after stop(), on the same port."""
        _run(str(BIN / "pg_ctl"), "-D", str(self.root / "data"), "-l",
             str(self.root / "server.log"), "-o", self.options, "-w", "start",
             root=self.root)  # fmt: skip

    def url(self, dbname: str, user: str = SUPERUSER, **params: str) -> str:
        """A postgresql:// URL without the password (it goes in the environment)."""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgresql://{user}@{self.host}:{self.port}/{dbname}" + (
            f"?{query}" if query else ""
        )

    def connect(self, dbname: str = "postgres") -> Any:
        """A superuser connection in autocommit, for setting up and checking from outside."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=SUPERUSER,
            password=PASSWORD,
            dbname=dbname,
            autocommit=True,
            connect_timeout=10,
        )

    def new_database(self) -> str:
        """A fresh, empty database's name (one per test: no test sees another's rows)."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def log(self) -> str:
        """The server's log, for a failing test's message."""
        path = self.root / "server.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""


def require_postgres() -> None:
    """Skip (fail when NEWSLETTER_REQUIRE_POSTGRES=1) without Debian's PostgreSQL 15."""
    if (BIN / "initdb").exists():
        return
    message = f"{BIN}/initdb is missing (apt-get install postgresql)"
    if os.environ.get("NEWSLETTER_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL tests required but {message}")
    pytest.skip(message)


def _as_owner() -> dict[str, Any]:
    """Run the server's programs as `postgres` when we are root (it refuses root)."""
    if os.getuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _run(*args: str, root: Path) -> None:
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=120, cwd=root, **_as_owner()
    )
    if result.returncode != 0:
        log = root / "server.log"
        tail = log.read_text("utf-8", "replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{args[0]} failed: {result.stderr or result.stdout}\n{tail}")


@contextlib.contextmanager
def postgres_cluster(*, durable: bool = False) -> Iterator[Postgres]:
    """Run a PostgreSQL 15 cluster of its own in a temporary folder, for the block.

    `durable`: PostgreSQL's own defaults (fsync, synchronous commits) instead of the tests'
    speed settings, for benchmarks whose numbers must hold on a real server."""
    require_postgres()
    # Not under pytest's tmp_path (mode 0700, root's): the server runs as `postgres`.
    root = Path(tempfile.mkdtemp(prefix="newsletter-postgres-"))
    owner = _as_owner()
    if owner:
        os.chown(root, owner["user"], owner["group"])
    os.chmod(root, 0o700)
    (root / "pwfile").write_text(PASSWORD + "\n")
    if owner:
        os.chown(root / "pwfile", owner["user"], owner["group"])
    data = root / "data"
    _run(
        str(BIN / "initdb"),
        "-D", str(data),
        "-U", SUPERUSER,
        "--pwfile", str(root / "pwfile"),
        "--auth-host=scram-sha-256",
        "--auth-local=peer",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
        root=root,
    )  # fmt: skip
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
        "-c max_connections=60"
    )
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    log = root / "server.log"
    _run(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start",
         root=root)  # fmt: skip
    try:
        yield Postgres("127.0.0.1", port, root, options=options)
    finally:
        with contextlib.suppress(Exception):
            _run(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop",
                 root=root)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
