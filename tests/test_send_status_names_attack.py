"""`send --status` on PostgreSQL names each host as its senders registered it (the machine,
its workspace id and folder): a folder whose name holds escape sequences is shown escaped,
never written to the terminal raw (docs/security.md, *Feed headlines, whole descriptions,
server names and the kept file, tried from outside*)."""

from __future__ import annotations

import shutil

from newsletter.config import load_settings
from tests.support.send_workspace import Workspace
from tests.support.smtp_server import smtp_server
from tests.test_send_postgres import add_readers, start_send, status_of

pytest_plugins = ["tests.support.send_fixtures"]


def test_a_folder_named_with_escape_sequences_is_shown_escaped(
    send_ws, postgres_url, tmp_path, monkeypatch
):
    """A second folder named `news\\x1b]0;owned\\x07\\x1b[2J` (retitle and clear the
    terminal) sends on the shared database after the first: the summary naming it and
    `--status` (with `--senders` too) show `\\x1b` as text, never ESC or BEL, and still name
    the folder."""
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    root = tmp_path / "news\x1b]0;owned\x07\x1b[2J"
    shutil.copytree(send_ws.root, root)
    first, ws = (Workspace(r, load_settings(r)[0]) for r in (send_ws.root, root))
    add_readers(ws, 6)
    with smtp_server() as relay:
        output, _ = start_send(ws, relay, "--limit", "2").communicate(timeout=60)
        assert "\x1b" not in output and "\x07" not in output, repr(output)
        output, _ = start_send(first, relay).communicate(timeout=60)
    assert "\x1b" not in output and "\x07" not in output, repr(output)
    assert "news\\x1b]0;owned\\x07" in output, output
    for extra in ((), ("--senders",)):
        status = status_of(first, *extra)
        assert "\x1b" not in status and "\x07" not in status, repr(status)
        assert "news\\x1b]0;owned\\x07" in status, status
