"""How the email reads: the preheader, the length budget, the source line and reading time,
image sizes, and the manifest keys that carry them (full, summary, publisher, words)."""

from __future__ import annotations

import re

import pytest

from newsletter.assemble import cut_at_word, without_greeting
from newsletter.models import Headline, Issue, IssueSection, Lead, ScoredHeadline, StoryCard
from newsletter.render.length import issue_length, reading_time
from tests.support.digest_workspace import DAY, LEAD, build_in, make, rebuild_in, story


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        (["Good morning.", "The river fell."], ["The river fell."]),
        (["Hi all, this week the river fell."], ["This week the river fell."]),
        (["Hello again! Dear readers, here we go."], ["Here we go."]),
        (["Hiking season is over."], ["Hiking season is over."]),
        (["Good morning."], []),
    ],
)
def test_a_greeting_is_left_out_of_the_preheader(sentences, expected):
    """An opening greeting says nothing in an inbox: it is dropped, the news kept."""
    assert without_greeting(sentences) == expected


def test_a_long_sentence_is_cut_at_a_whole_word_within_90_characters():
    """Past 90 characters the preheader ends at a whole word with an ellipsis."""
    text = (
        "This was the week the Danube came over its banks, and we spent most of it reading reports"
    )
    cut = cut_at_word(text + " from the towns downstream.")
    assert (
        cut == "This was the week the Danube came over its banks, and we spent most of it reading…"
    )
    assert len(cut) <= 90 and cut_at_word("Short.") == "Short."


def test_the_preheader_is_padded_and_an_editors_own_is_kept(tmp_path, monkeypatch):
    """The built preheader is followed by &zwnj;&nbsp; padding; one the editor writes is kept."""
    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD})
    monkeypatch.chdir(ws)
    result = build_in(ws)
    html = (result.folder / "index.html").read_text("utf-8")
    assert f"{result.issue.preheader}\u200c\xa0\u200c\xa0" in html
    own = (
        "An editor's own preheader that runs on well past the ninety characters a phone could show."
    )
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8").replace('preheader = "{summary}"', f'preheader = "{own}"')
    manifest.write_text(text, "utf-8")
    assert rebuild_in(ws, result.folder).issue.preheader == own


def _issue(**changes) -> Issue:
    lead = Lead(title="The lead", body="One two three.\n\nFour five.", url="https://x.org/a")
    headline = ScoredHeadline(Headline("A headline", summary="Its short summary."), 0.5)
    card = StoryCard(title="A card", summary="Card words here.")
    values = {
        "id": "2026-W48",
        "date": DAY,
        "subject": "s",
        "preheader": "p",
        "lead": lead,
        "related": (headline,),
        "more": (headline,) * 3,
        "stories": (card,),
    }
    return Issue(**{**values, **changes})


def test_the_length_counts_what_the_email_shows():
    """Items: lead, cards, headlines; words: the lead as shown, card texts, headlines and the
    summaries shown (More's only with more_summaries)."""
    length = issue_length(_issue())
    assert length.items == 1 + 1 + 1 + 3
    lead_words = 2 + 3  # title, then the first paragraph only: the lead links to its story
    assert length.words == lead_words + (2 + 3) + (2 + 3) + 3 * 2
    assert issue_length(_issue(), more_summaries=True).words == length.words + 3 * 3
    full = _issue(lead=Lead(title="The lead", body="One two three.\n\nFour five.", full=True))
    assert issue_length(full).words == length.words + 2
    assert [p.name for p in length.largest("items")] == [
        "More headlines",
        "the stories under the lead",
        "Related",
    ]


def test_the_budget_names_no_part_of_one_item_among_the_largest():
    """Over the items budget, the parts named to cut are the largest holding more than one
    item: a section of one headline was named fourth among "the largest parts"; an issue
    whose every part holds one names the largest of them all the same."""
    headline = ScoredHeadline(Headline("A headline"), 0.5)
    card = StoryCard(title="A card", summary="Card words here.")
    sections = (IssueSection("World", headlines=(headline,) * 2), IssueSection("Science", (card,)))
    issue = _issue(related=(headline,) * 6, stories=(card,) * 3, sections=sections)
    assert [(p.name, p.items) for p in issue_length(issue).to_cut("items")] == [
        ("Related", 6),
        ("the stories under the lead", 3),
        ("More headlines", 3),
        ("World", 2),
    ]
    single = _issue(more=(), sections=(IssueSection("Science", (card,)),))
    assert [p.name for p in issue_length(single).to_cut("items")] == ["the stories under the lead"]


