"""Feeds in encodings other than UTF-8, and entry tags not in lower case, tried from outside
(`newsletter build`, a file or a URL on 127.0.0.1): the entry cut and the entity check hold
whatever the encoding or the tags' case, and a feed expat cannot read itself is one line or
read, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape as html_escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.sources.feed_bounds import MAX_ELEMENTS
from tests.support.cli_errors import one_error_line

ITEM = "<item><title>Story {i} on the border</title><link>https://example.org/s/{i}</link></item>\n"


def rss(entries: int, encoding: str, head: str = "", body: str = "") -> str:
    """An RSS feed of `entries` items whose declaration names `encoding`."""
    items = "".join(ITEM.format(i=i) for i in range(entries))
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{head}<rss version="2.0"><channel>'
        f"<title>東京デスク</title>\n{body}{items}</channel></rss>\n"
    )


GROWING = '<!DOCTYPE rss [<!ENTITY big "' + "x" * 100_000 + '">]>\n'
GROWING_BODY = "<item><title>Big</title><description>" + "&big;" * 200 + "</description></item>\n"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch) -> Path:
    """A workspace from `newsletter init` that may fetch feeds from this machine."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init", "."]).exit_code == 0
    settings = tmp_path / "newsletter.toml"
    text = settings.read_text().replace("private_hosts = false", "private_hosts = true", 1)
    assert "private_hosts = true" in text
    settings.write_text(text)
    return tmp_path


