"""A feed's headline is plain text: markup in it is read once (tags dropped, entities decoded),
never printed as `<b>` or `&lt;b&gt;` in a title or the Subject; an aggregator's chain of
outlet names is dropped whole when a headline is borrowed as a title; a feed's `<title>` has a
length (sources/feeds.py, assemble/title_headline.py; docs/security.md, *A feed's headline*)."""

from __future__ import annotations

import pytest

from newsletter.assemble.title_headline import as_title, without_outlet
from newsletter.sources.feeds import FEED_TITLE_CHARS, parse_feed
from tests.support.build_json import build_json
from tests.test_title_headline import FED, SEED, _feed, _item, write


def _titles(raw_title: str, channel: str = "Wire") -> tuple[str, str, tuple[str, ...]]:
    data = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{channel}</title><link>https://wire.example/</link>
<item><title>{raw_title}</title><link>https://wire.example/a</link>
<description>The council met on Tuesday.</description></item></channel></rss>""".encode()
    sources = parse_feed(data, "feeds/wire.xml")
    (headline,) = sources.headlines
    return headline.title, headline.publisher, sources.warnings


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("Fed &lt;b&gt;cuts&lt;/b&gt; rates", "Fed cuts rates"),
        ("<![CDATA[Fed <b>cuts</b> <i>rates</i>]]>", "Fed cuts rates"),
        ("Fed &amp;lt;b&amp;gt;cuts&amp;lt;/b&amp;gt; rates", "Fed cuts rates"),
        ("Q&amp;amp;A: the Fed &amp;#8238;cuts", "Q&A: the Fed cuts"),
        ("Fed &lt;span style='display:none'&gt;hidden&lt;/span&gt;cuts rates", "Fed cuts rates"),
        ("Fed cuts rates by 0.25 &lt; 0.5 points", "Fed cuts rates by 0.25 < 0.5 points"),
        ("AT&amp;T buys Time Warner", "AT&T buys Time Warner"),
    ],
)
def test_a_feed_title_is_plain_text_decoded_once(raw, plain):
    """Markup in a feed's `<title>` (escaped, in CDATA, escaped twice, an encoded bidi
    override, a hidden span) is read once as HTML: tags dropped, entities decoded, the
    override removed; a `<` that starts no tag is text. It used to reach the headline, a
    borrowed title and the Subject as `<b>cuts</b>`."""
    assert _titles(raw)[0] == plain


def test_a_headline_still_showing_markup_or_an_entity_is_never_borrowed():
    """A headline that still shows `<b>` or `&amp;` once its feed was read (entity soup) is
    no title for an unsure lead; the same words without it are."""
    text = " ".join(FED["paragraphs"])
    clean = "Fed cuts interest rates for the first time since 2008"
    assert as_title(clean, "", text) is not None
    for soup in ("Fed <b>cuts</b> interest rates for the first time since 2008",
                 "Fed cuts interest rates for the first time since 2008 &amp;amp;",
                 "Fed cuts interest rates &#8238;for the first time since 2008"):  # fmt: skip
        assert as_title(soup, "", text) is None, soup


def test_markup_in_a_borrowed_headline_never_reaches_the_subject(workspace):
    """An unsure lead borrows a feed's headline written with escaped markup: its title and the
    email's Subject are the plain words."""
    seed = write(workspace, "seeds/fed.txt", SEED)
    marked = "Fed &lt;b&gt;cuts&lt;/b&gt; interest rates for the first time since 2008"
    item = _item(marked, "https://news.example/fed", "Axios", "https://www.axios.com/")
    data = build_json(seed, write(workspace, "feeds/business.xml", _feed(item)))
    assert data["lead"]["title"] == "Fed cuts interest rates for the first time since 2008"
    assert data["lead"]["title_from"] == "Axios"
    for shown in (data["lead"]["title"], data["subject"]):
        assert "<" not in shown and "&" not in shown, shown


@pytest.mark.parametrize(
    ("headline", "title"),
    [
        ("Fed cuts rates - Reuters - Yahoo News", "Fed cuts rates"),
        ("Fed cuts rates - Reuters | MSN", "Fed cuts rates"),
        ("Fed cuts rates - reuters.com - Yahoo News", "Fed cuts rates"),
        ("Fed cuts rates - The Associated Press - Google News", "Fed cuts rates"),
        ("Fed cuts rates - Wire - Yahoo News", "Fed cuts rates"),  # the publisher
        # real headlines with dashes keep all but the outlet
        ("Biden - Xi Summit - Reuters", "Biden - Xi Summit"),
        ("Fed cuts rates - Markets Rally - Bloomberg", "Fed cuts rates - Markets Rally"),
        ("Fed cuts rates | Politics | Reuters", "Fed cuts rates | Politics"),
        ("Fed cuts rates - BBC News", "Fed cuts rates"),
    ],
)
def test_an_aggregators_chain_of_outlets_is_dropped_whole(headline, title):
    """Only the last " - Outlet" of "X - Reuters - Yahoo News" was dropped; each further part
    goes only when it is surely an outlet's name (a word only outlets' names have, a domain,
    or the feed's own publisher), so a headline's own dashes stay."""
    assert without_outlet(headline, "Wire") == title


def test_a_feed_title_is_cut_at_a_word_with_a_warning():
    """A `<title>` of 10,000 characters was one headline: it is cut at a word within
    FEED_TITLE_CHARS and ends in "…", with a warning naming the entry; a channel title of as
    many is cut too (to the publisher's 60 characters)."""
    long = " ".join(["council"] * 1400)
    title, publisher, warnings = _titles(long, channel=" ".join(["Wire"] * 2500))
    assert len(title) <= FEED_TITLE_CHARS and title.endswith("council…")
    assert len(publisher) <= 60 and publisher.endswith("…")
    assert f"feeds/wire.xml#1: the title is {len(long):,} characters; cut to 200" in warnings
    assert _titles("A 173-character headline " + "x" * 148)[0].endswith("x")  # a long real one
