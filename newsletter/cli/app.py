"""The `newsletter` Typer app and what every command shares: one-line usage errors, the
workspace an issue belongs to, the prompt, the date option.

The commands (cli/<command>.py) import the app from here and cli/__init__.py imports them
to register them, so no module imports back the one that imports it (tests/test_layers.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer._click import exceptions as click  # Typer 0.28 ships its own Click: its exceptions
from typer.core import TyperGroup

from newsletter.cli import help_format  # noqa: F401  (help in the README's words)
from newsletter.control_chars import FLAG_TAGS, UNSHOWN_CLASS, escaped_character, quoted
from newsletter.errors import ConfigError, NewsletterError
from newsletter.web_address import without_address_secrets

if TYPE_CHECKING:
    from newsletter.config import Settings


class _OneLineUsageError(click.UsageError):
    """A mistyped command line as one `error:` line: Click's message, its suggestion, and where
    the help is, instead of Click's block of usage, hint and message.  Exit code 2, as Click's.
    """

    def show(self, file: Any = None) -> None:
        where = self.ctx.command_path if self.ctx is not None else "newsletter"
        # Click names an extra argument as typed: a feed's address with its token, say.
        message = without_address_secrets(" ".join(self.format_message().split()).rstrip("."))
        typer.echo(f"error: {message} (see `{where} --help`)", err=True)


def _one_line(error: click.UsageError) -> click.UsageError:
    """The same usage error, shown as one line (the help that no arguments ask for stays)."""
    if isinstance(error, (_OneLineUsageError, click.NoArgsIsHelpError)):
        return error
    return _OneLineUsageError(error.format_message(), error.ctx)


class _TranslatingGroup(TyperGroup):
    """Runs a command and turns library errors into one line and exit code 1, and usage
    errors (an unknown option or command, a bad value) into one line and exit code 2."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as e:
            raise _one_line(e) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            raise _one_line(e) from None
        except NewsletterError as e:
            # every message is masked here too: a password or token of an address never shown
            typer.echo(f"error: {terminal_safe(without_address_secrets(str(e)))}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except typer.Abort:  # Ctrl-C or the end of input at a prompt (the password's)
            typer.echo("\ninterrupted: no answer to the question", err=True)
            raise typer.Exit(130) from None


# A scheme as a path keeps it: Path("http://host/feed.xml") is "http:/host/feed.xml".  Two
# letters at least, so a drive (C:/) is never one.
_WEB_ADDRESS = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]+):/+")


ISSUE_FOLDER = "an issue folder, like issues/2026-W48"


def on_this_machine(what: str) -> Callable[[Path | None], Path | None]:
    """A Typer callback for an argument naming a file or folder here: a web address given
    there (a feed's, a page's) is one line naming it as typed and saying to give `what`,
    nothing fetched, rather than "http:/host/feed.xml: no such folder" (the path keeps one of
    its two slashes) or "create it first (mkdir -p https:/example.org)"."""

    def refuse_web_address(value: Path | None) -> Path | None:
        if value is not None and (m := _WEB_ADDRESS.match(str(value))):
            scheme, rest = m.group(1), str(value)[m.end() :]
            typed = f"{scheme}://{'/' if scheme.lower() == 'file' else ''}{rest}"
            raise ConfigError(
                f"{without_address_secrets(typed)}: a web address, not a file or folder on this "
                f"machine; give {what} "
                "(nothing was fetched)"
            )
        return value

    return refuse_web_address


app = typer.Typer(
    cls=_TranslatingGroup,
    help="Compile a weekly email digest, preview it, and send it to a mailing list.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"newsletter {version('newsletter')}")
        raise typer.Exit()


@app.callback()
def _options(
    _version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        expose_value=False,
        callback=_show_version,
        help="Print the version and exit.",
    ),
) -> None:
    pass


def warn(message: str) -> None:
    """One warning line on stderr."""
    typer.echo(f"warning: {terminal_safe(message)}", err=True)


