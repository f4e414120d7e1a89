"""Feeds and `check --links` never reach this machine or its network unless the editor opts in.

A feed URL or a story's link is somebody else's text: left alone it could make the editor's
machine request `http://127.0.0.1:6379/` or `http://169.254.169.254/` and report the answer.
The servers here are real (127.0.0.1 and 127.0.0.2); where a test needs one of them to stand
in for a public address, or a name to resolve differently the second time (DNS rebinding),
that one fact is injected and said so.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

import newsletter.public_hosts as public_hosts
from newsletter.check.link_status import fetch_links
from newsletter.cli import app
from newsletter.errors import SourceError
from newsletter.public_hosts import not_public
from newsletter.sources.feeds import fetch_feed

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>World</title>
<item><title>Chile tightens border checks</title><link>https://example.org/c</link></item>
</channel></rss>"""


@contextmanager
def recording_server(host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server: yields its base URL and the paths it was asked for.

    `/feed.xml` is a feed; `/to?URL` redirects (302) to URL.
    """
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if self.path.startswith("/to?"):
                self.send_response(302)
                self.send_header("Location", self.path[4:])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(RSS)))
            self.end_headers()
            self.wfile.write(RSS)

        do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback_one_is_public(monkeypatch):
    """Injected: 127.0.0.1 counts as a public address (no test may reach a real one)."""
    real = public_hosts.not_public
    monkeypatch.setattr(
        public_hosts,
        "not_public",
        lambda address: None if address == "127.0.0.1" else real(address),
    )


REFUSED = {
    "127.0.0.1": "loopback",
    "127.9.9.9": "loopback",
    "::1": "loopback",
    "::ffff:127.0.0.1": "loopback",
    "0.0.0.0": "unspecified",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "fd12:3456::1": "private",
    "169.254.169.254": "link-local",
    "fe80::1%eth0": "link-local",
    "100.64.0.1": "reserved",
    "192.0.2.1": "reserved",
    "240.0.0.1": "reserved",
    "224.0.0.1": "multicast",
    "2002:a00:1::": "private",  # 6to4 around 10.0.0.1
    "64:ff9b::7f00:1": "loopback",  # NAT64 around 127.0.0.1
}


@pytest.mark.parametrize(("address", "kind"), REFUSED.items(), ids=REFUSED)
def test_addresses_off_the_public_internet_are_named_for_what_they_are(address, kind):
    """Loopback, private, link-local, reserved and multicast addresses (and IPv4 inside IPv6) are not public."""
    assert kind in (not_public(address) or "")


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    """An address on the public internet is allowed."""
    assert not_public(address) is None


def test_a_feed_on_this_machine_is_refused_before_any_request():
    """A feed URL on 127.0.0.1 is one SourceError naming host:port and the opt-in; the server is never asked."""
    with recording_server() as (base, asked):
        port = base.rsplit(":", 1)[1]
        with pytest.raises(SourceError) as caught:
            fetch_feed(f"{base}/feed.xml")
    assert str(caught.value) == (
        f"127.0.0.1:{port}: {base}/feed.xml: 127.0.0.1 is a loopback address (this machine): "
        "not fetched; set limits.private_hosts = true in newsletter.toml to allow it"
    )
    assert asked == []


def test_the_opt_in_fetches_a_local_feed():
    """With private_hosts the same feed on 127.0.0.1 is fetched as before."""
    with recording_server() as (base, asked):
        assert b"Chile tightens" in fetch_feed(f"{base}/feed.xml", private_hosts=True)
    assert asked == ["/feed.xml"]


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    """A public-looking name that DNS points at 10.0.0.1 is refused by what it resolves to, naming both."""
    monkeypatch.setattr(  # injected: the name's DNS answer
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port))
        ],
    )
    with pytest.raises(
        SourceError, match=r"feeds\.example\.org \(10\.0\.0\.1\) is a private address"
    ):
        fetch_feed("https://feeds.example.org/world.xml")


def test_a_redirect_to_a_private_address_is_refused(loopback_one_is_public):
    """A public feed that redirects to 127.0.0.2 is refused at the redirect; 127.0.0.2 is never asked."""
    with (
        recording_server("127.0.0.2") as (inside, inside_asked),
        recording_server() as (outside, outside_asked),
        pytest.raises(SourceError) as caught,
    ):
        fetch_feed(f"{outside}/to?{inside}/feed.xml")
    message = str(caught.value)
    assert f"redirected to {inside}/feed.xml" in message and "127.0.0.2 is a loopback" in message
    assert outside_asked == [f"/to?{inside}/feed.xml"] and inside_asked == []


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch, loopback_one_is_public):
    """DNS rebinding: a name that answers 127.0.0.1 (public here) then 127.0.0.2 is looked up once and reached at the first."""
    with recording_server() as (checked, checked_asked):
        port = int(checked.rsplit(":", 1)[1])
        with recording_server("127.0.0.2", port) as (_rebound, rebound_asked):
            answers = iter(["127.0.0.1", "127.0.0.2", "127.0.0.2"])
            lookups: list[str] = []

            def rebinding(host, port_, *args, **kwargs):
                """Injected: each look-up of the name gets the next answer."""
                lookups.append(host)
                address = next(answers)
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port_))]

            monkeypatch.setattr(socket, "getaddrinfo", rebinding)
            body = fetch_feed(f"http://rebind.example:{port}/feed.xml")
    assert b"Chile tightens" in body
    assert lookups == ["rebind.example"]
    assert checked_asked == ["/feed.xml"] and rebound_asked == []


def test_a_link_on_this_machine_is_not_checked_and_says_why():
    """`check --links` reports a link to 127.0.0.1, [::1] or 169.254.169.254 as not fetched, asking nothing."""
    with recording_server() as (base, asked):
        local, six, metadata = fetch_links(
            [f"{base}/admin", "http://[::1]:9/", "http://169.254.169.254/latest/meta-data/"],
            per_link=5.0,
        )
    assert asked == []
    assert local.status is None and local.unreachable
    assert local.error.startswith("127.0.0.1 is a loopback address (this machine): not fetched")
    assert "limits.private_hosts" in local.error
    assert six.error.startswith("::1 is a loopback address")
    assert metadata.error.startswith("169.254.169.254 is a link-local address")


def test_a_link_redirecting_into_the_network_stops_at_the_redirect(loopback_one_is_public):
    """A link whose server redirects to 127.0.0.2 keeps its chain and is not followed further."""
    with (
        recording_server("127.0.0.2") as (inside, inside_asked),
        recording_server() as (outside, _),
    ):
        (result,) = fetch_links([f"{outside}/to?{inside}/secret"], per_link=5.0)
    assert result.redirects == ((302, f"{inside}/secret"),)
    assert result.error.startswith(f"redirected to {inside}/secret: 127.0.0.2 is a loopback")
    assert inside_asked == []


def test_links_on_this_machine_are_checked_with_the_opt_in():
    """With private_hosts a link on 127.0.0.1 is fetched and its status reported."""
    with recording_server() as (base, asked):
        (result,) = fetch_links([f"{base}/page"], per_link=5.0, private_hosts=True)
    assert result.status == 200 and asked == ["/page"]


def test_build_names_a_local_feed_url_in_one_line(workspace):
    """`newsletter build http://127.0.0.1:…/feed.xml seeds` exits 1 with one error line naming host:port."""
    with recording_server() as (base, asked):
        result = CliRunner().invoke(app, ["build", f"{base}/feed.xml", "seeds"])
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"error: {base.removeprefix('http://')}: ")
    assert "limits.private_hosts = true" in result.output and asked == []
