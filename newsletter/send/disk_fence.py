"""Outcomes committed without waiting for the server's disk, and the fence that knows them safe.

A connection's next final `.` waits for its previous outcome's commit (outcome_committer.py).
With durable commits that wait is a flush of the server's disk, and each connection sends at
most one message per flush: on a disk that flushes in 2.4-4 ms, a fifth to two fifths of
SQLite's rate (docs/postgresql-measurements.md, "What limits it").  So the committer's connections
commit with `synchronous_commit = off` (`ASYNC`, set on those connections only: claims, leases, the
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
  gives its unsettled readers back, and before worker processes start.

**The server gone: the kept outcomes on this host's disk at once** (`KeptOutcomes.save`).
The first statement that finds the server gone (an outcome's write, the fence, a claim, the
lease's renewal) writes, before it waits a moment, every kept `sent` and `unknown` outcome,
the accepted ones of any write the server's going cut off (`unsure`: committed or not,
nobody knows) and those handed over and in no statement yet (`queued`), to this sender's
kept file (recovery.KeptFile, in the workspace:
`postgresql-send.unjournaled.kept-<pid>-<id>`): issue, address, status, Message-ID and
the stamp the journal row was written with, in a new file flushed, renamed over the old
and the folder flushed.  Later
tries write it again only when something changed.  So a kill -9 during the outage (or after
the server is back and before this sender's next fence) leaves them on disk, and the next
`send` in this workspace records them before it claims anyone (journaled_run._apply_recovery),
instead of mailing those readers again.

- **Nothing reported twice.**  A line carries the stamp of its row: the next run, finding that
  very row (status, Message-ID and stamp), counts it as recorded (the server kept it, or a
  fence recorded it again) and writes nothing; a later row for that reader (another host
  mailed it: it could only take the reader after this sender's lease ran out, seconds after
  the stamp) is said as a second copy, as for any recovery line.  One reader named by two
  lines (both files, or two saves) is one record.
- **Nothing stale.**  A fence that succeeds forgets what it covered and writes the file again
  with only what may still be missing from the server (unsure writes; and rows kept after the
  fence began if the server was found gone since), or removes it.  A run that ends cleanly
  leaves none.
- **Another host keeps off those readers.**  While the file holds rows, the lease's renewals
  keep the sender stamped with the server's run it had (sender_lease.RENEW): killed then, it
  is a sender cut off by a restart, whose readers are held for its own workspace's re-run (or
  `--take-over`), and not one killed on the present run, whose readers the others take.  The
  file is on this host: another host cannot read it.
- **The file cannot be written** (a full disk, an unwritable folder): one line on standard
  error, once an outage, names the file, the count and that a kill before the server is back
  mails them again; they stay in memory, and the sender goes on waiting.
- **The server does not come back** within the journal's patience: the run stops; the kept
  accepted outcomes are in the kept file, or, when it cannot be written, in the run's recovery
  file, whose space was reserved at the start; the sender does not give its readers back.

What it gives up: a server whose crash loses outcomes and a kill of this host before the file
is written (a few milliseconds after the first statement that finds the server gone), or on
a disk that refuses the file, mail those readers again, with the same Message-ID; an outcome
handed over after the last save is the message in flight at the kill, as before.  A server
with a synchronous standby (`synchronous_standby_names` set) keeps durable commits: a
failover must find every acknowledged outcome on the standby.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from newsletter.errors import display_path
from newsletter.send.outcome_committer import Row
from newsletter.send.recovery import KeptFile

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
ON CONFLICT (issue_id, (lower(email::text))) DO UPDATE SET
  status = excluded.status, attempts = d.attempts + excluded.attempts,
  last_error = excluded.last_error, message_id = excluded.message_id, updated = excluded.updated
WHERE (d.status, d.message_id) IS DISTINCT FROM (excluded.status, excluded.message_id)
"""

FINAL = ("sent", "unknown", "failed")  # nothing follows these for a reader within a run
ACCEPTED = ("sent", "unknown")  # what the recovery file keeps


