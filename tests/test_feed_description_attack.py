"""An RSS item whose description holds a whole story can lead (sources/feeds.py), but a feed
never takes the lead from the editor's own story by copying and padding it, and what its
HTML hides is never printed (docs/security.md, *Feed headlines, whole descriptions …*)."""

from __future__ import annotations

import html

from tests.support.build_json import build_json
from tests.test_title_headline import FED, write

EDITORS = "---\ntitle: The Fed cuts its rate\n---\n\n" + "\n\n".join(FED["paragraphs"]) + "\n"


def _wire(description: str, title: str = "Fed story from the wire") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<description>A wire</description>
<item><title>{title}</title><link>https://wire.example/a</link>
<description>{html.escape(description)}</description></item>
</channel></rss>
"""


def test_a_feed_item_repeating_the_editors_story_twice_does_not_lead_over_it(workspace):
    """The editor's Markdown story and a feed item whose description is that story twice (so
    half again as long, and each covers the other): the editor's story leads."""
    story = write(workspace, "seeds/fed.md", EDITORS)
    twice = "".join(f"<p>{p}</p>" for p in FED["paragraphs"]) * 2
    feed = write(workspace, "feeds/wire.xml", _wire(twice))
    assert build_json(story, feed)["lead"]["title"] == "The Fed cuts its rate"


def test_text_a_feeds_html_hides_is_never_printed_nor_ranked(workspace):
    """A whole-story description that hides words from a feed reader (display:none, the hidden
    attribute, a zero font size) leads with them gone from its body, its
    visible words (after the hidden ones too) kept; code and comments are gone as before."""
    visible = "".join(f"<p>{p}</p>" for p in FED["paragraphs"]) * 2
    hidden = (
        '<span style="display: none">hiddenone</span>'
        "<div hidden><p>hiddentwo <b>nested</b></p><div>hiddenthree</div></div>"
        '<span style="font-size:0px">hiddenfive</span>'
        "<script>scriptword</script><!-- commentword -->"
    )
    feed = write(
        workspace, "feeds/wire.xml", _wire(visible + hidden + "<p>Visible at the end.</p>")
    )
    data = build_json(feed)
    assert data["lead"]["url"] == "https://wire.example/a"
    folder = workspace / data["issue_dir"]
    body = (folder / "index.txt").read_text("utf-8") + (folder / "issue.toml").read_text("utf-8")
    words = ("hiddenone", "hiddentwo", "nested", "hiddenthree", "hiddenfive")
    for word in (*words, "scriptword", "commentword"):
        assert word not in body, word
    assert "Visible at the end." in body
    assert FED["paragraphs"][0][:40] in body


def test_a_control_character_in_a_description_is_said_once(workspace):
    """An RSS 2.0 description (the item's summary, and its whole text when long enough) with
    one U+2028 in it gives one warning, not one more for the same text read as a story."""
    from newsletter.sources.feeds import parse_feed

    words = " ".join(["The council met on Tuesday and voted for the new bridge."] * 40)
    data = _wire(f"<p>{words}\u2028 and adjourned.</p>").encode()
    warnings = parse_feed(data, "feeds/wire.xml").warnings
    said = [w for w in warnings if "U+2028" in w]
    assert said == [
        "feeds/wire.xml#1: the summary holds the control character U+2028; replaced by a space"
    ], warnings


def test_an_untitled_item_in_a_script_without_spaces_is_headed_by_a_short_line(workspace):
    """An untitled item of 4,800 Chinese characters (one "word" to a count by spaces) was
    headed by all of them, and a titled one summarised by all of them; its headline is now cut
    to HEADLINE_CHARS and "…", a summary to SUMMARY_CHARS."""
    from newsletter.sources.feeds import HEADLINE_CHARS, parse_feed
    from newsletter.sources.summaries import SUMMARY_CHARS

    text = "中国人民银行宣布下调存款准备金率，以支持经济增长" * 200 + "。"
    sources = parse_feed(_wire(text).replace("<title>Fed story from the wire</title>", "")
                         .encode(), "feeds/wire.xml")  # fmt: skip
    (headline,) = sources.headlines
    assert len(headline.title) <= HEADLINE_CHARS + 1
    assert headline.title.startswith("中国人民银行") and headline.title.endswith("…")
    assert len(headline.summary) <= SUMMARY_CHARS
    titled = parse_feed(_wire(text).encode(), "feeds/wire.xml").headlines[0]
    assert titled.title == "Fed story from the wire"
    assert 0 < len(titled.summary) <= SUMMARY_CHARS and titled.summary.endswith("…")


def test_a_description_of_only_invisible_characters_is_no_story(workspace):
    """A description of 300 zero-width spaces between spaces (`&#x200B; `) counted as 300
    words, so an item that shows nothing was a whole story and led the issue with an empty
    body; it is now a headline, and a description with 120 words that show is a story."""
    from newsletter.sources.feeds import parse_feed

    empty = parse_feed(_wire("&#x200B; " * 300).encode(), "feeds/wire.xml")
    assert empty.stories == () and len(empty.headlines) == 1
    words = " ".join(["The council met on Tuesday and voted for the new bridge."] * 12)
    padded = parse_feed(_wire(f"<p>{words}</p>" + "&#x200B; " * 300).encode(), "feeds/wire.xml")
    (story,) = padded.stories
    assert [w for w in story.body.split() if w != "\u200b"] == words.split()
