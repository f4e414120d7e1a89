"""`newsletter send`: an issue to the list (journaled, resumable), an outbox, or one test copy."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from newsletter.cli import app, confirm, warn, workspace_settings

if TYPE_CHECKING:
    from newsletter.issue.built import BuiltIssue

LOOPBACK = ("localhost", "127.0.0.1", "::1")


@app.command()
def send(
    issue: Path = typer.Argument(
        ..., metavar="ISSUE", help="The built issue folder, e.g. issues/2026-W48."
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
    resend_unknown: bool = typer.Option(
        False,
        "--resend-unknown",
        help="Also send to the recipients whose outcome is unknown (the relay's reply was "
        "lost): only after checking with the relay that it did not deliver them.",
    ),
    workspace: Path = typer.Option(
        None,
        "--workspace",
        metavar="DIR",
        help="The workspace (newsletter.toml, list, journal). [default: the nearest folder "
        "at or above ISSUE with a newsletter.toml]",
    ),
) -> None:
    """Send an issue to the list; re-run after a crash to resume (nobody is mailed twice)."""
    from newsletter.config import SECURITY_MODES, with_smtp_flags
    from newsletter.errors import ConfigError

    settings = workspace_settings(issue, workspace, required=True)
    if smtp_security is not None and smtp_security not in SECURITY_MODES:
        raise ConfigError(
            f"--smtp-security '{smtp_security}': use one of {', '.join(SECURITY_MODES)}"
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
    if sum((bool(to), dry_run, status)) > 1:
        raise ConfigError("use one of --to, --dry-run and --status at a time")
    if resend_unknown and (to or dry_run or status):
        raise ConfigError(
            "--resend-unknown goes with a real send only (not --to, --dry-run, --status)"
        )
    from newsletter.issue.built import read_built_issue

    built = read_built_issue(issue)  # once: what the gate checks is what is sent
    if not status:  # the checks first: errors refuse a list send or a dry run
        from newsletter.cli.check import gate_before_send
        from newsletter.issue.build_record import check_settings_drift

        # Built with other From, List-Id...: rebuild first.
        check_settings_drift(issue, settings, built.record)
        gate_before_send(built, settings, force=force, test_copy=bool(to))
    if status:
        _show_status(built, settings)
    elif to:
        _test_copy(built, to, settings)
    elif dry_run:
        _dry_run(built, settings, limit)
    else:
        _send(built, settings, limit, yes, resend_unknown)


def _test_copy(built: BuiltIssue, to: list[str], settings) -> None:
    from newsletter.send import send_test_copy

    password = _password(settings)
    for address in to:
        typer.echo(send_test_copy(built, address, settings, password=password))


def _dry_run(built: BuiltIssue, settings, limit: int | None) -> None:
    from newsletter.errors import display_path
    from newsletter.send.sender import send_issue

    issue = built.folder
    summary = send_issue(built, settings, dry_run=True, limit=limit)
    outbox = display_path(issue / "outbox")
    typer.echo(
        f"Dry run of issue {summary.issue_id}: {summary.sent} message(s) written to {outbox}/ "
        f"({summary.skipped} already sent, {summary.inactive} unsubscribed or bounced skipped)."
    )
    if summary.sent == 0 and summary.skipped == 0:
        typer.echo(
            "Next: add subscribers (`newsletter subscribers import list.csv`), then dry-run again."
        )
    else:
        typer.echo(
            f"Next: open a message in {outbox}/, send yourself a copy "
            f"(`newsletter send {display_path(issue)} --to you@example.org`), then send for real "
            f"(`newsletter send {display_path(issue)}`)."
        )


def _send(built: BuiltIssue, settings, limit: int | None, yes: bool, resend_unknown: bool) -> None:
    from newsletter.errors import display_path
    from newsletter.send.sender import send_issue
    from newsletter.send.status import delivery_status

    issue = built.folder
    state = delivery_status(built, settings, first=0)
    shown = display_path(issue)
    c = state.counts
    todo = c.unsent + (c.unknown if resend_unknown else 0)
    if todo == 0 and not state.recovering:
        unknown = (
            f"; {c.unknown} with an unknown outcome are not re-sent (check with the relay, "
            "then --resend-unknown)"
            if c.unknown
            else ""
        )
        typer.echo(
            f"Nothing to send: {c.sent} active subscriber(s) already have issue "
            f"{state.issue_id}{unknown}. `newsletter send {shown} --status` shows the journal."
        )
        if c.unknown:
            raise typer.Exit(1)
        return
    n = todo if limit is None else min(limit, todo)
    smtp = settings.smtp
    where = f"{smtp.host}:{smtp.port} ({smtp.security})"
    if not yes:
        already = f"; {state.counts.sent} already sent are skipped" if state.counts.sent else ""
        confirm(
            f'Send "{state.subject}" (issue {state.issue_id}) to {n} subscriber(s) via '
            f"{where}{already}?",
            nothing="nobody was mailed",
        )
    _warn_about(settings)
    password = _password(settings)
    with _Progress(n) as progress, _sigterm_as_interrupt():
        summary = send_issue(
            built,
            settings,
            limit=limit,
            password=password,
            on_progress=progress.update,
            resend_unknown=resend_unknown,
            up_to=state.last_id,  # the list counted in the prompt, not who joined since
        )
    if summary.stopped and not (
        summary.sent or summary.failed or summary.unknown or summary.interrupted
    ):
        from newsletter.errors import DeliveryError

        raise DeliveryError(summary.stopped)  # the server failed at once: one line says why
    _report(summary, shown)
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.stopped or summary.failed or summary.unknown_total:
        raise typer.Exit(1)


def _report(summary, shown: str) -> None:
    echo = typer.echo
    if summary.recovered:
        echo(f"Recorded {summary.recovered} delivery(ies) from the last run's recovery file.")
    echo(
        f"Issue {summary.issue_id} via {summary.transport}: {summary.sent} sent, "
        f"{summary.failed} failed, {summary.unknown} unknown, {summary.skipped} skipped "
        f"(sent before), in {summary.elapsed:.1f} s ({summary.rate:,.0f}/s)."
    )
    if summary.unknown_total:
        echo(
            f"  {summary.unknown_total} with an unknown outcome: the message went out but the "
            "relay's reply was lost, so they may have it. They are not sent again; check the "
            f"relay's log, then `newsletter send {shown} --resend-unknown` if it did not deliver."
        )
    if summary.bounced:
        echo(f"  {summary.bounced} marked bounced (no such user or domain): later sends skip them.")
    if summary.retries:
        echo(f"  {summary.retries} retried attempt(s) (4xx replies or dropped connections).")
    if summary.inactive:
        echo(f"  {summary.inactive} unsubscribed or bounced: not mailed.")
    if summary.failures:
        echo("  First failures:")
        for f in summary.failures:
            echo(f"    {f.email}: {f.reason}")
    if len(summary.reasons) > 1 or (summary.reasons and summary.failed > len(summary.failures)):
        echo("  Failure reasons:")
        for reason, n in summary.reasons:
            echo(f"    {n:>6}  {reason}")
    if summary.stopped:
        typer.echo(f"error: {summary.stopped}", err=True)
    if summary.left:
        echo(
            f"Next: {summary.left} not sent yet; run `newsletter send {shown}` again to send "
            "to them "
            f"(`--status` shows where it stands)."
        )
    elif not summary.unknown_total:
        echo(f"Done: every active subscriber has issue {summary.issue_id}.")


def _show_status(built: BuiltIssue, settings) -> None:
    from newsletter.errors import display_path
    from newsletter.send.status import delivery_status

    issue = built.folder
    state = delivery_status(built, settings)
    c = state.counts
    shown = display_path(issue)
    typer.echo(f'Issue {state.issue_id}: "{state.subject}"')
    if not state.has_database:
        typer.echo(f"  no list yet ({display_path(state.database)} does not exist): nothing sent")
        return
    typer.echo(f"  sent        {c.sent}")
    typer.echo(
        f"  unknown     {c.unknown}  (the reply was lost after the message went out; "
        "not re-sent without --resend-unknown)"
    )
    typer.echo(f"  retrying    {c.retrying}")
    typer.echo(f"  failed      {c.failed}")
    typer.echo(
        f"  not sent    {c.unsent}  ({max(0, c.unsent - c.failed - c.retrying)} not tried yet)"
    )
    typer.echo(f"  not mailed  {c.inactive}  (unsubscribed or bounced)")
    typer.echo(f"  last activity  {c.last_activity or 'never'}")
    if state.recovering:
        typer.echo(
            f"  {state.recovering} accepted message(s) wait in the recovery file "
            "(counted above as sent or unknown); the next send records them first"
        )
    if c.unknowns:
        typer.echo("  unknown outcome (look these Message-IDs up in the relay's log):")
        for email, message_id in c.unknowns:
            typer.echo(f"    {email} {message_id}")
    if c.failures:
        typer.echo("  failures:")
        for f in c.failures:
            typer.echo(f"    {f.email} ({f.attempts} attempt(s)): {f.reason}")
    if c.unsent:
        typer.echo(
            f"Next: `newsletter send {shown}` sends to the {c.unsent} not sent "
            "(failed ones are tried again)."
        )
    if c.unknown:
        typer.echo(
            f"Unknown: check the relay's log; `newsletter send {shown} --resend-unknown` sends "
            f"to those {c.unknown} again."
        )


def _password(settings) -> str | None:
    """The SMTP password: NEWSLETTER_SMTP_PASSWORD, else a hidden prompt; never a flag."""
    from newsletter.config import PASSWORD_ENV, smtp_password

    if not settings.smtp.user:
        return None
    password = smtp_password()
    if password is None:
        if not sys.stdin.isatty():
            from newsletter.errors import ConfigError

            raise ConfigError(
                f"no SMTP password for user '{settings.smtp.user}': set {PASSWORD_ENV}"
            )
        password = typer.prompt(
            f"SMTP password for {settings.smtp.user} at {settings.smtp.host}",
            hide_input=True,
            err=True,
        )
    return password


def _warn_about(settings) -> None:
    smtp = settings.smtp
    if smtp.user and smtp.security == "none" and smtp.host not in LOOPBACK:
        warn(f"--smtp-security none: the password for {smtp.user} crosses the network unencrypted")


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """A `kill` (SIGTERM) stops the send as Ctrl-C does: messages in flight finish, recorded.

    So does SIGHUP (the terminal closed, an ssh session dropped): by default it would kill
    the send at once, and the messages in flight would go out again on the re-run.
    """
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class _Progress:
    """A progress bar on stderr (messages, rate, ETA); a line every 5 s when not a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._bar: Any = None  # a rich Progress, imported only on a terminal
        self._task: Any = None
        self._last_line = self._last_draw = 0.0
        self._tty = False

    def __enter__(self) -> _Progress:
        self._tty = sys.stderr.isatty()
        return self

    def _start_bar(self) -> None:
        """The rich bar, started at the first update: after the sender has forked its workers,
        so none of them is forked while the bar's drawing thread runs."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("sending"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>8,.0f}/s  {task.fields[failed]} failed"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("send", total=self.total, rate=0.0, failed=0)

    def update(self, p) -> None:
        """Called as messages go (by one sender thread at a time, or the loop following the
        worker processes): redraw a few times a second."""
        done = p.sent + p.failed
        if done != p.total and p.elapsed - self._last_draw < 0.1:
            return
        self._last_draw = p.elapsed
        rate = done / p.elapsed if p.elapsed > 0 else 0.0
        if self._tty and self._bar is None:
            self._start_bar()
        if self._bar is not None:
            self._bar.update(self._task, completed=done, rate=rate, failed=p.failed)
        elif p.elapsed - self._last_line >= 5 or done == p.total:
            self._last_line = p.elapsed
            eta = (p.total - done) / rate if rate else 0
            typer.echo(
                f"sending: {done}/{p.total} ({rate:,.0f}/s, {p.failed} failed, ETA {eta:.0f} s)",
                err=True,
            )

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
