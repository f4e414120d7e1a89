"""`newsletter preview` as a user runs it: a real process, stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.browser import make_workspace


def test_preview_help_names_its_options():
    """`newsletter preview --help` explains SOURCE, --port, --host, --no-open and --date."""
    result = CliRunner().invoke(app, ["preview", "--help"])
    assert result.exit_code == 0
    for option in ("[SOURCE]", "--port", "--host", "--no-open", "--date"):
        assert option in result.output


@pytest.mark.slow
def test_preview_serves_until_ctrl_c_and_moves_off_a_busy_port(tmp_path):
    """The command says where it serves (another port when 8025-style defaults are taken) and
    Ctrl-C stops it cleanly with exit code 0 and a next step."""
    workspace = make_workspace(tmp_path / "workspace")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        process = _launch_preview(
            workspace, "--no-open", "--port", str(taken), "--date", "2026-11-26"
        )
        try:
            lines = []
            while not any(line.startswith("Watching") for line in lines):
                line = process.stdout.readline()
                assert line, f"the preview ended early: {process.stderr.read()}"
                lines.append(line)
            url = re.search(r"at (http://127\.0\.0\.1:\d+/)", "".join(lines)).group(1)
            assert f":{taken}/" not in url
            with urllib.request.urlopen(f"{url}api/state", timeout=5) as response:
                assert json.load(response)["issue"]["id"] == "2026-W48"
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "Previewing issues/2026-W48/ at http://127.0.0.1:" in "".join(lines)
    assert "the default templates, newsletter.toml: save a change" in lines[-1]
    assert f"warning: port {taken} is taken: using" in err
    assert "Preview stopped. Next:" in out
    assert "Traceback" not in err


def test_the_preview_masks_a_feeds_token_and_escapes_its_control_characters(tmp_path):
    """The preview's start line naming the feed URLs it fetched once, and the error of a first
    build that failed, show a private feed's `user:***@` and `token=***`, and a control
    character in an address as `\\x1b`: both were printed as written, the password on screen
    and an escape sequence to the terminal."""
    workspace = make_workspace(tmp_path / "workspace")
    toml = workspace / "newsletter.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true"), "utf-8"
    )
    with socket.socket() as closed:  # a port nobody listens on: the fetch fails at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    feeds = [f"http://news:hunter2@127.0.0.1:{port}/\x1b[31mred.xml?token=T0KEN"]
    options = ["--no-open", "--port", "0", "--date", "2026-11-26"]
    process = _launch_preview(workspace, "seeds/", *feeds, *options)
    try:
        lines = _start_lines(process)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    said = "".join(lines) + out + err
    shown = f"news:***@127.0.0.1:{port}/\\x1b[31mred.xml?token=***"
    assert shown in lines[-1] and "each save tries them again" in lines[-1]
    assert not any(line.startswith("Feed URLs fetched once") for line in lines)  # it failed
    assert "error: " in err and shown in err, err
    assert "hunter2" not in said and "T0KEN" not in said and "\x1b" not in said


def test_the_preview_names_the_feed_urls_it_fetched_once_and_the_token_masked(tmp_path):
    """A feed URL the first build fetched is named in the start line as fetched once (a save
    rebuilds from its bytes), its token masked; none is said to be not fetched."""
    from tests.test_feed_limits import bad_server, url

    workspace = make_workspace(tmp_path / "workspace")
    toml = workspace / "newsletter.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true"), "utf-8"
    )
    options = ["--no-open", "--port", "0", "--date", "2026-11-26"]
    with bad_server() as server:
        feed = url(server, "/feed.xml?token=T0KEN")
        process = _launch_preview(workspace, "seeds/", feed, *options)
        try:
            lines = _start_lines(process)
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=10)
    assert feed.replace("T0KEN", "***") in lines[-1]
    assert "Feed URLs not fetched" not in "".join(lines) + out
    assert "T0KEN" not in "".join(lines) + out + err


def _launch_preview(workspace: Path, *args: str) -> subprocess.Popen[str]:
    """`newsletter preview ARGS` started in WORKSPACE as a user runs it, without an unsubscribe
    secret, its output read as text through pipes."""
    return subprocess.Popen(
        [sys.executable, "-m", "newsletter", "preview", *args],
        cwd=workspace,
        env={**os.environ, "NEWSLETTER_UNSUBSCRIBE_SECRET": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _start_lines(process: subprocess.Popen[str]) -> list[str]:
    """The preview's start lines, through the one after "Watching …" (the feed URLs' line)."""
    lines: list[str] = []
    while not lines or not lines[-2:-1] or not lines[-2].startswith("Watching"):
        line = process.stdout.readline()
        assert line, f"the preview ended early: {process.stderr.read()}"
        lines.append(line)
    return lines


def test_a_mistyped_date_is_the_previews_only_line(tmp_path, monkeypatch):
    """`newsletter preview --date 27/03/2021` in a workspace with an unread feeds/ folder: one
    `error:` line about the date, exit 1 (the feeds/ warning came first, as if the same
    problem), and no server started."""
    workspace = make_workspace(tmp_path / "workspace")
    (workspace / "feeds").mkdir()
    (workspace / "feeds" / "world.xml").write_text("<rss/>", "utf-8")
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(
        app, ["preview", "--no-open", "--port", "0", "--date", "27/03/2021"]
    )
    assert result.exit_code == 1
    assert result.stderr == "error: --date '27/03/2021': use YYYY-MM-DD, e.g. 2026-11-26\n"
    assert not (workspace / "issues").exists() or not any((workspace / "issues").iterdir())
