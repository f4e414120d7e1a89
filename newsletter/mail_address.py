"""What an email address in a header may be: one rule for the settings, the list and the headers.

It sits at the bottom of the layers (docs/architecture.md): newsletter.toml's From and the
list's addresses are checked by the rule the message headers enforce (mail/headers.py), so
a setting or an address that passes here can be sent.
"""

from __future__ import annotations

import re

_ADDRESS = re.compile(r"^[^\s@<>()\[\]\\,;:\"]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class HeaderValueError(ValueError):
    """A value that cannot go into a header (an address with spaces, CR or LF...)."""


def one_line(value: str) -> str:
    """Collapse all whitespace, CR and LF included, to single spaces: no header injection.

    Other control characters become spaces too: a NUL kept in an old SQLite list's name has
    no place in a To: line.
    """
    return " ".join(_CONTROL.sub(" ", value).split())


def check_address(address: str) -> str:
    """Return the address if it is a plain `local@domain`; raise HeaderValueError otherwise."""
    if not _ADDRESS.match(address) or not address.isascii():
        raise HeaderValueError(f"'{one_line(address)}' is not a deliverable address")
    return address
