"""`newsletter check`: report what would go wrong with an issue, before it is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from newsletter.cli.app import (
    ISSUE_FOLDER,
    app,
    on_this_machine,
    terminal_safe,
    warn,
    workspace_settings,
)

if TYPE_CHECKING:
    from newsletter.check.report import CheckReport
    from newsletter.config import Settings
    from newsletter.issue.built import BuiltIssue


@app.command()
def check(
    issue: Path = typer.Argument(
        ...,
        metavar="ISSUE",
        help="The built issue folder, e.g. issues/2026-W48.",
        callback=on_this_machine(ISSUE_FOLDER),
    ),
    links: bool = typer.Option(
        False, "--links", help="Also fetch every link and image (the network), concurrently."
    ),
    link_timeout: float = typer.Option(
        10.0,
        "--link-timeout",
        min=0.1,
        metavar="SECONDS",
        help="Seconds each link may take, redirects included.",
    ),
    total_timeout: float = typer.Option(
        30.0,
        "--total-timeout",
        min=0.1,
        metavar="SECONDS",
        help="Seconds all the links may take together.",
    ),
    spamassassin: bool = typer.Option(
        False,
        "--spamassassin",
        help="Also score message.eml with a local SpamAssassin, if installed.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
) -> None:
    """Check an issue before sending: size, links, images, text part, unsubscribe, address, spam.

    Exit code 1 when a check finds an error, 0 with warnings only.
    """
    from newsletter.check import check_issue

    report = check_issue(
        issue,
        workspace_settings(issue),  # the issue's own workspace
        links=links,
        per_link=link_timeout,
        total=total_timeout,
        spamassassin=spamassassin,
    )
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    if report.errors:
        raise typer.Exit(1)


def _print_report(report: CheckReport) -> None:
    def echo(line: str) -> None:  # links and their redirects are other servers' words
        typer.echo(terminal_safe(line))

    for finding in report.findings:
        echo(finding.line())
    if report.links:
        echo(f"Links ({len(report.links)} fetched):")
        for r in report.links:
            status = str(r.status) if r.status else "---"
            echo(f"  {status}  {r.url}" + (f"  ({r.error})" if r.error else ""))
            for code, target in r.redirects:
                echo(f"         {code} → {target}")
    if report.spam_score and "score" in report.spam_score:
        s = report.spam_score
        echo(f"SpamAssassin: score {s['score']} (spam at {s['required']})")
    verdict = "errors: fix them before sending" if report.errors else "ready to send"
    echo(f"Issue {report.issue_id}: {len(report.checks)} checks, {report.counts()}: {verdict}.")
    for note in report.notes:
        echo(f"  ({note})")


def gate_before_send(
    issue: BuiltIssue | Path, settings: Settings, *, force: bool, test_copy: bool
) -> None:
    """The checks before `send`, findings on stderr: errors refuse unless forced or a test copy."""
    from newsletter.check import ChecksFailed, send_gate

    try:
        report = send_gate(issue, settings, force=force, test_copy=test_copy)
    except ChecksFailed as e:
        for finding in e.report.findings:
            typer.echo(terminal_safe(finding.line()), err=True)
        raise
    if report.errors or not test_copy:  # a clean test copy stays quiet: it is a look, not a send
        for finding in report.findings:
            typer.echo(terminal_safe(finding.line()), err=True)
    if report.errors and test_copy:
        warn(f"checks found {report.counts()}: sending the test copy anyway (a list send refuses)")
    elif report.errors:
        warn(f"--force: sending despite {report.counts()}")
