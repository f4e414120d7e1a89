"""The send workspace on each backend, for test modules whose tests work on both.

A module imports `send_ws_on_each_backend`: it is the fixture `send_ws` there, wrapping
tests/support/send_fixtures.py's, so every test of the module that asks for `send_ws` runs
once on the workspace's SQLite file and once on a fresh PostgreSQL database (named through
NEWSLETTER_DATABASE_URL, as the commands find it).  A test that needs a part not yet on
PostgreSQL pins SQLite: `@pytest.mark.parametrize("send_ws", ["sqlite"], indirect=True)`.
"""

from __future__ import annotations

import pytest

from tests.support.send_workspace import Workspace


@pytest.fixture(name="send_ws", params=["sqlite", "postgresql"])
def send_ws_on_each_backend(send_ws, request, monkeypatch) -> Workspace:
    """The send workspace on SQLite, then on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return send_ws
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
    return send_ws.on_server(url)
