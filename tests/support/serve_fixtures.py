"""Fixtures for the tests of `newsletter serve`: the app on uvicorn, on a free port, over real HTTP.

`audience` runs the server of a copy of the send workspace (tests/support/send_workspace.py)
with its confirmation emails going to a real aiosmtpd server, and a clock the
test can move; `audience_app` makes more such apps.  Test modules load them with
`pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from newsletter.config import Settings
from newsletter.serve.app import ServeOptions, create_app
from newsletter.serve.audience import Audience
from newsletter.serve.runner import DEFAULT_HOST, bind, running_server
from tests.support.form_token import sign_up_token
from tests.support.send_workspace import Workspace
from tests.support.smtp_server import Server

PUBLIC = "https://news.example.org"  # the workspace's public origin, as links carry it


@dataclass
class Clock:
    """A wall clock the test moves forward."""

    now: float = 1_796_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class AudienceServer:
    """A running server, its workspace, its mail sink and an HTTP client."""

    url: str
    ws: Workspace
    settings: Settings
    smtpd: Server
    clock: Clock
    http: httpx.Client
    extra: dict[str, Any] = field(default_factory=dict)
    public: str = PUBLIC  # the origin links carry and the server takes its own pages' posts from

    def local(self, public_url: str) -> str:
        """A link as mailed (https://news.example.org/…) pointed at this server."""
        return public_url.replace(self.public, self.url)

    def status(self, email: str) -> str | None:
        with self.ws.store() as store:
            s = store.get(email)
        return s.status if s else None

    def form_token(self) -> str:
        return sign_up_token(self.http, self.url)

    def sign_up(self, email: str, name: str = "", **headers: str) -> httpx.Response:
        """Fill in and send the sign-up form as a browser would."""
        data = {"form_token": self.form_token(), "email": email, "name": name, "website": ""}
        return self.http.post(f"{self.url}/subscribe", data=data, headers=headers)

    def confirmation_links(self) -> list[str]:
        """Every confirmation link mailed so far, in order."""
        links = []
        for received in self.smtpd.received:
            pattern = re.escape(self.public.encode()) + rb"/confirm\?token=[\w-]+"
            links += re.findall(pattern, received.data)
        return [link.decode() for link in links]


def start_audience(
    ws: Workspace,
    smtpd: Server,
    trusted_proxies: tuple[str, ...] = (),
    *,
    options: ServeOptions | None = None,
    **serve: int,
) -> tuple[Any, Settings, Clock]:
    """The app for a workspace, its confirmation mail going to `smtpd`; `options` as given."""
    settings = ws.with_server(smtpd.host, smtpd.port)
    if serve:
        settings = replace(settings, serve=replace(settings.serve, **serve))
    clock = Clock()
    audience = Audience(settings, clock=clock)
    options = replace(options or ServeOptions(), trusted_proxies=trusted_proxies)
    app = create_app(settings, options, audience=audience)
    return app, settings, clock


@pytest.fixture(params=["sqlite", "postgresql"])
def serve_backend(request) -> str:
    """Each backend in turn for the served workspace (a test may pin one by parametrising it)."""
    return str(request.param)


@pytest.fixture
def served_ws(send_ws, serve_backend, request) -> Workspace:
    """The send workspace, its database on SQLite or on a fresh PostgreSQL database."""
    if serve_backend == "postgresql":
        return send_ws.on_server(request.getfixturevalue("postgres_url"))
    return send_ws


@pytest.fixture
def audience(served_ws, smtpd, request) -> Iterator[AudienceServer]:
    """`newsletter serve` for the send workspace, on each backend (`serve_backend`); an
    indirect parameter sets `[serve]` values."""
    options = getattr(request, "param", {})
    app, settings, clock = start_audience(served_ws, smtpd, **options)
    with running_server(app) as server, httpx.Client(timeout=10) as http:
        yield AudienceServer(server.url, served_ws, settings, smtpd, clock, http)


@pytest.fixture
def own_origin_audience(send_ws, smtpd) -> Iterator[AudienceServer]:
    """serve on SQLite with its public origin its own address (http://127.0.0.1:port), as a
    browser must reach it for its pages' forms to be taken (docs/security.md)."""
    sock = bind(DEFAULT_HOST, 0)
    url = f"http://{DEFAULT_HOST}:{sock.getsockname()[1]}"
    settings = send_ws.with_server(smtpd.host, smtpd.port)
    settings = replace(
        settings,
        base_url=url,
        unsubscribe=replace(settings.unsubscribe, url=f"{url}/unsubscribe"),
    )
    app = create_app(settings, audience=Audience(settings, clock=(clock := Clock())))
    with running_server(app, sock=sock) as server, httpx.Client(timeout=10) as http:
        yield AudienceServer(server.url, send_ws, settings, smtpd, clock, http, public=url)


@pytest.fixture
def audience_app():
    """`start_audience`, for tests that run servers of their own."""
    return start_audience
