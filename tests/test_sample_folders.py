"""The repository's sample issues are committed whole: `make demo` rebuilds them and leaves no
untracked file behind in a fresh clone."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT


def _tracked(folder: str) -> set[str]:
    """The names git tracks in `folder` of the repository (skipped outside a git checkout)."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {name.rsplit("/", 1)[1] for name in listed}


@pytest.mark.parametrize(
    ("workspace", "sources"),
    [(".", ["seeds/"]), ("samples/full-week", ["seeds/", "feeds/"])],
)
def test_every_file_a_sample_build_writes_is_committed(tmp_path, monkeypatch, workspace, sources):
    """A build of a sample writes no file its committed issue folder lacks (a new one is
    committed with it, so `git status` stays clean after `make demo`)."""
    copy = tmp_path / "ws"
    copy.mkdir()
    shutil.copy(ROOT / workspace / "newsletter.toml", copy)
    for folder in sources:
        shutil.copytree(ROOT / workspace / folder, copy / folder)
    monkeypatch.chdir(copy)
    result = CliRunner().invoke(app, ["build", *sources, "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    written = {p.name for p in (copy / "issues" / "2026-W48").iterdir()}
    prefix = "" if workspace == "." else f"{workspace}/"
    assert written - _tracked(f"{prefix}issues/2026-W48/") == set()
