"""`newsletter check --links`: every link fetched, concurrently, within deadlines, never crashing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from newsletter.check import check_issue
from newsletter.check.link_status import fetch_links as fetch_any_links
from newsletter.check.link_status import image_size
from newsletter.cli import app
from tests.support.check_workspace import Crafter, make_sample_workspace
from tests.support.link_server import PNG_HEAD, link_server
from tests.support.smtp_server import free_port


def fetch_links(urls, images=(), **options):
    """fetch_links with the opt-in for this machine's addresses, which the servers here use."""
    return fetch_any_links(urls, images, **options, private_hosts=True)


PATHS = ("/ok", "/missing", "/moved", "/loop", "/nohead", "/slow", "/error")


@pytest.fixture
def crafter(tmp_path, monkeypatch) -> Crafter:
    """A sample workspace of its own, as the working directory."""
    monkeypatch.chdir(tmp_path)
    return Crafter(make_sample_workspace(tmp_path / "ws"))


def link_headlines(c: Crafter, urls: list[str]) -> None:
    """Give the first [[more]] headlines of the manifest these URLs."""
    path = c.folder / "issue.toml"
    text = path.read_text("utf-8")
    parts = text.split('[[more]]\ntitle = "')
    assert len(parts) > len(urls)
    for i, url in enumerate(urls, 1):
        parts[i] = parts[i].replace("\n", f'\nurl = "{url}"\n', 1)
    path.write_text('[[more]]\ntitle = "'.join(parts), "utf-8")


@pytest.mark.slow
def test_links_are_fetched_with_status_redirects_and_failures(crafter):
    """Each link's status, its redirect chain, 404s as errors and the rest as warnings."""
    refused = f"http://127.0.0.1:{free_port()}/nobody-listens"
    with link_server() as base:
        link_headlines(crafter, [base + p for p in PATHS] + [refused])
        footer = (
            '<a class="footer-link" href="{{ subscriber.unsubscribe_url }}">Unsubscribe</a></p>'
        )
        crafter.template(
            "digest.mjml.j2",
            footer,
            footer + f'<img src="{base}/big.png" alt="A chart" width="600">',
        )
        crafter.rebuild()
        crafter.config(r"^private_hosts = false", "private_hosts = true")  # 127.0.0.1 servers
        report = check_issue(
            crafter.folder, crafter.settings(), links=True, per_link=2.0, total=10.0
        )
    by_url = {r.url.removeprefix(base): r for r in report.links}
    assert by_url["/ok"].status == 200 and not by_url["/ok"].redirects
    assert by_url["/moved"].status == 200
    assert by_url["/moved"].redirects == ((301, f"{base}/hop"), (302, f"{base}/ok"))
    assert by_url["/nohead"].status == 200
    assert by_url["/missing"].status == 404
    assert by_url["/slow"].status is None and "no answer within 2 s" in by_url["/slow"].error
    assert "more than 10 redirects" in by_url["/loop"].error
    assert by_url[refused].error == "Connection refused"
    assert by_url["/big.png"].image == {"bytes": 2 * 1024 * 1024, "width": 100, "height": 60}
    urls = [*PATHS, "/big.png"]
    found = {
        (f.check, path)
        for f in report.findings
        for path in urls
        if f"{base}{path}:" in f.message or f"{base}{path} " in f.message
    }
    refused_found = [f.check for f in report.findings if refused in f.message]
    assert refused_found == ["links.unreachable"]
    assert ("links.broken", "/missing") in found
    for path in ("/slow", "/loop", "/error"):
        assert ("links.unreachable", path) in found, found
    assert ("images.weight", "/big.png") in found
    assert ("images.resolution", "/big.png") in found
    assert not any(path in ("/ok", "/moved", "/nohead") for _, path in found)
    # the sample's own footer links (news.example.org) do not resolve here: warnings, no crash
    assert all(f.severity == "warning" for f in report.findings if "example.org" in f.message)


@pytest.mark.slow
def test_the_total_deadline_ends_the_run_and_says_what_was_not_checked():
    """Links still pending at the total deadline are reported as not checked; the call returns."""
    with link_server() as base:
        started = time.monotonic()
        results = fetch_links(
            [f"{base}/slow?{i}" for i in range(4)] + [f"{base}/ok"],
            per_link=30.0,
            total=0.5,
            concurrency=2,
        )
        elapsed = time.monotonic() - started
    assert (
        elapsed < 2.5
    )  # the slow server answers after 3 s: the deadline, not the server, ended it
    assert [r.error for r in results[:4]] == ["not checked within the total 0.5 s"] * 4
    assert results[4].error == "not checked within the total 0.5 s" or results[4].status == 200


def test_only_web_links_are_fetched_once_each():
    """mailto:, relative and duplicate links are not fetched; nothing is fetched for nothing."""
    assert fetch_links(["mailto:a@example.org", "news/x.html", "#"]) == ()


