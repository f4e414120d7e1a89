"""One message for every sender of an issue on PostgreSQL: merge.eml's hash, checked.

Several hosts may send one issue at once only if they send the same message.  The first
sender records the SHA-256 of merge.eml (and its merge.empty=*.eml variants) in
`send_issues`; a sender whose files hash otherwise is refused (`MergeMismatch`) with one line
before it claims anyone.
"""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import DeliveryError
from newsletter.subscribers.database import utc_now


class MergeMismatch(DeliveryError):
    """This sender's merge.eml is not the one the send of the issue started with."""


def merge_hash(files: dict[str, str]) -> str:
    """The SHA-256 of merge.eml and its variants, from the build record's file hashes."""
    names = sorted(n for n in files if n.startswith("merge") and n.endswith(".eml"))
    joined = "\n".join(f"{name} {files[name]}" for name in names)
    return hashlib.sha256(joined.encode()).hexdigest()


def check_merge_hash(
    raw: psycopg.Connection[tuple[Any, ...]],
    server: PostgresUrl,
    issue_id: str,
    merge: str,
    sender_id: str,
) -> None:
    """Record `merge` as the issue's hash if it has none; MergeMismatch if it has another
    (run inside the caller's transaction)."""
    raw.execute(
        "INSERT INTO send_issues (issue_id, merge_hash, first_sender, at)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (issue_id, merge, sender_id, utc_now()),
    )
    row = raw.execute(
        "SELECT merge_hash, first_sender, at FROM send_issues WHERE issue_id = %s", (issue_id,)
    ).fetchone()
    assert row is not None
    if row[0] != merge:
        raise MergeMismatch(
            f"{server.where}: issue {issue_id}: this merge.eml is not the one "
            f"its send started with (sha256 {merge[:12]}…, not {row[0][:12]}… from "
            f"sender {row[1]} at {row[2]}); send the same built issue from every host "
            "(copy its folder as built), never a rebuild"
        )
