"""Memory across issues: headlines earlier issues carried are left out, and a lead that continues
an earlier lead links back to it; all over real issue folders built in the test."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.assemble import AssembleOptions
from newsletter.assemble.memory import PastIssue, followed_issue, same_article, split_repeated
from newsletter.build import build, fill_text_templates
from newsletter.cli import app
from newsletter.errors import ManifestError
from newsletter.issue.manifest import read_manifest
from newsletter.issue.past_issues import read_past_issues
from newsletter.models import Headline, ScoredHeadline
from newsletter.preview.issue_summary import summarize_issue
from newsletter.send import MemoryTransport, SendOptions, send_issue
from newsletter.subscribers.store import open_store
from tests.conftest import SAMPLE_SEED

LAST_WEEK = dt.date(2026, 11, 19)  # issue 2026-W47
THIS_WEEK = dt.date(2026, 11, 26)  # issue 2026-W48
CROSSINGS = "https://example.org/news/chile-crossings"

FOLLOW_UP = """\
Peru declared a state of emergency along its border with Chile on Monday and sent troops to the \
Tacna region, where hundreds of migrants have gathered hoping to cross, President José Jerí said.

The decree lets the armed forces support the police at the frontier for 60 days.


U.S. Repatriation Flight Carrying 266 Venezuelan Migrants Lands in Caracas
Repatriation Flight Carrying 266 Venezuelan Migrants Lands in Caracas, U.S. Says
Chile Shuts Crossings at Peruvian Frontier — https://example.org/news/chile-crossings/
Peru Deploys Troops to Tacna as Migrants Wait at Chile Border
Chile's Kast Repeats Vow to Expel Undocumented Migrants
Migrants Stranded at Peru-Chile Border Ask for Humanitarian Corridor
Japan Launches Lunar Probe From Tanegashima
"""

UNRELATED = """\
Japan launched a lunar probe from the Tanegashima Space Center on Tuesday, the country's space \
agency said, its third attempt to land a spacecraft on the Moon this decade.


U.S. Repatriation Flight Carrying 266 Venezuelan Migrants Lands in Caracas
Japan's Lunar Probe Enters Orbit Around the Moon
"""


def _week(workspace: Path, text: str) -> None:
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    (workspace / "seeds" / "story.txt").write_text(text, "utf-8")


def _send(settings, folder: Path) -> None:
    """Send a built issue to one reader through the shipped in-memory transport: the delivery
    journal then has it, as after a real send (memory counts only issues that went out)."""
    with open_store(settings.path(settings.database)) as store:
        store.upsert("reader@example.org", "Reader", {})
    summary = send_issue(folder, settings, SendOptions(transport=MemoryTransport()))
    assert summary.sent == 1


@pytest.fixture
def secret(monkeypatch):
    """The unsubscribe key a send signs its links with."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")


@pytest.fixture
def last_week(workspace, settings, secret):
    """Issue 2026-W47 built from the sample seed, one of its headlines carrying a link, and sent."""
    sample = SAMPLE_SEED.read_text("utf-8").rstrip("\n")
    _week(workspace, f"{sample}\nChile Closes Two Border Crossings With Peru — {CROSSINGS}\n")
    built = build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    _send(settings, built.folder)
    return built


def _titles(items) -> list[str]:
    return [h.title for h in items]


def test_headlines_an_earlier_issue_carried_are_left_out_and_listed(workspace, settings, last_week):
    """A headline last week carried, by the same title, a near-duplicate title or the same URL,
    is left out of Related and More and listed under [[repeated]] with last week's id; so is
    the near-duplicate this week's ranking folded under one of them (it goes with its line)."""
    _week(workspace, FOLLOW_UP)
    issue = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK)).issue
    shown = _titles(issue.related) + _titles(issue.more)
    repeated = {h.title: h.issue for h in issue.repeated}
    assert repeated == {
        "U.S. Repatriation Flight Carrying 266 Venezuelan Migrants Lands in Caracas": "2026-W47",
        "Repatriation Flight Carrying 266 Venezuelan Migrants Lands in Caracas, U.S. Says": (
            "2026-W47"
        ),
        "Chile Shuts Crossings at Peruvian Frontier": "2026-W47",
    }
    # The near-duplicate was folded into the exact repeat by this week's ranking ("also"),
    # left out with it and listed after it.
    assert not any("Repatriation" in t or "Crossings" in t for t in shown)
    assert "Peru Deploys Troops to Tacna as Migrants Wait at Chile Border" in _titles(issue.related)
    assert "Japan Launches Lunar Probe From Tanegashima" in shown
    manifest = (workspace / "issues" / "2026-W48" / "issue.toml").read_text("utf-8")
    assert '[[repeated]]\ntitle = "Chile Shuts Crossings at Peruvian Frontier"\n' in manifest
    assert 'issue = "2026-W47"' in manifest


