"""Benchmark: the SMTP client's own CPU for one message's replies, after a login.

    .venv/bin/python bench/bench_smtp_replies.py [--n 20000] [--runs 5]

No relay and no network: a socketpair, whose far end writes what a pipelining relay
answers (`250`, `250`, `354`, then `250` after the `.`), while the client does what
`send_prepared` does around them: the look for a hung-up relay before MAIL, the three
pipelined replies, the look before the final `.`, and the `.`'s reply.  Logged in
(AUTH PLAIN, answered `235`), so every reply goes through the password hiding.  Prints
µs a message for the whole and for its parts, beside the machine speed probe.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.probe import cpu_probe
from newsletter.send.smtp import _PipeliningClient


def logged_in_client() -> tuple[_PipeliningClient, socket.socket]:
    """A client on one end of a socketpair, logged in with AUTH PLAIN; the far end."""
    ours, theirs = socket.socketpair()
    client = _PipeliningClient(timeout=30)
    client.sock = ours
    ours.settimeout(30)
    client.ehlo_resp = b"bench"
    client.esmtp_features = {"auth": "PLAIN", "pipelining": ""}
    client.does_esmtp = True
    theirs.sendall(b"235 2.7.0 Authentication successful\r\n")
    client.login("editor", "correct horse battery staple")
    theirs.recv(65536)
    return client, theirs


def run(n: int) -> tuple[float, float, float]:
    """µs a message: all, the two looks for a hang-up, the four replies."""
    client, theirs = logged_in_client()
    looks = replies = 0.0
    clock = time.perf_counter
    try:
        for _ in range(n):
            start = clock()
            client._hung_up()
            looks += clock() - start
            theirs.sendall(
                b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
            )
            start = clock()
            for _ in range(3):
                client.getreply()
            replies += clock() - start
            start = clock()
            if client._hung_up():
                raise SystemExit("bench_smtp_replies: the client saw a reply running ahead")
            looks += clock() - start
            theirs.sendall(b"250 2.0.0 Ok: queued as 4ABCDEF\r\n")
            start = clock()
            client.getreply()
            replies += clock() - start
    finally:
        client.close()
        theirs.close()
    return (looks + replies) / n * 1e6, looks / n * 1e6, replies / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages a run")
    parser.add_argument("--runs", type=int, default=5, help="runs (median and best)")
    args = parser.parse_args()
    print(f"machine speed probe: {cpu_probe():.3f} s")
    results = [run(args.n) for _ in range(args.runs)]
    for name, column in zip(
        ("all", "hang-up looks (2)", "replies (4)"), zip(*results, strict=True), strict=True
    ):
        print(
            f"{name:>18}: median {statistics.median(column):.2f} µs/message, best {min(column):.2f}"
        )


if __name__ == "__main__":
    main()
