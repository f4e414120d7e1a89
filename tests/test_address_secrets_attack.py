"""A private feed's password and token, attacked from outside: never shown, however written.

`web_address.without_address_secrets` masks what an address says as a credential wherever
one is printed; these are the forms an outsider found it let through (a `;` parameter, a
scheme in capitals read as a path, an error Click writes, a message quoted short), the
inputs that made it slow, and a feed address (or a server's redirect) that ended the build
in a traceback.  The servers are real, on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.web_address import without_address_secrets

SECRET = "hunter2S3CRET"


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("https://h.example/?a=1;token=X", "https://h.example/?a=1;token=***"),
        (
            "https://h.example/feed?page=2;api_key=X&n=1",
            "https://h.example/feed?page=2;api_key=***&n=1",
        ),
        ("https://h.example/?token=ab;cd&n=1", "https://h.example/?token=***&n=1"),
        ("https://h.example/?pw=X", "https://h.example/?pw=***"),
        ("https://h.example/?sid=X&jwt=Y", "https://h.example/?sid=***&jwt=***"),
        ("https://h.example/?a?token=X", "https://h.example/?a?token=***"),
        ("https://h.example/?%25252574oken=X", "https://h.example/?%25252574oken=***"),
        ("http:/news:X@h.example/feed", "http:/news:***@h.example/feed"),
        ("HTTPS://NEWS:X@H.EXAMPLE/", "HTTPS://NEWS:***@H.EXAMPLE/"),
        ("see.https://news:X@h.example/", "see.https://news:***@h.example/"),
        ("https://h.example/?code=en&page=2", "https://h.example/?code=en&page=2"),
        (
            "https://a.example/?key=X, https://b.example/",
            "https://a.example/?key=***, https://b.example/",
        ),
        (
            "https://h.example/?key=X: the server answered",
            "https://h.example/?key=***: the server answered",
        ),
    ],
)
def test_every_credential_an_address_carries_is_masked(written, shown):
    """A credential after a `;`, a whole-name credential (`pw`, `sid`, `jwt`), one encoded
    deeper than a server decodes, a password after `http:/` or a capitalised scheme, or a
    scheme right after other text: each is masked (the `;` one and the short names were
    shown whole); a parameter that is no credential is kept, and so is the punctuation after
    a credential (the comma between two addresses, a message's colon were masked with it)."""
    assert without_address_secrets(written) == shown


@pytest.mark.timeout(60)  # a hang guard, not a speed test: unfixed, several minutes each
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("a." * 80_000 + "://=", False),  # a scheme start at every `.`
        ("?" * 160_000 + "://", False),  # a name from every `?`
        ("?a" * 80_000 + "://", False),
        ("https://h.example/?%" + "25" * 80_000 + "=x", True),  # a name decoded once per `25`
    ],
)
def test_masking_a_long_hostile_text_is_linear(text, masked):
    """A redirect's Location (up to 64 KB, the server's to write) goes through the mask: a
    text built so that each position starts a new match, or a name percent-encoded deep,
    was the square of its length (16 KB: 4 s; 40 KB: 21 s); now one pass."""
    shown = without_address_secrets(text)
    assert shown == (text[:-1] + "***" if masked else text)


@pytest.fixture
def private_hosts(workspace):
    """The workspace, its feeds allowed on this machine (the servers here are on 127.0.0.1)."""
    toml = workspace / "newsletter.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("private_hosts = false", "private_hosts = true"), "utf-8"
    )
    return workspace


def _said(result) -> str:
    """All a command wrote (stdout and stderr)."""
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.mark.parametrize(
    "address",
    [
        f"ftp://news:{SECRET}@feeds.example.org/feed.xml",
        f"feed://feeds.example.org/feed.xml?token={SECRET}",
        f"file:///tmp/feed.xml?token={SECRET}",
    ],
)
def test_an_address_not_fetched_is_refused_without_its_password(workspace, address):
    """An address of another scheme on the command line is refused in one line naming it:
    the line held the password and token as written."""
    result = CliRunner().invoke(app, ["build", "seeds", address])
    assert result.exit_code == 1 and "only http:// and https://" in _said(result)
    assert SECRET not in _said(result)