def test_a_near_duplicate_title_alone_is_a_repeat():
    """A reworded headline with most of an earlier one's concepts counts as carried before."""
    past = [
        PastIssue(
            "2026-W47", LAST_WEEK, "Lead", (("Peru Declares Emergency on Chile Border", None),)
        )
    ]
    ranked = [
        ScoredHeadline(Headline("Peru declares emergency on border with Chile"), 0.9),
        ScoredHeadline(Headline("Chile tightens border controls"), 0.5),
    ]
    fresh, repeated = split_repeated(ranked, past, THIS_WEEK)
    assert _titles(fresh) == ["Chile tightens border controls"]
    assert [(h.title, h.issue, h.score) for h in repeated] == [
        ("Peru declares emergency on border with Chile", "2026-W47", 0.9)
    ]


def test_a_near_duplicate_folded_under_a_repeat_is_listed_with_it():
    """A headline this week's ranking folded under one an earlier issue carried is left out
    with it, so it is listed under [[repeated]] too, with the issue it repeats: the editor
    sees every headline the build dropped (it used to vanish, listed nowhere)."""
    past = [
        PastIssue(
            "2026-W47", LAST_WEEK, "Lead", (("Peru Declares Emergency on Chile Border", None),)
        )
    ]
    folded = Headline("Peru declares an emergency along its border with Chile, sends troops")
    ranked = [
        ScoredHeadline(Headline("Peru Declares Emergency on Chile Border"), 0.9, merged=(folded,)),
        ScoredHeadline(Headline("Chile tightens border controls"), 0.5),
    ]
    fresh, repeated = split_repeated(ranked, past, THIS_WEEK)
    assert _titles(fresh) == ["Chile tightens border controls"]
    assert [(h.title, h.issue) for h in repeated] == [
        ("Peru Declares Emergency on Chile Border", "2026-W47"),
        (folded.title, "2026-W47"),
    ]


def test_repeat_keeps_them_and_still_lists_them(workspace, last_week):
    """`newsletter build --repeat` keeps the repeated headlines in the ranking; --json lists them."""
    _week(workspace, FOLLOW_UP)
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26", "--repeat", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    shown = [h["title"] for h in data["related"] + data["more"]]
    assert "Chile Shuts Crossings at Peruvian Frontier" in shown
    assert {h["issue"] for h in data["repeated"]} == {"2026-W47"} and len(data["repeated"]) == 3
    without = CliRunner().invoke(app, ["build", "--date", "2026-11-26", "--json"])
    data = json.loads(without.stdout)
    assert "Chile Shuts Crossings at Peruvian Frontier" not in [h["title"] for h in data["more"]]


def test_a_lead_that_continues_last_weeks_lead_links_back(workspace, settings, last_week):
    """A follow-up lead gets follows = the earlier id and a "Previously:" link to its web page,
    in the HTML and the text, kept when the issue is re-rendered from its manifest."""
    _week(workspace, FOLLOW_UP)
    result = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    assert result.issue.follows == ("2026-W47", last_week.issue.lead.title)
    folder = result.folder
    manifest = (folder / "issue.toml").read_text("utf-8")
    assert 'follows = "2026-W47"\n' in manifest
    link = settings.web_url("2026-W47")
    assert link == "https://news.example.org/2026-W47/"
    text = (folder / "index.txt").read_text("utf-8")
    assert f"Previously: {last_week.issue.lead.title}\n  {link}\n" in text
    html = (folder / "index.html").read_text("utf-8")
    assert 'Previously: <a href="https://news.example.org/2026-W47/"' in html
    rebuilt = build([str(folder)], settings, AssembleOptions(today=THIS_WEEK))
    as_read = fill_text_templates(read_manifest(folder / "issue.toml"), settings)
    assert rebuilt.from_manifest and rebuilt.issue == as_read
    assert rebuilt.issue.follows == result.issue.follows
    assert rebuilt.issue.repeated == result.issue.repeated
    assert (folder / "index.txt").read_text("utf-8") == text


def test_an_unrelated_lead_follows_nothing(workspace, settings, last_week):
    """A lead about another story has no follows and no "Previously" line, yet repeats still go."""
    _week(workspace, UNRELATED)
    result = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    assert result.issue.follows is None
    assert "Previously" not in (result.folder / "index.txt").read_text("utf-8")
    assert _titles(result.issue.repeated) == [
        "U.S. Repatriation Flight Carrying 266 Venezuelan Migrants Lands in Caracas"
    ]


