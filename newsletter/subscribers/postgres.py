"""A connection to the PostgreSQL server `database = "postgresql://…"` names (psycopg 3).

The URL is handed to libpq as it is, so `sslmode`, `sslrootcert`, `connect_timeout`,
`target_session_attrs` and the other libpq parameters are honoured.  The password comes
from NEWSLETTER_DATABASE_PASSWORD, else libpq's own PGPASSWORD or ~/.pgpass; a URL holding
one is refused before we get here (database_url.py).  A login that fails becomes one line
naming host:port and what to do; libpq's message never carries the password.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

# Private psycopg names (this one and errors._WaitTimeout below): safe only under the pin in
# pyproject.toml; tests/test_psycopg_internals.py says which one a new psycopg renamed.
from psycopg.connection import _WAIT_INTERVAL
from psycopg.conninfo import conninfo_to_dict, make_conninfo, timeout_from_conninfo

from newsletter.config import DATABASE_PASSWORD_ENV
from newsletter.control_chars import shown_safely
from newsletter.database_url import PostgresUrl
from newsletter.errors import SubscriberError
from newsletter.hidden_secret import SecretForms

# Seconds a connection attempt waits for the server, unless the URL says otherwise.
CONNECT_TIMEOUT = 10
# Seconds a statement (or one chunk of a COPY) may wait for the server's answer.  libpq waits
# for ever: a server that logged us in and then answered nothing (a frozen host or virtual
# machine, a proxy holding the query, a fake server) held `db upgrade`, `send` and every
# worker thread of `serve` for ever.  Past this the connection is closed and the command
# stops in one line.  No honest statement is silent this long: every connection
# connect_postgres opens sets the server's own statement_timeout and lock_timeout below it
# (_server_limits), so a statement that is merely slow on a healthy server (waiting on a lock
# held elsewhere, a busy disk) is stopped by the server with its reason, never taken for a
# server gone silent (send's outage).  `db upgrade` and `db copy`, whose statements may
# rightly run long on a big list (an index built, a table copied), wait LONG_ANSWER_SECONDS
# (their first statement waits ANSWER_SECONDS: a server silent from the start is found).
ANSWER_SECONDS = 120.0
LONG_ANSWER_SECONDS = 3600.0
LOCK_WAIT_MS = 60_000  # the most any statement waits for a lock (a migration queued behind
# it would hold up every other session's statements as long)
SERVER_SHARE = 0.75  # of the answer limit, the server's statement_timeout (the rest: the way)
SERVER_WORDS = 200  # characters of a server's message an error line quotes

_PASSWORD_HINT = (
    f"check {DATABASE_PASSWORD_ENV} (or PGPASSWORD, or ~/.pgpass) and the user in the URL"
)
# target_session_attrs=read-write (or primary) and no host that is: each a standby, or down.
_NO_PRIMARY = (
    "no host named is a writable primary (target_session_attrs): a failover under way? "
    "promote the standby, or add the new primary's host to the URL"
)
# Words of a refused login that mean the server has no connection slot left for us (53300:
# "too many clients already", "too many connections for role …", "remaining connection slots
# are reserved …"): another client's connection given back will do.
NO_SLOT = ("too many", "connection slots")


# libpq's messages, by what they mean for the editor: (words in the message, what to do).
_CAUSES: tuple[tuple[str, str], ...] = (
    (NO_SLOT[0], "the server has no connection slot left for this user or database "
     "(max_connections, or a CONNECTION LIMIT); wait for other sessions to end, or ask its "
     "administrator"),
    (NO_SLOT[1], "the server has no connection slot left (its remaining ones are "
     "reserved); wait for other sessions to end, or ask its administrator"),
    ("password authentication failed", "the server refused the login (wrong password or user); "
     + _PASSWORD_HINT),
    ("no password supplied", f"the server wants a password; set {DATABASE_PASSWORD_ENV} (or "
     "PGPASSWORD, or a ~/.pgpass line for this host, port, database and user: libpq skips "
     "that file unless only you may read it, chmod 600)"),
    ("requested a cleartext password", "it asked for the password in clear text, which is never "
     "sent unless the URL allows it: if the server is yours and uses the `password` method, "
     "add require_auth=password to the URL (better: scram-sha-256 in its pg_hba.conf)"),
    ("session is read-only", _NO_PRIMARY),
    ("hot standby mode", _NO_PRIMARY),
    ("connection refused", "nothing answers there; is PostgreSQL running, on that host and port?"),
    ("timeout expired", "no answer within {seconds} s; is the host right and reachable (or a "
     "firewall dropping the connection)?"),
    ("not permitted to log in", "the role may not log in; ask for ALTER ROLE … LOGIN"),
    ('database "" does not exist', "create it first (createdb), or fix the URL's database name"),
    ('role "" does not exist', "fix the URL's user, or create the role (CREATE ROLE … LOGIN)"),
    ("no pg_hba.conf entry", "the server's pg_hba.conf refuses this user from this host; "
     "ask its administrator, or try sslmode=require"),
    ("pg_hba.conf rejects", "the server's pg_hba.conf rejects this user from this host; "
     "ask its administrator"),
    ("could not translate host name", "no such host; fix the host in the URL"),
    ("ssl", "the TLS connection failed; check sslmode and sslrootcert in the URL"),
)  # fmt: skip


# What the server says of a login that waiting does not mend: the password, the role, the
# database, pg_hba.conf.  Each of these words is in _CAUSES above.
_REFUSALS = (
    "password authentication failed",
    "no password supplied",
    "requested a cleartext password",
    "not permitted to log in",
    'database "" does not exist',
    'role "" does not exist',
    "no pg_hba.conf entry",
    "pg_hba.conf rejects",
)


class LoginRefused(SubscriberError):
    """The server (every host named) answered and refused the login: a wrong password, a
    role that may not log in, no such database or user, pg_hba.conf.  Unlike a server gone
    or starting up, trying again with the same settings cannot mend it: a send that loses
    its connection and meets this on reconnecting stops at once (shared_journal.py)."""


class NoSlotLeft(SubscriberError):
    """The server (every host named) answered that it has no connection slot left for us:
    serve waits for another call's connection instead of answering 503 (serve/server_link.py)."""


