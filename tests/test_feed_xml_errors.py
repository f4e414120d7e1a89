"""A feed's broken XML is reported at the file's own line with its real problem and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.errors import SourceError
from newsletter.sources.feeds import parse_feed

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
ITEM = "<item><title>{title}</title><link>https://example.org/{slug}</link></item>\n"


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    """A fresh workspace from `newsletter init`, as the current folder."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init", "ws"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    (tmp_path / "ws" / "feeds").mkdir()
    return tmp_path / "ws"


def _build(*sources: str):
    return CliRunner().invoke(
        app,
        ["build", *sources, "--lead", "samples/border-towns.md", "--date", "2026-11-26"],
    )


def test_an_undefined_entity_in_a_feed_with_no_entry_is_named_with_its_fix(ws):
    """`&nbsp;` in a feed that yields no entry: one line naming file:line, the entity and the
    numeric reference to write instead; exit 1, no traceback."""
    feed = ws / "feeds" / "world.xml"
    feed.write_text(
        HEAD + '<rss version="2.0">\n<channel>\n<title>World&nbsp;desk</title>\n'
        "</channel>\n</rss>\n",
        "utf-8",
    )
    result = _build("feeds/world.xml", "samples/border-towns.md")
    assert result.exit_code == 1
    assert result.output == (
        "error: feeds/world.xml:4: no entry could be read; the first problem: undefined entity "
        "&nbsp; (an HTML entity; XML itself defines only &amp; &lt; &gt; &quot; &apos;): "
        "write it as &#160; or as the character itself\n"
    )
    assert not (ws / "issues" / "2026-W48").exists()


def test_an_html_entity_beside_an_internal_dtd_is_read_not_called_a_syntax_error(ws):
    """A feed with its own DTD and `&nbsp;` in a title (feedparser's strict parser says
    "syntax error") builds, the entity read as a (no-break) space."""
    feed = ws / "feeds" / "world.xml"
    feed.write_text(
        HEAD
        + '<!DOCTYPE rss [<!ENTITY desk "World desk">]>\n<rss version="2.0">\n<channel>\n'
        + "<title>&desk;</title>\n"
        + ITEM.format(title="Peru&nbsp;declares an emergency on the Chile border", slug="peru")
        + "</channel>\n</rss>\n",
        "utf-8",
    )
    result = _build("feeds/world.xml", "samples/border-towns.md")
    assert result.exit_code == 0, result.output
    text = (ws / "issues" / "2026-W48" / "index.txt").read_text("utf-8")
    assert "* Peru declares an emergency on the Chile border" in text


def test_broken_xml_is_reported_at_the_files_own_line(ws):
    """A truncated feed whose DTD feedparser rewrites is reported at the line of the file
    where the XML breaks, with expat's own message."""
    feed = ws / "feeds" / "world.xml"
    lines = [
        HEAD.rstrip("\n"),
        "<!DOCTYPE rss [",
        '<!ENTITY a "one">',
        '<!ENTITY b "two">',
        "]>",
        '<rss version="2.0"><channel><title>&a;</title>',
        ITEM.format(title="Chile tightens checks", slug="chile").rstrip("\n"),
        "<item><title>Cut off</title></chan>",
    ]
    feed.write_text("\n".join(lines) + "\n", "utf-8")
    result = _build("feeds/world.xml", "samples/border-towns.md")
    assert result.exit_code == 1
    assert result.output == (
        "error: feeds/world.xml:8: mismatched tag; check that it is a complete RSS or Atom feed\n"
    )


def test_a_feed_url_with_an_undefined_entity_says_its_publisher_must_fix_it():
    """For a feed given by URL the editor cannot edit it: the advice names its publisher."""
    data = (HEAD + '<rss version="2.0"><channel><title>a&eacute;</title></channel></rss>').encode()
    with pytest.raises(SourceError) as caught:
        parse_feed(data, "https://example.org/world.rss")
    assert str(caught.value) == (
        "https://example.org/world.rss:2: no entry could be read; the first problem: undefined "
        "entity &eacute; (an HTML entity; XML itself defines only &amp; &lt; &gt; &quot; "
        "&apos;): its publisher has to fix the feed (or save a fixed copy and name that file "
        "instead)"
    )


def test_an_entity_no_one_defines_is_named_with_a_numeric_reference_to_use():
    """`&foo;`, neither XML's nor HTML's, is named and a numeric reference suggested."""
    data = (HEAD + '<rss version="2.0"><channel><title>&foo;</title></channel></rss>').encode()
    with pytest.raises(SourceError, match=r"^feed.xml:2: .*undefined entity &foo; \(an entity "):
        parse_feed(data, "feed.xml")


def test_blank_lines_before_the_xml_declaration_are_read_past(ws):
    """A feed that starts with blank lines before `<?xml` (a common WordPress fault) builds
    with its entries; a later break in it is still reported at the file's own line."""
    feed = ws / "feeds" / "world.xml"
    body = (
        '<rss version="2.0">\n<channel>\n<title>World</title>\n'
        + ITEM.format(title="Peru declares an emergency on the Chile border", slug="peru")
        + "</channel>\n</rss>\n"
    )
    feed.write_text("\n\n" + HEAD + body, "utf-8")
    result = _build("feeds/world.xml", "samples/border-towns.md")
    assert result.exit_code == 0, result.output
    text = (ws / "issues" / "2026-W48" / "index.txt").read_text("utf-8")
    assert "Peru declares an emergency on the Chile border" in text

    feed.write_text("\n\n" + HEAD + body.replace("</channel>", "</chanel>"), "utf-8")
    broken = _build("feeds/world.xml", "samples/border-towns.md", "--id", "again")
    assert broken.exit_code == 1
    assert broken.output == (
        "error: feeds/world.xml:8: mismatched tag; check that it is a complete RSS or Atom feed\n"
    )


def test_a_byte_order_mark_before_the_blank_lines_is_read_past_too(ws):
    """A UTF-8 byte-order mark, then blank lines, then `<?xml`: the feed builds (found from
    outside: the mark kept the blank lines from being skipped, and a sound feed was refused)."""
    feed = ws / "feeds" / "world.xml"
    body = (
        '<rss version="2.0">\n<channel>\n<title>World</title>\n'
        + ITEM.format(title="Peru declares an emergency on the Chile border", slug="peru")
        + "</channel>\n</rss>\n"
    )
    feed.write_bytes(b"\xef\xbb\xbf\n\n" + (HEAD + body).encode())
    result = _build("feeds/world.xml", "samples/border-towns.md")
    assert result.exit_code == 0, result.output
    text = (ws / "issues" / "2026-W48" / "index.txt").read_text("utf-8")
    assert "Peru declares an emergency on the Chile border" in text


@pytest.mark.parametrize(
    ("title", "fix"),
    [
        ("AT&T buys a cable company", "a bare & (as in AT&T): write it as &amp;"),
        ("Prices rise & fall", "a bare & (as in AT&T): write it as &amp;"),
        ("Escape&#x1b;sequence", "a character XML forbids (a control character"),
    ],
)
def test_a_bare_ampersand_or_a_forbidden_character_is_named_with_its_fix(title, fix):
    """Broken XML still refuses the feed, at the file's line, and the two commonest faults
    say what to write instead of 'check that it is a complete feed'."""
    data = (HEAD + f'<rss version="2.0"><channel>\n<title>{title}</title></channel></rss>').encode()
    with pytest.raises(SourceError) as refused:
        parse_feed(data, "feed.xml")
    message = str(refused.value)
    assert message.startswith("feed.xml:3: ") and fix in message, message
    assert "complete RSS" not in message
