"""What the email says it holds, and whose each headline is: the masthead counts stories and
headlines each by its name (a new user's Suez week said "28 stories" for 3 stories and 25
headlines), a list whose headlines all come from one source names it under its heading, and
a collection of many sites names each headline's site, not its own title."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from bs4 import BeautifulSoup

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.models import Headline, ScoredHeadline
from newsletter.render.length import IssueLength, Part
from newsletter.render.sections import Section, collectors
from tests.conftest import ROOT
from tests.support.full_week import build_full_week, full_week  # noqa: F401

SUEZ_WEEK = ROOT / "tests" / "data" / "weeks" / "suez-2021" / "week1"
MASTHEAD = re.compile(r"(\d+) (story|stories)(?: · (\d+) (headline|headlines))? · \d+-min read")


def _shown(folder) -> tuple[BeautifulSoup, str]:
    html = BeautifulSoup((folder / "index.html").read_text("utf-8"), "html.parser")
    return html, (folder / "index.txt").read_text("utf-8")


def _masthead_agrees(html: BeautifulSoup, text: str) -> tuple[int, int]:
    """The masthead's counts, checked against the stories and headlines the email shows, in
    both parts; returns (stories, headlines)."""
    said = MASTHEAD.search(html.find("p", class_="masthead").get_text(" ", strip=True))
    assert said, html.find("p", class_="masthead")
    stories, headlines = int(said[1]), int(said[3] or 0)
    assert said[2] == ("story" if stories == 1 else "stories")
    assert said[4] in (
        (None,) if not headlines else ("headline" if headlines == 1 else "headlines",)
    )
    assert stories == len(html.find_all("h1")) + len(html.select(".card-title"))
    assert headlines == len(html.select("ul.items li"))
    assert text.splitlines()[1] == said[0]
    return stories, headlines


@pytest.fixture
def suez_week(workspace, settings):
    """The workspace with the Suez week's seeds and feed as its only sources, built."""
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    for folder in ("seeds", "feeds"):
        shutil.copytree(SUEZ_WEEK / folder, workspace / folder, dirs_exist_ok=True)
    return build(["seeds", "feeds"], settings, AssembleOptions(today=date(2021, 3, 27)))


def test_the_suez_weeks_masthead_counts_its_headlines_as_headlines(suez_week):
    """The Suez week says "3 stories · 24 headlines", not "28 stories": the lead and its two
    cards are stories, Related and More headlines are headlines (the Cairo card's own article
    from the feed is folded under the card, not counted again), in the HTML and the text."""
    html, text = _shown(suez_week.folder)
    assert _masthead_agrees(html, text) == (3, 24)
    assert "28 stories" not in html.get_text() and "28 stories" not in text


def test_the_full_weeks_masthead_counts_what_it_shows(full_week):  # noqa: F811
    """The full week holds 4 stories (the lead, 3 cards) and 14 headlines, and says so."""
    html, text = _shown(build_full_week(full_week).folder)
    assert _masthead_agrees(html, text) == (4, 14)


@pytest.mark.parametrize(
    ("parts", "said"),
    [
        ((Part("the lead", 1, 40, stories=1),), "1 story"),
        (
            (Part("the lead", 1, 40, stories=1), Part("More headlines", 1, 9)),
            "1 story · 1 headline",
        ),
        (
            (Part("the lead", 1, 40, stories=1), Part("World", 3, 30, stories=1)),
            "2 stories · 2 headlines",
        ),
    ],
)
def test_the_count_names_each_kind_in_the_singular_or_plural(parts, said):
    """One story is "1 story", one headline "1 headline"; an issue of stories alone names no
    headlines; a section's card counts as a story, its list as headlines."""
    assert IssueLength(parts).contents == said


