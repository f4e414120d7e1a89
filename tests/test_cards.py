"""Story cards: the stories that do not lead, under the lead, in the ranker's order."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from newsletter.errors import ManifestError
from newsletter.issue.manifest import read_manifest
from tests.support.digest_workspace import LEAD, build_in, make, rebuild_in, rss, story, write

IMAGE = "https://example.org/photos/boats.jpg"


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A lead on floods, a related story with a photo, a summary-only story, an unrelated one."""
    monkeypatch.chdir(tmp_path)
    return make(
        tmp_path,
        {
            "seeds/lead.md": LEAD,
            "seeds/boats.md": story(
                "Boats reach villages cut off by the river floods",
                f"![Rescuers in a boat on a flooded street]({IMAGE})\n\n"
                "Rescue teams in boats reached the flooded villages on Tuesday. They carried "
                "food and water.\n\nA second paragraph the card leaves out.",
                url="https://example.org/boats",
            ),
            "seeds/opera.md": story(
                "The opera house reopens after a long restoration",
                "The curtain rose again on Friday.",
                summary="A summary written for the card, not the first paragraph.",
                url="https://example.org/opera",
            ),
            "seeds/chess.md": story("A chess club turns one hundred", "Members played all night."),
        },
    )


def test_other_stories_become_cards_with_title_thumbnail_summary_and_length(ws):
    """Each card has its title linked to the story, a thumbnail of its photo, its first
    paragraph (or summary:) and its reading time; the text part has a Read more link."""
    result = build_in(ws)
    cards = {c.title: c for c in result.issue.stories}
    boats = cards["Boats reach villages cut off by the river floods"]
    assert boats.image == IMAGE and boats.image_alt == "Rescuers in a boat on a flooded street"
    assert (
        boats.summary
        == "Rescue teams in boats reached the flooded villages on Tuesday. They carried food and water."
    )
    assert cards["The opera house reopens after a long restoration"].summary.startswith(
        "A summary written"
    )
    soup = BeautifulSoup((result.folder / "index.html").read_text("utf-8"), "html.parser")
    card = next(d for d in soup.select("div.card") if "Boats reach" in d.get_text())
    thumb = card.find("img")
    assert thumb["src"] == IMAGE and "thumb" in thumb["class"] and thumb["width"] == "120"
    assert thumb.find_parent("a") is None  # no image is a link: the title is the tap target
    title = card.find("h2").find("a")
    assert title["href"] == "https://example.org/boats" and "story-link" in title["class"]
    assert card.find("p", class_="meta").get_text() == "1-min read"
    chess = next(d for d in soup.select("div.card") if "chess club" in d.get_text())
    assert chess.find("a") is None  # no URL, no link
    text = (result.folder / "index.txt").read_text("utf-8")
    assert "Read more: https://example.org/boats" in text
    assert "A second paragraph the card leaves out." not in text


def test_the_ranking_orders_the_cards_most_related_first(ws):
    """The story about the lead's topic is the first card; the score and matched terms are kept."""
    result = build_in(ws)
    first = result.issue.stories[0]
    assert first.title.startswith("Boats reach villages")
    assert first.score > result.issue.stories[-1].score and first.matched


def test_stories_setting_caps_the_cards_and_the_rest_become_headlines(ws):
    """With `stories = 1` only the best story is a card; the others are ranked as headlines."""
    (ws / "newsletter.toml").write_text((ws / "newsletter.toml").read_text() + "stories = 1\n")
    result = build_in(ws)
    assert [c.title for c in result.issue.stories] == [
        "Boats reach villages cut off by the river floods"
    ]
    headlines = [h.title for h in (*result.issue.related, *result.issue.more)]
    assert "A chess club turns one hundred" in headlines
    assert "The opera house reopens after a long restoration" in headlines


def test_cards_are_in_the_manifest_and_edits_to_them_render(ws):
    """[[stories]] holds the cards in order; reordering, retitling and deleting one all render."""
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    assert text.count("\n[[stories]]\n") == 3
    text = text.replace(
        'title = "Boats reach villages cut off by the river floods"',
        'title = "Boats reach the villages"',
    )
    start = text.index('[[stories]]\ntitle = "A chess club')
    end = text.find("\n[[", start + 5)
    manifest.write_text(text[:start] + (text[end + 1 :] if end >= 0 else ""), "utf-8")
    again = rebuild_in(ws, result.folder)
    assert [c.title for c in again.issue.stories][:1] == ["Boats reach the villages"]
    assert "A chess club" not in (result.folder / "index.html").read_text("utf-8")


