"""`newsletter run` over a simulated week against a real SMTP relay (aiosmtpd on 127.0.0.1).

The clock is moved a minute at a time; nothing sleeps. The week: the issue builds and its
review copy goes out `build_before` (24 h) ahead of Thursday 07:00 Lisbon, the editor
approves on Wednesday, the list gets it at 07:00 sharp, then the archive is written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json

import pytest

from newsletter.config import load_settings
from newsletter.issue.run_state import approve, read_run_state
from newsletter.week.run import EXIT_MISSED, EXIT_OK
from tests.support.smtp_server import Server
from tests.support.week_workspace import (
    ISSUE,
    MONDAY,
    READERS,
    REVIEWER,
    SEND_TIME,
    make_week_workspace,
    run_at,
    week_minutes,
)

pytest_plugins = ["tests.support.send_fixtures"]

APPROVED_AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=MONDAY.tzinfo)


class Killed(BaseException):
    """What a kill -9 leaves: the run stops between two steps (no handler runs after it)."""


def _recipients(server: Server) -> list[str]:
    return [rcpt for message in server.received for rcpt in message.rcpt_tos]


def _simulate_week(settings, smtpd: Server, kill_at: str | None = None):
    """Run every minute of the week (approving Wednesday noon); return (events, first-mail times)."""
    events: list = []
    arrivals: dict[str, dt.datetime] = {}
    killed: list[str] = []
    folder = settings.workspace / "issues" / ISSUE

    def between(issue: str, step: str) -> None:
        if step == kill_at and not killed:
            killed.append(step)
            raise Killed(step)

    for now in week_minutes():
        if now == APPROVED_AT:
            approve(folder, "editor", now)
        with contextlib.suppress(Killed):
            run_at(settings, now, events, between_steps=between)
        for rcpt in _recipients(smtpd):
            arrivals.setdefault(rcpt, now)
    if kill_at is not None:
        assert killed == [kill_at], "the kill was never reached"
    return events, arrivals


@pytest.mark.slow
def test_a_week_of_runs_builds_once_reviews_once_and_sends_once_at_the_time(
    tmp_path, smtpd, monkeypatch
):
    """Called every minute for a week: one build, one review copy, nothing before approval, one send at 07:00, archived."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    events, arrivals = _simulate_week(settings, smtpd)
    builds = [e for e in events if e.step == "build" and e.level == "info"]
    assert len(builds) == 1
    assert sorted(_recipients(smtpd)) == sorted([REVIEWER, *READERS])  # each exactly once
    assert arrivals[REVIEWER] == SEND_TIME - dt.timedelta(hours=24)
    assert all(arrivals[r] == SEND_TIME for r in READERS)
    state = read_run_state(tmp_path / "ws" / "issues" / ISSUE)
    assert state.done("archived") is not None
    assert state.steps["sent"]["sent"] == 3
    assert (tmp_path / "ws" / "site" / ISSUE / "index.html").is_file()
    # The list copies carry the issue itself; the review copy is the same email.
    subjects = {m.message()["Subject"] for m in smtpd.received}
    assert len(subjects) == 1


@pytest.mark.slow
@pytest.mark.parametrize("step", ["built", "checked", "review", "sent", "archived"])
def test_a_run_killed_after_any_step_repeats_nothing_and_skips_nothing(
    tmp_path, smtpd, monkeypatch, step
):
    """A run stopped right after recording a step: the next ones finish the week, each mail once."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    _, arrivals = _simulate_week(settings, smtpd, kill_at=step)
    assert sorted(_recipients(smtpd)) == sorted([REVIEWER, *READERS])
    assert all(arrivals[r] == SEND_TIME for r in READERS)
    state = read_run_state(tmp_path / "ws" / "issues" / ISSUE)
    assert state.done("archived") is not None


def test_a_review_copy_cut_off_mid_send_is_not_sent_again(tmp_path, smtpd, monkeypatch):
    """Stopped after handing the review copy to the relay and before its record: unknown, never mailed twice."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    build_time = SEND_TIME - dt.timedelta(hours=24)
    events: list = []

    def between(issue: str, step: str) -> None:
        if step == "review-started":
            raise Killed(step)

    with pytest.raises(Killed):
        run_at(settings, build_time, events, between_steps=between)
    assert run_at(settings, build_time + dt.timedelta(minutes=1), events) == EXIT_OK
    assert _recipients(smtpd) == []  # the kill came before the relay: nothing arrived
    warnings = [e.message for e in events if e.step == "review" and e.level == "warning"]
    assert len(warnings) == 1 and "may have arrived" in warnings[0]
    run_at(settings, build_time + dt.timedelta(minutes=2), events)
    assert len([e for e in events if e.step == "review" and e.level == "warning"]) == 1


