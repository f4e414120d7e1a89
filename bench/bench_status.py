"""Benchmark: `newsletter send ISSUE --status` on a journal of a million readers, both backends.

    .venv/bin/python bench/bench_status.py [--readers 1000000] [--runs 3]
                                           [--backend both|sqlite|postgresql]

Builds the sample issue in a throwaway workspace, then fills its list and the issue's delivery
journal directly with set-wise SQL (a recursive CTE on SQLite, generate_series on a throwaway
PostgreSQL 15 cluster from tests/support/postgres_server.py): READERS subscribers (2% of them
unsubscribed), of whom 70% sent, 5% unknown, 10% failed (three reasons), 7% pending and the
rest not tried yet; on PostgreSQL three senders (one finished, one sending, one whose lease
ran out) holding claims on every reader the journal names.  The tables are analysed, as
autovacuum would after such a fill.  Then `newsletter send ISSUE --status` runs as a process
of its own RUNS times, and the median wall time and the largest peak RSS are printed per
backend with the machine probe and the load average.  Each run checks the sent count it
prints.  The issue's target (issue 18): under 2 s on a million readers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(ROOT))  # tests/support: the cluster
from probe import cpu_probe  # noqa: E402

NEWSLETTER = [sys.executable, "-m", "newsletter"]
ISSUE = "issues/2026-W48"
ISSUE_ID = "2026-W48"
STAMP = "2026-11-26T09:00:00Z"
# Per hundred readers (by id): which outcome the journal holds.
SENT, UNKNOWN, FAILED, PENDING = 70, 75, 85, 92  # cumulative: 70 / 5 / 10 / 7, 8 not tried
REASONS = ("550 5.1.1 user unknown", "552 5.2.2 mailbox full", "554 5.7.1 rejected")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=1_000_000, help="readers on the list")
    parser.add_argument("--runs", type=int, default=3, help="timed `--status` runs (median)")
    parser.add_argument(
        "--backend", choices=("both", "sqlite", "postgresql"), default="both", help="which"
    )
    args = parser.parse_args()
    print(f"probe: {cpu_probe():.2f} s (0.19 s when the machine is at its quickest)", flush=True)
    folder = workspace()
    try:
        if args.backend in ("both", "sqlite"):
            env = dict(os.environ)
            newsletter(["subscribers", "import", "empty.csv"], folder, env)  # the schema
            started = time.perf_counter()
            fill_sqlite(folder / "newsletter.db", args.readers)
            print(f"SQLite      filled in {time.perf_counter() - started:.1f} s", flush=True)
            measure(folder, env, args.readers, args.runs, "SQLite")
        if args.backend in ("both", "postgresql"):
            from tests.support.postgres_server import PASSWORD, postgres_cluster

            with postgres_cluster() as server:
                dbname = server.new_database()
                env = {
                    **os.environ,
                    "NEWSLETTER_DATABASE_PASSWORD": PASSWORD,
                    "NEWSLETTER_DATABASE_URL": server.url(dbname),
                }
                newsletter(["subscribers", "import", "empty.csv"], folder, env)
                started = time.perf_counter()
                with server.connect(dbname) as conn:
                    fill_postgres(conn, args.readers)
                print(f"PostgreSQL  filled in {time.perf_counter() - started:.1f} s", flush=True)
                measure(folder, env, args.readers, args.runs, "PostgreSQL")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def workspace() -> Path:
    """A throwaway workspace with the sample issue built and an empty list's CSV."""
    folder = Path(tempfile.mkdtemp(prefix="nl-bench-status-"))
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    newsletter(["build", "seeds", "--date", "2026-11-26"], folder, dict(os.environ))
    (folder / "empty.csv").write_text("email,name\n", "utf-8")
    return folder


def newsletter(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, float, float]:
    """Run `newsletter ARGS`; its output, wall seconds and peak RSS (MB). Exit if it failed."""
    env = {**env, "NEWSLETTER_UNSUBSCRIBE_SECRET": "bench-secret-0123456789abcdef"}
    env.pop("NEWSLETTER_SMTP_PASSWORD", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*NEWSLETTER, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"newsletter {' '.join(args)} failed:\n{output[-2000:]}")
    return output, wall, usage.ru_maxrss / 1024


def outcome(i: str) -> str:
    """The SQL CASE giving the journal status of reader number `i` (NULL: not tried).

    `i` is "i %" on SQLite and "i %%" on PostgreSQL (psycopg's placeholders)."""
    return (
        f"CASE WHEN {i} 100 < {SENT} THEN 'sent' WHEN {i} 100 < {UNKNOWN} THEN 'unknown'"
        f" WHEN {i} 100 < {FAILED} THEN 'failed' WHEN {i} 100 < {PENDING} THEN 'pending' END"
    )


def reason(i: str) -> str:
    """The SQL giving a failed or pending reader's last error (one of three); `i` as above."""
    return (
        f"CASE WHEN {i} 100 >= {UNKNOWN} AND {i} 100 < {PENDING} THEN "
        f"CASE {i} 3 WHEN 0 THEN '{REASONS[0]}' WHEN 1 THEN '{REASONS[1]}' "
        f"ELSE '{REASONS[2]}' END ELSE '' END"
    )


