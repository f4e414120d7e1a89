"""Sources named once, the [schedule] cadence, honest issue ids, stale sources, output for logs."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from newsletter.cadence import Cadence
from newsletter.cli import app
from newsletter.config import settings_from_mapping
from newsletter.errors import ConfigError
from newsletter.send.workers import SendProgress
from tests.conftest import ROOT, SAMPLE_SEED
from tests.support.smtp_server import smtp_server

LISBON = ZoneInfo("Europe/Lisbon")


def _weekly(day: str = "thursday", time: str = "07:00", zone: str = "Europe/Lisbon") -> Cadence:
    return Cadence.parse("weekly", day, "", time, zone)


def test_a_weekly_cadence_names_the_iso_week_of_its_send_day():
    """Weekly on Thursday: the next slot after Friday is next Thursday 07:00 local, id its ISO week."""
    plan = _weekly()
    friday = dt.datetime(2026, 11, 27, 9, 0, tzinfo=LISBON)
    assert plan.slot_after(friday) == dt.datetime(2026, 12, 3, 7, 0, tzinfo=LISBON)
    assert plan.slot_at_or_before(friday) == dt.datetime(2026, 11, 26, 7, 0, tzinfo=LISBON)
    assert plan.issue_id(dt.date(2026, 12, 3)) == "2026-W49"
    assert plan.send_day_from(dt.date(2026, 11, 27)) == dt.date(2026, 12, 3)
    assert plan.send_day_from(dt.date(2026, 12, 3)) == dt.date(2026, 12, 3)


def test_the_send_time_stays_local_across_daylight_saving():
    """07:00 in Lisbon is 06:00 UTC in summer and 07:00 UTC in winter: the slot follows the zone."""
    plan = _weekly()
    before = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)  # the clocks go back on 25 October
    summer = plan.slot_after(before)
    winter = plan.slot_after(summer + dt.timedelta(days=1))
    assert summer.astimezone(dt.UTC).hour == 6
    assert winter.astimezone(dt.UTC).hour == 7


def test_daily_and_every_n_days_cadences_name_their_dates():
    """Daily: every date; every 14 days from a start: that start and each 14 days after it."""
    daily = Cadence.parse("daily", "", "", "18:30", "UTC")
    noon = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    assert daily.slot_after(noon) == dt.datetime(2026, 12, 3, 18, 30, tzinfo=dt.UTC)
    assert daily.issue_id(dt.date(2026, 12, 3)) == "2026-12-03"
    fortnight = Cadence.parse("every 14 days", "", "2026-11-05", "07:00", "UTC")
    assert fortnight.send_day_from(dt.date(2026, 11, 6)) == dt.date(2026, 11, 19)
    assert fortnight.send_day_from(dt.date(2026, 11, 5)) == dt.date(2026, 11, 5)
    assert fortnight.slot_at_or_before(noon) == dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.UTC)
    assert fortnight.slot_after(noon) == dt.datetime(2026, 12, 17, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("schedule", "said"),
    [
        ({"cadence": "fortnightly"}, 'write "weekly", "daily" or "every N days"'),
        ({"cadence": "weekly", "day": "thursdy"}, "schedule.day: 'thursdy' is not a weekday"),
        ({"cadence": "every 10 days"}, "needs the date of one issue"),
        ({"cadence": "weekly", "time": "7am"}, "write the send time as HH:MM"),
        ({"cadence": "weekly", "timezone": "Europe/Lisbn"}, "not a time zone name"),
        ({"cadence": "weekly", "reviewers": ["not an address"]}, "schedule.reviewers"),
        ({"cadence": "daily", "late_after": 30.0}, "schedule.late_after: 30.0 is out of range"),
        (
            {"cadence": "weekly", "reviewers": "a@example.org", "colour": 1},
            "schedule: unknown key 'colour'",
        ),
    ],
)
def test_a_wrong_schedule_is_one_error_naming_the_key(schedule, said):
    """Each wrong [schedule] value is refused with the file, the key and how to write it."""
    with pytest.raises(ConfigError, match=r"newsletter\.toml: schedule") as caught:
        settings_from_mapping({"schedule": schedule})
    assert said in str(caught.value)


def test_sources_must_be_a_list_of_text():
    """`sources = 3` is refused naming the key and an example."""
    with pytest.raises(ConfigError, match=r"newsletter.toml: sources: expected a list of text"):
        settings_from_mapping({"sources": 3})


def _config(workspace, extra: str) -> None:
    config = workspace / "newsletter.toml"
    text = config.read_text("utf-8").replace('sources = ["seeds/"]', extra)
    config.write_text(text, "utf-8")


def test_a_plain_build_reads_the_sources_newsletter_toml_names(workspace):
    """`sources` with a folder and globs: all read; a glob matching nothing is one warning."""
    (workspace / "feeds").mkdir()
    shutil.copy(ROOT / "samples" / "world.xml", workspace / "feeds" / "world.xml")
    (workspace / "week").mkdir()
    shutil.move(workspace / "seeds" / SAMPLE_SEED.name, workspace / "week" / SAMPLE_SEED.name)
    _config(workspace, 'sources = ["week/", "feeds/*.xml", "extra/*.md"]')
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26", "--json"])
    assert result.exit_code == 0, result.output
    built = json.loads(result.stdout)
    assert built["lead"]["title"]
    titles = [h["title"] for h in built["related"] + built["more"]]
    assert "Chile tightens checks at its northern border crossings" in titles  # from the feed
    line = _line_of(workspace / "newsletter.toml", "sources = ")
    assert (
        f"warning: newsletter.toml:{line}: sources: 'extra/*.md': there is no folder extra"
        in result.stderr
    )


def test_a_glob_in_sources_that_matches_nothing_names_the_line_and_its_folder(workspace):
    """A glob whose folder is there but empty this week is a warning naming the folder; one
    whose folder is not there (a misspelt `feed/`) says so and what to fix, build going on."""
    (workspace / "feeds").mkdir()
    _config(workspace, 'sources = ["seeds/", "feeds/*.xml", "feed/*.xml"]')
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    line = _line_of(workspace / "newsletter.toml", "sources = ")
    warnings = [w for w in result.stderr.splitlines() if "sources:" in w]
    assert warnings == [
        f"warning: newsletter.toml:{line}: sources: 'feeds/*.xml' matches no file in feeds",
        f"warning: newsletter.toml:{line}: sources: 'feed/*.xml': there is no folder feed; fix "
        "the path there (it is relative to the folder of newsletter.toml), or take it out of "
        "sources",
    ]


def _line_of(path: Path, start: str) -> int:
    """The 1-based line of `path` that starts with `start`."""
    lines = path.read_text("utf-8").splitlines()
    return next(n for n, text in enumerate(lines, start=1) if text.startswith(start))


def test_a_path_sources_names_that_is_not_there_names_the_line_of_newsletter_toml(workspace):
    """A misspelt file in `sources` is one line naming newsletter.toml's line, exit 1, no issue."""
    _config(workspace, 'sources = ["seeds/", "feeds/europ.xml"]')
    lines = (workspace / "newsletter.toml").read_text("utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("sources ="))
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: newsletter.toml:{line}: sources: 'feeds/europ.xml': no such file or folder; "
        "fix the path there (it is relative to the folder of newsletter.toml), or take it out "
        "of sources"
    )
    assert not (workspace / "issues" / "2026-W48").exists()