def test_a_card_image_without_alt_in_the_manifest_is_refused(ws):
    """A card's image needs alt text: the manifest line is named."""
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    manifest.write_text(
        text.replace('image_alt = "Rescuers in a boat on a flooded street"', ""), "utf-8"
    )
    with pytest.raises(ManifestError, match=r"issue\.toml:\d+: stories\[1\]\.image_alt: missing"):
        rebuild_in(ws, result.folder)


def test_an_unknown_card_key_is_refused_with_a_suggestion(ws):
    """A typo in [[stories]] is an error naming the line and the nearest key."""
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8").replace("[[stories]]\n", '[[stories]]\nsumary = "x"\n', 1)
    manifest.write_text(text, "utf-8")
    with pytest.raises(
        ManifestError, match=r"stories\[1\]: unknown key 'sumary' \(did you mean 'summary'\?\)"
    ):
        rebuild_in(ws, result.folder)


def test_a_feed_entry_with_its_full_text_is_a_card_with_the_feed_summary(tmp_path, monkeypatch):
    """A feed entry carrying 120+ words is a story: a card whose summary is the entry's description."""
    monkeypatch.chdir(tmp_path)
    body = " ".join(["Boats and rescuers reached the flooded villages."] * 20)
    feed = (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>t</title><item><title>Rescuers reach the flooded villages</title>"
        "<link>https://example.org/rescue</link>"
        "<description>&lt;p&gt;Boats reached them at dawn.&lt;/p&gt;</description>"
        f"<content:encoded>&lt;p&gt;{body}&lt;/p&gt;</content:encoded></item></channel></rss>"
    )
    ws = make(tmp_path, {"seeds/lead.md": LEAD, "feeds/full.xml": feed})
    result = build_in(ws, "seeds", "feeds")
    [card] = result.issue.stories
    assert (
        card.title == "Rescuers reach the flooded villages"
        and card.url == "https://example.org/rescue"
    )
    assert card.summary == "Boats reached them at dawn."


@pytest.mark.parametrize(("value", "message"), [(21, "21 is out of range"), (True, "expected int")])
def test_a_bad_stories_setting_is_refused(value, message):
    """`stories` must be a whole number from 0 to 20: anything else names the key."""
    from newsletter.config import settings_from_mapping
    from newsletter.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"newsletter\.toml: stories: {message}"):
        settings_from_mapping({"stories": value})


def test_stories_zero_makes_every_other_story_a_headline(ws):
    """With `stories = 0` there are no cards; the stories are ranked as headlines."""
    (ws / "newsletter.toml").write_text((ws / "newsletter.toml").read_text() + "stories = 0\n")
    result = build_in(ws)
    assert result.issue.stories == ()
    assert len([*result.issue.related, *result.issue.more]) == 3


def test_a_feed_headline_folded_into_a_card_is_listed_under_its_also(ws):
    """A feed's headline for a story the editor wrote is folded into the story's card (it
    says nothing the card does not): issue.toml lists it under the card's `also`, as a
    Related line lists its near-duplicates, and a re-render keeps it.  Until 7 December it
    was in neither the manifest nor `build --json`, while the next week's build still knew
    it as carried."""
    folded = "Chess club turns one hundred"
    write(ws / "feeds" / "wire.xml", rss((folded, "https://wire.example/chess", "A club.")))
    result = build_in(ws, "seeds", "feeds")
    (chess,) = (c for c in result.issue.stories if c.title == "A chess club turns one hundred")
    assert [h.title for h in chess.merged] == [folded]
    text = (result.folder / "issue.toml").read_text("utf-8")
    card = text[text.index('title = "A chess club turns one hundred"') :]
    assert card.split("\n\n", 1)[0].rstrip().endswith(f'also = ["{folded}"]')
    rebuild_in(ws, result.folder)
    (again,) = (c for c in read_manifest(result.folder / "issue.toml").stories if c.merged)
    assert again.title == chess.title and [h.title for h in again.merged] == [folded]