def test_only_issues_dated_before_count_and_a_rebuild_is_not_its_own_past(workspace, settings):
    """Rebuilding the same week from sources, or building a week before it, repeats nothing."""
    build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    again = build(["seeds"], settings, AssembleOptions(today=LAST_WEEK + dt.timedelta(days=1)))
    assert again.folder.name == "2026-W47"
    assert again.issue.repeated == () and again.issue.follows is None
    earlier = build(["seeds"], settings, AssembleOptions(today=dt.date(2026, 11, 12)))
    assert earlier.issue.repeated == () and earlier.issue.follows is None
    past = read_past_issues(workspace / "issues", THIS_WEEK)
    assert sorted(p.id for p in past) == ["2026-W46", "2026-W47"]


# Three openings of one story, each telling something new (their concepts share far under 0.6).
DECLARED = "Congress approved the decree on Monday; soldiers joined the police at the crossing."
EXTENDED = "The government added 60 days to the measure as hundreds of migrants waited at Tacna."
TO_DECLARE = "The president said on Friday the decree would follow, as Chile's runoff neared."


def test_the_most_recent_continued_lead_is_followed():
    """Of two earlier leads on the same story, the more recent one is the one followed."""
    lead = Headline("Peru to declare state of emergency on Chile border", summary=TO_DECLARE)
    past = [
        PastIssue(
            "2026-W46",
            dt.date(2026, 11, 12),
            "Peru declares state of emergency on Chile border",
            (),
            lead_body=DECLARED,
        ),
        PastIssue(
            "2026-W47",
            LAST_WEEK,
            "Peru extends state of emergency on Chile border",
            (),
            lead_body=EXTENDED,
        ),
        PastIssue("2026-W45", dt.date(2026, 11, 5), "Japan launches lunar probe", ()),
    ]
    assert followed_issue(lead, past, THIS_WEEK).id == "2026-W47"
    assert followed_issue(lead, past[2:], THIS_WEEK) is None


def test_a_like_headline_follows_only_when_its_opening_tells_something_new():
    """A lead titled much as last week's, another URL: with another opening it is a new
    development and follows that issue; with last week's opening (or none to compare) it is the
    same article, never followed."""
    earlier = PastIssue(
        "2026-W47",
        LAST_WEEK,
        "Peru declares state of emergency on Chile border",
        (),
        lead_url="https://example.org/peru-declares",
        lead_body=DECLARED,
    )
    title, url = "Peru extends state of emergency on Chile border", "https://example.org/extends"
    new = Headline(title, url=url, summary=EXTENDED)
    assert followed_issue(new, [earlier], THIS_WEEK).id == "2026-W47"
    for same in (Headline(title, url=url, summary=DECLARED), Headline(title, url=url)):
        assert followed_issue(same, [earlier], THIS_WEEK) is None


def test_a_broken_earlier_manifest_stops_the_build_naming_it(workspace, last_week):
    """An earlier issue.toml that cannot be read is one error line naming it, exit code 1."""
    manifest = last_week.folder / "issue.toml"
    manifest.write_text(manifest.read_text("utf-8").replace("[lead]", "[lead"), "utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert result.exit_code == 1
    line = manifest.read_text("utf-8").split("\n").index("[lead") + 1
    assert result.output.startswith(f"error: issues/2026-W47/issue.toml:{line}: invalid TOML")
    assert "Traceback" not in result.output
    assert not (workspace / "issues" / "2026-W48").exists()
    with pytest.raises(ManifestError):
        read_past_issues(workspace / "issues", THIS_WEEK)


def test_a_follows_without_its_title_is_a_manifest_error(workspace, settings, last_week):
    """An edited manifest with follows but no follows_title names the key and its line."""
    _week(workspace, FOLLOW_UP)
    folder = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK)).folder
    path = folder / "issue.toml"
    text = path.read_text("utf-8")
    path.write_text(
        "\n".join(x for x in text.split("\n") if not x.startswith("follows_title")), "utf-8"
    )
    with pytest.raises(ManifestError, match=r"issue\.toml: follows_title: missing"):
        read_manifest(path)


def test_the_preview_ranking_shows_repeated_and_follows(workspace, settings, last_week):
    """The preview's Ranking data carries the repeated headlines and the followed issue's link."""
    _week(workspace, FOLLOW_UP)
    result = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    files = {
        n: (result.folder / n).read_bytes() for n in ("message.eml", "index.html", "index.txt")
    }
    ranking = summarize_issue(result.issue, files, settings.web_url)["ranking"]
    assert ranking["follows"] == {
        "id": "2026-W47",
        "title": last_week.issue.lead.title,
        "url": "https://news.example.org/2026-W47/",
    }
    assert [h["issue"] for h in ranking["repeated"]] == ["2026-W47"] * 3  # with the folded one


