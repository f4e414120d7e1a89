"""A feed's links and images as readers' copies carry them, tried from outside through
`newsletter build`: a link or image into the reader's own machine or network (127.0.0.1,
192.168.1.1, `http://2130706433/`, `localhost`), a link showing one site and opening another
(`https://www.paypal.com@evil.example/`) is left out with a warning naming the entry, and a
host in another script is written as the ASCII name mail programs show (docs/security.md,
"A feed's links reach readers")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.web_address import reader_address

runner = CliRunner()

LONG = " ".join(["The border crossing reopened for trucks after the storm."] * 20)


def feed(link: str, image: str = "https://img.example/ok.jpg") -> str:
    """One story-length entry (it becomes a story with its image) linking to `link`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Desk</title><link>https://desk.example/</link><description>d</description>
<item><title>Border crossing reopens for trucks after the storm</title>
<link>{link}</link><media:content url="{image}" medium="image"/>
<content:encoded>{LONG}</content:encoded></item>
</channel></rss>
"""


def build(workspace: Path, xml: str):
    """`newsletter build f.xml --json`: the result and the issue's HTML and text."""
    (workspace / "f.xml").write_text(xml, "utf-8")
    result = runner.invoke(
        app,
        ["build", "f.xml", "--json", "--no-learn", "--date", "2026-11-26"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    issue = workspace / json.loads(result.stdout)["issue_dir"]
    return (
        result,
        (issue / "index.html").read_text("utf-8"),
        (issue / "index.txt").read_text("utf-8"),
    )


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:8080/admin",
        "http://192.168.1.1/cgi-bin/reboot",
        "http://[::1]/",
        "http://2130706433/",  # 127.0.0.1 as browsers read a bare number
        "http://0x7f.1/",
        "http://localhost:631/admin",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        # written so the check saw another host than the one written or opened
        "http://１９２。１６８。１。１/cgi-bin/reboot",  # full-width digits, ideographic dots
        "http://１２７.０.０.１/",
        "http://①②⑦.0.0.1/",  # circled digits
        "http://ｌｏｃａｌｈｏｓｔ/",
        "http://127.0.0.1%2e:8080/admin",  # browsers percent-decode a host
        "http://loc%61lhost/",
        "http://127.0.0.1\u00ad/",  # a soft hyphen IDNA maps to nothing
        "http://0x/",  # 0.0.0.0 to a browser
        "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
        "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
        "http://[::ffff:192.168.1.1]/",
    ],
)
def test_a_feed_link_into_the_readers_network_is_left_out(workspace, link):
    """A link to the reader's own machine or network (a router's reboot page, a local admin)
    is never written into the email: left out with a warning naming the entry."""
    result, html, text = build(workspace, feed(link))
    assert "Border crossing reopens" in text
    for host in ("127.0.0.1", "192.168.1.1", "localhost", "7f00", "0.0.0.0", "0x/"):
        assert host not in html and host not in text, host
    assert "f.xml#1: link" in result.output
    assert "reader's own machine or network" in result.output or "host" in result.output


@pytest.mark.parametrize(
    "host",
    [
        "router",  # one label: the local network's own names
        "wpad",
        "ip6-localhost",
        "localhost.localdomain",
        "nas.local",  # mDNS
        "gw.home.arpa",
        "printer.lan",
        "fritz.box",
        "metadata.google.internal",  # a cloud machine's metadata by name
    ],
)
def test_a_feed_link_to_a_local_network_name_is_left_out(workspace, host):
    """A link or image to a name only the reader's own network answers (a router, a NAS, a
    cloud machine's metadata) is never written into the email: left out with a warning."""
    result, html, text = build(workspace, feed(f"http://{host}/admin"))
    assert "Border crossing reopens" in text
    assert f"//{host}/" not in html and f"//{host}/" not in text
    assert "f.xml#1: link" in result.output
    assert "reader's own machine or network" in result.output
    assert reader_address("https://news.example.org/a") == "https://news.example.org/a"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1.nip.io",  # wildcard DNS: the name answers with the address it spells
        "app-10-0-0-1.sslip.io",
        "192-168-1-1-admin.sslip.io",
        "169.254.169.254.nip.io",
        "router.192.168.1.1.traefik.me",
        "--1.sslip.io",  # ::1, the dashes for colons
    ],
)
def test_a_feed_link_to_a_name_spelling_a_local_address_is_left_out(workspace, host):
    """A rebinding name that spells the reader's own machine or network (the wildcard DNS
    services answer `127.0.0.1.nip.io` with 127.0.0.1) reached readers: the build looks no
    name up; the address it spells is read and checked now. A public one is kept."""
    result, html, text = build(workspace, feed(f"http://{host}:8080/admin"))
    assert "Border crossing reopens" in text
    assert host not in html and host not in text
    assert "f.xml#1: link" in result.output
    assert "reader's own machine or network" in result.output
    assert reader_address("http://8.8.8.8.nip.io/a") == "http://8.8.8.8.nip.io/a"
    assert reader_address("https://news-2026-11-26.example.org/") == (
        "https://news-2026-11-26.example.org/"
    )


@pytest.mark.parametrize(
    "image",
    [
        "https://127.0.0.1/p.gif",
        "https://192.168.1.1/reboot.gif",
        "https://localhost/x.png",
        "https://１９２。１６８。１。１/reboot.gif",
    ],
)
def test_a_feed_image_into_the_readers_network_is_left_out(workspace, image):
    """An image the reader's mail program would load by itself from their own machine or
    router (a request nobody clicked) is left out with a warning; the story stays."""
    result, html, _text = build(workspace, feed("https://desk.example/1", image))
    assert image.split("/")[2] not in html and "192.168.1.1" not in html
    assert "Border crossing reopens" in html
    assert "f.xml#1: image" in result.output and "reader's own machine or network" in result.output


def test_a_feed_link_naming_one_site_and_opening_another_is_left_out(workspace):
    """`https://www.paypal.com@evil.example/login` shows paypal.com but opens evil.example
    (what precedes `@` is a user name): left out with a warning, in neither part."""
    result, html, text = build(workspace, feed("https://www.paypal.com@evil.example/login"))
    assert "evil.example" not in html and "evil.example" not in text
    assert "f.xml#1: link" in result.output and "user name" in result.output


def test_a_feed_link_host_in_another_script_is_written_as_mail_programs_show_it(workspace):
    """A host of Cyrillic letters looking like a Latin one (`раураl.com`) is written in its
    ASCII form (`xn--…`) in the href and the text part, so the reader sees it is not
    paypal.com; its path keeps its letters."""
    _result, html, text = build(workspace, feed("https://www.раураl.com/вход"))
    assert "раураl" not in html and "раураl" not in text
    assert "https://www.xn--l-7sba6dbr.com/вход" in text
    assert 'href="https://www.xn--l-7sba6dbr.com/' in html


def test_a_feed_link_to_a_public_host_in_full_width_is_written_in_ascii(workspace):
    """A public host written in full-width letters and ideographic dots is checked and
    written as the ASCII name browsers open (`desk.example`), not refused."""
    result, html, text = build(workspace, feed("https://ｄｅｓｋ。ｅｘａｍｐｌｅ/1"))
    assert "https://desk.example/1" in text and 'href="https://desk.example/1"' in html
    assert "f.xml#1: link" not in result.output
