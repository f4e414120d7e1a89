"""The send's progress while the relay is away: it says the send waits for it, and where."""

from __future__ import annotations

import re

from newsletter.cli.progress import ProgressDisplay
from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.workers import SendProgress
from tests.support.relay_faults import RelayAway

pytest_plugins = ["tests.support.send_fixtures"]


def test_the_progress_says_the_send_waits_for_the_relay_and_stops_saying_it(send_ws, smtpd, capsys):
    """While a connection waits for a relay that went away, the progress counts it and the
    log line names host:port; once the relay answers, the count is back to 0 and all are sent
    (a new user watched "6/12, 0 failed" for two minutes without a word about the relay)."""
    send_ws.add_many(4)
    settings = send_ws.with_server(
        smtpd.host, smtpd.port, connections=1, retry_delay=0.2, max_attempts=5
    )
    relay = f"{smtpd.host}:{smtpd.port}"
    seen: list[SendProgress] = []
    with ProgressDisplay(4, relay) as display:  # stderr is not a terminal here: log lines

        def progress(p: SendProgress) -> None:
            seen.append(p)
            display.update(p)

        # the first connection drops after a message, then two are refused (a restart)
        transport = RelayAway(settings.smtp, refused=lambda n: n in (2, 3))
        options = SendOptions(transport=transport, on_progress=progress)
        summary = send_issue(send_ws.issue, settings, options)
    assert summary.sent == 4 and summary.failed == 0 and summary.stopped is None
    assert len(smtpd.received) == 4
    assert [p.reconnecting for p in seen if p.reconnecting] == [1]
    assert seen[-1].reconnecting == 0 and seen[-1].sent == 4
    lines = capsys.readouterr().err.splitlines()
    waiting = [line for line in lines if "waiting for" in line]
    assert len(waiting) == 1, lines
    assert re.fullmatch(
        rf"sending: 1/4 \(0 failed, waiting for {re.escape(relay)} to answer again "
        r"\(1 connection\(s\) retrying\), ETA –\)",
        waiting[0],
    )


def test_while_the_send_waits_the_progress_shows_no_rate_and_no_eta(capsys):
    """While the send waits for its PostgreSQL server, the line shows neither a rate sinking
    to 0/s nor an ETA growing without bound ("44/300 (0/s, ETA 1521 s)"), but `ETA –`; once
    messages flow again, the rate leaves out the time spent waiting."""
    with ProgressDisplay(300, database="127.0.0.1:5432") as display:  # not a terminal: lines
        display.update(SendProgress(sent=40, failed=0, total=300, elapsed=0.0))
        display.update(SendProgress(sent=44, failed=0, total=300, elapsed=11.0))
        for waited in (1.0, 31.0, 61.0):
            display.update(SendProgress(44, 0, 300, 11.0 + waited, database=(waited, 120.0)))
            display._last_line = -100.0  # every call makes a line, as 10 s apart would
        display.update(SendProgress(sent=66, failed=0, total=300, elapsed=83.0))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "sending: 44/300 (4/s, 0 failed, ETA 64 s)", lines
    waiting = [line for line in lines if "waiting for PostgreSQL" in line]
    assert waiting == [
        f"sending: 44/300 (0 failed, waiting for PostgreSQL at 127.0.0.1:5432 "
        f"({s} s of 120 s), ETA –)"
        for s in (1, 31, 61)
    ], lines
    # 66 done in 83 s, 71 of them waiting (from the first waiting line on): 66/12 = 6/s
    assert lines[-1] == "sending: 66/300 (6/s, 0 failed, ETA 43 s)", lines


def test_a_line_the_send_says_while_it_runs_is_a_warning_line_or_a_json_event(capsys):
    """What the send says from its threads (SendOptions.on_warning: an outcome it could not
    save) reaches stderr through the CLI as one `warning:` line, or with `--log-format json`
    as one warning event naming the issue, never printed by the library itself."""
    import datetime as dt
    import json

    from newsletter.cli.log_output import EventLog

    line = "postgresql-send/x.kept: cannot save 2 accepted message(s) (No space left on device)"
    with ProgressDisplay(300) as display:
        display.warn(line)
    assert capsys.readouterr().err.splitlines() == [f"warning: {line}"]
    log = EventLog("json", clock=dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC))
    log.issue = "2026-W49"
    log.warning(line)
    events = [json.loads(x) for x in capsys.readouterr().err.splitlines()]
    assert [(e["issue"], e["step"], e["level"], e["message"]) for e in events] == [
        ("2026-W49", "send", "warning", line)
    ]


def test_before_the_first_message_the_progress_shows_no_rate_and_no_eta(capsys):
    """A send whose first message takes over 10 s (a busy machine, a slow relay) says
    `0/12 (0 failed, ETA –)`, not "0/s, ETA 0 s" (a new user's two-folder send on PostgreSQL),
    and a pace under 1/s is shown as it is, not rounded to 0/s."""
    with ProgressDisplay(12) as display:  # not a terminal: a line every 10 s
        display.update(SendProgress(sent=0, failed=0, total=12, elapsed=11.0))
        display.update(SendProgress(sent=1, failed=0, total=12, elapsed=22.0))
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "sending: 0/12 (0 failed, ETA –)",
        "sending: 1/12 (0.045/s, 0 failed, ETA 242 s)",
    ], lines


def test_a_slow_sends_summary_shows_its_rate_not_zero(capsys):
    """The summary of 6 messages in 16.3 s says 0.37/s (it said "(0/s)")."""
    from newsletter.cli.send_report import print_summary
    from newsletter.send.sender import SendSummary

    summary = SendSummary(
        issue_id="2026-W48",
        transport="smtp 127.0.0.1:2527 (none)",
        dry_run=False,
        sent=6,
        failed=0,
        skipped=0,
        left=0,
        inactive=0,
        retries=0,
        elapsed=16.3,
        failures=(),
        reasons=(),
    )
    print_summary(summary, "issues/2026-W48")
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith("in 16.3 s (0.37/s)."), first