def test_the_fast_reader_and_tomllib_agree_on_any_manifest(workspace, settings, last_week):
    """An earlier manifest as built, or hand-edited in another TOML style (single quotes, keys
    reordered, escapes, spaced headers), is read exactly as tomllib reads it."""
    from newsletter.issue.past_issues import _past_issue, _scanned

    path = last_week.folder / "issue.toml"
    built = path.read_text("utf-8")
    assert _scanned(built) == _past_issue(path, built) is not None
    edits = [
        re.sub(r'^title = "(Trump[^"\\\n]*)"$', r"title = '\1'", built, count=1, flags=re.M),
        built.replace("[[more]]\ntitle", "[[ more ]]\ntitle", 1),
        built.replace('title = "Chile Closes', 'title = "\\"Chile\\" Closes', 1),
        built.replace("[[related]]\ntitle", '[[related]]\nnote = "mine"\ntitle', 1),
        built.replace(
            "title_derived = true\n", 'title_derived = true\nurl = "https://example.org/x"\n', 1
        ),
    ]
    for edited in edits:
        assert edited != built
        path.write_text(edited, "utf-8")
        expected = _past_issue(path, edited)
        assert read_past_issues(workspace / "issues", THIS_WEEK) == [expected]
    assert expected.lead_url == "https://example.org/x"


def test_old_issues_count_by_link_and_title_only_and_are_never_followed():
    """Past twelve weeks and twelve issues a reworded headline is new news and a lead is not
    continued; the same link or title still counts as carried."""
    old = dt.date(2026, 6, 4)
    past = [
        PastIssue(
            "2026-W23",
            old,
            "Peru declares state of emergency on Chile border",
            (
                ("Peru Declares Emergency on Chile Border", None),
                ("Fed Holds Rates Steady", None),
                ("Chile Shuts Two Crossings", CROSSINGS),
            ),
            lead_body=DECLARED,
        )
    ]
    weekly = [
        PastIssue(f"2026-W{week}", THIS_WEEK - dt.timedelta(weeks=48 - week), "Other news", ())
        for week in range(35, 48)
    ]
    ranked = [
        ScoredHeadline(Headline("Peru declares emergency on border with Chile"), 0.9),
        ScoredHeadline(Headline("fed holds  rates steady"), 0.4),
        ScoredHeadline(Headline("Chile closes crossings", url=CROSSINGS + "/"), 0.3),
    ]
    fresh, repeated = split_repeated(ranked, past + weekly, THIS_WEEK)
    assert _titles(fresh) == ["Peru declares emergency on border with Chile"]
    assert _titles(repeated) == ["fed holds  rates steady", "Chile closes crossings"]
    lead = Headline("Peru to declare state of emergency on Chile border", summary=TO_DECLARE)
    assert followed_issue(lead, past + weekly, THIS_WEEK) is None
    # An irregular newsletter's last issue is recent whatever its date.
    fresh, repeated = split_repeated(ranked, past, THIS_WEEK)
    assert fresh == ()
    assert followed_issue(lead, past, THIS_WEEK).id == "2026-W23"


@pytest.mark.browser
def test_the_preview_ranking_tab_lists_repeats_and_the_followed_issue(tmp_path, secret):
    """In Chromium, the Ranking tab shows the repeated headlines and the issue the lead follows."""
    from newsletter.config import load_settings
    from tests.support.browser import chromium, make_workspace, open_page, running_preview

    workspace = make_workspace(tmp_path / "workspace")
    settings, _ = load_settings(workspace)
    sample = SAMPLE_SEED.read_text("utf-8").rstrip("\n")
    seeds = workspace / "seeds"
    _week(workspace, f"{sample}\nChile Closes Two Border Crossings With Peru — {CROSSINGS}\n")
    _send(settings, build([str(seeds)], settings, AssembleOptions(today=LAST_WEEK)).folder)
    _week(workspace, FOLLOW_UP)
    with chromium() as browser, running_preview(workspace, day=THIS_WEEK) as running:
        page = open_page(browser, running.url, view="ranking")
        panel = page.locator("#panel-ranking")
        panel.get_by_text("Repeated from earlier issues (3)").wait_for(timeout=5000)
        text = panel.inner_text()
        assert "Follows issue 2026-W47" in text
        assert "Chile Shuts Crossings at Peruvian Frontier" in text
        assert page.console_errors == []
        page.context.close()


