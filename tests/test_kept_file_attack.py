"""A kept-outcome file planted or hand-edited in the workspace (send/disk_fence.py,
send/recovery.py) at the next send: one line, or its lines recorded as they say, never a
traceback (docs/security.md, *Feed headlines, whole descriptions, server names and the kept
file, tried from outside*)."""

from __future__ import annotations

from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.send.recovery import recovery_path

pytest_plugins = ["tests.support.send_fixtures"]


def _kept_path(send_ws, name: str = "kept-4242-ab12"):
    path = recovery_path(send_ws.root / "newsletter.db")
    return path.with_name(path.name + "." + name)


def _send(send_ws, smtpd):
    return CliRunner().invoke(app, ["send", str(send_ws.issue), *smtpd.send_flags, "--yes"])


def test_a_kept_file_that_is_a_folder_or_a_bad_line_is_one_line_and_mails_nobody(send_ws, smtpd):
    """A folder with a kept file's name, then a file of a line with six fields: each stops the
    send in one line naming it, before anyone is mailed."""
    send_ws.add_many(3)
    _kept_path(send_ws).mkdir()
    result = _send(send_ws, smtpd)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "cannot read" in result.output
    _kept_path(send_ws).rmdir()
    _kept_path(send_ws).write_text("a\tb\tsent\t<m>\tstamp\textra\n", "utf-8")
    result = _send(send_ws, smtpd)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert ":1: not a recovery line" in result.output
    assert smtpd.handler.by_recipient() == {}
