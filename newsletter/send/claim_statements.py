"""The statements by which senders claim readers of an issue on PostgreSQL, and give them back.

The rules they encode are shared_journal.py's module doc ("Readers are claimed in batches").
"""

from __future__ import annotations

NO_ID_LIMIT = 2**63 - 1
# The server's run: when its postmaster started, in microseconds (a number, so that no
# session's TimeZone or DateStyle changes its text).  It changes when the server restarts
# and when a standby is promoted (a failover); sender_lease.py stamps it on each sender.
EPOCH = "(extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint::text"
# Readers this sender may claim: active, not done, and free (module doc).  `done` is
# ('sent', 'unknown'), or ('sent') when re-sending the unknown.  A claim is free only when
# its sender is *seen* gone: a sender registered after this statement's snapshot is not
# visible to it, yet its claim (which the insert waits for, and then sees) is live.  The
# insert's ON CONFLICT … WHERE is what decides, on the claim's latest version.  Its own
# claims are this sender's again in this pass, and in a later pass while never tried: a
# claim the pass skipped (SKIP LOCKED: another sender's statement held the row) and then
# went past would otherwise stay claimed, unsent, while the sender lives, and senders
# each waiting for the other's readers would never end.  One tried in an earlier pass
# (failed, say) is not tried again by this run.  (A pass begins once every outcome of the
# one before is committed: its workers wait for their commits before they end.)
# Each batch costs what it reads, never the list: the readers after the cursor (`last`) in id
# order, each looked up by key in send_claims and deliveries.  The look-ups are subqueries
# the planner may not turn into joins (OFFSET 0): as joins, with the statistics of tables
# that were empty when the send began (the server analyses them a minute later, at best),
# its generic plan read every claim and delivery of the issue for each batch (a merge join
# over the sorted claims, the deliveries materialized and compared with each reader): 1.2 s
# a batch at 30,000 readers, O(n²) over a send.  The statement returns each candidate,
# with whether this sender won it: a candidate another sender claimed after this
# statement's snapshot is theirs, and the cursor goes past it all the same.
# A gone sender's claims are free only when it was last renewed on the server's present run
# (EPOCH, above): one cut off by a restart or a failover is held for its workspace
# (shared_status.HELD).
CLAIM = f"""
WITH candidates AS (
  SELECT s.id, s.email::text AS email, s.name, s.fields, s.first_name FROM subscribers s
  LEFT JOIN LATERAL (
    SELECT c.sender_id, c.claimed_at, o.finished, o.lease_until, o.server_epoch
    FROM send_claims c
    LEFT JOIN senders o ON o.sender_id = c.sender_id
    WHERE c.issue_id = %(issue)s AND c.subscriber_id = s.id OFFSET 0
  ) c ON true
  WHERE s.id > %(last)s AND s.id <= %(up_to)s AND s.status = 'active'
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = %(issue)s
                    AND lower(d.email::text) = lower(s.email::text)
                    AND d.status IN {{done}} OFFSET 0)
    AND (c.sender_id IS NULL
         OR (c.sender_id = %(me)s AND (c.claimed_at >= %(pass_start)s
             OR NOT EXISTS (SELECT 1 FROM deliveries t
                            WHERE t.issue_id = %(issue)s
                              AND lower(t.email::text) = lower(s.email::text) OFFSET 0)))
         OR (c.sender_id <> %(me)s
             AND ((c.finished IS NULL AND c.lease_until < now()
                   AND c.server_epoch = {EPOCH})
                  OR (c.finished IS NOT NULL AND c.claimed_at < %(my_start)s))))
  ORDER BY s.id LIMIT %(size)s
  FOR UPDATE OF s SKIP LOCKED
), claimed AS (
  INSERT INTO send_claims AS c (issue_id, subscriber_id, sender_id, claimed_at)
  SELECT %(issue)s, id, %(me)s, now() FROM candidates
  ON CONFLICT (issue_id, subscriber_id) DO UPDATE
    SET sender_id = excluded.sender_id, claimed_at = excluded.claimed_at
    WHERE c.sender_id = excluded.sender_id OR EXISTS (
      SELECT 1 FROM senders o WHERE o.sender_id = c.sender_id
        AND ((o.finished IS NULL AND o.lease_until < now()
              AND o.server_epoch = {EPOCH})
             OR (o.finished IS NOT NULL AND c.claimed_at < %(my_start)s)))
  RETURNING subscriber_id
)
SELECT k.id, k.email, k.name, k.fields, k.first_name, claimed.subscriber_id IS NOT NULL
FROM candidates k LEFT JOIN claimed ON claimed.subscriber_id = k.id
ORDER BY k.id
"""
# Whether a pass may find anyone: an active reader up to the list's end with no `done`
# outcome (CLAIM's candidates are among them; `done` as in CLAIM).  Read with hash joins
# before every pass but a sender's first (PostgresJournal._claimed): at the end of a send
# the pass from id 0 looked each reader up by key (CLAIM) to find nobody, 0.15-0.3 s at
# 20,000 readers in each worker process while nothing else ran (docs/postgresql-measurements.md,
# "Part 10").
ANY_UNSENT = """
SELECT EXISTS (
  SELECT 1 FROM subscribers s
  WHERE s.id <= %(up_to)s AND s.status = 'active'
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = %(issue)s
                    AND lower(d.email::text) = lower(s.email::text) AND d.status IN {done}))
"""
# Whether a range of ids (after `last`, up to `up_to`) may hold a reader this sender could
# claim: one with no `done` outcome that no other *living* sender holds (its lease not run
# out, not finished).  CLAIM takes none of those, so a range this finds empty would give
# nobody; anything else counts (a claim of a sender gone, or finished, or this sender's own),
# so the range is then walked and CLAIM decides.  Read with hash joins before each range but
# a worker process's own (PostgresJournal._claimed, `claim_ranges`): walked, the other worker
# process's range cost about as much as claiming it (each reader looked up by key in
# send_claims and deliveries only to be passed over), and the two processes' cursors crossed
# each other's claims at every batch (docs/postgresql-measurements.md, "Part 11").
ANY_FREE = """
SELECT EXISTS (
  SELECT 1 FROM subscribers s
  WHERE s.id > %(last)s AND s.id <= %(up_to)s AND s.status = 'active'
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = %(issue)s
                    AND lower(d.email::text) = lower(s.email::text) AND d.status IN {done})
    AND NOT EXISTS (SELECT 1 FROM send_claims c JOIN senders o ON o.sender_id = c.sender_id
                    WHERE c.issue_id = %(issue)s AND c.subscriber_id = s.id
                      AND c.sender_id <> %(me)s AND o.finished IS NULL
                      AND o.lease_until >= now()))
"""


