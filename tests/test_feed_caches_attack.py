"""What a feed's HTML leaves behind once read: `text.read_html` remembers the last few
fragments and `css_hiding.style_hides` the last styles (each asked several times while an
entry is read), but a long-running process (the preview, serve) never holds a hostile feed's
10 MB description or its megabyte styles after the build (docs/security.md, *Today's
titles, places, masks and caches*)."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from newsletter.sources.css_hiding import style_hides
from newsletter.sources.feeds import parse_feed
from newsletter.sources.text import read_html

MB = 1_000_000


def _held_after(work) -> int:
    """Bytes still allocated after `work()` returned and its garbage was collected (what a
    first call imports and compiles taken first)."""
    parse_feed(_feed('<p style="color:red">warm <b>up</b></p>'), "feeds/warm.xml")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def _feed(description: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        "<title>Peru</title><link>https://example.org/a</link>"
        f"<description><![CDATA[{description}]]></description></item></channel></rss>"
    ).encode()


@pytest.mark.slow
def test_a_feeds_html_is_not_held_once_the_feed_is_read():
    """Three feeds each of a 0.7 MB description, read one after another: none of their HTML or
    text is held afterwards (read_html's memory held the last four fragments and their text,
    65 MB after five 10 MB ones)."""
    feeds = [_feed(f"<p>{i} " + "word <b>bold</b> " * 40_000 + "</p>") for i in range(3)]

    def read() -> None:
        for data in feeds:
            parse_feed(data, "feeds/x.xml")

    assert _held_after(read) < MB
    assert read_html("<p>a <b>b</b></p>").text == "a b"  # still answers


@pytest.mark.slow
def test_long_styles_are_not_remembered():
    """400 distinct styles of 10 KB each (a feed's): what style_hides and the declarations'
    reader remember stays small (they held every one, 4 MB; 1,024 of them, 10 MB); short
    styles are still remembered."""

    def ask() -> None:
        for i in range(400):
            style_hides(f"color:#{i:06x};" + " " * 10_000)

    assert _held_after(ask) < MB
    assert style_hides("display:none") and not style_hides("color:red")
