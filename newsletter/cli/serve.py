"""`newsletter serve`: answer the unsubscribe links, the sign-up form and confirmation links."""

from __future__ import annotations

from pathlib import Path

import typer

from newsletter.cli.app import app, warn, workspace_settings
from newsletter.control_chars import quoted

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@app.command()
def serve(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (keep 127.0.0.1 behind a reverse proxy)."
    ),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port (0: any free one)."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Worker processes sharing the port and the database."
    ),
    trusted_proxy: list[str] = typer.Option(
        None,
        "--trusted-proxy",
        metavar="ADDRESS",
        help="A reverse proxy (address or network, e.g. 127.0.0.1) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; repeat for more. Without it they are ignored.",
    ),
    outbox: Path = typer.Option(
        None,
        "--outbox",
        metavar="DIR",
        help="Write confirmation emails into this folder instead of sending them (for trials).",
    ),
    print_form: bool = typer.Option(
        False,
        "--print-form",
        help="Print the sign-up form as an HTML snippet for another website's page (it posts "
        "to the public /subscribe; list that site in [serve] allowed_origins) and exit.",
    ),
) -> None:
    """Serve one-click unsubscribe (RFC 8058), double opt-in sign-up and confirmation links."""
    import ipaddress

    from newsletter.errors import ConfigError

    if print_form:
        _print_form()
        return

    proxies = tuple(trusted_proxy or ())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"--trusted-proxy {quoted(proxy)}: give an IP address or network, e.g. 127.0.0.1"
            ) from None
    if outbox is not None:  # before listening: a typo makes no folders at the first sign-up
        from newsletter.out_folder import require_parent_folder

        require_parent_folder(outbox, "--outbox")
    if host not in LOOPBACK:
        warn(f"--host {host}: listening beyond this machine; put it behind a TLS reverse proxy")
    settings = workspace_settings()
    if settings.database_server is not None:
        from newsletter.subscribers.schema import upgrade_database

        # Before listening: a refused login or an unreachable server is one line, here.
        upgrade_database(settings)

    from newsletter.serve.app import PublicUrls, ServeOptions
    from newsletter.serve.runner import run_server

    urls = PublicUrls.of(settings)

    def ready(address: str) -> None:
        typer.echo(f"Serving {settings.name} on {address} ({workers} worker(s)); Ctrl-C stops.")
        typer.echo(
            f"  {urls.unsubscribe}  {urls.subscribe}  {urls.confirm}"
            f"  (public at {urls.origin}; confirmation emails: "
            + (str(outbox) if outbox else f"smtp {settings.smtp.where}")
            + ")"
        )
        if settings.serve.allowed_origins:
            origins = ", ".join(sorted(settings.serve.origins))
            typer.echo(f"  sign-ups also taken from forms on: {origins}")

    run_server(
        settings,
        ServeOptions(proxies, outbox),
        host=host,
        port=port,
        workers=workers,
        on_ready=ready,
    )


def _print_form() -> None:
    """The embeddable form on stdout; on stderr, what else the site needs."""
    from newsletter.serve.embed import embed_form

    settings = workspace_settings()
    typer.echo(embed_form(settings), nl=False)
    if not settings.serve.allowed_origins:
        warn(
            "[serve] allowed_origins is empty: this form is refused (403) on any other site; "
            'add the site\'s origin to newsletter.toml, e.g. allowed_origins = ["https://www.example.org"]'
        )
