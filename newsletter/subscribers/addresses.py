"""Which addresses may go on the list: valid syntax (email-validator, no DNS), ASCII only."""

from __future__ import annotations

import re
import unicodedata

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from newsletter.control_chars import quoted
from newsletter.mail_address import HeaderValueError, check_address, has_encoded_word


class InvalidAddress(ValueError):
    """An address that cannot be mailed; the message says why."""


# The common address, taken without email-validator (which costs about 0.1 ms an address,
# most of a million-row import): a dot-atom of letters, digits and `_%+-` before the `@`,
# then two or more hostname labels ending in a letters-only top-level domain, nothing
# special-use and no `--` (punycode).  What this takes, email-validator takes unchanged but
# for the domain's case (tests/test_subscribers_addresses.py compares the two); anything
# else goes through email-validator as before.
_PLAIN = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}))"
)
_SPECIAL_TLDS = frozenset(name.rsplit(".", 1)[-1] for name in SPECIAL_USE_DOMAIN_NAMES)


def _plain(value: str) -> str | None:
    """`value` as email-validator would store it, when it is a plain address; else None."""
    found = _PLAIN.fullmatch(value)
    if (
        found is None
        or len(value) > 254
        or value.index("@") > 64
        or len(found.group(1)) > 253
        or "--" in found.group(1)
        or found.group(2).lower() in _SPECIAL_TLDS
    ):
        return None
    return value[: found.start(1)] + found.group(1).lower()


def normalize_address(text: str) -> str:
    """The address as stored (domain lower-cased, IDN as punycode); InvalidAddress if unusable."""
    value = text.strip()
    plain = _plain(value)
    if plain is not None:
        return plain
    if not value:
        raise InvalidAddress("no address in the email column")
    hidden = next((c for c in value if c.isspace() or unicodedata.category(c) == "Cc"), None)
    if hidden is not None:  # named: a tab shown as a blank reads like a space
        name, code = character_name(hidden), f"U+{ord(hidden):04X}"
        raise InvalidAddress(
            f"{quoted(value)} contains a {name}{f' ({code})' if name != code else ''}; "
            "an address has no spaces or control characters: remove it"
        )
    if has_encoded_word(value):  # decoded by mail programs into other addresses: never one
        raise InvalidAddress(
            f"{quoted(value)} is not a valid address: it holds an RFC 2047 encoded-word "
            "(=?…?=), which mail programs would show as other addresses"
        )
    try:
        # No DNS: an import must be fast, offline and repeatable.
        info = validate_email(value, check_deliverability=False, allow_smtputf8=False)
        address = info.ascii_email or info.normalized
        return check_address(address)
    except EmailNotValidError as e:
        why = str(e).rstrip(".")  # the message goes on after it ("; give one address")
        raise InvalidAddress(f"{quoted(value)} is not a valid address: {why}") from None
    except HeaderValueError:
        raise InvalidAddress(f"{quoted(value)} is not a plain local@domain address") from None


_NAMES = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN"}


def character_name(c: str) -> str:
    """What to call a character in a message: `TAB`, `SPACE`, `NO-BREAK SPACE`, `U+0007`."""
    return _NAMES.get(c) or unicodedata.name(c, "") or f"U+{ord(c):04X}"
