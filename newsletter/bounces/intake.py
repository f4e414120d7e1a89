"""Match each report to a subscriber and record what it means: `process_mailbox`.

A report acts on a reader only when it proves, with the workspace key, that it
answers a list copy we sent them (mail/reader_stamp.py):

  1. the returned message's Message-ID, `<ISSUE.STAMP@domain>`, verifies for
     the reader the report names (or, for a report naming nobody on the list,
     for some reader of an issue the journal sent);
  2. or the report came back to a VERP return path `bounces+ISSUE.STAMP@…`
     (`[bounce] verp`) that verifies the same way.

Anything else is counted "unverified" and changes nothing, unless the editor
set `[bounce] trust_address = true`: then `Final-Recipient` (or
`Original-Rcpt-To`, or a bounce's recipient line) is believed when that
address is on the list.  Without a key proof, anybody who can mail the bounce
address could bounce or unsubscribe anyone.

Then: a hard bounce (Sisimai's userunknown, hostunknown, hasmoved, notaccept:
the address is gone) marks an active subscriber `bounced`; a soft one (mailbox
full, blocked, filtered, policy, spam, expired...) is remembered per returned
message, and `bounce.soft_limit` of them in a row (over the last issues sent to
that reader, as the journal has them) mark them `bounced`; a complaint
unsubscribes them and is counted; a mailed unsubscribe does so when its token
verifies.  Unsubscribed readers stay so.

The database is newsletter.db, or the PostgreSQL server `database` names: the same
statements run on both (a batch takes an advisory lock there, as SQLite's write lock).

Messages are read and parsed before the database's write lock is taken (an IMAP
server that drips holds up nobody), then applied in short transactions of at
most BATCH reports.  Each report is recorded by its Message-ID in the same
transaction as its effect, so processing a mailbox twice changes nothing and a
run killed halfway resumes where it stopped; an IMAP message is flagged or
moved only after its batch is committed.  A message that breaks the parsing
bounds (reports.py) is recorded as "unreadable" and never rolls back others.
"""

from __future__ import annotations

import bisect
import contextlib
import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsletter.bounces.reports import Report, read_report, report_id
from newsletter.bounces.sources import Mailbox, Unfetched
from newsletter.config import Settings
from newsletter.database_url import PostgresUrl
from newsletter.mail.reader_stamp import ReaderStamps, reader_stamps, split_stamp
from newsletter.mail.unsubscribe import unsubscribe_links, verify_token
from newsletter.subscribers.connection import Connection, dialect, same_address
from newsletter.subscribers.database import database_error, open_database, utc_now
from newsletter.subscribers.status_reasons import StatusReason
from newsletter.subscribers.store import SubscriberStore
from newsletter.subscribers.suppression import is_forgotten

BATCH = 100  # reports per transaction: the write lock is held for milliseconds
# pg_advisory_xact_lock's key for a batch of reports (b"nwslbnce" as a signed 64-bit integer).
BOUNCE_LOCK = int.from_bytes(b"nwslbnce", "big", signed=True)
MAX_WARNINGS = 20  # unreadable messages named one by one; the count says how many in all
MAX_UNSENT_LOOKUPS = 8  # other issues (older, or never sent) whose stamps one run computes
RECENT_ISSUES = 8  # the journal's latest issues, whose stamps are always looked up


@dataclass(frozen=True, slots=True)
class IntakeSummary:
    """What one run did (each count is of reports, except `now_bounced`)."""

    source: str
    messages: int
    hard: int
    soft: int
    complaints: int
    unsubscribes: int
    unmatched: int
    ignored: int
    already: int  # processed by an earlier run: skipped
    now_bounced: int  # subscribers this run marked bounced
    now_unsubscribed: int
    complaints_total: int = 0  # every complaint recorded so far, this run's included
    sent_total: int = 0  # every list message the journal holds as sent
    unverified: int = 0  # bounces and complaints that did not prove they answer our mail
    unreadable: int = 0  # messages past the parsing bounds (size, depth, parts, time)
    repeated: int = 0  # complaints about a copy complained of before: counted once
    warnings: tuple[str, ...] = ()  # odd files in a Maildir, and unreadable messages, skipped

    @property
    def complaint_rate(self) -> float:
        """Complaints per message sent, over the whole journal (Gmail and Yahoo want < 0.3 %)."""
        return self.complaints_total / self.sent_total if self.sent_total else 0.0


