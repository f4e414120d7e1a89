"""Benchmark: RFC 8058 one-click unsubscribes against `newsletter serve` on 127.0.0.1.

    .venv/bin/python bench/bench_serve.py [--requests 20000] [--clients 50] [--workers 1,2]
        [--backends sqlite,postgresql]

Makes a throwaway workspace with N subscribers, starts `newsletter serve
--port 0` as its own process (uvicorn, as an editor runs it), then opens
`--clients` keep-alive HTTP/1.1 connections from one asyncio process and
POSTs `List-Unsubscribe=One-Click` to each subscriber's own signed URL, each
once.  Every answer must be 200, and afterwards the database must hold every
one of them unsubscribed (each was committed before its answer).  Prints the
rate and the latency percentiles.

Target on the 2-core reference machine: ≥ 500 unsubscribes/s, p99 < 50 ms,
50 concurrent clients.  The load generator shares the 2 cores with the server.

`--backends postgresql` runs the same against a throwaway PostgreSQL 15 cluster
(tests/support/postgres_server.py, Debian's binaries) with its durable defaults (fsync,
synchronous commits): the list on the server, `serve` pointed at it through
NEWSLETTER_DATABASE_URL, one connection per worker.  The cluster shares the 2 cores too.

    .venv/bin/python bench/bench_serve.py --slow 1000 [--requests 10000] [--rates 500]

runs the honest clients beside `--slow` slow ones instead: a process of its own
keeps that many connections open, each sending a request head one line a
second and never finishing it (reconnecting when the server closes it, as a
slowloris attack does).  It reports the honest clients' latency while they are
open (target: p99 < 100 ms at 1,000 slow connections) and how many were open.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests/support: the cluster
from probe import cpu_probe

SETTINGS = """\
name = "The Bench Brief"
from = "The Bench Brief <digest@example.org>"
base_url = "https://news.example.org"
[unsubscribe]
url = "https://news.example.org/unsubscribe"
secret_env = "NEWSLETTER_BENCH_SECRET"
"""
SECRET = "bench-secret-0123456789abcdef"
LIST_ID = "the-bench-brief.example.org"


def make_workspace(root: Path, n: int, server=None) -> list[str]:
    """newsletter.toml and a database of n active subscribers (on `server`, a test cluster,
    when given: then serve finds it through NEWSLETTER_DATABASE_URL); their tokens."""
    from newsletter.mail.unsubscribe import sign_token
    from newsletter.subscribers.database import open_database, utc_now

    (root / "newsletter.toml").write_text(SETTINGS)
    now = utc_now()
    emails = [f"reader{i:06d}@example.org" for i in range(n)]
    if server is not None:
        fill_postgres(server, emails, now)
        return [sign_token(e, SECRET.encode(), LIST_ID) for e in emails]
    conn = open_database(root / "newsletter.db")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO subscribers (email, created, updated) VALUES (?, ?, ?)",
        [(e, now, now) for e in emails],
    )
    conn.execute("COMMIT")
    conn.close()
    return [sign_token(e, SECRET.encode(), LIST_ID) for e in emails]


def fill_postgres(server, emails: list[str], now: str) -> None:
    """A fresh database on the cluster, upgraded, with `emails` active (COPY); serve's env."""
    from newsletter.database_url import PostgresUrl
    from newsletter.subscribers.postgres import connect_postgres
    from newsletter.subscribers.postgres_schema import upgrade_postgres
    from tests.support.postgres_server import PASSWORD

    url = server.url(server.new_database())
    os.environ["NEWSLETTER_DATABASE_URL"] = url
    os.environ["NEWSLETTER_DATABASE_PASSWORD"] = PASSWORD
    with connect_postgres(PostgresUrl(url)) as conn:
        upgrade_postgres(conn, PostgresUrl(url))
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY subscribers (email, created, updated) FROM STDIN") as copy,
        ):
            for e in emails:
                copy.write_row((e, now, now))
        conn.execute("VACUUM ANALYZE subscribers")


def count_unsubscribed(root: Path) -> int:
    """How many are unsubscribed in the run's database, on either backend."""
    url = os.environ.get("NEWSLETTER_DATABASE_URL")
    query = "SELECT count(*) FROM subscribers WHERE status = 'unsubscribed'"
    if url:
        from newsletter.database_url import PostgresUrl
        from newsletter.subscribers.postgres import connect_postgres

        with connect_postgres(PostgresUrl(url)) as conn:
            return int(conn.execute(query).fetchone()[0])
    conn = sqlite3.connect(root / "newsletter.db")
    try:
        return int(conn.execute(query).fetchone()[0])
    finally:
        conn.close()


