"""The example issues the repository ships are what `make demo` builds from its sources now.

`make demo` builds issues/2026-W48/ and samples/full-week/issues/2026-W48/ in place; when a
ranking or template change is committed without rebuilding them, a fresh clone's first
command leaves `git status` dirty (four files of issues/2026-W48/ changed, found by a
newcomer's first try) and the committed manifest shows scores the tool no longer gives.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT

EXAMPLES = {
    ".": ["build", "seeds/", "--date", "2026-11-26"],
    "samples/full-week": ["build", "seeds/", "feeds/", "--date", "2026-11-26"],
}


def _committed(folder: Path) -> list[str]:
    """The files of an issue folder that git tracks (an outbox from a dry run is not)."""
    listed = subprocess.run(
        ["git", "ls-files", "."], cwd=folder, capture_output=True, text=True, check=True
    )
    return sorted(listed.stdout.split())


@pytest.mark.parametrize("where", sorted(EXAMPLES))
def test_the_committed_example_issue_is_what_make_demo_builds(where, tmp_path, monkeypatch):
    """Building the example's sources afresh gives byte for byte the issue folder committed."""
    example = ROOT / where
    workspace = tmp_path / "ws"
    workspace.mkdir()
    for name in ("newsletter.toml", "seeds", "feeds", "templates"):
        source = example / name
        if source.is_dir():
            shutil.copytree(source, workspace / name)
        elif source.is_file():
            shutil.copy(source, workspace / name)
    monkeypatch.chdir(workspace)
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, EXAMPLES[where])
    assert result.exit_code == 0, result.output
    committed = example / "issues" / "2026-W48"
    names = _committed(committed)
    assert "issue.toml" in names
    stale = [
        name
        for name in names
        if (workspace / "issues" / "2026-W48" / name).read_bytes()
        != (committed / name).read_bytes()
    ]
    assert stale == [], f"run `make demo` and commit {where}/issues/2026-W48/ ({stale} differ)"
