"""A server's words with the password hidden: what a login sent, echoed back, is never shown.

A relay or IMAP server may quote what it was sent when it refuses a login (`535 5.7.8 bad
credentials AGVkaXRvcg…`, `* BYE refused: LOGIN user "hunter2"`).  Its words go into the one
line the editor sees, and from there into logs: every form the password was sent in (as
typed, base64 as AUTH LOGIN sends it, the AUTH PLAIN blob) is replaced first.
"""

from __future__ import annotations

import base64

HIDDEN = "[password hidden]"


def without_secret(text: str, secret: str | None, *, user: str = "") -> str:
    """`text` with `secret` and the encodings a login sends it in replaced by HIDDEN."""
    if not secret:
        return text
    sent = [secret, f"\0{user}\0{secret}", f"{user}\0{user}\0{secret}"]
    forms = {secret}
    for value in sent:
        encoded = base64.b64encode(value.encode("utf-8")).decode("ascii")
        forms |= {encoded, encoded.rstrip("=")}
    for form in sorted(forms, key=len, reverse=True):  # the longest first: a blob holds others
        text = text.replace(form, HIDDEN)
    return text
