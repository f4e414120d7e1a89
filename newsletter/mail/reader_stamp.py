"""The keyed stamp a list copy carries in its Message-ID (and, opt-in, its return path).

A list copy's Message-ID is `<ISSUE.STAMP@domain>`, STAMP being 24 hex digits of
HMAC-SHA256 over the issue id and the reader's address, under a key derived
from the workspace's signing key (the unsubscribe key, newsletter.db or
`unsubscribe.secret_env`) and the list's id.  So:

- only the workspace can make one: a bounce or complaint that quotes it proves
  it answers a message we sent to that reader (bounces/intake.py trusts
  nothing else unless `[bounce] trust_address` says so);
- two lists (two workspaces, or two lists sharing a key and a From domain)
  never give the same reader the same Message-ID for an issue of the same name;
- a re-sent copy (a crash between DATA and the journal) repeats its id, so the
  reader's mail program shows it once.

With `[bounce] verp = true` the envelope sender carries the same stamp:
`bounces+ISSUE.STAMP@domain`, so even a bounce that quotes nothing of the
message proves itself by the address it came back to.

The cost per reader is one HMAC over a few dozen bytes (about a microsecond),
made once and used for both.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

STAMP_CHARS = 24  # 12 bytes of HMAC-SHA256, hex: 96 bits, beyond any guessing by mail
_STAMPED = re.compile(r"(?P<issue>[A-Za-z0-9][A-Za-z0-9._-]{0,63})\.(?P<stamp>[0-9a-f]{24})\Z")


@dataclass(frozen=True, slots=True)
class ReaderStamps:
    """Stamps for one list: `stamp(issue, address)`, `verifies(stamped, address)`.

    HMAC-SHA256 with its two keyed hash states made once (RFC 2104's inner and outer
    pads): a stamp costs two hash copies instead of a key setup, under a microsecond.
    """

    inner: Any  # hashlib sha256 states after the key's pads (never printed)
    outer: Any

    def __repr__(self) -> str:  # the key stays out of reprs and tracebacks
        return "ReaderStamps(...)"

    def stamp(self, issue_id: str, address: str) -> str:
        """`ISSUE.STAMP` for this reader's copy of this issue (the Message-ID's local part)."""
        # Lower-cased: a relay may fold the case of a VERP local part.
        inner = self.inner.copy()
        inner.update(issue_id.lower().encode() + b"\0" + address.strip().lower().encode())
        outer = self.outer.copy()
        outer.update(inner.digest())
        return f"{issue_id}.{outer.digest()[:12].hex()}"

    def verifies(self, stamped: str, address: str) -> bool:
        """True when `stamped` (`ISSUE.STAMP`) was made by this list for `address`."""
        if not stamped.isascii() or _STAMPED.match(stamped.lower()) is None:
            return False
        issue = stamped.rpartition(".")[0]
        return hmac.compare_digest(self.stamp(issue, address).lower(), stamped.lower())


def reader_stamps(secret: bytes, list_id: str) -> ReaderStamps:
    """The stamps of the list `list_id` signed with the workspace key `secret`."""
    label = b"newsletter list-copy stamp\0" + list_id.encode()
    key = hmac.digest(secret, label, "sha256").ljust(64, b"\0")  # one SHA-256 block
    return ReaderStamps(
        hashlib.sha256(bytes(b ^ 0x36 for b in key)),
        hashlib.sha256(bytes(b ^ 0x5C for b in key)),
    )


def split_stamp(value: str) -> tuple[str, str]:
    """(issue id, `ISSUE.STAMP`) from a Message-ID or a VERP local part, else ("", "").

    `<2026-W48.0a1b…@example.org>` and `bounces+2026-W48.0a1b…@example.org` both give
    ("2026-W48", "2026-W48.0a1b…"); anything else gives nothing.
    """
    local = value.strip().strip("<>").rpartition("@")[0] or value.strip().strip("<>")
    local = local.rpartition("+")[2] if "+" in local else local
    found = _STAMPED.match(local.lower() if local.isascii() else "")
    if found is None:
        return "", ""
    return local[: found.end("issue")], local


def verp_address(envelope_from: str, stamped: str) -> str:
    """`bounces@example.org` + `2026-W48.0a1b…` → `bounces+2026-W48.0a1b…@example.org`.

    When that local part would pass RFC 5321's 64 characters (a long issue id), the
    envelope sender stays as it was: the Message-ID still proves the bounce.
    """
    local, _, domain = envelope_from.rpartition("@")
    if len(local) + 1 + len(stamped) > 64:
        return envelope_from
    return f"{local}+{stamped}@{domain}"
