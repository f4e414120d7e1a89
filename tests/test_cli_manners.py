"""CLI manners: a mistyped command line is one `error:` line with Click's suggestion (exit 2),
a prompt without a terminal says which option to pass, and the send lock stays out of git."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT

pytest_plugins = ["tests.support.send_fixtures"]


def usage_error(*args: str) -> str:
    """Run a wrong command line; check exit code 2 and one line; return that line."""
    result = CliRunner().invoke(app, list(args), prog_name="newsletter")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and "Usage:" not in result.output
    return lines[0]


def test_a_mistyped_option_is_one_line_with_the_suggestion():
    """`build --lea` names the option, the ones it may have meant, and where the help is."""
    line = usage_error("build", "--lea", "x")
    assert "No such option: --lea" in line and "--lead" in line
    assert "`newsletter build --help`" in line


def test_a_mistyped_command_is_one_line_with_the_suggestion():
    """`buidl` and `subscribers ad` suggest `build` and `add`."""
    assert "Did you mean 'build'?" in usage_error("buidl")
    line = usage_error("subscribers", "ad", "x@example.org")
    assert "Did you mean 'add'?" in line and "`newsletter subscribers --help`" in line


def test_a_missing_argument_or_bad_value_is_one_line():
    """A missing ISSUE and a `--limit` that is not a number each give one line naming them."""
    assert "Missing argument 'ISSUE'" in usage_error("send")
    assert "Invalid value for '--limit'" in usage_error("subscribers", "list", "--limit", "x")
    assert "No such option: --bad" in usage_error("--bad")


def test_no_arguments_still_show_the_help():
    """`newsletter` and `newsletter subscribers` alone print their help, not an error line."""
    for args in ([], ["subscribers"]):
        output = CliRunner().invoke(app, args).output
        assert "Usage: " in output and "Commands:" in output and "error:" not in output


def test_send_without_a_terminal_says_to_pass_yes(send_ws, smtpd, monkeypatch):
    """With nothing to answer the prompt, `send` says to pass --yes, exits 1 and mails nobody."""
    monkeypatch.chdir(send_ws.root)
    send_ws.add("reader@example.org")
    result = CliRunner().invoke(app, ["send", "issues/2026-W48", *smtpd.send_flags], input="")
    assert result.exit_code == 1
    assert "error: no terminal to answer this question; pass --yes" in result.output
    assert "nobody was mailed" in result.output and "Aborted" not in result.output
    assert smtpd.received == []


def test_answering_no_mails_nobody(send_ws, smtpd, monkeypatch):
    """Answering no says so and exits 1, having mailed nobody."""
    monkeypatch.chdir(send_ws.root)
    send_ws.add("reader@example.org")
    result = CliRunner().invoke(app, ["send", "issues/2026-W48", *smtpd.send_flags], input="n\n")
    assert result.exit_code == 1 and "You answered no: nobody was mailed." in result.output
    assert smtpd.received == []


@pytest.mark.slow
def test_send_from_cron_says_to_pass_yes(send_ws, smtpd):
    """As a process with no terminal (stdin from /dev/null), `send` prints the hint on stderr."""
    send_ws.add("reader@example.org")
    result = subprocess.run(
        [sys.executable, "-m", "newsletter", "send", "issues/2026-W48", *smtpd.send_flags],
        cwd=send_ws.root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "pass --yes" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr and smtpd.received == []


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_send_lock_and_recovery_file_stay_out_of_git(tmp_path):
    """In a workspace `init` made, and in the repository, git ignores the lock and the database."""
    assert CliRunner().invoke(app, ["init", str(tmp_path)]).exit_code == 0
    names = ["newsletter.db", "newsletter.db-wal", "newsletter.db.send.lock"]
    names.append("newsletter.db.unjournaled")
    for name in names:
        (tmp_path / name).write_bytes(b"")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    ignored = subprocess.run(
        ["git", "-C", str(tmp_path), "check-ignore", *names], capture_output=True, text=True
    )
    assert ignored.stdout.split() == names
    in_repo = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "--no-index", *names],
        capture_output=True,
        text=True,
    )
    assert in_repo.stdout.split() == names


@pytest.mark.parametrize(
    "args",
    [
        ["check", "http://127.0.0.1:9/feed.xml"],
        ["send", "https://news.example.org/2026-W48", "--dry-run"],
        ["approve", "http://127.0.0.1:9/feed.xml"],
        ["subscribers", "import", "https://example.org/list.csv"],
        ["build", "seeds/", "--out", "https://example.org/x"],
        ["archive", "--out", "https://example.org/site"],
        ["init", "https://example.org/digest"],
    ],
)
def test_a_web_address_where_a_path_goes_is_one_line_and_nothing_fetched(workspace, args):
    """A feed or page address given where a file or folder on this machine goes is one line
    naming it as typed (not `http:/127.0.0.1:9/feed.xml: no such folder`, nor `mkdir -p
    https:/example.org`), exit 1, and nothing is written or fetched."""
    before = sorted(p.name for p in workspace.iterdir())
    result = CliRunner().invoke(app, args, prog_name="newsletter")
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    url = next(a for a in args if "://" in a)
    assert lines[0].startswith(
        f"error: {url}: a web address, not a file or folder on this machine; give "
    )
    assert "nothing was fetched" in lines[0] and "mkdir" not in lines[0]
    assert sorted(p.name for p in workspace.iterdir()) == before


def test_a_web_address_where_a_path_goes_is_named_without_its_password_or_token(workspace):
    """A private feed's address pasted where an issue folder goes is named as typed but for
    its password and token (`user:***@`, `token=***`), as the database URL is: it was echoed
    whole, the password on screen."""
    typed = "https://news:hunter2@feeds.example.org/private.xml?token=T0KEN&page=2"
    result = CliRunner().invoke(app, ["check", typed], prog_name="newsletter")
    assert result.exit_code == 1
    shown = "https://news:***@feeds.example.org/private.xml?token=***&page=2"
    assert result.output.startswith(f"error: {shown}: a web address"), result.output
    assert "hunter2" not in result.output and "T0KEN" not in result.output
