"""Feeds from URLs: an overall deadline, a size cap, http(s) redirects only, one line per failure.

Each test runs against a real server on 127.0.0.1 that misbehaves on purpose: it
drips, stalls, sends too much, cuts off, or redirects where it should not.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from newsletter.cli import app
from newsletter.config import LimitsSettings
from newsletter.errors import SourceError
from newsletter.sources import load_sources
from newsletter.sources.feeds import fetch_feed as fetch_any_feed

LOCAL = LimitsSettings(private_hosts=True)  # these servers are on 127.0.0.1: the opt-in


def fetch_feed(address: str, **options):
    """fetch_feed with the opt-in for this machine's addresses, which the servers here use."""
    return fetch_any_feed(address, **options, private_hosts=True)


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>World</title>
<item><title>Chile tightens border checks</title><link>https://example.org/c</link></item>
</channel></rss>"""
EMPTY_RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>World</title>
<link>https://example.org/</link><description>Nothing this week</description></channel></rss>"""
EMPTY_RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.org/"><title>World</title><link>https://example.org/</link>
<description>Nothing</description></channel></rdf:RDF>"""


class _Handler(socketserver.BaseRequestHandler):
    """Reads one request line and plays the behaviour its path names."""

    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        path = data.split(b" ", 2)[1].decode()
        self.server.paths.append(path)
        stop = self.server.stop
        send = self.request.sendall
        try:
            if path.partition("?")[0] == "/feed.xml":
                send(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(RSS)
                    + RSS
                )
            elif path.partition("?")[0] == "/empty.xml":
                send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + EMPTY_RSS)
            elif path == "/drip":  # a byte every 50 ms: no single read ever times out
                send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<?xml")
                while not stop.wait(0.05):
                    send(b" ")
            elif path == "/drip-headers":
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10000:
                    if stop.wait(0.05):
                        break
                    send(bytes([byte]))
            elif path == "/stall":
                stop.wait(30)
            elif path == "/announced-big":
                send(b"HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n<rss>")
            elif path == "/endless":  # no length, never ends
                send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                block = b"<!-- filler -->" * 4096
                while not stop.is_set():
                    send(block)
            elif path == "/cut":
                send(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + RSS[:60])
            elif path == "/to-ftp":
                send(
                    b"HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/feed.xml\r\nContent-Length: 0\r\n\r\n"
                )
            elif path == "/to-file":
                send(
                    b"HTTP/1.1 301 Moved\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n"
                )
            elif path.startswith("/hop"):
                n = int(path[4:] or 0)
                target = "/feed.xml" if n >= self.server.hops else f"/hop{n + 1}"
                send(
                    f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode()
                )
            elif path == "/loop":
                send(b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n")
            else:
                send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass  # the client hung up: that is what the tests want


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def bad_server(hops: int = 3) -> Iterator[_Server]:
    """A misbehaving HTTP server on 127.0.0.1 (any free port), stopped afterwards."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.stop = threading.Event()
    server.paths = []
    server.hops = hops
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


def url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


@pytest.mark.parametrize("path", ["/drip", "/drip-headers", "/stall"])
def test_a_dripping_or_silent_server_is_cut_at_the_overall_deadline(path):
    """A server that drips bytes (body or headers) or says nothing is stopped at the deadline."""
    with bad_server() as server:
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"127\.0\.0\.1:\d+: .* took longer than 0\.5 s"):
            fetch_feed(url(server, path), seconds=0.5)
        assert time.monotonic() - started < 10  # never the 75 s of a per-read timeout


def test_an_announced_oversize_feed_is_refused_before_reading_it():
    """A Content-Length over the cap is refused at once, naming the cap."""
    with (
        bad_server() as server,
        pytest.raises(SourceError, match=r"larger than 10 MB \(50,000,000 bytes announced\)"),
    ):
        fetch_feed(url(server, "/announced-big"))


def test_an_endless_feed_is_cut_at_the_default_10_mb():
    """A body without a length that never ends is cut just past 10 MB: memory stays bounded."""
    with (
        bad_server() as server,
        pytest.raises(SourceError, match=r"larger than 10 MB.*limits\.feed_bytes"),
    ):
        fetch_feed(url(server, "/endless"))