def claim_ranges(part: tuple[int, int], up_to: int | None) -> list[tuple[int, int]]:
    """The ranges of ids a pass of worker process k of n walks, in order, each as (after,
    up to): its own n-th of the ids up to `up_to` first, then the ids after it, then those
    before it.  The processes of one run so start apart, and each claims batches of its own
    range alone until it reaches the others' (which ANY_FREE then says whether to walk).
    One range, the whole list, for a single process or a list whose end is not known."""
    k, n = part
    end = NO_ID_LIMIT if up_to is None else up_to
    if n <= 1 or up_to is None:
        return [(0, end)]
    low, high = up_to * k // n, up_to * (k + 1) // n
    return [(a, b) for a, b in ((low, high), (high, end), (0, low)) if b > a]


# Read with hash joins (PostgresJournal.others_pending): looked up claim by claim, as the
# planner chose on tables it had not analysed yet, 0.2 s at 20,000 readers (0.03-0.05 s so).
OTHERS_PENDING = """
SELECT count(*) FROM send_claims c
JOIN senders o ON o.sender_id = c.sender_id
JOIN subscribers s ON s.id = c.subscriber_id
WHERE c.issue_id = %s AND c.sender_id <> %s AND o.finished IS NULL AND o.lease_until >= now()
  AND s.id <= %s AND s.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = c.issue_id
                  AND lower(d.email::text) = lower(s.email::text)
                  AND d.status IN ('sent', 'unknown', 'failed'))
"""
# The same, held by senders whose lease was not renewed lately: one renewed every lease/6
# (sender_lease.Heartbeat) runs at least 5/6 of a lease ahead of the server's clock; one
# whose lease is nearer its end than 2/3 of it (killed, stopped, cut off) keeps them until it
# runs out.  The last parameter: 2/3 of this sender's lease, in seconds.
OTHERS_STALLED = (
    OTHERS_PENDING.rstrip()
    + """
  AND o.lease_until < now() + make_interval(secs => %s)
"""
)
STILL_MINE = """
SELECT 1 FROM send_claims c JOIN subscribers s ON s.id = c.subscriber_id
WHERE c.issue_id = %s AND c.sender_id = %s AND s.email = %s
"""
# The claims a sender gives back as it ends: those it did not settle (neither sent, unknown
# nor failed), so that the senders still running take them.
RELEASE = """
DELETE FROM send_claims c WHERE c.sender_id = %s AND NOT EXISTS (
  SELECT 1 FROM subscribers s JOIN deliveries d ON lower(d.email::text) = lower(s.email::text)
  WHERE s.id = c.subscriber_id AND d.issue_id = c.issue_id
    AND d.status IN ('sent', 'unknown', 'failed'))
"""
# The same, looking only at the readers given (`PostgresJournal._finish`: those this sender
# claimed and saw no final outcome of committed, a few at the end of a send), by key.
# RELEASE looked at every claim of the sender, each joined to the list and the journal: 0.2 s
# at the end of a send of 20,000 from two worker processes, 0.5 s at 100,000, while nothing
# else ran (docs/postgresql-measurements.md, "Part 10").  The NOT EXISTS stays: a reader given is
# released only when the journal has no final outcome for it.
RELEASE_SOME = """
DELETE FROM send_claims c
WHERE c.issue_id = %s AND c.subscriber_id = ANY(%s::bigint[]) AND c.sender_id = %s
  AND NOT EXISTS (
  SELECT 1 FROM subscribers s JOIN deliveries d ON lower(d.email::text) = lower(s.email::text)
  WHERE s.id = c.subscriber_id AND d.issue_id = c.issue_id
    AND d.status IN ('sent', 'unknown', 'failed'))
"""
# Each sender's share.  The claims are counted in a subquery grouped by sender, then joined
# to the few senders: PostgreSQL 15 runs that join of claims, readers and deliveries in
# parallel, where a left join from `senders` (a hash right join) ran on one core (2.5 s for a