def test_nothing_is_sent_without_approval_and_a_missed_window_waits_for_now(
    tmp_path, smtpd, monkeypatch
):
    """Unapproved at 07:00 nothing goes; approved 13 h late, it waits for --now (exit 3), then sends."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    events: list = []
    assert run_at(settings, SEND_TIME - dt.timedelta(hours=23), events) == EXIT_OK
    assert run_at(settings, SEND_TIME, events) == EXIT_OK
    assert _recipients(smtpd) == [REVIEWER]
    late = SEND_TIME + dt.timedelta(hours=13)
    approve(tmp_path / "ws" / "issues" / ISSUE, "editor", late)
    assert run_at(settings, late, events) == EXIT_MISSED
    missed = [e for e in events if e.step == "missed"]
    assert len(missed) == 1 and "--now" in missed[0].message and "\n" not in missed[0].message
    assert _recipients(smtpd) == [REVIEWER]
    assert run_at(settings, late, events, send_late=True) == EXIT_OK
    assert sorted(_recipients(smtpd)) == sorted([REVIEWER, *READERS])


def test_an_approval_after_the_send_time_sends_at_once(tmp_path, smtpd, monkeypatch):
    """Approved an hour after 07:00 (inside late_after), the next run sends straight away."""
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    events: list = []
    run_at(settings, SEND_TIME - dt.timedelta(hours=2), events)
    later = SEND_TIME + dt.timedelta(hours=1)
    approve(tmp_path / "ws" / "issues" / ISSUE, "editor", later)
    assert run_at(settings, later, events) == EXIT_OK
    assert sorted(_recipients(smtpd)) == sorted([REVIEWER, *READERS])


def test_a_rebuild_voids_the_approval_and_mails_a_new_review_copy(tmp_path, smtpd, monkeypatch):
    """Approved, then rebuilt by the editor: the run says the approval is void, reviews again, sends nothing."""
    from newsletter.build import rebuild

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    folder = tmp_path / "ws" / "issues" / ISSUE
    events: list = []
    run_at(settings, SEND_TIME - dt.timedelta(hours=20), events)
    approve(folder, "editor", SEND_TIME - dt.timedelta(hours=19))
    manifest = folder / "issue.toml"
    manifest.write_text(
        manifest.read_text("utf-8").replace('subject = "', 'subject = "Edited: ', 1), "utf-8"
    )
    rebuild(folder, settings)
    assert run_at(settings, SEND_TIME, events) == EXIT_OK
    void = [e for e in events if e.step == "approve" and e.level == "warning"]
    assert len(void) == 1 and "no longer counts" in void[0].message
    assert _recipients(smtpd) == [REVIEWER, REVIEWER]  # one per build, no reader
    assert read_run_state(folder).done("approved") is None


def test_a_second_run_at_once_is_refused_by_the_lock(tmp_path, smtpd, monkeypatch):
    """While one run holds the workspace's lock, another does nothing and says so."""
    from newsletter.week.lock import RunBusy, run_lock

    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    with run_lock(settings.workspace), pytest.raises(RunBusy, match="another `newsletter run`"):
        run_at(settings, SEND_TIME, [])
    assert not (tmp_path / "ws" / "issues" / ISSUE).exists()


def test_the_run_command_logs_json_events_without_secrets(tmp_path, smtpd, monkeypatch):
    """`newsletter run --log-format json --clock ...`: one JSON object a line, with the issue and step; no password."""
    from typer.testing import CliRunner

    from newsletter.cli import app

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "hunter2-not-shown")
    make_week_workspace(tmp_path / "ws", smtpd.port)
    monkeypatch.chdir(tmp_path / "ws")
    clock = (SEND_TIME - dt.timedelta(hours=1)).isoformat()
    result = CliRunner().invoke(app, ["run", "--log-format", "json", "--clock", clock])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    steps = [(e["issue"], e["step"]) for e in lines]
    assert (ISSUE, "build") in steps and (ISSUE, "check") in steps and (ISSUE, "review") in steps
    assert all({"time", "issue", "step", "level", "message"} <= e.keys() for e in lines)
    assert "hunter2" not in result.output + result.stderr
    again = CliRunner().invoke(app, ["run", "--clock", clock])
    assert again.exit_code == 0 and again.output == ""  # nothing left to do: cron mails nothing


