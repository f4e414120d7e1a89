"""The one error base of the library.

Every failure the user can fix is a `NewsletterError` whose message says where
(`seeds/peru.txt:12`, `newsletter.toml: smtp.port`, `mail.example.org:587`) and
what to do.  Only the CLI turns these into stderr lines and exit codes; the
library never prints.
"""

from __future__ import annotations

from pathlib import Path


class NewsletterError(Exception):
    """A problem the user can fix; the message is one line and names where."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def where(path: Path | str, line: int | None = None) -> str:
    """Format a location as `path:line` (or just `path`), relative when possible."""
    shown = display_path(path)
    return f"{shown}:{line}" if line else shown


def display_path(path: Path | str) -> str:
    """Show a path relative to the working directory when it lies below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


class SourceError(NewsletterError):
    """A story source (seed, Markdown story, feed) cannot be read or parsed."""


class ConfigError(NewsletterError):
    """newsletter.toml (or an option) holds a value that cannot be used."""


class ManifestError(NewsletterError):
    """An issue's issue.toml is missing, malformed or inconsistent."""


class TemplateError(NewsletterError):
    """A Jinja or MJML template fails to load, render or compile."""


class OutputError(NewsletterError):
    """A built issue or another output cannot be written."""


class SubscriberError(NewsletterError):
    """The subscriber list or its database cannot be read or changed."""


class DeliveryError(NewsletterError):
    """Sending cannot start or cannot go on (server refused, auth failed...)."""


class MailboxError(NewsletterError):
    """A bounce mailbox (mbox, Maildir, IMAP) cannot be opened or read."""
