"""Subscribers in newsletter.db: add, change status, remove, and read them back in batches.

Addresses are unique whatever their case.  An address that unsubscribed is
also remembered in `unsubscribes`, which outlives `remove`, so no later import
or `add` mails it again unless it is explicitly re-subscribed.  A forgotten
address is refused by every method here (and by the database's own guard,
forgotten.py, for every other writer).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from newsletter.subscribers.connection import Connection, dialect
from newsletter.subscribers.database import open_database, utc_now
from newsletter.subscribers.status_reasons import StatusReason, drop_reason, write_reason
from newsletter.subscribers.suppression import is_forgotten

STATUSES = ("active", "unsubscribed", "bounced")
Status = Literal["active", "unsubscribed", "bounced"]
# What `add`/`upsert` did with an address.
Change = Literal["added", "updated", "unchanged", "suppressed", "resubscribed"]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One address on the list, with its merge fields."""

    email: str
    name: str = ""  # the full name, as the To: line gives it
    fields: Mapping[str, str] = field(default_factory=dict)
    status: Status = "active"
    created: str = ""
    updated: str = ""
    id: int = 0
    first_name: str = ""  # `{{ subscriber.first_name or "there" }}`


class SubscriberStore:
    """The subscribers table of one newsletter.db."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SubscriberStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, email: str) -> Subscriber | None:
        """The subscriber with this address (any case), or None."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM subscribers WHERE email = ?", (email,)
        ).fetchone()
        return _subscriber(row) if row else None

    def is_suppressed(self, email: str) -> bool:
        """True when the address unsubscribed (even if it was removed since)."""
        return (
            self.conn.execute("SELECT 1 FROM unsubscribes WHERE email = ?", (email,)).fetchone()
            is not None
        )

    def upsert(
        self,
        email: str,
        name: str | None = None,
        fields: Mapping[str, str] | None = None,
        *,
        status: Status = "active",
        resubscribe: bool = False,
        now: str | None = None,
        first_name: str | None = None,
    ) -> Change:
        """Add an address or update its names and fields; an unsubscribed one stays unsubscribed.

        `name=None` (or `first_name=None`) keeps the stored one; `fields` are merged into the
        stored ones.  `status` other than active (from an exported CSV, say) is applied;
        `resubscribe=True` makes an unsubscribed or bounced address active again.
        """
        now = now or utc_now()
        if is_forgotten(self.conn, email):  # erased on request: only their own sign-up re-adds
            return "suppressed"
        current = self.get(email)
        suppressed = self.is_suppressed(email)
        if status == "unsubscribed" and not suppressed:
            self._suppress(email, now)
        if current is None:
            change = self._insert(email, name, fields, status, suppressed, resubscribe, now)
            if first_name:
                self.conn.execute(
                    "UPDATE subscribers SET first_name = ? WHERE email = ?", (first_name, email)
                )
            return change
        new_name = current.name if name is None else name
        new_first = current.first_name if first_name is None else first_name
        new_fields = {**current.fields, **(fields or {})}
        new_status, change = _next_status(current.status, status, resubscribe)
        if change == "resubscribed":
            self._unsuppress(email)
            drop_reason(self.conn, email)
        if (new_name, new_first, new_fields, new_status) != (
            current.name,
            current.first_name,
            dict(current.fields),
            current.status,
        ):
            self.conn.execute(
                "UPDATE subscribers SET name = ?, first_name = ?, fields = ?, status = ?,"
                " updated = ? WHERE id = ?",
                (new_name, new_first, _json(new_fields), new_status, now, current.id),
            )
            if change == "unchanged":
                change = "updated"
        return change

    def _insert(
        self,
        email: str,
        name: str | None,
        fields: Mapping[str, str] | None,
        status: Status,
        suppressed: bool,
        resubscribe: bool,
        now: str,
    ) -> Change:
        """A new row for an address not on the list (an unsubscribed one stays so)."""
        wanted = _new_status(status, suppressed, resubscribe)
        if wanted == "active" and suppressed:
            self._unsuppress(email)
        self.conn.execute(
            "INSERT INTO subscribers (email, name, fields, status, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (email, name or "", _json(fields or {}), wanted, now, now),
        )
        return "suppressed" if wanted == "unsubscribed" and status == "active" else "added"

    def add(
        self,
        email: str,
        name: str | None = None,
        fields: Mapping[str, str] | None = None,
        *,
        first_name: str | None = None,
    ) -> Change:
        """`subscribers add`: add or update one address; an unsubscribed or bounced one is left
        untouched ("suppressed"), so the refused command changes no row."""
        with self.transaction():
            current = self.get(email)
            if self.is_suppressed(email) or (current is not None and current.status != "active"):
                return "suppressed"
            return self.upsert(email, name, fields, first_name=first_name)

    def set_status(
        self,
        email: str,
        status: Status,
        *,
        now: str | None = None,
        reason: StatusReason | None = None,
    ) -> Subscriber | None:
        """Mark an address active, unsubscribed or bounced (unsubscribing suppresses it).

        Making an address active lifts its unsubscribe only when it is on the
        list: for an unknown address nothing changes and None comes back.
        `reason` (a bounce or a complaint) is kept for an address on the list; making
        it active drops the one kept.
        """
        now = now or utc_now()
        with self.transaction():
            if is_forgotten(self.conn, email):  # erased: nothing to change, nothing to store
                return None
            current = self.get(email)
            if status == "unsubscribed":
                self._suppress(email, now)  # remembered even for an address not on the list
            elif current is None:
                return None
            elif status == "active":
                self._unsuppress(email)
                drop_reason(self.conn, email)
            if reason is not None and current is not None:
                write_reason(self.conn, email, reason, now)
            self.conn.execute(
                "UPDATE subscribers SET status = ?, updated = ? WHERE email = ? AND status != ?",
                (status, now, email, status),
            )
            return self.get(email)

    def resubscribe(self, email: str, *, now: str | None = None) -> Subscriber | None:
        """Make an unsubscribed or bounced address active again; None (no change) if absent."""
        return self.set_status(email, "active", now=now)

    def mark_bounced(
        self, email: str, *, now: str | None = None, reason: StatusReason | None = None
    ) -> bool:
        """Mark an active subscriber `bounced` (the address does not exist): sends skip them.

        For the sender's 5.1.x replies and for bounce processing; `reason` (the reply)
        is kept with it.  An unsubscribed address stays unsubscribed.  True when a row
        changed.
        """
        now = now or utc_now()
        with self.transaction():
            if is_forgotten(self.conn, email):
                return False
            changed = self.conn.execute(
                "UPDATE subscribers SET status = 'bounced', updated = ? "
                "WHERE email = ? AND status = 'active'",
                (now, email),
            )
            if changed.rowcount > 0 and reason is not None:
                write_reason(self.conn, email, reason, now)
            return changed.rowcount > 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: every change in the block, or none (a nested block joins it)."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def remove(self, email: str) -> bool:
        """Delete an address from the list (its unsubscribe, if any, is kept); False if absent."""
        with self.transaction():
            drop_reason(self.conn, email)
            return (
                self.conn.execute("DELETE FROM subscribers WHERE email = ?", (email,)).rowcount > 0
            )

    def iter(self, status: Status | None = None, *, batch: int = 1000) -> Iterator[Subscriber]:
        """Every subscriber (or those with one status) in the order they joined, in batches."""
        last = 0
        where = "id > ?" + (" AND status = ?" if status else "")
        while True:
            params = (last, status) if status else (last,)
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM subscribers WHERE {where} ORDER BY id LIMIT {int(batch)}",
                params,
            ).fetchall()
            yield from map(_subscriber, rows)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def counts(self) -> dict[str, int]:
        """How many subscribers have each status (every status present, zero or not)."""
        counts = dict.fromkeys(STATUSES, 0)
        counts.update(
            self.conn.execute("SELECT status, count(*) FROM subscribers GROUP BY status").fetchall()
        )
        return counts

    def field_names(self, status: Status | None = None) -> list[str]:
        """Every merge-field name in use, sorted."""
        where, params = ("WHERE s.status = ?", (status,)) if status else ("", ())
        keys = (  # the keys of each row's JSON object of fields
            "json_object_keys(s.fields::json) AS j(key)"
            if dialect(self.conn) == "postgresql"
            else "json_each(s.fields) j"
        )
        rows = self.conn.execute(
            f"SELECT DISTINCT j.key FROM subscribers s, {keys} {where} ORDER BY j.key", params
        )
        return [r[0] for r in rows]

    def _suppress(self, email: str, now: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO unsubscribes (email, at) VALUES (?, ?)", (email, now)
        )

    def _unsuppress(self, email: str) -> None:
        self.conn.execute("DELETE FROM unsubscribes WHERE email = ?", (email,))


