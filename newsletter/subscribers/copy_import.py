"""An import's valid rows on PostgreSQL: written a batch at a time through COPY.

csv_import.py reads, checks and rejects the rows (the same code for both backends); here
each batch of valid rows is streamed into a temporary table with COPY and handled set-wise:
duplicates within the file are found in one statement (a temporary table of the addresses
read so far, by their lower case), the addresses new to the list (active, never
unsubscribed, never forgotten: the keyed hash `forget` stores is checked in the same
statement) are added with their consent in one statement, and the rows that would change
nothing (on the list, active, no new name or field) are found in one more.  Every other row
(an unsubscribed address, a status column, a changed name or field, a forgotten address) goes
through `SubscriberStore.upsert`, so the list's rules stay written once.  The database's
forgotten-address trigger guards every row written, except the rows of the one insert that
checked the keyed hashes itself (set-wise, the same check): for that statement it passes them
(`IMPORT_CHECKED`, schema step 8), saving a trigger call per row.  Memory holds one batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from newsletter.subscribers.consent import record_consent
from newsletter.subscribers.postgres import PostgresConnection
from newsletter.subscribers.postgres_schema import IMPORT_CHECKED
from newsletter.subscribers.store import Change, Status, SubscriberStore

BATCH_ROWS = 5_000  # rows per COPY: a few MB at most
# An import adding at least this many rows refreshes the planner's statistics of the list
# before it commits: the unique address is an index on lower(email) (schema step 8), so until
# autovacuum has analysed a big new list the planner cannot tell that `email = ?` (the hash
# index) finds one row, and may combine it with the status index.
ANALYZE_AFTER = 10_000

_Row = tuple[int, str, str | None, str | None, Mapping[str, str], Status]

# A batch row written in one statement rather than through upsert: not a later duplicate in the
# file (%(dup)s lists those lines), status active, never unsubscribed, and never forgotten:
# {forgotten} is one of the two checks below.
_PLAIN = """
    b.status = 'active' AND b.line <> ALL(%(dup)s)
    AND NOT EXISTS (SELECT 1 FROM unsubscribes u WHERE u.email = b.email::citext) {forgotten}
"""
# Never forgotten, while somebody has been: the address's keyed hash, as `forget` stores it and
# the guard's trigger computes it (pgcrypto's hmac), is not among the suppressions.
_NOT_FORGOTTEN = """
    AND NOT EXISTS (SELECT 1 FROM suppressions f WHERE f.hash = encode(hmac(
        convert_to(lower(btrim(b.email)), 'UTF8'),
        (SELECT key FROM signing_keys WHERE name = 'suppression'), 'sha256'), 'hex'))
