"""`newsletter run` and `newsletter approve`: the week on a schedule (docs/schedule.md)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from newsletter.cli.app import ISSUE_FOLDER, app, on_this_machine, workspace_settings
from newsletter.cli.log_output import LOG_FORMATS, EventLog
from newsletter.control_chars import quoted

if TYPE_CHECKING:
    from newsletter.config import Settings


@app.command()
def run(
    now: bool = typer.Option(
        False, "--now", help="Send an approved issue whose send window passed (late_after)."
    ),
    log_format: str = typer.Option(
        "text", "--log-format", metavar="text|json", help="text lines, or one JSON object a line."
    ),
    verbose: bool = typer.Option(
        False,
        "--verbose",
        "-v",
        help="Also say what it waits for (approval, the send time); on a terminal it always does.",
    ),
    clock: str = typer.Option(
        None,
        "--clock",
        metavar="ISO-TIME",
        help="Act as if it were this moment, e.g. 2026-12-03T07:00+00:00 (rehearsals, tests).",
    ),
    workspace: Path = typer.Option(
        None, "--workspace", metavar="DIR", help="The workspace. [default: this folder]"
    ),
    status: bool = typer.Option(
        False, "--status", help="Show what is recorded for this and the next issue; do nothing."
    ),
) -> None:
    """Do what is left of the week: build, check, review copy, wait for approval, send, archive.

    Idempotent, for cron or a systemd timer: each step is recorded in the issue folder and
    done once. Exit codes: 0 done or waiting, 1 an error, 3 a send window missed (see --now),
    75 another run is at work.
    """
    from newsletter.config import PASSWORD_ENV, smtp_password
    from newsletter.errors import ConfigError, NewsletterError
    from newsletter.week.lock import RunBusy
    from newsletter.week.run import EXIT_BUSY, RunOptions, run_week

    if log_format not in LOG_FORMATS:
        raise ConfigError(f"--log-format {quoted(log_format)}: use text or json")
    moment = _moment(clock)
    if status:
        _print_standing(workspace_settings(workspace=workspace), moment)
        return
    # By hand on a terminal, a run with nothing to do said nothing at all, exit 0: say what it
    # waits for.  Under cron (no terminal) it stays silent, so cron mails nothing.
    on_terminal = log_format == "text" and sys.stdout.isatty()
    log = EventLog(log_format, verbose=verbose or on_terminal, clock=moment)
    try:
        settings = workspace_settings(workspace=workspace)
        password = smtp_password()
        if settings.smtp.user and password is None:  # nobody to ask at a prompt under cron
            raise ConfigError(
                f"no SMTP password for user {quoted(settings.smtp.user)}: set {PASSWORD_ENV} in "
                "the environment of the timer or crontab (docs/schedule.md)"
            )
        options = RunOptions(
            now=moment,
            send_late=now,
            password=password,
            on_event=log.event,
            on_progress=log.progress,
        )
        code = run_week(settings, options)
    except RunBusy as e:
        log.failure(str(e), "lock")
        raise typer.Exit(EXIT_BUSY) from None
    except NewsletterError as e:
        if log_format == "text":
            raise
        log.failure(str(e), "error")
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@app.command()
def approve(
    issue: Path = typer.Argument(
        ...,
        metavar="ISSUE",
        help="The issue folder, e.g. issues/2026-W49.",
        callback=on_this_machine(ISSUE_FOLDER),
    ),
    by: str = typer.Option(
        None, "--by", metavar="WHO", help="Who approves. [default: your login name]"
    ),
    clock: str = typer.Option(
        None,
        "--clock",
        metavar="ISO-TIME",
        help="Record the approval at this moment, as `run --clock` does (rehearsals, tests).",
    ),
) -> None:
    """Approve an issue for `newsletter run` to send at its time (void if rebuilt after)."""
    import getpass

    from newsletter.errors import display_path
    from newsletter.issue.run_state import approve as approve_issue

    now = _moment(clock)
    who = by or getpass.getuser()
    approve_issue(issue, who, now)
    shown = display_path(issue)
    utc = now.astimezone(dt.UTC)
    typer.echo(
        f"Issue {issue.name} approved by {who} at {utc:%Y-%m-%d %H:%M} UTC ({shown}/run.json)."
    )
    typer.echo(
        "Next: `newsletter run` sends it at its send time; rebuilding it voids this approval."
    )


def _moment(clock: str | None) -> dt.datetime:
    """The run's clock: --clock (an ISO time with its offset), else now."""
    from newsletter.errors import ConfigError

    if clock is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(clock)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ConfigError(
            f"--clock {quoted(clock)}: give a time with its offset, e.g. 2026-12-03T07:00+00:00"
        )
    return moment


def _print_standing(settings: Settings, moment: dt.datetime) -> None:
    """`run --status`: each step recorded for the last and the next issue, with its time."""
    from newsletter.issue.run_state import STEPS
    from newsletter.week.run import week_standing

    for standing in week_standing(settings, moment):
        when = f"{standing.slot:%a %Y-%m-%d %H:%M} {getattr(standing.slot.tzinfo, 'key', '')}"
        typer.echo(f"{standing.issue}  goes out {when}")
        if standing.state is None:
            typer.echo("  not built yet")
            continue
        for step in STEPS:
            record = standing.state.done(step, standing.current_build)
            if record is None:
                typer.echo(f"  {step:<9} -")
                continue
            details = ", ".join(
                f"{k} {', '.join(v) if isinstance(v, list) else v}"
                for k, v in record.items()
                if k not in ("at", "build") and v not in ([], "")
            )
            typer.echo(f"  {step:<9} {record['at']}" + (f" ({details})" if details else ""))