def test_a_source_every_headline_shares_is_named_once(full_week):  # noqa: F811
    """World's two headlines, both from "World desk (sample feed)", name it once under the
    heading (HTML and text) and not under each; Related, from two desks, names each one's."""
    html, text = _shown(build_full_week(full_week).folder)
    heads = {h.get_text(strip=True): h for h in html.select("h2.section-head")}
    world = heads["World"].find_next_sibling()
    assert world.get_text(strip=True) == "All from World desk (sample feed)"
    assert "World desk" not in world.find_next_sibling("ul").get_text()
    related = heads["Related"].find_next_sibling()
    assert related.name == "ul"
    sources = {m.get_text(strip=True) for m in related.select("p.meta")}
    assert sources == {"World desk (sample feed)", "Science desk (sample feed)"}
    assert "World\n=====\nAll from World desk (sample feed)\n" in text
    assert text.count("World desk (sample feed)") == 1 + len(
        [m for m in related.select("p.meta") if "World" in m.get_text()]
    )


def _headlines(*links: tuple[str, str | None]) -> tuple[ScoredHeadline, ...]:
    return tuple(
        ScoredHeadline(Headline(f"Headline {n}", url, publisher=publisher), 0.0)
        for n, (publisher, url) in enumerate(links)
    )


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        # an editor's collection: three headlines, three sites
        (
            [
                ("Wires", "https://a.example/1"),
                ("Wires", "https://b.example/2"),
                ("Wires", "https://www.c.example/3"),
            ],
            {"Wires"},
        ),
        # one outlet's feed: twenty-two headlines on its own three hosts
        (
            [("BBC", f"https://news.bbc.example/{n}") for n in range(20)]
            + [("BBC", "https://www.bbc.example/x"), ("BBC", "https://sport.bbc.example/y")],
            set(),
        ),
        # two sites are not a collection, nor are headlines without a link or a publisher
        ([("Desk", "https://a.example/1"), ("Desk", "https://b.example/2")], set()),
        ([("Desk", None), ("Desk", None), ("Desk", None)], set()),
        (
            [("", "https://a.example/1"), ("", "https://b.example/2"), ("", "https://c.example/3")],
            set(),
        ),
    ],
)
def test_a_publisher_linking_to_many_sites_is_a_collector(links, expected):
    """A publisher whose headlines go to 3+ sites (one a headline or every other) is a
    collection; one outlet's feed over a few of its own hosts, or two sites, is not."""
    assert collectors(_headlines(*links)) == expected


def test_a_collections_headlines_name_their_sites(suez_week):
    """The Suez week's feed, "The week's wires (collected by the editor)", links 25 headlines
    to 25 sites without naming them: each headline names its link's site (theguardian.com) in
    the HTML; the text, which prints the link itself, does not say the site a second time
    over it; no list says "All from" the collection."""
    html, text = _shown(suez_week.folder)
    assert not html.select("p.section-source")
    lines = text.splitlines()
    for item in html.select("ul.items li"):
        link = item.find("a", class_="item-title")["href"]
        site = re.sub(r"^https?://(www\.)?([^/]+).*", r"\2", link)
        assert item.find("p", class_="meta").get_text(strip=True) == site
        above = lines[lines.index(f"  {link}") - 1]
        assert site not in above, above  # the summary's last line, not "  irishtimes.com"
    assert "collected by the editor" not in html.get_text() + text


def test_a_list_mixing_a_collection_and_an_outlet_names_each_source():
    """A collection's headline shows its site and an outlet's its name, in the same list (the
    text part, beside the link, only the outlet's); no source is named once under the heading."""
    items = _headlines(
        ("Wires", "https://a.example/1"),
        ("Wires", "https://b.example/2"),
        ("Wires", "https://c.example/3"),
        ("River Desk", "https://river.example/4"),
    )
    section = Section("More headlines", items, collectors=collectors(items))
    assert section.publisher == ""
    assert [section.source(i) for i in items] == [
        "a.example",
        "b.example",
        "c.example",
        "River Desk",
    ]
    # the text part prints each link under its headline, so there a site is not said again
    assert [section.text_source(i) for i in items] == ["", "", "", "River Desk"]
