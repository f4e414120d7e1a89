"""What the `database` setting names: a SQLite file, or a PostgreSQL server by URL.

A plain path is a SQLite file, as always.  `postgresql://` (or `postgres://`) is a
PostgreSQL server.  Anything else that looks like a URL (`mysql://…`, `postgresq://…`,
`sqlite:///x.db`, `postgresql:db`) is refused here: taken as a path it would quietly
become a file under a folder named after the scheme, and two workspaces meant to share one
list would each mail every reader.  A password in the URL is refused too (`sslpassword`, the
TLS key's, as well): it comes from NEWSLETTER_DATABASE_PASSWORD or libpq's PGPASSWORD /
~/.pgpass, never from a setting.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from newsletter.control_chars import quoted

POSTGRES_SCHEMES = ("postgresql", "postgres")
# A scheme as RFC 3986 writes it, then a colon: two letters at least, so that a Windows
# drive (`C:\\lists\\newsletter.db`) stays a path.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]+):")
# A colon before the first `/` that is not a drive (`127.0.0.1:5432/letters`, `[::1]:5432`):
# a URL without its scheme.  A file whose name has a colon is written `./odd:name.db`.
_COLON_FIRST = re.compile(r"(?![A-Za-z]:)[^/\\]*:")
# libpq's other form, `host=… dbname=…` (psql's): a path by its letters, a server by intent.
_CONNINFO = re.compile(
    r"(?:^|\s)(?:host|hostaddr|port|dbname|user|password|passfile|service|sslmode|options"
    r"|connect_timeout|application_name)\s*=",
    re.IGNORECASE,
)
_NOT_A_PATH = (
    "is neither a file path nor a PostgreSQL URL (postgresql://user@host:5432/dbname); write a "
    "path such as 'newsletter.db' (or './name:with-colon.db' for a file whose name has a colon)"
)


@dataclass(frozen=True, slots=True)
class PostgresUrl:
    """A PostgreSQL server named by a `postgresql://user@host:port/dbname?sslmode=…` URL."""

    url: str

    @property
    def where(self) -> str:
        """`host:port/dbname` for messages (no user, no parameters, never a password)."""
        parts = urllib.parse.urlsplit(self.url)
        host = parts.hostname or "localhost"
        port = parts.port or 5432
        return f"{host}:{port}{parts.path or '/'}"


def parse_database(value: str) -> PostgresUrl | None:
    """None for a SQLite path; the URL for PostgreSQL; ValueError (why) for anything else."""
    if _CONNINFO.search(value):
        raise ValueError(
            f"{quoted(_masked(value))} is a libpq connection string, not a URL; write it as "
            "postgresql://user@host:5432/dbname (the password in NEWSLETTER_DATABASE_PASSWORD)"
        )
    match = _SCHEME.match(value)
    if match is None:
        if _COLON_FIRST.match(value):
            raise ValueError(f"{quoted(_masked(value))} {_NOT_A_PATH}")
        return None
    scheme = match.group(1).lower()
    if scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"{quoted(_masked(value))} {_NOT_A_PATH}")
    # libpq reads only a lower-case scheme; RFC 3986 schemes ignore case.
    return PostgresUrl(_check_postgres(scheme + value[len(scheme) :]))


def _check_postgres(value: str) -> str:
    """A postgresql:// URL that libpq can read and that carries no password."""
    rest = value[value.index(":") + 1 :]
    if not rest.startswith("//"):
        raise ValueError(
            f"{quoted(_masked(value))} is not a PostgreSQL URL; write postgresql://user@host:5432/dbname"
        )
    if "@" in rest[2:].split("?", 1)[0].partition("/")[2]:
        # libpq (and urlsplit) end the user part at the first '/': `user:pa/ss@host` is host
        # `user`, port `pa`, database `ss@host`, and any message naming them shows the password.
        raise ValueError(
            "the URL has an '@' after the '/' that ends its host: a password holding '/'? "
            "Remove it and set NEWSLETTER_DATABASE_PASSWORD (or write a database name's '@' as "
            "%40)"
        )
    parts = _split(value)
    try:
        parts.port  # noqa: B018 -- reading it checks it: a port that is not a number raises
    except ValueError:
        raise ValueError(
            f"{quoted(_masked(value))}: its port is not a number from 1 to 65535; "
            "write postgresql://user@host:5432/dbname"
        ) from None
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    if parts.password is not None or "password" in query or "sslpassword" in query:
        raise ValueError(
            "the URL holds a password; remove it and set NEWSLETTER_DATABASE_PASSWORD "
            "(or PGPASSWORD, or ~/.pgpass) instead"
        )
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):  # bytes not UTF-8, as os.environ has them
        raise ValueError(
            f"{quoted(_masked(value))} holds bytes that are not UTF-8, which libpq cannot "
            "read; write the URL in UTF-8 (percent-encode anything else)"
        )
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(f"{quoted(_masked(value))} contains a space or a control character")
    return value


def _split(value: str) -> urllib.parse.SplitResult:
    """The URL's parts; ValueError naming a broken `[…]` around an IPv6 host (urlsplit's own
    "Invalid IPv6 URL" would be taken for a bad port)."""
    try:
        return urllib.parse.urlsplit(value)
    except ValueError:
        host = value.partition("//")[2].split("/", 1)[0].rpartition("@")[2]
        if "[" in host and "]" not in host:
            why = "the IPv6 address after '[' has no closing ']'"
        elif "]" in host and "[" not in host:
            why = "a ']' with no '[' before it"
        else:
            why = "the host between [ and ] is not an IPv6 address"
        raise ValueError(
            f"{quoted(_masked(value))}: {why}; write an IPv6 host in brackets, "
            "e.g. postgresql://user@[::1]:5432/dbname"
        ) from None


def _masked(value: str) -> str:
    """The value as a message may show it (through quoted, which cuts it): any password
    between `:` and `@`, or after `password=`, masked before it is cut."""
    masked = re.sub(r"(//[^/@:]*:).*@", r"\1***@", value)  # to the last '@': a '/' in it too
    return re.sub(r"(?i)(password\s*=\s*)\S*", r"\1***", masked)
