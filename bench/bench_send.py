"""Benchmark: `newsletter send` against Postfix's smtp-sink, side by side with mailmerge.

    .venv/bin/python bench/bench_send.py [--compare 2000] [--big 100000] [--connections 4,2,8]
                                         [--import-rows 1000000]

Starts smtp-sink on a free 127.0.0.1 port, builds the sample issue in a
throwaway workspace, imports N subscribers from a CSV and runs
`newsletter send --yes` (journal on, as always) as a separate process,
measuring its wall time, its own reported send rate and its peak RSS.  Then
runs the mailmerge CLI (from a separate venv, created with pip when missing)
on the same list, issue and sink, and prints the ratio.

Target on the 2-core reference machine: ≥ 1,500 personalised messages/s with
the journal on, peak RSS < 150 MB at 100,000 subscribers.

smtp-sink comes from the Debian postfix package (`apt-get install postfix`, "No
configuration": no daemon), or without installing it:
    apt-get download postfix && dpkg-deb -x postfix_*.deb /tmp/postfix
(the benchmark looks in PATH, /usr/sbin and /tmp/postfix, or takes --smtp-sink).
mailmerge lives in a venv of its own (its pins are not ours):
    python3 -m venv /tmp/mmvenv && /tmp/mmvenv/bin/pip install mailmerge==2.3.0
(looked for in /tmp/mmvenv and PATH, or --mailmerge).  Either missing, it says so in one
line and exits 1 before it sends anything; `--check-tools` only looks (`make bench` starts so).
`--smtp-sink aiosmtpd` uses aiosmtpd's Sink instead (the test extra's server, much slower
than smtp-sink): for `make bench-smoke`, which checks the benchmark runs, not its numbers.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSLETTER = [sys.executable, "-m", "newsletter"]
ISSUE = "issues/2026-W48"
MAILMERGE_VENV = Path("/tmp/mmvenv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--compare",
        type=int,
        default=2000,
        help="list size for the side-by-side run with mailmerge",
    )
    parser.add_argument("--big", type=int, default=100_000, help="list size for the memory run")
    parser.add_argument(
        "--connections",
        default="4",
        help="connections, or a comma-separated list to compare (the first is "
        "used for the --big run)",
    )
    parser.add_argument(
        "--processes",
        default="0",
        help="[smtp] processes (0: one per core), or a comma-separated list to compare",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of ours at --compare (median)")
    parser.add_argument("--smtp-sink", help="path to smtp-sink, or `aiosmtpd` (a slow sink)")
    parser.add_argument("--skip-mailmerge", action="store_true")
    parser.add_argument("--mailmerge", help="path to the mailmerge command")
    parser.add_argument(
        "--check-tools",
        action="store_true",
        help="only say whether smtp-sink and mailmerge are there (exit 1 naming what is not)",
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=0,
        help="also import a CSV of this many rows on its own and report its peak RSS "
        "(the issue's check: 1,000,000 rows within 150 MB)",
    )
    args = parser.parse_args()
    mailmerge_command = None if args.skip_mailmerge else find_mailmerge(args.mailmerge)
    sink, sink_env = "aiosmtpd", dict(os.environ)
    if args.smtp_sink != "aiosmtpd":
        sink, sink_env = find_smtp_sink(args.smtp_sink)
    if args.check_tools:
        print(f"bench_send: smtp-sink {sink}, mailmerge {mailmerge_command or '(skipped)'}")
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from probe import cpu_probe

    print(f"machine speed probe: {cpu_probe():.3f} s (lower is quicker)", flush=True)
    port = free_port()
    if args.smtp_sink == "aiosmtpd":
        command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
        command += ["-c", "aiosmtpd.handlers.Sink"]
    else:
        root = ["-u", "nobody"] if os.geteuid() == 0 else []
        command = [sink, *root, f"127.0.0.1:{port}", "256"]
    server = subprocess.Popen(
        command, env=sink_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for_port(port)
        rows = []
        counts = [int(c) for c in args.connections.split(",")]
        processes = [int(p) for p in args.processes.split(",")]
        for workers in processes:
            for connections in counts:
                ours = [
                    send_ours(args.compare, port, connections, workers) for _ in range(args.runs)
                ]
                rows.append(
                    (
                        f"newsletter, processes = {workers}",
                        args.compare,
                        connections,
                        median(ours, "wall_rate"),
                        median(ours, "loop_rate"),
                        max(r["rss_mb"] for r in ours),
                    )
                )
                if connections == counts[0] and workers == processes[0]:
                    compared = median(ours, "wall_rate")
        big = send_ours(args.big, port, counts[0], processes[0])
        rows.append(
            (
                f"newsletter, processes = {processes[0]}",
                args.big,
                counts[0],
                big["wall_rate"],
                big["loop_rate"],
                big["rss_mb"],
            )
        )
        mailmerge = None
        if mailmerge_command:
            mailmerge = send_mailmerge(mailmerge_command, args.compare, port)
            rows.append(
                ("mailmerge", args.compare, 1, mailmerge["wall_rate"], None, mailmerge["rss_mb"])
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    print()
    print(
        "| sender | subscribers | connections | msgs/s (process) | msgs/s (send loop) | peak RSS |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, conns, wall, loop, rss in rows:
        loop_text = f"{loop:,.0f}" if loop else "–"
        print(f"| {name} | {n:,} | {conns} | {wall:,.0f} | {loop_text} | {rss:.0f} MB |")
    if mailmerge:
        ratio = compared / mailmerge["wall_rate"]
        print(f"\nnewsletter / mailmerge at {args.compare:,} subscribers: {ratio:.1f}× faster")
    print(f"import of {args.big:,} subscribers from CSV: {big['import_s']:.1f} s")
    print(f"machine speed probe after: {cpu_probe():.3f} s")
    if args.import_rows:
        seconds, rss = import_only(args.import_rows)
        print(f"import of {args.import_rows:,} rows alone: {seconds:.1f} s, peak RSS {rss:.0f} MB")


def import_only(n: int) -> tuple[float, float]:
    """Import an n-row CSV into a fresh workspace; return its wall seconds and peak RSS (MB)."""
    folder = Path(tempfile.mkdtemp(prefix="nl-bench-import-"))
    try:
        shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
        with (folder / "list.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["email", "name", "city"])
            for i in range(n):
                writer.writerow([f"reader{i:07d}@example.org", f"Reader {i}", "Lima"])
        # The child reports its own high-water mark: wait4's ru_maxrss also counts the pages of
        # this (by now much larger) benchmark process that the child had before its exec.
        report = (
            "import atexit, runpy, sys\n"
            "def peak():\n"
            "    for line in open('/proc/self/status'):\n"
            "        if line.startswith('VmHWM:'):\n"
            "            print('PEAK_KB', line.split()[1], flush=True)\n"
            "atexit.register(peak)\n"
            "sys.argv = ['newsletter', 'subscribers', 'import', 'list.csv']\n"
            "runpy.run_module('newsletter', run_name='__main__')\n"
        )
        output, wall, _ = run([sys.executable, "-c", report], folder)
        return wall, int(re.search(r"PEAK_KB (\d+)", output).group(1)) / 1024
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def find_smtp_sink(given: str | None) -> tuple[str, dict[str, str]]:
    """The smtp-sink binary and the environment it needs (its Postfix libraries)."""
    candidates = (
        [given]
        if given
        else [shutil.which("smtp-sink"), "/usr/sbin/smtp-sink", "/tmp/postfix/usr/sbin/smtp-sink"]
    )
    for path in filter(None, candidates):
        if Path(path).is_file():
            env = dict(os.environ)
            libs = Path(path).parent.parent / "lib" / "postfix"
            if libs.is_dir():
                env["LD_LIBRARY_PATH"] = f"{libs}:{env.get('LD_LIBRARY_PATH', '')}".rstrip(":")
            return path, env
    sys.exit(
        f"bench_send: smtp-sink {'not found at ' + given if given else 'not found'} (Postfix's): "
        "apt-get install postfix (No configuration), or --smtp-sink PATH, "
        "or --smtp-sink aiosmtpd (a slow sink)"
    )


def find_mailmerge(given: str | None) -> str:
    """The mailmerge command: --mailmerge, /tmp/mmvenv's, or one on PATH."""
    candidates = [given] if given else [str(MAILMERGE_VENV / "bin" / "mailmerge")]
    candidates += [] if given else [shutil.which("mailmerge")]
    for path in filter(None, candidates):
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
    sys.exit(
        f"bench_send: mailmerge {'not found at ' + given if given else 'not found'}: "
        f"python3 -m venv {MAILMERGE_VENV} && {MAILMERGE_VENV}/bin/pip install mailmerge==2.3.0, "
        "or --skip-mailmerge"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"smtp-sink did not start on 127.0.0.1:{port}")


