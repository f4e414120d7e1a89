"""A relay error names what the command can change: newsletter.toml's [smtp] in `run`, the flags in `send`."""

from __future__ import annotations

import datetime as dt
import socket

from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.send.setting_names import SettingNames
from tests.support.smtp_server import smtp_server
from tests.support.week_workspace import SEND_TIME, make_week_workspace

pytest_plugins = ["tests.support.send_fixtures"]

REVIEW_TIME = (SEND_TIME - dt.timedelta(hours=1)).isoformat()  # the review copy is due


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_once(root, monkeypatch):
    """`newsletter run` in the workspace at `root`, an hour before the send time."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.chdir(root)
    return CliRunner().invoke(app, ["run", "--clock", REVIEW_TIME])


def test_names_say_the_setting_by_default_and_the_flag_for_send():
    """Without flags the file's key and a TOML value; with them the flag, and the file as well."""
    assert SettingNames().named("host", "port") == "[smtp] host and port in newsletter.toml"
    assert SettingNames().use("security", "ssl") == (
        'set security = "ssl" under [smtp] in newsletter.toml'
    )
    assert SettingNames().use("verify_certificates", False) == (
        "set verify_certificates = false under [smtp] in newsletter.toml"
    )
    flags = SettingNames(flags=True)
    assert flags.named("host", "port") == (
        "--smtp-host/--smtp-port or [smtp] host and port in newsletter.toml"
    )
    assert flags.use("security", "ssl") == "pass --smtp-security ssl"
    assert flags.use("verify_certificates", False) == "pass --no-verify-certificates"


def test_run_with_the_relay_down_names_the_settings_not_send_flags(tmp_path, monkeypatch):
    """A refused connection during `run` says to check [smtp] host and port, never --smtp-*."""
    port = closed_port()
    make_week_workspace(tmp_path / "ws", port)
    result = run_once(tmp_path / "ws", monkeypatch)
    assert result.exit_code == 1, result.output
    assert (
        f"127.0.0.1:{port}: connection refused; is the relay running? check [smtp] host and port in newsletter.toml"
        in result.stderr
    )
    assert "--smtp" not in result.output + result.stderr


def test_run_against_a_relay_without_starttls_says_which_setting_to_change(tmp_path, monkeypatch):
    """A relay offering no STARTTLS: `run` says to set security under [smtp], not a flag it lacks."""
    with smtp_server() as server:
        make_week_workspace(tmp_path / "ws", server.port)
        toml = tmp_path / "ws" / "newsletter.toml"
        toml.write_text(
            toml.read_text("utf-8").replace('security = "none"', 'security = "starttls"')
        )
        result = run_once(tmp_path / "ws", monkeypatch)
    assert result.exit_code == 1, result.output
    assert (
        f'127.0.0.1:{server.port}: does not offer STARTTLS; set security = "ssl" under [smtp] '
        "in newsletter.toml (port 465)" in result.stderr
    )
    assert "--smtp" not in result.output + result.stderr


def test_send_still_names_its_own_flags(send_ws, monkeypatch):
    """`send` has the options, so its error names them first, and the file's settings too."""
    port = closed_port()
    send_ws.add("reader@example.org")
    toml = send_ws.root / "newsletter.toml"
    monkeypatch.chdir(send_ws.root)
    result = CliRunner().invoke(
        app,
        [
            "send",
            "issues/2026-W48",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(port),
            "--smtp-security",
            "none",
            "--yes",
        ],
    )
    assert toml.is_file()
    assert result.exit_code == 1
    assert "check --smtp-host/--smtp-port or [smtp] host and port in newsletter.toml" in (
        result.output + result.stderr
    )