def test_the_issue_id_follows_the_schedule(workspace):
    """With a weekly Thursday schedule, a build on Friday makes next Thursday's issue, dated then."""
    config = workspace / "newsletter.toml"
    config.write_text(
        config.read_text("utf-8") + '\n[schedule]\ncadence = "weekly"\nday = "thursday"\n',
        "utf-8",
    )
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-27"])
    assert result.exit_code == 0, result.output
    assert "Issue 2026-W49 built" in result.stdout
    manifest = (workspace / "issues" / "2026-W49" / "issue.toml").read_text("utf-8")
    assert "\ndate = 2026-11-27\n" in manifest  # --date given: the issue's day as given
    plain = CliRunner().invoke(app, ["build", "--id", "x", "--repeat"])  # no --date
    assert plain.exit_code == 0, plain.output
    today = dt.date.today()
    thursday = today + dt.timedelta(days=(3 - today.weekday()) % 7)  # dated its send day
    assert (
        f"\ndate = {thursday.isoformat()}\n"
        in (workspace / "issues" / "x" / "issue.toml").read_text()
    )


def test_a_build_from_last_weeks_sources_warns_with_the_newest_date(workspace):
    """Sources all older than the previous sent issue: one warning naming the newest date seen."""
    from newsletter.issue.run_state import read_run_state, record_step

    assert CliRunner().invoke(app, ["build", "--date", "2026-11-26"]).exit_code == 0
    sent = workspace / "issues" / "2026-W48"
    record_step(read_run_state(sent), "sent", dt.datetime(2026, 11, 26, 7, tzinfo=dt.UTC))
    seed = workspace / "seeds" / SAMPLE_SEED.name
    old = dt.datetime(2026, 11, 20, 12, 0).timestamp()
    os.utime(seed, (old, old))
    result = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning: every source predates issue 2026-W48") == 1
    assert "the newest date seen is 2026-11-20" in result.stderr
    now = dt.datetime(2026, 12, 2, 12, 0).timestamp()
    os.utime(seed, (now, now))
    fresh = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat"])
    assert fresh.exit_code == 0, fresh.output
    assert "predates" not in fresh.stderr


