"""Where a send's time goes on PostgreSQL: the server's statements and the sender's CPU.

Usage: `.venv/bin/python bench/profile_send_postgres.py [--n 20000] [--connections 4]
[--py-spy FILE] [--sqlite] [--roles]`

One send from one process to smtp-sink, on a throwaway PostgreSQL 15 cluster with its durable
defaults (fsync and synchronous commits on) and `pg_stat_statements` loaded.  It prints, per
1,000 messages: each statement's calls, the server's time in it and its rows; the commits and
the WAL flushes; the server's CPU (every backend's, read from /proc) and the sender's (its
process's user + system time).  With `--py-spy FILE` the sender runs under py-spy (when
installed: `pip install py-spy`), which writes a flame graph of where its threads spend their
time: a diagnosis, slower than a plain run.  docs/postgresql-measurements.md ("Where the time
goes") has the numbers.

With `--sqlite` the same send then runs once more with the journal in newsletter.db (a fresh
workspace, the same sink) and prints the sender's CPU a message there too, measured the same
way: the like-for-like figure to hold the PostgreSQL sender's against (SQLite has no server).
Both sends are the same `measured_send`.

With `--roles` the server's CPU is also split by connection (`ServerRoles`): the outcome
statements' writers, the claims' connections, the lease's, the WAL writer, autovacuum.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests/support: the cluster
from bench_send import NEWSLETTER, workspace
from bench_send_postgres import finished, newsletter, send_args, sink
from probe import cpu_probe


def server_cpu(root: Path) -> float:
    """Seconds of CPU every process of the cluster has used (the postmaster's children too)."""
    pid = int((root / "data" / "postmaster.pid").read_text().split()[0])
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(stat[1]) == pid:  # stat[1]: the parent's pid
            total += (int(stat[11]) + int(stat[12]) + int(stat[13]) + int(stat[14])) / tick
    return total


@dataclass(frozen=True)
class Measured:
    """One send's wall time and the sender's CPU (its processes' user and system time)."""

    wall: float
    user: float
    system: float

    def line(self, n: int) -> str:
        """The rate and the sender's CPU a message, as both backends print them."""
        cpu = self.user + self.system
        return (
            f"n={n:,}  {n / self.wall:,.0f}/s  ({self.wall:.1f} s)  sender CPU {cpu:.1f} s "
            f"({1000 * cpu / n:.3f} ms a message: user {1000 * self.user / n:.3f}, "
            f"system {1000 * self.system / n:.3f})"
        )


def imported(n: int, env: dict[str, str]) -> Path:
    """A workspace with the sample issue built and its list of n imported (bench_send.py)."""
    folder = workspace(n)
    finished(newsletter(["subscribers", "import", "list.csv"], folder, env), "import")
    return folder


def measured_send(
    folder: Path, env: dict[str, str], port: int, connections: int, spy: str | None = None
) -> Measured:
    """Send the workspace's issue once, from one process (under py-spy when `spy` names its
    flame graph): the one measurement both backends share."""
    before, started = os.times(), time.perf_counter()
    command = send_args(port, connections)
    process = newsletter(command, folder, env) if spy is None else spied(command, folder, env, spy)
    finished(process, "send")
    wall, after = time.perf_counter() - started, os.times()
    return Measured(
        wall, after.children_user - before.children_user,
        after.children_system - before.children_system,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="subscribers")
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections")
    parser.add_argument("--py-spy", help="write py-spy's flame graph of the sender here")
    parser.add_argument("--sqlite", action="store_true", help="then the same send on SQLite")
    parser.add_argument("--roles", action="store_true", help="the server's CPU by connection")
    args = parser.parse_args()
    from tests.support.postgres_server import PASSWORD, postgres_cluster

    print(f"probe: {cpu_probe():.2f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    with sink(None) as port, postgres_cluster(durable=True) as server:
        with server.connect() as conn:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        server.stop()
        server.start()
        name = server.new_database()
        env = {**os.environ, "NEWSLETTER_DATABASE_PASSWORD": PASSWORD,
               "NEWSLETTER_DATABASE_URL": server.url(name)}  # fmt: skip
        folder = imported(args.n, env)
        try:
            with server.connect(name) as conn:
                conn.execute("CREATE EXTENSION pg_stat_statements")
                conn.execute("SELECT pg_stat_statements_reset(), pg_stat_reset()")
                conn.execute("SELECT pg_stat_reset_shared('wal')")
                commits0 = db_commits(conn, name)
            cpu0 = server_cpu(server.root)
            with ServerRoles(server, name, watch=args.roles) as roles:
                measured = measured_send(folder, env, port, args.connections, args.py_spy)
            server_seconds = server_cpu(server.root) - cpu0
            with server.connect(name) as conn:
                report(conn, name, args.n, commits0)
            roles.report(args.n, server_seconds)
            print(
                f"{measured.line(args.n)}  server CPU {server_seconds:.1f} s "
                f"({1000 * server_seconds / args.n:.3f} ms a message)  "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )  # fmt: skip
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if args.sqlite:
            on_sqlite(args.n, port, args.connections)


def on_sqlite(n: int, port: int, connections: int) -> None:
    """The same send with the journal in newsletter.db: its rate and the sender's CPU."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_DATABASE")}
    folder = imported(n, env)
    try:
        measured = measured_send(folder, env, port, connections)
        print(f"SQLite {measured.line(n)}  load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class ServerRoles:
    """With `watch`, each backend's CPU while the send runs, by what it ran most (read from
    pg_stat_activity and /proc four times a second): the outcome statements' connections,
    the claims', the lease's, the WAL writer, autovacuum.  A backend's CPU is read until it
    ends: what it used after its last read, and the backends that ended unseen, are counted
    apart (the server's whole less what was seen)."""

    def __init__(self, server: Any, name: str, *, watch: bool) -> None:
        self.watch = watch
        self.cpu: dict[int, float] = {}
        self.before: dict[int, float] = {}
        self.conn = server.connect(name) if watch else None
        self.ran: dict[int, Counter[str]] = defaultdict(Counter)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ServerRoles:
        if self.watch:
            self._read()  # the processes running before the send: their CPU so far is not its
            self.before = dict(self.cpu)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.conn is not None:
            self._thread.join()
            self.conn.close()

    def _poll(self) -> None:
        while not self._stop.wait(0.25):
            self._read()

    def _read(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        rows = self.conn.execute(
            "SELECT pid, backend_type, query FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        ).fetchall()
        for pid, kind, query in rows:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.cpu[pid] = (int(stat[11]) + int(stat[12])) / tick
            self.ran[pid][role(kind or "", query or "")] += 1

    def report(self, n: int, total: float) -> None:
        """Per role: the server's CPU a message and its share of the server's whole."""
        if not self.watch:
            return
        by_role: Counter[str] = Counter()
        for pid, seconds in self.cpu.items():
            by_role[self.ran[pid].most_common(1)[0][0]] += seconds - self.before.get(pid, 0.0)
        by_role["not seen (ended between two reads; the postmaster)"] = total - sum(
            by_role.values()
        )
        print("server CPU by connection (ms a message, share of the server's):")
        for what, seconds in by_role.most_common():
            if seconds >= total / 200:
                print(f"  {1000 * seconds / n:6.3f}  {seconds / total:4.0%}  {what}")


def role(kind: str, query: str) -> str:
    """What a backend is, from its type and its last statement."""
    if kind != "client backend":
        return kind
    words = " ".join(query.split())
    for start, name in (
        ("WITH written AS (INSERT INTO deliveries", "outcome statements"),
        ("WITH candidates AS", "claims (and their fences)"),
        ("SELECT set_config('synchronous_commit', 'on', true)", "claims (and their fences)"),
        ("UPDATE senders", "the lease"),
    ):
        if words.startswith(start):
            return name
    return "other statements"


def spied(command: list[str], folder: Path, env: dict, out: str):  # type: ignore[no-untyped-def]
    """The send under py-spy (`--subprocesses --threads`), writing a flame graph to `out`."""
    import subprocess

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    env = {**env, "NEWSLETTER_UNSUBSCRIBE_SECRET": "bench-secret-0123456789abcdef"}
    return subprocess.Popen(
        [spy, "record", "--subprocesses", "--format", "raw", "--gil", "--rate", "250",
         "-o", str(Path(out).resolve()), "--", *NEWSLETTER, *command],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def db_commits(conn, name: str) -> int:  # type: ignore[no-untyped-def]
    row = conn.execute(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", (name,)
    ).fetchone()
    return int(row[0])


def report(conn, name: str, n: int, commits0: int) -> None:  # type: ignore[no-untyped-def]
    """Per 1,000 messages: each statement's calls, time and rows; commits and WAL flushes."""
    per = 1000 / n
    rows = conn.execute(
        "SELECT calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g')"
        " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
        " WHERE d.datname = %s ORDER BY total_exec_time DESC LIMIT 12",
        (name,),
    ).fetchall()
    print("calls/1k  ms/1k  rows/1k  statement")
    for calls, total, count, query in rows:
        print(f"{calls * per:8.1f} {total * per:7.1f} {count * per:8.1f}  {query[:110]}")
    commits = db_commits(conn, name) - commits0
    wal = conn.execute(
        "SELECT wal_records, wal_bytes, wal_write, wal_sync FROM pg_stat_wal"
    ).fetchone()
    print(
        f"commits/1k {commits * per:.1f}; WAL records/1k {wal[0] * per:.0f}, "
        f"bytes/message {wal[1] / n:.0f}, writes/1k {wal[2] * per:.1f}, "
        f"flushes/1k {wal[3] * per:.1f}"
    )


if __name__ == "__main__":
    main()