class Intake:
    """Applies reports to one database (newsletter.db, or a PostgreSQL server's)."""

    def __init__(self, conn: Connection, settings: Settings) -> None:
        self.conn = conn
        self.store = SubscriberStore(conn)
        self.soft_limit = settings.bounce.soft_limit
        self.trust_address = settings.bounce.trust_address
        self.links = unsubscribe_links(settings)
        self.secret = self.links.secret  # now: made on first use, outside any transaction
        self.stamps: ReaderStamps = reader_stamps(self.secret, self.links.list_id)
        self._indexes: dict[str, _StampIndex] = {}  # issue → its readers' stamps
        self._found: dict[tuple[str, str], str] = {}  # (issue, stamp) → the reader it is for
        self._issues: list[str] | None = None  # the journal's issues, the latest sent first
        self._sent_names: dict[str, str] | None = None  # lower-cased issue → the journal's
        self.counts: Counter[str] = Counter()

    def seen(self, message_id: str) -> bool:
        """True when a report with this Message-ID was processed before."""
        found = self.conn.execute(
            "SELECT 1 FROM bounce_reports WHERE message_id = ?", (message_id,)
        ).fetchone()
        return found is not None

    def apply(self, report: Report) -> str:
        """Record one report (inside the caller's transaction); return how it was counted."""
        if self.seen(report.message_id):
            return "already"
        outcome, issue = self._effect(report)
        self.conn.execute(
            "INSERT INTO bounce_reports (message_id, kind, issue_id, at) VALUES (?, ?, ?, ?)",
            (report.message_id, outcome, issue, utc_now()),
        )
        return outcome

    def _effect(self, report: Report) -> tuple[str, str]:
        if report.kind in ("ignored", "unreadable"):
            return report.kind, ""
        if report.kind == "unsubscribe":
            address = verify_token(report.token, self.secret, self.links.list_id)
            if address is None:
                return "unmatched", ""
            self._unsubscribe(address)
            return "unsubscribe", ""
        issue, targets = self._proven(report)
        if not targets:
            if not self.trust_address:
                return "unverified", issue
            targets = [
                (f.recipient, f.kind)
                for f in report.failures
                if f.recipient and self.store.get(f.recipient) is not None
            ]
        if not targets:
            return "unmatched", issue
        if report.kind == "complaint":
            targets = [(a, k) for a, k in targets if self._first_complaint(issue, a)]
            if not targets:
                return "repeated", issue
        for address, kind in targets:
            reason = _reason(report, address)
            if report.kind == "complaint":
                self._unsubscribe(address, reason)
            elif kind == "hard":
                self._bounce(address, reason)
            elif kind == "soft":
                self._soft(address, report.returned_id or report.message_id, issue, reason)
        return _counted_as(report.kind, [kind for _address, kind in targets]), issue

    def _first_complaint(self, issue: str, address: str) -> bool:
        """True for the first complaint about this reader's copy of `issue` (then remembered).

        The rate the editor is shown counts copies complained of, as Gmail and Yahoo do:
        one subscriber mailing 1,000 feedback reports quoting their own copy counted 1,000
        complaints (200 % of a list of 500), the list's complaint rate made whatever they
        liked.  Remembered by the copy's stamp, never by the address.
        """
        # An issue the journal never sent is one copy, whatever its name: with trust_address
        # a forged report's made-up `2026-X1.…` stamps each counted (30 reports: 600 %).
        sent = issue if issue in self._journal_issues() else ""
        copy = "complained:" + self.stamps.stamp(sent, address).lower()
        if self.seen(copy):
            return False
        self.conn.execute(
            "INSERT INTO bounce_reports (message_id, kind, issue_id, at) VALUES (?, ?, ?, ?)",
            (copy, "complained copy", issue, utc_now()),
        )
        return True

    def _proven(self, report: Report) -> tuple[str, list[tuple[str, str]]]:
        """(issue, [(address, kind)]) the key proves the report is about, else (issue, [])."""
        issue = ""
        for stamped_in in (report.returned_id, report.verp):
            found_issue, stamped = split_stamp(stamped_in) if stamped_in else ("", "")
            if not stamped:
                continue
            # The issue as the journal spells it: a stamp ignores case (a relay may fold a
            # VERP local part), and a soft bounce of `2026-w48` kept as its own issue, one the
            # journal never sent, counted for ever, later deliveries never breaking its row.
            found_issue = self._as_sent(found_issue)
            issue = issue or found_issue
            address = self._reader_of(found_issue, stamped, report)
            if address:
                kinds = [f.kind for f in report.failures if f.recipient == address]
                kind = kinds[0] if kinds else report.kind
                return found_issue, [(address, kind)]
        return issue, []

    def _reader_of(self, issue: str, stamped: str, report: Report) -> str:
        """The reader `stamped` was made for: a named recipient, else any reader of the issue."""
        for failure in report.failures:
            if failure.recipient and self.stamps.verifies(stamped, failure.recipient):
                return failure.recipient
        # A forwarding address or none named: look the stamp up among the issue's readers
        # (the journal's, else the list's).  Each issue costs a signature per reader once per
        # run and 12 bytes per reader kept: the latest RECENT_ISSUES the journal sent always,
        # any other issue (older, or never sent) for MAX_UNSENT_LOOKUPS names a run, so a
        # flood of forged issue names, real or not, costs little time and memory.
        issues = self._journal_issues()
        real = self._as_sent(issue)
        key = (real, stamped.lower())
        if key in self._found:
            return self._found[key]
        if real not in self._indexes:
            recent = issues[:RECENT_ISSUES]
            others = sum(1 for i in self._indexes if i not in recent)
            if real not in recent and others >= MAX_UNSENT_LOOKUPS:
                return ""
            self._indexes[real] = _StampIndex(
                self.stamps.stamp(real, email) for email in self._emails(real)
            )
        found = self._indexed_reader(real, stamped)
        if found:  # hits only: a forged stamp misses at the index, cheaply, and is not kept
            self._found[key] = found
        return found

    def _indexed_reader(self, issue: str, stamped: str) -> str:
        """The reader of `issue` whose stamp `stamped` is, found through the issue's index."""
        found = ""
        for at in self._indexes[issue].places(stamped):  # a real copy's stamp (rare): whose
            email = self._email_at(issue, at)
            if email and self.stamps.verifies(stamped, email):
                return email.lower()
        if self._indexes[issue].places(stamped):  # the list changed meanwhile: look again
            for email in self._emails(issue):  # read to the end: no statement left open
                if not found and self.stamps.verifies(stamped, email):
                    found = email.lower()
        return found

    def _as_sent(self, issue: str) -> str:
        """`issue` as the journal spells it (stamps ignore case), else as given."""
        if self._sent_names is None:
            self._sent_names = {i.lower(): i for i in reversed(self._journal_issues())}
        return self._sent_names.get(issue.lower(), issue)

    def _journal_issues(self) -> list[str]:
        """The issues the journal sent, the latest first (read once per run)."""
        if self._issues is None:
            self._issues = [
                i
                for (i,) in self.conn.execute(
                    "SELECT issue_id FROM deliveries GROUP BY issue_id"
                    " ORDER BY max(updated) DESC, issue_id"
                )
            ]
        return self._issues

    def _readers_query(self, issue: str) -> tuple[str, tuple[str, ...]]:
        """The readers of `issue` in address order: the journal's when it sent it, else the list."""
        if issue in self._journal_issues():
            return "SELECT email FROM deliveries WHERE issue_id = ? ORDER BY email", (issue,)
        return "SELECT email FROM subscribers ORDER BY email", ()

    def _emails(self, issue: str) -> Iterator[str]:
        """Every reader of `issue`, in address order."""
        for (email,) in self.conn.execute(*self._readers_query(issue)):
            yield email

    def _email_at(self, issue: str, at: int) -> str:
        """The reader at place `at` (from 0) in `_emails(issue)`'s order, or ""."""
        query, args = self._readers_query(issue)
        row = self.conn.execute(f"{query} LIMIT 1 OFFSET ?", (*args, at)).fetchone()
        return row[0] if row else ""

    def _unsubscribe(self, address: str, reason: StatusReason | None = None) -> None:
        if is_forgotten(self.conn, address):
            return
        current = self.store.get(address)
        if current is None or current.status != "unsubscribed":
            self.store.set_status(address, "unsubscribed", reason=reason)
            self.counts["now_unsubscribed"] += 1

    def _bounce(self, address: str, reason: StatusReason) -> None:
        current = self.store.get(address)
        self.conn.execute("DELETE FROM soft_bounces WHERE email = ?", (address,))
        if current is not None and current.status == "active":
            self.store.set_status(address, "bounced", reason=reason)
            self.counts["now_bounced"] += 1

    def _soft(self, address: str, original: str, issue: str, reason: StatusReason) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO soft_bounces (email, original, issue_id, at)"
            " VALUES (?, ?, ?, ?)",
            (address, original, issue, utc_now()),
        )
        if self.soft_in_a_row(address) >= self.soft_limit:
            self._bounce(address, reason)  # the last of the run says why

    def soft_in_a_row(self, address: str) -> int:
        """Soft bounces in a row: over the issues last sent to them, else of distinct messages."""
        rows = self.conn.execute(
            "SELECT issue_id FROM soft_bounces WHERE email = ?", (address,)
        ).fetchall()
        issues = {issue for (issue,) in rows if issue}
        unplaced = sum(1 for (issue,) in rows if not issue)
        if not issues:
            return unplaced
        journal = self._journal_issues()  # once per run; then each lookup is one key per issue
        marks = ",".join("?" * len(journal))
        # The journal's key is (issue_id, email): naming the issues lets either backend use it
        # instead of reading every delivery for an address.  No issue sent: no rows (an
        # empty `IN ()` is SQLite's, not PostgreSQL's).
        sent = (
            self.conn.execute(
                f"SELECT d.issue_id FROM deliveries d WHERE d.issue_id IN ({marks})"
                f" AND {same_address(self.conn, 'd.email', '?')}"
                " AND status = 'sent' ORDER BY updated DESC, issue_id DESC",
                (*journal, address),
            ).fetchall()
            if journal
            else []
        )
        run = 0
        for (issue,) in sent:
            if issue not in issues:
                break  # a later issue went through without a bounce: the row is broken
            run += 1
        known = {issue for (issue,) in sent}
        return run + unplaced + len(issues - known)


