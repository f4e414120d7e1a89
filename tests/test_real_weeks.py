"""Real weeks of news the ranker never saw, built as a new user would (tests/data/weeks/): the
right lead, Related, no sport result, every card scored, and a week later nothing of the sent
issue back and a lead chosen from this week's news."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.assemble import AssembleOptions
from newsletter.assemble.meaning import RELATED_BAR
from newsletter.build import build
from newsletter.cli import app
from newsletter.send import MemoryTransport, SendOptions, send_issue
from newsletter.sources import load_file
from newsletter.subscribers.store import open_store

WEEKS = Path(__file__).parent / "data" / "weeks"
NOTRE_DAME = WEEKS / "notre-dame-2019"
SVB = WEEKS / "svb-2023"
FIRE_WEEK = dt.date(2019, 4, 19)
NEXT_WEEK = dt.date(2019, 4, 26)

ON_FIRE = {  # the six feed headlines about the fire, from five outlets
    "Macron vows to rebuild Notre-Dame within five years",
    "French billionaires pledge hundreds of millions for the rebuilding of Notre Dame",
    "France to hold international competition to redesign Notre Dame's spire",
    "Investigators think a short circuit most likely caused the Notre Dame blaze",
    "Macron honours the firefighters who saved the cathedral's towers and relics",
    "Donations to restore Our Lady of Paris near one billion euros",
}
SPORT = "PSG fail to clinch Ligue 1 title with 3-2 defeat at Nantes"


def _add_week(workspace: Path, week: Path) -> None:
    """Copy one week's seeds and feeds into the workspace, beside what is there."""
    for folder in ("seeds", "feeds"):
        (workspace / folder).mkdir(exist_ok=True)
        for path in (week / folder).iterdir():
            shutil.copy(path, workspace / folder / path.name)


def _first_week(workspace: Path, fixture: Path) -> Path:
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    _add_week(workspace, fixture / "week1")
    return workspace


@pytest.fixture
def fire_week(workspace: Path) -> Path:
    """The workspace with the week of the Notre-Dame fire as its sources (the sample seed gone)."""
    return _first_week(workspace, NOTRE_DAME)


@pytest.fixture
def bank_week(workspace: Path) -> Path:
    """The workspace with the week of the Silicon Valley Bank failure (untitled stories)."""
    return _first_week(workspace, SVB)


def _send(settings, folder: Path) -> None:
    with open_store(settings.path(settings.database)) as store:
        store.upsert("reader@example.org", "Reader", {})
    assert send_issue(folder, settings, SendOptions(transport=MemoryTransport())).sent == 1


def test_the_fire_week_leads_with_the_fire_and_keeps_sport_out(fire_week, settings):
    """Built with no --lead: the fire leads, at least 5 of the 6 feed headlines about it are
    Related, the Paris football result is not, and every card scores above zero."""
    issue = build(["seeds", "feeds"], settings, AssembleOptions(today=FIRE_WEEK)).issue
    assert issue.lead.title == "Fire tears through Notre-Dame, toppling its spire"
    related = {h.title for h in issue.related}
    assert len(ON_FIRE & related) >= 5, related
    assert SPORT not in related
    assert issue.stories and all(card.score > 0 for card in issue.stories)


def test_a_week_later_the_lead_is_this_weeks_news(fire_week, settings, monkeypatch):
    """The fire issue sent, a week later over the same sources plus the next week's: nothing it
    carried comes back unlisted, and the lead is the story this week's new items cover (the
    Sri Lanka bombings, two new headlines), not a short follow-up whose only coverage is the
    headlines last week's issue already carried."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    first = build(["seeds", "feeds"], settings, AssembleOptions(today=FIRE_WEEK))
    _send(settings, first.folder)
    _add_week(fire_week, NOTRE_DAME / "week2")
    second = build(["seeds", "feeds"], settings, AssembleOptions(today=NEXT_WEEK)).issue
    assert second.lead.title == "Easter Sunday bombings kill more than 250 in Sri Lanka"
    sent = {first.issue.lead.title, *(c.title for c in first.issue.stories)}
    sent |= {h.title for h in (*first.issue.related, *first.issue.more)}
    shown = {second.lead.title, *(c.title for c in second.stories)}
    shown |= {h.title for h in (*second.related, *second.more)}
    assert sent.isdisjoint(shown)
    assert sent <= {h.title for h in second.repeated}
    assert second.follows is None or second.follows.title != second.lead.title


def test_a_rerun_the_same_day_under_another_id_remembers_the_sent_issue(
    fire_week, settings, monkeypatch
):
    """The fire issue sent, the same build again that day: refused under the same id, and
    under another id (as the refusal suggests) the sent issue is memory too: every story was
    carried, so the build stops and says so (it used to give the same issue again, all 24
    items back and none listed as repeated: only issues dated before the day counted)."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    first = build(["seeds", "feeds"], settings, AssembleOptions(today=FIRE_WEEK))
    _send(settings, first.folder)
    args = ["build", "seeds/", "feeds/", "--date", FIRE_WEEK.isoformat()]
    same = CliRunner().invoke(app, args)
    assert same.exit_code == 1 and "was already sent" in same.output
    again = CliRunner().invoke(app, [*args, "--id", "2019-W16-again"])
    assert again.exit_code == 1, again.output
    assert "every story among the sources was carried by an earlier issue (2019-W16)" in (
        again.output
    )
    forced = build(
        ["seeds", "feeds"],
        settings,
        AssembleOptions(today=FIRE_WEEK, issue_id="2019-W16-b", lead="seeds/02-bees.md"),
    ).issue
    sent = {first.issue.lead.title, *(c.title for c in first.issue.stories)}
    sent |= {h.title for h in (*first.issue.related, *first.issue.more)}
    shown = {c.title for c in forced.stories} | {h.title for h in (*forced.related, *forced.more)}
    assert not sent & shown, sent & shown
    assert sent - {forced.lead.title} <= {h.title for h in forced.repeated}