def test_run_without_a_schedule_says_what_to_add(workspace):
    """A workspace with no [schedule]: one error line naming the table to add, exit 1."""
    from typer.testing import CliRunner

    from newsletter.cli import app

    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: newsletter.toml: no [schedule] cadence")
    assert result.stderr.count("\n") == 1


def test_send_log_format_json_ends_with_one_summary_object(send_ws, smtpd):
    """`send --yes --log-format json` off a terminal: JSON objects only, the last the summary with counts."""
    from typer.testing import CliRunner

    from newsletter.cli import app

    send_ws.add("ana@example.org", "bruno@example.org")
    result = CliRunner().invoke(
        app, ["send", str(send_ws.issue), "--yes", "--log-format", "json", *smtpd.send_flags]
    )
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert events[-1]["step"] == "send" and events[-1]["sent"] == 2
    assert events[-1]["issue"] == "2026-W48" and events[-1]["failed"] == 0
    assert events[-1]["recovered"] == 0 and events[-1]["recovered_twice"] == 0
    assert events[-1]["taken_over"] == 0 and events[-1]["taken_over_from"] == []
    assert result.stdout == ""


def test_a_send_with_stderr_in_a_file_writes_no_flood_of_progress_lines(send_ws, smtpd, tmp_path):
    """48 readers, stderr to a file as under cron: no repeated `sending: 48/48`, at most a line per 10 s."""
    import subprocess
    import sys
    import time

    send_ws.add_many(48)
    log = tmp_path / "send.log"
    started = time.monotonic()
    with log.open("w") as stderr:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsletter",
                "send",
                str(send_ws.issue),
                "--yes",
                *smtpd.send_flags,
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=120,
        )
    seconds = time.monotonic() - started
    assert done.returncode == 0, log.read_text()
    progress = [line for line in log.read_text().splitlines() if line.startswith("sending: ")]
    assert len(progress) <= int(seconds // 10)
    assert "48/48" not in "".join(progress)
    assert ": 48 sent, 0 failed" in done.stdout  # the summary, once


@pytest.mark.slow
def test_a_run_killed_with_sigkill_mid_send_is_finished_by_the_next_without_a_second_copy(
    tmp_path, smtpd, monkeypatch
):
    """`newsletter run` as a process, kill -9 while the relay stalls on the 2nd reader: the next run mails the rest once."""
    settings = _approved_run_killed_once(
        tmp_path,
        smtpd,
        monkeypatch,
        ("rcpt", "drip"),  # the relay stalls on the second reader
        reached=lambda: smtpd.handler.attempts.get(READERS[1]) is not None,
    )
    assert smtpd.handler.attempts.get(READERS[1]) == 1
    assert _recipients(smtpd) == [REVIEWER, READERS[0]]
    assert read_run_state(tmp_path / "ws" / "issues" / ISSUE).done("sent") is None
    events: list = []
    assert run_at(settings, SEND_TIME + dt.timedelta(minutes=1), events) == EXIT_OK
    assert sorted(_recipients(smtpd)) == sorted([REVIEWER, *READERS])  # each exactly once
    assert read_run_state(tmp_path / "ws" / "issues" / ISSUE).done("archived") is not None


@pytest.mark.slow
def test_a_run_killed_with_sigkill_before_the_relay_has_the_review_copy_sends_it_next_run(
    tmp_path, smtpd, monkeypatch
):
    """kill -9 while the relay stalls on the reviewer's RCPT (before the final `.`): the next run mails the one review copy, no warning."""
    import os
    import signal
    import subprocess
    import sys
    import time

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    make_week_workspace(tmp_path / "ws", smtpd.port)
    build_time = SEND_TIME - dt.timedelta(hours=24)
    smtpd.handler.fail(REVIEWER, "rcpt", "drip")  # the relay stalls before taking the copy
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "run", "--clock", build_time.isoformat()],
        cwd=tmp_path / "ws",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while smtpd.handler.attempts.get(REVIEWER) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtpd.handler.attempts.get(REVIEWER) == 1, "the run never reached the reviewer"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert _recipients(smtpd) == []
    settings, _ = load_settings(tmp_path / "ws")
    events: list = []
    assert run_at(settings, build_time + dt.timedelta(minutes=1), events) == EXIT_OK
    assert _recipients(smtpd) == [REVIEWER]  # sent by the next run, once
    assert not [e for e in events if e.level == "warning" and e.step == "review"]
    run_at(settings, build_time + dt.timedelta(minutes=2), events)
    assert _recipients(smtpd) == [REVIEWER]


