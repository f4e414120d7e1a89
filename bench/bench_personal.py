"""Benchmark: the sender's per-message CPU, in-process, one thread, no network.

    .venv/bin/python bench/bench_personal.py [--readers 20000] [--runs 3] [--against DIR]

Builds the sample issue (a 19 KB multipart message) in a throwaway workspace, then
times, per message: personalising one list copy (`Composer.message_for(reader,
list_copy=True)`: header lines, signed token, merge values, the message joined) and
the wire step (`wire_bytes(message.data)`: what DATA carries).  Each copy is dropped
once made, as the sender does.  Targets: ≤ 25 µs and ≤ 5 µs.

`--against DIR` also measures another checkout of the package (DIR holds its newsletter/,
byte-compiled; e.g. `git archive <commit> newsletter`), alternating with this one in
separate processes, and prints both.  Read the numbers with the machine speed probe
printed beside them (bench/probe.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from probe import cpu_probe

ROOT = Path(__file__).resolve().parent.parent
SECRET = {"NEWSLETTER_UNSUBSCRIBE_SECRET": "bench-secret-0123456789abcdef"}


def measure(folder: Path, readers: int) -> dict[str, float]:
    """Best-of-5 µs per message for personalising and for the wire step, in this process."""
    from newsletter.config import load_settings
    from newsletter.mail.personalize import Recipient
    from newsletter.send.composer import prepare_issue
    from newsletter.send.smtp import wire_bytes

    os.chdir(folder)
    settings, _ = load_settings(folder)
    composer = prepare_issue(folder / "issues" / "2026-W48", settings)
    people = [
        Recipient(f"reader{i:06d}@example.org", f"Reader {i}", {"city": "Lima"})
        for i in range(readers)
    ]

    def best_us(step, items) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for item in items:
                step(item)
            best = min(best, time.perf_counter() - start)
        return best / len(items) * 1e6

    messages = [composer.message_for(r, list_copy=True).data for r in people[:5000]]
    return {
        "personalise_us": best_us(lambda r: composer.message_for(r, list_copy=True), people),
        "wire_us": best_us(wire_bytes, messages),
        "size": len(messages[0]),
    }


def in_process(folder: Path, readers: int, checkout: Path) -> dict[str, float]:
    """`measure` in a fresh process importing the package from `checkout`."""
    env = {**os.environ, **SECRET, "PYTHONPATH": str(checkout.resolve())}
    command = [sys.executable, __file__, "--measure", str(folder), "--readers", str(readers)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout to measure alongside")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.readers)))
        return
    folder = Path(tempfile.mkdtemp(prefix="nl-bench-personal-"))
    try:
        shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
        shutil.copytree(ROOT / "seeds", folder / "seeds")
        build = [sys.executable, "-m", "newsletter", "build", "seeds", "--date", "2026-11-26"]
        subprocess.run(build, cwd=folder, check=True, capture_output=True)
        checkouts = [ROOT] + ([args.against] if args.against is not None else [])
        for run in range(1, args.runs + 1):
            print(f"run {run}: machine speed probe {cpu_probe():.3f} s")
            for checkout in checkouts:
                r = in_process(folder, args.readers, checkout)
                print(
                    f"  {checkout}: personalise {r['personalise_us']:.1f} µs, "
                    f"wire {r['wire_us']:.1f} µs per message ({r['size']:,} bytes)"
                )
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
