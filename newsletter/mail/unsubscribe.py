"""Unsubscribe links: a mailto address and an https page, both carrying a reader's sealed token.

The token (tokens.py) is the reader's address sealed with a key derived from the unsubscribe
key: opaque to anyone without it, bound to this list and this address, so the unsubscribe page
(and the RFC 8058 one-click POST, and a mailed request read by `bounces process`) can open it
without a database lookup, and nobody can make one for someone else.  Old signed tokens, in
issues already sent, still verify.

The key comes from the environment variable named by `unsubscribe.secret_env`
(NEWSLETTER_UNSUBSCRIBE_SECRET) when it is set; otherwise a random key is made
on first use and kept in the workspace's database (newsletter.db, or the PostgreSQL
server `database` names), where `newsletter serve` finds the same one.  The key is
looked up only when a reader's link is made: building an issue (which shows the public
page, no token) never creates a database.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings
from newsletter.database_url import PostgresUrl
from newsletter.errors import ConfigError
from newsletter.mail.tokens import (
    MAX_TOKEN_CHARS,
    normalise_for_token,
    sign_legacy_token,
    sign_token,
    verify_token,
)

# The token's own module is tokens.py; these names are where callers have always found them.
__all__ = [
    "MAX_TOKEN_CHARS",
    "SigningKey",
    "UnsubscribeLinks",
    "normalise_for_token",
    "sign_legacy_token",
    "sign_token",
    "unsubscribe_links",
    "unsubscribe_page",
    "verify_token",
]

MIN_SECRET_CHARS = 16  # a key from the environment shorter than this is refused, not used


class SigningKey:
    """The unsubscribe key: from the environment, else from the database (made on first use)."""

    def __init__(self, from_env: bytes = b"", database: Path | PostgresUrl | None = None) -> None:
        self._value = from_env or None
        self._database = database
        self._lock = threading.Lock()

    def get(self) -> bytes:
        """The key; opens (and creates) the database the first time when no variable is set."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._load()
        return self._value

    def _load(self) -> bytes:
        if self._database is None:
            return b""
        # Imported here, as the database is opened on first use only: a build that signs
        # no reader's link never loads sqlite3 (tests/test_build_startup.py).
        import sqlite3

        from newsletter.subscribers.database import database_error, open_database
        from newsletter.subscribers.keys import UNSUBSCRIBE_KEY, stored_key

        if isinstance(self._database, PostgresUrl):
            from newsletter.subscribers.backends import server_key

            return server_key(self._database, UNSUBSCRIBE_KEY)

        conn = open_database(self._database)
        try:
            return stored_key(conn, UNSUBSCRIBE_KEY)
        except sqlite3.Error as e:  # a full disk or busy database while making the key
            raise database_error(self._database, e, "keep the unsubscribe key in it") from None
        finally:
            conn.close()

    def __repr__(self) -> str:  # the key stays out of reprs and tracebacks
        return "SigningKey(...)"


@dataclass(frozen=True, slots=True)
class UnsubscribeLinks:
    """How one workspace lets readers leave: resolved once per build or send."""

    mailto: str  # address, "" when none
    page: str  # https URL without a token
    key: SigningKey
    list_id: str

    @property
    def secret(self) -> bytes:
        """The signing key (looked up, or made, on first use)."""
        return self.key.get()

    def token_for(self, email: str) -> str:
        """The reader's signed token ("" for no reader, or no key at all)."""
        secret = self.secret if email else b""
        return sign_token(email, secret, self.list_id) if secret else ""

    def url_for(self, email: str) -> str:
        """The reader's unsubscribe URL with their token (the plain page for nobody)."""
        return self._url(self.token_for(email))

    def links_for(self, email: str) -> tuple[str, str]:
        """The reader's unsubscribe URL and List-Unsubscribe value, signed once for both.

        The value is `<mailto:…?subject=unsubscribe%20TOKEN>, <https://…?token=TOKEN>`.
        """
        token = self.token_for(email)
        url = self._url(token)
        if not self.mailto:
            return url, f"<{url}>"
        # A token is base64url, "~" and "." only, characters a URI leaves unquoted (RFC 3986).
        subject = f"unsubscribe%20{token}" if token else "unsubscribe"
        return url, f"<mailto:{self.mailto}?subject={subject}>, <{url}>"

    def _url(self, token: str) -> str:
        return f"{self.page}?token={token}" if token else self.page

    @property
    def web_url(self) -> str:
        """The link the web version shows: the page, without anyone's token."""
        return self.page


def unsubscribe_links(settings: Settings) -> UnsubscribeLinks:
    """The workspace's unsubscribe settings; the page defaults to `<base_url>/unsubscribe`."""
    u = settings.unsubscribe
    secret = os.environ.get(u.secret_env, "") if u.secret_env else ""
    if secret and len(secret.strip()) < MIN_SECRET_CHARS:
        # The variable's name is not printed: a *_env value is never shown.
        raise ConfigError(
            f"the variable named by unsubscribe.secret_env holds fewer than {MIN_SECRET_CHARS} "
            "characters, too weak to sign unsubscribe links; put a long random key in it "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))') or unset it to "
            "use the key kept in newsletter.db"
        )
    return UnsubscribeLinks(
        mailto=u.mailto,
        page=unsubscribe_page(settings),
        # With a key in the environment the database is never opened for it; otherwise the
        # key is kept in the workspace's database, a SQLite file or the PostgreSQL server.
        key=SigningKey(
            secret.encode(),
            None if secret else settings.database_server or settings.database_file(),
        ),
        list_id=settings.list_identifier,
    )


def unsubscribe_page(settings: Settings) -> str:
    """The https page readers unsubscribe at: `[unsubscribe] url`, else `<base_url>/unsubscribe`."""
    return settings.unsubscribe.url or f"{settings.base_url.rstrip('/')}/unsubscribe"
