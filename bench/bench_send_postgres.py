"""Benchmark: `newsletter send` on PostgreSQL against SQLite, and two senders on one issue.

    .venv/bin/python bench/bench_send_postgres.py [--n 20000] [--connections 4]
                                                  [--smtp-sink PATH|aiosmtpd] [--async-commit]

Starts Postfix's smtp-sink (as bench_send.py finds it) and a throwaway PostgreSQL 15 cluster
with its durable defaults (tests/support/postgres_server.py: fsync and synchronous commits
on), builds the sample issue in a throwaway workspace with N subscribers, then measures, each
as `newsletter send --yes` in a process of its own:

1. one process, the journal in newsletter.db (SQLite);
2. one process, the journal on the server (a fresh database);
3. two workspaces (two hosts) sharing a fresh database and the same built issue, started
   together: the total rate over both (N over the time until both have ended) and each
   one's share, as its summary counts it.

With `--async-commit`, also one process on a database none of whose commits wait for the
server's disk (`synchronous_commit = off` for the whole database, set by the server's owner):
the claims and the fences too.  The outcome commits already do not wait (disk_fence.py, with
the fence that keeps a crash from losing them); this shows what the rest costs.

It also times the disk's flush where the cluster lives (an 8 kB write and `fdatasync`, before
and after the durable send) and prints `connections / flush`: the most one process could send
if each connection's next final `.` waited for its previous outcome to be on disk, as it did
before outcomes were committed without waiting for the flush (newsletter/send/disk_fence.py).
`--one-process-only` skips the two senders.

Every run checks that the journal holds N sent.  The issue's target: PostgreSQL from one
process at least 80% of the SQLite rate.  Numbers are in docs/postgresql-measurements.md and
docs/benchmarks.md; the probe line says how fast the machine was at the time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests/support: the cluster
from bench_send import (
    ISSUE,
    NEWSLETTER,
    find_smtp_sink,
    free_port,
    wait_for_port,
    workspace,
)
from probe import cpu_probe, flush_probe

SECRET = "bench-secret-0123456789abcdef"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="subscribers")
    parser.add_argument("--connections", type=int, default=4, help="connections per sender")
    parser.add_argument("--smtp-sink", help="path to smtp-sink, or `aiosmtpd` (a slow sink)")
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="also send on a database with synchronous_commit = off: how much of the gap is "
        "the server's disk flush per commit (a diagnosis, not a setting to recommend)",
    )
    parser.add_argument(
        "--one-process-only", action="store_true", help="skip the two senders on one issue"
    )
    args = parser.parse_args()
    from tests.support.postgres_server import PASSWORD, postgres_cluster

    print(f"probe: {cpu_probe():.2f} s (0.19 s when the machine is at its quickest)", flush=True)
    with sink(args.smtp_sink) as port, postgres_cluster(durable=True) as server:
        env = {**os.environ, "NEWSLETTER_DATABASE_PASSWORD": PASSWORD}
        one = workspace(args.n)
        try:
            sqlite_rate = send_one(one, args.n, port, args.connections, env, "SQLite")
            shutil.rmtree(one / "issues" / "2026-W48" / "outbox", ignore_errors=True)
            (one / "newsletter.db").unlink()
            pg_env = {**env, "NEWSLETTER_DATABASE_URL": server.url(server.new_database())}
            flush = flush_probe(str(server.root))
            pg_rate = send_one(one, args.n, port, args.connections, pg_env, "PostgreSQL")
            flush = (flush + flush_probe(str(server.root))) / 2
            print(f"PostgreSQL / SQLite, one process: {pg_rate / sqlite_rate:.0%}", flush=True)
            # Had each connection's next final `.` to wait for its previous outcome to be on
            # disk (the outcome commits before disk_fence.py), a connection would send at
            # most one message per disk flush.
            ceiling = args.connections / flush
            print(f"disk flush (8 kB fdatasync, before and after): {1000 * flush:.2f} ms; "
                  f"waiting for one flush per message and connection would cap the send at "
                  f"{ceiling:,.0f}/s ({ceiling / sqlite_rate:.0%} of SQLite's rate)",
                  flush=True)  # fmt: skip
            if args.async_commit:
                lazy = server.new_database()
                with server.connect() as conn:  # the server's choice, not newsletter's
                    conn.execute(f'ALTER DATABASE "{lazy}" SET synchronous_commit = off')
                lazy_env = {**env, "NEWSLETTER_DATABASE_URL": server.url(lazy)}
                lazy_rate = send_one(one, args.n, port, args.connections, lazy_env, "PG async")
                print(f"PostgreSQL without waiting for its disk / SQLite: "
                      f"{lazy_rate / sqlite_rate:.0%}", flush=True)  # fmt: skip
            if args.one_process_only:
                return
            two_env = {**env, "NEWSLETTER_DATABASE_URL": server.url(server.new_database())}
            two_senders(one, args.n, port, args.connections, two_env)
        finally:
            shutil.rmtree(one, ignore_errors=True)


class sink:
    """smtp-sink (or aiosmtpd's Sink) on a free port, for the block."""

    def __init__(self, given: str | None) -> None:
        self.given = given

    def __enter__(self) -> int:
        port = free_port()
        if self.given == "aiosmtpd":
            from aiosmtpd.controller import Controller
            from aiosmtpd.handlers import Sink

            self.controller = Controller(Sink(), hostname="127.0.0.1", port=port)
            self.controller.start()
            self.process = None
            return port
        path, env = find_smtp_sink(self.given)
        root = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.process = subprocess.Popen(
            [path, *root, f"127.0.0.1:{port}", "256"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(port)
        return port

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            self.controller.stop()
        else:
            self.process.terminate()
            self.process.wait(timeout=10)


def newsletter(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`python -m newsletter ARGS` in the workspace."""
    env = {**env, "NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET}
    env.pop("NEWSLETTER_SMTP_PASSWORD", None)
    return subprocess.Popen(
        [*NEWSLETTER, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def finished(process: subprocess.Popen[str], what: str) -> str:
    """The process's output once it ended well; exit naming it otherwise."""
    output, _ = process.communicate()
    if process.returncode != 0:
        sys.exit(f"{what} failed ({process.returncode}):\n{output[-2000:]}")
    return output


def send_args(port: int, connections: int) -> list[str]:
    return ["send", ISSUE, "--yes", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
            "--smtp-security", "none", "--connections", str(connections)]  # fmt: skip


def send_one(folder: Path, n: int, port: int, connections: int, env: dict, name: str) -> float:
    """Import the list, send it from one process; the rate over the send's wall time."""
    finished(newsletter(["subscribers", "import", "list.csv"], folder, env), "import")
    started = time.perf_counter()
    output = finished(newsletter(send_args(port, connections), folder, env), f"send ({name})")
    wall = time.perf_counter() - started
    check_sent(folder, env, n, output)
    print(
        f"{name:<10}  one process  n={n:,}  {n / wall:,.0f}/s  ({wall:.1f} s; "
        f"{loop_rate(output):,.0f}/s once started)",
        flush=True,
    )
    return n / wall


def two_senders(folder: Path, n: int, port: int, connections: int, env: dict) -> None:
    """Two workspaces on one database, sending the same issue at once."""
    second = folder.with_name(folder.name + "-second-host")
    shutil.rmtree(second, ignore_errors=True)
    shutil.copytree(folder, second, ignore=shutil.ignore_patterns("newsletter.db*", "outbox"))
    try:
        finished(newsletter(["subscribers", "import", "list.csv"], folder, env), "import")
        started = time.perf_counter()
        runs = [newsletter(send_args(port, connections), f, env) for f in (folder, second)]
        outputs = [finished(run, "send (two senders)") for run in runs]
        wall = time.perf_counter() - started
        shares = [sent_in(output) for output in outputs]
        check_sent(folder, env, n, outputs[0])
        if sum(shares) != n:
            sys.exit(f"the two senders sent {shares}, not {n} in all")
        print(
            f"two senders  n={n:,}  {n / wall:,.0f}/s in all  ({wall:.1f} s), shares "
            + ", ".join(f"{s:,} ({s / n:.0%})" for s in shares),
            flush=True,
        )
    finally:
        shutil.rmtree(second, ignore_errors=True)


def loop_rate(output: str) -> float:
    """The rate the send's summary reports (its run, without the process's start)."""
    found = re.search(r"\(([\d,]+)/s\)\.", output)
    return float(found.group(1).replace(",", "")) if found else 0.0


def sent_in(output: str) -> int:
    """How many messages a send's summary says it sent (0: it found the list done, as a
    second sender of a small list can when it starts after the first has ended)."""
    if "Nothing to send:" in output:
        return 0
    found = re.search(r"([\d,]+) sent", output)
    if found is None:
        sys.exit(f"no count of sent messages in:\n{output[-2000:]}")
    return int(found.group(1).replace(",", ""))


def check_sent(folder: Path, env: dict, n: int, output: str) -> None:
    """The journal holds n sent (SQLite's file, or the server's `send --status`)."""
    if "NEWSLETTER_DATABASE_URL" not in env:
        with sqlite3.connect(folder / "newsletter.db") as db:
            sent = db.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()
        count = int(sent[0])
    else:
        status = finished(newsletter(["send", ISSUE, "--status"], folder, env), "send --status")
        found = re.search(r"sent\s+(\d+)", status)
        count = int(found.group(1)) if found else -1
    if count != n:
        sys.exit(f"only {count} of {n} journaled as sent:\n{output[-2000:]}")


if __name__ == "__main__":
    main()
