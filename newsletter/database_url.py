"""What the `database` setting names: a SQLite file, or a PostgreSQL server by URL.

A plain path is a SQLite file, as always.  `postgresql://` (or `postgres://`) is a
PostgreSQL server.  Anything else that looks like a URL (`mysql://…`, `postgresq://…`,
`sqlite:///x.db`, `postgresql:db`) is refused here: taken as a path it would quietly
become a file under a folder named after the scheme, and two workspaces meant to share one
list would each mail every reader.  A password in the URL is refused too (`sslpassword`, the
TLS key's, as well): it comes from NEWSLETTER_DATABASE_PASSWORD or libpq's PGPASSWORD /
~/.pgpass, never from a setting.

Several hosts, as libpq takes them for a primary and its standbys
(`postgresql://news@db1:5432,db2:5432/news?target_session_attrs=read-write`, `db1,db2`,
`[::1]:5433,127.0.0.1:5434`, or `?host=db1,db2&port=5432,5433`), are read here as libpq
reads them (`PostgresUrl.hosts`), each port checked; messages name the whole list in the
URL's order (`db1:5432,db2:5432/news`), which stays the same whichever host answers.
"""

from __future__ import annotations

import ipaddress
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
# `postgresql//news@db:5432/letters`: a URL whose scheme lost its colon, its first folder a
# scheme's name and the next part a user's `@` or a port's `:`.  As a path it made a SQLite
# file `postgresql/news@db:5432/letters` (the colon is past the first `/`), and the workspace
# mailed a list of its own.  `postgresql/letters.db` stays a path.
_SCHEME_NO_COLON = re.compile(r"(?i)(postgres(?:ql)?)[/\\]+[^/\\]*[@:]")
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
class ServerAddress:
    """One host (a name, an IP address, or a Unix socket folder) and its port."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class PostgresUrl:
    """A PostgreSQL server named by a `postgresql://user@host:port/dbname?sslmode=…` URL."""

    url: str

    @property
    def hosts(self) -> tuple[ServerAddress, ...]:
        """Each host and port libpq tries, in the URL's order (localhost and 5432 by default)."""
        return _addresses(self.url)

    @property
    def servers(self) -> str:
        """Every host:port libpq tries, as messages name them (`db1:5432,db2:5432`; a Unix
        socket folder as written, `/var/run/postgresql:5432`)."""
        return ",".join(map(str, self.hosts))

    @property
    def where(self) -> str:
        """`host:port/dbname` for messages (no user, no parameters, never a password); with
        several hosts all of them, `db1:5432,db2:5432/dbname`."""
        path = _authority(self.url)[2].split("?", 1)[0].split("#", 1)[0]
        return self.servers + (path or "/")

    def may_be(self, other: PostgresUrl) -> bool:
        """Might the two name the same database: one host:port in common, the same name?"""
        same_name = self.where.rpartition("/")[2] == other.where.rpartition("/")[2]
        return same_name and bool(set(self.hosts) & set(other.hosts))


def parse_database(value: str) -> PostgresUrl | None:
    """None for a SQLite path; the URL for PostgreSQL; ValueError (why) for anything else."""
    if _CONNINFO.search(value):
        raise ValueError(
            f"{quoted(_masked(value))} is a libpq connection string, not a URL; write it as "
            "postgresql://user@host:5432/dbname (the password in NEWSLETTER_DATABASE_PASSWORD)"
        )
    match = _SCHEME.match(value)
    if match is None:
        if lost := _SCHEME_NO_COLON.match(value):
            raise ValueError(
                f"{quoted(_masked(value))} is a PostgreSQL URL without the ':' after "
                f"{quoted(lost.group(1))}, not a file path; write postgresql://user@host:5432/dbname"
            )
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
    if _holds_password(value):  # first: every later message quotes a part of the URL
        raise ValueError(
            "the URL holds a password; remove it and set NEWSLETTER_DATABASE_PASSWORD "
            "(or PGPASSWORD, or ~/.pgpass) instead"
        )
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
    _split(value)  # ValueError naming a broken `[…]` around an IPv6 host
    _addresses(value)  # each host and port as libpq reads them: ValueError naming a bad one
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


def _authority(url: str) -> tuple[str | None, str, str]:
    """The URL's `user[:password]` (None without an `@`), its hosts and ports, and the rest,
    cut as libpq cuts them: the user part ends at the first `@` before any `/` (a `?` in it
    too), the hosts at the first `/` or `?` after it."""
    rest = url.partition("//")[2]
    user_end = re.match(r"[^@/]*", rest)
    assert user_end is not None
    user = None
    if rest[user_end.end() : user_end.end() + 1] == "@":
        user, rest = rest[: user_end.end()], rest[user_end.end() + 1 :]
    end = re.match(r"[^/?]*", rest)
    assert end is not None
    return user, rest[: end.end()], rest[end.end() :]


