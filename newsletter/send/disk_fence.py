"""Outcomes committed without waiting for the server's disk, and the fence that knows them safe.

A connection's next final `.` waits for its previous outcome's commit (outcome_committer.py).
With durable commits that wait is a flush of the server's disk, and each connection sends at
most one message per flush: on a disk that flushes in 2.4-4 ms, a fifth to two fifths of
SQLite's rate (docs/postgresql.md, "What limits it").  So the committer's connections commit
with `synchronous_commit = off` (`ASYNC`, set on those connections only: claims, leases, the
end of a sender and this fence stay durable), and the sender keeps each outcome until it
knows it is on the server's disk.

**Why the promise holds.**  An acknowledged commit is in the server's memory; the server's
WAL writer writes it to disk within 3 x `wal_writer_delay` whatever the client does.  So a
sender killed -9 loses nothing the server acknowledged: at most one message per connection
is uncertain, as before.  Only the server's own crash (not a clean restart or failover
switch-over, which flush first) can lose the last fraction of a second of them.  A crash ends
every session; so:

- **The fence** (`FENCE`, one durable statement on the journal's own connection): it reads
  which of the sessions that committed the kept outcomes are still alive (`pg_stat_activity`:
  pid and start, so a new backend with an old pid is not mistaken for it) and commits
  durably (`set_config('synchronous_commit', 'on', true)`, and one WAL record, a
  transactional `pg_logical_emit_message`: a commit that wrote no WAL is never flushed),
  which puts on disk everything written before it.  An outcome whose session is still alive was
  committed on this run of the server, so it is now on disk: forgotten.  One whose session is
  gone may have been lost with a crash:
- **recorded again**, durably (`RECORD_AGAIN`), before the claim, the end or the release
  that follows, if it is final for this run (`sent`, `unknown`, `failed`: nothing follows it
  for that reader).  A row that did survive is left as it is (`… WHERE (status, message_id)
  IS DISTINCT FROM …`), so no attempt is counted twice.  A `pending` (a temporary failure,
  tried again later) is not: its reader's next outcome follows it; if it was lost, only that
  attempt's count is.
- The fence runs before every claim (a few hundred outcomes apart), before a sender ends and
  gives its unsettled readers back, and before worker processes start.  When it cannot run
  within the journal's patience (the server gone), the kept `sent` and `unknown` outcomes go
  to the recovery file like any acceptance the journal could not record, and the sender does
  not give its readers back.

What it gives up: outcomes the server acknowledged and a crash lost live only in this
sender's memory until its next fence, so a sender killed in that window (the server down,
or back and this sender not yet fenced) mails them again (an outside trial: 11 doubles over a
5 s outage against 4, one per connection, before; docs/postgresql.md).  A server with a
synchronous standby (`synchronous_standby_names` set) keeps durable commits: a failover
must find every acknowledged outcome on the standby.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

from newsletter.send.outcome_committer import Row

ASYNC = "SET synchronous_commit = off"

# This session's identity as pg_stat_activity shows it: a new backend may reuse a pid.
SESSION_ID = "pid::text || '/' || (extract(epoch FROM backend_start) * 1000000)::bigint::text"
SESSION = f"SELECT {SESSION_ID} FROM pg_stat_activity WHERE pid = pg_backend_pid()"
SYNC_STANDBY = "SELECT current_setting('synchronous_standby_names') <> ''"

# Durable whatever the database's own setting: a commit flushes only a transaction that wrote
# WAL, so it writes one record (a transactional logical message, open to every user, decoded
# by nobody); and the sessions still alive among those given.
FENCE = f"""
SELECT set_config('synchronous_commit', 'on', true),
       pg_logical_emit_message(true, 'newsletter', 'fence')::text,
       ARRAY(SELECT {SESSION_ID} FROM pg_stat_activity WHERE {SESSION_ID} = ANY(%s))
"""

# The journal's RECORD_MANY, durable, leaving alone a row that already says the same.
RECORD_AGAIN = """
WITH durable AS (SELECT set_config('synchronous_commit', 'on', true))
INSERT INTO deliveries AS d
  (issue_id, email, status, attempts, last_error, message_id, updated)
SELECT r->>0, r->>1, r->>2, (r->>3)::integer, r->>4, r->>5, r->>6
FROM durable, jsonb_array_elements(%s::jsonb) AS t(r)
ON CONFLICT (issue_id, email) DO UPDATE SET
  status = excluded.status, attempts = d.attempts + excluded.attempts,
  last_error = excluded.last_error, message_id = excluded.message_id, updated = excluded.updated
WHERE (d.status, d.message_id) IS DISTINCT FROM (excluded.status, excluded.message_id)
"""

FINAL = ("sent", "unknown", "failed")  # nothing follows these for a reader within a run
ACCEPTED = ("sent", "unknown")  # what the recovery file keeps


class KeptOutcomes:
    """The outcomes committed without waiting for the disk, by the session that committed
    them, until a fence finds them safe (module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_session: dict[str, list[Row]] = {}

    def add(self, session: str, rows: Sequence[Row]) -> None:
        with self._lock:
            self._by_session.setdefault(session, []).extend(rows)

    def take(self) -> dict[str, list[Row]]:
        """Every kept outcome, by session, no longer kept (`put_back` when the fence fails)."""
        with self._lock:
            taken, self._by_session = self._by_session, {}
        return taken

    def put_back(self, taken: dict[str, list[Row]]) -> None:
        with self._lock:
            for session, rows in taken.items():
                self._by_session[session] = rows + self._by_session.get(session, [])

    def accepted(self) -> list[Row]:
        """The kept outcomes the relay accepted (for the recovery file)."""
        with self._lock:
            return [r for rows in self._by_session.values() for r in rows if r[2] in ACCEPTED]


def to_record_again(taken: dict[str, list[Row]], alive: set[str]) -> list[Row]:
    """The final outcomes committed by sessions no longer alive: the last one per reader."""
    last: dict[tuple[str, str], Row] = {}
    for session, rows in taken.items():
        if session in alive:
            continue
        for row in rows:
            if row[2] in FINAL:
                last[(row[0], row[1].lower())] = row
    return list(last.values())


def as_json(rows: Sequence[Row]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
