"""`newsletter` run as its own process against a PostgreSQL URL, for the database fault tests.

A test module that uses `start_send` imports `no_send_left_running` too (an autouse fixture).

The commands run as an editor runs them (`python -m newsletter …` in the workspace), with the
database named by NEWSLETTER_DATABASE_URL and its password in NEWSLETTER_DATABASE_PASSWORD.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from tests.support.postgres_server import PASSWORD
from tests.support.send_workspace import ISSUE_ID, Workspace


def environment(url: str, password: str = PASSWORD) -> dict[str, str]:
    """This process's environment with the database at `url` and `password` for it."""
    return {
        **os.environ,
        "NEWSLETTER_DATABASE_URL": url,
        "NEWSLETTER_DATABASE_PASSWORD": password,
        "PYTHONUNBUFFERED": "1",
    }


def newsletter(
    ws: Workspace, *args: str, url: str, password: str = PASSWORD, timeout: float = 180
) -> tuple[int, str]:
    """`python -m newsletter ARGS` in the workspace with its database at `url`: the exit code
    and everything it printed (standard output and error together).  Past `timeout` seconds
    it is killed and the test fails with what it printed so far (a hang says where it hung)."""
    with subprocess.Popen(
        [sys.executable, "-m", "newsletter", *args],
        cwd=ws.root,
        env=environment(url, password),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"`newsletter {' '.join(args)}` still ran after {timeout:.0f} s:\n{output}")
    return process.returncode, output


_STARTED: list[subprocess.Popen[str]] = []


def start_send(ws: Workspace, url: str, *flags: str) -> subprocess.Popen[str]:
    """`newsletter send ISSUE --yes FLAGS` started in the workspace (read its output at the end)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "send", f"issues/{ISSUE_ID}", "--yes", *flags],
        cwd=ws.root,
        env=environment(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _STARTED.append(process)
    return process


@pytest.fixture(autouse=True)
def no_send_left_running() -> Iterator[None]:
    """Kill what `start_send` started and a failing test left running, and close its pipe."""
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(Exception):
            process.communicate(timeout=10)


def send(ws: Workspace, url: str, *flags: str) -> tuple[int, str]:
    """`newsletter send ISSUE --yes FLAGS` in the workspace, to the end."""
    return newsletter(ws, "send", f"issues/{ISSUE_ID}", "--yes", *flags, url=url)


def error_lines(output: str) -> list[str]:
    """The lines of `output` that report an error."""
    return [line for line in output.splitlines() if line.startswith("error:")]


def one_error(output: str) -> str:
    """The one error line of `output`; fails the test when there are none or several, or a
    traceback, or the database password shows."""
    errors = error_lines(output)
    assert len(errors) == 1, output
    assert "Traceback" not in output and PASSWORD not in output, output
    return errors[0]


def import_readers(ws: Workspace, url: str, n: int, *, name: str = "readers.csv") -> list[str]:
    """Import `n` numbered readers through `subscribers import`; return their addresses."""
    emails = [f"reader{i:04d}@example.org" for i in range(n)]
    write_csv(ws, name, emails)
    code, output = newsletter(ws, "subscribers", "import", name, url=url)
    assert code == 0, output
    return emails


def write_csv(ws: Workspace, name: str, emails: list[str]) -> None:
    """A subscribers CSV (email, name, city) in the workspace."""
    rows = "".join(f"{e},Reader,Lima\n" for e in emails)
    (ws.root / name).write_text("email,name,city\n" + rows, "utf-8")


def listed(ws: Workspace, url: str) -> dict[str, str]:
    """`subscribers list`: each address and its status."""
    code, output = newsletter(ws, "subscribers", "list", url=url)
    assert code == 0, output
    return {line.split("\t")[0]: line.split("\t")[-1] for line in output.splitlines() if line}


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
