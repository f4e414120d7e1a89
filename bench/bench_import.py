"""Benchmark: `newsletter subscribers import` and `export` of a big list, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--backend both|sqlite|postgresql]
                                           [--durable]

Writes a CSV of ROWS readers (email, name, first_name, city, plan) into a throwaway workspace,
then for each backend runs, each as a process of its own: `subscribers import list.csv` into
an empty list, `subscribers import` of the same file again (every row already on the list:
the "unchanged" path), and `subscribers export` to a file.  Each prints its wall time, rows a
second, peak RSS (the process's own ru_maxrss) and the CPU seconds it took: the command's own
and, on PostgreSQL, the server's (its backends' time, as the postmaster reaps them): on a
shared machine wall time also counts the waiting for a core.  PostgreSQL is a throwaway cluster
(tests/support/postgres_server.py) with the tests' speed settings (fsync off) unless
`--durable`.  Every import checks its report says ROWS added (or unchanged) and every export
that it holds ROWS rows.  The issue's target: 1,000,000 into PostgreSQL in <= 60 s, < 150 MB.
The machine probe (bench/probe.py) is printed first and the load average beside each number:
the machine is shared.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(ROOT))  # tests/support: the cluster
from probe import cpu_probe  # noqa: E402

NEWSLETTER = [str(Path(sys.executable).with_name("newsletter"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="readers in the file")
    parser.add_argument(
        "--backend", choices=("both", "sqlite", "postgresql"), default="both", help="which"
    )
    parser.add_argument("--durable", action="store_true", help="PostgreSQL with fsync on")
    args = parser.parse_args()
    print(f"probe: {cpu_probe():.2f} s (0.19 s when the machine is at its quickest)", flush=True)
    folder = workspace(args.rows)
    try:
        with ExitStack() as stack:
            if args.backend in ("both", "sqlite"):
                measure(folder, args.rows, dict(os.environ), "SQLite")
            if args.backend in ("both", "postgresql"):
                from tests.support.postgres_server import PASSWORD, postgres_cluster

                server = stack.enter_context(postgres_cluster(durable=args.durable))
                env = {
                    **os.environ,
                    "NEWSLETTER_DATABASE_PASSWORD": PASSWORD,
                    "NEWSLETTER_DATABASE_URL": server.url(server.new_database()),
                }
                measure(folder, args.rows, env, "PostgreSQL", server.root / "data")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def workspace(rows: int) -> Path:
    """A throwaway workspace (the repository's newsletter.toml) and a CSV of `rows` readers."""
    folder = Path(tempfile.mkdtemp(prefix="nl-bench-import-"))
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    with (folder / "list.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "name", "first_name", "city", "plan"])
        for i in range(rows):
            writer.writerow(
                [f"reader{i:07d}@example.org", f"Reader {i}", "Reader", "Lima", "yearly"]
            )
    return folder


def measure(
    folder: Path, rows: int, env: dict[str, str], name: str, data: Path | None = None
) -> None:
    """Import into an empty list, import again, export; one line each (`data`: the cluster's)."""
    (folder / "newsletter.db").unlink(missing_ok=True)
    out = folder / "export.csv"
    out.unlink(missing_ok=True)
    imported = ["subscribers", "import", "list.csv"]
    for what, expected in (("import", "added"), ("re-import", "unchanged")):
        output, wall, rss, cpu = run([*NEWSLETTER, *imported], folder, env, data)
        found = re.search(rf"(\d[\d,]*) {expected}", output)
        if not found or int(found.group(1).replace(",", "")) != rows:
            sys.exit(f"{name} {what}: expected {rows} {expected}, got:\n{output}")
        report(name, what, rows, wall, rss, cpu)
    output, wall, rss, cpu = run(
        [*NEWSLETTER, "subscribers", "export", str(out)], folder, env, data
    )
    with out.open(encoding="utf-8") as f:
        exported = sum(1 for _ in f) - 1
    if exported != rows:
        sys.exit(f"{name} export: expected {rows} rows, found {exported}:\n{output}")
    report(name, "export", rows, wall, rss, cpu)


def report(
    name: str, what: str, rows: int, wall: float, rss: float, cpu: tuple[float, float | None]
) -> None:
    load = os.getloadavg()[0]
    server = f" + server {cpu[1]:.1f}" if cpu[1] is not None else ""
    print(
        f"{name:<10} {what:<9} {rows:>9,} rows  {wall:7.1f} s  {rows / wall:>9,.0f} rows/s"
        f"  peak {rss:5.0f} MB  cpu {cpu[0]:.1f}{server} s  (load {load:.1f})",
        flush=True,
    )


def server_cpu(data: Path | None) -> float | None:
    """CPU seconds the cluster's ended backends have used (the postmaster's reaped children)."""
    if data is None:
        return None
    pid = (data / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime


def reaped_cpu(data: Path | None, before: float | None) -> float | None:
    """server_cpu once the command's backend is reaped: on a busy machine that may take more
    than a moment after the command ends (its CPU was once counted with the next command's).
    Waits (10 s at most) until no client backend is left and the count has moved."""
    if data is None or before is None:
        return None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        now = server_cpu(data)
        if now is not None and now > before and _backends_gone(data):
            break
        time.sleep(0.1)
    return server_cpu(data)


def _backends_gone(data: Path) -> bool:
    """True when the postmaster has no client backend left, running or not yet reaped (its
    other children, the checkpointer and such, remain)."""
    pid = (data / "postmaster.pid").read_text().split()[0]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # reaped meanwhile
        # "postgres: user db 127.0.0.1(port) …"; a backend that exited but is not yet reaped
        # is a zombie with no command line
        if b"127.0.0.1" in command or b"local]" in command or state == "Z":
            return False
    return True


def run(
    command: list[str], cwd: Path, env: dict[str, str], data: Path | None
) -> tuple[str, float, float, tuple[float, float | None]]:
    """Run a process: its output, wall seconds, peak RSS in MB, CPU seconds (its own, the
    server's); exit on failure."""
    before = server_cpu(data)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command[1:])} failed:\n{output}")
    after = reaped_cpu(data, before)

    served = after - before if after is not None and before is not None else None
    return output, wall, usage.ru_maxrss / 1024, (usage.ru_utime + usage.ru_stime, served)


if __name__ == "__main__":
    main()
