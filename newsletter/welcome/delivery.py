"""The welcome's delivery: queued by a confirmation, sent once through the delivery journal.

Queued: confirming a sign-up (serve/audience.py) writes the reader's journal row for
`welcome` as `pending`, in the confirmation's own transaction; a row already there (the
reader was welcomed, or is waiting) is kept, so a reader is welcomed once, ever.

Sent: `send_welcomes` mails every pending welcome whose reader is still active, each
outcome recorded as the list send records it (journal.py): `sent` right after the relay
accepts it; `unknown` when the reply was lost after the message went out (never sent
again by itself); `failed` for a 5xx (a 5.1.x marks the reader bounced only when the
last issue before was refused so too, as for an issue: journal.refused_before) or once
`smtp.max_attempts` tries got 4xx; `pending` again otherwise, for the next run.  A relay
nobody answers leaves them all pending.  A kill between the relay's acceptance and the
record re-sends that one copy with the same Message-ID, as for an issue.

One sender at a time (locks.py): on SQLite a file lock beside the database
(`newsletter.db.welcome.lock`), on PostgreSQL an advisory lock on the server, held while
sending, so `serve`'s workers and `newsletter run` (on any number of hosts sharing the server)
never mail the same welcome twice.  `serve` waits a little for it; `run` does not (the
holder is sending them).  The journal is the send's on either backend (journal.py,
shared_journal.py) and is read again under the lock.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsletter.config import Settings, smtp_password
from newsletter.database_url import PostgresUrl
from newsletter.errors import DeliveryError, NewsletterError
from newsletter.mail.personalize import Recipient
from newsletter.send.composer import Composer
from newsletter.send.journal import DeliveryJournal, open_journal
from newsletter.send.transport import (
    Connection,
    ConnectionLost,
    OutcomeUnknown,
    PermanentFailure,
    TemporaryFailure,
    Transport,
)
from newsletter.subscribers.connection import Connection as DatabaseConnection
from newsletter.subscribers.connection import delivery_key
from newsletter.welcome.compose import WELCOME_ID, welcome_composer
from newsletter.welcome.locks import WelcomeHold, welcome_lock


def queue_welcome(conn: DatabaseConnection, email: str, now: str) -> None:
    """Queue the reader's welcome (inside the caller's transaction); kept if already there.

    The statement runs on both backends (serve confirms sign-ups on PostgreSQL too)."""
    conn.execute(
        "INSERT INTO deliveries (issue_id, email, status, attempts, last_error, message_id,"
        " updated) VALUES (?, ?, 'pending', 0, '', '', ?)"
        f" ON CONFLICT {delivery_key(conn)} DO NOTHING",
        (WELCOME_ID, email, now),
    )


@dataclass(frozen=True, slots=True)
class WelcomeSummary:
    """What one round of welcomes did."""

    sent: int = 0
    failed: int = 0  # refused for good (5xx), or out of attempts
    unknown: int = 0  # went out, reply lost: not sent again (check with the reader)
    retrying: int = 0  # 4xx or dropped: left pending for the next round
    left: int = 0  # not tried: the relay could not be reached
    busy: bool = False  # another process holds the welcome lock (it is sending them)
    unreachable: str = ""  # why the relay could not be used (host:port and the cause)

    @property
    def tried(self) -> int:
        return self.sent + self.failed + self.unknown + self.retrying

    def line(self) -> str:
        """`welcome: 2 sent, 1 unknown`; "" when nothing was due."""
        parts = [
            f"{n} {what}"
            for n, what in (
                (self.sent, "sent"),
                (self.failed, "failed"),
                (self.unknown, "unknown (the reply was lost; not sent again)"),
                (self.retrying, "to retry"),
                (self.left, "waiting"),
            )
            if n
        ]
        if self.unreachable:
            parts.append(f"relay unreachable ({self.unreachable}): the next run sends them")
        return f"welcome: {', '.join(parts)}" if parts else ""


def send_welcomes(
    settings: Settings,
    *,
    transport: Transport | None = None,
    password: str | None = None,
    wait: float = 0.0,
    skip_unchanged: bool = False,
) -> WelcomeSummary:
    """Send every pending welcome, each once (see the module doc); `wait`: seconds to wait
    for another sender's lock before leaving them to it; `skip_unchanged`: look no further
    when the database has not changed since a look found none pending (`newsletter run`)."""
    if not settings.welcome.enabled:
        return WelcomeSummary()
    server = settings.database_server
    if server is None:
        database = settings.database_file("sending welcomes")
        if not _file_has_pending(database, skip_unchanged):
            return WelcomeSummary()
    elif not _server_has_pending(server):
        return WelcomeSummary()
    with welcome_lock(settings, wait) as hold:
        if hold is None:
            return WelcomeSummary(busy=True)
        journal = _open_journal(settings)
        if journal is None:
            return WelcomeSummary()  # the list went away since the look
        try:
            due = journal.waiting()  # again, under the lock: another sender may have sent them
            if not due:
                return WelcomeSummary()
            composer = welcome_composer(settings)
            if transport is None:
                from newsletter.send.smtp import SmtpTransport

                transport = SmtpTransport(settings.smtp, password=password or smtp_password())
            return _deliver_all(journal, composer, transport, due, settings.smtp.max_attempts, hold)
        finally:
            journal.close()


def _open_journal(settings: Settings) -> DeliveryJournal | None:
    """The welcome's journal on the settings' database; None when it has none."""
    server = settings.database_server
    if server is None:
        return open_journal(settings.database_file("sending welcomes"), WELCOME_ID, create=False)
    from newsletter.send.shared_journal import open_postgres_journal

    return open_postgres_journal(server, WELCOME_ID, create=False)


def _file_has_pending(database: Path, skip_unchanged: bool) -> bool:
    """Is a welcome pending in the SQLite file?  No file: no (and none is created)."""
    if not database.is_file():
        return False  # no list, nobody to welcome
    stamp = _database_stamp(database)
    if skip_unchanged and stamp == _seen_stamp(database):
        return False  # nothing written since a look found none
    if _any_pending(database):
        return True
    if skip_unchanged:
        _keep_seen_stamp(database, stamp)
    return False


def _server_has_pending(server: PostgresUrl) -> bool:
    """A look without the lock: is a welcome pending on the server?  A server newsletter
    never used: no (nothing is created).  It cannot be reached: one line (NewsletterError)."""
    from newsletter.send.shared_journal import open_postgres_journal

    journal = open_postgres_journal(server, WELCOME_ID, create=False)
    if journal is None:
        return False
    try:
        return bool(journal.waiting(limit=1))
    finally:
        journal.close()


def _database_stamp(database: Path) -> str:
    """The database's and its WAL's inode, size and modification time: every commit changes
    one of them (WAL mode appends to the -wal file; a checkpoint rewrites both)."""
    parts = []
    for path in (database, database.with_name(f"{database.name}-wal")):
        try:
            st = path.stat()
        except OSError:
            st = None
        # An empty -wal holds nothing: the same as none (a reader's connection may make it).
        parts.append(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}" if st and st.st_size else "-")
    return " ".join(parts)


def _seen_path(database: Path) -> Path:
    return database.with_name(f"{database.name}.welcome-seen")


def _seen_stamp(database: Path) -> str:
    """The stamp of the database when a look last found no welcome pending, or ""."""
    try:
        return _seen_path(database).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _keep_seen_stamp(database: Path, stamp: str) -> None:
    """Remember `stamp` (taken before the look): `newsletter run` every few minutes then
    costs a few stat calls, not a database connection (about 1 ms), until something is
    written.  Only a hint: if it cannot be kept, the next run looks again."""
    path = _seen_path(database)
    partial = path.with_name(f".{path.name}.partial")
    with contextlib.suppress(OSError):
        partial.write_text(stamp + "\n", "ascii")
        partial.replace(path)


def _any_pending(database: Path) -> bool:
    """A read-only look, without the lock: is any welcome pending?  In doubt (an older
    database, an error), yes: the journal's own path then says what is wrong."""
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT 1 FROM deliveries WHERE issue_id = ? AND status = 'pending' LIMIT 1",
                (WELCOME_ID,),
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return True
    return row is not None


