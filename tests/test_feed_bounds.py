"""What a feed may cost, settled before feedparser reads it (newsletter/sources/feed_bounds.py):
UTF-16 and UTF-32 feeds read, entities that grow refused fast, at most 1,000 entries read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.errors import SourceError
from newsletter.sources import load_file
from newsletter.sources.feed_bounds import (
    MAX_ENTRIES,
    MAX_EXPANSION,
    MAX_HTML_TAGS,
    bounded_feed,
    markup_weight,
)
from newsletter.sources.feeds import parse_feed
from tests.support.cli_errors import one_error_line

ITEM = (
    "<item><title>Story {i} on the border</title><link>https://example.org/s/{i}</link>"
    "<description>Words of story {i}.</description></item>\n"
)


def rss(entries: int, *, encoding: str = "utf-8", head: str = "") -> str:
    """An RSS feed of `entries` items, its XML declaration naming `encoding`."""
    items = "".join(ITEM.format(i=i) for i in range(entries))
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{head}<rss version="2.0"><channel>'
        f"<title>Desk</title>\n{items}</channel></rss>\n"
    )


def atom(entries: int) -> str:
    """An Atom feed of `entries` entries, with a prefixed namespace for good measure."""
    body = "".join(
        f"<a:entry><a:title>Story {i}</a:title><a:link href='https://example.org/s/{i}'/>"
        f"<a:id>s{i}</a:id><a:summary>Words {i}.</a:summary></a:entry>\n"
        for i in range(entries)
    )
    return (
        f"<?xml version='1.0'?>\n<a:feed xmlns:a='http://www.w3.org/2005/Atom'>\n{body}</a:feed>\n"
    )


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_a_utf16_or_utf32_feed_with_its_byte_order_mark_is_read(tmp_path, codec):
    """A valid feed in UTF-16 or UTF-32 (mark first, as XML requires) gives its entries, with
    their accents, instead of "looks like a binary file"."""
    name = codec.split("-")[0].upper().replace("UTF", "UTF-")
    text = rss(3, encoding=name).replace("Story 1 on", "Perú y Chile: story 1 on")
    data = text.encode(codec)
    if codec.endswith("-be"):
        data = ("\ufeff" + text).encode(codec)  # the -be codecs write no mark themselves
    feed = tmp_path / "world.xml"
    feed.write_bytes(data)
    assert data[:4].count(0) >= 1  # NUL bytes near the start, as a binary file has
    loaded = load_file(feed)
    titles = [h.title for h in loaded.headlines]
    assert titles == ["Story 0 on the border", "Perú y Chile: story 1 on the border",
                      "Story 2 on the border"]  # fmt: skip
    assert loaded.warnings == ()


def test_a_binary_file_named_xml_is_still_refused_in_one_line(tmp_path, monkeypatch):
    """NUL bytes without a byte-order mark: the one "binary" line, exit 1, nothing built."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feed.xml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    result = CliRunner().invoke(app, ["build", "feed.xml"])
    one_error_line(result, "feed.xml: looks like a binary file, not text")


def test_a_utf16_feed_broken_mid_way_names_its_line(tmp_path):
    """A UTF-16 mark, then bytes that are not UTF-16 on line 3: that line, and what to do."""
    data = rss(2, encoding="UTF-16").encode("utf-16")
    lines = data.split("\n".encode("utf-16-le"))
    lines[2] = lines[2] + b"\x00\xd8"  # a lone high surrogate: half a character
    feed = tmp_path / "world.xml"
    feed.write_bytes("\n".encode("utf-16-le").join(lines))
    with pytest.raises(SourceError) as caught:
        load_file(feed)
    assert str(caught.value).startswith(f"{feed}:3: starts as UTF-16")
    assert "save the feed as UTF-8" in str(caught.value)


@pytest.mark.parametrize("make", [rss, atom], ids=["rss", "atom"])
def test_a_feed_past_the_entry_limit_keeps_the_first_and_says_how_many(make):
    """1,500 entries: the first 1,000 read, in order, and one warning saying 1,000 of 1,500."""
    sources = parse_feed(make(1_500).encode(), "big.xml")
    titles = [h.title for h in sources.headlines]
    assert len(titles) == MAX_ENTRIES
    assert titles[0].startswith("Story 0") and titles[-1].startswith(f"Story {MAX_ENTRIES - 1}")
    assert sources.warnings == (
        "big.xml: 1,500 entries, more than the 1,000 read from one feed; kept the first 1,000 "
        "(in the feed's order), left out 500",
    )


