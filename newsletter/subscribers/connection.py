"""What the list's code needs of a database connection, on SQLite or PostgreSQL.

The store, keys, consent, suppression and profile code speak SQLite's SQL through
`execute` with `?` placeholders, `BEGIN IMMEDIATE` and `INSERT OR IGNORE`.  A
`sqlite3.Connection` is such a connection as it is; on PostgreSQL, `PostgresConnection`
(postgres.py) translates those three idioms and nothing else, so the list's rules (an
unsubscribe outlives `remove`, a forgotten address is never re-added) are written once
and hold on both backends.  Anything beyond the three idioms is written per backend,
chosen by `dialect(conn)`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol


class Cursor(Protocol):
    """The rows of one statement (sqlite3.Cursor and psycopg.Cursor both are one)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection in autocommit: each statement commits unless inside BEGIN … COMMIT."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    def close(self) -> None: ...


def dialect(conn: Connection) -> Literal["sqlite", "postgresql"]:
    """Which SQL the connection speaks beyond the shared idioms."""
    return "postgresql" if getattr(conn, "dialect", "sqlite") == "postgresql" else "sqlite"


def address_key(conn: Connection) -> str:
    """The unique address of `subscribers` and `consents` as an `ON CONFLICT` names it: the
    NOCASE column on SQLite, the text index on lower(email) on PostgreSQL (schema step 8)."""
    return "((lower(email::text)))" if dialect(conn) == "postgresql" else "(email)"


def delivery_key(conn: Connection) -> str:
    """The unique (issue, address) of `deliveries` as an `ON CONFLICT` names it: the NOCASE
    key on SQLite, the text index on lower(email) on PostgreSQL (schema step 12)."""
    return (
        "(issue_id, (lower(email::text)))" if dialect(conn) == "postgresql" else "(issue_id, email)"
    )


def same_address(conn: Connection, delivery: str, other: str) -> str:
    """A condition that `delivery` (a `deliveries` address column) is the address `other` (a
    column or a `?`), without regard to case, in the form the journal's key is found by: on
    PostgreSQL both lower-cased as text (schema step 12), on SQLite the NOCASE column's `=`."""
    if dialect(conn) == "postgresql":
        return f"lower({delivery}::text) = lower({other}::text)"
    return f"{delivery} = {other}"
