"""Unsubscribe links: a mailto address and/or an https page taking an HMAC-signed token.

The token carries the address and a signature made with a secret from the
environment, so the unsubscribe page (or RFC 8058 one-click POST handler) can
check it without a database lookup, and nobody can forge one for someone else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from urllib.parse import quote

from newsletter.config import Settings

_SIGNATURE_BYTES = 16


@dataclass(frozen=True, slots=True)
class UnsubscribeLinks:
    """How one workspace lets readers leave: resolved once per build or send."""

    mailto: str  # address, "" when none
    page: str  # https URL without a token
    secret: bytes  # b"" when unsigned
    list_id: str

    def url_for(self, email: str) -> str:
        """The reader's unsubscribe URL: signed when a secret is set, else the plain page."""
        if not self.secret or not email:
            return self.page
        return f"{self.page}?token={sign_token(email, self.secret, self.list_id)}"

    def header_for(self, email: str) -> str:
        """The List-Unsubscribe value: `<mailto:…>, <https://…>`."""
        uris = []
        if self.mailto:
            uris.append(f"<mailto:{self.mailto}?subject={quote(f'unsubscribe {email}'.strip())}>")
        uris.append(f"<{self.url_for(email)}>")
        return ", ".join(uris)

    @property
    def web_url(self) -> str:
        """The link the web version shows: the page, without anyone's token."""
        return self.page


def unsubscribe_links(settings: Settings) -> UnsubscribeLinks:
    """The workspace's unsubscribe settings; the page defaults to `<base_url>/unsubscribe`."""
    u = settings.unsubscribe
    page = u.url or f"{settings.base_url.rstrip('/')}/unsubscribe"
    secret = os.environ.get(u.secret_env, "") if u.secret_env else ""
    return UnsubscribeLinks(
        mailto=u.mailto, page=page, secret=secret.encode(), list_id=settings.list_identifier
    )


def sign_token(email: str, secret: bytes, list_id: str) -> str:
    """`<address, base64url>.<signature>`: valid for this list and this address only."""
    address = email.strip().lower().encode()
    mac = hmac.new(secret, list_id.encode() + b"\0" + address, hashlib.sha256).digest()[
        :_SIGNATURE_BYTES
    ]
    return f"{_b64(address)}.{_b64(mac)}"


def verify_token(token: str, secret: bytes, list_id: str) -> str | None:
    """The address a token was made for, or None when it is forged or malformed."""
    try:
        encoded, _, signature = token.partition(".")
        address = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return (
        address
        if hmac.compare_digest(sign_token(address, secret, list_id).partition(".")[2], signature)
        else None
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