def _counted_as(kind: str, applied: list[str]) -> str:
    """How a report is counted: a complaint as one, a bounce by what it did to the readers it
    proved (a subscriber's report naming others hard beside their own soft block counted
    "hard" though only a soft bounce was recorded)."""
    if kind == "complaint":
        return kind
    return "hard" if "hard" in applied else "soft" if "soft" in applied else kind


def _reason(report: Report, address: str) -> StatusReason:
    """Why `address` bounced or complained, as `report` says (its failure for them, if named)."""
    named = [f for f in report.failures if f.recipient == address] or list(report.failures[:1])
    failure = named[0] if named else None
    return StatusReason(
        "complaint" if report.kind == "complaint" else "bounce",
        code=failure.status if failure else "",
        diagnostic=failure.diagnostic if failure else "",
        at=report.date,
        message_id=report.message_id,
    )


def process_mailbox(
    box: Mailbox, settings: Settings, database: Path | None = None
) -> IntakeSummary:
    """Read every message of `box`, apply it, and say what happened.

    The workspace's database is newsletter.db (or `database`), or the PostgreSQL server
    `database` names; the same statements run on both.
    """
    server = settings.database_server if database is None else None
    if server is not None:
        return _process_on_server(box, settings, server)
    path = database or settings.database_file("bounces process")
    conn = open_database(path)
    try:
        return _process(box, settings, conn)
    except sqlite3.Error as e:  # a full disk or failing database: nothing of this batch is kept
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise database_error(path, e, "record the reports") from None
    finally:
        conn.close()


