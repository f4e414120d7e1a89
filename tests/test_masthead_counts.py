"""What the email says it holds, and sources named once: the masthead counts stories and
headlines each by its name (a new user's Suez week said "28 stories" for 3 stories and 25
headlines), and a list whose headlines all come from one source names it under its heading."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from bs4 import BeautifulSoup

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.render.length import IssueLength, Part
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
    """The Suez week says "3 stories · 25 headlines", not "28 stories": the lead and its two
    cards are stories, Related and More headlines are headlines, in the HTML and the text."""
    html, text = _shown(suez_week.folder)
    assert _masthead_agrees(html, text) == (3, 25)
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
