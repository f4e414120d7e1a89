"""Feed shapes an outsider may write, tried from outside through the feed reader (docs/security.md,
*Feeds, reports, relays and serve, a third round from outside*): what reaches a reader's copy."""

from __future__ import annotations

import html

import pytest

from newsletter.sources.feeds import parse_feed


def _feed(*items: tuple[str, str]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link>"
        "<description>Short.</description></item>"
        for t, u in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
{entries}</channel></rss>""".encode()


@pytest.mark.parametrize(
    "title",
    [
        "Log in at ｗｗｗ.paypal.com today",  # full-width letters
        "Verify at ｗｗｗ．ｐａｙｐａｌ．ｃｏｍ",  # full-width letters and full stops
        "Verify at www\u2024paypal\u2024com",  # ONE DOT LEADER, drawn as a full stop
        "Verify at ｈｔｔｐｓ://paypal.com/signin",  # a full-width scheme
    ],
)
def test_a_title_showing_another_site_in_compatibility_characters_loses_its_link(title):
    """A headline writing another site's address in full-width letters or with a dot leader
    for its full stops (which a reader reads as `www.paypal.com`) kept its link to the feed's
    own site: the look-alike passed the address check, written for ASCII alone. The title is
    now read as Unicode's compatibility form (NFKC) first: the link is left out, said."""
    sources = parse_feed(_feed((title, "https://evil.example/a")), "feeds/wire.xml")
    assert [h.url for h in sources.headlines] == [None]
    assert (
        "feeds/wire.xml#1: the title shows the address paypal.com but links to evil.example; "
        "link left out"
    ) in sources.warnings
