"""Benchmark: `newsletter bounces process` on an mbox of 10,000 delivery status notifications.

    .venv/bin/python bench/bench_bounces.py [--reports 10000] [--subscribers 20000]

Builds a workspace with N subscribers and an mbox of DSNs (hard and soft,
each returning one of our keyed list Message-IDs, as tests/support/bounce_messages.py
makes them), then times the whole `newsletter bounces process` command as its own
process, twice: the first run applies every report, the second finds them all
already processed.  Target on the 2-core reference machine: under 5 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from probe import cpu_probe  # noqa: E402

from tests.support.bounce_messages import dsn, list_message_id, write_mbox  # noqa: E402

SETTINGS = 'name = "The Bench Brief"\nfrom = "The Bench Brief <digest@example.org>"\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=20_000)
    args = parser.parse_args()
    print(f"machine probe: {cpu_probe():.2f} s (0.19 s at its quickest)")
    from newsletter.config import load_settings
    from newsletter.subscribers.database import open_database, utc_now
    from newsletter.subscribers.keys import UNSUBSCRIBE_KEY, stored_key

    with tempfile.TemporaryDirectory(prefix="bench-bounces-") as tmp:
        root = Path(tmp)
        (root / "newsletter.toml").write_text(SETTINGS)
        emails = [f"reader{i:06d}@example.org" for i in range(args.subscribers)]
        conn = open_database(root / "newsletter.db")
        now = utc_now()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO subscribers (email, created, updated) VALUES (?, ?, ?)",
            [(e, now, now) for e in emails],
        )
        conn.execute("COMMIT")
        secret = stored_key(conn, UNSUBSCRIBE_KEY)  # the workspace key the stamps are made with
        conn.close()
        list_id = load_settings(root)[0].list_identifier
        reports = [
            dsn(
                f"<dsn{i}@mx.example.net>",
                emails[i % len(emails)],
                "5.1.1" if i % 3 else "4.2.2",
                original_id=list_message_id(
                    f"2026-W{40 + i % 8}", emails[i % len(emails)], secret=secret, list_id=list_id
                ),
            )
            for i in range(args.reports)
        ]
        box = write_mbox(root / "bounces.mbox", reports)
        size = box.stat().st_size
        for label in ("first run", "second run (all already processed)"):
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "newsletter", "bounces", "process", str(box)],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            )
            elapsed = time.perf_counter() - started
            print(f"{label}: {elapsed:.2f} s for {args.reports:,} reports ({size / 1e6:.1f} MB)")
            print("  " + result.stdout.splitlines()[0])
        conn = sqlite3.connect(root / "newsletter.db")
        print(
            "  bounced now:",
            conn.execute("SELECT count(*) FROM subscribers WHERE status = 'bounced'").fetchone()[0],
        )
        conn.close()


if __name__ == "__main__":
    main()