def test_a_near_identical_lead_never_follows_its_own_story(fire_week, settings, monkeypatch):
    """A week after the fire issue, the editor leads (--lead) with a copy of the same story
    under a near-identical title and another URL: it is the same story by memory's measure,
    so the issue does not say it follows the fire issue ("Previously: Fire tears through
    Notre-Dame, toppling its spire" above "Fire tears through Notre-Dame and topples its
    spire")."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    first = build(["seeds", "feeds"], settings, AssembleOptions(today=FIRE_WEEK))
    _send(settings, first.folder)
    _add_week(fire_week, NOTRE_DAME / "week2")
    body = (NOTRE_DAME / "week1" / "seeds" / "01-notre-dame-fire.md").read_text("utf-8")
    (fire_week / "seeds" / "05-again.md").write_text(
        "---\ntitle: Fire tears through Notre-Dame and topples its spire\n"
        "url: https://other.example/notre-dame-fire\n---\n" + body.split("---\n", 2)[2],
        "utf-8",
    )
    for repeat in (False, True):
        options = AssembleOptions(
            today=NEXT_WEEK, lead="seeds/05-again.md", repeat=repeat, issue_id=f"again-{repeat}"
        )
        second = build(["seeds", "feeds"], settings, options).issue
        assert second.lead.title == "Fire tears through Notre-Dame and topples its spire"
        assert second.follows is None, second.follows


ON_SVB = {  # the six feed headlines about the failure of Silicon Valley Bank, six outlets
    "Silicon Valley Bank seized by California regulators amid bank run",
    "Regulators close New York's Signature Bank, say depositors will be made whole",
    "HSBC buys Silicon Valley Bank's UK arm for £1",
    "Biden says banking system is safe, vows to hold those responsible accountable",
    "SVB Financial Group, parent of Silicon Valley Bank, files for bankruptcy protection",
    "Start-ups scramble to pay employees after SVB collapse",
}


def test_the_bank_week_leads_with_the_failure_under_a_printable_title(bank_week, settings):
    """Built with no --lead from untitled stories: Silicon Valley Bank's failure leads under a
    derived title an editor can print (it ended "… and hand it"), at least 5 of the 6 feed
    headlines about it are Related, the rugby result is not, and every card scores above zero."""
    issue = build(["seeds", "feeds"], settings, AssembleOptions(today=dt.date(2023, 3, 18))).issue
    assert issue.lead.title == "California regulators close Silicon Valley Bank"
    assert issue.lead.title_derived
    related = {h.title for h in issue.related}
    assert len(ON_SVB & related) >= 5, related
    assert "Ireland beat England 29-16 to win the Grand Slam in Dublin" not in related
    assert issue.stories and all(card.score > 0 for card in issue.stories)
    cards = {card.title for card in issue.stories}
    # not "…, battered by …"; round 44: the share move keeps its cause
    assert (
        "Shares of First Republic Bank jump 10% after eleven of the country's largest banks "
        "agreed to deposit $30 billion with it"
    ) in cards


def test_a_week_after_the_bank_failure_nothing_sent_comes_back(bank_week, settings, monkeypatch):
    """The first issue sent, a week later over the same sources plus the next week's: its lead,
    cards and headlines are all listed as repeated (last week's lead too, folded as a
    near-duplicate under a repeated headline), none shown, and UBS's takeover of Credit Suisse
    leads under a printable derived title."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    first = build(["seeds", "feeds"], settings, AssembleOptions(today=dt.date(2023, 3, 18)))
    _send(settings, first.folder)
    _add_week(bank_week, SVB / "week2")
    second = build(["seeds", "feeds"], settings, AssembleOptions(today=dt.date(2023, 3, 25))).issue
    assert (
        second.lead.title == "UBS agrees to buy Credit Suisse for 3 billion Swiss francs in shares"
    )
    sent = {first.issue.lead.title, *(c.title for c in first.issue.stories)}
    sent |= {h.title for h in (*first.issue.related, *first.issue.more)}
    shown = {c.title for c in second.stories} | {h.title for h in (*second.related, *second.more)}
    assert sent.isdisjoint(shown | {second.lead.title})
    # Last week's lead is folded, as a near-duplicate, under the repeated headline "Silicon
    # Valley Bank seized by California regulators amid bank run": not shown, listed with it.
    assert sent <= {h.title for h in second.repeated}
    assert second.follows is None or second.follows.title != second.lead.title


def test_a_cards_derived_title_is_marked_and_checked(bank_week, settings):
    """An untitled story shown as a card gets a derived title marked title_derived = true in
    its [[stories]] table, and `check` warns about it at that line, as it does for the lead
    (a card's unprintable title used to ship with no mark and no warning)."""
    built = build(["seeds", "feeds"], settings, AssembleOptions(today=dt.date(2023, 3, 18)))
    assert all(card.title_derived for card in built.issue.stories)
    manifest = (built.folder / "issue.toml").read_text("utf-8").splitlines()
    marks = [n for n, line in enumerate(manifest, 1) if line == "title_derived = true"]
    assert len(marks) == 1 + len(built.issue.stories)
    shown = json.loads(CliRunner().invoke(app, ["build", str(built.folder), "--json"]).stdout)
    assert all(card["title_derived"] for card in shown["stories"])
    result = CliRunner().invoke(app, ["check", str(built.folder)])
    warned = [line for line in result.output.splitlines() if line.startswith("warning  title.")]
    assert len(warned) == len(marks), result.output
    for line, n in zip(warned, marks, strict=True):
        assert f"issue.toml:{n}:" in line
    retitled = "\n".join(
        m if m != "title_derived = true" else "title_derived = false" for m in manifest
    )
    (built.folder / "issue.toml").write_text(retitled + "\n", "utf-8")
    again = build([str(built.folder)], settings, AssembleOptions(today=dt.date(2023, 3, 18)))
    assert not any(card.title_derived for card in again.issue.stories)


def test_with_the_stories_only_the_fuller_account_leads(bank_week, settings):
    """With the Markdown stories only, the 160-word story of Silicon Valley Bank's failure leads
    over the 63-word First Republic piece: they cover each other, and First Republic's slightly
    closer likeness to the Credit Suisse story (0.745 against 0.648) chose it before."""
    issue = build(["seeds"], settings, AssembleOptions(today=dt.date(2023, 3, 18))).issue
    assert issue.lead.title == "California regulators close Silicon Valley Bank"


def test_a_dashed_compound_matches_as_one_word(bank_week, settings):
    """ "Start-ups scramble to pay employees after SVB collapse" matches the lead's "start-ups"
    as one term, "startups", not as "start" and "ups" (it scored 0.246, under the bar)."""
    issue = build(["seeds", "feeds"], settings, AssembleOptions(today=dt.date(2023, 3, 18))).issue
    scored = {h.title: h for h in (*issue.related, *issue.more)}
    start_ups = scored["Start-ups scramble to pay employees after SVB collapse"]
    assert "startups" in start_ups.matched
    assert not {"start", "ups"} & set(start_ups.matched)
    assert start_ups.score >= RELATED_BAR
    assert start_ups.headline in {h.headline for h in issue.related}


def test_a_short_form_is_the_name_the_lead_spells(bank_week, settings):
    """The feed's "SVB" is the lead's "Silicon Valley Bank" (its initials): "Start-ups
    scramble to pay employees after SVB collapse" matches the name's words, read "svb~…"."""
    issue = build(["seeds", "feeds"], settings, AssembleOptions(today=dt.date(2023, 3, 18))).issue
    related = {h.title: h for h in issue.related}
    start_ups = related["Start-ups scramble to pay employees after SVB collapse"]
    assert {"svb~silicon", "svb~valley", "svb~bank"} <= set(start_ups.matched)
    assert set(related) >= ON_SVB


