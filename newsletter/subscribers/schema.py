"""`newsletter db upgrade`: bring the workspace's database to this version's schema.

SQLite upgrades itself on every open (database.py, under a write lock); PostgreSQL upgrades
on first use under `pg_advisory_xact_lock` (postgres_schema.py).  This runs the same steps on
purpose, so an upgrade can happen at a chosen moment, before the hosts sharing a server move
to a new version, and says what it did.  A schema newer than the code is refused either way.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings
from newsletter.errors import display_path
from newsletter.subscribers.database import MIGRATIONS, database_error, open_database


@dataclass(frozen=True, slots=True)
class SchemaUpgrade:
    """Which database was upgraded, and its schema version before and after."""

    where: str  # the file, or host:port/dbname
    backend: str  # "SQLite" or "PostgreSQL"
    before: int
    after: int


def upgrade_database(settings: Settings) -> SchemaUpgrade:
    """Run every migration the workspace's database lacks (creating it when missing)."""
    server = settings.database_server
    if server is not None:
        from newsletter.subscribers.postgres import LONG_ANSWER_SECONDS, connect_postgres
        from newsletter.subscribers.postgres_schema import upgrade_postgres

        # a migration may rightly run long on a big list (an index built): postgres.py
        with connect_postgres(server, answer_seconds=LONG_ANSWER_SECONDS) as conn:
            done = upgrade_postgres(conn, server)
        return SchemaUpgrade(server.where, "PostgreSQL", done.before, done.after)
    path = settings.database_file("db upgrade")
    before = _sqlite_version(path) if path.is_file() else 0
    open_database(path).close()  # upgrades, or refuses a newer schema in one line
    return SchemaUpgrade(display_path(path), "SQLite", before, len(MIGRATIONS))


def _sqlite_version(path: Path) -> int:
    """The schema version of an existing newsletter.db, read without writing."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise database_error(path, e, "read its schema version") from None
