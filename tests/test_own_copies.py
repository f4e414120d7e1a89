"""The lead's and a card's own article from other sources is folded into them, never listed
again (assemble/own_copies.py): real weeks of tests/data/weeks built as an editor would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.issue.manifest import read_manifest
from newsletter.models import Headline

WEEKS = Path(__file__).parent / "data" / "weeks"


def _week(workspace: Path, name: str) -> Path:
    """The workspace with one real week's seeds and feeds as its sources."""
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    for folder in ("seeds", "feeds"):
        (workspace / folder).mkdir(exist_ok=True)
        for path in (WEEKS / name / "week1" / folder).iterdir():
            shutil.copy(path, workspace / folder / path.name)
    return workspace


def _built(args: list[str]) -> dict:
    result = CliRunner().invoke(app, ["build", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _listed(shown: dict) -> set[str]:
    """Every title the issue lists as a line or a card of its own (not folded)."""
    lines = {h["title"] for part in ("related", "more") for h in shown[part]}
    lines |= {c["title"] for c in shown["stories"]}
    for section in shown["sections"]:
        lines |= {h["title"] for h in section["headlines"]}
        lines |= {c["title"] for c in section["stories"]}
    return lines


def test_the_feeds_copy_of_the_lead_at_its_url_is_folded_into_the_lead(workspace):
    """heatwave-2025: the feed's item at the lead's own URL ("Paris keeps its parks open
    overnight as temperatures soar", the Independent's Eiffel Tower article) was the first
    Related line under the lead; it is the lead's `also` now, in `build --json` and in the
    manifest's [lead], and a re-render from the manifest keeps it there."""
    _week(workspace, "heatwave-2025")
    shown = _built(["seeds/", "feeds/", "--date", "2025-07-05"])
    copy = "Paris keeps its parks open overnight as temperatures soar"
    assert copy in {a["title"] for a in shown["lead"].get("also", [])}
    assert copy not in _listed(shown)
    issue = read_manifest(Path(shown["issue_dir"]) / "issue.toml")
    assert copy in {h.title for h in issue.lead.merged}
    again = _built([shown["issue_dir"]])
    assert copy in {a["title"] for a in again["lead"].get("also", [])}
    assert copy not in _listed(again)


def test_another_outlets_near_identical_title_of_the_lead_stays_related(workspace):
    """boj-2024: "Bank of Japan scraps negative interest rate policy with first rate hike in 17
    years", another outlet's report under a title near the editor's lead, is coverage, not
    the lead's own article: it stays a Related line (folding it cost 13 of the 65 labelled
    leads grade-2 lines in Related), and nothing is folded into the lead."""
    _week(workspace, "boj-2024")
    shown = _built(["seeds/", "feeds/", "--date", "2024-03-24"])
    near = "Bank of Japan scraps negative interest rate policy with first rate hike in 17 years"
    assert near in {h["title"] for h in shown["related"]}
    assert near not in {a["title"] for a in shown["lead"].get("also", [])}


def test_a_cards_own_article_at_its_url_is_folded_under_the_card(workspace):
    """svb-2023: the feed's "Jenin: Four Palestinians killed in Israeli raid" links to the very
    BBC article of the editor's card on the raid: it is the card's `also`, not a More line."""
    _week(workspace, "svb-2023")
    shown = _built(["seeds/", "feeds/", "--date", "2023-03-18"])
    card = next(c for c in shown["stories"] if c["title"].startswith("Israeli forces"))
    copy = "Jenin: Four Palestinians killed in Israeli raid"
    assert copy in {a["title"] for a in card["also"]}
    assert copy not in _listed(shown)


def test_a_copy_of_the_lead_added_to_a_feed_appears_only_under_the_lead(workspace):
    """A feed carrying the lead's article twice, at its URL under another title and at another
    URL under the lead's title with a full stop, and a card's article at the card's URL: each
    is folded into its story, none listed as a line (they were a More line and a Related
    line, and the card's a More line)."""
    _week(workspace, "notre-dame-2019")
    lead_url = "https://www.abc.net.au/news/2019-04-16/notre-dame-spire-collapse-video-watch-the-moment/11018416"
    card_url = "https://www.ksla.com/2019/04/19/bees-living-notre-dame-roof-survive-fire/"
    items = [
        ("Watch the moment the spire fell", lead_url),
        ("Fire tears through Notre-Dame, toppling its spire.", "https://copy.example/fire"),
        ("Bees on the cathedral roof survived", card_url),
    ]
    (workspace / "feeds" / "copies.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Copies</title>'
        "<link>https://copy.example/</link><description>d</description>"
        + "".join(
            f"<item><title>{t}</title><link>{u}</link>"
            "<pubDate>Thu, 18 Apr 2019 12:00:00 GMT</pubDate></item>"
            for t, u in items
        )
        + "</channel></rss>",
        "utf-8",
    )
    shown = _built(["seeds/", "feeds/", "--date", "2019-04-19"])
    assert shown["lead"]["title"] == "Fire tears through Notre-Dame, toppling its spire"
    in_lead = {a["title"] for a in shown["lead"].get("also", [])}
    assert {items[0][0], items[1][0]} <= in_lead
    bees = next(c for c in shown["stories"] if c["url"] == card_url)
    assert items[2][0] in {a["title"] for a in bees["also"]}
    assert not {t for t, _ in items} & _listed(shown)


def test_an_untitled_storys_derived_title_is_no_near_duplicate():
    """A story's own article is found by its URL or its editor's title (case, spaces and a
    closing full stop or exclamation aside), never by a near title; an untitled story (no
    title) is matched by its URL alone, as memory does."""
    from newsletter.assemble.own_copies import Article

    titled = Article("Fire tears through Notre-Dame, toppling its spire", "https://a.example/x/")
    assert titled.is_copy(Headline("Fire tears through Notre-Dame, toppling its spire!"))
    assert titled.is_copy(Headline("Another title", url="https://A.example/x?utm_source=rss"))
    assert not titled.is_copy(Headline("Macron vows to rebuild Notre-Dame within five years"))
    assert not titled.is_copy(Headline("Fire tears through Notre-Dame cathedral, toppling spire"))
    untitled = Article(None, "https://a.example/x/")
    assert not untitled.is_copy(Headline("Fire tears through Notre-Dame, toppling its spire"))
    assert untitled.is_copy(Headline("Anything", url="https://a.example/x"))