def _process_on_server(box: Mailbox, settings: Settings, server: PostgresUrl) -> IntakeSummary:
    import psycopg

    from newsletter.subscribers.postgres import (
        PostgresConnection,
        connect_postgres,
        statement_error,
    )
    from newsletter.subscribers.postgres_schema import upgrade_postgres

    with connect_postgres(server) as raw:
        upgrade_postgres(raw, server)  # a first use makes the schema, under its lock
        conn = PostgresConnection(raw, server)
        try:
            return _process(box, settings, conn)
        except psycopg.Error as e:  # the server went away, a timeout: this batch is not kept
            if conn.in_transaction:
                with contextlib.suppress(psycopg.Error):
                    raw.rollback()
            raise statement_error(server, e) from None


def _process(box: Mailbox, settings: Settings, conn: Connection) -> IntakeSummary:
    counts: Counter[str] = Counter()
    skipped: list[str] = []  # what the editor is told about unreadable messages
    try:
        intake = Intake(conn, settings)
        messages = box.messages()
        for batch in _batches(messages, settings.bounce.imap_max_message):
            # Read and parsed with no lock held; then applied in one short transaction.
            reports = list(_parsed(intake, batch, counts, settings.bounce.imap_max_message))
            _begin(conn)
            for report in reports:
                outcome = intake.apply(report)
                counts[outcome] += 1
                if outcome == "unreadable" and len(skipped) < MAX_WARNINGS:
                    skipped.append(
                        f"{_shown(report.message_id)}: unreadable, {report.why}; skipped"
                    )
            conn.execute("COMMIT")
            box.done([ref for ref, _ in batch])  # flagged only once what they meant is committed
        complaints_total = conn.execute(
            "SELECT count(*) FROM bounce_reports WHERE kind = 'complaint'"
        ).fetchone()[0]
        sent_total = conn.execute(
            "SELECT count(*) FROM deliveries WHERE status = 'sent'"
        ).fetchone()[0]
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return IntakeSummary(
        source=box.description,
        messages=counts["messages"],
        hard=counts["hard"],
        soft=counts["soft"],
        complaints=counts["complaint"],
        unsubscribes=counts["unsubscribe"],
        unmatched=counts["unmatched"],
        ignored=counts["ignored"],
        already=counts["already"],
        now_bounced=intake.counts["now_bounced"],
        now_unsubscribed=intake.counts["now_unsubscribed"],
        complaints_total=int(complaints_total),
        sent_total=int(sent_total),
        unverified=counts["unverified"],
        unreadable=counts["unreadable"],
        repeated=counts["repeated"],
        warnings=(*box.warnings, *skipped),
    )


