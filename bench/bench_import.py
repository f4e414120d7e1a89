"""Benchmark: `newsletter subscribers import` and `export` of a big list, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--backend both|sqlite|postgresql]
                                           [--durable]

Writes a CSV of ROWS readers (email, name, first_name, city, plan) into a throwaway workspace,
then for each backend runs, each as a process of its own: `subscribers import list.csv` into
an empty list, `subscribers import` of the same file again (every row already on the list:
the "unchanged" path), and `subscribers export` to a file.  Each prints its wall time, rows a
second and peak RSS (the process's own ru_maxrss).  PostgreSQL is a throwaway cluster
(tests/support/postgres_server.py) with the tests' speed settings (fsync off) unless
`--durable`.  Every import checks its report says ROWS added (or unchanged) and every export
that it holds ROWS rows.  The issue's target: 1,000,000 into PostgreSQL in <= 60 s, < 150 MB.
The load average is printed beside each number: the machine is shared.
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
NEWSLETTER = [str(Path(sys.executable).with_name("newsletter"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="readers in the file")
    parser.add_argument(
        "--backend", choices=("both", "sqlite", "postgresql"), default="both", help="which"
    )
    parser.add_argument("--durable", action="store_true", help="PostgreSQL with fsync on")
    args = parser.parse_args()
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
                measure(folder, args.rows, env, "PostgreSQL")
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


def measure(folder: Path, rows: int, env: dict[str, str], name: str) -> None:
    """Import into an empty list, import again, export; one line each."""
    (folder / "newsletter.db").unlink(missing_ok=True)
    out = folder / "export.csv"
    out.unlink(missing_ok=True)
    imported = ["subscribers", "import", "list.csv"]
    for what, expected in (("import", "added"), ("re-import", "unchanged")):
        output, wall, rss = run([*NEWSLETTER, *imported], folder, env)
        found = re.search(rf"(\d[\d,]*) {expected}", output)
        if not found or int(found.group(1).replace(",", "")) != rows:
            sys.exit(f"{name} {what}: expected {rows} {expected}, got:\n{output}")
        report(name, what, rows, wall, rss)
    output, wall, rss = run([*NEWSLETTER, "subscribers", "export", str(out)], folder, env)
    with out.open(encoding="utf-8") as f:
        exported = sum(1 for _ in f) - 1
    if exported != rows:
        sys.exit(f"{name} export: expected {rows} rows, found {exported}:\n{output}")
    report(name, "export", rows, wall, rss)


def report(name: str, what: str, rows: int, wall: float, rss: float) -> None:
    load = os.getloadavg()[0]
    print(
        f"{name:<10} {what:<9} {rows:>9,} rows  {wall:7.1f} s  {rows / wall:>9,.0f} rows/s"
        f"  peak {rss:5.0f} MB  (load {load:.1f})",
        flush=True,
    )


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[str, float, float]:
    """Run a process; its output, wall seconds and peak RSS in MB (exit on failure)."""
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
    return output, wall, usage.ru_maxrss / 1024


if __name__ == "__main__":
    main()
