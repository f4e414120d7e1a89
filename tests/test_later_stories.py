"""A story dated after the issue's date: left out, named in the build's warnings, listed as
[[later]] in issue.toml, and said again by `check` (newsletter/assemble/later_stories.py)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tomllib

from typer.testing import CliRunner

from newsletter.check import check_issue
from newsletter.cli import app
from tests.conftest import ROOT

SUEZ = ROOT / "tests" / "data" / "weeks" / "suez-2021"
REFLOATED = "The Ever Given is refloated and the Suez Canal reopens"

STORY = """---
title: {title}
date: {day}
---
{body}
"""
CROSSINGS = (
    "The border crossings between Peru and Chile reopened on Thursday after a week of closures, "
    "and the queues of lorries on both sides began to move again."
)


def _suez_seeds(workspace):
    """seeds/ holding the canal week's stories and the next week's, as the new user had them."""
    seeds = workspace / "seeds"
    for old in seeds.iterdir():
        old.unlink()
    for week in ("week1", "week2"):
        for story in (SUEZ / week / "seeds").iterdir():
            shutil.copy(story, seeds / story.name)
    shutil.copytree(SUEZ / "week1" / "feeds", workspace / "feeds")


def _build(*args: str):
    return CliRunner().invoke(app, ["build", *args])


def test_a_story_dated_after_the_issue_is_left_out_and_said(workspace, settings):
    """The issue of 27 March 2021 built from seeds/ holding the refloating story of 29 March:
    the build warns naming the file and its date, the story is no card (nor anything else
    the email shows), issue.toml lists it as [[later]], and `check` says it again there;
    built for 3 April, the story is that week's and draws no warning."""
    _suez_seeds(workspace)
    result = _build("seeds/", "feeds/", "--date", "2021-03-27")
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.stderr.splitlines() if "04-ever-given-freed" in line)
    assert warning.startswith("warning: seeds/04-ever-given-freed.md: dated 2021-03-29, after")
    assert "2021-03-27" in warning and "--date 2021-03-29" in warning
    folder = workspace / "issues" / "2021-W12"
    manifest = tomllib.loads((folder / "issue.toml").read_text("utf-8"))
    assert REFLOATED not in {c["title"] for c in manifest["stories"]}
    assert manifest["later"] == [
        {
            "title": REFLOATED,
            "url": manifest["later"][0]["url"],
            "date": dt.date(2021, 3, 29),
            "source": "seeds/04-ever-given-freed.md",
        }
    ]
    assert REFLOATED not in (folder / "index.txt").read_text("utf-8")
    findings = [f for f in check_issue(folder, settings).findings if f.check == "stories.later"]
    assert len(findings) == 1 and "seeds/04-ever-given-freed.md (dated 2021-03-29" in (
        findings[0].message
    )
    assert findings[0].message.startswith("issues/2021-W12/issue.toml:")
    # Built for 3 April, the same story is this week's: no warning, no [[later]].
    result = _build("seeds/", "feeds/", "--date", "2021-04-03")
    assert result.exit_code == 0, result.output
    assert "after this issue's date" not in result.stderr
    manifest = tomllib.loads((workspace / "issues" / "2021-W13" / "issue.toml").read_text("utf-8"))
    assert "later" not in manifest


def test_the_later_list_survives_a_rerender_and_lead_takes_it(workspace):
    """Re-rendered from issue.toml, the [[later]] tables are read back and kept as written;
    built again with `--lead` naming the story, it leads and nothing is listed later."""
    (workspace / "seeds" / "crossings.md").write_text(
        STORY.format(title="The crossings reopen", day="2026-12-03", body=CROSSINGS), "utf-8"
    )
    assert _build("seeds/", "--date", "2026-11-26").exit_code == 0
    manifest = workspace / "issues" / "2026-W48" / "issue.toml"
    before = manifest.read_text("utf-8")
    assert '[[later]]\ntitle = "The crossings reopen"\ndate = 2026-12-03\n' in before
    result = _build("issues/2026-W48")
    assert result.exit_code == 0, result.output
    assert manifest.read_text("utf-8") == before
    # `--lead` naming it is the editor's choice: it leads, whatever its date.
    result = _build("seeds/", "--date", "2026-11-26", "--lead", "seeds/crossings.md", "--force")
    assert result.exit_code == 0, result.output
    assert "after this issue's date" not in result.stderr
    led = tomllib.loads(manifest.read_text("utf-8"))
    assert led["lead"]["title"] == "The crossings reopen" and "later" not in led


def test_a_story_marked_lead_true_leads_whatever_its_date(workspace):
    """`lead: true` in a story's front matter is the editor's choice as `--lead` is: a story so
    marked and dated after the issue leads it, and nothing is listed later (it was left out,
    and another story led with a warning only)."""
    marked = STORY.format(title="The crossings reopen", day="2026-12-03", body=CROSSINGS)
    marked = marked.replace("date: 2026-12-03\n", "date: 2026-12-03\nlead: true\n")
    (workspace / "seeds" / "crossings.md").write_text(marked, "utf-8")
    result = _build("seeds/", "--date", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert "after this issue's date" not in result.stderr
    led = tomllib.loads((workspace / "issues" / "2026-W48" / "issue.toml").read_text("utf-8"))
    assert led["lead"]["title"] == "The crossings reopen" and "later" not in led


def test_build_json_lists_the_later_stories(workspace):
    """`build --json` names each story left out for its date, with the date and the file."""
    (workspace / "seeds" / "crossings.md").write_text(
        STORY.format(title="The crossings reopen", day="2026-12-03", body=CROSSINGS), "utf-8"
    )
    result = _build("seeds/", "--date", "2026-11-26", "--json")
    assert result.exit_code == 0, result.output
    (later,) = json.loads(result.stdout)["later"]
    assert later == {
        "title": "The crossings reopen",
        "url": None,
        "date": "2026-12-03",
        "source": "seeds/crossings.md",
    }


def test_only_later_stories_is_an_error_naming_them_and_the_date(workspace):
    """Every story dated after the issue (next week's seeds built with last week's --date):
    an error naming each file and date and the --date to build with, not "only headlines"."""
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    shutil.copy(SUEZ / "week2" / "seeds" / "04-ever-given-freed.md", workspace / "seeds")
    shutil.copytree(SUEZ / "week2" / "feeds", workspace / "feeds")
    result = _build("seeds/", "feeds/", "--date", "2021-03-27")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: every story among the sources is dated after this issue's date (2021-03-27): "
        "seeds/04-ever-given-freed.md (2021-03-29); build with --date 2021-03-29, or correct "
        "their `date:`\n"
    )
