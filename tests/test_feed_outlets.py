"""A feed entry's own outlet (an aggregator's `<source>`, Atom's entry `<source>`, `dc:publisher`)
as its headline's publisher and as the outlet the lead's coverage counts, through
`newsletter build --json` (docs/sources.md, "Aggregator and wire feeds")."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.build_json import build_json, publishers

runner = CliRunner()

STORY = """---
title: Baltimore's Key Bridge collapses after a cargo ship strikes it
url: https://example.org/stories/key-bridge
date: 2026-11-24
---

A container ship lost power and struck a support pier of the Francis Scott Key Bridge in
Baltimore early on Tuesday, and the bridge collapsed into the Patapsco River within seconds.

Divers searched the river for six construction workers who were filling potholes on the span.
The port of Baltimore, one of the busiest on the East Coast, closed to ship traffic.
"""

# An aggregator's feed as news aggregators write it: every link is the aggregator's own, each
# item names its outlet (RSS 2.0 <source url>, or Dublin Core dc:publisher).
AGGREGATOR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Top stories - News aggregator</title>
    <link>https://news.agg.example/</link>
    <description>Headlines from many outlets</description>
    <item>
      <title>Key Bridge in Baltimore collapses after ship collision</title>
      <link>https://news.agg.example/articles/CBMiQ1</link>
      <pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate>
      <source url="https://www.harbor-times.example">The Harbor Times</source>
    </item>
    <item>
      <title>Divers search Patapsco River for workers after Key Bridge collapse</title>
      <link>https://news.agg.example/articles/CBMiQ2</link>
      <pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>
      <source url="https://chesapeake-wire.example/rss">Chesapeake Wire</source>
    </item>
    <item>
      <title>Port of Baltimore closed to ships after bridge collapse</title>
      <link>https://news.agg.example/articles/CBMiQ3</link>
      <pubDate>Tue, 24 Nov 2026 11:00:00 GMT</pubDate>
      <dc:publisher>Maryland Ledger</dc:publisher>
    </item>
    <item>
      <title>Markets steady as traders await jobs report</title>
      <link>https://news.agg.example/articles/CBMiQ4</link>
      <pubDate>Tue, 24 Nov 2026 12:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>
"""


def write(workspace: Path, name: str, text: str) -> str:
    path = workspace / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return name


def test_an_aggregators_items_show_their_outlets_and_count_as_several(workspace):
    """Each item of an aggregator's RSS feed shows the outlet its <source> or dc:publisher
    names (one naming none, the feed's title), and the lead covered by three outlets through
    one aggregator's links reads "from 3 sources", as it is scored, and again when the issue
    is re-rendered from its manifest."""
    story = write(workspace, "stories/bridge.md", STORY)
    feed = write(workspace, "feeds/aggregator.xml", AGGREGATOR)
    data = build_json(story, feed)
    assert publishers(data) == {
        "Key Bridge in Baltimore collapses after ship collision": "The Harbor Times",
        "Divers search Patapsco River for workers after Key Bridge collapse": "Chesapeake Wire",
        "Port of Baltimore closed to ships after bridge collapse": "Maryland Ledger",
        "Markets steady as traders await jobs report": "Top stories - News aggregator",
    }
    assert data["lead"]["why"] == "3 headlines from 3 sources cover this story"  # was 1 source
    manifest = (workspace / data["issue_dir"] / "issue.toml").read_text("utf-8")
    assert 'publisher = "Chesapeake Wire"' in manifest  # what the email shows beside the line
    text = (workspace / data["issue_dir"] / "index.txt").read_text("utf-8")
    assert "The Harbor Times" in text and "Maryland Ledger" in text
    again = build_json(data["issue_dir"])  # re-rendered from the manifest: the same count
    assert again["lead"]["why"] == data["lead"]["why"]
    assert publishers(again) == publishers(data)


def test_an_atom_entrys_source_is_its_publisher_not_its_author(workspace):
    """An Atom entry's <source><title> (HTML, as type="html" says) is its publisher as plain
    text, never the entry's <author> (a person); an entry without one has the feed's title."""
    feed = write(
        workspace,
        "feeds/planet.atom",
        """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Planet Harbour</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>
  <updated>2026-11-24T12:00:00Z</updated>
  <entry>
    <title>Key Bridge in Baltimore collapses after ship collision</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <link href="https://planet.example/2026/11/bridge"/>
    <updated>2026-11-24T09:00:00Z</updated>
    <author><name>Dana Reporter</name></author>
    <source>
      <id>https://harbor-times.example/</id>
      <title type="html">&lt;i&gt;The Harbor Times&lt;/i&gt;</title>
      <link href="https://harbor-times.example/"/>
      <updated>2026-11-24T08:00:00Z</updated>
    </source>
  </entry>
  <entry>
    <title>Markets steady as traders await jobs report</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6b</id>
    <link href="https://planet.example/2026/11/markets"/>
    <updated>2026-11-24T10:00:00Z</updated>
    <author><name>Dana Reporter</name></author>
  </entry>
</feed>
""",
    )
    data = build_json(write(workspace, "stories/bridge.md", STORY), feed)
    assert publishers(data) == {
        "Key Bridge in Baltimore collapses after ship collision": "The Harbor Times",
        "Markets steady as traders await jobs report": "Planet Harbour",
    }