def workspace(n: int, processes: int = 0) -> Path:
    """A throwaway workspace with the sample issue built and a CSV of n subscribers."""
    folder = Path(tempfile.mkdtemp(prefix="nl-bench-send-"))
    settings = (ROOT / "newsletter.toml").read_text("utf-8")
    settings, found = re.subn(r"(?m)^processes = \d+", f"processes = {processes}", settings)
    if not found:
        sys.exit("newsletter.toml has no `processes = ` line in [smtp] to set")
    (folder / "newsletter.toml").write_text(settings, "utf-8")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    run([*NEWSLETTER, "build", "seeds", "--date", "2026-11-26"], folder)
    with (folder / "list.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "name", "city"])
        for i in range(n):
            writer.writerow([f"reader{i:06d}@example.org", f"Reader {i}", "Lima"])
    return folder


def run(command: list[str], cwd: Path) -> tuple[str, float, float]:
    """Run a process; return its output, wall seconds and peak RSS in MB."""
    env = {**os.environ, "NEWSLETTER_UNSUBSCRIBE_SECRET": "bench-secret-0123456789abcdef"}
    env.pop("NEWSLETTER_SMTP_PASSWORD", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{output[-2000:]}")
    return output, wall, usage.ru_maxrss / 1024


def send_ours(n: int, port: int, connections: int, processes: int) -> dict[str, float]:
    """Import n subscribers, send to them all, check the journal; return the measurements."""
    folder = workspace(n, processes)
    try:
        _, import_s, import_rss = run([*NEWSLETTER, "subscribers", "import", "list.csv"], folder)
        output, wall, rss = run(
            [
                *NEWSLETTER,
                "send",
                ISSUE,
                "--yes",
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                str(port),
                "--smtp-security",
                "none",
                "--connections",
                str(connections),
            ],
            folder,
        )
        with sqlite3.connect(folder / "newsletter.db") as db:
            sent = db.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
        if sent != n:
            sys.exit(f"only {sent} of {n} journaled as sent:\n{output[-2000:]}")
        loop = float(re.search(r"\(([\d,]+)/s\)\.", output).group(1).replace(",", ""))
        result = {"wall_rate": n / wall, "loop_rate": loop, "rss_mb": rss, "import_s": import_s}
        print(
            f"newsletter  p={processes} n={n:>7,}  {result['wall_rate']:>6,.0f}/s process  "
            f"{loop:>6,.0f}/s loop  "
            f"peak RSS {rss:.0f} MB  (import {import_s:.1f} s, {import_rss:.0f} MB)",
            flush=True,
        )
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def send_mailmerge(mailmerge: str, n: int, port: int) -> dict[str, float]:
    """The same issue and list through the mailmerge CLI (its own venv), to the same sink."""
    folder = workspace(n)
    try:
        write_mailmerge_files(folder, port)
        _, wall, rss = run(
            [
                mailmerge,
                "--no-dry-run",
                "--no-limit",
                "--output-format",
                "raw",
                "--template",
                "template.txt",
                "--database",
                "database.csv",
                "--config",
                "server.conf",
            ],
            folder,
        )
        result = {"wall_rate": n / wall, "rss_mb": rss}
        print(
            f"mailmerge   n={n:>7,}  {result['wall_rate']:>6,.0f}/s process  peak RSS {rss:.0f} MB",
            flush=True,
        )
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_mailmerge_files(folder: Path, port: int) -> None:
    """mailmerge's template (the sample issue's text and HTML), database and server config."""
    sys.path.insert(0, str(ROOT))
    from newsletter.config import load_settings
    from newsletter.issue.built import read_built_issue
    from newsletter.mail.unsubscribe import unsubscribe_links

    settings, _ = load_settings(folder)
    built = read_built_issue(folder / ISSUE)
    os.environ["NEWSLETTER_UNSUBSCRIBE_SECRET"] = "bench-secret-0123456789abcdef"
    links = unsubscribe_links(settings)

    def jinja(body: str) -> str:
        raw = "{% raw %}" + body + "{% endraw %}"
        return re.sub(
            r"%%(name|email|unsubscribe_url|field\.city)%%",
            lambda m: "{% endraw %}{{ " + m.group(1).replace("field.", "") + " }}{% raw %}",
            raw,
        )

    boundary = "mailmerge-bench-boundary"
    template = (
        "TO: {{ name }} <{{ email }}>\n"
        f"FROM: {settings.from_address}\n"
        f"SUBJECT: {built.rendered.subject}\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{jinja(built.rendered.text)}\n"
        f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n{jinja(built.rendered.html)}\n"
        f"--{boundary}--\n"
    )
    (folder / "template.txt").write_text(template, "utf-8")
    with (
        (folder / "list.csv").open(newline="") as src,
        (folder / "database.csv").open("w", newline="") as out,
    ):
        reader, writer = csv.DictReader(src), csv.writer(out)
        writer.writerow(["email", "name", "city", "unsubscribe_url"])
        for row in reader:
            writer.writerow([row["email"], row["name"], row["city"], links.url_for(row["email"])])
    (folder / "server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\nratelimit = 0\n"
    )


def median(results: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in results)


if __name__ == "__main__":
    main()
