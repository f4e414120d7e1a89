"""A server's words with the password hidden: what a login sent, echoed back, is never shown.

A relay or IMAP server may quote what it was sent when it refuses a login (`535 5.7.8 bad
credentials AGVkaXRvcg…`, `* BYE refused: LOGIN user "hunter2"`).  Its words go into the one
line the editor sees, and from there into logs: every form the password was sent in (as
typed, base64 as AUTH LOGIN sends it, the AUTH PLAIN blob) is replaced first.

`SecretForms.of` works those forms out once (a session hides every reply after its login:
three base64 encodings a reply were a send's hot path); `without_secret` is the one-off.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

HIDDEN = "[password hidden]"
_HIDDEN_BYTES = HIDDEN.encode("ascii")


@dataclass(frozen=True, slots=True, repr=False)
class SecretForms:
    """Every form a login sends `secret` in, the longest first (a blob holds the others)."""

    texts: tuple[str, ...]
    encoded: tuple[bytes, ...]  # the same, UTF-8: for a reply still in bytes
    # Any of them, to look once: most replies hold none (one search, not a scan a form).
    any_text: re.Pattern[str] | None
    any_encoded: re.Pattern[bytes] | None

    def __repr__(self) -> str:  # the forms are the password: never in a repr or traceback
        return "SecretForms(...)"

    @classmethod
    def of(cls, secret: str | None, *, user: str = "") -> SecretForms:
        """The forms of `secret` logged in as `user`; none for no secret."""
        if not secret:
            return cls((), (), None, None)
        sent = [secret, f"\0{user}\0{secret}", f"{user}\0{user}\0{secret}"]
        forms = {secret}
        for value in sent:
            sent_as = base64.b64encode(value.encode("utf-8")).decode("ascii")
            forms |= {sent_as, sent_as.rstrip("=")}
        texts = tuple(sorted(forms, key=lambda form: (-len(form), form)))
        encoded = tuple(form.encode("utf-8") for form in texts)
        return cls(
            texts,
            encoded,
            re.compile("|".join(re.escape(form) for form in texts)),
            re.compile(b"|".join(re.escape(form) for form in encoded)),
        )

    def hide(self, text: str) -> str:
        """`text` with every form replaced by HIDDEN."""
        if self.any_text is None or self.any_text.search(text) is None:
            return text
        for form in self.texts:  # one form at a time, the longest first: overlaps go too
            text = text.replace(form, HIDDEN)
        return text

    def hide_bytes(self, data: bytes) -> bytes:
        """`data` (a reply as read) with every form, UTF-8, replaced by HIDDEN.

        The same as hiding the text decoded with surrogateescape: a form's UTF-8 starts and
        ends on a character's bounds, so it matches the bytes where it matches the text.
        """
        if self.any_encoded is None or self.any_encoded.search(data) is None:
            return data
        for form in self.encoded:
            data = data.replace(form, _HIDDEN_BYTES)
        return data


def without_secret(text: str, secret: str | None, *, user: str = "") -> str:
    """`text` with `secret` and the encodings a login sends it in replaced by HIDDEN."""
    if not secret:
        return text
    return SecretForms.of(secret, user=user).hide(text)