def build_from_bad_server(workspace: Path, path: str, setting: str, changed: str) -> Result:
    """`newsletter build <the bad server's path> seeds` in the workspace, its newsletter.toml
    letting feeds come from private hosts (the server is 127.0.0.1) and `setting` changed."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8")
    assert setting in text
    text = text.replace(setting, changed).replace("private_hosts = false", "private_hosts = true")
    toml.write_text(text, "utf-8")
    with bad_server() as server:
        return CliRunner().invoke(app, ["build", url(server, path), "seeds"])


def test_the_size_cap_comes_from_newsletter_toml(workspace):
    """limits.feed_bytes in newsletter.toml lowers the cap for feed URLs."""
    result = build_from_bad_server(
        workspace, "/feed.xml", "feed_bytes = 10000000", "feed_bytes = 100"
    )
    assert result.exit_code == 1
    assert result.output.strip().endswith(
        "limits.feed_bytes in newsletter.toml if it is really that big"
    )
    assert "larger than 0.0001 MB" in result.output and "Traceback" not in result.output


def test_a_connection_cut_mid_body_is_one_line():
    """A body shorter than announced (IncompleteRead) is one error line naming host and port."""
    with bad_server() as server, pytest.raises(SourceError, match=r"127\.0\.0\.1:\d+: .*broke off"):
        fetch_feed(url(server, "/cut"), seconds=5)


@pytest.mark.parametrize(("path", "scheme"), [("/to-ftp", "ftp://"), ("/to-file", "file://")])
def test_redirects_to_other_schemes_are_refused(path, scheme):
    """Only http(s) redirects are followed: ftp:// and file:// are refused."""
    with (
        bad_server() as server,
        pytest.raises(SourceError, match=rf"redirected to {scheme}.*not an http\(s\) address"),
    ):
        fetch_feed(url(server, path))


def test_up_to_five_redirects_are_followed_and_a_sixth_is_refused():
    """Five http redirects reach the feed; six (or a loop) are refused."""
    with bad_server(hops=4) as server:  # /hop0 → … → /hop4 → /feed.xml: five redirects
        assert b"Chile tightens" in fetch_feed(url(server, "/hop0"))
    with bad_server(hops=5) as server, pytest.raises(SourceError, match="more than 5 redirects"):
        fetch_feed(url(server, "/hop0"))
    with bad_server() as server:
        with pytest.raises(SourceError, match="more than 5 redirects"):
            fetch_feed(url(server, "/loop"))
        assert len(server.paths) == 6  # the request and five redirects, no more


def test_feed_url_failures_on_the_command_line_are_one_line(workspace):
    """`newsletter build URL` over a stalled server exits 1 with one error line, no traceback."""
    result = build_from_bad_server(workspace, "/stall", "feed_seconds = 20.0", "feed_seconds = 0.5")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error: 127.0.0.1:")


@pytest.mark.parametrize("feed", [EMPTY_RSS, EMPTY_RDF], ids=["rss2", "rss1-rdf"])
def test_an_empty_feed_builds_with_a_warning(workspace, feed):
    """A valid feed with no entries is a warning naming it; the rest of the sources still build."""
    (workspace / "feeds").mkdir()
    (workspace / "feeds" / "x.xml").write_bytes(feed)
    result = CliRunner().invoke(app, ["build", "feeds/x.xml", "seeds", "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "warning: feeds/x.xml: no entries" in result.output


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body>Not a feed</body></html>",
        b"<!doctype html><html><head><title>Example News</title></head><body><h1>Hi</h1></body></html>",
    ],
    ids=["html", "html-doctype"],
)
def test_a_web_page_given_as_a_feed_is_an_error_not_an_empty_feed(workspace, page):
    """A site's HTML page saved or given as a feed stops the build naming it, not a "no entries" warning."""
    (workspace / "feeds").mkdir()
    (workspace / "feeds" / "x.xml").write_bytes(page)
    result = CliRunner().invoke(app, ["build", "feeds/x.xml", "seeds", "--date", "2026-11-26"])
    assert result.exit_code == 1
    assert result.output.startswith("error: feeds/x.xml") and result.output.count("\n") == 1
    assert "RSS or Atom feed" in result.output
    assert not (workspace / "issues" / "2026-W48").exists()


def test_an_empty_feed_url_is_a_warning_too(workspace):
    """An empty feed fetched from a URL loads as no headlines, with a warning naming the URL."""
    with bad_server() as server:
        address = url(server, "/empty.xml")
        loaded = load_sources([address, workspace / "seeds"], LOCAL)
        with pytest.raises(
            SourceError,
            match=r"no stories or headlines found in the sources given \(.*/empty.xml: no entries\)",
        ):
            load_sources([address], LOCAL)
    assert loaded.warnings == (f"{address}: no entries",)
    assert loaded.headlines  # the seed's headlines are all there


def test_limits_are_checked_in_newsletter_toml(workspace):
    """A zero or negative limit in newsletter.toml is an error naming [limits]."""
    from newsletter.config import settings_from_mapping
    from newsletter.errors import ConfigError

    with pytest.raises(
        ConfigError, match="limits: feed_bytes, feed_seconds and text_bytes must be positive"
    ):
        settings_from_mapping({"limits": {"feed_seconds": 0}})
    with pytest.raises(
        ConfigError, match=r"limits: unknown key 'feed_byte' \(did you mean 'feed_bytes'\?\)"
    ):
        settings_from_mapping({"limits": {"feed_byte": 5}})


