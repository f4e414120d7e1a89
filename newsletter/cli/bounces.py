"""`newsletter bounces process`: bounces, complaints and mailed unsubscribes into the list."""

from __future__ import annotations

from pathlib import Path

import typer

from newsletter.cli.app import app, warn, workspace_settings

bounces_app = typer.Typer(
    help="Bounce reports, complaints and mailed unsubscribes: read a mailbox, update the list.",
    no_args_is_help=True,
)
app.add_typer(bounces_app, name="bounces")


@bounces_app.command()
def process(
    mailbox: str = typer.Argument(
        ...,
        metavar="MAILBOX",
        help="An mbox file, a Maildir folder, or imaps://user@imap.example.org/INBOX "
        "(password from NEWSLETTER_IMAP_PASSWORD).",
    ),
    ca_file: Path = typer.Option(
        None,
        "--ca-file",
        metavar="PEM",
        help="Also trust this CA certificate for the IMAP server (a self-signed one).",
    ),
) -> None:
    """Mark readers bounced or unsubscribed from the bounces and complaints in MAILBOX."""
    import os

    from newsletter.bounces.intake import process_mailbox
    from newsletter.bounces.sources import IMAP_PASSWORD_ENV, open_mailbox

    settings = workspace_settings()
    box = open_mailbox(
        mailbox,
        password=os.environ.get(IMAP_PASSWORD_ENV),
        processed=settings.bounce.imap_processed,
        folder=settings.bounce.imap_folder,
        ca_file=ca_file,
        seconds=settings.bounce.imap_seconds,
        max_message=settings.bounce.imap_max_message,
    )
    try:
        s = process_mailbox(box, settings)
    finally:
        box.close()
    for warning in s.warnings:
        warn(warning)
    typer.echo(
        f"Processed {s.messages} message(s) from {s.source}: {s.hard} hard bounce(s), "
        f"{s.soft} soft, {s.complaints} complaint(s), {s.unsubscribes} unsubscribe(s), "
        f"{s.unmatched} unmatched, {s.unverified} unverified, {s.ignored} not reports"
        + (f", {s.unreadable} unreadable" if s.unreadable else "")
        + (f", {s.repeated} repeated complaint(s)" if s.repeated else "")
        + (f", {s.already} already processed" if s.already else "")
        + "."
    )
    typer.echo(
        f"Now bounced: {s.now_bounced}; now unsubscribed: {s.now_unsubscribed}. "
        "The next send skips them (`newsletter subscribers count`)."
    )
    if s.unverified and not settings.bounce.trust_address:
        typer.echo(
            f"{s.unverified} report(s) changed nothing: they quote no Message-ID or return "
            "path of ours signed with the workspace key (see docs/audience.md, Bounces)."
        )
    if s.sent_total:
        typer.echo(
            f"Complaints: {s.complaints_total} for {s.sent_total} message(s) sent "
            f"({s.complaint_rate:.2%}; keep it under 0.3%)."
        )
