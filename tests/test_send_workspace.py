"""`send`, `--status` and the test copy use the issue's own workspace, from whatever folder."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.send_workspace import SETTINGS
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]


def run(*args: str):
    """`newsletter …` in the current folder."""
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """Another workspace with its own list of two readers, as the current folder."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "newsletter.toml").write_text(SETTINGS, "utf-8")
    monkeypatch.chdir(other)
    return other


def test_send_from_another_workspace_mails_the_issues_own_list(send_ws, elsewhere):
    """Run from another workspace's folder, a send mails the issue's list, not the folder's."""
    emails = send_ws.add_many(3)
    assert run("subscribers", "add", "stranger@example.net").exit_code == 0
    handler = RecordingHandler()
    with smtp_server(handler=handler) as server:
        result = run("send", str(send_ws.issue), *server.send_flags, "--yes")
    assert result.exit_code == 0, result.output
    assert handler.by_recipient() == {e: 1 for e in emails}
    status = run("send", str(send_ws.issue), "--status")
    assert "sent        3" in status.output


def test_workspace_option_overrides_the_walk_up(send_ws, elsewhere):
    """`--workspace DIR` takes the list and journal from DIR instead of the issue's workspace."""
    send_ws.add_many(2)
    assert run("subscribers", "add", "stranger@example.net").exit_code == 0
    handler = RecordingHandler()
    with smtp_server(handler=handler) as server:
        result = run(
            "send", str(send_ws.issue), "--workspace", str(elsewhere), *server.send_flags, "--yes"
        )
    assert result.exit_code == 0, result.output
    assert handler.by_recipient() == {"stranger@example.net": 1}


def test_status_in_a_folder_without_a_workspace_creates_no_database(send_ws, tmp_path, monkeypatch):
    """`--status` from an empty folder reads the issue's workspace and creates nothing anywhere."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    result = run("send", str(send_ws.issue), "--status")
    assert result.exit_code == 0, result.output
    assert "no list yet" in result.output
    assert list(empty.iterdir()) == [] and not send_ws.database.exists()
    dry = run("send", str(send_ws.issue), "--dry-run")
    assert dry.exit_code == 0 and not send_ws.database.exists()


def test_an_issue_outside_any_workspace_is_one_line(send_ws, tmp_path, monkeypatch):
    """An issue folder with no newsletter.toml above it names the folder and --workspace."""
    loose = tmp_path / "loose"
    shutil.copytree(send_ws.issue, loose)
    monkeypatch.chdir(tmp_path)
    result = run("send", str(loose), "--status")
    assert result.exit_code == 1
    assert "no newsletter.toml in it or any folder above it" in result.output
    assert "--workspace" in result.output and "Traceback" not in result.output


def test_the_previews_test_send_uses_the_issues_workspace(send_ws, elsewhere):
    """The preview's Send a test takes the relay and list of the issue's workspace, not cwd's."""
    import threading
    from types import SimpleNamespace

    from newsletter.preview.session import send_test_copy

    handler = RecordingHandler()
    with smtp_server(handler=handler) as server:
        toml = send_ws.root / "newsletter.toml"
        toml.write_text(toml.read_text().replace("port = 2525", f"port = {server.port}"))
        rebuilder = SimpleNamespace(
            snapshot=SimpleNamespace(folder=send_ws.issue, error=None),
            target=SimpleNamespace(workspace=elsewhere),  # its toml points at port 2525
            issue_lock=threading.Lock(),
        )
        answer = send_test_copy(rebuilder, "editor@example.org")
    assert "sent to editor@example.org" in answer
    assert handler.by_recipient() == {"editor@example.org": 1}
