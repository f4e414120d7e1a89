"""Summaries: a feed's description as plain text, cut at a sentence near 30 words, editable."""

from __future__ import annotations

import re

import pytest

from newsletter.sources.summaries import cut_at_sentence, summary_text
from tests.support.digest_workspace import LEAD, build_in, make, rebuild_in, rss

LONG = " ".join(f"word{i}" for i in range(60))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("One short sentence.", "One short sentence."),
        (
            "<p>Tags <strong>dropped</strong> &amp; entities decoded.</p>",
            "Tags dropped & entities decoded.",
        ),
        ('<p>Text.</p><img src="https://t.example.org/p.gif" width="1">', "Text."),
        ("<script>alert(1)</script><p>Kept.</p>", "Kept."),
        ("Line\n\n  breaks   folded.", "Line breaks folded."),
        ("News. The post News appeared first on Example Desk.", "News."),
        ("Read on [...]", "Read on"),
        (
            "The first sentence has exactly ten words in it today. "
            "The second sentence also has ten words in it, friend. "
            "A third one would take us past the thirty word mark.",
            "The first sentence has exactly ten words in it today. "
            "The second sentence also has ten words in it, friend.",
        ),
        (LONG, " ".join(LONG.split()[:30]) + "…"),
        ("", ""),
    ],
    ids=[
        "plain",
        "markup",
        "pixel",
        "script",
        "spaces",
        "trailer",
        "ellipsis",
        "sentences",
        "one-long",
        "empty",
    ],
)
def test_summary_text_is_plain_and_cut_at_a_sentence(raw, expected):
    """Feed HTML becomes plain text, cut after the last whole sentence within about 30 words."""
    assert summary_text(raw) == expected


def test_a_first_sentence_a_little_long_is_kept_whole():
    """A first sentence of up to 40 words is kept whole rather than cut mid-way."""
    sentence = " ".join(["word"] * 35) + "."
    assert cut_at_sentence(sentence + " And more.") == sentence


FEED = rss(
    (
        "River floods reach the valley towns",
        "https://example.org/a",
        "<p>Water rose <b>fast</b>. Boats came.</p>",
    ),
    ("Flood barriers held in the old town", "https://example.org/b", "Most barriers held."),
    ("A bakery wins a bread prize", "https://example.org/c", "The judges loved the rye."),
)


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A flood lead and a feed whose entries carry summaries."""
    monkeypatch.chdir(tmp_path)
    return make(tmp_path, {"seeds/lead.md": LEAD, "feeds/news.xml": FEED}, toml="related = 2\n")


def test_related_headlines_show_their_summaries_and_more_does_not_by_default(ws):
    """Related shows each summary under its headline; More headlines does not (more_summaries off)."""
    result = build_in(ws, "seeds", "feeds")
    assert [h.headline.summary for h in result.issue.related] == [
        "Water rose fast. Boats came.",
        "Most barriers held.",
    ]
    html = (result.folder / "index.html").read_text("utf-8")
    text = (result.folder / "index.txt").read_text("utf-8")
    assert '<p class="item-summary"' in html and "Water rose fast. Boats came." in html
    assert "The judges loved the rye." not in html and "The judges loved the rye." not in text
    # the summary under its headline, then the source line (the feed's title), then the link
    assert re.search(
        r"\n  Water rose fast\. Boats came\.\n(  \S.*\n)?  https://example\.org/a", text
    )


def test_more_summaries_shows_them_under_more_headlines_too(ws):
    """With `more_summaries = true` the summaries of More headlines are shown as well."""
    (ws / "newsletter.toml").write_text(
        (ws / "newsletter.toml").read_text() + "more_summaries = true\n"
    )
    result = build_in(ws, "seeds", "feeds")
    assert "The judges loved the rye." in (result.folder / "index.html").read_text("utf-8")
    assert "The judges loved the rye." in (result.folder / "index.txt").read_text("utf-8")


def test_a_summary_edited_or_deleted_in_the_manifest_renders_so(ws):
    """The editor rewrites one summary and deletes another in issue.toml; the rebuild shows that."""
    result = build_in(ws, "seeds", "feeds")
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    text = text.replace(
        'summary = "Water rose fast. Boats came."', 'summary = "Rewritten by the editor."'
    )
    text = text.replace('summary = "Most barriers held."\n', "")
    manifest.write_text(text, "utf-8")
    again = rebuild_in(ws, result.folder)
    assert [h.headline.summary for h in again.issue.related] == ["Rewritten by the editor.", ""]
    html = (result.folder / "index.html").read_text("utf-8")
    assert "Rewritten by the editor." in html and "Most barriers held." not in html


def test_a_description_that_repeats_the_title_shows_only_what_it_adds(tmp_path, monkeypatch):
    """A feed whose descriptions open with the entry's own title (Google News, many blogs)
    shows the rest as the summary, and no summary when only a source's name is left."""
    monkeypatch.chdir(tmp_path)
    feed = rss(
        (
            "River floods reach the valley towns",
            "https://example.org/a",
            "<p>River floods reach the valley towns <img src='https://t.example.org/p.gif'>"
            " Water rose fast. Boats came.</p>",
        ),
        (
            "Flood barriers held in the old town",
            "https://example.org/b",
            '<a href="https://example.org/b">Flood barriers held in the old town</a>'
            "&nbsp;&nbsp;<font color='#6f6f6f'>Example Desk</font>",
        ),
    )
    ws = make(tmp_path, {"seeds/lead.md": LEAD, "feeds/news.xml": feed}, toml="related = 2\n")
    result = build_in(ws, "seeds", "feeds")
    assert [h.headline.summary for h in result.issue.related] == [
        "Water rose fast. Boats came.",
        "",
    ]
    text = (result.folder / "index.txt").read_text("utf-8")
    assert text.count("Flood barriers held in the old town") == 1