def test_a_link_matches_whatever_its_case_slash_fragment_or_tracking_parameters():
    """The same page linked as "HTTPS://Example.org/a/?utm_source=rss#top" is a repeat."""
    past = [
        PastIssue(
            "2026-W47",
            LAST_WEEK,
            "Lead",
            (("Old title", "HTTPS://Example.org/a/?utm_source=rss#top"),),
        )
    ]
    ranked = [
        ScoredHeadline(Headline("New wording", url="https://example.org/a"), 0.5),
        ScoredHeadline(Headline("Other page", url="https://example.org/a?id=2"), 0.4),
    ]
    fresh, repeated = split_repeated(ranked, past, THIS_WEEK)
    assert _titles(repeated) == ["New wording"] and _titles(fresh) == ["Other page"]


def _stories(workspace: Path, *stories: tuple[str, str, str]) -> None:
    """Replace the seeds with Markdown stories: (file name, title, url) and a body each."""
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    bodies = {
        "floods": "The river burst its banks overnight and flooded the lower town. "
        "Hundreds of families left their homes as the water rose through the streets.",
        "levee": "Volunteers raised the levee by a metre before the flood crest arrived, "
        "and the village behind it stayed dry while the river flooded the fields around it.",
        "sensors": "Cheap river sensors gave the valley a day's warning of the flood, "
        "sending water levels to a public map every ten minutes.",
        "library": "Librarians froze thousands of flood-soaked books to save them from mould "
        "after the river water reached the town library's basement.",
    }
    for name, title, url in stories:
        text = f"---\ntitle: {title}\nurl: {url}\n---\n{bodies[name]}\n"
        (workspace / "seeds" / f"{name}.md").write_text(text, "utf-8")


FLOODS = ("floods", "River floods the lower town", "https://example.org/floods")
LEVEE = ("levee", "The village that raised its levee", "https://example.org/levee")
SENSORS = ("sensors", "River sensors gave a day's warning", "https://example.org/sensors")
LIBRARY = ("library", "Drying a flooded library", "https://example.org/library")


def test_last_weeks_lead_and_cards_do_not_come_back(workspace, settings, secret):
    """A week later over the same sources plus a new story: last week's lead and cards are
    neither lead nor card again, each is listed under [[repeated]], and nothing follows itself."""
    _stories(workspace, FLOODS, LEVEE, SENSORS)
    built = build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    _send(settings, built.folder)
    first = built.issue
    carried = {first.lead.title, *(c.title for c in first.stories)}
    assert len(carried) == 3
    _stories(workspace, FLOODS, LEVEE, SENSORS, LIBRARY)
    second = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK)).issue
    assert second.lead.title == LIBRARY[1]
    shown = {c.title for c in second.stories} | set(_titles(second.related + second.more))
    assert carried.isdisjoint(shown)
    assert {h.title: h.issue for h in second.repeated} == dict.fromkeys(carried, "2026-W47")
    assert second.follows is None or second.follows.title != second.lead.title


def test_every_story_carried_before_is_an_error_naming_the_issue(workspace, settings, secret):
    """The same sources a week later, with no new story, stop the build: it names the issue
    that carried them and says what to do; --repeat builds it anyway."""
    from newsletter.errors import SourceError

    _stories(workspace, FLOODS, LEVEE)
    _send(settings, build(["seeds"], settings, AssembleOptions(today=LAST_WEEK)).folder)
    with pytest.raises(SourceError, match=r"carried by an earlier issue \(2026-W47\).*--repeat"):
        build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    again = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK, repeat=True)).issue
    assert again.lead.title == FLOODS[1]
    assert again.follows is None  # the same article: no "Previously" pointing at itself


def test_the_editor_may_name_a_carried_story_as_lead(workspace, settings, secret):
    """--lead names a story even if an earlier issue carried it; it still follows nothing of itself."""
    _stories(workspace, FLOODS, LEVEE)
    _send(settings, build(["seeds"], settings, AssembleOptions(today=LAST_WEEK)).folder)
    _stories(workspace, FLOODS, LEVEE, LIBRARY)
    issue = build(
        ["seeds"], settings, AssembleOptions(today=THIS_WEEK, lead=str(Path("seeds/floods.md")))
    ).issue
    assert issue.lead.title == FLOODS[1]
    assert issue.follows is None


def test_earlier_cards_are_read_as_carried(workspace, settings):
    """An earlier manifest's [[stories]] cards count among what it carried."""
    _stories(workspace, FLOODS, LEVEE, SENSORS)
    build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    (past,) = read_past_issues(workspace / "issues", THIS_WEEK)
    assert {LEVEE[1], SENSORS[1]} <= {title for title, _ in past.headlines}
    assert (LEVEE[1], LEVEE[2]) in past.headlines