def start_server(root: Path, workers: int) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "NEWSLETTER_BENCH_SECRET": SECRET}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "serve", "--port", "0", "--workers", str(workers)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # one log line per request: not what we measure
        text=True,
    )
    line = process.stdout.readline()
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
    time.sleep(1.0 if workers > 1 else 0.3)  # workers import the app after the socket is bound
    return process, port


async def client(
    port: int, tokens: list[str], latencies: list[float], statuses: list[int], interval: float
):
    """One keep-alive connection; `interval` > 0 paces its requests (an offered rate)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    due = loop.time() + interval * (hash(tokens[0]) % 1000) / 1000 if interval else 0.0
    body = b"List-Unsubscribe=One-Click"
    head = (
        "POST /unsubscribe?token={} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    for token in tokens:
        if interval:
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            due += interval
        started = time.perf_counter()
        writer.write(head.format(token).encode() + body)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) != b"\r\n":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        statuses.append(int(status_line.split()[1]))
    writer.close()


async def load(
    port: int, tokens: list[str], clients: int, rate: float = 0.0
) -> tuple[float, list[float], list[int]]:
    """All tokens over `clients` connections: as fast as answered, or at `rate` a second in all."""
    latencies: list[float] = []
    statuses: list[int] = []
    shares = [tokens[i::clients] for i in range(clients)]
    interval = clients / rate if rate else 0.0
    started = time.perf_counter()
    await asyncio.gather(*(client(port, share, latencies, statuses, interval) for share in shares))
    return time.perf_counter() - started, latencies, statuses


SLOW_HEAD = b"GET /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\n"


async def slow_client(port: int, open_now, shed) -> None:
    """One slow connection after another: a header line a second, never the blank line."""
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        with open_now.get_lock():
            open_now.value += 1
        try:
            writer.write(SLOW_HEAD)
            while True:
                writer.write(b"X-Slow: a\r\n")
                try:
                    await asyncio.wait_for(reader.read(1024), 1.0)
                    break  # an answer (408, 503) or a close: the server let go of us
                except TimeoutError:
                    continue
        except OSError:
            pass
        finally:
            with open_now.get_lock():
                open_now.value -= 1
            with shed.get_lock():
                shed.value += 1
            writer.close()


def slow_clients(port: int, n: int, open_now, shed) -> None:
    """The slow connections' process: n of them, staggered over the first second.

    It runs at a lower priority: on a 2-core machine the attackers' own CPU (about 7% of a
    core for 1,000) would otherwise be taken from the server, which never pays it for real.
    """
    os.nice(10)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 256)), hard))

    async def all_of_them() -> None:
        tasks = []
        for _ in range(n):
            tasks.append(asyncio.create_task(slow_client(port, open_now, shed)))
            await asyncio.sleep(1.0 / n)
        await asyncio.gather(*tasks)

    asyncio.run(all_of_them())


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def sampled_load(
    port: int, tokens: list[str], clients: int, rate: float, open_now, samples: list[int]
) -> tuple[float, list[float], list[int]]:
    """`load`, noting the slow connections open every quarter of a second meanwhile."""

    async def sample() -> None:
        while True:
            samples.append(open_now.value)
            await asyncio.sleep(0.25)

    sampler = asyncio.create_task(sample())
    try:
        return await load(port, tokens, clients, rate)
    finally:
        sampler.cancel()


def run(n: int, clients: int, workers: int, rate: float, slow: int = 0, server=None) -> dict:
    """n one-clicks (the first 200 warm up, not counted) over `clients` connections, at `rate`
    a second (0: as fast as answered), while `slow` slow connections stay open beside them."""
    context = multiprocessing.get_context("fork")
    open_now, shed = context.Value("i", 0), context.Value("i", 0)
    samples: list[int] = []
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        root = Path(tmp)
        tokens = make_workspace(root, n, server)
        process, port = start_server(root, workers)
        slow_process = context.Process(target=slow_clients, args=(port, slow, open_now, shed))
        if slow:
            slow_process.start()
        try:
            deadline = time.monotonic() + 30
            while open_now.value < slow * 0.95 and time.monotonic() < deadline:
                time.sleep(0.1)
            asyncio.run(load(port, tokens[:200], clients))  # warm up (not counted)
            shed_before = shed.value
            cpu_before = cpu_seconds(process.pid)
            elapsed, latencies, statuses = asyncio.run(
                sampled_load(port, tokens[200:], clients, rate, open_now, samples)
            )
            shed_during = shed.value - shed_before
            server_cpu = (cpu_seconds(process.pid) - cpu_before) / elapsed
        finally:
            if slow:
                slow_process.terminate()
                slow_process.join(10)
            process.terminate()
            process.wait(20)
        unsubscribed = count_unsubscribed(root)
    latencies.sort()
    done = len(latencies)
    return {
        "backend": "PostgreSQL" if server is not None else "SQLite",
        "offered": f"{rate:,.0f}/s" if rate else "as fast as answered",
        "workers": workers,
        "requests": done,
        "rate": done / elapsed,
        "p50": latencies[done // 2] * 1000,
        "p99": latencies[int(done * 0.99)] * 1000,
        "max": latencies[-1] * 1000,
        "slow_min": min(samples) if samples else 0,
        "slow_mean": statistics.fmean(samples) if samples else 0,
        "shed": shed_during,
        "cpu": server_cpu * 100,  # the serve process's own (with workers, their parent's only)
        "ok": statuses.count(200) == done,
        "committed": unsubscribed == n,
    }


def main_slow(args: argparse.Namespace) -> None:
    print(f"machine probe: {cpu_probe():.2f} s (0.19 s at its quickest)")
    print(
        "| offered | slow connections | honest requests | p50 ms | p99 ms | max ms "
        "| slow open (min–mean) | slow ones closed by serve | serve CPU % | all 200 "
        "| all committed |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for rate in (float(r) for r in args.rates.split(",")):
        for slow in (0, args.slow):  # the same run without them: what the machine gives now
            r = run(args.requests + 200, args.clients, 1, rate, slow)
            print(
                f"| {r['offered']} | {slow:,} | {r['requests']:,} | {r['p50']:.1f} "
                f"| {r['p99']:.1f} | {r['max']:.1f} | {r['slow_min']:,}–{r['slow_mean']:,.0f} "
                f"| {r['shed']:,} | {r['cpu']:.0f} | {'yes' if r['ok'] else 'NO'} "
                f"| {'yes' if r['committed'] else 'NO'} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--backends",
        default="sqlite",
        help="sqlite, postgresql (a throwaway PostgreSQL 15 cluster), or both: sqlite,postgresql",
    )
    parser.add_argument(
        "--rates",
        default=None,
        help="offered rates to run (0: closed loop, each client as fast as it is answered); "
        "default 0,500,800, or 500 with --slow",
    )
    parser.add_argument(
        "--slow",
        type=int,
        default=0,
        help="run beside this many slow connections (a slowloris) and report the honest p99",
    )
    args = parser.parse_args()
    if args.slow:
        args.rates = args.rates or "500"
        main_slow(args)
        return
    args.rates = args.rates or "0,500,800"
    print(f"machine probe: {cpu_probe():.2f} s (0.19 s at its quickest)")
    print(
        "| backend | offered | workers | requests | unsubscribes/s | p50 ms | p99 ms | max ms "
        "| all 200 | all committed |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    for backend in args.backends.split(","):
        with cluster_for(backend) as server:
            for workers in (int(w) for w in args.workers.split(",")):
                for rate in (float(r) for r in args.rates.split(",")):
                    r = run(args.requests + 200, args.clients, workers, rate, server=server)
                    print(
                        f"| {r['backend']} | {r['offered']} | {r['workers']} "
                        f"| {r['requests']:,} | {r['rate']:,.0f} | {r['p50']:.1f} "
                        f"| {r['p99']:.1f} | {r['max']:.1f} | {'yes' if r['ok'] else 'NO'} "
                        f"| {'yes' if r['committed'] else 'NO'} |",
                        flush=True,
                    )


@contextlib.contextmanager
def cluster_for(backend: str):
    """None for SQLite; a durable throwaway PostgreSQL 15 cluster for postgresql."""
    if backend == "sqlite":
        yield None
        return
    if backend != "postgresql":
        raise SystemExit(f"--backends: {backend!r}: say sqlite or postgresql")
    from tests.support.postgres_server import postgres_cluster

    with postgres_cluster(durable=True) as server:
        yield server
    os.environ.pop("NEWSLETTER_DATABASE_URL", None)


if __name__ == "__main__":
    main()
