"""Shared fixtures: a workspace made of the repository's own sample, and golden-file handling."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SEED = ROOT / "seeds" / "000_42a246ca27ba598a.txt"
SAMPLE_DATE = dt.date(2026, 11, 26)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current output (review the diff before committing).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh workspace (the repository's newsletter.toml and sample seed) as the working directory."""
    shutil.copy(ROOT / "newsletter.toml", tmp_path / "newsletter.toml")
    (tmp_path / "seeds").mkdir()
    shutil.copy(SAMPLE_SEED, tmp_path / "seeds" / SAMPLE_SEED.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL", raising=False)  # a developer's own server
    return tmp_path


@pytest.fixture
def settings(workspace: Path):
    """The sample workspace's settings."""
    from newsletter.config import load_settings

    loaded, warnings = load_settings(workspace)
    assert warnings == ()
    return loaded


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 for the session (tests/support/postgres_server.py)."""
    from tests.support.postgres_server import postgres_cluster

    with postgres_cluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database of its own on the session's cluster; its password in the environment."""
    from tests.support.postgres_server import PASSWORD

    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", PASSWORD)
    return postgres_server.url(postgres_server.new_database())


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each backend in turn for the workspace: its SQLite file, then a fresh PostgreSQL database
    (through NEWSLETTER_DATABASE_URL, as a user would point a workspace at a server)."""
    request.getfixturevalue("workspace")  # first: it clears the variable set below
    if request.param == "postgresql":
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", request.getfixturevalue("postgres_url"))
    return str(request.param)


@pytest.fixture
def any_store(backend: str, workspace: Path):
    """An empty subscriber store of the workspace, on each backend in turn."""
    from newsletter.config import load_settings
    from newsletter.subscribers.backends import workspace_store

    settings, _ = load_settings(workspace)
    with workspace_store(settings) as store:
        yield store
