"""`newsletter welcome …`: the welcome email new readers get once (docs/audience.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from newsletter.cli.app import app, on_this_machine, workspace_settings

welcome_app = typer.Typer(
    help="The welcome email a reader gets once, after confirming a sign-up.",
    no_args_is_help=True,
)
app.add_typer(welcome_app, name="welcome")


@welcome_app.command("preview")
def preview(
    out: Path = typer.Option(
        Path("welcome-preview"),
        "--out",
        help="The folder to write welcome.html and welcome.txt into.",
        callback=on_this_machine("a folder"),
    ),
    first_name: str = typer.Option(
        "", "--first-name", help='The reader\'s first name; none: the greeting says "there".'
    ),
) -> None:
    """Render the welcome email from templates/welcome.* into files; nothing is sent or fetched."""
    from newsletter.errors import display_path
    from newsletter.welcome.compose import write_welcome_preview

    settings = workspace_settings()
    written = write_welcome_preview(settings, out, first_name)
    for path in written:
        typer.echo(f"wrote    {display_path(path)}")
    state = "" if settings.welcome.enabled else " ([welcome] enabled = false: none is sent now)"
    typer.echo(
        f"Next: open {display_path(written[0])} in a browser{state}; edit "
        "templates/welcome.mjml.j2 and welcome.txt.j2 (`newsletter templates copy`) to change it."
    )
