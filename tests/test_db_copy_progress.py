"""`db copy` says how far it is on a terminal (a new user's copy of 200,000 readers showed
nothing for 13.6 s), and nothing more than before on a pipe (a cron job's log)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from newsletter.subscribers.database import open_database
from tests.support.fault_commands import environment

READERS = 30_000


def _database(workspace: Path) -> Path:
    """newsletter.db with READERS subscribers."""
    path = workspace / "newsletter.db"
    conn = open_database(path)
    with conn:
        conn.executemany(
            "INSERT INTO subscribers (email, name, status, created, updated)"
            " VALUES (?, ?, 'active', ?, ?)",
            ((f"reader{i:06d}@example.org", f"Reader {i}", "2026-12-06T08:00:00Z",
              "2026-12-06T08:00:00Z") for i in range(READERS)),
        )  # fmt: skip
    conn.close()
    return path


def _copy(workspace: Path, url: str, *, terminal: bool) -> tuple[int, str, str]:
    """`newsletter db copy newsletter.db URL` with standard error on a terminal (a pty) or a
    pipe: the exit code, standard output, and what reached standard error."""
    command = [sys.executable, "-m", "newsletter", "db", "copy", "newsletter.db", url]
    if not terminal:
        done = subprocess.run(
            command, cwd=workspace, env=environment(url), capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(
        command, cwd=workspace, env=environment(url), stdout=subprocess.PIPE, stderr=follower,
        text=True,
    ) as process:  # fmt: skip
        os.close(follower)
        seen = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 120)
            assert ready, "no end within 120 s"
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the process closed its end
                break
            if not chunk:
                break
            seen += chunk
        out = process.stdout.read() if process.stdout is not None else ""
        code = process.wait(timeout=60)
    os.close(leader)
    return code, out, seen.decode("utf-8", "replace")


def test_db_copy_shows_each_table_as_it_goes_on_a_terminal(workspace, postgres_url):
    """On a terminal, standard error shows the table being copied and its rows so far (and
    that it is read back), and clears the line at the end; the summary is unchanged."""
    _database(workspace)
    code, out, err = _copy(workspace, postgres_url, terminal=True)
    assert code == 0, out + err
    assert re.search(r"copying subscribers: \d{1,3}(,\d{3})* of 30,000 rows", err), err
    assert "checking subscribers" in err, err
    assert err.endswith("\r\x1b[K"), repr(err[-80:])  # nothing left on the line
    assert "Copied 30,0" in out and "every table's count and checksum match" in out, out


def test_db_copy_on_a_pipe_prints_only_its_summary(workspace, postgres_url):
    """Standard error a pipe: nothing on it, and standard output is the per-table lines and
    the summary, as before."""
    _database(workspace)
    code, out, err = _copy(workspace, postgres_url, terminal=False)
    assert code == 0, out + err
    assert err == "", err
    lines = out.splitlines()
    assert lines[-2].startswith("Copied ") and all(x.startswith("  ") for x in lines[:-2]), out
    assert lines[-1].startswith("Next: "), out
    assert any(re.match(r"  subscribers +30,000 rows", x) for x in lines), out
