"""`newsletter templates …`: the email's templates (copy the defaults into ./templates/ to edit)."""

from __future__ import annotations

import typer

from newsletter.cli.app import app, workspace_settings

templates_app = typer.Typer(
    help="The email's templates: copy the defaults into templates/ to edit them.",
    no_args_is_help=True,
)
app.add_typer(templates_app, name="templates")


@templates_app.command("copy")
def copy() -> None:
    """Copy the default templates into ./templates/ to edit; a file already there is kept."""
    from newsletter.errors import display_path
    from newsletter.render.template_copy import copy_default_templates

    result = copy_default_templates(workspace_settings().workspace)
    if result.is_default:
        typer.echo(
            f"{display_path(result.folder)}/ here holds the default templates themselves; "
            "edit them in place, nothing to copy"
        )
        return
    for path in result.copied:
        typer.echo(f"copied   {display_path(path)}")
    for path in result.kept:
        typer.echo(f"kept     {display_path(path)} (already there, not overwritten)")
    typer.echo(
        f"Next: edit the files in {display_path(result.folder)}/ (a file you delete falls back "
        "to the default), then run `newsletter build` or `newsletter preview`."
    )
