"""Consent records: how each subscriber came to be on the list (form, import or CLI), and when.

One record per address, the latest consent: the source, the time, and for the
sign-up form the client address and the version of the form's wording.  It is
shown by `subscribers show`, exported by `subscribers export`, and erased by
`subscribers forget`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from newsletter.subscribers.connection import Connection, address_key
from newsletter.subscribers.database import utc_now

Source = Literal["form", "import", "cli"]
CONSENT_COLUMNS = ("consent_source", "consent_at", "consent_client", "consent_wording")


@dataclass(frozen=True, slots=True)
class Consent:
    """One subscriber's consent record."""

    source: Source
    at: str
    client: str = ""  # the form's client address
    wording: str = ""  # the form wording's version, e.g. `form-1:3f2a9c1e`

    def as_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "at": self.at,
            "client": self.client,
            "wording": self.wording,
        }


def record_consent(
    conn: Connection,
    email: str,
    source: Source,
    *,
    now: str | None = None,
    client: str = "",
    wording: str = "",
) -> None:
    """Record (or replace) the consent of `email`: from the form, an import or the CLI."""
    conn.execute(
        "INSERT INTO consents (email, source, at, client, wording) VALUES (?, ?, ?, ?, ?)"
        f" ON CONFLICT {address_key(conn)} DO UPDATE SET source = excluded.source,"
        " at = excluded.at, client = excluded.client, wording = excluded.wording",
        (email, source, now or utc_now(), client, wording),
    )


def consent_for(conn: Connection, email: str) -> Consent | None:
    """The consent record of `email`, or None (added before consent was recorded)."""
    row = conn.execute(
        "SELECT source, at, client, wording FROM consents WHERE email = ?", (email,)
    ).fetchone()
    return Consent(*row) if row else None
