"""`newsletter serve` as its own process, for the tests that need a real one (signals, limits)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def serve_process(
    root, *args: str, preexec_fn=None, log: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """`newsletter serve --port 0 …` as its own process, as an editor runs it; its base URL.

    Its standard error (the request log) goes to `log` when given, for the test to read after
    the process ends; a serve that does not start fails the test with what it said there.
    """
    with open(log or os.devnull, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsletter", "serve", "--port", "0", *args],
            cwd=root,
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            preexec_fn=preexec_fn,
        )
    line = process.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not found:
        process.kill()
        process.wait(10)
        said = log.read_text() if log else ""
        pytest.fail(f"serve did not start: {line} {said}")
    return process, found.group(0)


@contextlib.contextmanager
def running_serve(root, *args: str) -> Iterator[str]:
    """`serve_process` for the block: its base URL, and the process ended (SIGTERM) after."""
    process, url = serve_process(root, *args)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        assert process.stdout is not None
        process.stdout.close()


def wait_until_answering(url: str, seconds: float = 20) -> None:
    """Until GET /subscribe answers 200 (workers import the app after the port is bound)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/subscribe", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} never answered")
        time.sleep(0.1)
