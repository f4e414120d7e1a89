"""A first build from a week of stories years old says so (issue/freshness.py).

Tried as a new user would: a week of July 2024 (three dated Markdown stories and a feed)
copied into a fresh workspace, `newsletter build` with no `--date`, quietly built the issue of
today's week, dated today, from it. Now one warning names the newest date and `--date`."""

from __future__ import annotations

from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.digest_workspace import make, story

WEEK = {
    "seeds/outage.md": story(
        "A faulty update crashes millions of Windows computers",
        "Airlines, banks and hospitals were hit as machines failed to start.",
        date="2024-07-19",
        lead="true",
    ),
    "seeds/delta.md": story(
        "Airline cancels thousands of flights after the outage",
        "Crews and planes were out of place for days.",
        date="2024-07-22",
    ),
    "seeds/note.txt": "An undated seed: it says nothing of the week's age.\n",
}


def test_a_week_of_old_stories_built_for_today_is_warned_once(tmp_path, monkeypatch):
    """Built for a date weeks after its newest story: one warning naming that story, its date
    and `--date`; the issue is still built (a warning, not a stop)."""
    folder = make(tmp_path / "ws", WEEK)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["build", "seeds/", "--date", "2026-12-07"])
    assert result.exit_code == 0, result.output
    warning = "warning: every dated story is more than 14 days older than this issue (2026-12-07)"
    assert result.stderr.count(warning) == 1, result.stderr
    assert "the newest is dated 2024-07-22 (seeds/delta.md)" in result.stderr
    assert "`--date 2024-07-22`" in result.stderr
    assert (folder / "issues" / "2026-W50" / "issue.toml").is_file()


def test_the_same_week_built_for_its_own_date_or_a_week_on_is_not_warned(tmp_path, monkeypatch):
    """Given its own week's date, or a week after its newest story, nothing is said; a week
    of undated seeds says nothing of age either."""
    folder = make(tmp_path / "ws", WEEK)
    monkeypatch.chdir(folder)
    for date in ("2024-07-25", "2024-08-05"):
        result = CliRunner().invoke(app, ["build", "seeds/", "--date", date, "--force"])
        assert result.exit_code == 0, result.output
        assert "older than this issue" not in result.stderr, (date, result.stderr)
    undated = make(tmp_path / "undated", {"seeds/note.txt": WEEK["seeds/note.txt"]})
    monkeypatch.chdir(undated)
    result = CliRunner().invoke(app, ["build", "seeds/", "--date", "2026-12-07"])
    assert result.exit_code == 0, result.output
    assert "older than this issue" not in result.stderr


OLD_FEED = """\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour news</title><link>https://example.org/</link>
<description>A feed that posts once a month</description>
<item><title>Harbour bridge inspection announced for the autumn</title>
<link>https://example.org/inspection</link><pubDate>Sun, 01 Nov 2026 09:00:00 GMT</pubDate></item>
</channel></rss>
"""


def test_this_weeks_undated_seed_beside_an_old_feed_is_not_warned(tmp_path, monkeypatch):
    """The editor's own stories undated (written this week) and only a quiet feed's headlines
    dated weeks back: the sources are not another week's, so no warning sends them to
    `--date` of that feed's last post."""
    seed = (
        "The city council voted on Tuesday to close the old harbour bridge to cars from "
        "January, after engineers found cracks in two of its supports.\n"
    )
    folder = make(tmp_path / "ws", {"seeds/council.txt": seed, "seeds/harbour.xml": OLD_FEED})
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["build", "seeds/", "--date", "2026-12-07"])
    assert result.exit_code == 0, result.output
    assert "older than this issue" not in result.stderr, result.stderr