def test_a_feed_naming_no_outlets_keeps_its_title_and_counts_by_link_host(workspace):
    """A feed whose items name no outlet shows its own title on every line, and its items
    count by their links' hosts as before: a wire feed linking to two outlets is 2 sources."""
    feed = write(
        workspace,
        "feeds/desk.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>World desk</title><link>https://desk.example/</link>
<description>What the desk collected</description>
<item><title>Key Bridge in Baltimore collapses after ship collision</title>
<link>https://www.harbor-times.example/bridge</link></item>
<item><title>Divers search Patapsco River for workers after Key Bridge collapse</title>
<link>https://chesapeake-wire.example/divers</link></item>
<item><title>Port of Baltimore closed to ships after bridge collapse</title>
<link>https://harbor-times.example/port</link></item>
</channel></rss>
""",
    )
    data = build_json(write(workspace, "stories/bridge.md", STORY), feed)
    assert set(publishers(data).values()) == {"World desk"}
    assert data["lead"]["why"] == "3 headlines from 2 sources cover this story"


def test_an_outlet_name_from_outside_is_plain_capped_text(workspace):
    """An outlet name is the feed's text: its markup is dropped, a control character (a line
    separator, which XML allows and a one-line field cannot hold) becomes a space with one
    warning naming the entry, and a name past 60 characters is cut at a word with an ellipsis."""
    long_name = "The Extremely Long Name Of An Outlet That Goes On And On Past Any Reasonable Limit"
    feed = write(
        workspace,
        "feeds/hostile.xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Aggregator</title><link>https://agg.example/</link>
<description>d</description>
<item><title>Key Bridge in Baltimore collapses after ship collision</title>
<link>https://agg.example/1</link>
<source url="https://a.example/"><![CDATA[<b>Harbor</b> <script>alert(1)</script>Times]]></source></item>
<item><title>Divers search Patapsco River for workers after Key Bridge collapse</title>
<link>https://agg.example/2</link><source url="https://b.example/">Chesapeake\u2028Wire</source></item>
<item><title>Port of Baltimore closed to ships after bridge collapse</title>
<link>https://agg.example/3</link><source url="https://c.example/">{long_name}</source></item>
</channel></rss>
""",
    )
    story = write(workspace, "stories/bridge.md", STORY)
    result = runner.invoke(
        app, ["build", story, feed, "--date", "2026-11-26", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    shown = publishers(json.loads(result.stdout))
    assert shown["Key Bridge in Baltimore collapses after ship collision"] == "Harbor Times"
    assert shown["Divers search Patapsco River for workers after Key Bridge collapse"] == (
        "Chesapeake Wire"
    )
    cut = shown["Port of Baltimore closed to ships after bridge collapse"]
    assert cut == "The Extremely Long Name Of An Outlet That Goes On And On…" and len(cut) <= 60
    assert (
        "feeds/hostile.xml#2: the source holds the control character U+2028; replaced by a space"
        in result.output
    )


def test_bidi_overrides_and_invisible_characters_leave_an_outlet_name(workspace):
    """An outlet named with a right-to-left override, an isolate and zero-width characters:
    the name reaches readers without them (an unclosed override reversed the rest of the line
    in the email, "· 3 min read" included), right-to-left marks kept for names that need them."""
    feed = write(
        workspace,
        "feeds/bidi.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Aggregator</title><link>https://agg.example/</link>
<description>d</description>
<item><title>Key Bridge in Baltimore collapses after ship collision</title>
<link>https://agg.example/1</link><source url="https://a.example/">\u202eHarbor\u200b Times\u2066</source></item>
<item><title>Divers search Patapsco River for workers after Key Bridge collapse</title>
<link>https://agg.example/2</link><source url="https://b.example/">\u200fالجزيرة\ufeff</source></item>
</channel></rss>
""",
    )
    data = build_json(write(workspace, "stories/bridge.md", STORY), feed)
    shown = publishers(data)
    assert shown["Key Bridge in Baltimore collapses after ship collision"] == "Harbor Times"
    assert shown["Divers search Patapsco River for workers after Key Bridge collapse"] == (
        "\u200fالجزيرة"
    )


def test_script_and_style_in_an_outlet_name_are_dropped_not_shown(workspace):
    """An outlet name holding `<script>` and `<style>` (feedparser sanitizes no `<source>`):
    their code never reaches readers as text; it was shown as 'Harbor run() b{}Times'."""
    feed = write(
        workspace,
        "feeds/script.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Aggregator</title><link>https://agg.example/</link>
<description>d</description>
<item><title>Key Bridge in Baltimore collapses after ship collision</title>
<link>https://agg.example/1</link><source url="https://a.example/"><![CDATA[<b>Harbor</b>
<script>run()</script><style>b{}</style>Times]]></source></item>
</channel></rss>
""",
    )
    data = build_json(write(workspace, "stories/bridge.md", STORY), feed)
    assert publishers(data)["Key Bridge in Baltimore collapses after ship collision"] == (
        "Harbor Times"
    )


def test_a_persian_outlet_name_keeps_its_zero_width_non_joiner(workspace):
    """A Persian outlet whose name holds a zero-width non-joiner (U+200C) keeps it, as every
    other source text does (dropped, the ezafe of "Shargh daily" joined its noun, a
    misspelling); a zero-width space in the same name (padding) still goes."""
    feed = write(
        workspace,
        "feeds/persian.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Aggregator</title><link>https://agg.example/</link>
<description>d</description>
<item><title>Key Bridge in Baltimore collapses after ship collision</title>
<link>https://agg.example/1</link><source url="https://a.example/">\u200b\u0631\u0648\u0632\u0646\u0627\u0645\u0647\u200c\u06cc \u0634\u0631\u0642</source></item>
</channel></rss>
""",
    )
    data = build_json(write(workspace, "stories/bridge.md", STORY), feed)
    assert publishers(data)["Key Bridge in Baltimore collapses after ship collision"] == (
        "\u0631\u0648\u0632\u0646\u0627\u0645\u0647\u200c\u06cc \u0634\u0631\u0642"
    )
