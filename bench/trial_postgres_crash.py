"""The outside trial of a PostgreSQL crash with a sender killed during it: readers mailed twice.

Two workspaces (two hosts) send one issue to N readers, each through its own recording relay
with a few temporary failures (6% a 451 at RCPT, 2% a 421 after the message, as
tests/test_send_two_hosts.py's); mid-send the server stops at once (`pg_ctl stop -m
immediate`, a crash: PostgreSQL's own defaults, so acknowledged commits that waited for no
flush are lost) for `--outage` seconds, and host A is killed -9 `--kill-after` seconds into
it.  Once the server is back A is run again; every run goes to its end (a host that stops
with readers held for the other is run again after it).  Printed: each reader's copies over
both relays (doubles, lost), and what the runs said.

`--tree PATH`: the newsletter source tree the senders run from (PYTHONPATH), to measure the
code before a change against the code after, alternately:

    git archive <commit> | tar -x -C /tmp/before
    python bench/trial_postgres_crash.py --tree /tmp/before --trials 1
    python bench/trial_postgres_crash.py --trials 1

Not a timed benchmark: it counts copies (docs/postgresql-measurements.md, "Built (part 9)").
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests/support


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="readers")
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--tree", help="the source tree to send from (default: this one)")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds the server is down")
    parser.add_argument("--kill-after", type=float, default=1.5, help="seconds into it")
    parser.add_argument("--crash-at", type=float, default=0.3, help="share of N sent first")
    parser.add_argument(
        "--no-outage",
        action="store_true",
        help="the judged check: host A killed -9 at --crash-at with the server up, then re-run",
    )
    parser.add_argument(
        "--unsubscribed-every", type=int, default=41, help="every Nth reader is unsubscribed"
    )
    args = parser.parse_args()
    from tests.support.postgres_server import PASSWORD, postgres_cluster
    from tests.support.send_workspace import build_sample_issue

    tree = str(Path(args.tree or Path(__file__).resolve().parent.parent).resolve())
    with postgres_cluster(durable=True) as server:
        base = Path(tempfile.mkdtemp(prefix="newsletter-trial-"))
        try:
            built = base / "built"
            built.mkdir()
            build_sample_issue(built)
            for trial in range(args.trials):
                env = {
                    **os.environ,
                    "PYTHONPATH": tree,
                    "NEWSLETTER_DATABASE_PASSWORD": PASSWORD,
                    "NEWSLETTER_DATABASE_URL": server.url(server.new_database()),
                    "NEWSLETTER_TEST_UNSUBSCRIBE_SECRET": "trial-secret-0123456789abcdef",
                }
                one_trial(server, built, base / f"trial-{trial}", env, args)
        finally:
            shutil.rmtree(base, ignore_errors=True)


def one_trial(server, built: Path, root: Path, env: dict[str, str], args) -> None:
    from tests.support.smtp_server import RecordingHandler, smtp_server

    began = time.monotonic()
    hosts = [root / "host-a", root / "host-b"]
    shutil.copytree(built, hosts[0])
    emails = [f"reader{i:05d}@example.org" for i in range(args.n)]
    gone = set(emails[:: args.unsubscribed_every])  # imported unsubscribed: never mailed
    rows = "".join(f"{e},Reader,Lima,{'unsubscribed' if e in gone else 'active'}\n" for e in emails)
    (hosts[0] / "readers.csv").write_text("email,name,city,status\n" + rows, "utf-8")
    run(hosts[0], env, "subscribers", "import", "readers.csv")
    shutil.copytree(hosts[0], hosts[1])
    relays = RecordingHandler(pipelining=True), RecordingHandler(pipelining=True)
    flaky(relays, emails, seed=18)
    said: list[str] = []
    with smtp_server(handler=relays[0]) as one, smtp_server(handler=relays[1]) as two:
        flags = [relay.send_flags for relay in (one, two)]
        sends = [start(host, env, flag) for host, flag in zip(hosts, flags, strict=True)]

        def received() -> int:
            return len(relays[0].received) + len(relays[1].received)

        while received() < args.crash_at * args.n:
            assert all(s.poll() is None for s in sends), "a send ended before the crash"
            time.sleep(0.01)
        at_crash = received()
        steps = [(args.kill_after, "kill"), (args.outage, "start")]
        if args.no_outage:
            steps = [(0.0, "kill")]
        else:
            server.stop()
        down = time.monotonic()
        for at, act in sorted(steps):
            time.sleep(max(0.0, at - (time.monotonic() - down)))
            if act == "start":
                server.start()
            else:
                sends[0].send_signal(signal.SIGKILL)
                sends[0].wait(timeout=30)
                at_kill = {r.rcpt_tos[0].lower() for r in relays[0].received}
                # A's last messages: one a connection may be in flight (2 processes x 4)
                last_8 = {r.rcpt_tos[0].lower() for r in relays[0].received[-8:]}
        kept = sorted(p.name for p in hosts[0].glob("postgresql-send.unjournaled*"))
        in_files = {
            line.split("\t")[1]
            for p in hosts[0].glob("postgresql-send.unjournaled*")
            for line in p.read_text("utf-8", "replace").replace("\0", "").splitlines()
        }
        code, output = run(hosts[0], env, "send", "issues/2026-W48", "--yes", *flags[0])
        said.append(f"A re-run: exit {code}: " + last_lines(output))
        output = sends[1].communicate(timeout=900)[0]
        said.append(f"B: exit {sends[1].returncode}: " + last_lines(output))
        if sends[1].returncode != 0:  # readers held for A's re-run, or stopped: run again
            code, output = run(hosts[1], env, "send", "issues/2026-W48", "--yes", *flags[1])
            said.append(f"B re-run: exit {code}: " + last_lines(output))
    counts: dict[str, int] = {}
    for relay in relays:
        for email, n in relay.by_recipient().items():
            counts[email] = counts.get(email, 0) + n
    doubled = sorted(e for e, n in counts.items() if n > 1)
    doubles = len(doubled)
    active = set(emails) - gone
    lost = len(active - set(counts))
    unsubscribed_mailed = len(gone & set(counts))
    # a double is accounted for by the kill when one copy went through A's relay before it
    before_kill = sum(1 for e in doubled if e in at_kill)
    in_flight = sum(1 for e in doubled if e in last_8)
    shares = [len(relay.received) for relay in relays]
    said.append(f"the trial took {time.monotonic() - began:.1f} s (import included)")
    print(f"{root.name}: {'kill' if args.no_outage else 'crash'} at {at_crash} received "
          f"(A's relay {len(at_kill)} at the kill); A's files after the kill: {kept}",
          flush=True)  # fmt: skip
    for line in said:
        print("  " + line, flush=True)
    print(f"  doubles {doubles} ({before_kill} sent by A before the kill, {in_flight} among "
          f"A's last 8 before it), lost {lost}, "
          f"unsubscribed mailed {unsubscribed_mailed}, copies {sum(counts.values())} of "
          f"{len(active)} active, shares {shares}", flush=True)  # fmt: skip
    for email in doubled[:20]:  # where each copy went, and what A's files said of the reader
        where = [relay.by_recipient().get(email, 0) for relay in relays]
        print(f"    {email}: copies by relay {where}, sent by A before the kill "
              f"{email in at_kill} (last 8: {email in last_8}), in A's files "
              f"{email in in_files}", flush=True)  # fmt: skip


def flaky(handlers, emails: list[str], seed: int) -> None:
    pick = random.Random(seed)
    for email in emails:
        roll = pick.random()
        stage, reply = (
            ("rcpt", "451 4.3.0 try again later") if roll < 0.06
            else ("data", "421 4.3.2 closing, try again later") if roll < 0.08
            else ("", "")
        )  # fmt: skip
        for handler in handlers if stage else ():
            handler.fail(email, stage, reply)


def start(host: Path, env: dict[str, str], flags: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newsletter", "send", "issues/2026-W48", "--yes", *flags],
        cwd=host,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run(host: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", *args],
        cwd=host,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return done.returncode, done.stdout + done.stderr


def last_lines(output: str) -> str:
    keep = ("Recorded", "mailed again", "error:", "held", "Issue ", "cannot save")
    return " | ".join(line.strip() for line in output.splitlines() if line.strip().startswith(keep)
                      or "mailed again" in line)  # fmt: skip


if __name__ == "__main__":
    main()
