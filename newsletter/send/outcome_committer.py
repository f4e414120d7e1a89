"""The outcomes of one sender process, written to PostgreSQL by one thread in few commits.

On SQLite each outcome is committed in the process (WAL, synchronous=NORMAL) before the
worker takes its next reader.  On PostgreSQL the same rule cost a round trip, a parse, an
execute and a commit on the server per message, on the same cores as the sender and the
relay: a send ran at 35-45% of SQLite's rate (docs/postgresql-measurements.md).  So here a worker
hands its outcome to this committer (`add`) and goes on; the committer writes everything queued
in one statement (`INSERT … SELECT FROM jsonb_array_elements(…) ON CONFLICT … DO UPDATE`)
and one commit, then wakes whoever waits (the workers waiting for commits and the writers
waiting for rows wait on two conditions of one lock, so an outcome handed over wakes one
writer, not all).

**Gathering.**  A statement begins when a worker waits for one of the queued outcomes (at
its next final `.`), when the committer closes, or `LINGER` (5 ms) after the oldest was
queued, never at each outcome handed over: the outcomes the other workers hand over
meanwhile go in the same statement and commit.  Writing each outcome as it came (a writer
thread per outcome, up to eight) made one commit per message, and the server's commit is
most of its CPU per message (docs/postgresql-measurements.md, "Where the time goes"): with two
connections per process, 955 commits per 1,000 messages before, 600 after, and the
server's and the sender's CPU a message 20% lower.  The wait at the final `.` is the same
one, so the promise below is unchanged; what grows is how long an outcome may wait before
its commit while its worker does something else, bounded by LINGER.

**What a worker waits for, and why that keeps the promise.**  The promise is that only
messages in flight at a kill can go out twice: at most one per connection.  A worker waits
(`wait`) for its previous outcome's commit *just before it writes its next message's final
`.`* (workers.py, at the `at_end` hook), and again before its connection ends.  The wait
overlaps the next message's envelope and body.  Killed -9 at any moment, each worker
(each connection: a worker has one at a time) leaves at most one message whose outcome is
not in the journal:

- either its previous outcome is not committed yet: then its next message has not reached
  its final `.`, so the relay cannot have it; only the previous one is uncertain;
- or its previous outcome is committed: then only the message now in flight is uncertain.

A re-run sends the uncertain one again with the same Message-ID, as before this
committer.  "Committed" is the server's acknowledgement: the writer connections do not wait
for the server's disk, and disk_fence.py keeps each outcome until it knows it on disk, so that
a crash of the server (not of the sender) cannot lose one.  Committing before taking the
next reader (the old rule) is stronger than needed: the relay cannot take a message before
its final `.`.

**Ahead: the commit beside the next message.**  Waited for at the final `.`, a statement
begun only then put its whole round trip (the server woken, its work, the sender woken) on
every message's path: a worker spent 1.8-1.9 ms of each message there (20,000 readers, load
7).  So a worker, as soon as it has taken its next reader, sends the statement writing its
queued outcome (and a partner's held one, below) on a free writer connection (`ahead`) and
goes on to compose and send that reader's message; at its `wait` (the final `.`) it reads
the answer (1.0-1.4 ms then, the rate 10-20% higher in the same minutes).  Nothing changes
for the promise: the answer is read, and the rows known committed, before the final `.` of
the next message, as before.  The statement's number is taken when it is sent, after the
reader was given out, so it serves that message's fence.  A statement that could not be
sent, or whose answer is an error, is written again the patient way (below); one still
unread when the committer closes is read then.

**Pairs: two outcomes to a statement sent ahead.**  Each outcome its own statement doubled
the server's statements a message (999 per 1,000 messages, where the wait at the `.` had
gathered two workers' outcomes into 580): its CPU a message rose from 0.11-0.12 to 0.21 ms,
most of what PostgreSQL adds on two shared cores.  So a worker whose outcome would go alone
holds it (`ahead` sends nothing) when another worker sent ahead within PARTNER but not within
SOONEST: that worker's next outcome comes before this one's final `.`, and its `ahead` sends
both in one statement.  The answer is read by whichever of the two waits first (`_read_here`:
a statement sent ahead is read at the `wait` of any worker whose outcome it holds; the other
waits for that reading).  A held outcome that no partner took by its worker's final `.` is
written there, as before the statement sent ahead (the round trip on the path, about one
message in six in a send from two processes of two connections), or after LINGER by a writer
thread.  Only for a near server (NEAR: the shortest round trip a writer connection took as
it opened): through 2 ms each way the pair's answer came after the held worker's final `.`
and cost a third of the rate.  The promise is unchanged: a worker's final `.` still waits
for its previous outcome's commit, whoever sent or read the statement.

**The fence: a lease the server saw run out.**  A sender judges its lease by its own
monotonic clock, the server by its wall clock (`lease_until < now()`).  When the server's
clock steps forward, or the whole machine is paused and resumed (the monotonic clock stood
still), the server sees the lease run out and another sender takes the claimed readers,
while this sender thinks its batch fresh (17 doubles in a judged send,
docs/postgresql-measurements.md).
So every statement of the committer also reads, on the server's clock and in the same
statement (`WITH written AS (INSERT …) SELECT EXISTS (… lease_until > now())`), whether this
sender's lease is live: no round trip more.  The wait before a final `.` is given a mark
taken as the message's reader was given out (`mark`, `wait(…, since=)`) and returns only
once a statement *begun after that mark* found the lease live.  Usually that is the one
writing the worker's previous outcome, or another worker's; when nothing queued would begin
one (a worker's first message of a round, after an idle spell), the wait asks for a check
of the lease alone, written with whatever is queued by then (about 1 in 200 messages in a
send of 1,000: tests/test_send_postgres_commits.py).  When the lease ran out the outcomes are
written all the same (they are true), `lost` is set for good (the lease's heartbeat renews
only a live lease, sender_lease.py, and sets it too) and every such wait raises LeaseLost:
the worker drops its message unsent (its reader stays unsettled, for the others) and the run
stops with one line.  So after a takeover a sender delivers no message whose final `.` comes
after the server saw its lease run out, but one per connection already past its check: the
message truly in flight.

**Failures.**  The committer writes with the journal's patience: a lost connection (the
server restarting, a failover) is opened again and the statement run again.  A write that
cannot be made within the patience, or that the server refuses, ends the committer: every
waiting worker, and every later `add` or `wait`, raises that JournalWriteError, one line.
A worker that gets it before a final `.` drops the message unsent: nothing goes out
without a way to record it.  What the relay accepted and the journal did not record goes
to the recovery file (workers.py), as on a full disk.

Rows of one address (a `pending` then its retry's `sent`) are written in the order given;
a statement never holds one address twice (ON CONFLICT cannot update a row twice), so a
batch is cut where an address repeats.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence

from newsletter.send.journal import JournalWriteError, LeaseLost
from newsletter.subscribers.postgres_schema import not_forgotten

Row = tuple[str, str, str, int, str, str, str]  # issue, email, status, attempts, error, id, at
# A statement sent ahead: its writer connection, number, rows, and the function reading it.
_Pending = tuple[int, int, list[tuple[int, Row]], Callable[[], bool]]
# rows (none: the lease only), writer -> is the lease live on the server: one statement, one
# commit
WriteRows = Callable[[Sequence[Row], int], bool]
# the same statement sent now; the function returned reads its answer (module doc, "Ahead")
SendRows = Callable[[Sequence[Row], int], Callable[[], bool]]

MOST_WRITERS = 8  # connections writing side by side, at most (threads and waiting workers)
MOST_THREADS = 2  # of which writer threads (for outcomes nobody waits for yet: LINGER)

CLOSE_WAIT = 5.0  # seconds close() gives the queue to be written

# Seconds since another worker last sent ahead within which a worker's outcome alone is held
# for that worker's next one (module doc, "Pairs"): longer than a message's cycle on a
# connection (2-5 ms), shorter than an idle worker's spell (a retry's wait, a claim).
PARTNER = 0.02
# ... and that was at least this long ago: a partner that sent just before this worker sends
# again just before this worker's final `.`, too late for the pair's answer to come first.
SOONEST = 0.0005
# Held only for a server whose round trip is under this (the shortest seen on the writer
# connections as each opened: `near`): through 2 ms each way, pairs cost a third of the rate
# (313/s against 459/s), the pair's answer coming after the held worker's final `.`.
NEAR = 0.002

# Seconds a queued outcome waits for a worker to need it (its next final `.`) before it is
# written anyway: the longest a delivered message's outcome stays uncommitted while its
# worker does something else (waits for a retry, a claim, the next round).
LINGER = 0.005

# The journal's RECORD (journal.py) for many rows at once: the rows as one JSON array of
# arrays, one parameter, so that one prepared statement serves every batch size.  Seven text
# arrays were dumped by psycopg element by element in Python (a fifth of the time a sender's
# journal cost it, py-spy); json.dumps is C, and the server reads the parameter once as jsonb
# (`->>` of an element by position costs nothing more).  The rows stay in the order given.
# Both statements check the forgotten addresses themselves and so pass the journal's trigger
# (schema step 11, postgres_schema.not_forgotten): a third of the insert's cost on the server.
_UPSERT = """
ON CONFLICT (issue_id, (lower(email::text))) DO UPDATE SET
  status = excluded.status, attempts = d.attempts + excluded.attempts,
  last_error = excluded.last_error, message_id = excluded.message_id, updated = excluded.updated