@pytest.mark.parametrize(
    "source",
    [
        f"HTTPS://news:{SECRET}@feeds.example.org/feed.xml",
        f"Http://{SECRET}@feeds.example.org/feed.xml",
        f"https://news:{SECRET * 6}@feeds.example.org/feed.xml".upper(),
        f"http:/news:{SECRET}@feeds.example.org/",
        f"feeds/*.xml?token={SECRET}",
    ],
)
def test_a_source_in_newsletter_toml_read_as_a_path_is_named_without_its_password(
    workspace, source
):
    """A feed address in `sources` with its scheme in capitals (or one slash) is read as a
    path: its `no such file or folder` line quoted it whole, and a long password was cut
    short before its `@` (so no mask found it); a glob with a token, the same."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8")
    toml.write_text(text.replace('sources = ["seeds/"]', f'sources = ["seeds/", "{source}"]'))
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert "sources" in _said(result)
    assert SECRET.lower()[:8] not in _said(result).lower(), _said(result)


def test_an_address_click_refuses_is_named_without_its_password(workspace):
    """An address given where a command takes no argument is named by Click's usage error,
    which printed it whole."""
    result = CliRunner().invoke(app, ["archive", f"https://news:{SECRET}@h.example/?token=x"])
    assert result.exit_code == 2 and "unexpected extra argument" in _said(result)
    assert SECRET not in _said(result)


class _Redirecting(http.server.BaseHTTPRequestHandler):
    """Redirects to whatever follows `/to/` in the path."""

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.path.removeprefix("/to/"))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def redirecting_server() -> Iterator[int]:
    """A server on 127.0.0.1 that redirects anywhere; its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "address",
    [f"http://news:{SECRET}@127.0.0.1:99999/feed.xml", f"http://news:{SECRET}@[::1/feed.xml"],
)
def test_a_feed_address_with_a_bad_port_or_ipv6_literal_is_one_line(private_hosts, address):
    """A feed address with a port out of range or an unclosed IPv6 literal ended the build in
    a ValueError traceback; now one line naming it (password masked), exit 1."""
    result = CliRunner().invoke(app, ["build", "seeds", address])
    assert result.exit_code == 1 and "not a valid address" in _said(result), _said(result)
    assert "Traceback" not in _said(result) and SECRET not in _said(result)


def test_a_redirect_to_a_port_out_of_range_is_refused_in_one_line(private_hosts):
    """A hostile feed server redirecting to `http://127.0.0.1:99999/` stopped the build in a
    traceback; now the redirect is refused in one line."""
    with redirecting_server() as port:
        address = f"http://127.0.0.1:{port}/to/http://127.0.0.1:99999/"
        result = CliRunner().invoke(app, ["build", "seeds", address])
    assert result.exit_code == 1, _said(result)
    assert "redirected to http://127.0.0.1:99999/, not a valid address" in _said(result)


def test_the_previews_start_line_names_each_feed_url_once_and_apart(workspace, capsys):
    """The preview's start lines list the feed URLs masked one by one: masked as one text, a
    token's mask took the comma after it (`…404?key=*** http://…/ok` read as one address),
    and a URL given twice was listed twice."""
    from newsletter.cli.preview import _say_feed_urls
    from newsletter.preview.target import PreviewTarget
    from tests.conftest import SAMPLE_DATE

    failed, fetched = "https://a.example/404?key=" + SECRET, "https://b.example/ok"
    target = PreviewTarget.for_sources(["seeds", failed, fetched, fetched], workspace, SAMPLE_DATE)
    target.fetched[fetched] = b"<rss/>"
    _say_feed_urls(target)
    said = capsys.readouterr().out
    assert "Feed URLs fetched once (https://b.example/ok):" in said
    assert "Feed URLs not fetched (https://a.example/404?key=***):" in said
    assert SECRET not in said


def test_the_preview_refuses_an_address_not_fetched_without_its_password(workspace):
    """`newsletter preview ftp://news:PASSWORD@…` is refused in one line, password masked."""
    result = CliRunner().invoke(app, ["preview", f"ftp://news:{SECRET}@h.example/", "--no-open"])
    assert result.exit_code == 1 and "only http:// and https://" in _said(result)
    assert SECRET not in _said(result)


def test_a_feed_file_saved_under_its_address_is_named_masked_in_the_feeds_warning(workspace):
    """A feed saved under its address's name (`feeds/export?token=….xml`, as a download tool
    names it) is listed by the warning about feeds/ no source names: its token was shown."""
    (workspace / "feeds").mkdir()
    (workspace / "feeds" / f"export?token={SECRET}.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>W</title></channel></rss>'
    )
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8")
    toml.write_text(text.replace('sources = ["seeds/"]', 'sources = ["seeds/", "seeds/*.txt"]'))
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert "feeds/: 1 feed file no source names (export?token=***), left out" in _said(result)
    assert SECRET not in _said(result)


def test_punctuation_inside_a_value_before_the_next_parameter_is_masked_with_it():
    """`token=abc.,&x=1`: the value runs to the `&`, its last characters too (they were shown
    as the text's own punctuation, two characters of the secret); before a space or at the
    end, a list's comma or a sentence's full stop is still the text's."""
    from newsletter.web_address import without_address_secrets

    assert without_address_secrets("https://a.example/f?token=ab.,&x=1") == (
        "https://a.example/f?token=***&x=1"
    )
    assert without_address_secrets("see https://a.example/f?token=ab, then") == (
        "see https://a.example/f?token=***, then"
    )
