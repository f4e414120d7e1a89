"""`newsletter preview`: build the issue, serve it on 127.0.0.1, rebuild and reload on save."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import typer

from newsletter.cli.app import app, parse_date, terminal_safe, warn

if TYPE_CHECKING:
    from pathlib import Path

    from newsletter.preview.rebuilder import PreviewSnapshot
    from newsletter.preview.target import PreviewTarget


@app.command()
def preview(
    sources: list[str] = typer.Argument(
        None,
        metavar="SOURCE",
        show_default=False,
        help="Seed files, Markdown stories, feeds, folders; or one issue folder to re-render "
        "from its issue.toml (and watch it). Default: `sources` in newsletter.toml, else seeds/",
    ),
    port: int = typer.Option(
        8025,
        "--port",
        min=0,
        max=65535,
        help="Serve on this port; the next free one when it is taken (0: any).",
    ),
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Listen on this address. Anything but 127.0.0.1 lets other machines in.",
    ),
    no_open: bool = typer.Option(False, "--no-open", help="Do not open a browser."),
    day: str = typer.Option(None, "--date", help="The issue's date, YYYY-MM-DD. [default: today]"),
    no_learn: bool = typer.Option(
        False,
        "--no-learn",
        help="Rank and cut Related as shipped (concepts' share, bar, the `related` length), "
        "not as learnt from your edits of earlier issues (as [ranking] learn = false does).",
    ),
) -> None:
    """Preview the issue in a browser: desktop, phone, dark and text views, reloaded on save."""
    import webbrowser
    from pathlib import Path

    from newsletter.errors import display_path
    from newsletter.preview import is_loopback, open_preview

    if not is_loopback(host):
        warn(
            f"--host {host}: the preview and its test-send form are open to other machines "
            "on the network"
        )

    said: set[str] = set()  # warnings already on the terminal: a save says only a new one

    def report(snapshot: PreviewSnapshot) -> None:
        if snapshot.error or snapshot.folder is None:
            error = terminal_safe(str(snapshot.error))
            typer.echo(f"error: {error} (shown in the page; fix it and save)", err=True)
        else:
            typer.echo(f"built {display_path(snapshot.folder)}/ in {snapshot.seconds:.2f} s")
        if started:
            for warning in snapshot.warnings:
                if warning not in said:
                    warn(warning)
                    said.add(warning)

    started: list[bool] = []
    named: tuple[str, ...] | None = None
    today = parse_date(day)  # an option's mistake before any word about the sources

    if not sources:
        from newsletter.cli.app import workspace_settings
        from newsletter.sources.named import DEFAULT_SOURCES, named_sources

        settings = workspace_settings()
        named = tuple(settings.sources or DEFAULT_SOURCES)
        sources, unmatched = named_sources(settings)
        for warning in unmatched:
            warn(warning)
    with open_preview(
        sources,
        workspace=Path.cwd(),
        today=today,
        host=host,
        port=port,
        on_build=report,
        learn=not no_learn,
        named=named,
    ) as running:
        first = running.snapshot
        for warning in first.warnings:
            warn(warning)
        said.update(first.warnings)
        started.append(True)
        if port and running.server.port != port:
            warn(f"port {port} is taken: using {running.server.port}")
        shown = f"{display_path(first.folder)}/" if first.folder else "the issue"
        watched = ", ".join(map(_watched, running.target.watch_roots()))
        typer.echo(f"Previewing {shown} at {running.url}")
        typer.echo(f"Watching {watched}: save a change and the page reloads. Ctrl-C to stop.")
        _say_feed_urls(running.target)
        if not no_open:
            webbrowser.open(running.url)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a preview ends
            running.wait()
    folder = display_path(running.snapshot.folder) if running.snapshot.folder else "issues/<id>"
    typer.echo(
        f"Preview stopped. Next: `newsletter send {folder} --to ADDR` for a test copy, "
        f"then `newsletter send {folder}`."
    )


def _watched(path: Path) -> str:
    """A watched path as the editor knows it: the packaged templates by that name, not the
    site-packages (or checkout) folder they happen to sit in."""
    from newsletter.errors import display_path
    from newsletter.render.templates import default_templates_dir

    if path == default_templates_dir().resolve():
        return "the default templates"
    return display_path(path)


def _say_feed_urls(target: PreviewTarget) -> None:
    """Which feed URLs the first build fetched (a save rebuilds from their bytes) and which it
    could not (each save tries those again: their error is on screen), each masked."""
    fetched = [url for url in target.feed_urls if url in target.fetched]
    failed = [url for url in target.feed_urls if url not in target.fetched]
    if fetched:
        typer.echo(
            f"Feed URLs fetched once ({_shown_urls(fetched)}): a save rebuilds from what they "
            "gave; restart the preview to fetch them again."
        )
    if failed:
        typer.echo(f"Feed URLs not fetched ({_shown_urls(failed)}): each save tries them again.")


def _shown_urls(urls: list[str]) -> str:
    from newsletter.web_address import without_address_secrets

    return terminal_safe(", ".join(without_address_secrets(url) for url in dict.fromkeys(urls)))
