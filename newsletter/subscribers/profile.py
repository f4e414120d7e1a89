"""Everything newsletter.db holds about one address, as plain data: an access request's answer."""

from __future__ import annotations

from typing import Any

from newsletter.subscribers.connection import Connection
from newsletter.subscribers.consent import consent_for
from newsletter.subscribers.status_reasons import reason_for
from newsletter.subscribers.store import SubscriberStore
from newsletter.subscribers.suppression import is_forgotten

LAST_DELIVERIES = 10


def subscriber_profile(conn: Connection, email: str) -> dict[str, Any]:
    """Status, name, fields, dates, consent, the bounce or complaint reason, soft bounces and
    the last deliveries of `email`."""
    subscriber = SubscriberStore(conn).get(email)
    consent = consent_for(conn, email)
    deliveries = [
        {"issue_id": i, "status": s, "attempts": a, "last_error": e, "updated": u}
        for i, s, a, e, u in conn.execute(
            "SELECT issue_id, status, attempts, last_error, updated FROM deliveries"
            " WHERE email = ? ORDER BY updated DESC, issue_id DESC LIMIT ?",
            (email, LAST_DELIVERIES),
        )
    ]
    soft = conn.execute("SELECT count(*) FROM soft_bounces WHERE email = ?", (email,)).fetchone()
    reason = reason_for(conn, email)
    unsubscribed = conn.execute("SELECT at FROM unsubscribes WHERE email = ?", (email,)).fetchone()
    return {
        "email": subscriber.email if subscriber else email,
        "status": subscriber.status if subscriber else "absent",
        "name": subscriber.name if subscriber else "",
        "first_name": subscriber.first_name if subscriber else "",
        "fields": dict(subscriber.fields) if subscriber else {},
        "created": subscriber.created if subscriber else "",
        "updated": subscriber.updated if subscriber else "",
        "unsubscribed_at": unsubscribed[0] if unsubscribed else "",
        "consent": consent.as_dict() if consent else None,
        "reason": reason.as_dict() if reason else None,
        "soft_bounces": soft[0],
        "deliveries": deliveries,
        "forgotten": is_forgotten(conn, email),
    }