def fill_sqlite(database: Path, readers: int) -> None:
    """The list and the issue's journal, in one transaction, from a recursive CTE."""
    conn = sqlite3.connect(database)
    try:
        with conn:
            conn.execute(
                "CREATE TEMP TABLE n AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL "
                "SELECT i + 1 FROM r WHERE i < ?) SELECT i FROM r",
                (readers,),
            )
            conn.execute(
                "INSERT INTO subscribers (id, email, name, fields, status, created, updated) "
                "SELECT i, printf('reader%07d@example.org', i), 'Reader ' || i, '{}', "
                "CASE WHEN i % 50 = 1 THEN 'unsubscribed' ELSE 'active' END, ?, ? FROM n",
                (STAMP, STAMP),
            )
            conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, attempts, last_error, "
                "message_id, updated) SELECT ?, printf('reader%07d@example.org', i), "
                f"{outcome('i %')}, 1, {reason('i %')}, printf('<%d@bench>', i), "
                "printf('2026-11-26T09:%02d:%02dZ', i / 60000 % 60, i / 1000 % 60) "
                f"FROM n WHERE i % 100 < {PENDING}",
                (ISSUE_ID,),
            )
        conn.execute("ANALYZE")
    finally:
        conn.close()


def fill_postgres(conn: object, readers: int) -> None:
    """The list, the journal, three senders and their claims, from generate_series."""
    run = conn.execute  # type: ignore[attr-defined]
    run("SET session_replication_role = replica")  # the forgotten-address trigger: none here
    run(
        "INSERT INTO subscribers (id, email, name, fields, status, created, updated) "
        "SELECT i, format('reader%%s@example.org', lpad(i::text, 7, '0')), 'Reader ' || i, '{}', "
        "CASE WHEN i %% 50 = 1 THEN 'unsubscribed' ELSE 'active' END, %s, %s "
        "FROM generate_series(1, %s) i",
        (STAMP, STAMP, readers),
    )
    run(
        "INSERT INTO deliveries (issue_id, email, status, attempts, last_error, message_id, "
        "updated) SELECT %s, format('reader%%s@example.org', lpad(i::text, 7, '0')), "
        f"{outcome('i %%')}, 1, {reason('i %%')}, format('<%%s@bench>', i), "
        "format('2026-11-26T09:%%s:%%sZ', lpad((i / 60000 %% 60)::text, 2, '0'), "
        "lpad((i / 1000 %% 60)::text, 2, '0')) "
        f"FROM generate_series(1, %s) i WHERE i %% 100 < {PENDING}",
        (ISSUE_ID, readers),
    )
    run(
        "INSERT INTO senders (sender_id, issue_id, host, pid, started, lease_until, finished) "
        "VALUES (%s, %s, 'host-a', 101, now() - interval '2 hours', now() - interval '1 hour',"
        " now() - interval '1 hour'), "
        "(%s, %s, 'host-b', 202, now() - interval '90 minutes', now() + interval '1 hour', NULL),"
        " (%s, %s, 'host-c', 303, now() - interval '80 minutes', now() - interval '5 minutes',"
        " NULL)",
        ("host-a:101:aaaa", ISSUE_ID, "host-b:202:bbbb", ISSUE_ID, "host-c:303:cccc", ISSUE_ID),
    )
    run(
        "INSERT INTO send_claims (issue_id, subscriber_id, sender_id, claimed_at) "
        "SELECT %s, i, (ARRAY['host-a:101:aaaa', 'host-b:202:bbbb', 'host-c:303:cccc'])"
        f"[1 + i %% 3], now() FROM generate_series(1, %s) i WHERE i %% 100 < {PENDING}",
        (ISSUE_ID, readers),
    )
    run("SET session_replication_role = DEFAULT")
    run("SELECT setval(pg_get_serial_sequence('subscribers', 'id'), %s)", (readers,))
    run("VACUUM ANALYZE")


def expected_sent(readers: int) -> int:
    """How many readers the fill journals as sent."""
    return sum(1 for i in range(1, readers + 1) if i % 100 < SENT)


def measure(folder: Path, env: dict[str, str], readers: int, runs: int, name: str) -> None:
    """Time `send ISSUE --status` RUNS times; print the median and the peak RSS."""
    walls, peak = [], 0.0
    want = expected_sent(readers)
    for _ in range(runs):
        output, wall, rss = newsletter(["send", ISSUE, "--status"], folder, env)
        found = re.search(r"sent\s+([\d,]+)", output)
        sent = int(found.group(1).replace(",", "")) if found else -1
        if sent != want:
            sys.exit(f"{name}: --status says {sent} sent, not {want}:\n{output[-2000:]}")
        walls.append(wall)
        peak = max(peak, rss)
    median = statistics.median(walls)
    load = os.getloadavg()[0]
    verdict = "met" if median < 2 else "NOT met"
    print(
        f"{name:<10}  send --status  readers={readers:,}  median {median:.2f} s of {runs} "
        f"(min {min(walls):.2f}, max {max(walls):.2f})  peak RSS {peak:.0f} MB  "
        f"load {load:.1f}  target < 2 s: {verdict}",
        flush=True,
    )


if __name__ == "__main__":
    main()
