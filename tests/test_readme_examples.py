"""Every `newsletter …` example in the README's command blocks runs as written, in order.

The examples run in a workspace made by `newsletter init` (what a new user has),
through the CLI in-process.  Two things cannot be real here and are swapped for
local stand-ins, nothing else: the feed URL (https://example.org/world.rss) is
served from 127.0.0.1 with the sample feed, and the SMTP relay is an in-process
server on 127.0.0.1 (newsletter.toml's [smtp] points at it; a `--smtp-host`
example has its host and port replaced).  `newsletter preview` runs until
Ctrl-C, so it (and `newsletter serve`) is only checked to parse (`--help`);
tests/test_preview_* and tests/test_serve_* run them.
"""

from __future__ import annotations

import http.server
import re
import shlex
import threading

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT
from tests.smtp_server import PASSWORD, smtp_server

README = (ROOT / "README.md").read_text("utf-8")
FEED_URL = "https://example.org/world.rss"


def readme_commands() -> list[str]:
    """Every line starting with `newsletter ` in a ```sh block, comments removed, in order."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line.startswith("newsletter "):
                commands.append(line)
    return commands


def test_the_readme_has_examples_of_every_kind():
    """The list the next test runs is the README's, not an empty one."""
    commands = readme_commands()
    assert len(commands) >= 20
    assert any(FEED_URL in c for c in commands) and any("samples/world.xml" in c for c in commands)


@pytest.mark.slow
def test_every_readme_example_runs_as_written(tmp_path, monkeypatch):
    """From `newsletter init`, each README command exits 0 (preview: its --help), in README order."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["init", "ws"]).exit_code == 0
    ws = tmp_path / "ws"
    monkeypatch.chdir(ws)
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    feed = (ws / "samples" / "world.xml").read_bytes()

    class Feed(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(feed)))
            self.end_headers()
            self.wfile.write(feed)

        def log_message(self, *args):
            pass

    feeds = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
    threading.Thread(target=feeds.serve_forever, daemon=True).start()
    local_feed = f"http://127.0.0.1:{feeds.server_port}/world.rss"
    try:
        with smtp_server(auth=True) as relay:
            config = ws / "newsletter.toml"
            text = config.read_text("utf-8")
            text = text.replace('host = "localhost"', f'host = "{relay.host}"')
            text = text.replace("port = 587", f"port = {relay.port}")
            text = text.replace('security = "starttls"', 'security = "none"')
            config.write_text(text, "utf-8")
            (ws / "bounces.mbox").write_bytes(b"")  # the mailbox `bounces process` reads
            ran = []
            for command in readme_commands():
                line = command.replace(FEED_URL, local_feed)
                line = line.replace("mail.example.org", relay.host).replace(
                    "--smtp-port 587", f"--smtp-port {relay.port}"
                )
                args = shlex.split(line)[1:]
                if args[0] in ("preview", "serve"):  # they run until Ctrl-C
                    args = [*args, "--help"]
                result = runner.invoke(app, args, input="y\n")
                assert result.exit_code == 0, f"`{command}` failed:\n{result.output}"
                assert "Traceback" not in result.output
                ran.append(command)
            assert relay.received, "the send examples mailed nobody"
    finally:
        feeds.shutdown()
        feeds.server_close()
    assert (ws / "issues" / "2026-W48" / "index.html").exists()
    assert (ws / "issues" / "special" / "index.html").exists()
    assert (ws / "mydigest" / "newsletter.toml").exists()
    assert len(ran) == len(readme_commands())