"""
# Never forgotten, while nobody has been (as the batch found before): nobody is, as the
# statement sees it (evaluated once; if somebody was forgotten meanwhile, the statement adds
# nobody and the batch's rows go through upsert).
_NOBODY_FORGOTTEN = "AND NOT EXISTS (SELECT 1 FROM suppressions)"

# New to the list: added, with the import's consent, in one statement.  ON CONFLICT DO NOTHING
# finds an address already there in the unique index the insert probes anyway; the rows
# added are marked in the batch ('added'), so the next statements pass them by.  The
# statement checks every row against the forgotten addresses itself, against its own
# snapshot, so for it alone the guard's trigger on `subscribers` and `consents` lets its rows
# pass (schema step 8): the setting is the transaction's own id, cleared right after.
_NEW_ADDRESSES = """
WITH added AS (
    INSERT INTO subscribers (email, name, first_name, fields, status, created, updated)
    SELECT b.email, b.name, b.first_name, b.fields, 'active', %(now)s, %(now)s
    FROM pg_temp.import_batch b WHERE {plain} ORDER BY b.line
    ON CONFLICT ((lower(email::text))) DO NOTHING
    RETURNING email
), consented AS (
    INSERT INTO consents (email, source, at, client, wording)
    SELECT email, 'import', %(now)s, '', '' FROM added
    ON CONFLICT ((lower(email::text))) DO UPDATE SET source = excluded.source, at = excluded.at,
        client = excluded.client, wording = excluded.wording
)
UPDATE pg_temp.import_batch b SET status = 'added' FROM added a
WHERE lower(b.email) = lower(a.email::text) AND b.line <> ALL(%(dup)s) RETURNING b.line
"""
_CHECKED = f"SELECT set_config('{IMPORT_CHECKED}', pg_current_xact_id()::text, true)"
_UNCHECKED = f"SELECT set_config('{IMPORT_CHECKED}', '', true)"

# Already on the list, active, and the row says nothing new (an empty name keeps the stored
# one, the fields are already there): upsert would change nothing, so nothing is written.
# Each row looks its address up in the list's hash index on the address alone (LATERAL …
# LIMIT 1, the address being unique): without statistics on the batch (a temporary table) or
# on a list just filled, the planner once compared every row with every active subscriber
# (7 s a batch), and once added the status index to each look-up.
_UNCHANGED = """
SELECT b.line FROM pg_temp.import_batch b
CROSS JOIN LATERAL (
    SELECT x.name, x.first_name, x.fields, x.status FROM subscribers x
    WHERE x.email = b.email::citext LIMIT 1
) x
WHERE {plain} AND x.status = 'active'
  AND (b.name = '' OR b.name = x.name) AND (b.first_name = '' OR b.first_name = x.first_name)
  AND x.fields::jsonb @> b.fields::jsonb
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
        # One batch is written (on its own thread, mostly waiting for the server) while the
        # next is read and checked; its duplicates are reported when it is collected.
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-import")
        self.writing: Future[list[tuple[int, str]]] | None = None
        self.raw.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_batch (line INTEGER NOT NULL, email TEXT"
            " NOT NULL, name TEXT, first_name TEXT, fields TEXT NOT NULL, status TEXT NOT NULL)"
        )

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
            self._collect()
            self.writing = self.writer.submit(self._flush, self.rows)
            self.rows = []

    def finish(self) -> None:
        """Write the last batch, and wait for every batch to be written."""
        self._collect()
        if self.rows:
            self._collect_from(self._flush(self.rows))
            self.rows = []
        self.writer.shutdown()
        if self.changes["added"] >= ANALYZE_AFTER:
            self.raw.execute("ANALYZE subscribers, consents")  # (a sample: well under a second)

    def abort(self) -> None:
        """Wait for the batch being written (its error dropped), before the caller rolls back:
        nothing may reach the server after the rollback."""
        self.writer.shutdown(wait=True, cancel_futures=True)

    def _collect(self) -> None:
        """Wait for the batch being written; report its duplicates (its error, raised)."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            self._collect_from(writing.result())

    def _collect_from(self, duplicates: list[tuple[int, str]]) -> None:
        for line, reason in duplicates:
            self.reject(line, reason)

    def _flush(self, rows: list[_Row]) -> list[tuple[int, str]]:
        """Write one batch; its duplicate lines and their reasons, to report."""
        self.raw.execute("TRUNCATE pg_temp.import_batch")
        with (
            self.raw.cursor() as cursor,
            cursor.copy(
                "COPY pg_temp.import_batch (line, email, name, first_name, fields, status)"
                " FROM STDIN"
            ) as copy,
        ):
            for line, email, name, first_name, fields, status in rows:
                copy.write_row((line, email, name or "", first_name or "", _json(fields), status))
        # The addresses read so far, by their lower case (citext's equality, at a text
        # index's cost): a line the insert does not take repeats an earlier one, looked up
        # for the report (LATERAL … LIMIT 1: one index probe each; a join of the batch with
        # the whole table of the addresses read so far took 32 s of a million's import).
        taken = {
            int(r[0])
            for r in self.raw.execute(
                "INSERT INTO pg_temp.import_seen (email, line) SELECT lower(email), line"
                " FROM pg_temp.import_batch ORDER BY line ON CONFLICT DO NOTHING RETURNING line"
            )
        }
        dup = [row[0] for row in rows if row[0] not in taken]
        duplicates: list[tuple[int, str]] = []
        if dup:
            for line, email, first in self.raw.execute(
                "SELECT b.line, b.email, s.line FROM pg_temp.import_batch b CROSS JOIN LATERAL"
                " (SELECT s.line FROM pg_temp.import_seen s WHERE s.email = lower(b.email)"
                " LIMIT 1) s WHERE b.line = ANY(%s) ORDER BY b.line",
                (dup,),
            ):
                duplicates.append((line, f"{email}: same address as line {first} (kept that one)"))
        forgotten = self.raw.execute("SELECT 1 FROM suppressions LIMIT 1").fetchone() is not None
        checked = _PLAIN.format(forgotten=_NOT_FORGOTTEN if forgotten else _NOBODY_FORGOTTEN)
        values = {"now": self.now, "dup": dup}
        self.raw.execute(_CHECKED)
        added = {int(r[0]) for r in self.raw.execute(_NEW_ADDRESSES.format(plain=checked), values)}
        self.raw.execute(_UNCHECKED)  # (a failed insert aborts the transaction, setting and all)
        plain = _PLAIN.format(forgotten=_NOT_FORGOTTEN if forgotten else "")
        unchanged = {int(r[0]) for r in self.raw.execute(_UNCHANGED.format(plain=plain), values)}
        self.changes["added"] += len(added)
        self.changes["unchanged"] += len(unchanged)
        done = added | unchanged | set(dup)
        for row in rows:
            if row[0] not in done:
                self._upsert(*row)
        return duplicates

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
