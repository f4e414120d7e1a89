"""`newsletter db upgrade` and `db copy`: the schema, and moving it SQLite ⇄ PostgreSQL."""

from __future__ import annotations

import sys
import time

import typer

from newsletter.cli.app import app, terminal_safe, workspace_settings

db_app = typer.Typer(
    help="The workspace's database (SQLite file or PostgreSQL server): its schema, moving it.",
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


@db_app.command()
def copy(
    source: str = typer.Argument(
        ..., metavar="SRC", help="the database to copy: a SQLite file, or postgresql://…"
    ),
    target: str = typer.Argument(
        ...,
        metavar="DST",
        help="where to copy it: a SQLite file (made if missing), or postgresql://…",
    ),
    force: bool = typer.Option(
        False, "--force", help="replace whatever rows DST holds (refused without it)"
    ),
) -> None:
    """Copy a whole workspace database, SQLite ⇄ PostgreSQL, checked table by table.

    Every table (the list, unsubscribes, consent, forgotten addresses, sign-ups, rate limits,
    bounce records, the journal, the keys) is streamed into DST in one transaction and read
    back: each table's row count and checksum must match, or DST is left as it was. The
    PostgreSQL password comes from NEWSLETTER_DATABASE_PASSWORD (or PGPASSWORD, ~/.pgpass).
    """
    from newsletter.subscribers.database_copy import copy_database

    line = _ProgressLine() if sys.stderr.isatty() else None
    try:
        report = copy_database(source, target, force=force, progress=line)
    finally:
        if line is not None:
            line.clear()
    for table in report.tables:
        rows = "row " if table.rows == 1 else "rows"
        typer.echo(f"  {table.name:<16} {table.rows:>10,} {rows}  checksum {table.checksum[:16]}")
    replaced = f", replacing {report.replaced:,} rows it held" if report.replaced else ""
    typer.echo(
        f"Copied {report.rows:,} rows in {len(report.tables)} tables from {report.source} "
        f"to {report.target}{replaced}; every table's count and checksum match."
    )
    # A copy moves no workspace: it goes on reading its own database until told otherwise.
    typer.echo(
        f'Next: point each workspace at it, database = "{terminal_safe(target)}" in '
        "newsletter.toml (or NEWSLETTER_DATABASE_URL), then `newsletter subscribers count`."
    )


class _ProgressLine:
    """`db copy`'s progress on a terminal (standard error): one line, rewritten in place,
    naming the table and its rows so far, at most ten times a second; cleared at the end.
    A pipe gets none (the summary follows): a cron job's log stays as it was."""

    def __init__(self) -> None:
        self._drawn = 0.0

    def __call__(self, table: str, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done and now - self._drawn < 0.1:
            return
        self._drawn = now
        typer.echo(f"\r\x1b[K  {phase} {table}: {done:,} of {total:,} rows", err=True, nl=False)

    def clear(self) -> None:
        typer.echo("\r\x1b[K", err=True, nl=False)