def _deliver_all(
    journal: DeliveryJournal,
    composer: Composer,
    transport: Transport,
    due: list[tuple[Recipient, int]],
    max_attempts: int,
    hold: WelcomeHold,
) -> WelcomeSummary:
    counts = {"sent": 0, "failed": 0, "unknown": 0, "retrying": 0}
    connection: Connection | None = None
    try:
        for n, (recipient, attempts) in enumerate(due):
            hold.check()  # the lock's session on the server gone: stop (one line)
            if not journal.would_send(recipient.email):
                continue  # left the list (or was forgotten) since the query
            if connection is None:
                try:
                    connection = transport.connect()
                except DeliveryError as e:
                    return _summary(counts, left=len(due) - n, unreachable=str(e))
            last_try = attempts + 1 >= max_attempts
            outcome = _deliver(connection, composer, journal, recipient, last_try)
            counts[outcome] += 1
            if outcome in ("retrying", "unknown"):  # the session may be gone: start afresh
                connection.close()
                connection = None
    finally:
        if connection is not None:
            connection.close()
    return _summary(counts)


def _summary(counts: dict[str, int], *, left: int = 0, unreachable: str = "") -> WelcomeSummary:
    return WelcomeSummary(
        sent=counts["sent"],
        failed=counts["failed"],
        unknown=counts["unknown"],
        retrying=counts["retrying"],
        left=left,
        unreachable=unreachable,
    )