def open_store(path: Path, *, create: bool = True) -> SubscriberStore:
    """The subscribers of the database at `path`, created when missing (unless create=False)."""
    return SubscriberStore(open_database(path, create=create))


def _next_status(current: Status, wanted: Status, resubscribe: bool) -> tuple[Status, Change]:
    """An existing row's status after an upsert asking for `wanted`, and what changed."""
    if resubscribe and current != "active":
        return "active", "resubscribed"
    if wanted != "active" and current not in (wanted, "unsubscribed"):
        return wanted, "unchanged"  # bounced, say; an unsubscribe is never overwritten
    return current, "suppressed" if current != "active" else "unchanged"


def _new_status(status: Status, suppressed: bool, resubscribe: bool) -> Status:
    if suppressed and not resubscribe:
        return "unsubscribed"
    return status


_COLUMNS = "id, email, name, fields, status, created, updated, first_name"


def _subscriber(row: tuple[Any, ...]) -> Subscriber:
    id_, email, name, fields, status, created, updated, first_name = row
    return Subscriber(
        email=email,
        name=name,
        first_name=first_name,
        fields=json.loads(fields),
        status=status,
        created=created,
        updated=updated,
        id=id_,
    )


def _json(fields: Mapping[str, str]) -> str:
    return json.dumps(dict(fields), ensure_ascii=False, sort_keys=True)
