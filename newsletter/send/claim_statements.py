"""The statements by which senders claim readers of an issue on PostgreSQL, and give them back.

The rules they encode are shared_journal.py's module doc ("Readers are claimed in batches").
"""

from __future__ import annotations

NO_ID_LIMIT = 2**63 - 1
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
CLAIM = """
WITH candidates AS (
  SELECT s.id FROM subscribers s
  LEFT JOIN send_claims c ON c.issue_id = %(issue)s AND c.subscriber_id = s.id
  LEFT JOIN senders o ON o.sender_id = c.sender_id
  WHERE s.id > %(last)s AND s.id <= %(up_to)s AND s.status = 'active'
    AND NOT EXISTS (SELECT 1 FROM deliveries d
                    WHERE d.issue_id = %(issue)s AND d.email = s.email AND d.status IN {done})
    AND (c.sender_id IS NULL
         OR (c.sender_id = %(me)s AND (c.claimed_at >= %(pass_start)s
             OR NOT EXISTS (SELECT 1 FROM deliveries t
                            WHERE t.issue_id = %(issue)s AND t.email = s.email)))
         OR (c.sender_id <> %(me)s
             AND ((o.finished IS NULL AND o.lease_until < now())
                  OR (o.finished IS NOT NULL AND c.claimed_at < %(my_start)s))))
  ORDER BY s.id LIMIT %(size)s
  FOR UPDATE OF s SKIP LOCKED
), claimed AS (
  INSERT INTO send_claims AS c (issue_id, subscriber_id, sender_id, claimed_at)
  SELECT %(issue)s, id, %(me)s, now() FROM candidates
  ON CONFLICT (issue_id, subscriber_id) DO UPDATE
    SET sender_id = excluded.sender_id, claimed_at = excluded.claimed_at
    WHERE c.sender_id = excluded.sender_id OR EXISTS (
      SELECT 1 FROM senders o WHERE o.sender_id = c.sender_id
        AND ((o.finished IS NULL AND o.lease_until < now())
             OR (o.finished IS NOT NULL AND c.claimed_at < %(my_start)s)))
  RETURNING subscriber_id
)
SELECT s.id, s.email::text, s.name, s.fields, s.first_name
FROM subscribers s JOIN claimed ON claimed.subscriber_id = s.id
ORDER BY s.id
"""
OTHERS_PENDING = """
SELECT count(*) FROM send_claims c
JOIN senders o ON o.sender_id = c.sender_id
JOIN subscribers s ON s.id = c.subscriber_id
WHERE c.issue_id = %s AND c.sender_id <> %s AND o.finished IS NULL AND o.lease_until >= now()
  AND s.id <= %s AND s.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.issue_id = c.issue_id
                  AND d.email = s.email AND d.status IN ('sent', 'unknown', 'failed'))
"""
STILL_MINE = """
SELECT 1 FROM send_claims c JOIN subscribers s ON s.id = c.subscriber_id
WHERE c.issue_id = %s AND c.sender_id = %s AND s.email = %s
"""
# The claims a sender gives back as it ends: those it did not settle (neither sent, unknown
# nor failed), so that the senders still running take them.
RELEASE = """
DELETE FROM send_claims c WHERE c.sender_id = %s AND NOT EXISTS (
  SELECT 1 FROM subscribers s JOIN deliveries d ON d.email = s.email
  WHERE s.id = c.subscriber_id AND d.issue_id = c.issue_id
    AND d.status IN ('sent', 'unknown', 'failed'))
"""
# Each sender's share.  The claims are counted in a subquery grouped by sender, then joined
# to the few senders: PostgreSQL 15 runs that join of claims, readers and deliveries in
# parallel, where a left join from `senders` (a hash right join) ran on one core (2.5 s for a