def _deliver(
    connection: Connection,
    composer: Composer,
    journal: DeliveryJournal,
    recipient: Recipient,
    last_try: bool,
) -> str:
    """Send one welcome and record its outcome: sent | failed | unknown | retrying."""
    message = composer.message_for(recipient, list_copy=True)
    email, mid = recipient.email, message.message_id
    try:
        connection.send(message.envelope_from, message.recipient, message.data)
    except OutcomeUnknown as e:  # it went out; a second copy is worse than none
        journal.record(email, "unknown", attempts=1, error=e.reason, message_id=mid)
        return "unknown"
    except PermanentFailure as e:
        journal.record(email, "failed", attempts=1, error=e.reason, message_id=mid)
        # The rule (DeliveryJournal.refused_before): a relay's 5.1.x is believed the
        # second time in a row, so a welcome refused marks nobody by itself (a lying relay
        # marked every new reader at once); it is the first word, the next issue the second.
        if e.bad_address and journal.refused_before(email):
            journal.mark_bounced(email, e.reason, mid)
        return "failed"
    except (TemporaryFailure, ConnectionLost) as e:
        status = "failed" if last_try else "pending"
        journal.record(email, status, attempts=1, error=e.reason, message_id=mid)
        return "failed" if last_try else "retrying"
    journal.record(email, "sent", attempts=1, message_id=mid)
    return "sent"


class Welcomer:
    """`serve`'s sender of welcomes: a thread of its own, nudged by each confirmation.

    The confirmation's answer never waits for the relay: it is sent as soon as the sign-up
    is committed, and the welcome follows on this thread.  Nudges that come while a round
    runs make one more round.  A relay that is down leaves the welcome pending for the next
    `newsletter run`; nothing here raises into the server.
    """

    def __init__(
        self,
        settings: Settings,
        transport: Callable[[], Transport],
        *,
        log: logging.Logger | None = None,
        wait: float = 30.0,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._log = log or logging.getLogger("newsletter.welcome")
        self._wait = wait
        self._nudged = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.rounds = 0  # finished rounds, for tests and the log

    def nudge(self) -> None:
        """A reader was confirmed: send what is pending, soon, on the welcome thread."""
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="welcome", daemon=True)
                self._thread.start()
        self._nudged.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the round under way (within `timeout` s), then end the thread."""
        self._stopping = True
        self._nudged.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._nudged.wait()
            if self._stopping:
                return
            self._nudged.clear()
            self._round()

    def _round(self) -> None:
        try:
            summary = send_welcomes(self.settings, transport=self._transport(), wait=self._wait)
        except NewsletterError as e:
            self._log.warning("welcome not sent: %s; the next `newsletter run` sends it", e)
        except Exception as e:  # a bug must not kill the thread: the next nudge tries again
            self._log.error("welcome round failed: %s: %s", type(e).__name__, e)
        else:
            if summary.busy:
                self._log.info("welcome: another process is sending them")
            elif summary.line():
                level = logging.WARNING if summary.unreachable or summary.unknown else logging.INFO
                self._log.log(level, "%s", summary.line())
        self.rounds += 1