@pytest.mark.slow
def test_a_run_killed_with_sigkill_after_the_relay_queued_a_message_mails_nobody_twice(
    tmp_path, smtpd, monkeypatch
):
    """kill -9 while the relay holds its reply to a reader's queued message: the next run leaves that one unknown and mails the rest once."""
    settings = _approved_run_killed_once(
        tmp_path,
        smtpd,
        monkeypatch,
        ("data", "held"),  # queued, then the 250 is slow to come
        reached=lambda: READERS[1] in _recipients(smtpd),
    )
    events: list = []
    assert run_at(settings, SEND_TIME + dt.timedelta(minutes=1), events) == EXIT_OK
    assert sorted(_recipients(smtpd)) == sorted([REVIEWER, *READERS])  # each exactly once
    sent = [e for e in events if e.step == "send" and "unknown" in e.counts]
    assert sent[-1].counts["unknown"] == 1 and sent[-1].level == "warning"
    assert read_run_state(tmp_path / "ws" / "issues" / ISSUE).done("archived") is not None


def test_the_preview_approve_button_records_the_approval_and_refuses_other_pages(tmp_path):
    """POST /api/approve from the page (origin + token) approves the issue on show; a cross-site post is refused."""
    from tests.support.browser import make_workspace, running_preview
    from tests.test_preview_server import request

    workspace = make_workspace(tmp_path / "workspace")
    with running_preview(workspace) as preview:
        origin = f"http://127.0.0.1:{preview.server.port}"
        refused, _, _ = request(preview, "/api/approve", method="POST", headers={"Origin": origin})
        assert refused == 403
        assert read_run_state(preview.snapshot.folder).done("approved") is None
        headers = {"Origin": origin, "X-Preview-Token": preview.server.token}
        status, _, body = request(preview, "/api/approve", method="POST", headers=headers)
        answer = json.loads(body)
        assert status == 200 and answer["ok"], answer
        assert "approved by" in answer["message"]
        state = read_run_state(preview.snapshot.folder)
        assert state.done("approved") is not None
        from newsletter.issue.run_state import build_fingerprint

        assert state.steps["approved"]["build"] == build_fingerprint(preview.snapshot.folder)


