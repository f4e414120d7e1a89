"""`newsletter send`: an issue to the list (journaled, resumable), an outbox, or one test copy."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from newsletter.cli.app import ISSUE_FOLDER, app, confirm, on_this_machine, warn, workspace_settings
from newsletter.control_chars import quoted

if TYPE_CHECKING:
    from newsletter.cli.log_output import EventLog
    from newsletter.config import Settings
    from newsletter.issue.built import BuiltIssue
    from newsletter.send.journaled_run import SendSummary
    from newsletter.send.plan import SendPlan

LOOPBACK = ("localhost", "127.0.0.1", "::1")


@app.command()
def send(
    issue: Path = typer.Argument(
        ...,
        metavar="ISSUE",
        help="The built issue folder, e.g. issues/2026-W48.",
        callback=on_this_machine(ISSUE_FOLDER),
    ),
    to: list[str] = typer.Option(
        None,
        "--to",
        metavar="ADDRESS",
        help="Send one test copy to this address only (not journaled); repeat for several.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Write every message to ISSUE/outbox/ as .eml; send nothing."
    ),
    smtp_host: str = typer.Option(None, "--smtp-host", help="The SMTP relay. [default: smtp.host]"),
    smtp_port: int = typer.Option(
        None, "--smtp-port", min=1, max=65535, help="Its port. [default: smtp.port, 587]"
    ),
    smtp_user: str = typer.Option(
        None,
        "--smtp-user",
        help="Log in as this user; the password "
        "comes from NEWSLETTER_SMTP_PASSWORD or a prompt. [default: smtp.user]",
    ),
    smtp_security: str = typer.Option(
        None,
        "--smtp-security",
        metavar="starttls|ssl|none",
        help="starttls (port 587), ssl (implicit TLS, port 465) or none "
        "(a relay on this machine). [default: smtp.security, starttls]",
    ),
    no_verify: bool = typer.Option(
        False,
        "--no-verify-certificates",
        help="Accept the relay's certificate unchecked (self-signed relays).",
    ),
    connections: int = typer.Option(
        None,
        "--connections",
        min=1,
        max=64,
        help="Connections in parallel. [default: smtp.connections, 4]",
    ),
    rate: float = typer.Option(
        None,
        "--rate",
        min=0,
        help="At most this many messages a second; 0: no limit. [default: smtp.rate]",
    ),
    limit: int = typer.Option(
        None, "--limit", min=1, help="Send to the first N not yet sent only."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before mailing the list."),
    force: bool = typer.Option(
        False, "--force", help="Send even when `newsletter check` finds errors (says so)."
    ),
    status: bool = typer.Option(
        False, "--status", help="Show where the send of ISSUE stands; send nothing."
    ),
    senders: bool = typer.Option(
        False,
        "--senders",
        help="With --status on PostgreSQL: list each sender (worker process) under its host.",
    ),
    resend_unknown: bool = typer.Option(
        False,
        "--resend-unknown",
        help="Also send to the recipients whose outcome is unknown (the relay's reply was "
        "lost): only after checking with the relay that it did not deliver them.",
    ),
    take_over: bool = typer.Option(
        False,
        "--take-over",
        help="On PostgreSQL: also send the readers held for a host that was sending when the "
        "database restarted or failed over, when that host will never run again (a message "
        "it had accepted and not recorded then goes out twice).",
    ),
    workspace: Path = typer.Option(
        None,
        "--workspace",
        metavar="DIR",
        help="The workspace (newsletter.toml, list, journal). [default: the nearest folder "
        "at or above ISSUE with a newsletter.toml]",
    ),
    log_format: str = typer.Option(
        "text",
        "--log-format",
        metavar="text|json",
        help="json: the progress (every 10 s) and the summary as JSON objects on stderr.",
    ),
) -> None:
    """Send an issue to the list; re-run after a crash to resume (nobody is mailed twice)."""
    from newsletter.config import SECURITY_MODES, with_smtp_flags
    from newsletter.errors import ConfigError

    settings = workspace_settings(issue, workspace, required=True)
    if smtp_security is not None and smtp_security not in SECURITY_MODES:
        raise ConfigError(
            f"--smtp-security {quoted(smtp_security)}: use one of {', '.join(SECURITY_MODES)}"
        )
    flags = {
        "host": smtp_host,
        "port": smtp_port,
        "user": smtp_user,
        "security": smtp_security,
        "connections": connections,
        "rate": rate,
        "verify_certificates": False if no_verify else None,
    }
    settings = with_smtp_flags(settings, flags)
    if log_format not in ("text", "json"):
        raise ConfigError(f"--log-format {quoted(log_format)}: use text or json")
    _refuse_mixed_flags(
        settings, to=bool(to), dry_run=dry_run, status=status, senders=senders,
        resend_unknown=resend_unknown, take_over=take_over,
    )  # fmt: skip
    from newsletter.errors import ManifestError
    from newsletter.issue.built import read_built_issue
    from newsletter.issue.guard import check_send_of_edited

    try:  # once: what the gate checks is what is sent (--status sends nothing: any manifest)
        built = read_built_issue(issue, edited_manifest=status)
    except ManifestError:
        if not status:  # an issue that went out is sent on as it went, never re-rendered
            check_send_of_edited(issue, settings)
        raise
    if not status:  # the checks first: errors refuse a list send or a dry run
        from newsletter.cli.check import gate_before_send
        from newsletter.issue.build_record import check_settings_drift

        # Built with other From, List-Id...: rebuild first.
        check_settings_drift(issue, settings, built.record)
        gate_before_send(built, settings, force=force, test_copy=bool(to))
    if status:
        _show_status(built, settings, each_sender=senders)
    elif to:
        _test_copy(built, to, settings)
    elif dry_run:
        _dry_run(built, settings, limit)
    else:
        choices = {"resend_unknown": resend_unknown, "take_over": take_over}
        _send(built, settings, limit, yes, choices, as_json=log_format == "json")


def _refuse_mixed_flags(settings: Settings, **flags: bool) -> None:
    """One line for flags that do not go together (ConfigError)."""
    from newsletter.errors import ConfigError

    to, dry_run, status = flags["to"], flags["dry_run"], flags["status"]
    if sum((to, dry_run, status)) > 1:
        raise ConfigError("use one of --to, --dry-run and --status at a time")
    if flags["senders"] and not status:
        raise ConfigError("--senders goes with --status")
    if flags["resend_unknown"] and (to or dry_run or status):
        raise ConfigError(
            "--resend-unknown goes with a real send only (not --to, --dry-run, --status)"
        )
    if flags["take_over"] and (to or dry_run or status or settings.database_server is None):
        raise ConfigError(
            "--take-over goes with a real send on PostgreSQL only (not --to, --dry-run, "
            "--status, nor a SQLite list: it has one sender)"
        )


def _test_copy(built: BuiltIssue, to: list[str], settings: Settings) -> None:
    from newsletter.errors import display_path
    from newsletter.send import send_test_copy
    from newsletter.send.setting_names import SettingNames

    password = _password(settings)
    for address in to:
        typer.echo(
            send_test_copy(
                built, address, settings, password=password, setting_names=SettingNames(flags=True)
            )
        )
    shown = display_path(built.folder)
    typer.echo(
        f"Next: read it in your mail program, then `newsletter send {shown}` mails the list."
    )


def _dry_run(built: BuiltIssue, settings: Settings, limit: int | None) -> None:
    from newsletter.errors import display_path
    from newsletter.send.sender import SendOptions, send_issue

    issue = built.folder
    summary = send_issue(built, settings, SendOptions(dry_run=True, limit=limit))
    outbox = display_path(issue / "outbox")
    typer.echo(
        f"Dry run of issue {summary.issue_id}: {summary.sent} message(s) written to {outbox}/ "
        f"({summary.skipped} already sent, {summary.inactive} unsubscribed or bounced skipped)."
    )
    if summary.stopped:  # a copy could not be written: the outbox is not the whole list
        typer.echo(f"error: {summary.stopped}", err=True)
        raise typer.Exit(1)
    shown = display_path(issue)
    if summary.sent == 0 and summary.skipped:
        # Not "open a message in outbox/": there is none, every active reader has the issue.
        typer.echo(
            f"Next: nothing to write: every active subscriber already has issue "
            f"{summary.issue_id} (`newsletter send {shown} --status` shows the journal; "
            f"`newsletter send {shown} --to you@example.org` still sends you a copy)."
        )
    elif summary.sent == 0 and summary.inactive:
        typer.echo(
            "Next: every subscriber is unsubscribed or bounced; add active ones "
            "(`newsletter subscribers import list.csv`), then dry-run again."
        )
    elif summary.sent == 0:
        typer.echo(
            "Next: add subscribers (`newsletter subscribers import list.csv`), then dry-run again."
        )
    else:
        typer.echo(
            f"Next: open a message in {outbox}/, send yourself a copy "
            f"(`newsletter send {shown} --to you@example.org`), then send for real "
            f"(`newsletter send {shown}`)."
        )


def _send(
    built: BuiltIssue,
    settings: Settings,
    limit: int | None,
    yes: bool,
    choices: dict[str, bool],
    *,
    as_json: bool = False,
) -> None:
    """Plan the send once, show the plan, then run that plan."""
    from newsletter.cli.progress import ProgressDisplay
    from newsletter.cli.send_report import nothing_to_send, print_summary, summary_counts
    from newsletter.errors import DeliveryError, display_path
    from newsletter.send.sender import SendOptions, plan_send, run_send
    from newsletter.send.setting_names import SettingNames
    from newsletter.send.signals import stop_on_signals

    options = SendOptions(
        limit=limit,
        resend_unknown=choices["resend_unknown"],
        take_over=choices["take_over"],
        setting_names=SettingNames(flags=True),
    )
    plan = plan_send(built, settings, options)  # refuses a workspace without a list
    shown = display_path(built.folder)
    if plan.nothing_to_send:
        typer.echo(nothing_to_send(plan, shown))
        if plan.status.counts.unknown:
            raise typer.Exit(1)
        return
    if not yes:
        _confirm(plan)
    _warn_about(settings)
    password = _password(settings)
    log = _json_log(plan.issue_id) if as_json else None
    relay = settings.smtp.where
    server = settings.database_server
    database = server.servers if server is not None else ""
    with ProgressDisplay(plan.recipients, relay, database) as progress, stop_on_signals():
        on_progress = log.progress if log is not None else progress.update
        on_warning = log.warning if log is not None else progress.warn
        summary = run_send(
            replace(
                plan,
                options=replace(
                    options, password=password, on_progress=on_progress, on_warning=on_warning
                ),
            )
        )
    if summary.stopped and not (
        summary.sent or summary.failed or summary.unknown or summary.interrupted
    ):
        raise DeliveryError(summary.stopped)  # the server failed at once: one line says why
    if log is not None:
        log.emit(
            plan.issue_id,
            "send",
            summary.stopped or "done",
            "error" if summary.failed or summary.stopped else "info",
            **summary_counts(summary),
        )
    else:
        print_summary(summary, shown)
    _exit_for(summary)


def _confirm(plan: SendPlan) -> None:
    """Ask before mailing the list: what, to how many, through which relay."""
    sent = plan.status.counts.sent
    already = f"; {sent} already sent are skipped" if sent else ""
    confirm(
        f'Send "{plan.subject}" (issue {plan.issue_id}) to {plan.recipients} subscriber(s) '
        f"via {plan.relay}{already}?",
        nothing="nobody was mailed",
    )


def _exit_for(summary: SendSummary) -> None:
    """The exit code of a send that ran: 130 interrupted, 1 stopped or with a failed or
    unknown reader, else 0."""
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.stopped or summary.failed or summary.unknown_total:
        raise typer.Exit(1)


def _json_log(issue_id: str) -> EventLog:
    import datetime as dt

    from newsletter.cli.log_output import EventLog

    log = EventLog("json", clock=dt.datetime.now(dt.UTC))
    log.issue = issue_id
    return log


def _show_status(built: BuiltIssue, settings: Settings, *, each_sender: bool = False) -> None:
    from newsletter.cli.send_report import print_status
    from newsletter.errors import display_path
    from newsletter.send.status import delivery_status

    print_status(
        delivery_status(built, settings), display_path(built.folder), each_sender=each_sender
    )


def _password(settings: Settings) -> str | None:
    """The SMTP password: NEWSLETTER_SMTP_PASSWORD, else a hidden prompt; never a flag."""
    from newsletter.config import PASSWORD_ENV, smtp_password

    if not settings.smtp.user:
        return None
    password = smtp_password()
    if password is None:
        if not sys.stdin.isatty():
            from newsletter.errors import ConfigError

            raise ConfigError(
                f"no SMTP password for user {quoted(settings.smtp.user)}: set {PASSWORD_ENV}"
            )
        password = typer.prompt(
            f"SMTP password for {settings.smtp.user} at {settings.smtp.host}",
            hide_input=True,
            err=True,
        )
    return str(password)


def _warn_about(settings: Settings) -> None:
    smtp = settings.smtp
    if smtp.user and smtp.security == "none" and smtp.host not in LOOPBACK:
        warn(f"--smtp-security none: the password for {smtp.user} crosses the network unencrypted")
