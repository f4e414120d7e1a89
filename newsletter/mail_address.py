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
# `victim@gmail.com, x@example.org` in a To: line, and one may hide a CR LF.  Its text is
# read as Python's own decoder reads it (`email.header.ecre`: any text, "?" too, up to the next
# "?="): `…x?junk?=@` was let through, and decode_header still read two addresses in it.  Its
# opening is matched, then a "?=" after it looked for: one pattern with `.*?` took time in the
# square of the text's length ("=?x?q?a" 10,000 times: 2.7 s).
_ENCODED_WORD_OPENING = re.compile(r"=\?[^?]*\?[bq]\?", re.IGNORECASE)


class HeaderValueError(ValueError):
    """A value that cannot go into a header (an address with spaces, CR or LF...)."""


def check_address(address: str) -> str:
    """Return the address if it is a plain `local@domain`; raise HeaderValueError otherwise."""
    if not _ADDRESS.match(address) or not address.isascii() or has_encoded_word(address):
        raise HeaderValueError(f"{quoted(address)} is not a deliverable address")
    return address


def has_encoded_word(address: str) -> bool:
    """True when `address` holds an RFC 2047 encoded-word (`=?utf-8?q?…?=`): never an address."""
    opening = _ENCODED_WORD_OPENING.search(address) if "=?" in address else None
    return opening is not None and address.find("?=", opening.end()) >= 0
