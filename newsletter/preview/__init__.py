"""`newsletter preview`: a live-reloading preview of the issue in the browser.

target.py         what to build (sources or one issue folder) and which files to watch
rebuilder.py      builds in a background thread, publishes whole snapshots
watcher.py        watchfiles → "rebuild, please", debounced, re-armed after each build
email_frames.py   the email as each frame shows it (links, dark mode, phone scrollbars)
issue_summary.py  headers, ranking, plain text and size for the page
server.py         the HTTP server: a fixed table of URLs, server-sent events, the test send
session.py        `open_preview`: all of the above, wired together
page/             the page itself (HTML, CSS, JS; nothing from a CDN)
"""

from __future__ import annotations

from newsletter.preview.server import DEFAULT_HOST, DEFAULT_PORT, is_loopback
from newsletter.preview.session import Preview, open_preview

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Preview", "is_loopback", "open_preview"]