def test_sources_saved_after_the_issues_date_but_before_it_went_out_are_last_weeks(workspace):
    """An issue dated Thursday and sent on Friday took the sources saved on Friday before it
    went out: a build a week later from them draws the warning (a review found it compared
    them with the issue's date only, so they looked newer)."""
    from newsletter.issue.run_state import read_run_state, record_step

    assert CliRunner().invoke(app, ["build", "--date", "2026-11-26"]).exit_code == 0
    went_out = dt.datetime(2026, 11, 27, 15, 0, tzinfo=dt.UTC)  # Friday afternoon
    record_step(read_run_state(workspace / "issues" / "2026-W48"), "sent", went_out)
    seed = workspace / "seeds" / SAMPLE_SEED.name
    friday_morning = (went_out - dt.timedelta(hours=6)).timestamp()
    os.utime(seed, (friday_morning, friday_morning))
    stale = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat"])
    assert stale.exit_code == 0, stale.output
    assert stale.stderr.count("warning: every source predates issue 2026-W48 (sent from ") == 1
    after = (went_out + dt.timedelta(hours=1)).timestamp()
    os.utime(seed, (after, after))  # saved again after it went out: this week's
    fresh = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat"])
    assert fresh.exit_code == 0, fresh.output
    assert "predates" not in fresh.stderr


def test_sources_saved_before_a_send_that_day_are_last_weeks(workspace):
    """Seeds written and sent on one day, built again unchanged a week later, draw the
    warning (it once compared days only, so the same day was never older); saved again
    after the send, they are this week's and draw none."""
    today = dt.date.today()
    seed = workspace / "seeds" / SAMPLE_SEED.name
    midnight = dt.datetime.combine(today, dt.time()).timestamp()  # today, before the send
    os.utime(seed, (midnight, midnight))
    runner = CliRunner()
    assert runner.invoke(app, ["build", "--date", today.isoformat()]).exit_code == 0
    assert runner.invoke(app, ["subscribers", "add", "reader@example.org"]).exit_code == 0
    issue = f"issues/{today:%G-W%V}"
    with smtp_server() as server:
        sent = runner.invoke(app, ["send", issue, "--yes", *server.send_flags])
        assert sent.exit_code == 0, sent.output
    assert len(server.received) == 1
    next_week = (today + dt.timedelta(days=7)).isoformat()
    stale = runner.invoke(app, ["build", "--date", next_week, "--repeat", "--id", "a"])
    assert stale.exit_code == 0, stale.output
    (line,) = [w for w in stale.stderr.splitlines() if "predates" in w]
    assert line.startswith(f"warning: every source predates issue {today:%G-W%V} (sent from ")
    assert f"the newest, seeds/{SAMPLE_SEED.name}, was saved at " in line
    assert "before it went out; these look like last week's stories" in line
    os.utime(seed, None)  # the editor saves this week's story after the send
    fresh = runner.invoke(app, ["build", "--date", next_week, "--repeat", "--id", "b"])
    assert fresh.exit_code == 0, fresh.output
    assert "predates" not in fresh.stderr


