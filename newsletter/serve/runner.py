"""Running the app on uvicorn: `run_server` for the CLI, `running_server` (a thread) for tests.

The listening socket is bound here, before uvicorn starts, so `--port 0` can
report the port it got and a port in use is one clear error.  With
`--workers N` uvicorn forks N processes sharing that socket; each builds its
own app from the options passed in the environment, and SQLite's WAL lets
them share newsletter.db (rate limits live there too).

uvicorn's own access log is off (it would print the query string, which
holds tokens) and so are proxy headers (the gateway decides whom to believe).
Its HTTP protocol is connections.GuardedProtocol (head size, read deadline,
connections per client); the open-file limit is raised to its hard limit
first, so the connection cap, not the kernel, decides who is turned away.

A worker process dies with its parent: it asks the kernel for SIGTERM when the
parent goes (PR_SET_PDEATHSIG), so a `kill -9` of `serve --workers N` frees
the port within the graceful-shutdown time instead of leaving N orphans on it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.supervisors import Multiprocess

from newsletter.config import Settings, load_settings
from newsletter.errors import ConfigError
from newsletter.serve.app import ServeOptions, create_app
from newsletter.serve.audience import Audience
from newsletter.serve.connections import GuardedProtocol, raise_file_limit
from newsletter.serve.gateway import Gateway

if TYPE_CHECKING:
    from starlette.types import ASGIApp
    from uvicorn import Config

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
_OPTIONS_ENV = "NEWSLETTER_SERVE_OPTIONS"  # how a worker process learns its options
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
GRACEFUL_SECONDS = 10  # on SIGTERM: requests under way get this long to finish


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: any free port); ConfigError naming host:port if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as e:
        sock.close()
        shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        raise ConfigError(
            f"{shown}: cannot listen ({e.strerror}); choose another --port or --host"
        ) from None
    sock.set_inheritable(True)
    return sock


def setup_logging() -> None:
    """One line per request on stderr: `time method path status ms client event`."""
    logger = logging.getLogger("newsletter.serve")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def run_server(
    settings: Settings,
    options: ServeOptions,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int = 1,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM; `on_ready` gets the address once it listens."""
    setup_logging()
    raise_file_limit()  # before the workers start: they inherit it
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    if workers == 1:
        app = create_app(settings, options)  # opens the database: errors before "listening"
        if on_ready:
            on_ready(_shown(host, actual))
        freeze_startup_objects()
        uvicorn.Server(_config(app)).run(sockets=[sock])
        return
    create_app(settings, options)  # check the workspace once, here, with a clear error
    os.environ[_OPTIONS_ENV] = json.dumps(
        {
            "workspace": str(settings.workspace),
            "trusted_proxies": list(options.trusted_proxies),
            "outbox": str(options.outbox) if options.outbox else "",
            "parent": os.getpid(),
        }
    )
    config = _config("newsletter.serve.runner:app_from_environment", factory=True, workers=workers)
    if on_ready:
        on_ready(_shown(host, actual))
    Multiprocess(config, sockets=[sock]).run()


def _config(app: ASGIApp | str, *, factory: bool = False, workers: int | None = None) -> Config:
    """uvicorn's settings for `run_server` (one process or several) and `running_server`."""
    return uvicorn.Config(
        app,
        factory=factory,
        workers=workers,
        http=GuardedProtocol,
        ws="none",
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=False,
        lifespan="on",
        timeout_keep_alive=15,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )


def app_from_environment() -> Gateway:
    """The app of one worker process, from the options `run_server` left in the environment."""
    setup_logging()
    given = json.loads(os.environ[_OPTIONS_ENV])
    die_with_parent(int(given["parent"]))
    settings, _ = load_settings(Path(given["workspace"]))
    outbox = Path(given["outbox"]) if given["outbox"] else None
    options = ServeOptions(tuple(given["trusted_proxies"]), outbox)
    # The parent upgraded the schema before listening: a worker (re)started while PostgreSQL
    # is down must come up and answer 503, not die and leave requests queued on the socket.
    app = create_app(settings, options, audience=Audience(settings, upgrade=False))
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Keep what startup made (modules, templates, the app) out of every garbage collection.

    A full collection walks every tracked object: about 50,000 once serve has started,
    tens of milliseconds on a busy machine, and every request in flight waits for it.
    Slow connections make them frequent: each lives 10 s, long enough to reach the
    oldest generation, whose growth is what triggers a full collection.  Frozen,
    startup's objects are never walked again (`gc.freeze`, as Instagram's servers do).
    """
    gc.collect()
    gc.freeze()


def die_with_parent(parent: int) -> None:
    """Have the kernel send this process SIGTERM when `parent` dies (Linux; elsewhere nothing).

    uvicorn's supervisor stops its workers on SIGTERM or Ctrl-C, but a `kill -9` of
    it leaves them serving, holding the port, with nobody to stop them.
    """
    if sys.platform != "linux":
        return
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl: follow it now
        os.kill(os.getpid(), signal.SIGTERM)


@dataclass(frozen=True)
class RunningServer:
    """A server started by `running_server`: its base URL."""

    url: str
    port: int


@contextlib.contextmanager
def running_server(
    app: ASGIApp, host: str = DEFAULT_HOST, *, sock: socket.socket | None = None
) -> Iterator[RunningServer]:
    """Run an ASGI app on uvicorn in a thread, on a free port (or `sock`, bound to `host`
    already: its port known before the app is made), for the duration of the block."""
    sock = sock or bind(host, 0)
    port = sock.getsockname()[1]
    config = _config(app)  # as `run_server` serves: the tests meet what readers meet
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the server did not start")
            thread.join(0.01)
        yield RunningServer(_shown(host, port), port)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _shown(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
