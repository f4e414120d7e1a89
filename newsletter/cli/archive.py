"""`newsletter archive`: the static site of past issues, for any static host."""

from __future__ import annotations

from pathlib import Path

import typer

from newsletter.cli.app import app, on_this_machine, warn, workspace_settings
from newsletter.control_chars import quoted


@app.command()
def archive(
    out: Path = typer.Option(
        None,
        "--out",
        metavar="DIR",
        help="Write the site here. [default: archive.out, site/]",
        callback=on_this_machine("a folder (publish the site there after)"),
    ),
    since: str = typer.Option(
        None, "--since", metavar="YYYY-MM-DD", help="Only issues dated on or after this day."
    ),
    limit: int = typer.Option(
        None, "--limit", min=1, metavar="N", help="Only the newest N issues."
    ),
    unsent: bool = typer.Option(
        False,
        "--unsent",
        help="Publish built issues nobody was sent yet too (by default only issues the "
        "delivery journal or `newsletter run` recorded as sent go into the archive).",
    ),
) -> None:
    """Write every sent issue as a static site: index, one page per issue, feed.xml, feed.json."""
    import datetime as dt

    from newsletter.archive import write_archive
    from newsletter.errors import ConfigError, display_path

    try:
        day = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise ConfigError(f"--since {quoted(since)}: use YYYY-MM-DD, e.g. 2026-11-01") from None
    settings = workspace_settings()
    result = write_archive(settings, out=out, since=day, limit=limit, unsent=unsent)
    shown = display_path(result.out)
    for warning in result.warnings:
        warn(warning)
    if result.unsent:
        named = ", ".join(result.unsent[:5]) + (", …" if len(result.unsent) > 5 else "")
        typer.echo(
            f"Left out {len(result.unsent)} built issue(s) not sent yet: {named} (the archive "
            "publishes sent issues; send it first, or pass --unsent)."
        )
    unchanged = len(result.issues) - len(result.rendered)
    typer.echo(
        f"Archive {shown}/: {len(result.issues)} issue(s) ({len(result.rendered)} rendered, "
        f"{unchanged} unchanged, {len(result.removed)} removed), {len(result.written)} file(s) "
        "written; index.html, feed.xml, feed.json."
    )
    if not result.issues:
        if result.unsent and not since:
            typer.echo(f"Next: send issues/{result.unsent[0]} (`newsletter send`), then archive.")
            return
        found = f"no issue dated {since} or later" if since else "no built issue under issues/"
        typer.echo(f"Next: {found} to archive; build one (`newsletter build`), then archive.")
        return
    typer.echo(
        f"Next: publish {shown}/ at {settings.base_url.rstrip('/')}/ (any static host; see "
        "docs/archive.md, 'Publishing')."
    )
