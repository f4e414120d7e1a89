"""A PostgreSQL database as an older newsletter left it, for the tests of an upgrade step.

`schema_at(conn, n)` runs the first N entries of POSTGRES_MIGRATIONS and records version N in
`newsletter_schema`, as that version's `db upgrade` did; the test then inserts the rows that
schema kept and runs the upgrade under test.
"""

from __future__ import annotations

from typing import Any

import psycopg

from newsletter.subscribers.postgres_schema import POSTGRES_MIGRATIONS


def schema_at(conn: psycopg.Connection[tuple[Any, ...]], n: int) -> None:
    """Bring the empty database behind CONN to schema N (call it inside a transaction)."""
    conn.execute(
        "CREATE TABLE newsletter_schema ("
        " version INTEGER NOT NULL, one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one))"
    )
    for script in POSTGRES_MIGRATIONS[:n]:
        conn.execute(script.encode())
    conn.execute("INSERT INTO newsletter_schema (version) VALUES (%s)", (n,))