class _AnsweringConnection(psycopg.Connection[tuple[Any, ...]]):
    """A psycopg connection that waits at most `answer_seconds` for each answer, then closes."""

    answer_seconds: float = ANSWER_SECONDS

    def wait(self, gen: Any, interval: float = _WAIT_INTERVAL, timeout: float | None = None) -> Any:
        limit = self.answer_seconds if timeout is None else min(timeout, self.answer_seconds)
        try:
            return super().wait(gen, interval, limit)
        except psycopg.errors._WaitTimeout:  # psycopg's own, raised only for `limit`
            self.pgconn.finish()  # mid-statement: the connection cannot be used again
            raise psycopg.OperationalError(f"{NO_ANSWER} in {limit:g} s") from None


NO_ANSWER = "the server sent no answer"


def connect_postgres(
    server: PostgresUrl, *, answer_seconds: float | None = None
) -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit connection to the server, or one SubscriberError line saying why not.

    Each statement waits at most `answer_seconds` (ANSWER_SECONDS) for the server's answer."""
    options: dict[str, str | int] = {"application_name": "newsletter"}
    try:
        given = conninfo_to_dict(server.url)
    except (psycopg.ProgrammingError, UnicodeDecodeError) as e:  # %FF: bytes, not UTF-8
        raise SubscriberError(
            f"{server.where}: database: libpq cannot read the URL ({server_words(e)}); "
            "fix the `database` setting (or NEWSLETTER_DATABASE_URL, which overrides it)"
        ) from None
    if "connect_timeout" not in given:
        options["connect_timeout"] = CONNECT_TIMEOUT
    if "require_auth" not in given and not os.environ.get("PGREQUIREAUTH"):
        # Never the password in clear text, unless the URL allows it (require_auth=password):
        # libpq sends it so to any server that asks, a fake one on the way included.
        options["require_auth"] = "!password"
    password = os.environ.get(DATABASE_PASSWORD_ENV)
    if password and any(0xD800 <= ord(c) <= 0xDFFF for c in password):
        raise SubscriberError(  # libpq reads UTF-8 only: it was a UnicodeEncodeError traceback
            f"{server.where}: {DATABASE_PASSWORD_ENV} holds bytes that are not UTF-8 (typed in "
            "another encoding?), which libpq cannot send; set it again in UTF-8"
        )
    if password:
        options["password"] = password
    try:
        conn = _AnsweringConnection.connect(make_conninfo(server.url, **options), autocommit=True)
    except psycopg.Error as e:
        raise connection_error(server, e) from None
    wait = ANSWER_SECONDS if answer_seconds is None else answer_seconds
    # The first statement waits the usual limit at most, even for a long one: a server that
    # logs in and answers nothing is found at once.
    conn.answer_seconds = min(wait, ANSWER_SECONDS)
    try:
        _server_limits(conn, wait)
    except psycopg.errors.QueryCanceled:
        pass  # a statement_timeout set so low it stopped this one: lower than ours, so kept
    except psycopg.Error as e:
        conn.close()
        raise statement_error(server, e) from None
    conn.answer_seconds = wait
    return conn


