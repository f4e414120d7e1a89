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


@pytest.mark.parametrize(
    "written",
    [
        "<pubDate>9999-12-31T23:00:00-02:00</pubDate>",  # UTC: the year 10000
        "<pubDate>0001-01-01T01:00:00+02:00</pubDate>",  # UTC: the year 0
        "<dc:date>9999-12-31T23:59:59-23:59</dc:date>",
        "<atom:updated>0001-01-01T00:00:00+23:59</atom:updated>",
        "<pubDate>0000-01-01T00:00:00Z</pubDate>",
    ],
)
def test_a_date_that_falls_outside_the_calendar_in_utc_is_ignored(written):
    """An entry dated late on 31 December 9999 west of Greenwich (or early on 1 January of
    the year 1 east of it, or in the year 0) is a day feedparser moves into the year 10000
    (or 0) in UTC: `build` stopped with a ValueError traceback. The date is ignored now, as
    one in month 13 is, and the entry read."""
    feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Wire</title>
<link>https://wire.example/</link><item><title>Bridge vote passes</title>
<link>https://wire.example/a</link>{written}<description>Short.</description></item>
</channel></rss>""".encode()
    sources = parse_feed(feed, "feeds/wire.xml")
    assert [(h.title, h.date) for h in sources.headlines] == [("Bridge vote passes", None)]


def test_a_feed_dated_past_the_calendar_builds_through_the_cli(workspace):
    """The same through `newsletter build`: the issue is built (it was a traceback, exit 1)."""
    from tests.support.build_json import build_json
    from tests.test_title_headline import write

    feed = write(
        workspace,
        "feeds/wire.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>Bridge vote passes</title><link>https://wire.example/a</link>
<pubDate>9999-12-31T23:00:00-02:00</pubDate><description>Short.</description></item>
</channel></rss>""",
    )
    data = build_json(feed, "seeds/")
    titles = [h["title"] for h in data["related"] + data["more"]]
    assert "Bridge vote passes" in titles


@pytest.mark.parametrize(
    "reference",
    ["&#x110000;", "&#1114112;", "&#xD800;", "&#xDFFF;", "&#99999999999;", "&#x7FFFFFFFFFFFFFFF;"],
)
def test_a_reference_to_no_character_is_one_line_naming_its_line(workspace, reference):
    """A title holding a character reference past Unicode, to a surrogate, or too large for
    a machine integer: expat refuses the document, and feedparser's lenient parser, read
    then, raised ValueError, UnicodeEncodeError or OverflowError out of the build (a
    traceback). It is one line naming the feed's line now, as `&#0;` was, exit 1."""
    from typer.testing import CliRunner

    from newsletter.cli import app
    from tests.test_title_headline import write

    feed = write(
        workspace,
        "feeds/wire.xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>Bridge vote {reference} passes</title><link>https://wire.example/a</link>
<description>Short.</description></item></channel></rss>""",
    )
    result = CliRunner().invoke(app, ["build", feed, "seeds/", "--date", "2026-11-26"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith(
        "error: feeds/wire.xml:3: reference to invalid character number; a reference to a "
        "character XML forbids"
    ), result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def _one_word_sentences_feed(workspace) -> str:
    from tests.test_title_headline import write

    body = " ".join(["Wow.", "Peru.", "Chile.", "Yes."] * 40)
    return write(
        workspace,
        "feeds/wow.xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><link>https://wire.example/wow</link><description>{html.escape(f"<p>{body}</p>")}</description>
</item></channel></rss>""",
    )


@pytest.mark.parametrize("with_seeds", [False, True], ids=["as-the-lead", "as-a-card"])
def test_an_untitled_story_no_title_can_be_derived_from_still_builds_a_readable_issue(
    workspace, with_seeds
):
    """An untitled full-text feed item of one-word sentences (`Wow. Peru. Chile. Yes.` …)
    derives no title: the build wrote `title = ""` into issue.toml and exited 0, and then
    its own manifest reader refused the file (`issue.toml:43: stories[1].title: is empty`):
    a re-render, `check`, `preview`, `send` and the next `build --force` all stopped. The
    story is titled by its first words now, still marked derived."""
    from typer.testing import CliRunner

    from newsletter.cli import app
    from tests.support.build_json import build_json

    feed = _one_word_sentences_feed(workspace)
    data = build_json(feed, *(["seeds/"] if with_seeds else []))
    titles = [data["lead"]["title"]] + [c["title"] for c in data.get("stories", [])]
    assert "Wow. Peru. Chile. Yes. Wow. Peru. Chile. Yes. Wow. Peru. Chile. Yes.…" in titles
    again = CliRunner().invoke(app, ["build", data["issue_dir"]])
    assert again.exit_code == 0, again.output


def test_an_entry_of_many_refused_images_is_one_warning():
    """An item carrying 1,000 image enclosures on 127.0.0.1 (or http://) before a good one:
    each was a warning of its own, so a 368 KB feed of 100 such items printed 5,000 lines
    and buried the build's other warnings (a 10 MB feed: 140,000). One line an entry now,
    naming the first and counting the rest; the good image is still taken."""
    enclosures = "".join(
        f'<enclosure url="http://127.0.0.1/{n}.png" type="image/png"/>' for n in range(1000)
    )
    feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>Bridge vote passes</title><link>https://wire.example/a</link>{enclosures}
<enclosure url="https://img.example/ok.png" type="image/png"/>
<description>{"word " * 130}</description></item></channel></rss>""".encode()
    sources = parse_feed(feed, "feeds/wire.xml")
    assert [s.image for s in sources.stories] == ["https://img.example/ok.png"]
    images = [w for w in sources.warnings if ": image " in w]
    assert images == [
        "feeds/wire.xml#1: image 'http://127.0.0.1/0.png' is http://: images must be https:// "
        "(mail programs block or warn about images over plain http); left out, and 999 more "
        "images of this entry"
    ], images[:3]


def test_lead_names_a_feed_story_as_the_error_lists_it(workspace):
    """`--lead feeds/wire.xml#2`, the spelling the "no such story" error lists the feed's
    stories in, was refused as no such story (only the feed's file was compared, which
    names its first story); it names the second entry now."""
    from typer.testing import CliRunner

    from newsletter.cli import app
    from tests.test_title_headline import write

    items = "".join(
        f"<item><title>{title}</title><link>https://wire.example/{n}</link>"
        f"<description>{html.escape('<p>' + 'The council met and voted. ' * 30 + '</p>')}"
        "</description></item>"
        for n, title in enumerate(["Council votes on the bridge", "Harbor reopens after storm"])
    )
    feed = write(
        workspace,
        "feeds/wire.xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>{items}
</channel></rss>""",
    )
    result = CliRunner().invoke(
        app, ["build", feed, "--date", "2026-11-26", "--no-learn", "--lead", f"{feed}#2"]
    )
    assert result.exit_code == 0, result.output
    assert "lead     Harbor reopens after storm" in result.output, result.output


def test_a_title_of_first_words_is_a_headlines_length():
    """The first words of a story of one-word sentences of 500 letters each were a title of
    6,024 characters; it is cut at a word within the derived titles' limit, with "…"."""
    from newsletter.assemble.candidates import untitled_title
    from newsletter.assemble.titles import TITLE_LIMIT

    long = untitled_title([" ".join(["A" * 500 + "."] * 130)])
    assert len(long) <= TITLE_LIMIT and long.endswith("…"), len(long)
    short = untitled_title([" ".join(["Wow.", "Peru."] * 3)])
    assert short == "Wow. Peru. Wow. Peru. Wow. Peru."