def test_every_story_carried_is_one_error_line_at_the_command_line(workspace, settings, secret):
    """`newsletter build` over last week's sent sources exits 1 with one line that names the
    issue and suggests --lead and --repeat, no traceback, and writes no issue folder."""
    _stories(workspace, FLOODS, LEVEE)
    _send(settings, build(["seeds"], settings, AssembleOptions(today=LAST_WEEK)).folder)
    result = CliRunner().invoke(app, ["build", "seeds/", "--date", THIS_WEEK.isoformat()])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "2026-W47" in lines[0], result.stderr
    assert "--lead" in lines[0] and "--repeat" in lines[0]
    assert "Traceback" not in result.output
    assert not (workspace / "issues" / "2026-W48").exists()


def test_an_issue_built_and_never_sent_is_not_memory(workspace, settings, secret):
    """The editor's draft built on Friday and never sent does not make its stories carried: a
    build on Monday (another week, another id) from the same sources leads with the same story
    and repeats nothing; once the draft is sent, the same build stops as carried."""
    from newsletter.errors import SourceError

    _stories(workspace, FLOODS, LEVEE)
    friday, monday = dt.date(2026, 11, 27), dt.date(2026, 11, 30)  # 2026-W48, 2026-W49
    draft = build(["seeds"], settings, AssembleOptions(today=friday))
    again = build(["seeds"], settings, AssembleOptions(today=monday))
    assert again.issue.id == "2026-W49" and again.issue.lead.title == draft.issue.lead.title
    assert again.issue.repeated == () and again.issue.follows is None
    _send(settings, draft.folder)
    with pytest.raises(SourceError, match=r"carried by an earlier issue \(2026-W48\)"):
        build(["seeds"], settings, AssembleOptions(today=monday, issue_id="2026-W49b"))


def test_a_build_over_an_issue_only_test_mailed_warns_that_it_is_not_memory(
    workspace, settings, secret
):
    """An issue mailed only as a test copy is not memory: the build a week later from the same
    sources warns, naming that issue and why (a test copy is not a send); once it is sent, the
    same build stops as carried and no such warning is given."""
    from newsletter.errors import SourceError
    from newsletter.send.single_copy import send_test_copy

    _stories(workspace, FLOODS, LEVEE)
    first = build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    assert not any("never sent" in w for w in first.warnings)
    relay = MemoryTransport()
    send_test_copy(first.folder, "editor@example.org", settings, transport=relay)
    assert [m.recipient for m in relay.sent] == ["editor@example.org"]
    again = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    assert again.issue.lead.title == first.issue.lead.title and again.issue.repeated == ()
    (warning,) = [w for w in again.warnings if "never sent" in w]
    assert warning.startswith(f"issues/{first.issue.id}: led with this story too")
    assert "--to" in warning and "delete that folder" in warning
    shutil.rmtree(again.folder)
    _send(settings, first.folder)
    with pytest.raises(SourceError, match=r"carried by an earlier issue"):
        build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))


def test_an_earlier_unsent_issue_on_another_story_draws_no_warning(workspace, settings):
    """An earlier issue built and never sent that led with another story is not named."""
    _stories(workspace, FLOODS, LEVEE)
    build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    _stories(workspace, SENSORS, LIBRARY)
    again = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    assert not any("never sent" in w for w in again.warnings)


def test_an_issue_the_run_record_says_was_sent_is_memory(workspace, settings):
    """An issue whose run.json records the send (`newsletter run`) counts as sent even with no
    delivery journal in this workspace (a list kept elsewhere)."""
    from newsletter.issue.freshness import sent_past_issues
    from newsletter.issue.run_state import read_run_state, record_step

    _stories(workspace, FLOODS, LEVEE)
    built = build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    assert sent_past_issues(settings, THIS_WEEK) == []
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    record_step(read_run_state(built.folder), "sent", now, sent=12)
    assert [p.id for p in sent_past_issues(settings, THIS_WEEK)] == ["2026-W47"]


NOTE = "---\nkind: note\n---\nThe river rose all week; our lead is the lower town's long night.\n"