@pytest.mark.parametrize(("words", "shown"), [(0, ""), (1, "1-min read"), (1400, "7-min read")])
def test_reading_time_is_whole_minutes_at_230_words(words, shown):
    """A story's reading time rounds up at 230 words a minute; an unknown length shows none."""
    assert reading_time(words) == shown


FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>River Desk</title>
<item><title>Boats reach the valley</title><link>https://example.org/boats</link>
<description>Boats came.</description>
<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded>
<media:content url="https://images.example.org/boats.jpg" medium="image" width="1200" height="800"/>
</item>
<item><title>Barriers held in the old town</title><link>https://example.org/barriers</link>
<description>Most barriers held.</description>
<content:encoded><![CDATA[<p>The barriers held along the river in the old town.</p>]]></content:encoded>
</item></channel></rss>"""


def test_source_line_reading_time_and_image_size_reach_the_email_and_the_manifest(
    tmp_path, monkeypatch
):
    """A feed's title is the source line, a full text's length the reading time, media:content's
    size the thumbnail's width and height; all are kept in issue.toml and render again."""
    body = " ".join(["The boats reached the flooded valley villages."] * 40)
    ws = make(
        tmp_path / "ws",
        {"seeds/lead.md": LEAD, "seeds/river.xml": FEED.replace("{body}", body)},
    )
    monkeypatch.chdir(ws)
    result = build_in(ws)
    (card,) = result.issue.stories
    assert (card.publisher, card.words) == ("River Desk", 280)
    assert (card.image_width, card.image_height) == (1200, 800)
    html = (result.folder / "index.html").read_text("utf-8")
    assert 'width="120" height="80"' in html
    assert "River Desk · 2-min read" in re.sub(r"<[^>]+>", "", html)  # as the reader sees it
    headline = next(h for h in result.issue.more if h.title.startswith("Barriers"))
    assert headline.headline.publisher == "River Desk" and headline.headline.words == 10
    assert "River Desk · 1-min read" in (result.folder / "index.txt").read_text("utf-8")
    manifest = (result.folder / "issue.toml").read_text("utf-8")
    assert 'publisher = "River Desk"' in manifest and "words = 280" in manifest
    assert "image_width = 1200\nimage_height = 800" in manifest
    again = rebuild_in(ws, result.folder)
    assert again.issue.stories == result.issue.stories


def test_full_and_summary_under_lead_in_the_manifest_render(tmp_path, monkeypatch):
    """`full = true` shows the whole body; `summary` replaces the first paragraph."""
    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD})
    monkeypatch.chdir(ws)
    result = build_in(ws)
    text = (result.folder / "index.txt").read_text("utf-8")
    assert "Rescue teams used boats" not in text  # the second paragraph: on the web
    manifest = result.folder / "issue.toml"
    original = manifest.read_text("utf-8")
    manifest.write_text(original.replace("[lead]\n", "[lead]\nfull = true\n", 1), "utf-8")
    rebuild_in(ws, result.folder)
    assert "Rescue teams used boats" in (result.folder / "index.txt").read_text("utf-8")
    manifest.write_text(
        original.replace("[lead]\n", '[lead]\nsummary = "Thousands left as the river rose."\n', 1),
        "utf-8",
    )
    again = rebuild_in(ws, result.folder)
    assert again.issue.lead.summary == "Thousands left as the river rose."
    html = (result.folder / "index.html").read_text("utf-8")
    assert "Thousands left as the river rose." in html
    assert "three days of rain" not in (result.folder / "index.txt").read_text("utf-8")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("full = 1", r"lead\.full: must be true or false"),
        ("image_width = -4", r"lead\.image_width: must be a whole number"),
    ],
)
def test_bad_new_lead_keys_are_one_error_with_their_line(tmp_path, monkeypatch, line, message):
    """A mistyped `full` or image size under [lead] names the manifest's line."""
    from newsletter.errors import ManifestError

    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD})
    monkeypatch.chdir(ws)
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    manifest.write_text(
        manifest.read_text("utf-8").replace("[lead]\n", f"[lead]\n{line}\n", 1), "utf-8"
    )
    with pytest.raises(ManifestError, match=rf"issue\.toml:\d+: {message}"):
        rebuild_in(ws, result.folder)