class KeptOutcomes:
    """The outcomes committed without waiting for the disk, by the session that committed
    them, until a fence finds them safe; and, from the moment the server is found gone
    until the next fence that succeeds, the accepted ones on this host's disk, with those
    whose statement the server's going cut off (`unsure`): module doc.

    `file`: where they go (recovery.KeptFile; None: nowhere, a journal with no workspace).
    `warn`: how a file that cannot be written is said, once per outage."""

    def __init__(self, file: KeptFile | None = None, warn: Callable[[str], None] | None = None):
        self._lock = threading.Lock()  # the rows
        self._file_lock = threading.Lock()  # the file: one writer at a time
        self._rows: list[tuple[str, Row]] = []  # (session, row), in the order committed
        self._unsure: dict[int, Sequence[Row]] = {}  # statements cut off, by id, until done
        self._queued: list[Row] = []  # handed over, in no statement, when last looked at
        self._file = file
        self._warn = warn
        self._version = 0  # changes to the rows: the file is written again only after one
        self._saved = -1  # the version the file was last written from
        self._outages = 0  # saves so far: a fence clears the file only if none came since
        self._warned = False

    def add(self, session: str, rows: Sequence[Row]) -> None:
        """Rows a statement committed (on `session`): kept; no longer unsure."""
        with self._lock:
            self._rows.extend(zip(itertools.repeat(session), rows))
            self._version += 1
            if self._unsure:
                self._unsure.pop(id(rows), None)

    def unsure(self, rows: Sequence[Row]) -> None:
        """A statement writing `rows` lost the server: they may or may not be committed."""
        with self._lock:
            if id(rows) not in self._unsure:
                self._unsure[id(rows)] = rows
                self._version += 1

    def queued(self, rows: list[Row]) -> None:
        """The outcomes handed over and in no statement yet, now (the server found gone)."""
        with self._lock:
            if rows != self._queued:
                self._queued = rows
                self._version += 1

    def done(self, rows: Sequence[Row]) -> None:
        """The statement writing `rows` ended (committed: `add`; or gave up: the worker puts
        them in the run's recovery file)."""
        if self._unsure:
            with self._lock:
                if self._unsure.pop(id(rows), None) is not None:
                    self._version += 1

    def snapshot(self) -> Snapshot:
        """Every kept outcome now, by session; still kept until `settled` (the fence)."""
        with self._lock:
            by_session: dict[str, list[Row]] = {}
            for session, row in self._rows:
                by_session.setdefault(session, []).append(row)
            return Snapshot(by_session, len(self._rows), self._outages)

    def settled(self, snapshot: Snapshot) -> None:
        """The fence made the snapshot's outcomes sure: no longer kept.  The file the
        server's going made then holds only what may still be missing from the server: the
        unsure rows; and, if the server was found gone since the snapshot (it may have gone
        again after rows were committed that the fence did not cover), the rows kept since.
        Removed when that is nothing."""
        with self._lock:
            del self._rows[: snapshot.mark]
            self._queued = []  # committed since, or in a statement (unsure if cut off)
            self._version += 1
        self._warned = False  # a file that could not be written: said again next outage
        if self._file is None or not self._file.holds:
            return
        with self._file_lock:
            with self._lock:
                since = self._rows if self._outages != snapshot.outages else []
                unsure = (row for rows in self._unsure.values() for row in rows)
                rows = _lines(itertools.chain((row for _, row in since), unsure))
                version = self._version
            with contextlib.suppress(OSError):  # stale: the next run finds its rows recorded
                self._file.write(rows)
                self._saved = version

    def accepted(self) -> list[Row]:
        """The kept outcomes the relay accepted (for the recovery file)."""
        with self._lock:
            return [row for _, row in self._rows if row[2] in ACCEPTED]

    def clear(self) -> None:
        """Forget every kept outcome (saved elsewhere: the run's recovery file)."""
        with self._lock:
            self._rows.clear()
            self._version += 1

    def save(self) -> bool:
        """The server was found gone (a write, the fence or a lease renewal lost its
        connection): write the accepted kept, unsure and queued outcomes to this host's disk now,
        before any waiting, so that a kill during the outage leaves them there.  Does
        nothing when nothing changed since the last save.  False when the file holds none
        (none to hold, or it could not be written: said once, by `warn`)."""
        if self._file is None:
            return False
        with self._file_lock:
            with self._lock:
                if self._version == self._saved:
                    return self._file.holds > 0
                version = self._version
                kept = (row for _, row in self._rows)
                unsure = (row for rows in self._unsure.values() for row in rows)
                rows = _lines(itertools.chain(kept, unsure, self._queued))
            try:
                self._file.write(rows)
            except OSError as e:
                if self._warn is not None and not self._warned:
                    self._warned = True
                    self._warn(_unsaved_line(self._file.path, len(rows), e))
                return False
            self._saved = version
            if rows:
                self._outages += 1
            return bool(rows)

    def holding(self) -> bool:
        """The file holds outcomes the server may have lost: this sender's readers must not
        be taken by another host should it die now (the lease's run is held: sender_lease)."""
        return self._file is not None and self._file.holds > 0


def _lines(rows: Iterable[Row]) -> list[tuple[str, str, str, str, str]]:
    """The accepted ones as recovery lines (issue, email, status, Message-ID, stamp)."""
    return [(r[0], r[1], r[2], r[5], r[6]) for r in rows if r[2] in ACCEPTED]


class Snapshot(NamedTuple):
    by_session: dict[str, list[Row]]
    mark: int  # how many kept rows it covers (the first `mark`)
    outages: int  # KeptOutcomes._outages when it was taken


def _unsaved_line(path: Path, count: int, error: OSError) -> str:
    return (
        f"{display_path(path)}: cannot save {count} accepted message(s) whose outcome the "
        f"database server may have lost ({error.strerror or error}): if this send is killed "
        "before the server is back, those readers are mailed again; free space or fix that "
        "disk (the send goes on waiting for the server)"
    )


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
