"""One message for every sender of an issue on PostgreSQL: merge.eml's hash, checked.

Several hosts may send one issue at once only if they send the same message.  The first
sender records the SHA-256 of merge.eml (and its merge.empty=*.eml variants) in
`send_issues`; a sender whose files hash otherwise is refused (`MergeMismatch`) with one line
before it claims anyone.

The same goes for the unsubscribe key: it signs each reader's unsubscribe token and makes
each list copy's Message-ID (mail/reader_stamp.py), so a host whose key differs (its own
NEWSLETTER_UNSUBSCRIBE_SECRET, or one set where the others use the key kept on the server)
would mail links the other hosts' `serve` cannot open.  The first sender records a keyed
fingerprint of its key beside the hash (`send_issues.key_check`, schema 10: an HMAC under the
key itself, never the key); a sender whose key differs is refused (`KeyMismatch`) the same
way.  A send begun by an earlier version has no check (NULL), and its key is then not
compared.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import DeliveryError
from newsletter.subscribers.database import utc_now


class MergeMismatch(DeliveryError):
    """This sender's merge.eml is not the one the send of the issue started with."""


class KeyMismatch(MergeMismatch):
    """This sender signs unsubscribe links with another key than the send started with."""


_CHECK_LABEL = b"newsletter unsubscribe key check\n"


def key_check(key: bytes, list_id: str) -> str:
    """A fingerprint of the unsubscribe key that shows whether two hosts hold the same one
    and nothing else: HMAC-SHA256 under the key of a fixed label and the list's id."""
    return hmac.new(key, _CHECK_LABEL + list_id.encode(), hashlib.sha256).hexdigest()[:32]


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
    first: str,
    check: str = "",
) -> None:
    """Record `merge` and `check` (the key's, or "" for none) as the issue's if it has none,
    started by `first` (the host as `--status` names it, and the pid; a version before
    7 December recorded the sender's id); MergeMismatch if its hash is another, KeyMismatch
    if its key's check is (in the caller's transaction).  No check on either side (a send
    begun before schema 10): not compared."""
    raw.execute(
        "INSERT INTO send_issues (issue_id, merge_hash, key_check, first_sender, at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (issue_id, merge, check or None, first, utc_now()),
    )
    row = raw.execute(
        "SELECT merge_hash, key_check, first_sender, at FROM send_issues WHERE issue_id = %s",
        (issue_id,),
    ).fetchone()
    assert row is not None
    theirs, their_check, first, at = str(row[0]), row[1] or "", row[2], row[3]
    if merge != theirs:
        raise MergeMismatch(
            f"{server.where}: issue {issue_id}: this merge.eml is not the one "
            f"its send started with (sha256 {merge[:12]}…, not {theirs[:12]}… from "
            f"{first} at {at}); send the same built issue from every host "
            "(copy its folder as built), never a rebuild"
        )
    if check and their_check and check != their_check:
        raise KeyMismatch(
            f"{server.where}: issue {issue_id}: this host signs unsubscribe links with another "
            f"key than the send's first sender ({first} at {at}), so readers mailed from here "
            "would get links the other hosts' `serve` cannot open; give every host the same "
            "key: the variable named by unsubscribe.secret_env set to the same value "
            "everywhere, or unset everywhere (the key kept on the server), then run the same "
            "command again"
        )