def test_last_weeks_note_left_in_the_seeds_is_a_warning_naming_the_issue(
    workspace, settings, secret
):
    """An editor's note an issue went out with, built again word for word a week later, is a
    warning naming the note's file and that issue; the same note rewritten is not."""
    _stories(workspace, FLOODS, LEVEE)
    (workspace / "seeds" / "00-note.md").write_text(NOTE, "utf-8")
    first = build(["seeds"], settings, AssembleOptions(today=LAST_WEEK))
    assert first.issue.note is not None
    assert not [w for w in first.warnings if "note" in w]
    _send(settings, first.folder)

    _stories(workspace, FLOODS, LEVEE, LIBRARY)
    reflowed = NOTE.replace("; our lead", ";\n  our lead")  # spaces and lines do not matter
    (workspace / "seeds" / "00-note.md").write_text(reflowed, "utf-8")
    again = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    assert [w for w in again.warnings if "note" in w] == [
        "seeds/00-note.md: the editor's note is the one issue 2026-W47 went out with, word for "
        "word; write this week's note in it, or delete the file"
    ]

    rewritten = NOTE.replace("the lower town's long night", "drying the town library")
    (workspace / "seeds" / "00-note.md").write_text(rewritten, "utf-8")
    fresh = build(["seeds"], settings, AssembleOptions(today=THIS_WEEK))
    assert fresh.issue.note is not None and "library" in fresh.issue.note.body
    assert not [w for w in fresh.warnings if "note" in w]


def test_an_issue_sent_on_either_backend_is_memory_and_is_not_rebuilt(backend, workspace, secret):
    """An issue sent with its list on SQLite or on PostgreSQL is the next build's memory (the
    same sources again: one line naming it) and is not rebuilt from the sources; on
    PostgreSQL the journal used to be skipped, so both went ahead as if nothing was sent."""
    from newsletter.config import load_settings
    from newsletter.subscribers.backends import workspace_store

    runner = CliRunner()
    assert runner.invoke(app, ["build", "--date", LAST_WEEK.isoformat()]).exit_code == 0
    settings, _ = load_settings(workspace)
    assert (settings.database_server is not None) == (backend == "postgresql")
    with workspace_store(settings) as store:
        store.upsert("reader@example.org", "Reader", {})
    options = SendOptions(transport=MemoryTransport())
    assert send_issue(workspace / "issues" / "2026-W47", settings, options).sent == 1

    again = runner.invoke(app, ["build", "--date", THIS_WEEK.isoformat()])
    assert again.exit_code == 1
    assert again.stderr.strip().endswith(
        "every story among the sources was carried by an earlier issue (2026-W47); add this "
        "week's story, name one with --lead, or build with --repeat"
    )
    assert not (workspace / "issues" / "2026-W48").exists()
    rebuilt = runner.invoke(app, ["build", "--date", LAST_WEEK.isoformat()])
    assert rebuilt.exit_code == 1
    assert "issue 2026-W47 was already sent (1 reader(s) in the delivery journal of " in (
        rebuilt.stderr
    )
    assert "postgresql:" not in rebuilt.stderr  # the server as host:port/dbname


def test_the_unsent_warning_and_memory_read_the_same_article_alike(tmp_path):
    """The never-sent warning knows an earlier lead as memory does: the same title with its
    spaces or case changed, or the same page behind another fragment, is the same article
    (the warning once compared titles by case only, so a doubled space went unnamed)."""
    from newsletter.issue.freshness import unsent_lead_warning
    from newsletter.models import Lead

    earlier = PastIssue(
        "2026-W47",
        dt.date(2026, 11, 19),
        "River levels fall as the flood recedes",
        (),
        lead_url="https://news.example.org/floods",
    )
    for url, title in (
        (None, "River levels  fall as the FLOOD recedes"),
        ("https://news.example.org/floods#latest", "Another title entirely"),
    ):
        lead = Lead(title=title, body="The river fell overnight.", url=url)
        assert same_article(url, title, earlier)
        warning = unsent_lead_warning(lead, [earlier], tmp_path / "issues")
        assert warning is not None and "2026-W47: led with this story too" in warning
    other = Lead(title="A new library opens", body="Doors opened.", url=None)
    assert unsent_lead_warning(other, [earlier], tmp_path / "issues") is None


MILTON_URL = "https://example.org/milton-what-we-know"
LANDFALL = (
    "Hurricane Milton made landfall near Siesta Key on Florida's Gulf Coast on Wednesday night "
    "as a Category 3 storm, with winds of 120 mph and a storm surge of up to ten feet. Millions "
    "of residents of the Tampa Bay area had been ordered to leave their homes before it arrived."
)
AFTERMATH = (
    "The death toll from Hurricane Milton rose to 16 on Friday as crews restored electricity "
    "to half of the 3.4 million homes that lost it. Insurers put the damage near $50 billion, "
    "and tornadoes spawned by the storm destroyed a retirement community in St. Lucie County."
)