def test_front_matter_image_size_sets_the_hero_height(tmp_path, monkeypatch):
    """image_width/image_height in front matter give the hero a height scaled to 552 px."""
    lead = story(
        "River floods force thousands from their homes",
        "The river burst its banks.",
        url="https://example.org/floods",
        lead="true",
        image="https://images.example.org/flood.jpg",
        image_alt="A flooded street",
        image_width="1600",
        image_height="900",
    )
    ws = make(tmp_path / "ws", {"seeds/lead.md": lead})
    monkeypatch.chdir(ws)
    html = (build_in(ws).folder / "index.html").read_text("utf-8")
    assert 'width="552" height="310"' in html


def test_the_build_summary_shows_the_length_and_the_budget(tmp_path, monkeypatch):
    """`newsletter build` prints items, words and minutes beside [limits] items and words."""
    from typer.testing import CliRunner

    from newsletter.cli import app

    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD}, toml="[limits]\nitems = 1\n")
    monkeypatch.chdir(ws)
    result = CliRunner().invoke(app, ["build", "seeds", "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "  length   1 items, " in result.output
    assert "budget 1 items, 1,000 words" in result.output


def test_no_image_is_a_link_and_alt_text_is_muted(tmp_path, monkeypatch):
    """Images link nowhere (each story's title is its tap target) and their alt text, shown when
    images are off, is small muted text."""
    from bs4 import BeautifulSoup

    from tests.support.full_week import build_full_week, copy_full_week

    monkeypatch.chdir(copy_full_week(tmp_path / "fw"))
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    html = (build_full_week(tmp_path / "fw").folder / "index.html").read_text("utf-8")
    images = BeautifulSoup(html, "html.parser").find_all("img")
    assert len(images) == 5  # the logo, the lead's photo, three thumbnails
    for img in images:
        assert img.find_parent("a") is None, img["src"]
        assert "color:#57606a" in img["style"] and "font-size:13px" in img["style"]


def test_a_card_without_a_link_shows_no_reading_time(tmp_path, monkeypatch):
    """A reading time is for the story behind a link: a card with no url shows its source only."""
    ws = make(
        tmp_path / "ws",
        {
            "seeds/lead.md": LEAD,
            "seeds/levee.md": story(
                "Village raises its own levee",
                "Residents of the valley village built the levee themselves. " * 30,
                source="Valley Post",
            ),
        },
    )
    monkeypatch.chdir(ws)
    result = build_in(ws)
    (card,) = result.issue.stories
    assert card.url is None and card.words and card.words > 200
    for name in ("index.html", "index.txt"):
        shown = (result.folder / name).read_text("utf-8")
        assert "Valley Post" in shown and "Valley Post · " not in shown


def test_the_leads_source_shows_beside_its_link_and_stays_in_the_manifest(tmp_path, monkeypatch):
    """A lead's `source:` front matter is its publisher: beside "Read the full story" in both
    parts, written to [lead] in issue.toml, and kept by a rebuild from the manifest."""
    ws = make(
        tmp_path / "ws",
        {"seeds/lead.md": LEAD.replace("lead: true", "source: River Desk\nlead: true")},
    )
    monkeypatch.chdir(ws)
    result = build_in(ws)
    assert result.issue.lead.publisher == "River Desk"
    text = (result.folder / "index.txt").read_text("utf-8")
    assert "\n\nRead the full story: https://example.org/floods\nRiver Desk · 1-min read\n" in text
    html = (result.folder / "index.html").read_text("utf-8")
    assert re.search(r"Read the full story</a>.*?River Desk</span>", html, re.S)
    assert 'publisher = "River Desk"' in (result.folder / "issue.toml").read_text("utf-8")
    assert rebuild_in(ws, result.folder).issue.lead.publisher == "River Desk"