def test_a_preview_fetches_each_feed_url_once_and_rebuilds_from_it(workspace):
    """The preview rebuilds at every save (a seed, a template, newsletter.toml): a feed URL
    among its sources is fetched when it starts and its bytes reused, not fetched again at
    each save behind the editor's back (a template tweak re-ranked a changed feed); a fetch
    that failed is tried again at the next save."""
    from newsletter.preview.target import PreviewTarget
    from tests.conftest import SAMPLE_DATE

    toml = workspace / "newsletter.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true"), "utf-8"
    )
    with bad_server() as server:
        missing = PreviewTarget.for_sources(
            ["seeds", url(server, "/gone.xml")], workspace, SAMPLE_DATE
        )
        for _ in range(2):
            with pytest.raises(SourceError):
                missing.build()
        assert server.paths.count("/gone.xml") == 2
        target = PreviewTarget.for_sources(
            ["seeds", url(server, "/feed.xml")], workspace, SAMPLE_DATE
        )
        for _ in range(3):
            result, _warnings = target.build()
            titles = {h.title for h in (*result.issue.related, *result.issue.more)}
            assert "Chile tightens border checks" in titles
    assert server.paths.count("/feed.xml") == 1


def test_a_build_says_which_feed_urls_it_fetched(workspace):
    """A feed URL among the sources is fetched by the build, and its report names it, so a
    fetch is never behind the editor's back (the report named the lead and the counts only)."""
    toml = workspace / "newsletter.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true"), "utf-8"
    )
    with bad_server() as server:
        address = url(server, "/feed.xml")
        result = CliRunner().invoke(app, ["build", "seeds", address, "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert f"\n  fetched  {address}\n" in result.output
    assert server.paths == ["/feed.xml"]


def test_a_private_feeds_password_and_token_never_reach_the_terminal(workspace):
    """A private feed's address (`user:password@`, `?token=`, `&api_key=`) is fetched as
    written, but the build's `fetched` line, a failed fetch's error and a feed's warning show
    `user:***@` and `token=***`, as the database URL is shown: they were printed whole, on
    screen and into logs."""
    toml = workspace / "newsletter.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true"), "utf-8"
    )
    secrets = ("hunter2", "T0KEN", "K3Y")
    query = "?token=T0KEN&api_key=K3Y&page=2"
    with bad_server() as server:
        port = server.server_address[1]
        address = f"http://news:hunter2@127.0.0.1:{port}/feed.xml{query}"
        built = CliRunner().invoke(app, ["build", "seeds", address, "--date", "2026-11-26"])
        gone = CliRunner().invoke(app, ["build", "seeds", address.replace("feed", "gone")])
        empty = CliRunner().invoke(
            app, ["build", "seeds", address.replace("feed", "empty"), "--date", "2026-11-26"]
        )
    assert built.exit_code == 0, built.output
    shown = f"http://news:***@127.0.0.1:{port}/feed.xml?token=***&api_key=***&page=2"
    assert f"\n  fetched  {shown}\n" in built.output
    assert gone.exit_code == 1 and "gone.xml?token=***&api_key=***&page=2" in gone.output
    assert "empty.xml?token=***" in empty.output, empty.output
    for result in (built, gone, empty):
        assert not any(secret in result.output for secret in secrets), result.output
    assert server.paths[0] == f"/feed.xml{query}"  # fetched as written


def test_a_private_feeds_token_never_reaches_the_built_issue(workspace):
    """The built issue names each feed item's source (issue.toml's `source`, the ranking kept
    beside it) with the feed's address masked: the token was written whole into the issue
    folder, which is shared, reviewed and archived, where newsletter.toml is the one place
    that holds it."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true")
    with bad_server() as server:
        address = f"{url(server, '/feed.xml')}?token=T0KEN&page=2"
        toml.write_text(text, "utf-8")
        built = CliRunner().invoke(app, ["build", "seeds", address, "--date", "2026-11-26"])
    assert built.exit_code == 0, built.output
    folder = next((workspace / "issues").iterdir())
    written = {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert b"/feed.xml?token=***&page=2#1" in written["issue.toml"]
    assert [name for name, data in written.items() if b"T0KEN" in data] == []


def test_a_preview_says_when_newsletter_toml_names_other_sources(workspace):
    """A preview started from newsletter.toml's sources keeps reading those (and the feed bytes
    it fetched); a save that changes them in newsletter.toml is a warning saying to restart,
    the token masked, and nothing is fetched: the save rebuilt from the old sources silently."""
    from newsletter.preview.target import PreviewTarget
    from tests.conftest import SAMPLE_DATE

    target = PreviewTarget.for_sources(["seeds"], workspace, SAMPLE_DATE, named=("seeds/",))
    assert not any("sources changed" in w for w in target.build()[1])
    toml = workspace / "newsletter.toml"
    with bad_server() as server:
        added = url(server, "/feed.xml?key=S3CRET")
        toml.write_text(
            toml.read_text("utf-8").replace(
                'sources = ["seeds/"]', f'sources = ["seeds/", "{added}"]'
            ),
            "utf-8",
        )
        _result, warnings = target.build()
    changed = [w for w in warnings if "sources changed" in w]
    assert len(changed) == 1 and "restart the preview" in changed[0], warnings
    assert "key=***" in changed[0] and "S3CRET" not in changed[0]
    assert server.paths == []
