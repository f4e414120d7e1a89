"""An import's valid rows on PostgreSQL: written a batch at a time through COPY.

csv_import.py reads, checks and rejects the rows (the same code for both backends); here
each batch of valid rows is streamed into a temporary table with COPY, the addresses
already read are found in one statement, and the addresses new to the list, active, never
unsubscribed (while nobody has been forgotten) are added with their consent in one
statement.  Every other row (an address on the list, an unsubscribed one, a status column
saying otherwise) goes through `SubscriberStore.upsert`, so the list's rules stay written
once.  Memory holds one batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from newsletter.subscribers.consent import record_consent
from newsletter.subscribers.postgres import PostgresConnection
from newsletter.subscribers.store import Change, Status, SubscriberStore

BATCH_ROWS = 5_000  # rows per COPY: a few MB at most

_Row = tuple[int, str, str | None, str | None, Mapping[str, str], Status]

_NEW_ADDRESSES = """
WITH fast AS (
    SELECT b.line, b.email, b.name, b.first_name, b.fields
    FROM pg_temp.import_batch b
    JOIN pg_temp.import_seen s ON s.email = b.email AND s.line = b.line
    WHERE b.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM subscribers x WHERE x.email = b.email)
      AND NOT EXISTS (SELECT 1 FROM unsubscribes u WHERE u.email = b.email)
), added AS (
    INSERT INTO subscribers (email, name, first_name, fields, status, created, updated)
    SELECT email, name, first_name, fields, 'active', %(now)s, %(now)s FROM fast ORDER BY line
    RETURNING email
), consented AS (
    INSERT INTO consents (email, source, at, client, wording)
    SELECT email, 'import', %(now)s, '', '' FROM added
    ON CONFLICT (email) DO UPDATE SET source = excluded.source, at = excluded.at,
        client = excluded.client, wording = excluded.wording
)
SELECT line FROM fast
"""


class CopyImport:
    """The writing half of one import on PostgreSQL (see the module's docstring)."""

    def __init__(
        self,
        store: SubscriberStore,
        *,
        resubscribe: bool,
        now: str,
        reject: Callable[[int, str], None],
        changes: dict[Change, int],
    ) -> None:
        assert isinstance(store.conn, PostgresConnection)
        self.store, self.raw = store, store.conn.raw
        self.resubscribe, self.now, self.reject, self.changes = resubscribe, now, reject, changes
        self.rows: list[_Row] = []
        self.raw.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_batch (line INTEGER NOT NULL, email CITEXT"
            " NOT NULL, name TEXT, first_name TEXT, fields TEXT NOT NULL, status TEXT NOT NULL)"
        )
        # A forgotten address must meet upsert's check: no shortcut once anyone was forgotten.
        self.fast = self.raw.execute("SELECT 1 FROM suppressions LIMIT 1").fetchone() is None

    def add(
        self,
        line: int,
        email: str,
        name: str | None,
        first_name: str | None,
        fields: Mapping[str, str],
        status: Status,
    ) -> None:
        """One valid row; written when the batch is full (or at `finish`)."""
        self.rows.append((line, email, name, first_name, fields, status))
        if len(self.rows) >= BATCH_ROWS:
            self._flush()

    def finish(self) -> None:
        """Write the last batch."""
        if self.rows:
            self._flush()

    def _flush(self) -> None:
        self.raw.execute("TRUNCATE pg_temp.import_batch")
        with (
            self.raw.cursor() as cursor,
            cursor.copy(
                "COPY pg_temp.import_batch (line, email, name, first_name, fields, status)"
                " FROM STDIN"
            ) as copy,
        ):
            for line, email, name, first_name, fields, status in self.rows:
                copy.write_row((line, email, name or "", first_name or "", _json(fields), status))
        self.raw.execute(
            "INSERT INTO pg_temp.import_seen (email, line) SELECT email, line"
            " FROM pg_temp.import_batch ORDER BY line ON CONFLICT DO NOTHING"
        )
        for line, email, first in self.raw.execute(
            "SELECT b.line, b.email::text, s.line FROM pg_temp.import_batch b"
            " JOIN pg_temp.import_seen s ON s.email = b.email WHERE s.line <> b.line"
            " ORDER BY b.line"
        ):
            self.reject(line, f"{email}: same address as line {first} (kept that one)")
        done = self._add_new_addresses() | self._duplicate_lines()
        for row in self.rows:
            if row[0] not in done:
                self._upsert(*row)
        self.rows = []

    def _add_new_addresses(self) -> set[int]:
        if not self.fast:
            return set()
        lines = {int(r[0]) for r in self.raw.execute(_NEW_ADDRESSES, {"now": self.now})}
        self.changes["added"] += len(lines)
        return lines

    def _duplicate_lines(self) -> set[int]:
        rows: Any = self.raw.execute(
            "SELECT b.line FROM pg_temp.import_batch b JOIN pg_temp.import_seen s"
            " ON s.email = b.email WHERE s.line <> b.line"
        )
        return {int(r[0]) for r in rows}

    def _upsert(
        self,
        line: int,
        email: str,
        name: str | None,
        first_name: str | None,
        fields: Mapping[str, str],
        status: Status,
    ) -> None:
        change = self.store.upsert(
            email,
            name,
            fields,
            status=status,
            resubscribe=self.resubscribe,
            now=self.now,
            first_name=first_name,
        )
        self.changes[change] += 1
        if change in ("added", "resubscribed"):
            record_consent(self.store.conn, email, "import", now=self.now)


def _json(fields: Mapping[str, str]) -> str:
    """The fields as the store writes them (store._json)."""
    return json.dumps(dict(fields), ensure_ascii=False, sort_keys=True)