def _addresses(url: str) -> tuple[ServerAddress, ...]:
    """The hosts and ports of a postgresql:// URL as libpq reads them: the comma-separated list
    before the path, or the `host`, `hostaddr` and `port` parameters, which override it; one
    port for all, or one per host.  ValueError names what libpq would refuse."""
    _, netloc, rest = _authority(url)
    pairs = [_host_and_port(url, item) for item in _items(netloc)]
    query = dict(urllib.parse.parse_qsl(rest.partition("?")[2], keep_blank_values=True))
    hosts = query["host"].split(",") if "host" in query else [h for h, _ in pairs]
    if "hostaddr" in query:
        numeric = query["hostaddr"].split(",")
        if hosts == [""]:
            hosts = numeric
        elif len(numeric) != len(hosts):
            raise ValueError(
                f"{quoted(_masked(url))}: {len(hosts)} host(s) but {len(numeric)} hostaddr "
                "value(s); give one hostaddr for every host"
            )
        hosts = [name or number for name, number in zip(hosts, numeric, strict=True)]
    ports = query["port"].split(",") if "port" in query else [p for _, p in pairs]
    if len(ports) == 1:
        ports *= len(hosts)
    if len(ports) != len(hosts):
        raise ValueError(
            f"{quoted(_masked(url))}: {len(ports)} ports for {len(hosts)} hosts; give one port "
            "for every host, or one for all of them"
        )
    return tuple(
        ServerAddress(_shown_host(host), _port_number(url, port))
        for host, port in zip(hosts, ports, strict=True)
    )


def _items(netloc: str) -> list[str]:
    """The comma-separated hosts (`[v6]:port` keeps its colons: a comma ends it only past `]`)."""
    return re.findall(r"(?:\[[^\]]*\]?|[^,\[])+", netloc) or [""]


def _host_and_port(url: str, item: str) -> tuple[str, str]:
    """One `host:port`, `[v6]:port`, `host` or `:port` of the list; ValueError for a broken
    `[…]`, in the words _split uses for the first host."""
    if item.startswith("["):
        host, close, port = item[1:].partition("]")
        why = "" if close else "the IPv6 address after '[' has no closing ']'"
        if close and not _is_ipv6(host):
            why = "the host between [ and ] is not an IPv6 address"
        if close and port and not port.startswith(":"):
            why = f"{quoted(port)} follows the ']' of an IPv6 address where ':port' goes"
        port = port[1:]
    else:
        host, _, port = item.partition(":")
        why = "a ']' with no '[' before it" if "]" in item else ""
        why = "a '[' in the middle of a host" if "[" in item else why
    if why:
        raise ValueError(
            f"{quoted(_masked(url))}: {why}; write an IPv6 host in brackets, "
            "e.g. postgresql://user@[::1]:5432/dbname"
        )
    return urllib.parse.unquote(host), urllib.parse.unquote(port)


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(urllib.parse.unquote(host))
    except ValueError:
        return False
    return True


def _port_number(url: str, port: str) -> int:
    """A port as libpq takes it (none: 5432); ValueError naming one that is not 1 to 65535."""
    if not port:
        return 5432
    if port.isascii() and port.isdigit() and 0 < int(port) < 65536:
        return int(port)
    raise ValueError(
        f"{quoted(_masked(url))}: its port {quoted(port)} is not a number from 1 to 65535; "
        "write postgresql://user@host:5432/dbname"
    )


def _shown_host(host: str) -> str:
    """A host as messages name it: none is localhost; a name in lower case, as DNS takes it
    (a Unix socket folder, `/…`, as written)."""
    if not host:
        return "localhost"
    return host if host.startswith("/") else host.lower()


def _holds_password(value: str) -> bool:
    """Would libpq (or urlsplit) read a password from the URL: a `:` in its user part, or a
    `password` or `sslpassword` parameter however its name is written?"""
    user = _authority(value)[0] or ""  # libpq's user part: to the first '@' before any '/'
    netloc = re.match(r"[^/?#]*", value.partition("//")[2])
    assert netloc is not None
    userinfo = netloc.group().rpartition("@")[0]  # urlsplit's: to the last '@' before '/?#'
    if ":" in user or ":" in userinfo:
        return True
    names = (item.partition("=")[0] for item in re.split(r"[?&]", value.partition("?")[2]))
    return any(_password_name(name) for name in names)


def _password_name(name: str) -> bool:
    """Is a URL parameter's name one libpq reads as a password?  libpq decodes each `%XX` of
    a name once, then looks it up exactly (`pass%77ord` is `password`); here it is decoded
    until nothing changes, stripped and lower-cased, so that no spelling near it is missed."""
    while (decoded := urllib.parse.unquote(name)) != name:
        name = decoded
    return name.strip().lower() in ("password", "sslpassword")


def _masked(value: str) -> str:
    """The value as a message may show it (through quoted, which cuts it): anything between
    the user's `:` and the last `@`, and the value of any parameter named as a password
    (`password=`, `pass%77ord=`, `sslpassword = '…'`), masked before it is cut."""
    head, at, tail = value.rpartition("@")
    # past `scheme://` (or a database's `postgresql:/`, one slash short: the user alone is
    # no secret there); `news:pw@db` has no scheme
    scheme = re.match(r"(?i)postgres[a-z0-9+.\-]*:/+", head)
    colon = re.compile(r":(?!//)").search(head, scheme.end() if scheme else 0)
    if at and colon:
        value = head[: colon.end()] + "***@" + tail
    value = re.sub(r"(?<=[?&])([^=&]*)=[^&]*", _masked_pair, value)  # a URL's, to the `&`
    # libpq's `key = value` form: a value in quotes may hold spaces, and so may one without,
    # escaped by a backslash (`password=hunter\ two` is "hunter two").
    return re.sub(
        r"([^\s=?&']+)(\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|(?:\\.|[^\s\\])*\\?)", _masked_pair, value
    )


def _masked_pair(pair: re.Match[str]) -> str:
    """`name=value` as written, or `name=***` when the name is a password's."""
    return f"{pair.group(1)}=***" if _password_name(pair.group(1)) else pair.group()
