"""What an email address in a header may be: one rule for the settings, the list and the headers.

It sits at the bottom of the layers (docs/architecture.md): newsletter.toml's From and the
list's addresses are checked by the rule the message headers enforce (mail/headers.py), so
a setting or an address that passes here can be sent.
"""

from __future__ import annotations

import re

from newsletter.control_chars import quoted

_ADDRESS = re.compile(r"^[^\s@<>()\[\]\\,;:\"]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")
# An RFC 2047 encoded-word: `=?charset?q-or-b?text?=`.  RFC 2047 forbids one in an address, and
# `=`, `?` and `_` are letters of a local part, yet Python's email package and mail programs
# decode one there anyway: `=?utf-8?q?victim=40gmail.com=2C_x?=@example.org` reads as
# `victim@gmail.com, x@example.org` in a To: line, and one may hide a CR LF.  Its opening alone
# is refused, with or without a closing "?=": Python's header parser (email.policy.default)
# takes the opening's last "?" and a following `=XX` escape for the closing and closes the word
# itself at the end of the value (`=?utf-8?q?=76ictim=40gmail.com=2C_x@example.org` read as
# `victim@gmail.com, x@example.org`), and compat32's decoder reads any text, "?" too, up to the
# next "?=".  No pattern with `.*?`: one took time in the square of the text's length.
_ENCODED_WORD_OPENING = re.compile(r"=\?[^?]*\?[bq]\?", re.IGNORECASE)


class HeaderValueError(ValueError):
    """A value that cannot go into a header (an address with spaces, CR or LF...)."""


def check_address(address: str) -> str:
    """Return the address if it is a plain `local@domain`; raise HeaderValueError otherwise."""
    if not _ADDRESS.match(address) or not address.isascii() or has_encoded_word(address):
        raise HeaderValueError(f"{quoted(address)} is not a deliverable address")
    return address


def has_encoded_word(address: str) -> bool:
    """True when `address` holds an RFC 2047 encoded-word's opening (`=?utf-8?q?`), closed or
    not: never an address."""
    return "=?" in address and _ENCODED_WORD_OPENING.search(address) is not None
