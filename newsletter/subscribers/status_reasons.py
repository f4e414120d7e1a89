"""Why an address bounced or complained: the code, the words, the date and the report.

One row per address, the latest reason: a bounce report (`bounce`), a complaint
(`complaint`), or the relay's own 5xx refusal at sending (`refused`, its Message-ID
then the refused message's).  Only the subscriber store writes it (store.py), so a
forgotten address never gets one; `subscribers forget` erases it with the rest, and a
resubscribe or a `remove` drops it.  `subscribers show` and `subscribers export` give it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from newsletter.stored_text import storable_text
from newsletter.subscribers.connection import Connection

ReasonKind = Literal["bounce", "complaint", "refused"]
REASON_COLUMNS = ("reason", "reason_code", "reason_diagnostic", "reason_at", "reason_message_id")
MAX_DIAGNOSTIC = 500  # characters kept of a server's words: enough to say why, never a whole page

_ENHANCED = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")
_REPLY_CODE = re.compile(r"^\s*([245]\d\d)\b")
# 5.1.x: the address itself is bad (no such user, no such domain...), RFC 3463.  5.1.7 and
# 5.1.8 are about the sender's address, so they say nothing about the reader.
_BAD_ADDRESS = re.compile(r"^5\d\d[ -]5\.1\.(?!7\b|8\b)\d{1,3}\b")


def is_bad_address(reply: str) -> bool:
    """True for a relay's reply saying the reader's address does not exist (`550 5.1.1 …`)."""
    return bool(_BAD_ADDRESS.match(reply))


@dataclass(frozen=True, slots=True)
class StatusReason:
    """Why an address bounced or complained, as the report (or the relay) said."""

    kind: ReasonKind
    code: str = ""  # 5.1.1 (enhanced), else the reply's 550; "" for a complaint
    diagnostic: str = ""
    at: str = ""  # ISO 8601 UTC; the store fills in now when empty
    message_id: str = ""

    def as_dict(self) -> dict[str, str]:
        """The reason as `subscribers show --json` gives it."""
        return {
            "kind": self.kind,
            "code": self.code,
            "diagnostic": self.diagnostic,
            "at": self.at,
            "message_id": self.message_id,
        }


def refusal_reason(reply: str, message_id: str, at: str) -> StatusReason:
    """The reason for a relay's 5xx at sending: `550 5.1.1 no such user` → 5.1.1 and its words."""
    enhanced = _ENHANCED.search(reply)
    basic = _REPLY_CODE.match(reply)
    code = enhanced.group(0) if enhanced else basic.group(1) if basic else ""
    return StatusReason("refused", code, storable_text(reply, MAX_DIAGNOSTIC), at, message_id)


def reason_for(conn: Connection, email: str) -> StatusReason | None:
    """The latest reason kept for `email`, or None."""
    row = conn.execute(
        "SELECT kind, code, diagnostic, at, message_id FROM status_reasons WHERE email = ?",
        (email,),
    ).fetchone()
    return StatusReason(*row) if row else None


def write_reason(conn: Connection, email: str, reason: StatusReason, now: str) -> None:
    """Keep `reason` as the address's latest (for the store only: it checks the address)."""
    conn.execute(
        # ON CONFLICT rather than INSERT OR REPLACE: the same statement runs on PostgreSQL
        "INSERT INTO status_reasons (email, kind, code, diagnostic, at, message_id)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET kind = excluded.kind,"
        " code = excluded.code, diagnostic = excluded.diagnostic, at = excluded.at,"
        " message_id = excluded.message_id",
        (
            email,
            reason.kind,
            reason.code,
            storable_text(reason.diagnostic, MAX_DIAGNOSTIC),
            reason.at or now,
            storable_text(reason.message_id, MAX_DIAGNOSTIC),
        ),
    )


def drop_reason(conn: Connection, email: str) -> None:
    """Forget the reason of an address that is active again, or removed from the list."""
    conn.execute("DELETE FROM status_reasons WHERE email = ?", (email,))
