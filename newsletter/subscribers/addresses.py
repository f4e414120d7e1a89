"""Which addresses may go on the list: valid syntax (email-validator, no DNS), ASCII only."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from newsletter.mail.headers import HeaderValueError, check_address, one_line


class InvalidAddress(ValueError):
    """An address that cannot be mailed; the message says why."""


def normalize_address(text: str) -> str:
    """The address as stored (domain lower-cased, IDN as punycode); InvalidAddress if unusable."""
    value = text.strip()
    if not value:
        raise InvalidAddress("no address in the email column")
    try:
        # No DNS: an import must be fast, offline and repeatable.
        info = validate_email(value, check_deliverability=False, allow_smtputf8=False)
        address = info.ascii_email or info.normalized
        return check_address(address)
    except EmailNotValidError as e:
        raise InvalidAddress(f"'{_shown(value)}' is not a valid address: {e}") from None
    except HeaderValueError:
        raise InvalidAddress(f"'{_shown(value)}' is not a plain local@domain address") from None


def _shown(value: str) -> str:
    """The value on one line, cut short: error messages stay one line."""
    flat = one_line(value)
    return flat if len(flat) <= 80 else flat[:77] + "..."