KEY_BRIDGE = WEEKS / "key-bridge-2024"
ON_BRIDGE = {  # the six feed headlines about the collapse, six outlets
    "Biden vows that the federal government will pay to rebuild the Baltimore bridge",
    "Bridge collapse and port closure send companies scrambling to reroute cargo",
    "Divers recover the bodies of two workers from the Patapsco River",
    "NTSB timeline shows the Dali lost power minutes before it struck the Key Bridge",
    "Federal officials approve an initial $60 million for the Key Bridge response",
    "Salvage crews begin cutting up the fallen span to open a temporary channel",
}
BALTIMORE_SPORT = {  # the city's own results, one naming the collapse (a moment of silence)
    "Orioles rout the Angels 11-3 on opening day at Camden Yards",
    "Orioles pound the Angels again, 13-4, behind Grayson Rodriguez",
}
STRIKES = (
    "Baltimore beats Los Angeles 13-4 as Rodriguez strikes out nine"  # the same game, retitled
)


def _built(args: list[str]) -> dict:
    result = CliRunner().invoke(app, ["build", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _lead_also(shown: dict) -> set[str]:
    """The lead's own article from the sources, folded into the lead (`build --json`)."""
    return {a["title"] for a in shown["lead"]["also"]}


@pytest.fixture
def bridge_week(workspace: Path) -> Path:
    """The workspace with the week of the Key Bridge collapse as its sources."""
    return _first_week(workspace, KEY_BRIDGE)


def test_the_bridge_week_through_the_cli(bridge_week):
    """`newsletter build seeds/ feeds/` with no --lead: the collapse leads, all 6 feed headlines
    about it are Related, no Baltimore baseball result is (not the one naming the collapse
    either), and both other stories are cards scored above zero."""
    shown = _built(["seeds/", "feeds/", "--date", "2024-03-31"])
    assert shown["lead"]["title"].startswith("Ship strikes Baltimore's Key Bridge")
    related = {h["title"] for h in shown["related"]}
    assert related >= ON_BRIDGE, related
    assert not related & BALTIMORE_SPORT
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    assert len(cards) == 2 and all(score > 0 for score in cards.values()), cards


def test_a_story_the_feed_also_reports_stays_a_card(bridge_week):
    """The editor's Markdown story on the UN resolution is a card, with the feed's report of
    the same vote folded under it: led by the feed headline (a near-duplicate title), the
    story used to vanish into that More line's `also`, leaving one card of two."""
    shown = _built(["seeds/", "feeds/", "--date", "2024-03-31"])
    un_story = "UN Security Council demands an immediate ceasefire in Gaza as the US abstains"
    assert un_story in {c["title"] for c in shown["stories"]}
    more = {h["title"] for h in shown["more"]}
    assert "UN votes to demand an immediate Gaza ceasefire after the US abstains" not in more
    assert all(un_story not in h.get("also", ()) for h in shown["more"])


def test_a_week_after_the_bridge_nothing_sent_comes_back(bridge_week, settings, monkeypatch):
    """The bridge issue sent, a build a week later (`--date`) over the same sources plus the
    next week's: the Taiwan earthquake leads, and every lead, card and headline of the sent
    issue (the feed's report folded under a card too) is listed as repeated, none shown."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    first = _built(["seeds/", "feeds/", "--date", "2024-03-31"])
    _send(settings, Path(first["issue_dir"]))
    _add_week(bridge_week, KEY_BRIDGE / "week2")
    second = _built(["seeds/", "feeds/", "--date", "2024-04-07"])
    assert second["lead"]["title"].startswith("Taiwan's strongest earthquake")
    sent = {first["lead"]["title"], *(c["title"] for c in first["stories"])}
    sent |= {h["title"] for part in ("related", "more") for h in first[part]}
    sent.add("UN votes to demand an immediate Gaza ceasefire after the US abstains")
    shown = {second["lead"]["title"], *(c["title"] for c in second["stories"])}
    shown |= {h["title"] for part in ("related", "more") for h in second[part]}
    assert sent.isdisjoint(shown)
    assert sent <= {h["title"] for h in second["repeated"]}
    assert second["follows"] is None


def test_a_story_the_feed_reports_in_related_keeps_both(bridge_week):
    """A Markdown story of the divers' find, near-duplicate of a feed headline about the lead:
    the story is a card and the feed's line stays in Related (another outlet's report of the
    lead's event, not the card's own article: own_copies.py), so all 6 on-topic headlines
    are still Related."""
    (bridge_week / "seeds" / "04-divers.md").write_text(
        "---\ntitle: Divers recover the bodies of two workers from the Patapsco\n"
        "url: https://magicbaltimore.com/4936368/sources-two-bodies-recovered-from-key-bridge-collapse-site/\n"
        "---\nDivers found two men of the road crew in a pickup truck in about 25 feet of water "
        "at the bridge's middle span on Wednesday. State police said the wreckage made further "
        "dives unsafe, and the search for the four other workers became a salvage operation.\n",
        "utf-8",
    )
    shown = _built(["seeds/", "feeds/", "--date", "2024-03-31"])
    cards = {c["title"] for c in shown["stories"]}
    assert "Divers recover the bodies of two workers from the Patapsco" in cards, cards
    related = {h["title"] for h in shown["related"]}
    assert related >= ON_BRIDGE, related


def test_a_result_naming_the_city_and_a_word_of_the_lead_is_not_related(bridge_week):
    """Baltimore's results written with the city's name, one sharing the lead's verb ("strikes
    out nine" against "Ship strikes … Key Bridge"): neither is Related (the latter scored 0.429
    on "strikes" and "baltimore", a game's result read as the city's news), and all 6 feed
    headlines about the collapse still are."""
    feed = bridge_week / "feeds" / "week.xml"
    text = feed.read_text("utf-8")
    for old, new in (
        ("Orioles pound the Angels again, 13-4, behind Grayson Rodriguez", STRIKES),
        (
            "Orioles rout the Angels 11-3 on opening day",
            "Baltimore Orioles rout the Angels 11-3 on opening day",
        ),
    ):
        assert old in text
        text = text.replace(old, new)
    feed.write_text(text, "utf-8")
    shown = _built(["seeds/", "feeds/", "--date", "2024-03-31"])
    related = {h["title"] for h in shown["related"]}
    assert related >= ON_BRIDGE, related
    assert not {t for t in related if "Baltimore beats" in t or "Orioles" in t}, related
    scored = {h["title"]: h for h in shown["more"]}
    assert scored[STRIKES]["score"] < RELATED_BAR
    assert {"strikes", "baltimore"} <= set(scored[STRIKES]["matched"])  # the words still match


# Weeks labelled in labels.toml (a new user's week: a note, three Markdown stories, a local feed
# of several outlets' headlines); birmingham-2023, texas-measles-2025, boj-2024 (business news outside
# the US and UK), social-media-ban-2024 (a policy story in Australia) and milei-2023 (an election
# result, its lead and its trap untitled, so labelled by seed file) and rugby-world-cup-2019 (a
# sports final, its trap another sport's "World Series") and liverpool-parade-2025 (a crowd hurt
# at a football club's title parade, its trap the club's own result) and hurricane-milton-2024 (a
# hurricane's landfall, its traps a storm in France and the governor's other news) were labelled
# before the tool ever ran on them, key-bridge-2024's labels are its tests' above.
LABELLED_WEEKS = sorted(p.parent for p in WEEKS.glob("*/labels.toml"))
# A week's known miss through the CLI, written down where it was found (strict: the day the
# ranker gets it right, the xfail fails and this entry goes).
KNOWN_MISSES: dict[str, str] = {}


def _through_the_cli(weeks: list[Path]) -> list:
    return [
        pytest.param(
            week,
            id=week.name,
            marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[week.name])
            if week.name in KNOWN_MISSES
            else (),
        )
        for week in weeks
    ]


def _labels(week: Path) -> dict:
    return tomllib.loads((week / "labels.toml").read_text("utf-8"))


def _built_week(workspace: Path, week: Path) -> tuple[dict, dict]:
    """The labelled week as a new user builds it (`build seeds/ feeds/ --date` its build day,
    no --lead): its labels and the `build --json`."""
    labels = _labels(week)
    _first_week(workspace, week)
    return labels, _built(["seeds/", "feeds/", "--date", labels["build"]])


def _seed_url(week: Path, seed: str) -> str | None:
    (story,) = load_file(week / seed).stories
    return story.url


def _is_labelled(week: Path, labels: dict, shown: dict, key: str = "lead") -> bool:
    """Whether a built story (the JSON's lead or a card) is the labelled one: by its title, or,
    for an untitled story whose title is derived (labelled before the tool ran, so before its
    title was known), by the link of the seed labelled `<key>_seed`."""
    if key in labels:
        return shown["title"] == labels[key]
    return shown["url"] == _seed_url(week, labels[f"{key}_seed"])


@pytest.mark.parametrize("week", _through_the_cli(LABELLED_WEEKS))
def test_a_labelled_week_through_the_cli(week, workspace):
    """`newsletter build seeds/ feeds/` with no --lead on a week labelled before it was run:
    the labelled lead leads, at least 5 of its 6 on-topic feed headlines are Related (as lines
    or folded under one), no result naming the same place is, and every card scores above 0
    (the short piece sharing a word with the lead in another sense among them); the week's
    other news from the lead's place (`same_place` in labels.toml) is not Related either."""
    labels, shown = _built_week(workspace, week)
    assert _is_labelled(week, labels, shown["lead"]), shown["lead"]
    lines = {h["title"] for h in shown["related"]}
    folded = {a["title"] for h in shown["related"] for a in h.get("also") or ()}
    in_lead = _lead_also(shown)  # the lead's own article from the feed, folded into it
    assert len(set(labels["on_topic"]) & (lines | folded | in_lead)) >= 5, lines | folded
    assert not set(labels["sport"]) & (lines | folded), lines
    assert not set(labels.get("same_place", ())) & (lines | folded), lines
    assert shown["stories"] and all(card["score"] > 0 for card in shown["stories"])
    if {"other_sense", "other_sense_seed"} & set(labels):  # a story sharing a word with the
        # lead in another sense is a card
        assert any(_is_labelled(week, labels, c, "other_sense") for c in shown["stories"])
    if "other_sense_headline" in labels:  # the feed's report of that story is not Related
        assert labels["other_sense_headline"] not in lines | folded, lines


@pytest.mark.parametrize("week", LABELLED_WEEKS, ids=lambda p: p.name)
def test_a_labelled_week_with_its_stories_only(week, workspace):
    """`newsletter build seeds/` (the Markdown stories, no feed) with no --lead: the same story
    leads as with the feed (the short piece sharing a word with it in another sense does not;
    milei-2023's markets story, 129 words, led over the 168-word election it covers, on the
    "Argentina" the Maracana result shares with it: lead._fuller_account)."""
    labels = _labels(week)
    _first_week(workspace, week)
    assert _is_labelled(week, labels, _built(["seeds/", "--date", labels["build"]])["lead"])


def _first_sent_then_week2(workspace: Path, settings, week: Path) -> tuple[dict, dict]:
    """The labelled week built and sent to the list, then its week2 sources added: its labels
    and the first issue's `build --json`."""
    labels = _labels(week)
    _first_week(workspace, week)
    first = _built(["seeds/", "feeds/", "--date", labels["build"]])
    _send(settings, Path(first["issue_dir"]))
    _add_week(workspace, week / "week2")
    return labels, first


@pytest.mark.parametrize("week", LABELLED_WEEKS, ids=lambda p: p.name)
def test_a_labelled_week_a_week_later(week, workspace, settings, monkeypatch):
    """The labelled week's issue sent, a build a week later over the same sources plus the
    next week's: the next week's labelled story leads, and every lead, card and headline of the
    sent issue (and each one folded under them) is listed as repeated, none shown."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    labels, first = _first_sent_then_week2(workspace, settings, week)
    second = _built(["seeds/", "feeds/", "--date", labels["week2"]["build"]])
    assert _is_labelled(week, labels["week2"], second["lead"]), second["lead"]
    sent = {first["lead"]["title"], *(c["title"] for c in first["stories"])}
    sent |= {h["title"] for part in ("related", "more") for h in first[part]}
    sent |= {
        a["title"] for part in ("related", "more") for h in first[part] for a in h.get("also") or ()
    }
    shown = {second["lead"]["title"], *(c["title"] for c in second["stories"])}
    shown |= {h["title"] for part in ("related", "more") for h in second[part]}
    shown |= {
        a["title"]
        for part in ("related", "more")
        for h in second[part]
        for a in h.get("also") or ()
    }
    assert sent.isdisjoint(shown), sent & shown
    assert sent <= {h["title"] for h in second["repeated"]}, sent - {
        h["title"] for h in second["repeated"]
    }
    assert second["follows"] is None or second["follows"]["title"] != second["lead"]["title"]


HEATWAVE = WEEKS / "heatwave-2025"


def test_the_heatwave_week_reads_heat_in_its_compounds_and_its_coverage(workspace):
    """A new user's heatwave week: "heatwave" matches "heat" (shown "heatwave~heat"); the lead
    says the heat once, but its clearly covering story (the heat record) makes it core, so the
    Greek wildfire card
    scores well above 0 from its whole text (0.148 with nothing matched before), the
    heat-triggered storms and the Atomium's shortened hours are Related, and Portugal's
    "46.6C" is the lead's "40C"; Wimbledon's "opens" and the Paris Saint-Germain result stay
    under the bar."""
    _first_week(workspace, HEATWAVE)
    shown = _built(["seeds/", "feeds/", "--date", "2025-07-05"])
    cards = {c["title"]: c for c in shown["stories"]}
    wildfires = cards["Wildfires force thousands to flee in Greece as heat peaks"]
    assert wildfires["score"] >= RELATED_BAR and "heat" in wildfires["matched"]
    related = {h["title"]: h for h in shown["related"]}
    italy = related["Italy limits outdoor work as heatwave breaks records across Europe"]
    assert "heatwave~heat" in italy["matched"]
    assert "Heat triggers thunderstorms that cut Paris–Milan trains for days" in related
    assert "Brussels Atomium shortens opening hours in the heat" in related
    assert related["Portugal reports a June high of 46.6C"]["matched"] == ["46.6c~40c"]
    more = {h["title"]: h for h in shown["more"]}
    assert more["Wimbledon opens with record crowds on day one"]["score"] < RELATED_BAR


BAN_WEEK = WEEKS / "social-media-ban-2024"


def test_the_ban_week_keeps_another_parliaments_vote_out_of_related(workspace):
    """Australia's under-16 ban: Related is its six on-topic headlines and nothing else.
    Another parliament's "MPs vote in favour of assisted dying bill" (0.521, on "votes", the
    lead's "34 votes to 19" made core by the editor's assisted-dying story) and Romania's
    "first round" (0.474, on "votes" and the title's "a world first") used to be Related."""
    labels, shown = _built_week(workspace, BAN_WEEK)
    assert {h["title"] for h in shown["related"]} == set(labels["on_topic"])
    more = {h["title"]: h["score"] for h in shown["more"]}
    assert more["MPs vote in favour of assisted dying bill"] < RELATED_BAR


BOJ_WEEK = WEEKS / "boj-2024"


def test_the_bank_of_japan_week_reads_boj_as_the_bank(workspace):
    """The Bank of Japan's first rise in 17 years: the feed's "Yen tumbles in Tokyo after BOJ
    decision" is the lead's bank ("boj~bank"), Related well over the bar (it matched the yen
    and Tokyo only, 0.322), none of the three Japanese results is Related, and neither is
    Reddit's debut (on the title's verb "ends" and "exchange-traded"): all six on-topic are."""
    labels, shown = _built_week(workspace, BOJ_WEEK)
    related = {h["title"]: h for h in shown["related"]}
    yen = related["Yen tumbles in Tokyo after BOJ decision"]
    assert "boj~bank" in yen["matched"] and yen["score"] >= 0.5
    assert not set(labels["sport"]) & set(related)
    # "ends" is the title's verb and "traded" the lead's "exchange-traded": no topic (0.515)
    assert "Reddit ends trading up 48% on market debut" not in related
    assert set(labels["on_topic"]) <= set(related) | _lead_also(shown)


def test_the_graded_weeks_agree_with_their_labels():
    """Each week's grades.toml (bench/report_pooled.py's sixth set) grades every titled week1
    feed headline (an untitled entry is a story, a card), its six on-topic headlines 2 (those
    labelled a `consequence` of the lead's event, the card's story, 1) and its sport results 0,
    and names the lead story."""
    from tests.support.labelled import load_weeks

    weeks = {ld.name.removeprefix("week-"): ld for ld in load_weeks()}
    assert len(weeks) == 16
    for name, lead in weeks.items():
        labels = _labels(WEEKS / name) if (WEEKS / name / "labels.toml").exists() else {}
        on_topic = set(labels.get("on_topic", ())) or (
            ON_FIRE if name == "notre-dame-2019" else ON_SVB
        )
        consequence = set(labels.get("consequence", ()))
        feeds = [p.read_text("utf-8") for p in (WEEKS / name / "week1" / "feeds").iterdir()]
        entries = [e for f in feeds for e in re.split(r"<item>|<entry>", f)[1:]]
        assert len(lead.headlines) == sum("<title>" in e for e in entries), name
        assert {t for t, g in lead.headlines if g == 2} == on_topic - consequence, name
        assert all(lead.grades[t] == 1 for t in consequence), name
        assert all(lead.grades[t] == 0 for t in labels.get("sport", ())), name
        assert lead.title == labels.get("lead", lead.title), name


SUEZ_WEEK = WEEKS / "suez-2021"


def test_the_canal_week_keeps_egypts_other_news_under_the_bar(workspace):
    """The Ever Given across the Suez Canal, a week gathered by a new user: all six on-topic
    headlines are Related, "Stuck Container Ship Brings Maritime Traffic To Grinding Halt"
    too (it names neither the canal nor the ship); Egypt's other news that week (two trains in
    Sohag, a building in Cairo's Gesr al-Suez, the mummies' parade) and Kenya's draw with
    Egypt stay under the bar, and the Gesr al-Suez story is a card scored below the queue's."""
    labels, shown = _built_week(workspace, SUEZ_WEEK)
    related = {h["title"]: h for h in shown["related"]}
    assert set(labels["on_topic"]) <= set(related) | _lead_also(shown), set(related)
    stuck = related["Stuck Container Ship Brings Maritime Traffic To Grinding Halt"]
    assert {"container", "ship"} <= set(stuck["matched"])
    more = {h["title"]: h["score"] for h in shown["more"]}
    # the Gesr al-Suez card's own article (the feed's item at its URL) is folded under it
    folded = {a["title"] for c in shown["stories"] for a in c["also"]}
    for title in (*labels["same_place"], *labels["sport"]):
        assert title in folded or more[title] < RELATED_BAR, title
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    queue = "Behind the stranded ship, a queue of more than 300 vessels and rising freight costs"
    assert 0 < cards[labels["other_sense"]] < cards[queue], cards


RUGBY_WEEK = WEEKS / "rugby-world-cup-2019"


def test_the_final_week_keeps_other_titles_and_the_hosts_news_under_the_bar(workspace):
    """The Springboks' Rugby World Cup final, a week gathered by a new user: all six on-topic
    headlines are Related, and no grade-0 one is; other sports' titles of the same week (the
    World Series, Hamilton's sixth, the Breeders' Cup, England beating New Zealand at cricket)
    and the host's and the finalists' other news (Shuri Castle, the Olympic marathon, a budget
    in Cape Town, the UK's election) stay under the bar, and the World Series story is a card
    scored below the captain's."""
    labels, shown = _built_week(workspace, RUGBY_WEEK)
    related = {h["title"] for h in shown["related"]}
    assert set(labels["on_topic"]) <= related | _lead_also(shown), related
    grades = {
        h["title"]: h["grade"]
        for h in tomllib.loads((RUGBY_WEEK / "grades.toml").read_text("utf-8"))["headlines"]
    }
    assert all(grades[title] > 0 for title in related), related
    more = {h["title"]: h["score"] for h in shown["more"]}
    for title in (*labels["same_place"], *labels["sport"]):
        assert more[title] < RELATED_BAR, title
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    kolisi = "Siya Kolisi becomes the first black captain to lift the Webb Ellis Cup"
    assert 0 < cards[labels["other_sense"]] < cards[kolisi], cards


def test_a_week_after_the_final_an_untitled_story_leads_under_a_printable_title(
    workspace, settings, monkeypatch
):
    """The final's issue sent, a week later a new user adds Evo Morales's resignation without a
    title: it leads under "Evo Morales announces his resignation as president …" (it was "His
    re-election to fourth term … had set off three weeks of protests": "announced his
    resignation" read as a reported clause left no verb, and the next sentence's "His" no one),
    and the Springboks' homecoming stays out of its Related."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    labels, _ = _first_sent_then_week2(workspace, settings, RUGBY_WEEK)
    seed = workspace / "seeds" / "04-morales.md"
    seed.write_text(
        "".join(
            line
            for line in seed.read_text("utf-8").splitlines(True)
            if not line.startswith("title:")
        ),
        "utf-8",
    )
    second = _built(["seeds/", "feeds/", "--date", labels["week2"]["build"]])
    assert second["lead"]["title"] == (
        "Evo Morales announces his resignation as president of Bolivia after almost 14 years in power"
    )
    assert second["lead"]["title_derived"]
    assert not {h["title"] for h in second["related"] if "Springboks" in h["title"]}


def _leads_as_labelled_with_its_traps_out(labels: dict, shown: dict) -> set[str]:
    """Check a labelled week's `build --json`: the labelled lead leads, all its on-topic
    headlines are Related, the card on the same event scores above the bar and every card above
    0, and no sport result nor other news of the lead's place is Related; return Related."""
    assert shown["lead"]["title"] == labels["lead"]
    related = {h["title"] for h in shown["related"]}
    assert set(labels["on_topic"]) <= related, set(labels["on_topic"]) - related
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    assert cards[labels["same_topic_card"]] >= RELATED_BAR
    assert all(score > 0 for score in cards.values()), cards
    assert not set(labels["sport"]) & related
    assert not set(labels["same_place"]) & related
    return related


def _leads_with_five_of_its_headlines_and_its_traps_out(
    labels: dict, shown: dict, traps: set[str]
) -> dict[str, float]:
    """Check a labelled week's `build --json` where the lead's coverage may be folded: the
    labelled lead leads, at least 5 of its on-topic headlines are Related (as lines, folded
    under one, or folded into the lead), none of `traps` is Related nor folded under a Related
    line, and the `related_card` scores above the bar; return the cards' scores by title."""
    assert shown["lead"]["title"] == labels["lead"]
    related = {h["title"] for h in shown["related"]}
    folded = {a["title"] for h in shown["related"] for a in h.get("also") or ()}
    assert len(set(labels["on_topic"]) & (related | folded | _lead_also(shown))) >= 5, related
    assert not traps & (related | folded), related
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    assert cards[labels["related_card"]] >= RELATED_BAR, cards
    return cards


PARADE_WEEK = WEEKS / "liverpool-parade-2025"


def test_the_parade_week_leads_with_the_collision_and_keeps_the_clubs_news_out(workspace):
    """The car driven into the crowd at Liverpool's title parade, a week a new user labelled
    before the tool ran on it: the collision leads, all six headlines about it are Related
    (with the court hearing the card reports), the card on the same event scores well above the
    bar and the unrelated one above 0, and the club's transfers and the crowd at a Gaza aid
    site stay out of Related, and so do the sport results: the club's own 1-1 draw, near a title
    parade in meaning, is a match's result under a lead that is none."""
    labels, shown = _built_week(workspace, PARADE_WEEK)
    related = _leads_as_labelled_with_its_traps_out(labels, shown)
    assert labels["crowd_trap"] not in related


MILTON_WEEK = WEEKS / "hurricane-milton-2024"


def test_the_hurricane_week_leads_with_the_landfall_and_keeps_the_storm_in_france_out(workspace):
    """Hurricane Milton's landfall in Florida, a week a new user labelled before the tool ran on
    it: the landfall leads, all six headlines about it are Related (with the two on its
    tornadoes), the card on the tornadoes scores well above the bar and the key-rate card above
    0, and the Panthers' home win (naming Florida), the governor's fight over an abortion-rights
    advertisement (the same person, the same state) and storm Kirk in France (the same kind of
    event elsewhere) stay out of Related."""
    labels, shown = _built_week(workspace, MILTON_WEEK)
    related = _leads_as_labelled_with_its_traps_out(labels, shown)
    assert set(labels["card_coverage"]) <= related, set(labels["card_coverage"]) - related
    more = {h["title"]: h["score"] for h in shown["more"]}
    assert more[labels["same_person"]] < RELATED_BAR
    assert more[labels["same_kind_elsewhere"]] < RELATED_BAR


ELECTION_WEEK = WEEKS / "mexico-election-2024"


def test_the_election_week_leads_with_the_result_and_keeps_other_counts_out(workspace):
    """Mexico's general election result, a week a new user labelled before the tool ran on it:
    Sheinbaum's landslide leads, five of the six headlines about the result are Related (the
    sixth, "Morena, PT, and PVEM project qualified majority", scored 0.169 on "morena" alone,
    cosine 0.27), the peso card scores well above the bar with the markets' other report
    Related, and the 4-0 friendly naming Mexico, the outgoing president's call about the US
    asylum order, and India's and South Africa's counts the same week stay under the bar."""
    labels, shown = _built_week(workspace, ELECTION_WEEK)
    assert shown["lead"]["title"] == labels["lead"]
    related = {h["title"] for h in shown["related"]}
    assert len(set(labels["on_topic"]) & related) >= 5, set(labels["on_topic"]) - related
    assert "Mexican Peso, BMV Fall After Morena's Election Victory" in related
    cards = {c["title"]: c for c in shown["stories"]}
    peso = cards[labels["same_topic_card"]]
    assert peso["score"] >= RELATED_BAR
    assert "Mexico peso drops more than 3% on jitters over Morena supermajority" in {
        a["title"] for a in peso["also"]
    }
    assert all(card["score"] > 0 for card in cards.values()), cards
    assert not set(labels["sport"]) & related
    more = {h["title"]: h["score"] for h in shown["more"]}
    for title in (labels["same_person"], labels["same_kind_elsewhere"]):
        assert more[title] < RELATED_BAR, title
    assert more[labels["same_kind_elsewhere_too"]] < RELATED_BAR


@pytest.mark.parametrize(
    ("week", "coverage"),
    [
        # The short piece on New Zealand's rate cut shares "key" (Siesta Key), "cuts" (a path of
        # damage) and "half" (half a million) with the lead, each in another sense, and the model
        # reads it far from the storm (cosine 0.069, under meaning.MEANING_FLOOR): under the bar
        # (it scored 0.290), so the coverage line counts the 9 items about the storm (8 Related
        # headlines, the tornado card), not 10.
        pytest.param(MILTON_WEEK, 9, id="hurricane-milton-2024-key-rate"),
        # The short piece on Papua New Guinea's landslide shares only "landslide" with the lead
        # (Sheinbaum's landslide win): neither it nor the feed's report of the same hillside
        # counts (6 Related headlines and the peso card: 7).  Measured: the card 0.497 on
        # "landslide", "slide", "land" and "called", the headline 0.520 in Related, coverage 9
        # (its one word counted three times: 0.388 and 0.406 once); with the lead's "by a
        # landslide" read as an election's margin (relevance._MARGIN) the card 0.098 on
        # "called", the headline 0.120 in More, coverage 7.
        pytest.param(ELECTION_WEEK, 7, id="mexico-election-2024-landslide"),
    ],
)
def test_a_card_sharing_a_word_with_the_lead_in_another_sense_does_not_cover_it(
    workspace, week, coverage
):
    """The week's short piece sharing a word with the lead in another sense (`other_sense`) is a
    card above 0 but under the Related bar; the feed's report of it (`other_sense_headline`,
    where labelled) is not Related either, and the lead's coverage line counts neither."""
    labels, shown = _built_week(workspace, week)
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    assert 0 < cards[labels["other_sense"]] < RELATED_BAR, cards
    if "other_sense_headline" in labels:
        assert labels["other_sense_headline"] not in {h["title"] for h in shown["related"]}
    # each week's coverage is its Related headlines and one card (the tornadoes, the peso),
    # each from its own outlet: the line counts the card as a story, not a headline
    assert shown["lead"]["why"] == (
        f"{coverage - 1} headlines and 1 story from {coverage} sources cover this story"
    )


# A week's labelled follow-up (labels.toml `follow_up`, a feed item on the sent lead's story)
# that the issue does not find when it leads, written down where it was found.
FOLLOW_UP_MISSES = {
    "mexico-election-2024": "nothing in the feed item names Mexico, its vote or its winner: "
    "'Morena says its alliance will hold a supermajority in the lower house' over 'The "
    "party's president said the coalition would have 372 of 500 deputies ...' scores 0.19 "
    "under the Sheinbaum lead (a follow-up scores 0.54-0.86); told as a story it follows",
}
FOLLOW_UPS = [
    *(
        pytest.param(
            week,
            None,
            id=week.name,
            marks=pytest.mark.xfail(strict=True, reason=FOLLOW_UP_MISSES[week.name])
            if week.name in FOLLOW_UP_MISSES
            else (),
        )
        for week in LABELLED_WEEKS
        if "follow_up" in _labels(week).get("week2", {})
    ),
    # the same follow-up told as a story, from El Destape's report (written after the tool ran:
    # mexico-election-2024/SOURCES.md); it scores 0.54 under the sent lead
    pytest.param(
        ELECTION_WEEK,
        ELECTION_WEEK / "follow-up" / "05-morena-supermajority.md",
        id="mexico-election-2024-story",
    ),
]


def _item_as_story(workspace: Path, week: Path, title: str) -> str:
    """A week-2 feed item written as a Markdown story of its own title, link and summary (the
    fixture's sentence, nothing added), as an editor leading with it would; its seed path."""
    for feed in sorted((week / "week2" / "feeds").glob("*.xml")):
        for item in ET.parse(feed).getroot().iter("item"):
            if item.findtext("title") == title:
                quoted = title.replace('"', '\\"')
                (workspace / "seeds" / "09-follow-up.md").write_text(
                    f'---\ntitle: "{quoted}"\nurl: {item.findtext("link")}\n---\n'
                    f"{item.findtext('description')}\n",
                    "utf-8",
                )
                return "seeds/09-follow-up.md"
    raise AssertionError(f"{title} is in no week-2 feed of {week.name}")


@pytest.mark.parametrize(("week", "story"), FOLLOW_UPS)
def test_a_follow_up_leading_a_week_later_follows_the_sent_issue(
    week, story, workspace, settings, monkeypatch
):
    """The week's issue sent, a week later the editor leads (--lead) with its labelled
    follow-up (Milton's death toll a day after landfall, the parade's injured rising to 109,
    Morena's supermajority told as a story): the new issue follows the sent one (`build
    --json`, the manifest, the email's text), and not as its own article.  Milton's aftermath
    was missed: the sent lead's title scored 0.449 by concepts alone under the one-sentence
    follow-up (bar 0.7); under the sent lead's whole text, by concepts and meaning, the
    follow-up scores 0.74 (bar meaning.WEEK_BAR)."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    labels, first = _first_sent_then_week2(workspace, settings, week)
    if story is None:
        lead = _item_as_story(workspace, week, labels["week2"]["follow_up"])
    else:
        shutil.copy(story, workspace / "seeds" / story.name)
        lead = f"seeds/{story.name}"
    second = _built(["seeds/", "feeds/", "--date", labels["week2"]["build"], "--lead", lead])
    assert second["follows"] is not None, second["lead"]["title"]
    assert second["follows"]["id"] == first["id"]
    assert second["follows"]["title"] == first["lead"]["title"] != second["lead"]["title"]
    assert first["lead"]["url"] != second["lead"]["url"]
    folder = Path(second["issue_dir"])
    assert f'follows = "{first["id"]}"' in (folder / "issue.toml").read_text("utf-8")
    text = " ".join((folder / "index.txt").read_text("utf-8").split())
    assert f"Previously: {first['lead']['title']}" in text


@pytest.mark.parametrize(
    ("week", "title"),
    [
        # another story sharing a verb with the sent lead ("Ship strikes Baltimore's Key Bridge")
        pytest.param(
            WEEKS / "key-bridge-2024",
            "Israeli strike kills seven World Central Kitchen aid workers in Gaza",
            id="key-bridge-2024",
        ),
        # another story of the same city (the council's bankruptcy)
        pytest.param(
            WEEKS / "birmingham-2023",
            "Watford end Birmingham's unbeaten start with a 2-0 win",
            id="birmingham-2023",
        ),
        # the same kind of event in another country (Mexico's general election)
        pytest.param(
            ELECTION_WEEK,
            "France's Macron calls snap election after defeat in EU vote",
            id="mexico-election-2024",
        ),
    ],
)
def test_another_story_leading_a_week_later_follows_nothing(
    week, title, workspace, settings, monkeypatch
):
    """The week's issue sent, a week later the editor leads with another story that shares a
    word, a place or a kind of event with the sent lead: the new issue follows nothing.  The
    Gaza strike followed the Key Bridge (0.96 on "strikes") and the football result the
    council's bankruptcy (1.00 on "Birmingham") when the sent title was scored by concepts
    alone; by concepts and meaning under the sent lead's whole text: 0.11, 0.06, 0.21."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    labels, _ = _first_sent_then_week2(workspace, settings, week)
    lead = _item_as_story(workspace, week, title)
    second = _built(["seeds/", "feeds/", "--date", labels["week2"]["build"], "--lead", lead])
    assert second["lead"]["title"] == title
    assert second["follows"] is None, second["follows"]


OUTAGE_WEEK = WEEKS / "crowdstrike-2024"


def test_the_outage_week_keeps_the_companys_other_outage_out_and_its_consequence_in(workspace):
    """The faulty CrowdStrike update, a week a new user built and labelled: the outage leads,
    at least 5 of the 6 headlines about it and what it set off are Related; the Department of
    Transportation's probe into Delta, the card's very story, which shares no word with the
    lead (0.102, alone in More), is Related through that card (meaning.through_cards); Azure's
    own outage the night before, which Microsoft said was unrelated (0.616 in Related on
    "flights", "grounding", "microsoft"), is not (story_views.denies); nor the internet
    shutdown in Bangladesh nor the golf result; the landslide card scores above 0."""
    labels, shown = _built_week(workspace, OUTAGE_WEEK)
    assert shown["lead"]["title"] == labels["lead"]
    related = {h["title"] for h in shown["related"]}
    folded = {a["title"] for h in shown["related"] for a in h.get("also") or ()}
    with_cards = {a["title"] for c in shown["stories"] for a in c.get("also") or ()}
    assert len(set(labels["on_topic"]) & (related | folded)) >= 5, related
    assert set(labels["card_coverage"]) <= related | folded | with_cards, related
    for trap in (labels["same_company_other_event"], labels["same_kind_elsewhere"]):
        assert trap not in related | folded, trap
    assert not set(labels["sport"]) & related
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    assert 0 < cards[labels["other_card"]] < RELATED_BAR, cards


COLLAPSE_WEEK = WEEKS / "ftx-2022"


def test_the_exchange_collapse_week_keeps_its_name_on_an_arena_and_its_country_out(workspace):
    """FTX's collapse, a week a new user gathered and labelled before the tool ran on it (no
    miss on its first build): the filing leads, its six headlines are Related (0.62-0.79), the
    basketball result at the arena named after FTX (0.053 on "ftx") is not, nor Nicole over
    the Bahamas where FTX is based (0.009 on "bahamas"), nor the other companies in trouble
    that week (Twitter, Meta: 0.085-0.116) nor stocks surging (0.054); the BlockFi card, the
    collapse's consequence, is above the bar and the Nicole card above 0 (0.016)."""
    labels, shown = _built_week(workspace, COLLAPSE_WEEK)
    traps = {*labels["sport"], *labels["same_place"], *labels["same_kind_elsewhere"]}
    traps.add(labels["other_market"])
    cards = _leads_with_five_of_its_headlines_and_its_traps_out(labels, shown, traps)
    assert 0 < cards[labels["other_card"]] < RELATED_BAR, cards


ISLAND_FIRE_WEEK = WEEKS / "maui-2023"


def test_the_island_fire_week_reads_its_island_from_its_coverage(workspace):
    """The Lahaina wildfire, a week a new user gathered and labelled before the tool ran on it:
    the fire leads, and five of its six headlines are Related (0.53-0.84); the sixth, Biden's
    disaster declaration "in Hawaii" (a state the lead never names), is read as elsewhere
    (0.080).  On its first build the emergency chief's defence of the silent sirens was under
    the bar (0.247: the lead names Maui once, a name weighing 0.12); the Hawaiian Electric
    card, clear coverage, puts "Maui" in its title, so the island is fed back as core
    (meaning.coverage_profile) and the line scores 0.531.  The basketball result naming the
    United States (0.128), Hawaii's COVID deaths (0.103), Tenerife's fire (0.101) and the
    Niger lines stay out; so does Yellowknife's evacuation, in Related at 0.653 ("wildfire",
    "residents") until "Yellowknife's 20,000 residents" was read as whose residents, another
    place's (story_places.named_things past a count: 0.091).  The card on the utility is above
    the bar, the untitled Niger card (its title derived) above 0 (0.085)."""
    labels, shown = _built_week(workspace, ISLAND_FIRE_WEEK)
    traps = {*labels["sport"], *labels["same_place"], *labels["other_story"]}
    traps |= set(labels["same_kind_elsewhere"])
    _leads_with_five_of_its_headlines_and_its_traps_out(labels, shown, traps)
    cards = {c["url"]: c["score"] for c in shown["stories"]}
    other = _seed_url(ISLAND_FIRE_WEEK, labels["other_card_seed"])
    assert 0 < cards[other] < RELATED_BAR, cards


DAM_WEEK = WEEKS / "kakhovka-2023"


def test_the_dam_week_keeps_the_wars_other_front_out_of_related(workspace):
    """The Kakhovka dam's destruction, a week a new user gathered and labelled before the tool
    ran on it: the dam leads, its six headlines are Related (the lost crops and the UN's warning
    on drinking water among them), and Russia's claim to have repelled an attack "in the
    Zaporizhzhia region" (the same war, the region of the nuclear-plant card) is not.  It shares
    only the lead's names ("zaporizhzhia", "ukrainian", "russia": a name's weak evidence, 0.1)
    and the model alone carried it, reading the war in both (cosine 0.475: 0.325 in Related,
    counted in the lead's coverage); its likeness without the names, the event it tells, is
    0.228 (meaning.near_views): 0.177, in More.  The sport results (one naming Ukraine), the
    flood in Haiti and the collapse in Iowa stay out; the nuclear-plant card is above the bar,
    the smoke card above 0, and the coverage line counts the six headlines and the card (as a
    story: it said "8 headlines from 8 sources" with the front's line and the card, while
    Related listed 7 lines)."""
    labels, shown = _built_week(workspace, DAM_WEEK)
    assert shown["lead"]["title"] == labels["lead"]
    related = {h["title"] for h in shown["related"]}
    assert set(labels["on_topic"]) <= related, set(labels["on_topic"]) - related
    more = {h["title"]: h["score"] for h in shown["more"]}
    (front,) = labels["same_place"]
    assert more[front] < RELATED_BAR, more
    traps = {*labels["sport"], *labels["same_kind_elsewhere"], *labels["other_story"]}
    assert not (traps | {labels["other_sense_headline"]}) & related, related
    cards = {c["title"]: c["score"] for c in shown["stories"]}
    assert cards[labels["related_card"]] >= RELATED_BAR, cards
    assert 0 < cards[labels["other_card"]] < RELATED_BAR, cards
    assert shown["lead"]["why"] == "6 headlines and 1 story from 7 sources cover this story"
