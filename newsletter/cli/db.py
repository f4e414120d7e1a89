"""`newsletter db upgrade`: the database's schema, on SQLite or PostgreSQL."""

from __future__ import annotations

import typer

from newsletter.cli.app import app, workspace_settings

db_app = typer.Typer(
    help="The workspace's database (SQLite file or PostgreSQL server): its schema.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


@db_app.command()
def upgrade() -> None:
    """Bring the database to this version's schema (a first use does it too, under a lock)."""
    from newsletter.subscribers.schema import upgrade_database

    done = upgrade_database(workspace_settings())
    if done.before == done.after:
        typer.echo(f"{done.backend} {done.where}: schema {done.after}, up to date.")
    else:
        typer.echo(
            f"{done.backend} {done.where}: schema upgraded from {done.before} to {done.after}."
        )