@contextmanager
def serving(body: bytes) -> Iterator[str]:
    """A feed served at http://127.0.0.1:PORT/feed.xml, as `application/xml` without a charset."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()


def build(*sources: str):
    """`newsletter build SOURCES samples`; a traceback fails the test here."""
    return CliRunner().invoke(app, ["build", *sources, "samples"], catch_exceptions=False)


@pytest.mark.slow
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_feed_in_utf16_or_utf32_without_a_mark_is_cut_at_1000_entries(workspace, codec):
    """1,100 entries in UTF-16 or UTF-32 without a byte-order mark (feedparser reads them by
    their first bytes): the first 1,000 kept with the warning, never all 1,100 nor a refusal."""
    name = "UTF-16" if "16" in codec else "UTF-32"
    with serving(rss(1_100, name).encode(codec)) as url:
        result = build(url)
    assert result.exit_code == 0, result.output
    assert "1,100 entries, more than the 1,000 read from one feed; kept the first 1,000" in (
        result.output
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-32-be"])
def test_growing_entities_in_a_feed_without_a_mark_are_refused(workspace, codec):
    """A 100 KB entity used 200 times in a UTF-16/32 feed without a mark: refused in one line
    as in UTF-8 (its uses were counted in UTF-8 bytes, so none were found), nothing built."""
    name = "UTF-16" if "16" in codec else "UTF-32"
    with serving(rss(2, name, GROWING, GROWING_BODY).encode(codec)) as url:
        result = build(url)
    one_error_line(result, "feed.xml:2: its DOCTYPE's entities would add more than 1,000,000")
    assert not (workspace / "issues").exists() or not any((workspace / "issues").iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["shift_jis", "euc-jp", "cp037"])
def test_a_feed_in_a_legacy_encoding_past_1000_entries_is_cut_not_a_traceback(workspace, encoding):
    """A Shift_JIS or EUC-JP feed of 1,100 entries was cut by tags, left unclosed, and its
    XML check raised ValueError (expat reads no multi-byte encoding); EBCDIC was not cut at
    all.  Now each is read, its first 1,000 entries kept with the warning."""
    text = rss(1_100, encoding)
    if encoding == "cp037":  # EBCDIC has no Japanese
        text = text.replace("東京デスク", "Desk")
    (workspace / "feed.xml").write_bytes(text.encode(encoding))
    result = build("feed.xml")
    assert result.exit_code == 0, result.output
    assert "feed.xml: 1,100 entries, more than the 1,000 read from one feed" in result.output


def test_a_broken_shift_jis_feed_is_read_or_one_line_never_a_traceback(workspace):
    """A Shift_JIS feed with a byte that is not Shift_JIS and an unclosed element: feedparser's
    lenient reading stands (its entries built), where the XML check used to raise ValueError."""
    data = rss(3, "shift_jis").encode("shift_jis").replace(b"</channel>", b"\x82\xff<x></channel>")
    (workspace / "feed.xml").write_bytes(data)
    result = build("feed.xml")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def _cased(entries: int, shape: str) -> str:
    """A feed of `entries` entries whose entry tags are not in lower case (feedparser reads
    them as entries all the same); `shape` names the tag and whether an `&nbsp;` comes first."""
    tag, nbsp = shape.split("+") if "+" in shape else (shape, "")
    title = "A&nbsp;desk" if nbsp else "A desk"
    if tag.lower() == "entry":
        body = "".join(
            f"<{tag}><title>Story {i}</title><id>s{i}</id>"
            f"<link href='https://example.org/s/{i}'/></{tag}>\n"
            for i in range(entries)
        )
        return (
            f'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{title}</title>\n{body}</feed>\n"
        )
    body = "".join(
        f"<{tag}><title>Story {i}</title><link>https://example.org/s/{i}</link></{tag}>\n"
        for i in range(entries)
    )
    return f'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>{title}</title>\n{body}</channel></rss>\n'


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["ITEM", "Entry", "Item+nbsp", "ENTRY+nbsp"])
def test_entry_tags_in_upper_case_are_cut_at_1000_too(workspace, shape):
    """1,100 entries tagged `<ITEM>` or `<Entry>` (after an `&nbsp;` too, which stops expat so
    the cut goes by tags): feedparser reads them as entries, so the cut counts them; the case-
    sensitive count let every one through (55,000 would cost 26 s)."""
    (workspace / "feed.xml").write_text(_cased(1_100, shape), "utf-8")
    result = build("feed.xml")
    assert result.exit_code == 0, result.output
    assert "feed.xml: 1,100 entries, more than the 1,000 read from one feed" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_entries_nested_inside_an_entry_are_counted_too(workspace, kind):
    """One entry holding 1,100 entries: feedparser makes an entry of each, so each counts
    towards the 1,000; counted as one outer entry, all 1,101 were read."""
    if kind == "rss":
        inner = "".join(
            f"<item><title>Story {i}</title><link>https://example.org/s/{i}</link></item>\n"
            for i in range(1_100)
        )
        feed = (
            '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Desk</title>\n'
            f"<item><title>Outer</title>{inner}</item></channel></rss>\n"
        )
    else:
        inner = "".join(
            f"<entry><title>Story {i}</title><id>s{i}</id>"
            f"<link href='https://example.org/s/{i}'/></entry>\n"
            for i in range(1_100)
        )
        feed = (
            '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>'
            f"\n<entry><title>Outer</title><id>o</id>{inner}</entry></feed>\n"
        )
    (workspace / "feed.xml").write_text(feed, "utf-8")
    result = build("feed.xml")
    assert result.exit_code == 0, result.output
    assert "feed.xml: 1,101 entries, more than the 1,000 read from one feed" in result.output


def test_a_billion_laughs_with_entity_names_outside_ascii_is_refused(workspace):
    """Entities named `é0`…`é5`, each ten of the one before (5 MB from one reference): refused
    in one line like an ASCII-named billion laughs; the nesting check read only ASCII names."""
    entities = (
        '<!ENTITY é0 "'
        + "x" * 50
        + '">'
        + "".join(f'<!ENTITY é{i} "{f"&é{i - 1};" * 10}">' for i in range(1, 6))
    )
    feed = rss(3, "utf-8", f"<!DOCTYPE rss [{entities}]>\n", "<item><title>&é5;</title></item>\n")
    (workspace / "feed.xml").write_text(feed, "utf-8")
    one_error_line(build("feed.xml"), "feed.xml:2: its DOCTYPE defines the entity &é1; by another")


def test_an_attribute_default_built_of_entities_is_refused_before_it_is_expanded(workspace):
    """`<!ATTLIST t x CDATA "&a;&a;…">` (a 1 MB entity used a million times in one default)
    expanded inside expat's own pass before any check saw it: 551 MB for a 4 MB feed, then
    expat's amplification limit.  Now refused in one line naming the declaration's line, before
    expat reads it."""
    head = (
        '<!DOCTYPE rss [<!ENTITY a "' + "x" * 1_000_000 + '">\n'
        '<!ATTLIST t x CDATA "y>' + "&a;" * 1_000_000 + '">]>\n'
    )
    (workspace / "feed.xml").write_text(rss(3, "utf-8", head), "utf-8")
    one_error_line(
        build("feed.xml"), "feed.xml:3: its DOCTYPE gives an attribute a default made of entities"
    )
    ending = head.replace('">]>', '<t">]>')  # a '<' after the uses: expat errs only past them
    (workspace / "feed.xml").write_text(rss(3, "utf-8", ending), "utf-8")
    one_error_line(build("feed.xml"), "feed.xml:3: its DOCTYPE gives an attribute a default")


def test_an_entry_of_a_quarter_million_elements_is_refused_in_one_line(workspace):
    """One entry holding 260,000 empty elements (1 MB; feedparser spends about 13 s on each
    million, and a 10 MB feed holds 2.5 million): the entry cut cannot help, so the feed is
    refused in one line naming where it passes MAX_ELEMENTS, nothing built."""
    body = "<item><title>Big</title><link>https://example.org/b</link>" + "<x/>" * 260_000
    (workspace / "feed.xml").write_text(rss(3, "utf-8", body=body + "</item>\n"), "utf-8")
    one_error_line(build("feed.xml"), f"feed.xml:3: more than {MAX_ELEMENTS:,} XML elements")
    assert not (workspace / "issues").exists() or not any((workspace / "issues").iterdir())


def test_a_broken_feed_of_a_quarter_million_elements_is_refused_before_feedparser(workspace):
    """The same gigantic entry in a feed expat cannot read (a bare `&` first), which is cut by
    its tags: feedparser's lenient parser spent 13 s on it before the `&` was reported; now the
    elements are counted by their tags and the feed refused at once, in one line."""
    body = "<item><title>Big</title><link>https://example.org/b</link>" + "<x/>" * 260_000
    feed = rss(3, "utf-8", body=body + "</item>\n").replace("東京デスク", "AT&T")
    (workspace / "feed.xml").write_text(feed, "utf-8")
    one_error_line(build("feed.xml"), f"feed.xml:3: more than {MAX_ELEMENTS:,} XML elements")


@pytest.mark.slow
@pytest.mark.parametrize(
    "words", ["a, ", "said that ", "U.S. ", "Mr. A. "], ids=["commas", "said-that", "U.S.", "Mr."]
)
def test_an_untitled_entry_of_one_endless_sentence_builds_without_hanging(workspace, words):
    """A feed entry with no title whose text is one 100 KB sentence of commas (or of 'said
    that', or of abbreviations): its title is derived from it, and each comma rescanned the
    text before it, so the build ran for 84 s (a 1 MB text: hours); each 'U.S.' rescanned the
    sentence so far (59 s).  The build (the installed command) now finishes
    well inside 60 s (a hang guard, not a speed test: it takes a few seconds) with a title
    from the text, or none for the editor to write when all it gives is one word."""
    body = "Officials said " + words * (100_000 // len(words)) + "done."
    (workspace / "feed.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Desk</title>'
        f"<item><link>https://example.org/x</link><description>{body}</description>"
        f"<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded></item></channel></rss>\n",
        "utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "build", "feed.xml", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    title = json.loads(done.stdout)["lead"]["title"]
    assert title == "" or (title.startswith("Officials") and len(title.split()) > 1), title


@pytest.mark.parametrize(
    ("codec", "declared"),
    [
        ("utf-16-le", True),
        ("utf-16-be", True),
        ("utf-32-le", True),
        ("utf-32-be", True),
        ("utf-16-le", False),
        ("utf-16-be", False),
    ],
)
def test_a_utf16_or_utf32_feed_without_a_mark_reads_the_same_from_a_file_and_a_url(
    workspace, codec, declared
):
    """The same UTF-16/UTF-32 bytes without a byte-order mark, with or without an XML
    declaration, build the same headlines from a file as from a URL (the file was refused as
    "a binary file" for its NUL bytes while the URL was read; without a declaration the URL
    was refused as not well-formed)."""
    name = "UTF-16" if "16" in codec else "UTF-32"
    text = rss(3, name)
    if not declared:
        text = text.split("\n", 1)[1]
    body = text.encode(codec)
    assert b"\x00" in body[:8] and not body.startswith((b"\xff\xfe", b"\xfe\xff"))
    (workspace / "wide.xml").write_bytes(body)
    from_file = CliRunner().invoke(
        app, ["build", "wide.xml", "samples", "--json", "--no-learn"], catch_exceptions=False
    )
    assert from_file.exit_code == 0, from_file.output
    with serving(body) as url:
        from_url = CliRunner().invoke(
            app, ["build", url, "samples", "--json", "--no-learn"], catch_exceptions=False
        )
    assert from_url.exit_code == 0, from_url.output

    def titles(result) -> set[str]:
        data = json.loads(result.stdout)
        return {
            h["title"] for h in data["related"] + data["more"] if h["title"].startswith("Story ")
        }

    assert titles(from_file) == titles(from_url) == {f"Story {i} on the border" for i in range(3)}


@pytest.mark.parametrize("where", ["item", "source"])
def test_an_element_of_thousands_of_attributes_is_refused_in_one_line(workspace, where):
    """One element carrying 5,000 attributes (feedparser's cost grows with their square:
    200,000 in a 2.4 MB feed held the build for over ten minutes) refuses the feed in one
    line naming its line, before feedparser reads it; nothing is built."""
    attributes = " ".join(f'a{i}="x"' for i in range(5_000))
    entry = (
        f"<item {attributes}><title>Border</title></item>"
        if where == "item"
        else f'<item><title>Border</title><source url="https://a.example/" {attributes}>A'
        "</source></item>"
    )
    (workspace / "attributes.xml").write_text(rss(2, "UTF-8", body=entry + "\n"), "utf-8")
    result = build("attributes.xml")
    one_error_line(result, "attributes.xml:3: an element with more than 100 attributes")
    assert not (workspace / "issues").exists() or not any((workspace / "issues").iterdir())


@pytest.mark.timeout(60)  # a hang guard, not a speed test: unfixed, each case took about 30 min
@pytest.mark.parametrize("shape", ["<!--", "<!-- > --"])
def test_an_unclosed_html_comment_of_many_dashes_is_read_not_a_hang(workspace, shape):
    """A description holding 20,000 `<!--` (under the feed's HTML bound, past which it would
    be left out: feed_bounds.MAX_HTML_TAGS), or 600,000 `--` after a `>`, with no
    `>` to end them: feedparser's sanitizer searched `--[^>]*>` from every `--` to the end of
    the text (2 s for 80 KB, half an hour for 2.4 MB); now the feed is read and the unclosed
    comment dropped, as feedparser drops one."""
    text = ("<!--" * 20_000) if shape == "<!--" else "<!-- > " + "--" * 600_000
    body = f"<item><title>Comment story</title><description>kept {html_escape(text)}</description></item>\n"
    (workspace / "comments.xml").write_text(rss(2, "UTF-8", body=body), "utf-8")
    result = CliRunner().invoke(app, ["build", "comments.xml", "samples", "--json", "--no-learn"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    shown = next(h for h in data["more"] + data["related"] if h["title"] == "Comment story")
    assert "--" not in json.dumps(shown)  # the comment dropped


@pytest.mark.timeout(60)  # a hang guard, not a speed test: unfixed, about an hour
def test_unclosed_tags_in_an_outlet_name_or_a_text_summary_are_read_not_a_hang(workspace):
    """An outlet name (<source>, which feedparser does not sanitize) and an Atom text summary
    each holding 10,000 `<a b='` (under the feed's HTML bound together; Python 3.11's
    HTMLParser searched to the end of the text from each: 20 s for 10,000, hours for a
    megabyte): the feed builds, the name made of nothing falls back to the feed's title."""
    unclosed = html_escape("<a b='" * 10_000)
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Planet Harbour</title><id>urn:x</id>
<updated>2026-11-24T12:00:00Z</updated>
<entry><title>Harbour crossing story</title><id>urn:a</id><link href="https://ok.example/a"/>
<updated>2026-11-24T09:00:00Z</updated><summary type="text">Kept {unclosed}</summary>
<source><title type="html">{unclosed}</title></source></entry>
</feed>
"""
    (workspace / "unclosed.atom").write_text(atom, "utf-8")
    result = CliRunner().invoke(app, ["build", "unclosed.atom", "samples", "--json", "--no-learn"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    shown = next(
        h for h in data["more"] + data["related"] if h["title"] == "Harbour crossing story"
    )
    assert shown["publisher"] == "Planet Harbour"


@pytest.mark.parametrize("text", ["a &lt;![ b", "a &lt;![if x c", "<![CDATA[a <![ b]]>"])
def test_a_marked_section_in_feed_html_is_text_not_a_traceback(workspace, text):
    """`<![` in a description or an outlet name made Python's HTMLParser raise AssertionError
    ("expected name token"): a traceback that stopped the build; now it is dropped as HTML5
    drops it and the feed builds."""
    body = (
        f"<item><title>Marked story</title><link>https://ok.example/m</link>"
        f"<description>{text}</description>"
        f'<source url="https://a.example/">Harbor {text}</source></item>\n'
    )
    (workspace / "marked.xml").write_text(rss(2, "UTF-8", body=body), "utf-8")
    result = CliRunner().invoke(
        app, ["build", "marked.xml", "samples", "--json", "--no-learn"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    shown = next(h for h in data["more"] + data["related"] if h["title"] == "Marked story")
    assert shown["publisher"].startswith("Harbor")
