"""Feed HTML under the tag bound that costs more than its tags: long styles, style sheets,
tags split over CDATA sections, heavy attributes. The bound weighs what a tag holds
(`feed_bounds.markup_weight`), so each is cut before the entry that passes it; the time each
took is bench/bench_feeds.py's."""

from __future__ import annotations

import pytest

from newsletter.errors import SourceError
from newsletter.sources.feed_bounds import MAX_ELEMENTS, MAX_HTML_TAGS, bounded_feed
from tests.test_feed_bounds import atom, rss

# 24 declarations in each style: 14.8 s at 24,990 spans, under 50,000 tags counted alone
LONG_STYLE = ";".join(f"margin-{side}:{n}px" for n in range(6) for side in "tlrb"[:4])


def long_styled(spans: int) -> str:
    """`spans` spans, each its own colour and 24 declarations more."""
    return "".join(f'<span style="color:#{i:06x};{LONG_STYLE}">w</span> ' for i in range(spans))


def cut(text: str) -> tuple[int, int, bool]:
    """(entries, kept, cut for its HTML) of a feed's text."""
    bounded = bounded_feed(text.encode(), "desk.xml")
    return bounded.entries, bounded.kept, bounded.by_html


def in_story(entries: int, story: int, html: str) -> str:
    """An RSS feed of `entries` items, item `story`'s description `html` in CDATA."""
    return rss(entries).replace(f"Words of story {story}.", f"<![CDATA[{html}]]>")


def xhtml_in_story(entries: int, story: int, xhtml: str) -> str:
    """An Atom feed of `entries` entries, entry `story`'s summary type="xhtml" content holding
    `xhtml` (real XML: no CDATA)."""
    return atom(entries).replace(
        f"<a:summary>Words {story}.</a:summary>",
        "<a:content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
        f"{xhtml}</div></a:content>",
    )


