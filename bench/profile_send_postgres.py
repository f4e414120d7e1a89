"""Where a send's time goes on PostgreSQL: the server's statements and the sender's CPU.

Usage: `.venv/bin/python bench/profile_send_postgres.py [--n 20000] [--connections 4]
[--py-spy FILE]`

One send from one process to smtp-sink, on a throwaway PostgreSQL 15 cluster with its durable
defaults (fsync and synchronous commits on) and `pg_stat_statements` loaded.  It prints, per
1,000 messages: each statement's calls, the server's time in it and its rows; the commits and
the WAL flushes; the server's CPU (every backend's, read from /proc) and the sender's (its
process's user + system time).  With `--py-spy FILE` the sender runs under py-spy (when
installed: `pip install py-spy`), which writes a flame graph of where its threads spend their
time: a diagnosis, slower than a plain run.  docs/postgresql.md ("Where the time goes") has
the numbers.

With `--sqlite` the same send then runs once more with the journal in newsletter.db (a fresh
workspace, the same sink) and prints the sender's CPU a message there too, measured the same
way: the like-for-like figure to hold the PostgreSQL sender's against (SQLite has no server).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="subscribers")
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections")
    parser.add_argument("--py-spy", help="write py-spy's flame graph of the sender here")
    parser.add_argument("--sqlite", action="store_true", help="then the same send on SQLite")
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
        folder = workspace(args.n)
        try:
            finished(newsletter(["subscribers", "import", "list.csv"], folder, env), "import")
            with server.connect(name) as conn:
                conn.execute("CREATE EXTENSION pg_stat_statements")
                conn.execute("SELECT pg_stat_statements_reset(), pg_stat_reset()")
                conn.execute("SELECT pg_stat_reset_shared('wal')")
                commits0 = db_commits(conn, name)
            cpu0, started = server_cpu(server.root), time.perf_counter()
            before = os.times()
            command = send_args(port, args.connections)
            process = (
                newsletter(command, folder, env)
                if not args.py_spy
                else spied(command, folder, env, args.py_spy)
            )
            finished(process, "send")
            wall = time.perf_counter() - started
            server_seconds = server_cpu(server.root) - cpu0
            with server.connect(name) as conn:
                report(conn, name, args.n, commits0)
            after = os.times()
            sender_seconds = (after.children_user + after.children_system) - (
                before.children_user + before.children_system
            )
            print(
                f"n={args.n:,}  {args.n / wall:,.0f}/s  ({wall:.1f} s)  server CPU "
                f"{server_seconds:.1f} s ({1000 * server_seconds / args.n:.3f} ms a message)  "
                f"sender CPU {sender_seconds:.1f} s ({1000 * sender_seconds / args.n:.3f} ms a "
                f"message)  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )  # fmt: skip
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if args.sqlite:
            on_sqlite(args.n, port, args.connections)


def on_sqlite(n: int, port: int, connections: int) -> None:
    """The same send with the journal in newsletter.db: its rate and the sender's CPU."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLETTER_DATABASE")}
    folder = workspace(n)
    try:
        finished(newsletter(["subscribers", "import", "list.csv"], folder, env), "import")
        before, started = os.times(), time.perf_counter()
        finished(newsletter(send_args(port, connections), folder, env), "send (SQLite)")
        wall = time.perf_counter() - started
        after = os.times()
        user = after.children_user - before.children_user
        system = after.children_system - before.children_system
        print(
            f"SQLite n={n:,}  {n / wall:,.0f}/s  ({wall:.1f} s)  sender CPU {user + system:.1f} s "
            f"({1000 * (user + system) / n:.3f} ms a message: user {1000 * user / n:.3f}, "
            f"system {1000 * system / n:.3f})  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
