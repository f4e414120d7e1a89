"""The full-week sample workspace (samples/full-week/) copied into a test's own folder."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

FULL_WEEK = ROOT / "samples" / "full-week"
FULL_WEEK_DATE = dt.date(2026, 11, 26)


def copy_full_week(folder: Path) -> Path:
    """The sample's newsletter.toml, seeds/ and feeds/ (not its built issue) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FULL_WEEK / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(FULL_WEEK / "seeds", folder / "seeds")
    shutil.copytree(FULL_WEEK / "feeds", folder / "feeds")
    return folder


@pytest.fixture
def full_week(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the full-week workspace as the working directory."""
    monkeypatch.chdir(copy_full_week(tmp_path / "full-week"))
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    return tmp_path / "full-week"


def build_full_week(workspace: Path, **changes):
    """Build the workspace's seeds/ and feeds/ for the sample's date; returns the BuildResult."""
    from dataclasses import replace

    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.config import load_settings

    settings, _ = load_settings(workspace)
    settings = replace(settings, **changes)
    options = AssembleOptions(today=FULL_WEEK_DATE, related=settings.related)
    return build(["seeds", "feeds"], settings, options)


def rebuild(folder: Path):
    """Re-render an issue folder from its manifest, with its workspace's settings."""
    from newsletter.build import rebuild as rebuild_issue
    from newsletter.config import load_settings

    settings, _ = load_settings(folder.parent.parent)
    return rebuild_issue(folder, settings)