"""
RECORD_MANY = f"""
INSERT INTO deliveries AS d
  (issue_id, email, status, attempts, last_error, message_id, updated)
SELECT r->>0, r->>1, r->>2, (r->>3)::integer, r->>4, r->>5, r->>6
FROM jsonb_array_elements(%s::jsonb) AS t(r)
WHERE {not_forgotten("r->>1")}{_UPSERT}"""
# One row (the journal's RECORD, checked the same way): half the server's work of RECORD_MANY.
RECORD_ONE = f"""
INSERT INTO deliveries AS d
  (issue_id, email, status, attempts, last_error, message_id, updated)
SELECT v.i, v.e, v.s, v.a::integer, v.l, v.m, v.u
FROM (VALUES (%s, %s, %s, %s, %s, %s, %s)) AS v (i, e, s, a, l, m, u)
WHERE {not_forgotten("v.e")}{_UPSERT}"""

# The fence (module doc): a write of outcomes that also reads, on the server's clock, whether
# this sender's lease is live, in the same statement (a data-modifying WITH always runs to
# completion).  Its last parameter is the sender's id.
LEASE_LIVE = """
SELECT EXISTS (SELECT 1 FROM senders
               WHERE sender_id = %s AND finished IS NULL AND lease_until > now())
"""


def fenced(write: str) -> str:
    """`write` (an INSERT) as one statement that also answers LEASE_LIVE."""
    return f"WITH written AS ({write.strip()}){LEASE_LIVE}"


def as_json(rows: Sequence[Row]) -> list[str]:
    """RECORD_MANY's parameter: the rows as one JSON array of arrays."""
    return [json.dumps(rows, ensure_ascii=False, separators=(",", ":"))]