def _milton(workspace: Path, *stories: tuple[str, str, str | None, str]) -> None:
    """Replace the seeds with Markdown stories: (file name, title, url or None, body)."""
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    for name, title, url, body in stories:
        link = f"url: {url}\n" if url else ""
        text = f'---\ntitle: "{title}"\n{link}---\n{body}\n'
        (workspace / "seeds" / f"{name}.md").write_text(text, "utf-8")


def _cli_build(*args: str) -> dict:
    result = CliRunner().invoke(app, ["build", "seeds/", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


LEVEE_STORY = ("levee", LEVEE[1], LEVEE[2], "Volunteers raised the levee by a metre overnight.")
# A true re-run of week 1's lead, each way an editor meets one: the same page re-titled, and
# a like title over the same opening on another page (one under the very title of this week's
# lead would be folded under it as its copy, own_copies.py).
RERUNS = {
    "same-url-retitled": ("Milton slams into Florida's Gulf Coast", MILTON_URL, LANDFALL),
    "like-title-same-opening": (
        "Hurricane Milton: what we know so far",
        "https://mirror.example.net/milton",
        LANDFALL + " Shelters opened across the state.",
    ),
}


@pytest.mark.parametrize("rerun", RERUNS, ids=list(RERUNS))
def test_a_new_development_under_a_standing_title_leads_and_a_rerun_stays_repeated(
    rerun, workspace, settings, secret
):
    """Week 1 led with "Hurricane Milton: what we know" and went out.  A week later the same
    standing title on another page over new facts (the death toll, the power cuts) is a new
    development: not listed as repeated, it leads with no --lead, and the issue follows week
    1's.  A true re-run of the article beside it (the same URL re-titled, or a like title over
    the same opening) stays repeated, with last week's levee story.  The standing title used to
    be carried by its title alone: every story carried, the build stopped."""
    lead = ("milton", "Hurricane Milton: what we know", MILTON_URL, LANDFALL)
    _milton(workspace, lead, LEVEE_STORY)
    first = _cli_build("--date", LAST_WEEK.isoformat(), "--lead", "seeds/milton.md")
    assert first["lead"]["title"] == "Hurricane Milton: what we know"
    _send(settings, Path(first["issue_dir"]))

    new = ("milton-2", "Hurricane Milton: what we know", "https://example.org/milton-2", AFTERMATH)
    _milton(workspace, new, ("milton", *RERUNS[rerun]), LEVEE_STORY)
    second = _cli_build("--date", THIS_WEEK.isoformat())
    assert (second["lead"]["title"], second["lead"]["url"]) == (new[1], new[2])
    assert second["follows"]["id"] == "2026-W47"
    assert second["follows"]["title"] == "Hurricane Milton: what we know"
    repeated = {h["title"]: h["issue"] for h in second["repeated"]}
    assert repeated == {RERUNS[rerun][0]: "2026-W47", LEVEE[1]: "2026-W47"}
    manifest = (Path(second["issue_dir"]) / "issue.toml").read_text("utf-8")
    assert 'follows = "2026-W47"' in manifest


def test_a_card_title_over_a_new_opening_is_news_and_over_its_summary_a_repeat(
    workspace, settings, secret
):
    """An earlier card is read by the summary its readers saw (the manifest keeps no card
    body): a week later its title on another page over new facts is this week's news (here
    the one story not carried, so it leads); over the card's own opening it stays repeated."""
    floods = ("floods", FLOODS[1], FLOODS[2], "The river burst its banks and flooded the town.")
    _milton(workspace, floods, LEVEE_STORY)
    first = _cli_build("--date", LAST_WEEK.isoformat(), "--lead", "seeds/floods.md")
    assert [c["title"] for c in first["stories"]] == [LEVEE[1]]
    _send(settings, Path(first["issue_dir"]))

    breach = "Engineers found the raised levee breached in two places after a second storm."
    again = ("levee", LEVEE[1], "https://example.org/levee-breach", breach)
    _milton(workspace, floods, again)
    second = _cli_build("--date", THIS_WEEK.isoformat())
    assert (second["lead"]["title"], second["lead"]["url"]) == (LEVEE[1], again[2])
    assert {h["title"] for h in second["repeated"]} == {FLOODS[1]}

    rerun = ("levee", LEVEE[1], "https://mirror.example.net/levee", LEVEE_STORY[3])
    _milton(workspace, floods, rerun)
    result = CliRunner().invoke(app, ["build", "seeds/", "--date", "2026-12-03"])
    assert result.exit_code == 1 and "carried by an earlier issue (2026-W47)" in result.stderr
