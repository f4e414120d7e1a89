"""A destination typed on the command line (`--out DIR`, `db copy … DST`) must sit in a folder
that exists: a typo is one line naming the missing folder, and no folder is made anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli_errors import one_error_line, run


@pytest.fixture
def listed(workspace: Path) -> Path:
    """The sample workspace with one subscriber in newsletter.db."""
    assert run("subscribers", "add", "reader@example.org").exit_code == 0
    return workspace


COMMANDS = {
    "db copy": lambda dest: ("db", "copy", "newsletter.db", str(dest)),
    "welcome preview": lambda dest: ("welcome", "preview", "--out", str(dest)),
    "archive": lambda dest: ("archive", "--unsent", "--out", str(dest)),
    "build": lambda dest: ("build", "--date", "2026-11-26", "--out", str(dest)),
    "subscribers export": lambda dest: ("subscribers", "export", str(dest)),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_destination_in_a_missing_folder_is_refused_and_makes_nothing(listed, command):
    """A typo'd parent folder is one error naming it and what to do; no folder is created."""
    dest = listed / "typo" / "deeper" / "x.db"
    line = one_error_line(run(*COMMANDS[command](dest)), "typo/deeper", "does not exist")
    assert "create it first" in line
    assert not (listed / "typo").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_destination_in_a_folder_that_exists_is_written(listed, command):
    """The same command with an existing parent folder writes its destination as before."""
    (listed / "out").mkdir()
    dest = listed / "out" / "made"
    result = run(*COMMANDS[command](dest))
    assert result.exit_code == 0, result.output
    assert dest.exists()


def test_a_destination_whose_parent_is_a_file_is_refused(listed):
    """A parent that is a file, not a folder, is refused by name as well."""
    (listed / "notes.txt").write_text("mine\n", "utf-8")
    one_error_line(
        run("db", "copy", "newsletter.db", "notes.txt/x.db"),
        "notes.txt is a file, not a folder",
        "another DST",
    )
    assert (listed / "notes.txt").read_text("utf-8") == "mine\n"


def test_build_out_may_name_a_new_folder_in_issues_before_the_first_build(workspace):
    """issues/ is the tool's own folder (the default build makes it): `--out issues/x` still works."""
    assert not (workspace / "issues").exists()
    result = run("build", "--date", "2026-11-26", "--out", "issues/special")
    assert result.exit_code == 0, result.output
    assert (workspace / "issues" / "special" / "merge.eml").is_file()


@pytest.mark.timeout(60)  # a hang guard: a server that started instead would never return
def test_serve_outbox_in_a_missing_folder_is_refused_before_listening(listed):
    """`serve --outbox` under a missing folder is one line before anything listens, no folder made."""
    result = run("serve", "--port", "0", "--outbox", "typo/deeper/outbox")
    one_error_line(result, "--outbox", "typo/deeper", "does not exist")
    assert "Serving" not in result.output
    assert not (listed / "typo").exists()
