"""message.eml, the reader's copy a build writes beside merge.eml, read back for `check`.

The checks look at the file on disk, whoever wrote it: in the shape the build writes it, it
is read beside its writer (mail/template.py, `read_built_message`); in any other (an edit
by hand, an older version), by the standard library's parser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsletter.mail.template import Headers, read_built_message

if TYPE_CHECKING:
    from email.message import MIMEPart


def parse_email(raw: bytes) -> tuple[Headers, str | None, str | None]:
    """A .eml: its headers, its HTML and its text part (None: absent), line breaks as LF.

    A header's value is unfolded to one line, its encoded words (RFC 2047) decoded.
    """
    return read_built_message(raw) or _read_with_email_package(raw)


def _read_with_email_package(raw: bytes) -> tuple[Headers, str | None, str | None]:
    # Imported here: a send's gate reads a message as built without them (6 ms of start-up).
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = tuple((name, " ".join(str(value).split())) for name, value in message.items())
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    return headers, _content(html_part), _content(text_part)


def header_value(headers: Headers, name: str) -> str:
    """A header's value ("" when absent)."""
    wanted = name.lower()
    return next((v for n, v in headers if n.lower() == wanted), "")


def _content(part: MIMEPart | None) -> str | None:
    """A part's text; with an unknown charset, its bytes read as UTF-8."""
    if part is None:
        return None
    try:
        content: str = part.get_content()
        return content.replace("\r\n", "\n")
    except (LookupError, ValueError):  # an unknown charset: the bytes as they are
        return bytes(part.get_payload(decode=True)).decode("utf-8", "replace")