def _begin(conn: Connection) -> None:
    """One batch's transaction, one run at a time: SQLite's write lock, and on PostgreSQL the
    bounce lock, so two hosts reading one mailbox never both count a report (the second
    finds it recorded)."""
    conn.execute("BEGIN IMMEDIATE")
    if dialect(conn) == "postgresql":
        conn.execute("SELECT pg_advisory_xact_lock(?)", (BOUNCE_LOCK,))


def _batches(
    messages: Iterator[tuple[object, bytes]], max_bytes: int
) -> Iterator[list[tuple[object, bytes]]]:
    """The messages in batches of at most BATCH, and of `max_bytes` in all past the first.

    A batch is held whole until it is committed: a hundred messages of 3 MB each (spam
    reaches the bounce address too) held 300 MB where one large message now holds one.
    """
    batch: list[tuple[object, bytes]] = []
    held = 0
    for ref, raw in messages:
        if batch and held + len(raw) > max_bytes:
            yield batch
            batch, held = [], 0
        batch.append((ref, raw))
        held += len(raw)
        if len(batch) >= BATCH:  # at once: asking for the next may fail, this one is whole
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _parsed(
    intake: Intake, batch: list[tuple[object, bytes]], counts: Counter[str], max_bytes: int
) -> Iterator[Report]:
    """The batch's reports, parsed outside any transaction; those seen before are counted."""
    for _ref, raw in batch:
        counts["messages"] += 1
        if isinstance(raw, Unfetched):
            yield Report(f"unfetched:{raw.where}", "unreadable", why=raw.why)
        elif intake.seen(report_id(raw)):  # a re-run: not even parsed again
            counts["already"] += 1
        else:
            yield read_report(raw, max_bytes=max_bytes)


class _StampIndex:
    """One issue's readers' stamps in 12 bytes a reader: the first 64 bits of each signature,
    sorted, and the reader's place in address order (a dict of stamps to addresses took about
    180 bytes a reader, for every issue a report named)."""

    def __init__(self, stamps: Iterable[str]) -> None:
        unsorted = array("Q", (_prefix(stamp) for stamp in stamps))
        order = sorted(range(len(unsorted)), key=unsorted.__getitem__)
        self.prefixes = array("Q", (unsorted[place] for place in order))
        self.places_ = array("I", order)

    def places(self, stamped: str) -> list[int]:
        """The places of the readers whose stamp may be `stamped` (its 64 bits match)."""
        prefix = _prefix(stamped)
        at = bisect.bisect_left(self.prefixes, prefix)
        found = []
        while at < len(self.prefixes) and self.prefixes[at] == prefix:
            found.append(self.places_[at])
            at += 1
        return found


def _prefix(stamped: str) -> int:
    """The first 64 bits of a stamp's signature (`ISSUE.` then 24 hex digits), as a number."""
    return int(stamped[-24:-8], 16)


def _shown(message_id: str) -> str:
    """A sender's Message-ID fit for a terminal: printable characters only, at most 120."""
    text = "".join(c if c.isprintable() else "?" for c in message_id)
    return text if len(text) <= 120 else text[:117] + "..."