# The server's limits, lowered to ours where they are unset (0) or higher; a lower one (set
# for the role or the database by its administrator) is kept.  One round trip.
_LIMITS = """
SELECT set_config(s.name, v.ms::text, false)
  FROM pg_settings s JOIN (VALUES ('statement_timeout', %s), ('lock_timeout', %s)) v (name, ms)
       USING (name)
 WHERE s.setting::bigint = 0 OR s.setting::bigint > v.ms
"""


def _server_limits(conn: _AnsweringConnection, answer_seconds: float) -> None:
    """statement_timeout and lock_timeout below the connection's answer limit, so that a
    statement slow on a healthy server ends in the server's own error (57014 or 55P03),
    which each command reports as that, before the answer limit would close the connection."""
    statement_ms = int(answer_seconds * 1000 * SERVER_SHARE)
    # A lock waited for past lock_timeout is named as that (55P03): below statement_timeout.
    conn.execute(_LIMITS, (statement_ms, min(LOCK_WAIT_MS, statement_ms * 2 // 3)))


def connection_error(server: PostgresUrl, error: BaseException) -> SubscriberError:
    """One line for a server that could not be reached or refused us: host:port and the fix.

    Several hosts tried (a multi-host URL): what to do about each different thing they said,
    in the order tried (a host that timed out and one that refused need two fixes)."""
    text = server_words(error)
    hints: list[str] = []
    # Read as the server said it, not as shown: a role or database name holding part of the
    # password (`capped` of `capped pw`) hides the shown words whole, and the hint, whether
    # the login was refused and whether a slot was missing are still what the server meant.
    # And without the names it quotes: a database `ssl_letters` out of slots was given the
    # TLS hint, a role named `does not exist` out of slots was a refused login (no wait).
    said_by_each = [
        _unquoted(said).lower()
        for said in _attempts(str(error)) or [server_words(error, hidden=False)]
    ]
    for said in said_by_each:
        for hint in _left_to_libpq(server, said) or (_hint(said, _connect_seconds(server)),):
            if hint not in hints:
                hints.append(hint)
    refused = all(any(w in said for w in _REFUSALS) for said in said_by_each)
    no_slot = all(any(w in said for w in NO_SLOT) for said in said_by_each)
    kind = LoginRefused if refused else NoSlotLeft if no_slot else SubscriberError
    return kind(f"{server.where}: cannot connect ({text}); {'; '.join(hints)}")


# A name PostgreSQL or libpq quotes in its words (a role, a database, a host, a file): from
# the line's first `"` to its last, as a name may hold a `"` of its own.
_QUOTED = re.compile(r'"[^\n]*"')


def _unquoted(said: str) -> str:
    """`said` with every quoted name emptied (`database "" does not exist`): the words that
    say what happened are PostgreSQL's, never a name's, which an editor or an attacker
    chose (`CREATE DATABASE "ssl_letters"`, a role named `password authentication failed`)."""
    return _QUOTED.sub('""', said)


# What libpq does with a part the URL leaves out (and its environment does not give), when
# what the server said comes of it: the URL's keys, the variable that would give it, the
# server's words that show it, and what to write.
_UNNAMED: tuple[tuple[tuple[str, ...], str, tuple[str, ...], str], ...] = (
    (("user",), "PGUSER", ("password authentication failed", "no password supplied", "role \""),
     "the URL names no user, so libpq logged in as this system's user: write the user before "
     "an '@' (postgresql://user@host:5432/dbname)"),
    (("dbname",), "PGDATABASE", ('database "',),
     "the URL names no database, so libpq took the user's name for it: write the database "
     "after the port (postgresql://user@host:5432/dbname)"),
    (("host", "hostaddr"), "PGHOST", ("no such file or directory",),
     "the URL names no host, so libpq looked for a server's Unix socket on this machine and "
     "found none: write the host (postgresql://user@127.0.0.1:5432/dbname)"),
)  # fmt: skip


def _left_to_libpq(server: PostgresUrl, said: str) -> tuple[str, ...]:
    """The hints for a login that failed because the URL left out its user, database or host
    (libpq then takes this system's user, the user's name, a Unix socket); none otherwise.
    The server's words name only what libpq took (`user "root"`, `database "news"`), and the
    usual hint said to fix the URL's user or database name, or to create the database, when
    the URL had none.  A user left out keeps the usual hint too (the password may be wrong
    as well, or unset)."""
    try:
        given = conninfo_to_dict(server.url)
    except psycopg.ProgrammingError:
        return ()
    for keys, variable, words, hint in _UNNAMED:
        if any(k in given for k in keys) or os.environ.get(variable):
            continue
        if not any(w in said for w in words) or (keys == ("dbname",) and "exist" not in said):
            continue
        return (hint, _hint(said, CONNECT_TIMEOUT)) if keys == ("user",) else (hint,)
    return ()


def _hint(said: str, seconds: int) -> str:
    """What to do about what libpq said of one host (lower-cased)."""
    for words, hint in _CAUSES:
        if words in said:
            return hint.format(seconds=seconds)
    return "check the `database` setting (or NEWSLETTER_DATABASE_URL) and the server"


def _connect_seconds(server: PostgresUrl) -> int:
    """How long each host was waited for: the URL's connect_timeout (psycopg's floor of 2 s,
    libpq's 0 for none becoming psycopg's default), else CONNECT_TIMEOUT."""
    try:
        given = conninfo_to_dict(server.url)
    except psycopg.ProgrammingError:
        return CONNECT_TIMEOUT
    if "connect_timeout" not in given:
        return CONNECT_TIMEOUT
    return timeout_from_conninfo(given)


def server_words(error: BaseException, *, hidden: bool = True) -> str:
    """What a database server or libpq said, for an error line: its first line, without libpq's
    `connection to server at "…" failed:` preamble, spaces folded, control characters
    escaped (`\\x1b`), at most SERVER_WORDS characters,
    and the password hidden: a server that asks for it in clear text (the `password` method,
    or one pretending) may quote it back when it refuses the login, and the line showed it.
    Several hosts tried (a multi-host URL): each one's `host:port: words`, in the order tried."""
    tried = _attempts(str(error))
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = "; ".join(tried) if tried else lines[0] if lines else type(error).__name__
    if text.startswith("connection") and '" failed: ' in text:
        text = text.split('" failed: ', 1)[1]
    elif text.startswith("connection"):  # psycopg 3.3: `… at "host", port N failed: `
        text = _PREAMBLE.sub("", text, count=1)
    for variable in (DATABASE_PASSWORD_ENV, "PGPASSWORD") if hidden else ():
        text = SecretForms.of(os.environ.get(variable)).hide(text)
    # Escaped as every error line is: serve logs these words, and a server's ESC and BEL
    # (a terminal title, a screen clear) reached whoever tails the log.
    return shown_safely(text, SERVER_WORDS * (2 if tried else 1))


# psycopg's lines for each host of a multi-host URL it tried (connection.py, `conn_errors`).
_ATTEMPT = re.compile(r"- host: '?(.*?)'?, port: '?(.*?)'?, hostaddr: (?:'.*?'|None): (.*)")
_PREAMBLE = re.compile(
    r'(?:connection failed: )?connection to server (?:at|on socket) ".*?"(?:, port \d+)? failed: '
)


def _attempts(text: str) -> list[str]:
    """`host:port: what libpq said` for each host psycopg tried, when it tried several."""
    if "Multiple connection attempts failed" not in text:
        return []
    tried = []
    for line in text.splitlines():
        if attempt := _ATTEMPT.fullmatch(line.strip()):
            host, port, said = attempt.groups()
            where = f"[{host}]" if ":" in host else host
            words = _PREAMBLE.sub("", said, count=1)
            tried.append(f"{where}:{port}: {words}" if port != "None" else f"{where}: {words}")
    return tried


class PostgresConnection:
    """A psycopg connection speaking the list code's SQLite idioms (connection.py).

    `?` becomes `%s` (a literal `%` is doubled first), `BEGIN IMMEDIATE` becomes `BEGIN`
    and `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING`; every other
    statement goes to the server as written.
    """

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], server: PostgresUrl) -> None:
        self.raw = conn
        self.server = server

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(
        self, sql: str, parameters: Sequence[Any] = (), /
    ) -> psycopg.Cursor[tuple[Any, ...]]:
        return self.raw.execute(translate(sql), tuple(parameters))

    def close(self) -> None:
        self.raw.close()

    def copy_out(self, query: str, columns: int) -> Iterator[tuple[str, ...]]:
        """The rows of `query` (text columns) through `COPY (…) TO STDOUT`, as they arrive."""
        with self.raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
            copy.set_types(["text"] * columns)
            for row in copy.rows():
                yield tuple(row)


@functools.lru_cache(maxsize=256)
def translate(sql: str) -> str:
    """One statement in SQLite's idioms as PostgreSQL writes it (see PostgresConnection)."""
    text = sql.strip().rstrip(";")
    if text.upper() == "BEGIN IMMEDIATE":
        return "BEGIN"
    text = text.replace("%", "%%").replace("?", "%s")
    ignore = re.match(r"(?is)INSERT\s+OR\s+IGNORE\s+INTO\s+(.*)", text)
    if ignore:
        text = f"INSERT INTO {ignore.group(1)} ON CONFLICT DO NOTHING"
    return text


_READ_ONLY = (
    "the server is a read-only standby (after a failover?); point the URL at the "
    "primary, or add target_session_attrs=read-write"
)
_TIMEOUT = (
    "the server's statement_timeout stopped it (the user's own, or newsletter's, three "
    "quarters of its wait for an answer); try again when the server is less busy, or raise "
    "the user's if it is lower"
)
_DISK_FULL = "the server's disk is full; free space there, then run the command again"
_SILENT = (
    "the server (or the network to it) stopped answering and the connection was closed; "
    "check the server, then run the command again"
)
_CLOSED = "the server closed the connection (restarted?); run the command again"
_CANCELLED = (
    "the server cancelled it (another session's pg_cancel_backend, or a statement_timeout "
    "that ran out as the statement before it ended: PostgreSQL words that so); run the "
    "command again"
)
# What a failed statement means for the editor, by its SQLSTATE first (a trigger or an
# extension may word a full disk its own way), then by words in libpq's message (a
# connection lost has no SQLSTATE).
_STATEMENT_STATES: dict[str, str] = {
    "25006": _READ_ONLY,  # read_only_sql_transaction
    "53100": _DISK_FULL,  # disk_full
    "57P01": _CLOSED,  # admin_shutdown
    "57P02": _CLOSED,  # crash_shutdown
    "57P03": _CLOSED,  # cannot_connect_now
    "55P03": "another session held a lock past lock_timeout; run the command again, or find "
    "what holds it (pg_stat_activity)",  # lock_not_available
}
_STATEMENT_CAUSES: tuple[tuple[str, str], ...] = (
    ("read-only", _READ_ONLY),
    ("statement timeout", _TIMEOUT),
    ("due to user request", _CANCELLED),
    ("no space left", _DISK_FULL),
    ("could not extend", _DISK_FULL),
    ("terminating connection", _CLOSED),
    ("server closed the connection", _CLOSED),
    (NO_ANSWER, _SILENT),
)


def statement_error(server: PostgresUrl, error: BaseException) -> SubscriberError:
    """One line for a statement the server refused mid-command: host:port, cause, what to do.

    An error the server classed (its SQLSTATE) is read by that class alone, never by its
    words, which a trigger, an extension or a fake server words as it likes: a `42P01`
    worded `cannot execute INSERT in a read-only transaction` was told to point the URL at
    the primary.  A cancel (57014) is a timeout or not by its words, as PostgreSQL words
    both so; libpq's own errors (a connection lost, no answer) have no SQLSTATE and only
    words."""
    text = server_words(error)
    state = getattr(error, "sqlstate", None) or ""
    hint = _STATEMENT_STATES.get(state)
    if state == "57014":  # query_canceled: a statement_timeout, or a cancel
        said = server_words(error, hidden=False).lower()
        hint = _TIMEOUT if "statement timeout" in said else _CANCELLED
    elif state.startswith("57P") or state == "25P03":  # the session ended: an idle timeout,
        hint = hint or _CLOSED  # its database dropped, the server shutting down
    for words, said in _STATEMENT_CAUSES if not state else ():
        if hint is None and words in text.lower():
            hint = said
    if hint is not None:
        return SubscriberError(f"{server.where}: {text}; {hint}")
    return SubscriberError(f"{server.where}: the database refused it ({text})")
