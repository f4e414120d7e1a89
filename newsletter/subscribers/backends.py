"""The workspace's list, opened on whichever backend `database` names: SQLite or PostgreSQL.

Both give the same `SubscriberStore` (store.py), so the list's rules are written once.  A
database error in the block becomes one line naming the file or host:port/dbname.  On
PostgreSQL a first use upgrades the schema under its lock (postgres_schema.py); a command
that only reads (`create=False`) finds "no list yet" on a server newsletter has not used,
and creates nothing, as on SQLite.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from newsletter.config import Settings
from newsletter.database_url import PostgresUrl
from newsletter.errors import SubscriberError
from newsletter.subscribers.database import database_error
from newsletter.subscribers.keys import stored_key
from newsletter.subscribers.store import SubscriberStore, open_store


@contextlib.contextmanager
def workspace_store(
    settings: Settings, *, create: bool = True, doing: str = "the subscribers commands"
) -> Iterator[SubscriberStore]:
    """The list of the workspace's database, for the block; closed after it."""
    server = settings.database_server
    if server is not None:
        with _postgres_store(server, create=create) as store:
            yield store
        return
    path = settings.database_file(doing)
    with open_store(path, create=create) as store:
        try:
            yield store
        except sqlite3.Error as e:
            raise database_error(path, e) from None


def list_exists(settings: Settings) -> bool:
    """Whether the workspace's database holds a list yet (nothing is created to find out)."""
    server = settings.database_server
    if server is None:
        return settings.database_file("the subscribers commands").exists()
    import psycopg

    from newsletter.subscribers.postgres import connect_postgres, statement_error
    from newsletter.subscribers.postgres_schema import schema_version

    with connect_postgres(server) as conn:
        try:
            return schema_version(conn) > 0
        except psycopg.Error as e:
            raise statement_error(server, e) from None


def server_journal_rows(
    server: PostgresUrl, query: str, args: tuple[str, ...]
) -> list[tuple[object, ...]]:
    """The rows of a read-only query (SQLite's `?` placeholders) on the server's delivery
    journal; none while the server holds no newsletter schema (nothing is created to find out)."""
    import psycopg

    from newsletter.subscribers.postgres import (
        PostgresConnection,
        connect_postgres,
        statement_error,
    )
    from newsletter.subscribers.postgres_schema import schema_version

    with connect_postgres(server) as conn:
        try:
            if schema_version(conn) == 0:
                return []
            return list(PostgresConnection(conn, server).execute(query, args).fetchall())
        except psycopg.Error as e:
            raise statement_error(server, e) from None


def server_key(server: PostgresUrl, name: str) -> bytes:
    """The key called `name` kept on the server, made on first use (schema upgraded first)."""
    with _postgres_store(server, create=True) as store:
        return stored_key(store.conn, name)


@contextlib.contextmanager
def _postgres_store(server: PostgresUrl, *, create: bool) -> Iterator[SubscriberStore]:
    import psycopg

    from newsletter.subscribers.postgres import (
        PostgresConnection,
        connect_postgres,
        statement_error,
    )
    from newsletter.subscribers.postgres_schema import schema_version, upgrade_postgres

    conn = connect_postgres(server)
    try:
        if not create and schema_version(conn) == 0:
            raise SubscriberError(
                f"{server.where}: no list yet on this server; add subscribers first "
                "(`newsletter subscribers import list.csv`)"
            )
        upgrade_postgres(conn, server)  # each of its failures is one line already
        store = SubscriberStore(PostgresConnection(conn, server))
        try:
            yield store
        except psycopg.Error as e:
            if store.conn.in_transaction:
                with contextlib.suppress(psycopg.Error):
                    conn.rollback()
            raise statement_error(server, e) from None
    except psycopg.Error as e:  # reading the schema version
        raise statement_error(server, e) from None
    finally:
        conn.close()