@pytest.mark.parametrize(
    ("tag", "tags"),
    [
        # spans carrying 24 style declarations each, a fifth of the tags the bound allows (read
        # whole before: the styles' bytes were not counted)
        pytest.param(
            '<span style="color:#{i:06x};' + LONG_STYLE + '">w</span> ',
            MAX_HTML_TAGS // 10,
            id="long-styles",
        ),
        # tags each with a 2,000-byte title, a tenth of the tags
        pytest.param('<b title="' + "x" * 2000 + '">w</b>', MAX_HTML_TAGS // 20, id="long-titles"),
        # `<span title=">" style="…">`: a `>` inside quotes is the value's, as the sanitizer
        # reads it, so the style is weighed whole, not cut off at the quoted `>`
        pytest.param(
            '<span title=">" style="color:#{i:06x};' + LONG_STYLE + '">w</span> ',
            MAX_HTML_TAGS // 10,
            id="quoted-angle-bracket",
        ),
    ],
)
def test_tags_holding_many_bytes_are_weighed_and_cut(tag, tags):
    """An item's HTML of far fewer tags than the bound allows, each holding many bytes: weighed
    by what its tags hold, so cut before the item."""
    html = "".join(tag.format(i=i) for i in range(tags))
    assert html.count("<") < MAX_HTML_TAGS // 4
    assert cut(in_story(3, 1, html)) == (3, 1, True)


def test_one_endless_style_is_weighed_by_its_bytes():
    """One `<p>` whose style holds 200,000 declarations: one tag, weighed by its bytes."""
    html = '<p style="' + ";".join(["color:red"] * 200_000) + '">w</p>'
    assert cut(in_story(2, 0, html)) == (2, 0, True)


@pytest.mark.parametrize("closed", [True, False], ids=["closed", "unclosed"])
def test_a_style_sheet_is_weighed_by_its_bytes(closed):
    """A `<style>` sheet of 20,000 rules and three tags (its rules are read for what they hide:
    a 3 MB sheet took 6 s of CPU), closed or left open to the end: cut before the item."""
    rules = "".join(f".c{i} > b, #i{i} {{color:#{i:06x}}}" for i in range(20_000))
    html = f"<style>{rules}{'</style>' if closed else ''}<b>w</b>"
    assert cut(in_story(3, 2, html)) == (3, 2, True)


def a_style_sheet_element() -> str:
    """A `<style>` element of 20,000 rules (no `<` in its text)."""
    rules = "".join(f".c{i} > b {{color:#{i:06x}}}" for i in range(20_000))
    return f"<style>{rules}</style><b>w</b>"


def spans_with_long_styles_as_xml() -> str:
    """Spans with 24 declarations each, a fifth of the tags (no spaces between: real XML)."""
    return long_styled(MAX_HTML_TAGS // 10).replace(" ", "")


@pytest.mark.parametrize(
    "heavy_xhtml",
    [
        pytest.param(a_style_sheet_element, id="style-sheet"),
        pytest.param(spans_with_long_styles_as_xml, id="long-styles"),
    ],
)
def test_xhtml_content_is_weighed_by_its_bytes(heavy_xhtml):
    """Atom's type="xhtml" content, elements rather than escaped HTML: weighed by their bytes
    as well, so cut before the entry."""
    assert cut(xhtml_in_story(3, 1, heavy_xhtml())) == (3, 1, True)


def test_a_tag_split_over_cdata_sections_weighs_what_it_would_whole():
    """Each styled tag split in two CDATA sections (`<span sty` / `le="…">`): the pieces are
    weighed together, so the split saves nothing."""
    pieces = "".join(
        f'<![CDATA[<span sty]]><![CDATA[le="color:#{i:06x};{LONG_STYLE}">w</span>]]>'
        for i in range(MAX_HTML_TAGS // 10)
    )
    text = rss(3).replace("Words of story 1.", pieces)
    assert cut(text) == (3, 1, True)


def test_a_feed_expat_cannot_read_weighs_its_escaped_styles():
    """A bare & (the lenient parser) and long styles written `&lt;…&gt;`: weighed as well."""
    html = long_styled(MAX_HTML_TAGS // 10)
    escaped = html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = rss(3).replace("Words of story 0.", "Words of story 0 & more.")
    text = text.replace("Words of story 1.", escaped)
    assert cut(text) == (3, 1, True)


def test_an_entry_of_many_categories_is_refused_in_one_line():
    """One item with 45,000 `<category>` fields (feedparser spends 13-30 us on each element:
    200,000 took 6.5 s of CPU under the old 250,000): refused in one line naming the line."""
    body = "".join(f"<category>c{i}</category>" for i in range(45_000))
    text = rss(3).replace("<description>Words of story 1.</description>", body)
    with pytest.raises(SourceError) as caught:
        bounded_feed(text.encode(), "desk.xml")
    assert str(caught.value).startswith(f"desk.xml:4: more than {MAX_ELEMENTS:,} XML elements")


@pytest.mark.parametrize("field", ["category", "itunes:keywords"])
def test_an_entry_keeps_at_most_max_tags_categories(field):
    """12,000 distinct categories in one item, as fields or one `<itunes:keywords>` of words
    with commas (feedparser looked each up in the list before it: 3.5 s of CPU, 60,000 took
    82 s): the first MAX_TAGS kept."""
    import feedparser

    from newsletter.sources.feed_sanitizer import MAX_TAGS, few_tags

    if field == "category":
        body = "".join(f"<category>c{i}</category>" for i in range(12_000))
    else:
        words = ",".join(f"c{i}" for i in range(12_000))
        body = f"<itunes:keywords>{words}</itunes:keywords>"
    text = rss(1).replace("<description>Words of story 0.</description>", body)
    text = text.replace(
        '<rss version="2.0">',
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">',
    )
    few_tags()
    tags = feedparser.parse(text.encode())["entries"][0]["tags"]
    assert [t["term"] for t in tags] == [f"c{i}" for i in range(MAX_TAGS)]
