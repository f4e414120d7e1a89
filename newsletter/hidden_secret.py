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
import unicodedata
from dataclasses import dataclass

from newsletter.control_chars import INVISIBLE_CLASS

HIDDEN = "[password hidden]"
# A reply line's enhanced status code (RFC 3463), repeated on each line of a multi-line reply,
# and the blanks a relay may indent a continuation with.
_ENHANCED_CODE = re.compile(r"^[ \t]*(?:[245]\.[0-9]{1,3}\.[0-9]{1,3})?[ \t]*")


_SHOWN_CODE = re.compile(rb"[245]\.[0-9]{1,3}\.[0-9]{1,3} ")
# What may stand between two characters of a form and still never show: the invisible ones,
# which the journal drops (stored_text), and control characters, which it makes spaces and
# the terminal escapes.  `hun\u00adter2` (a soft hyphen) reached the journal as `hunter2`.
_UNSEEN = f"[{INVISIBLE_CLASS}\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*"


@dataclass(frozen=True, slots=True, repr=False)
class SecretForms:
    """Every form a login sends `secret` in, the longest first (a blob holds the others)."""

    texts: tuple[str, ...]
    # Any of them, to look once: most replies hold none (one search, not a scan a form).
    any_text: re.Pattern[str] | None

    def __repr__(self) -> str:  # the forms are the password: never in a repr or traceback
        return "SecretForms(...)"

    @classmethod
    def of(cls, secret: str | None, *, user: str = "") -> SecretForms:
        """The forms of `secret` logged in as `user`; none for no secret."""
        if not secret:
            return cls((), None)
        sent = [secret, f"\0{user}\0{secret}", f"{user}\0{user}\0{secret}"]
        # Its full case mappings too: re's IGNORECASE folds one character to one, so a
        # server's `STRASSE` never matched `Straße`.
        cases = {secret, secret.upper(), secret.lower(), secret.casefold()}
        # And as Unicode's compatibility form: hide() reads a reply that way too, so a server
        # echoing `se\u0301cret` (decomposed) or `ｓｅｃｒｅｔ` (full-width) shows nothing.
        forms = cases | {unicodedata.normalize("NFKC", form) for form in cases}
        for value in sent:
            sent_as = base64.b64encode(value.encode("utf-8")).decode("ascii")
            forms |= {sent_as, sent_as.rstrip("=")}
        texts = tuple(sorted(forms, key=lambda form: (-len(form), form)))
        # Any case: a server may fold what it quotes (`535 BAD PASSWORD HUNTER2`); hiding
        # a base64 form's other cases as well hides nothing else of note.
        pattern = "|".join(_UNSEEN.join(re.escape(c) for c in form) for form in texts)
        return cls(texts, re.compile(pattern, re.IGNORECASE))

    def hide(self, text: str) -> str:
        """`text` with every form, in any case, replaced by HIDDEN (the longest first),
        invisible or control characters inside it or not; read as NFKC when that finds one."""
        if self.any_text is None:
            return text
        hidden = self.any_text.sub(HIDDEN, text)
        normal = unicodedata.normalize("NFKC", hidden)
        if normal != hidden and self.any_text.search(normal):
            return self.any_text.sub(HIDDEN, normal)
        return hidden

    def hide_bytes(self, data: bytes) -> bytes:
        """`data` (a reply as read) with every form, UTF-8, in any case, replaced by HIDDEN.

        Hidden as the text decoded with surrogateescape: a bytes pattern folds the case of
        ASCII letters only, so a relay's `SÉCRET` showed the password `sécret`.
        """
        if self.any_text is None:
            return data
        return self.hide(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def hide_reply(self, lines: list[bytes]) -> bytes:
        """A reply's lines (codes taken off) joined by LF, every form hidden; all of it
        HIDDEN when a form runs on from one line to the next (a relay wrapping what it
        echoes: `535-5.7.8 you sent hunt` `535 5.7.8 er2` showed both halves; so did an
        indented `535    er2`, or a `hunt-` hyphenated)."""
        hidden = [self.hide_bytes(line) for line in lines]
        if self.any_text is not None and len(lines) > 1:
            bare = [
                _ENHANCED_CODE.sub("", line.decode("utf-8", "surrogateescape")).rstrip()
                for line in hidden
            ]
            joined = [
                "".join(bare),
                " ".join(bare),
                "".join(line.removesuffix("-") for line in bare),
            ]
            if any(self.any_text.search(text) for text in joined):
                # Its enhanced code kept: a `5.1.1` hidden whole was no unknown address.
                code = _SHOWN_CODE.match(hidden[0])
                return (code.group(0) if code else b"") + HIDDEN.encode("ascii")
        return b"\n".join(hidden)


def without_secret(text: str, secret: str | None, *, user: str = "") -> str:
    """`text` with `secret` and the encodings a login sends it in replaced by HIDDEN."""
    if not secret:
        return text
    return SecretForms.of(secret, user=user).hide(text)