class OutcomeCommitter:
    """Threads that write the queued outcomes in batches; see the module doc.

    `write(rows, writer)` writes the rows in one statement and one commit on the
    connection of writer number `writer` (waiting out a lost connection for the journal's
    patience), or raises JournalWriteError; it returns whether the server saw this sender's
    lease live (no rows: it only reads that).  `patience`: how long a waiter waits for a
    commit before it gives up by itself (the committer's own patience and a margin, for a
    committer stuck past it); `gave_up`: its one line then.  `lost`: set once the server saw
    the lease run out (here, or by the lease's heartbeat); `lost_line`: LeaseLost's line.
    """

    def __init__(
        self,
        write: WriteRows,
        *,
        send: SendRows | None = None,
        near: Callable[[], bool] | None = None,
        patience: float,
        gave_up: str,
        lost: threading.Event | None = None,
        lost_line: str = "this sender's lease ran out on the server",
    ) -> None:
        self._write = write
        self._send = send
        self._near = near  # is the server near enough for pairs (NEAR)?  None: yes
        self.patience = patience
        self._gave_up = gave_up
        self.lost = threading.Event() if lost is None else lost
        self._lost_line = lost_line
        # One lock, two conditions: the workers waiting for commits (`_changed`) and the idle
        # writers waiting for rows (`_work`).  One condition for both woke every idle writer
        # at each outcome handed over and every waiter at each: 40% of a sender's CPU went
        # to those wake-ups (py-spy, docs/postgresql-measurements.md "Where the time goes").
        lock = threading.RLock()  # reentrant, as a Condition's own (tests hold it while adding)
        self._changed = threading.Condition(lock)
        self._work = threading.Condition(lock)
        self._queue: list[tuple[int, Row]] = []  # (ticket, row), in the order given
        self._tickets = 0  # the last ticket given
        self._open: set[int] = set()  # tickets given and not committed yet
        self._writing: set[tuple[str, str]] = set()  # (issue, address) in a batch under way
        self._error: JournalWriteError | None = None
        self._threads: dict[int, threading.Thread] = {}  # writer number -> its thread
        self._inline: set[int] = set()  # writer numbers in use by waiting workers
        self._idle = 0  # writers waiting for rows
        self._demand = 0  # workers waiting in `wait`: what is queued is needed now
        self._lingering = 0  # writers holding rows back for LINGER, gathering others
        self._queued_at = 0.0  # when the oldest row queued was (about)
        self._closing = False
        self._started = 0  # statements begun (each numbered in order as it is taken)
        self._confirmed = 0  # the latest-begun statement that found the lease live
        self._check_wanted = False  # a waiter needs a statement begun after its mark
        # Statements sent ahead and not read yet, by number: the worker thread that sent
        # them, and what `_finish` takes (writer connection, number, rows, the reading).
        self._ahead: dict[int, tuple[int, _Pending]] = {}
        self._active: dict[int, float] = {}  # worker thread -> when it last sent ahead (about)

    def add(self, row: Row) -> int:
        """Queue one outcome; its ticket, for `wait`.  JournalWriteError once the committer
        has failed."""
        with self._changed:
            if self._error is not None:
                raise JournalWriteError(str(self._error))
            self._closing = False  # a close that timed out: its threads go on
            self._tickets += 1
            self._open.add(self._tickets)
            if not self._queue:
                self._queued_at = time.monotonic()  # the oldest row queued: see LINGER
            self._queue.append((self._tickets, row))
            if self._idle + self._lingering == 0:
                self._wake_writer()  # a writer to linger over it (else one does already)
            return self._tickets

    def mark(self) -> int:
        """The statements begun so far: `wait(…, since=mark())` wants one begun after now."""
        with self._changed:
            return self._started

    def queued(self) -> list[Row]:
        """The outcomes handed over and in no statement yet, or in one sent ahead whose
        answer nobody has read (for the disk, when the server is found gone: disk_fence.py)."""
        with self._changed:
            ahead = [row for _, (_, _, batch, _) in self._ahead.values() for _, row in batch]
            return [row for _, row in self._queue] + ahead

    def ahead(self, tickets: Sequence[int]) -> None:
        """Send the statement writing what is queued, this worker's outcomes (`tickets`)
        among it, now, on a free writer connection; the answer is read at the next `wait`
        of a worker whose outcome it holds: the server runs and commits it while the
        workers send their next messages (module doc, "Ahead").  A worker's outcomes alone
        are held for a partner's when another worker sent ahead within PARTNER: that one
        sends both in one statement.  Nothing when the journal cannot send ahead, when this
        worker has a statement ahead unread, or when no connection is free."""
        if self._send is None or not tickets:
            return
        me, now = threading.get_ident(), time.monotonic()
        with self._changed:
            self._active[me] = now
            if len(self._active) > 64:  # workers of earlier rounds, ended
                self._active = {w: at for w, at in self._active.items() if now - at < PARTNER}
            if self._error is not None or any(w == me for w, _ in self._ahead.values()):
                return
            batch = self._takeable()
            mine = set(tickets)
            if not any(t in mine for t, _ in batch):
                return  # none of this worker's outcomes may be written yet
            if all(t in mine for t, _ in batch) and self._partner(me, now):
                return  # held for a partner's outcome (module doc, "Pairs")
            if (link := self._free_link()) is None:
                return
            del self._queue[: len(batch)]
            self._writing.update(_key(r) for _, r in batch)
            self._started += 1
            number = self._started
            self._inline.add(link)
        try:
            finish = self._send([r for _, r in batch], link)
        except Exception as e:  # a bug: the send stops loudly, as a failed write stops it
            with self._changed:
                self._inline.discard(link)
            self._fail(JournalWriteError(f"internal error in the journal's writer ({e!r})"))
            return
        with self._changed:
            self._ahead[number] = (me, (link, number, batch, finish))
            if self._demand:  # a partner waits for its outcome in it: it may read it now
                self._changed.notify_all()

    def _partner(self, me: int, now: float) -> bool:  # holding the lock
        """Has another worker sent ahead within PARTNER (and so will soon again), on a server
        near enough (NEAR) for a pair's answer to come before this worker's final `.`?"""
        if self._near is not None and not self._near():
            return False
        return any(w != me and SOONEST < now - at < PARTNER for w, at in self._active.items())

    def _read_here(self, tickets: Sequence[int], since: int | None) -> bool:
        """Read, on this waiting worker's thread, the answer to a statement sent ahead that
        holds one of `tickets` (its own, or a partner's that carried them), or for `since`
        one begun after that mark; False when there is none nobody reads yet.  Holding the
        lock (once), released while reading."""
        wanted = set(tickets)
        for number, (_, pending) in self._ahead.items():
            batch = pending[2]
            if any(t in wanted for t, _ in batch) or (
                since is not None and number > since and self._confirmed <= since
            ):
                del self._ahead[number]
                break
        else:
            return False
        self._changed.release()
        try:
            self._finish(*pending)
        finally:
            self._changed.acquire()
        return True

    def _finish(
        self, link: int, number: int, batch: list[tuple[int, Row]], read: Callable[[], bool]
    ) -> None:
        try:
            self._written(number, batch, read)
        finally:
            with self._changed:
                self._inline.discard(link)

    def wait(self, tickets: Sequence[int], since: int | None = None) -> None:
        """Return once every outcome of `tickets` is committed; JournalWriteError when one
        cannot be.  `since` (a `mark`): and once a statement begun after it found the lease
        live on the server, asking for one (the lease alone, or with whatever is queued) when
        none would come; LeaseLost when the lease ran out."""
        deadline = time.monotonic() + self.patience + CLOSE_WAIT
        with self._changed:
            while not self._done(tickets, since):
                if self._error is not None:
                    raise JournalWriteError(str(self._error))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise JournalWriteError(self._gave_up)
                if self._read_here(tickets, since) or self._write_here():
                    continue
                if (self._queue or self._check_wanted) and not self._demand:
                    self._wake_writer()  # what is queued is needed now: no link free here
                self._demand += 1
                try:
                    self._changed.wait(left)
                finally:
                    self._demand -= 1

    def _done(self, tickets: Sequence[int], since: int | None) -> bool:  # holding _changed
        if not self._open.isdisjoint(tickets):
            return False
        if since is None:
            return True
        if self.lost.is_set():
            raise LeaseLost(self._lost_line)
        if self._confirmed > since:
            return True
        if self._started <= since and not self._queue and not self._check_wanted:
            self._check_wanted = True  # nothing queued would begin a statement: ask for one
        return False

    def _write_here(self) -> bool:  # holding the lock (once)
        """Write what is queued (or the lease's check) on this waiting worker's thread, on a
        free writer connection: no hand-over to a writer thread and back, which on two busy
        cores cost more than the statement (py-spy: a third of the sender's time was spent
        waking threads).  False when nothing is to be taken or no connection is free."""
        link = self._free_link()
        if link is None:
            return False
        taken = self._take()
        if taken is None:
            return False
        self._inline.add(link)
        self._changed.release()
        try:
            self._write_batch(link, *taken)
        finally:
            self._changed.acquire()
            self._inline.discard(link)
        return True

    def _free_link(self) -> int | None:  # holding the lock
        """A writer connection's number no thread and no waiting worker uses."""
        free = set(range(MOST_WRITERS)) - set(self._threads) - self._inline
        return min(free) if free else None

    def close(self) -> None:
        """Read what was sent ahead and not read (its workers have ended), write what is
        queued (for `CLOSE_WAIT` seconds at most), then end the threads."""
        with self._changed:
            left = [pending for _, pending in self._ahead.values()]
            self._ahead = {}
        for pending in left:
            self._finish(*pending)
        with self._changed:
            threads = list(self._threads.values())
            self._closing = True
            self._work.notify_all()
        deadline = time.monotonic() + CLOSE_WAIT
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _wake_writer(self) -> None:  # holding the lock
        """An idle writer for what is queued, or a new one when none is idle."""
        if self._idle + self._lingering > 0:
            self._work.notify()
        elif len(self._threads) < MOST_THREADS and (number := self._free_link()) is not None:
            self._start_writer(number)

    def _start_writer(self, number: int) -> None:  # holding _changed; `number`: its connection
        thread = threading.Thread(
            target=self._run, args=(number,), name=f"send-journal-{number}", daemon=True
        )
        self._threads[number] = thread
        thread.start()

    def _run(self, writer: int) -> None:
        while (taken := self._next_batch()) is not None:
            self._write_batch(writer, *taken)  # a failure: _next_batch now ends the thread
        with self._changed:
            del self._threads[writer]  # ended: the next `add` may start another
            self._changed.notify_all()

    def _write_batch(self, writer: int, number: int, batch: list[tuple[int, Row]]) -> None:
        """Write statement `number`'s rows on writer connection `writer` (not holding the
        lock), then mark them committed and wake the workers waiting for them."""
        rows = [r for _, r in batch]
        self._written(number, batch, lambda: self._write(rows, writer))

    def _written(
        self, number: int, batch: list[tuple[int, Row]], write: Callable[[], bool]
    ) -> None:
        """Run `write` (statement `number`'s, writing `batch`), then mark its rows committed
        and wake the workers waiting for them; a failure fails the committer."""
        tickets, rows = [t for t, _ in batch], [r for _, r in batch]
        try:
            live = write()
        except JournalWriteError as e:
            self._fail(e)
            return
        except Exception as e:  # a bug must stop the send loudly, not hang its workers
            self._fail(JournalWriteError(f"internal error in the journal's writer ({e!r})"))
            return
        with self._changed:
            self._open.difference_update(tickets)
            self._writing.difference_update(_key(r) for r in rows)
            if live:
                self._confirmed = max(self._confirmed, number)
            else:
                self.lost.set()  # the outcomes are written all the same: they are true
            if self._demand:  # workers wait in `wait` (only they wait on _changed)
                self._changed.notify_all()
            if self._queue and self._idle > 0:  # rows held back behind this batch's
                self._work.notify()

    def _next_batch(self) -> tuple[int, list[tuple[int, Row]]] | None:
        """The next statement's number and rows (none: a check of the lease alone), waiting
        for some; None when closing with none left (or the committer failed)."""
        with self._changed:
            while True:
                if self._error is not None:
                    return None
                linger = self._queued_at + LINGER - time.monotonic()
                if self._queue and linger > 0 and not self._wanted():
                    self._lingering += 1  # gather the other workers' rows (module doc)
                    self._work.wait(linger)
                    self._lingering -= 1
                    continue
                taken = self._take()
                if taken is not None:
                    return taken
                if self._closing and not self._queue:
                    return None
                self._idle += 1
                self._work.wait()
                self._idle -= 1

    def _take(self) -> tuple[int, list[tuple[int, Row]]] | None:  # holding the lock
        """The next statement: its number and the rows it takes off the queue (none: a
        check of the lease alone); None when there is nothing to write."""
        batch = self._takeable()
        if not batch and not self._check_wanted:
            return None
        del self._queue[: len(batch)]
        self._queued_at = time.monotonic()  # rows left: held back, not lingered
        self._writing.update(_key(r) for _, r in batch)
        self._check_wanted = False  # this statement reads the lease too
        self._started += 1
        return self._started, batch

    def _wanted(self) -> bool:  # holding the lock
        """Is what is queued to be written now: a worker waits, or the committer closes?"""
        return bool(self._demand or self._closing or self._check_wanted)

    def _takeable(self) -> list[tuple[int, Row]]:
        """The first queued rows up to an address already in this batch or in one under
        way (see the module doc): a row is never written before an earlier one of its
        address."""
        seen: set[tuple[str, str]] = set()
        for n, (_, row) in enumerate(self._queue):
            key = _key(row)
            if key in seen or key in self._writing:
                return self._queue[:n]
            seen.add(key)
        return list(self._queue)

    def _fail(self, error: JournalWriteError) -> None:
        with self._changed:
            self._error = error
            self._queue.clear()
            self._changed.notify_all()
            self._work.notify_all()


def _key(row: Row) -> tuple[str, str]:
    """A row's (issue, address), as the journal's key compares it (citext)."""
    return row[0], row[1].lower()
