"""Match each report to a subscriber and record what it means: `process_mailbox`.

Matching, most trusted first:
  1. the returned Message-ID: a list copy's is `<issue.hash@domain>`, the
     hash made from the reader's address (newsletter/mail/list_message.py);
  2. `Final-Recipient` (or `Original-Rcpt-To`, or a bounce's recipient line),
     when that address is on the list;
  3. a VERP envelope sender the report was addressed to
     (`bounces+reader=example.org@…`).

Then: a hard bounce (5.x.x) marks an active subscriber `bounced`; a soft one
(4.x.x) is remembered per returned message, and `bounce.soft_limit` of them in
a row (over the last issues sent to that reader, as the journal has them)
mark them `bounced`; a complaint unsubscribes them and is counted; a mailed
unsubscribe does so when its token verifies.  Unsubscribed readers stay so.

Each report is recorded by its Message-ID in the same transaction as its
effect, so processing a mailbox twice changes nothing, and a run killed
halfway resumes where it stopped.  Transactions hold BATCH reports; an IMAP
message is flagged or moved only after its batch is committed.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from newsletter.bounces.reports import Report, read_report, report_id
from newsletter.bounces.sources import Mailbox
from newsletter.config import Settings
from newsletter.mail.unsubscribe import unsubscribe_links, verify_token
from newsletter.subscribers.database import database_error, open_database, utc_now
from newsletter.subscribers.store import SubscriberStore
from newsletter.subscribers.suppression import is_forgotten

BATCH = 500


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

    @property
    def complaint_rate(self) -> float:
        """Complaints per message sent, over the whole journal (Gmail and Yahoo want < 0.3 %)."""
        return self.complaints_total / self.sent_total if self.sent_total else 0.0


class Intake:
    """Applies reports to one newsletter.db."""

    def __init__(self, conn: sqlite3.Connection, settings: Settings) -> None:
        self.conn = conn
        self.store = SubscriberStore(conn)
        self.soft_limit = settings.bounce.soft_limit
        self.links = unsubscribe_links(settings)
        self.secret = self.links.secret  # now: made on first use, outside any transaction
        self._digests: dict[str, str] | None = None
        self._issues: list[str] | None = None
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
        if report.kind == "ignored":
            return "ignored", ""
        if report.kind == "unsubscribe":
            address = verify_token(report.token, self.secret, self.links.list_id)
            if address is None:
                return "unmatched", ""
            self._unsubscribe(address)
            return "unsubscribe", ""
        issue, by_id = self._by_returned_id(report.returned_id)
        targets: list[tuple[str, str]] = []
        if by_id:  # our own Message-ID came back: trust it over any address in the report
            targets = [(by_id, report.failures[0].kind if report.failures else report.kind)]
        else:
            targets = [
                (f.recipient, f.kind)
                for f in report.failures
                if f.recipient and self.store.get(f.recipient) is not None
            ]
        if not targets and report.verp and self.store.get(report.verp) is not None:
            targets = [(report.verp, report.kind)]
        if not targets:
            return "unmatched", issue
        for address, kind in targets:
            if report.kind == "complaint":
                self._unsubscribe(address)
            elif kind == "hard":
                self._bounce(address)
            elif kind == "soft":
                self._soft(address, report.returned_id or report.message_id, issue)
        return ("complaint" if report.kind == "complaint" else report.kind), issue

    def _by_returned_id(self, returned: str) -> tuple[str, str]:
        """(issue id, address) our list copy's Message-ID stands for, or ("", "")."""
        local = returned.strip("<>").partition("@")[0]
        issue, dot, digest = local.rpartition(".")
        if not dot or len(digest) != 16:
            return "", ""
        if self._digests is None:  # once per run: every address on the list, hashed
            self._digests = {
                _digest(email): email
                for (email,) in self.conn.execute("SELECT email FROM subscribers")
            }
        address = self._digests.get(digest.lower(), "")
        return (issue, address) if address else (issue, "")

    def _unsubscribe(self, address: str) -> None:
        if is_forgotten(self.conn, address):
            return
        current = self.store.get(address)
        if current is None or current.status != "unsubscribed":
            self.store.set_status(address, "unsubscribed")
            self.counts["now_unsubscribed"] += 1

    def _bounce(self, address: str) -> None:
        current = self.store.get(address)
        self.conn.execute("DELETE FROM soft_bounces WHERE email = ?", (address,))
        if current is not None and current.status == "active":
            self.store.set_status(address, "bounced")
            self.counts["now_bounced"] += 1

    def _soft(self, address: str, original: str, issue: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO soft_bounces (email, original, issue_id, at)"
            " VALUES (?, ?, ?, ?)",
            (address, original, issue, utc_now()),
        )
        if self.soft_in_a_row(address) >= self.soft_limit:
            self._bounce(address)

    def soft_in_a_row(self, address: str) -> int:
        """Soft bounces in a row: over the issues last sent to them, else of distinct messages."""
        rows = self.conn.execute(
            "SELECT issue_id FROM soft_bounces WHERE email = ?", (address,)
        ).fetchall()
        issues = {issue for (issue,) in rows if issue}
        unplaced = sum(1 for (issue,) in rows if not issue)
        if not issues:
            return unplaced
        if self._issues is None:  # once per run; then each lookup is one key per issue
            self._issues = [
                i for (i,) in self.conn.execute("SELECT DISTINCT issue_id FROM deliveries")
            ]
        marks = ",".join("?" * len(self._issues))
        # The journal's key is (issue_id, email): naming the issues lets SQLite use it
        # instead of reading every delivery for an address.
        sent = self.conn.execute(
            f"SELECT issue_id FROM deliveries WHERE issue_id IN ({marks}) AND email = ?"
            " AND status = 'sent' ORDER BY updated DESC, issue_id DESC",
            (*self._issues, address),
        ).fetchall()
        run = 0
        for (issue,) in sent:
            if issue not in issues:
                break  # a later issue went through without a bounce: the row is broken
            run += 1
        known = {issue for (issue,) in sent}
        return run + unplaced + len(issues - known)


def process_mailbox(
    box: Mailbox, settings: Settings, database: Path | None = None
) -> IntakeSummary:
    """Read every message of `box`, apply it, and say what happened."""
    path = database or settings.path(settings.database)
    conn = open_database(path)
    intake = Intake(conn, settings)
    counts: Counter[str] = Counter()
    pending: list[object] = []
    try:
        conn.execute("BEGIN IMMEDIATE")
        for ref, raw in box.messages():
            counts["messages"] += 1
            if intake.seen(report_id(raw)):  # a re-run: not even parsed again
                counts["already"] += 1
            else:
                counts[intake.apply(read_report(raw))] += 1
            pending.append(ref)
            if len(pending) >= BATCH:
                conn.execute("COMMIT")
                box.done(pending)  # flagged only once what they meant is committed
                pending = []
                conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
        box.done(pending)
        complaints_total = conn.execute(
            "SELECT count(*) FROM bounce_reports WHERE kind = 'complaint'"
        ).fetchone()[0]
        sent_total = conn.execute(
            "SELECT count(*) FROM deliveries WHERE status = 'sent'"
        ).fetchone()[0]
    except sqlite3.Error as e:  # a full disk or failing database: nothing of this batch is kept
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise database_error(path, e, "record the reports") from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
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
        complaints_total=complaints_total,
        sent_total=sent_total,
    )


def _digest(email: str) -> str:
    # The hash the composer puts in a list copy's Message-ID.
    return hashlib.blake2b(email.lower().encode(), digest_size=8).hexdigest()