# Control characters but tab and line break; line separators; the invisible characters
# text never keeps (control_chars.DROPPED_CLASS: bidi controls, zero-width spaces, soft
# hyphens, fillers, stray tag characters) and the bidi marks (U+200E, U+200F, U+061C: on a
# terminal line they move its punctuation), which reorder or hide text.  Joiners, variation
# selectors and an emoji flag's tag sequence are shown as the email shows them (group 1
# matches the flag whole, so it is left as it is).
_TERMINAL_CONTROL = re.compile(f"({FLAG_TAGS})|[{UNSHOWN_CLASS}]")


def terminal_safe(text: str) -> str:
    """`text` with control characters but tab and line break shown as `\\x1b` (bidi and
    invisible ones as `\\u202e`): a file name or a sender's text quoted in a message cannot
    move the cursor, retitle the terminal or show the line reordered; an emoji's joiners and
    selectors, a flag's tags and Persian's ZWNJ are shown as they are."""
    return _TERMINAL_CONTROL.sub(_terminal_escape, text)


def _terminal_escape(m: re.Match[str]) -> str:
    return m.group(1) or escaped_character(m)


def json_safe(dumped: str) -> str:
    """JSON text (`json.dumps(..., ensure_ascii=False)`) with the characters `terminal_safe`
    escapes written as JSON escapes (`\\u001b`, `\\u202e`): the same values once parsed, but
    no C1 control, bidi or invisible character reaches the terminal (json escapes only C0)."""
    return _TERMINAL_CONTROL.sub(_json_escape, dumped)


def _json_escape(m: re.Match[str]) -> str:
    """The character as JSON writes it: `\\u202e`, or a surrogate pair past U+FFFF (a
    flag's tag sequence as it is)."""
    if m.group(1):
        return m.group(1)
    code = ord(m.group(0))
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    high, low = divmod(code - 0x10000, 0x400)
    return f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"


def workspace_settings(
    issue: Path | None = None, workspace: Path | None = None, *, required: bool = False
) -> Settings:
    """The settings of the workspace; warnings (no newsletter.toml...) go to stderr.

    `workspace` (--workspace) when given; else, for a command about an `issue` folder, the
    nearest folder at or above it with a newsletter.toml, never the current folder (an issue
    belongs to its own workspace); else the current folder.  With `required`, an issue
    outside any workspace is an error (a send needs its list); otherwise it runs on defaults.
    """
    from newsletter.config import CONFIG_NAME, find_workspace, load_settings
    from newsletter.errors import ConfigError, display_path

    if workspace is not None and not (workspace / CONFIG_NAME).is_file():
        raise ConfigError(f"--workspace {display_path(workspace)}: no {CONFIG_NAME} there")
    folder = workspace
    if folder is None and issue is not None:
        try:
            folder = find_workspace(issue)
        except ConfigError:
            if required:
                raise
            folder = issue.parent
    settings, warnings = load_settings(folder)
    for warning in warnings:
        warn(warning)
    return settings


def confirm(question: str, *, skip: str = "--yes", nothing: str = "nothing was done") -> None:
    """Ask before a command acts; go on only on yes.

    Without a terminal (cron, a pipe with nothing in it) there is nobody to answer: the command
    stops and says which option to pass instead (`skip`), rather than Click's bare "Aborted!".
    A "no" stops it with exit code 1, Ctrl-C at the prompt with 130; nothing was done either way.
    """
    import sys

    try:
        if typer.confirm(question, err=True):
            return
    except typer.Abort:  # end of input, or Ctrl-C at the prompt
        typer.echo("", err=True)
        if not sys.stdin.isatty():
            typer.echo(
                f"error: no terminal to answer this question; pass {skip} to go ahead "
                f"without asking ({nothing})",
                err=True,
            )
            raise typer.Exit(1) from None
        typer.echo(f"interrupted: {nothing}", err=True)
        raise typer.Exit(130) from None
    typer.echo(f"You answered no: {nothing}.", err=True)
    raise typer.Exit(1)


def parse_date(value: str | None) -> dt.date:
    """A `--date` option: YYYY-MM-DD, or today when not given."""
    from newsletter.errors import ConfigError

    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--date {quoted(value)}: use YYYY-MM-DD, e.g. 2026-11-26") from None
