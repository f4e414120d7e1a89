"""Which addresses may go on the list: valid syntax (email-validator, no DNS), ASCII only."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from newsletter.mail_address import HeaderValueError, check_address, one_line


class InvalidAddress(ValueError):
    """An address that cannot be mailed; the message says why."""


def normalize_address(text: str) -> str:
    """The address as stored (domain lower-cased, IDN as punycode); InvalidAddress if unusable."""
    value = text.strip()
    if not value:
        raise InvalidAddress("no address in the email column")
    hidden = next((c for c in value if c.isspace() or unicodedata.category(c) == "Cc"), None)
    if hidden is not None:  # named: a tab shown as a blank reads like a space
        name, code = character_name(hidden), f"U+{ord(hidden):04X}"
        raise InvalidAddress(
            f"'{_shown(value)}' contains a {name}{f' ({code})' if name != code else ''}; "
            "an address has no spaces or control characters: remove it"
        )
    try:
        # No DNS: an import must be fast, offline and repeatable.
        info = validate_email(value, check_deliverability=False, allow_smtputf8=False)
        address = info.ascii_email or info.normalized
        return check_address(address)
    except EmailNotValidError as e:
        raise InvalidAddress(f"'{_shown(value)}' is not a valid address: {e}") from None
    except HeaderValueError:
        raise InvalidAddress(f"'{_shown(value)}' is not a plain local@domain address") from None


_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}


def character_name(c: str) -> str:
    """What to call a character in a message: `TAB`, `SPACE`, `NO-BREAK SPACE`, `U+0007`."""
    return _NAMES.get(c) or unicodedata.name(c, "") or f"U+{ord(c):04X}"


def _shown(value: str) -> str:
    """The value on one line, cut short, control characters escaped: messages stay one line."""
    flat = "".join(
        _ESCAPES.get(c) or (f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c)
        for c in value
    )
    flat = one_line(flat)
    return flat if len(flat) <= 80 else flat[:77] + "..."