def test_init_keeps_the_sample_in_samples_and_says_where_stories_go(tmp_path, monkeypatch):
    """init: sources = ["seeds/"], an empty seeds/, the sample story in samples/, a Next: line naming seeds/."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "ws"])
    assert result.exit_code == 0
    assert 'sources = ["seeds/"]' in (tmp_path / "ws" / "newsletter.toml").read_text("utf-8")
    assert list((tmp_path / "ws" / "seeds").iterdir()) == []
    assert (tmp_path / "ws" / "samples" / SAMPLE_SEED.name).is_file()
    assert "Next: edit newsletter.toml; put this week's stories in seeds/" in result.stdout
    monkeypatch.chdir(tmp_path / "ws")
    assert CliRunner().invoke(app, ["build", "samples/", "--date", "2026-11-26"]).exit_code == 0


def test_the_first_build_init_suggests_runs_without_a_warning(tmp_path, monkeypatch):
    """The `try newsletter build …` init prints builds the samples and warns about nothing
    (samples/ also holds the sample list, which is no story source)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "ws"])
    assert result.exit_code == 0, result.output
    suggested = re.search(r"\(try `cd ws && newsletter build ([^`]+)`", result.stdout)
    assert suggested, result.stdout
    monkeypatch.chdir(tmp_path / "ws")
    build = CliRunner().invoke(app, ["build", *suggested.group(1).split(), "--date", "2026-11-26"])
    assert build.exit_code == 0, build.output
    assert "warning" not in build.output, build.output
    assert (tmp_path / "ws" / "issues" / "2026-W48" / "index.html").is_file()


def test_off_a_terminal_progress_is_one_line_per_ten_seconds_and_none_at_the_end(monkeypatch):
    """A 60-second send reported every 0.1 s (and its end reported again and again): ≤ 6 lines."""
    import sys

    from newsletter.cli.progress import ProgressDisplay

    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    total = 600
    with ProgressDisplay(total) as progress:
        for tick in range(601):
            progress.update(SendProgress(sent=tick, failed=0, total=total, elapsed=tick / 10))
        for _ in range(300):  # the workers report the end many times over
            progress.update(SendProgress(sent=total, failed=0, total=total, elapsed=60.5))
    lines = log.getvalue().splitlines()
    assert 1 <= len(lines) <= 6
    assert all(line.startswith("sending: ") for line in lines)
    assert not any(f"{total}/{total}" in line for line in lines)


def test_json_progress_is_sparse_too():
    """The JSON log's progress events are at least 10 s apart; none at the end."""
    from newsletter.cli.log_output import EventLog

    runner_out = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(runner_out):
        log = EventLog("json", clock=dt.datetime(2026, 12, 3, 7, tzinfo=dt.UTC))
        log.issue = "2026-W49"
        for tick in range(601):
            log.progress(SendProgress(sent=tick, failed=0, total=600, elapsed=tick / 10))
    events = [json.loads(line) for line in runner_out.getvalue().splitlines()]
    assert 1 <= len(events) <= 6
    assert all(e["issue"] == "2026-W49" and e["step"] == "send" for e in events)
    assert all(e["done"] < 600 for e in events)


def test_the_preview_builds_the_scheduled_issue_from_the_named_sources(workspace):
    """The preview builds what `build` would: the issue of the next send day, under the cadence's id."""
    from newsletter.preview.target import PreviewTarget

    config = workspace / "newsletter.toml"
    config.write_text(
        config.read_text("utf-8")
        + '\n[schedule]\ncadence = "every 7 days"\nstart = "2026-12-03"\n',
        "utf-8",
    )
    target = PreviewTarget.for_sources(["seeds"], workspace, dt.date(2026, 11, 30))
    result, _ = target.build()
    assert result.folder == workspace / "issues" / "2026-12-03"
    assert result.issue.date == dt.date(2026, 12, 3)


def test_a_wrong_schedule_value_names_its_own_line(workspace):
    """`time = "7am"` under [schedule]: the error names the line of `time`, not the table's."""
    config = workspace / "newsletter.toml"
    text = config.read_text("utf-8").rstrip("\n")
    config.write_text(
        text + '\n\n[schedule]\ncadence = "weekly"\nday = "thursday"\ntime = "7am"\n', "utf-8"
    )
    line = len(text.splitlines()) + 5
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1
    assert result.output == (
        f"error: newsletter.toml:{line}: schedule.time: '7am': write the send time as HH:MM, "
        'e.g. "07:00"\n'
    )
