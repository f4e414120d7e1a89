"""What an email address in a header may be: one rule for the settings, the list and the headers.

It sits at the bottom of the layers (docs/architecture.md): newsletter.toml's From and the
list's addresses are checked by the rule the message headers enforce (mail/headers.py), so
a setting or an address that passes here can be sent.
"""

from __future__ import annotations

import re

from newsletter.control_chars import quoted

_ADDRESS = re.compile(r"^[^\s@<>()\[\]\\,;:\"]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")


class HeaderValueError(ValueError):
    """A value that cannot go into a header (an address with spaces, CR or LF...)."""


def check_address(address: str) -> str:
    """Return the address if it is a plain `local@domain`; raise HeaderValueError otherwise."""
    if not _ADDRESS.match(address) or not address.isascii():
        raise HeaderValueError(f"{quoted(address)} is not a deliverable address")
    return address