@pytest.mark.parametrize(
    ("head", "size"),
    [
        (PNG_HEAD, (100, 60)),
        (b"GIF89a" + bytes([0x20, 0x03, 0x58, 0x02]), (800, 600)),
        (
            bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffc0001108012c01f403012200"),
            (500, 300),
        ),
        (b"not an image", None),
    ],
)
def test_image_size_reads_png_gif_and_jpeg_headers(head, size):
    """The pixel size comes from the first bytes of a PNG, GIF or JPEG."""
    assert image_size(head) == size


def test_check_never_fetches_without_links(crafter):
    """Without --links nothing is fetched: the report says so."""
    report = check_issue(crafter.folder, crafter.settings())
    assert report.links == () and "links not fetched; add --links to fetch them" in report.notes


def test_odd_links_are_reported_not_fatal():
    """A raw accented path is sent encoded; a redirect to mailto: ends the chain with a reason."""
    with link_server() as base:
        cafe, to_mail = fetch_links([f"{base}/café", f"{base}/to-mail"], per_link=5.0)
    assert cafe.status == 200 and cafe.error == ""
    assert to_mail.error == "redirects to a non-web URL"
    assert to_mail.redirects == ((302, "mailto:editor@example.org"),) and to_mail.unreachable


def test_a_server_speaking_garbage_or_no_tls_is_a_reason_not_a_crash():
    """Bytes that are not HTTP, and https:// to a plain-HTTP port, each end as one error line."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer_garbage() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            with conn:
                conn.recv(1024)
                conn.sendall(b"\x00\x01 not http at all\r\n\r\n")

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    garbage, tls = fetch_links(
        [f"http://127.0.0.1:{port}/", f"https://127.0.0.1:{port}/"], per_link=5.0, concurrency=1
    )
    listener.close()
    assert garbage.status is None and garbage.unreachable
    assert garbage.error == "not a valid HTTP reply (BadStatusLine)"
    assert tls.status is None and tls.error.startswith("TLS") and tls.unreachable


def test_a_measured_image_shown_without_height_names_the_manifest_lines_and_they_size_it(crafter):
    """The size `check --links` measured for the lead's photo becomes the issue.toml lines to
    add; with them, the rebuilt email sets width and height and the finding is gone."""
    from newsletter.check.email_facts import load_built_email
    from newsletter.check.link_status import LinkResult
    from newsletter.check.run import _link_findings

    photo = "https://images.example.org/lead.png"
    crafter.manifest("[lead]\n", f'[lead]\nimage = "{photo}"\nimage_alt = "A chart"\n')
    crafter.rebuild()
    measured = (LinkResult(photo, 200, image={"bytes": 900, "width": 1200, "height": 800}),)
    found = _link_findings(load_built_email(crafter.folder), measured)
    assert [f.check for f in found] == ["images.size"]
    assert found[0].message.endswith(
        f"{photo} is 1200×800 px; under [lead] in issue.toml add image_width = 1200 and "
        "image_height = 800"
    )
    crafter.manifest("[lead]\n", "[lead]\nimage_width = 1200\nimage_height = 800\n")
    crafter.rebuild()
    html = (crafter.folder / "index.html").read_text("utf-8")
    assert f'src="{photo}" alt="A chart" width="552" height="368"' in html
    assert _link_findings(load_built_email(crafter.folder), measured) == []


@contextmanager
def _escaping_server() -> Iterator[str]:
    """A server on 127.0.0.1 whose redirect target and reason phrase carry terminal escapes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    escapes = b"\x1b]0;pwned\x07\x1b[2J"

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                path = conn.recv(65536).split(b" ")[1]
                if path == b"/redir":
                    head = b"301 Moved\r\nLocation: http://127.0.0.1:%d/%snext" % (port, escapes)
                else:
                    head = b"500 Bad" + escapes + b" reason"
                conn.sendall(
                    b"HTTP/1.1 " + head + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listener.close()


def test_a_servers_escape_sequences_never_reach_the_terminal(crafter):
    """`check --links` on links whose server redirects to a URL holding ESC and BEL (retitle
    the terminal, clear it) and answers with them in its reason: the report shows them
    escaped (`\\x1b`); they were printed raw, so a linked site could drive the terminal."""
    with _escaping_server() as base:
        link_headlines(crafter, [f"{base}/redir", f"{base}/reason"])
        crafter.rebuild()
        crafter.config(r"^private_hosts = false", "private_hosts = true")  # 127.0.0.1 servers
        result = CliRunner().invoke(app, ["check", str(crafter.folder), "--links"])
    assert "Traceback" not in result.output
    assert f"{base}/redir" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output, result.output
    assert "\\x1b]0;pwned\\x07" in result.output