def test_a_feed_at_the_entry_limit_is_read_whole_without_a_warning():
    """Exactly 1,000 entries: all read, no warning."""
    sources = parse_feed(rss(MAX_ENTRIES).encode(), "feed.xml")
    assert len(sources.headlines) == MAX_ENTRIES and sources.warnings == ()


def styled(spans: int, *, escaped: bool = False) -> str:
    """A description of `spans` spans, each styled its own way (nothing to remember), in
    CDATA or escaped."""
    html = "".join(f'<span style="color:#{i:06x}">w</span> ' for i in range(spans))
    if escaped:
        return html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<![CDATA[{html}]]>"


def spans_weighing(most: int) -> int:
    """The most spans `styled` may hold for its HTML to weigh at most `most` tags."""
    spans = most // 2
    while True:
        html = styled(spans).removeprefix("<![CDATA[").removesuffix("]]>")
        if html.count("<") + markup_weight(html) <= most:
            return spans
        spans = spans * 9 // 10


@pytest.mark.parametrize("escaped", [False, True], ids=["cdata", "escaped"])
def test_a_feed_whose_html_holds_too_many_tags_keeps_the_entries_before_it(escaped):
    """Three short items, then one whose description holds more tags than a feed may (each
    costs the sanitizer and the hiding rules: 10 MB of them took a minute), then one more:
    the three read, the two after left out, and one warning naming the bound."""
    text = rss(5).replace("Words of story 3.", styled(MAX_HTML_TAGS // 2 + 10, escaped=escaped))
    sources = parse_feed(text.encode(), "desk.xml")
    assert [h.title for h in sources.headlines] == [f"Story {i} on the border" for i in range(3)]
    assert sources.warnings == (
        f"desk.xml: its entries' HTML holds more than the {MAX_HTML_TAGS:,} tags read from one "
        "feed (each is checked for hidden text); kept the first 3 of its 5 entries (in the "
        "feed's order), left out 2: shorten their HTML or keep fewer entries",
    )


def test_a_first_entry_with_too_many_tags_leaves_none_and_says_so():
    """The bound passed in the first entry: no headline, the warning (not "no entries"), and a
    feed URL's publisher named as the one to fix it."""
    text = rss(2).replace("Words of story 0.", styled(MAX_HTML_TAGS // 2 + 10))
    sources = parse_feed(text.encode(), "https://example.org/feed")
    assert sources.headlines == ()
    assert len(sources.warnings) == 1
    assert "kept none of its 2 entries" in sources.warnings[0]
    assert sources.warnings[0].endswith("left out 2: its publisher has to shorten them")


def test_tags_spread_over_many_entries_count_together():
    """Many entries under the bound each, over it together: cut where the sum passes it."""
    per_entry = spans_weighing(MAX_HTML_TAGS // 10)  # a tenth of the bound each
    text = rss(12)
    for i in range(12):
        text = text.replace(f"Words of story {i}.", styled(per_entry))
    bounded = bounded_feed(text.encode(), "desk.xml")
    assert (bounded.entries, bounded.kept, bounded.by_html) == (12, 10, True)
    assert bounded.data.count(b"<item>") == 10


def test_html_past_the_bound_in_the_channel_refuses_the_feed_in_one_line():
    """The channel's own description (outside every entry): nothing to cut, so refused."""
    text = rss(2).replace("<title>Desk</title>", "<title>Desk</title><description>"
                          + styled(MAX_HTML_TAGS // 2 + 10) + "</description>")  # fmt: skip
    with pytest.raises(SourceError) as caught:
        bounded_feed(text.encode(), "desk.xml")
    assert str(caught.value).startswith(f"desk.xml:2: its HTML holds more than {MAX_HTML_TAGS:,}")
    assert str(caught.value).endswith("refused: shorten the channel's description")


def test_a_feed_expat_cannot_read_is_cut_at_the_entry_its_html_passes_the_bound_in():
    """A bare & (expat stops, feedparser's lenient parser reads on): the tags still count,
    the raw ones and the escaped ones, and the feed is cut before the entry that passes."""
    text = rss(6).replace("Words of story 0.", "Words of story 0 & more.")
    text = text.replace("Words of story 2.", styled(spans_weighing(MAX_HTML_TAGS // 2)))
    text = text.replace(
        "Words of story 4.", styled(spans_weighing(MAX_HTML_TAGS // 2) + 100, escaped=True)
    )
    bounded = bounded_feed(text.encode(), "desk.xml")
    assert (bounded.entries, bounded.kept, bounded.by_html) == (6, 4, True)
    assert bounded.data.count(b"<item>") == 4


def test_xhtml_content_counts_its_elements_as_tags():
    """Atom's type="xhtml" content is real XML, no `<` in any text, yet feedparser writes it
    out as HTML for the sanitizer (240,000 styled spans: 40 s): its elements count, two tags
    each, and the feed is cut before the entry that passes the bound."""
    spans = "".join(f'<span style="color:#{i:06x}">w</span>' for i in range(MAX_HTML_TAGS // 8))
    text = atom(4).replace(
        "<a:summary>Words 2.</a:summary>",
        "<a:content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
        f"{spans}</div></a:content>",
    )
    bounded = bounded_feed(text.encode(), "desk.xml")
    assert (bounded.entries, bounded.kept, bounded.by_html) == (4, 2, True)
    assert bounded.data.count(b"<a:entry>") == 2


def test_an_entry_inside_an_entry_does_not_make_its_html_the_channels():
    """An item holding an element named item (feedparser makes an entry of each): the HTML
    after it is still its entry's, so the feed is cut there, not refused whole."""
    text = rss(4).replace(
        "<description>Words of story 2.</description>",
        f"<x:item xmlns:x='urn:x'/><description>{styled(MAX_HTML_TAGS // 2 + 10)}</description>",
    )
    bounded = bounded_feed(text.encode(), "desk.xml")
    assert (bounded.kept, bounded.by_html) == (2, True)
    assert bounded.data.count(b"<item>") == 2


@pytest.mark.parametrize("less_than", ["&#60;", "&#x3C;", "&#0060;", "&lt", "&LT;"])
def test_a_feed_expat_cannot_read_counts_every_reference_its_html_makes_a_tag(less_than):
    """A bare & sends the feed to feedparser's lenient parser, which makes a tag of `&#60;`,
    `&#x3c;`, `&lt` without its `;` (10 MB of them: 29-39 s before the feed was refused):
    each counts as a `<` does."""
    html = styled(MAX_HTML_TAGS // 2 + 10, escaped=True).replace("&lt;", less_than)
    text = rss(3).replace("Words of story 0.", "Words of story 0 & more.")
    text = text.replace("Words of story 1.", html)
    bounded = bounded_feed(text.encode(), "desk.xml")
    assert (bounded.entries, bounded.kept, bounded.by_html) == (3, 1, True)


def test_a_feed_expat_cannot_read_with_too_much_html_in_its_channel_is_refused():
    """The lenient path counts from the feed's start: HTML past the bound before the first
    entry (uncounted before) refuses the feed in one line, as the strict path does."""
    text = rss(2).replace("<title>Desk</title>", "<title>Desk & co</title><description>"
                          + styled(MAX_HTML_TAGS // 2 + 10, escaped=True) + "</description>")  # fmt: skip
    with pytest.raises(SourceError) as caught:
        bounded_feed(text.encode(), "desk.xml")
    assert str(caught.value).startswith(f"desk.xml:3: its HTML holds more than {MAX_HTML_TAGS:,}")


def test_a_feed_expat_cannot_read_is_cut_by_its_tags():
    """A bare & in the first entry (feedparser's lenient parser reads on): still 1,000 entries
    at most, cut at the 1,001st item tag."""
    text = rss(1_200).replace("Words of story 0.", "Words of story 0 & more.")
    bounded = bounded_feed(text.encode(), "feed.xml")
    assert (bounded.entries, bounded.kept) == (1_200, MAX_ENTRIES)
    assert bounded.data.count(b"<item>") == MAX_ENTRIES


def laughs(levels: int = 9) -> str:
    """A billion laughs in a feed's DOCTYPE: each entity ten of the one before."""
    entities = '<!ENTITY lol "lol">\n' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">\n'
        for i in range(1, levels + 1)
    )
    return rss(1, head=f"<!DOCTYPE rss [\n{entities}]>\n").replace(
        "Story 0 on", f"Story &lol{levels}; on"
    )


@pytest.mark.parametrize(
    ("head", "body_extra", "said"),
    [
        (None, "", "feed.xml:4: its DOCTYPE defines the entity &lol1; by another (&lol;)"),
        ('<!DOCTYPE rss [<!ENTITY big "{big}">]>\n', "&big;" * 200,
         f"feed.xml:2: its DOCTYPE's entities would add more than {MAX_EXPANSION:,} characters "
         "(&big; is 10,000 characters, used 200 times)"),
        ('<!DOCTYPE rss [<!ENTITY % p "x">]>\n', "",
         "feed.xml:2: its DOCTYPE declares a parameter entity (p), which no feed needs"),
        ('<!DOCTYPE rss [<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n', "&ext;",
         "feed.xml:2: its DOCTYPE declares an external entity (ext), which no feed needs"),
        ("<!DOCTYPE rss [" + "".join(f'<!ENTITY e{i} "x">' for i in range(65)) + "]>\n", "",
         "feed.xml:2: its DOCTYPE declares more than 64 entities"),
    ],
    ids=["billion laughs", "quadratic", "parameter", "external", "too many"],
)  # fmt: skip
def test_entities_built_to_grow_are_refused_before_feedparser_sees_them(
    head, body_extra, said, monkeypatch
):
    """Nested, parameter, external, too many or too much expanding entities: one error naming
    the file, the line and the entity, and what to do, and feedparser never called."""
    import feedparser

    if head is None:
        text = laughs()
    else:
        text = rss(1, head=head.replace("{big}", "x" * 10_000)).replace(
            "Words of story 0.", f"Words {body_extra}"
        )

    def never(*_args, **_kwargs):
        raise AssertionError("feedparser was handed the feed")

    monkeypatch.setattr(feedparser, "parse", never)  # it took 3.4 s on a billion laughs
    with pytest.raises(SourceError) as caught:
        parse_feed(text.encode(), "feed.xml")
    message = str(caught.value)
    assert message.startswith(said), message
    assert message.endswith("refused: remove the DOCTYPE's [ … ] declarations (a feed needs none)")


def test_a_feed_url_with_a_billion_laughs_says_its_publisher_must_fix_it():
    """For a feed given by URL the advice names its publisher, not an edit."""
    with pytest.raises(SourceError, match=r"refused: its publisher has to fix the feed"):
        parse_feed(laughs().encode(), "https://example.org/world.rss")


def test_a_plain_entity_in_a_doctype_is_still_read():
    """An entity for text (`<!ENTITY desk "World desk">`), used a few times: the feed is read,
    as before (feedparser shows such an entity as written)."""
    text = rss(2, head='<!DOCTYPE rss [<!ENTITY desk "World desk">]>\n').replace(
        "Story 0 on", "&desk;: story 0 on"
    )
    sources = parse_feed(text.encode(), "feed.xml")
    assert [h.title for h in sources.headlines] == [
        "&desk;: story 0 on the border",
        "Story 1 on the border",
    ]


def test_a_billion_laughs_on_the_command_line_is_one_line_and_builds_nothing(
    tmp_path: Path, monkeypatch
):
    """`newsletter build feed.xml` with a billion laughs: exit 1, one line, no issue folder."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init", "."]).exit_code == 0
    (tmp_path / "feed.xml").write_text(laughs(), "utf-8")
    result = CliRunner().invoke(app, ["build", "feed.xml", "samples"])
    one_error_line(result, "feed.xml:4: its DOCTYPE defines the entity &lol1;")
    issues = tmp_path / "issues"
    assert not issues.exists() or not any(issues.iterdir())


def test_entities_expat_cannot_reach_are_refused_not_passed_on():
    """A DOCTYPE with entities behind a bogus encoding or a broken comment, which expat cannot
    read to check: refused in one line; the same bogus encoding without entities still reads."""
    bogus = laughs().replace('encoding="utf-8"', 'encoding="x-bogus"')
    with pytest.raises(SourceError, match=r"^feed.xml:1: its DOCTYPE declares entities, and "
                       r"cannot be read to check them \(unknown encoding: x-bogus\)"):  # fmt: skip
        parse_feed(bogus.encode(), "feed.xml")
    hidden = laughs().replace("<!DOCTYPE rss [", "<!DOCTYPE rss [ <!-- x")
    with pytest.raises(SourceError, match=r"cannot be read to check them"):
        parse_feed(hidden.encode(), "feed.xml")
    plain = rss(2).replace('encoding="utf-8"', 'encoding="x-bogus"')
    assert len(parse_feed(plain.encode(), "feed.xml").headlines) == 2
