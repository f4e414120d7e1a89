"""One preview session: the first build, the server, the watcher and the rebuilder, wired together.

`open_preview` returns a running `Preview`; the caller shows its URL, waits
(`wait()` returns on `close()` or raises KeyboardInterrupt on Ctrl-C) and
closes it.  A failed build never ends the session: the page shows the error
and the next good save clears it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from newsletter.config import find_workspace, load_settings, smtp_password
from newsletter.errors import ConfigError, DeliveryError
from newsletter.issue.run_state import approve
from newsletter.preview.rebuilder import PreviewSnapshot, Rebuilder
from newsletter.preview.server import DEFAULT_HOST, DEFAULT_PORT, PreviewServer, bind_server
from newsletter.preview.target import PreviewTarget
from newsletter.preview.watcher import InputWatcher
from newsletter.send.single_copy import send_test_copy as send_copy


class Preview:
    """A running preview: serves on `url`, rebuilds when an input changes."""

    def __init__(
        self,
        target: PreviewTarget,
        server: PreviewServer,
        rebuilder: Rebuilder,
        watcher: InputWatcher,
        requested_port: int,
    ) -> None:
        self.target = target
        self.server = server
        self.rebuilder = rebuilder
        self.watcher = watcher
        self.requested_port = requested_port
        self._closed = threading.Event()
        self._serving = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="preview-server",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host = str(self.server.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.server.port}/"

    @property
    def snapshot(self) -> PreviewSnapshot:
        """The latest build's snapshot."""
        return self.rebuilder.snapshot

    def start(self) -> Preview:
        self._serving.start()
        self.rebuilder.start()
        self.watcher.start()
        return self

    def wait(self) -> None:
        """Block until `close()`; Ctrl-C raises KeyboardInterrupt here, in the caller's thread."""
        while not self._closed.wait(0.5):
            pass

    def close(self) -> None:
        """Stop watching, building and serving; safe to call twice."""
        if self._closed.is_set():
            return
        self._closed.set()
        self.watcher.stop()
        self.rebuilder.stop()  # also ends the open event streams
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Preview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_preview(
    sources: Sequence[str],
    *,
    workspace: Path,
    today: dt.date,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    on_build: Callable[[PreviewSnapshot], None] | None = None,
    learn: bool = True,
    named: Sequence[str] | None = None,
) -> Preview:
    """Build once, then serve and watch; `sources` as for `newsletter build` or an issue folder
    (`named`: newsletter.toml's sources as written, when `sources` came from them)."""
    target = PreviewTarget.for_sources(sources, workspace, today, learn=learn, named=named)
    watcher_box: list[InputWatcher] = []

    def built(snapshot: PreviewSnapshot) -> None:
        for watcher in watcher_box:
            watcher.rearm()
        if on_build is not None:
            on_build(snapshot)

    rebuilder = Rebuilder(target, on_build=built)
    rebuilder.build_now()
    watcher = InputWatcher(target, on_change=rebuilder.request)
    watcher_box.append(watcher)
    server = bind_server(
        host,
        port,
        rebuilder,
        lambda address: send_test_copy(rebuilder, address),
        lambda: approve_on_show(rebuilder),
    )
    return Preview(target, server, rebuilder, watcher, port).start()


def send_test_copy(rebuilder: Rebuilder, address: str) -> str:
    """Send the issue on show to one address through the workspace's transport."""

    snapshot = rebuilder.snapshot
    if snapshot.folder is None or snapshot.error is not None:
        raise DeliveryError("the last build failed: fix the error shown on the page, then send")
    try:  # the issue's own workspace (its list), not the folder the preview started in
        workspace = find_workspace(snapshot.folder)
    except ConfigError:
        workspace = rebuilder.target.workspace
    settings, _ = load_settings(workspace)
    with rebuilder.issue_lock:  # the copy is the build on show, not one half-replaced
        return send_copy(snapshot.folder, address, settings, password=smtp_password())


def approve_on_show(rebuilder: Rebuilder) -> str:
    """The Approve button: record the editor's approval of the build on show (issue/run_state.py).

    A save rebuilds the issue, and a rebuild voids the approval: approve once it is final.
    """
    snapshot = rebuilder.snapshot
    if snapshot.folder is None or snapshot.error is not None:
        raise DeliveryError("the last build failed: fix the error shown on the page first")
    who = getpass.getuser()
    now = dt.datetime.now(dt.UTC)
    with rebuilder.issue_lock:  # the approval names the build on show, not one half-replaced
        approve(snapshot.folder, who, now)
    return (
        f"{snapshot.folder.name} approved by {who} at {now:%H:%M} UTC: `newsletter run` sends "
        "it at its send time; a save rebuilds it and voids this approval"
    )
