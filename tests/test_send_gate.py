"""The send gate: `send` runs the checks first, refuses an issue with errors, `--force` sends anyway."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from newsletter.build import rebuild
from newsletter.cli import app
from newsletter.config import load_settings
from tests.support.check_workspace import Crafter

pytest_plugins = ["tests.support.send_fixtures"]

CRAFTS = {
    # The build refuses a relative link itself; one written into the built files by hand
    # (or by an older version) must still be stopped at the gate.
    "relative link": ("built", '<p><a href="news/today.html">the story</a></p>', "links.absolute"),
    "unfilled tag": ("lead", "Dear {{ first_name }}, the border story leads.", "leftovers"),
    "oversize body": ("lead", "word " * 24_000, "size.clip"),
    "missing postal address": ("config", "", "postal.address"),
}


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace; returns the Click result."""
    monkeypatch.chdir(send_ws.root)
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)


def craft(ws, kind: str, value: str) -> None:
    """Make the workspace's issue bad, then rebuild it as `newsletter build` would."""
    if kind == "built":
        Crafter(ws.root).built_html(value)
        return
    if kind == "lead":
        manifest = ws.issue / "issue.toml"
        text = manifest.read_text("utf-8")
        text = re.sub(r'body = """\n.*?\n"""', f'body = """\n{value}\n"""', text, flags=re.S)
        manifest.write_text(text.replace('format = "text"', 'format = "markdown"'), "utf-8")
    else:
        config = ws.root / "newsletter.toml"
        config.write_text(re.sub(r"^postal_address = .*$", value, config.read_text(), flags=re.M))
    rebuild(ws.issue, load_settings(ws.root)[0])


@pytest.mark.parametrize("name", sorted(CRAFTS))
def test_a_bad_issue_is_refused_by_a_list_send(cli, send_ws, smtpd, name):
    """A crafted bad issue is not sent: its findings are printed, one error line, exit 1."""
    kind, value, check_id = CRAFTS[name]
    send_ws.add("reader@example.org")
    craft(send_ws, kind, value)
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert result.exit_code == 1, result.output
    assert re.search(rf"^error +{re.escape(check_id)} ", result.output, re.M), result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("error: ")]
    assert "not sent; fix them (`newsletter check issues/2026-W48`)" in line
    assert "--force" in line and "Traceback" not in result.output
    assert smtpd.handler.received == []


def test_a_bad_issue_is_refused_by_a_dry_run_and_nothing_is_written(cli, send_ws):
    """A dry run of a bad issue refuses too, and writes no outbox."""
    send_ws.add("reader@example.org")
    craft(send_ws, "config", "")
    result = cli("send", "issues/2026-W48", "--dry-run")
    assert result.exit_code == 1
    assert "postal.address" in result.output
    assert not (send_ws.issue / "outbox").exists()


def test_force_sends_a_bad_issue_and_says_so(cli, send_ws, smtpd):
    """`--force` mails the list despite the errors and warns that it did."""
    send_ws.add("reader@example.org", "other@example.org")
    craft(send_ws, "config", "")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes", "--force")
    assert result.exit_code == 0, result.output
    assert "warning: --force: sending despite 1 error, 1 warning" in result.output
    assert sorted(smtpd.handler.by_recipient()) == ["other@example.org", "reader@example.org"]


def test_a_test_copy_of_a_bad_issue_goes_with_a_warning(cli, send_ws, smtpd):
    """`--to` sends the copy anyway (it is how an editor looks at the problem) and warns."""
    craft(send_ws, *CRAFTS["relative link"][:2])
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--to", "editor@example.org")
    assert result.exit_code == 0, result.output
    assert "sending the test copy anyway (a list send refuses)" in result.output
    assert list(smtpd.handler.by_recipient()) == ["editor@example.org"]


def test_a_good_issue_passes_the_gate_with_its_warnings_shown(cli, send_ws, smtpd):
    """The sample send issue has only the unsigned-sender warning: it is shown and the send goes."""
    send_ws.add("reader@example.org")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert result.exit_code == 0, result.output
    assert re.search(r"^warning +sender\.dkim ", result.output, re.M)
    assert "--force" not in result.output
    assert list(smtpd.handler.by_recipient()) == ["reader@example.org"]


def test_status_is_not_gated(cli, send_ws):
    """`send --status` only reads the journal: a bad issue still shows where it stands."""
    craft(send_ws, "config", "")
    result = cli("send", "issues/2026-W48", "--status")
    assert result.exit_code == 0 and "postal.address" not in result.output