def test_a_second_run_from_the_command_line_exits_75_with_one_line(tmp_path, smtpd):
    """`newsletter run` while another holds the lock: one `error:` line naming the lock, exit 75."""
    from typer.testing import CliRunner

    from newsletter.cli import app
    from newsletter.week.lock import run_lock

    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    with run_lock(settings.workspace):
        result = CliRunner().invoke(app, ["run", "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 75
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "another `newsletter run` is at work" in result.stderr


def test_run_status_shows_each_recorded_step_and_does_nothing(tmp_path, smtpd, monkeypatch):
    """`run --status` after the build and review: those steps with their times, the rest dashes; nothing mailed."""
    from typer.testing import CliRunner

    from newsletter.cli import app

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    run_at(settings, SEND_TIME - dt.timedelta(hours=2), [])
    clock = (SEND_TIME - dt.timedelta(hours=1)).isoformat()
    result = CliRunner().invoke(
        app, ["run", "--status", "--clock", clock, "--workspace", str(tmp_path / "ws")]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "2026-W48  goes out Thu 2026-11-26 07:00 Europe/Lisbon"
    assert lines[1] == "  not built yet"
    assert lines[2] == "2026-W49  goes out Thu 2026-12-03 07:00 Europe/Lisbon"
    assert lines[3].startswith("  built     2026-12-03T05:00:00+00:00")
    assert f"sent {REVIEWER}" in lines[5] and lines[6] == "  approved  -"
    assert _recipients(smtpd) == [REVIEWER]


def test_a_check_error_found_at_send_time_names_what_run_can_do_not_a_force_it_lacks(
    tmp_path, smtpd, monkeypatch
):
    """Checked clean on Wednesday, an error at Thursday's gate: one line offering a rebuild or `send --force`, never `run --force`."""
    from typer.testing import CliRunner

    from newsletter.check import run as check_run
    from newsletter.check.report import Finding
    from newsletter.cli import app

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    folder = tmp_path / "ws" / "issues" / ISSUE
    run_at(settings, SEND_TIME - dt.timedelta(hours=20), [])
    approve(folder, "editor", SEND_TIME - dt.timedelta(hours=19))
    real_check = check_run.check_issue

    def with_an_error(*args, **kwargs):  # the injected failure: a check that now finds one
        report = real_check(*args, **kwargs)
        error = Finding("postal.address", "error", "index.html: no postal address", "set it")
        return dataclasses.replace(report, findings=(*report.findings, error))

    monkeypatch.setattr(check_run, "check_issue", with_an_error)
    monkeypatch.chdir(tmp_path / "ws")  # as cron runs it
    result = CliRunner().invoke(app, ["run", "--clock", SEND_TIME.isoformat()])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "send anyway with --force" not in result.stderr
    assert f"newsletter build issues/{ISSUE}" in result.stderr
    assert f"newsletter send issues/{ISSUE} --force" in result.stderr
    assert _recipients(smtpd) == [REVIEWER]  # the review copy only: no reader was mailed


def _approved_run_killed_once(tmp_path, smtpd, monkeypatch, fault, reached):
    """The week's workspace built, reviewed and approved; its `newsletter run` process at the
    send time, the relay answering `fault` (stage, kind) for the 2nd reader, killed with
    SIGKILL once `reached()` holds. Returns the workspace's settings."""
    import os
    import signal
    import subprocess
    import sys
    import time

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    run_at(settings, SEND_TIME - dt.timedelta(hours=24), [])  # build, check, review copy
    approve(tmp_path / "ws" / "issues" / ISSUE, "editor", SEND_TIME - dt.timedelta(hours=20))
    smtpd.handler.fail(READERS[1], *fault)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "run", "--clock", SEND_TIME.isoformat()],
        cwd=tmp_path / "ws",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not reached() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reached(), "the run never reached the 2nd reader"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    return settings


def test_approve_takes_the_runs_clock_so_a_rehearsal_records_one_timeline(
    tmp_path, smtpd, monkeypatch
):
    """`approve --clock` records the approval at that moment (shown in UTC), so a week rehearsed
    with `run --clock` reads in order in run.json and `run --status`; a clock without an
    offset is one error line, exit 1, nothing recorded."""
    from typer.testing import CliRunner

    from newsletter.cli import app

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    run_at(settings, SEND_TIME - dt.timedelta(hours=20), [])
    monkeypatch.chdir(tmp_path / "ws")
    folder = f"issues/{ISSUE}"
    bad = CliRunner().invoke(app, ["approve", folder, "--clock", "2026-12-02T12:00"])
    assert bad.exit_code == 1
    assert bad.output == (
        "error: --clock '2026-12-02T12:00': give a time with its offset, e.g. "
        "2026-12-03T07:00+00:00\n"
    )
    assert read_run_state(tmp_path / "ws" / folder).done("approved") is None

    result = CliRunner().invoke(
        app, ["approve", folder, "--by", "ana", "--clock", "2026-12-02T12:00+00:00"]
    )
    assert result.exit_code == 0, result.output
    assert f"Issue {ISSUE} approved by ana at 2026-12-02 12:00 UTC" in result.output
    approved = read_run_state(tmp_path / "ws" / folder).done("approved")
    assert approved is not None and approved["at"] == "2026-12-02T12:00:00+00:00"

    lisbon_summer = CliRunner().invoke(
        app, ["approve", folder, "--by", "ana", "--clock", "2026-12-02T13:30+01:00"]
    )
    assert "at 2026-12-02 12:30 UTC" in lisbon_summer.output  # the output says UTC: it is


def test_a_run_from_a_folder_without_a_list_is_refused_and_makes_no_database(
    tmp_path, smtpd, monkeypatch
):
    """`newsletter run` at the send time of an approved issue with no list (its newsletter.db
    gone, as in a second folder that forgot NEWSLETTER_DATABASE_URL): the one line `send`
    gives, exit 1, no newsletter.db made, nobody mailed (not "nobody left to send to")."""
    from typer.testing import CliRunner

    from newsletter.cli import app

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    run_at(settings, SEND_TIME - dt.timedelta(hours=20), [])
    approve(tmp_path / "ws" / "issues" / ISSUE, "editor", SEND_TIME - dt.timedelta(hours=19))
    database = tmp_path / "ws" / "newsletter.db"
    for leftover in tmp_path.glob("ws/newsletter.db*"):
        leftover.unlink()
    monkeypatch.chdir(tmp_path / "ws")
    result = CliRunner().invoke(app, ["run", "--clock", SEND_TIME.isoformat()])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "newsletter.db: no list yet" in result.stderr
    assert "NEWSLETTER_DATABASE_URL" in result.stderr
    assert "nobody left to send to" not in result.output
    assert not database.exists()
    assert _recipients(smtpd) == [REVIEWER]  # the review copy only


def test_the_run_command_s_json_send_event_carries_the_recovered_and_taken_over_counts(
    tmp_path, smtpd, monkeypatch
):
    """`run --log-format json`: the send event has what `send --log-format json`'s summary has
    (a recovery file's line recorded, none mailed twice, none taken over), counts and no
    address; the run's state keeps its five counts."""
    from typer.testing import CliRunner

    from newsletter.cli import app
    from newsletter.send.recovery import recovery_path

    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    settings = make_week_workspace(tmp_path / "ws", smtpd.port)
    run_at(settings, SEND_TIME - dt.timedelta(hours=2), [])
    later = SEND_TIME + dt.timedelta(hours=1)
    approve(tmp_path / "ws" / "issues" / ISSUE, "editor", later)
    recovery_path(settings.path(settings.database)).write_text(
        f"{ISSUE}\t{READERS[0]}\tsent\t<cut-off@example.org>\n", "utf-8"
    )
    monkeypatch.chdir(tmp_path / "ws")
    result = CliRunner().invoke(app, ["run", "--log-format", "json", "--clock", later.isoformat()])
    assert result.exit_code == 0, result.output
    [send] = [e for e in map(json.loads, result.stderr.splitlines()) if e["step"] == "send"][-1:]
    assert send["sent"] == len(READERS) - 1 and send["recovered"] == 1, send
    assert send["recovered_twice"] == 0 and send["taken_over"] == 0, send
    assert send["taken_over_from"] == [] and "seconds" in send, send
    assert READERS[0] not in result.stderr
    assert sorted(_recipients(smtpd)) == sorted([REVIEWER, *READERS[1:]])  # recorded, not re-sent
    state = read_run_state(tmp_path / "ws" / "issues" / ISSUE)
    assert set(state.steps["sent"]) >= {"sent", "failed", "skipped", "unknown", "left"}


def test_run_by_hand_on_a_terminal_says_what_it_waits_for_and_under_cron_nothing(tmp_path, smtpd):
    """A run with nothing to do prints when the next issue builds and goes out on a terminal
    (it used to print nothing, exit 0, to an editor trying it by hand), and nothing at all
    when its output is not a terminal, as under cron."""
    import os
    import pty
    import subprocess
    import sys

    make_week_workspace(tmp_path / "ws", smtpd.port)
    command = [sys.executable, "-m", "newsletter", "run", "--clock", MONDAY.isoformat()]
    env = {**os.environ, "NEWSLETTER_TEST_UNSUBSCRIBE_SECRET": "test-secret-0123456789abcdef"}
    piped = subprocess.run(command, cwd=tmp_path / "ws", env=env, capture_output=True, text=True)
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, "", "")

    leader, follower = pty.openpty()
    with subprocess.Popen(command, cwd=tmp_path / "ws", env=env, stdout=follower) as process:
        os.close(follower)
        said = b""
        with contextlib.suppress(OSError):  # EIO once the child has closed its end
            while chunk := os.read(leader, 4096):
                said += chunk
        assert process.wait() == 0
    os.close(leader)
    assert said.decode("utf-8").strip() == (
        f"{ISSUE} wait: next issue builds at Wed 2026-12-02 07:00 Europe/Lisbon and goes out "
        "at Thu 2026-12-03 07:00 Europe/Lisbon"
    )
