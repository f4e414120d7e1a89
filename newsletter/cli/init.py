"""`newsletter init`: a fresh workspace with a commented newsletter.toml and the samples."""

from __future__ import annotations

from pathlib import Path

import typer

from newsletter.cli.app import app, on_this_machine


@app.command()
def init(
    folder: Path = typer.Argument(
        Path("."),
        metavar="[DIR]",
        help="The workspace folder to create or complete.",
        show_default=False,
        callback=on_this_machine("a folder"),
    ),
) -> None:
    """Create a workspace: newsletter.toml (commented), seeds/ and samples/; never overwrites."""
    from newsletter.errors import display_path
    from newsletter.sources import SOURCE_SUFFIXES
    from newsletter.workspace import init_workspace, skeleton_files

    created, kept = init_workspace(folder)
    for path in created:
        typer.echo(f"created  {display_path(path)}")
    for path in kept:
        typer.echo(f"kept     {display_path(path)} (already there, not overwritten)")
    where = display_path(folder)
    hop = "" if where == "." else f"cd {where} && "
    # The sample sources by name, not samples/: the sample list beside them is no story
    # source, and building the folder would warn about it on the very first build.
    samples = " ".join(
        p.as_posix()
        for p in skeleton_files()
        if p.parts[0] == "samples" and p.suffix.lower() in SOURCE_SUFFIXES
    )
    typer.echo(
        "Next: edit newsletter.toml; put this week's stories in seeds/ (or name them in its "
        "`sources`); samples/ has a sample story, a feed and a Markdown story to copy from "
        f"(try `{hop}newsletter build {samples}`); then run `{hop}newsletter build`."
    )
