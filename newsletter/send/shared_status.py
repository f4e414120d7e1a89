"""`send --status` on PostgreSQL: the statements that count each sender's share, in one pass."""

from __future__ import annotations

from typing import Any

import psycopg

from newsletter.send.claim_statements import EPOCH
from newsletter.send.journal import SenderShare, machine_of, shown_host

# million claimed readers against 1.2 s; bench/bench_status.py).
SHARES = f"""
SELECT o.sender_id, o.host, o.pid, o.started,
  CASE WHEN o.finished IS NOT NULL THEN 'finished'
       WHEN o.lease_until >= now() THEN 'sending'
       WHEN o.server_epoch <> {EPOCH} THEN 'held' ELSE 'gone' END,
  coalesce(t.claimed, 0), coalesce(t.sent, 0), coalesce(t.failed, 0), coalesce(t.unknown, 0)
FROM senders o
LEFT JOIN (
  SELECT c.sender_id, count(*) AS claimed,
    count(*) FILTER (WHERE d.status = 'sent') AS sent,
    count(*) FILTER (WHERE d.status = 'failed') AS failed,
    count(*) FILTER (WHERE d.status = 'unknown') AS unknown
  FROM send_claims c
  JOIN subscribers s ON s.id = c.subscriber_id
  LEFT JOIN deliveries d ON d.issue_id = c.issue_id AND lower(d.email::text) = lower(s.email::text)
  WHERE c.issue_id = %(issue)s
  GROUP BY c.sender_id
) t ON t.sender_id = o.sender_id
WHERE o.issue_id = %(issue)s
ORDER BY o.started, o.sender_id
"""
# `send --status` in one pass over the list: per sender (NULL: no claim) its claimed readers,
# their outcomes, and the readers the issue has not reached, active (unsent) and not (not
# mailed), as journal._NOT_REACHED counts them.
STATUS = """
SELECT c.sender_id, count(c.subscriber_id),
  count(*) FILTER (WHERE c.subscriber_id IS NOT NULL AND d.status = 'sent'),
  count(*) FILTER (WHERE c.subscriber_id IS NOT NULL AND d.status = 'failed'),
  count(*) FILTER (WHERE c.subscriber_id IS NOT NULL AND d.status = 'unknown'),
  count(*) FILTER (WHERE s.status = 'active' AND d.status IS DISTINCT FROM 'sent'
                   AND d.status IS DISTINCT FROM 'unknown'),
  count(*) FILTER (WHERE s.status != 'active' AND d.status IS DISTINCT FROM 'sent'
                   AND d.status IS DISTINCT FROM 'unknown')
FROM subscribers s
LEFT JOIN deliveries d ON d.issue_id = %(issue)s AND lower(d.email::text) = lower(s.email::text)
LEFT JOIN send_claims c ON c.issue_id = %(issue)s AND c.subscriber_id = s.id
GROUP BY c.sender_id
"""
SENDERS = f"""
SELECT o.sender_id, o.host, o.pid, o.started,
  CASE WHEN o.finished IS NOT NULL THEN 'finished'
       WHEN o.lease_until >= now() THEN 'sending'
       WHEN o.server_epoch <> {EPOCH} THEN 'held' ELSE 'gone' END
FROM senders o WHERE o.issue_id = %(issue)s
ORDER BY o.started, o.sender_id
"""


def sender_share(sender: tuple[Any, ...], counted: tuple[Any, ...]) -> SenderShare:
    """A row of SENDERS and its counts from STATUS (claimed, sent, failed, unknown)."""
    return SenderShare(
        sender_id=sender[0], host=sender[1], pid=sender[2],
        started=sender[3].strftime("%Y-%m-%dT%H:%M:%SZ"), state=sender[4],
        claimed=int(counted[0]), sent=int(counted[1]), failed=int(counted[2]),
        unknown=int(counted[3]),
    )  # fmt: skip


def share_of(row: tuple[Any, ...]) -> SenderShare:
    """A row of SHARES."""
    return SenderShare(
        sender_id=row[0], host=row[1], pid=row[2], started=row[3].strftime("%Y-%m-%dT%H:%M:%SZ"),
        state=row[4], claimed=row[5], sent=row[6], failed=row[7], unknown=row[8],
    )  # fmt: skip


def status_rows(
    raw: psycopg.Connection[tuple[Any, ...]], issue_id: str
) -> tuple[dict[Any, tuple[Any, ...]], list[tuple[Any, ...]]]:
    """STATUS's counts by sender id (None: no claim), and SENDERS's rows (in the caller's
    transaction)."""
    per_sender = {r[0]: r[1:] for r in raw.execute(STATUS, {"issue": issue_id}).fetchall()}
    return per_sender, raw.execute(SENDERS, {"issue": issue_id}).fetchall()


# The readers held for a sender cut off by a restart or a failover (claim_statements.CLAIM):
# its lease ran out without a clean end on another run of the server, and what it claimed is
# not settled.  Per host: what the run that finds them says (shared_send.py).
HELD = f"""
SELECT o.host, count(*) FROM send_claims c
JOIN senders o ON o.sender_id = c.sender_id
JOIN subscribers s ON s.id = c.subscriber_id
WHERE c.issue_id = %s AND o.finished IS NULL AND o.lease_until < now()
  AND o.server_epoch <> {EPOCH} AND s.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = c.issue_id
                  AND lower(d.email::text) = lower(s.email::text)
                  AND d.status IN ('sent', 'unknown', 'failed'))
GROUP BY o.host ORDER BY o.host
"""


def held_line(where: str, held: list[tuple[str, int]], shown: str) -> str:
    """The one line of a run that sent what it could and found readers held (HELD's rows)."""
    hosts = ", ".join(f"{n} by {shown_host(machine_of(host))}" for host, n in held)
    total = sum(n for _, n in held)
    return (
        f"{where}: {total} reader(s) held for the host(s) that were sending when the database "
        f"restarted or failed over ({hosts}): each may have accepted messages in its "
        "recovery file (postgresql-send.unjournaled) that only it can record, so they are "
        f"not sent from here; run `newsletter send {shown}` again on that host, which records "
        "its file first and then sends them (`--status` shows it `held`), or, if it will "
        f"never run again, `newsletter send {shown} --take-over` here"
    )


# --take-over: the held senders stamped with the server's present run, so that their lease,
# run out, frees their readers to every sender (claim_statements.CLAIM).
TAKE_OVER = f"""
UPDATE senders SET server_epoch = {EPOCH}
WHERE issue_id = %s AND finished IS NULL AND lease_until < now() AND server_epoch <> {EPOCH}
"""
