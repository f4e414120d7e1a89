"""The .gitignore `newsletter init` writes: after a week's commands, git sees only the issue record."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.config import load_settings
from newsletter.send.journal import send_lock
from newsletter.send.recovery import recovery_path
from newsletter.send.sender_lease import senders_file
from newsletter.send.shared_journal import local_state

pytest_plugins = ["tests.support.send_fixtures"]

# What a built, sent and approved issue folder holds: all of it is the issue's record.
ISSUE_RECORD = {
    "issues/2026-W48/issue.toml",
    "issues/2026-W48/.manifest-hashes",
    "issues/2026-W48/.built-ranking.json",
    "issues/2026-W48/built-with.json",
    "issues/2026-W48/index.html",
    "issues/2026-W48/index.txt",
    "issues/2026-W48/message.eml",
    "issues/2026-W48/merge.eml",
    "issues/2026-W48/run.json",
}


def _git(ws: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=ws,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}"


def _untracked(ws: Path) -> set[str]:
    lines = _git(ws, "status", "--porcelain", "--untracked-files=all").splitlines()
    # Under `make test` coverage follows the send's forked workers (pyproject's `patch`), and
    # each writes its data file (.coverage.<host>.pid…) into the working directory: the test
    # harness's files, not the tool's.
    return {name for line in lines if not (name := line[3:].strip('"')).startswith(".coverage.")}


@pytest.mark.slow
def test_a_weeks_commands_leave_git_only_the_issue_record(tmp_path, monkeypatch, smtpd):
    """Build, import, dry run, send, welcome preview, archive, approve and run leave git status
    showing only the issue folder's record: every lock, journal, recovery file, outbox,
    preview and generated site is ignored."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSLETTER_SMTP_PASSWORD", raising=False)
    _cli("init", "ws")
    ws = tmp_path / "ws"
    config = ws / "newsletter.toml"
    config.write_text(
        config.read_text("utf-8").replace("# [schedule]\n# cadence", "[schedule]\ncadence"),
        "utf-8",
    )
    _git(ws, "init", "-q")
    _git(ws, "add", "-A")
    _git(ws, "commit", "-qm", "A new workspace")
    committed = set(_git(ws, "ls-files").splitlines())
    assert committed == {
        ".gitignore",
        "newsletter.toml",
        "samples/000_42a246ca27ba598a.txt",
        "samples/border-towns.md",
        "samples/subscribers.csv",
        "samples/world.xml",
    }

    monkeypatch.chdir(ws)
    _cli("build", "samples/", "--date", "2026-11-26")
    _cli("subscribers", "import", "samples/subscribers.csv")
    _cli("send", "issues/2026-W48", "--dry-run", "--yes")
    _cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    _cli("welcome", "preview")
    _cli("archive")
    _cli("approve", "issues/2026-W48", "--by", "editor")
    _cli("run", "--clock", "2026-11-20T07:00+00:00")  # nothing due: the lock, the welcome look
    # What a send to a PostgreSQL list keeps in the workspace, at the paths the sender uses.
    settings, _ = load_settings(ws)
    with send_lock(local_state(settings), "2026-W48"):
        recovery_path(local_state(settings)).write_text("", "ascii")
        senders_file(local_state(settings)).write_text("sender-1\n", "ascii")

    made = {p.relative_to(ws).as_posix() for p in ws.rglob("*") if ".git" not in p.parts}
    for expected in (
        "newsletter.db",
        "newsletter.db.send.lock",
        "newsletter.run.lock",
        "newsletter.db.welcome-seen",
        "postgresql-send.send.lock",
        "postgresql-send.unjournaled",
        "postgresql-send.senders",
        "welcome-preview/welcome.html",
        "site/index.html",
        "issues/2026-W48/outbox",
    ):
        assert expected in made, f"the flow did not make {expected}: the test needs updating"
    assert _untracked(ws) == ISSUE_RECORD
    # docs/schedule.md puts a venv and cron's log here; a send killed mid-way leaves its recovery file.
    # newsletter.toml's [dkim] example names dkim.key, a secret "to keep out of git".
    for path in (".venv/bin/python", "run.log", "newsletter.db.unjournaled", "dkim.key"):
        _git(ws, "check-ignore", "-q", path)  # exit 1 (CalledProcessError) when not ignored
