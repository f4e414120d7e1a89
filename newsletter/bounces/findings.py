"""What the report readers find, and the small readers they share.

`Report` is what one message says before it is matched to anyone; `Failure`
is one recipient in it, with Sisimai's reason (reasons.py).  reports.py reads
the standard formats (RFC 3464, RFC 5965), plain_text.py the others.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Literal

from newsletter.bounces.reasons import (
    NOT_BOUNCES,
    bounce_reason,
    is_hard,
    reader_phrase_reason,
    rhost_reason,
)
from newsletter.control_chars import control_character
from newsletter.stored_text import storable_text
from newsletter.subscribers.status_reasons import MAX_DIAGNOSTIC

Kind = Literal["hard", "soft", "complaint", "unsubscribe", "ignored", "unreadable"]

TEXT_CHARS = 262144  # the first 256 K characters of a report's text say who and why
# A Message-ID kept as written up to this size (ours are under 100 bytes); past it, its hash:
# with an address beside it (soft_bounces) it stays under PostgreSQL's 2,704-byte index row.
MAX_ID_BYTES = 255
STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# Bounded (RFC 5321: 64 and 255): on a long run of letters an unbounded local part makes
# every position rescan the run, which is quadratic.
# A quoted local part is printable ASCII (no space, `"`, a backslash, `<` or `>`): no address
# on the list holds any other character, and a NUL in one (`"a<NUL>b"@…`, with trust_address)
# stopped every `bounces process` on PostgreSQL when the reader was looked up by it.
_QUOTED_ADDRESS = re.compile(r'"[!#-;=?-\[\]-~]{1,62}"@[A-Za-z0-9.-]{1,253}[A-Za-z0-9]')
ADDRESS = re.compile(
    r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?"
)
ANGLE_ID = re.compile(r"^[ \t]*message-id:[ \t]*(<[^>\s]{1,998}>)", re.I | re.M)
_COMMAND = re.compile(
    r"(?:in reply to|after|while sending|error in|command:?|>>>|smtp:)\s*(rcpt to|mail from|data"
    r"|end of data|rcpt|mail|ehlo|helo)\b",
    re.I,
)
_PRECISE = re.compile(r"[45]\.[1-9]\.[1-9]\d*")
_SAYS_NOTHING = ("onhold", "undefined")  # reasons that leave the report's text to name one


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient a report is about, and how it failed (`5.1.1`, "" when unknown)."""

    recipient: str
    status: str
    kind: Kind
    reason: str = ""  # Sisimai's name for it: userunknown, mailboxfull, feedback...
    diagnostic: str = ""  # the server's words (or a complaint's Feedback-Type), one line


@dataclass(frozen=True, slots=True)
class Report:
    """What one message says, before it is matched to anyone."""

    message_id: str  # the report's own Message-ID, or `sha256:…` of its bytes
    kind: Kind  # the report as a whole: the worst of its failures
    failures: tuple[Failure, ...] = ()
    returned_id: str = ""  # Message-ID of our message inside it, "<…>"
    token: str = ""  # a mailed unsubscribe's token
    date: str = ""  # the report's Date header, ISO 8601 UTC ("" when absent or unreadable)
    verp: str = ""  # `ISSUE.STAMP` of the VERP return path the report came back to, if any
    why: str = ""  # for `ignored` and `unreadable`: what it was instead


def failure_for(
    recipient: str,
    status: str,
    text: str,
    *,
    action: str = "failed",
    context: str = "",
    command: str = "",
    own_words: bool = False,
    rhost: str = "",
    diagnostic_type: str = "",
    named: str = "",
) -> Failure | None:
    """The Failure for one recipient, its reason Sisimai's; None when it is not a failure.

    `text` is the recipient's diagnostic; `context` the report's own words, used for the
    reason when there is no diagnostic and for the SMTP command the server refused;
    `command` the command to assume when neither says; `own_words` a report without
    delivery-status fields (a server's phrases then count, reasons.py); `rhost` the server
    that answered (Remote-MTA), when the report names it; `diagnostic_type` the
    Diagnostic-Code's type (`SMTP`, `X-Unix`); `named` a reason the report's own fields
    name (PowerMTA's bounce category), which wins as it does in Sisimai's reader.
    A code like 5.1.1 in the text wins over a vague Status (5.0.0), as in Sisimai.
    """
    text, context = _unjis(text), _unjis(context)
    told = STATUS.search(text)
    if told is not None and _PRECISE.fullmatch(told.group(0)):
        status = told.group(0)
    if status.startswith("2"):
        return None
    known = "" if command.endswith("?") else command  # a guess comes last
    command = smtp_command(text) or known or smtp_command(context) or command
    reason = named or rhost_reason(recipient, rhost, text or context)
    reason = reason or _reason_of(
        status, text, context, action, command, own_words, diagnostic_type
    )
    said = diagnostic_line(text or context)
    if action == "delayed":  # still being retried: never hard yet
        return Failure(recipient, status, "soft", reason, said)
    if reason in NOT_BOUNCES:
        return None
    return Failure(recipient, status, "hard" if is_hard(reason, status) else "soft", reason, said)


def _reason_of(
    status: str,
    text: str,
    context: str,
    action: str,
    command: str,
    own_words: bool,
    diagnostic_type: str,
) -> str:
    """Sisimai's reason from the status and the words (reasons.py); see failure_for."""
    reason = bounce_reason(
        status,
        text or context,
        action=action,
        command=command,
        own_words=own_words,
        diagnostic_type=diagnostic_type if text else "",
    )
    if reason in _SAYS_NOTHING and context and not own_words:
        return reader_phrase_reason(context) or reason
    return reason


def _unjis(text: str) -> str:
    """Japanese words still in ISO-2022-JP (a Diagnostic-Code is not decoded) as text."""
    if "\x1b$" not in text:
        return text
    return text.encode("ascii", "replace").decode("iso-2022-jp", "replace")


def diagnostic_line(text: str) -> str:
    """A server's words kept as a bounce's diagnostic: storable, at most MAX_DIAGNOSTIC long."""
    return storable_text(text[: MAX_DIAGNOSTIC * 4], MAX_DIAGNOSTIC)


def report_date(value: str) -> str:
    """A Date header as ISO 8601 UTC to the second ("" when it is not a date)."""
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)  # RFC 5322's -0000: the zone is unknown, take UTC
    try:
        return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return ""


def worst(failures: list[Failure] | tuple[Failure, ...]) -> Kind:
    """The report's kind: hard if any failure is, else soft if any, else ignored."""
    kinds = {f.kind for f in failures}
    return "hard" if "hard" in kinds else "soft" if "soft" in kinds else "ignored"


@lru_cache(maxsize=64)  # a report's text is asked once per recipient
def smtp_command(text: str) -> str:
    """The SMTP command a server refused, when the text says (`RCPT`, `MAIL`, `DATA`...)."""
    found = _COMMAND.search(text)
    if found is None:
        return ""
    word = found.group(1).upper()
    return "DATA" if word.startswith("END") else word.split()[0]


def address_field(value: str) -> str:
    """`rfc822; Reader@Example.org` → `reader@example.org` ("" when there is none)."""
    value = value.partition(";")[2] if ";" in value else value
    quoted = _QUOTED_ADDRESS.search(value)  # "neko..nyaan"@example.org: the quotes are its own
    if quoted is not None:
        return quoted.group(0).lower()
    found = ADDRESS.search(value)
    return found.group(0).lower() if found else ""


def clean_id(value: str) -> str:
    """The `<…>` in a Message-ID header's value ("" when there is none).

    A control character or an undecodable byte in it (a surrogate, as the parser hands it
    over) becomes `?`: no database could key a report by it, PostgreSQL refusing even a NUL.
    `?`, not the space of stored_text.storable_text: an identifier stays one token.  One
    longer than MAX_ID_BYTES is `<sha256:…>` of itself: PostgreSQL's index on the key refuses a
    row past 2,704 bytes, so a 6,000-character Message-ID stopped every `bounces process`.
    """
    value = " ".join(str(value).split())
    found = re.search(r"<[^<>\s]+>", value)
    if found is None:
        return ""
    text = found.group(0)
    if control_character(text) is not None:
        text = "".join("?" if control_character(c) else c for c in text)
    data = text.encode("utf-8")
    if len(data) > MAX_ID_BYTES:
        return f"<sha256:{hashlib.sha256(data).hexdigest()}>"
    return text


def payload_of(part: Message) -> list[Message] | str:
    """A part's parts, or its text as it stands (transfer encoding not undone): what
    `get_payload()` gives, but for 8-bit text under an RFC 2231 `charset*=`, which Python
    decodes with the parameter's (charset, language, value) tuple as the codec's name: a
    TypeError, so a broken multipart of 8-bit text so labelled was "unreadable".  That text
    is read as its charset (collapsed) says, a bad one as UTF-8."""
    try:
        payload = part.get_payload()
    except TypeError:
        data = part.get_payload(decode=True)
        charset = mail_charset(part.get_content_charset() or "utf-8")
        return data.decode(charset, "replace") if isinstance(data, bytes) else ""
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return payload if isinstance(payload, str) else ""


def decoded(part: Message) -> str:
    """A part's text, transfer encoding and charset undone (a bad charset read as UTF-8)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):  # None for a multipart part
        text = payload_of(part)
        return text if isinstance(text, str) else ""
    charset = mail_charset(part.get_content_charset() or "utf-8")
    try:
        return payload.decode(charset, "replace")
    except (LookupError, UnicodeError):  # a decoder refusing "replace" (idna did)
        return payload.decode("utf-8", "replace")


# Codecs Python finds by name that no mail is written in.  Punycode's decoder (idna's too) takes
# time in the square of the text: a 400 KB part declared `charset=punycode` held a run for the
# whole 5 s bound per message, and its report was lost as "unreadable".
_NOT_MAIL_CHARSETS = frozenset({"punycode", "idna", "unicode-escape", "raw-unicode-escape"})


@lru_cache(maxsize=256)
def mail_charset(name: str) -> str:
    """`name` when it is a text encoding mail is written in, else "utf-8" (what a bad one is
    read as): a codec that is no charset (punycode, idna, the escape codecs, bytes-to-bytes
    ones) or no codec at all."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return "utf-8"
    text = getattr(info, "_is_text_encoding", True)  # False for zlib, base64, rot13...
    return name if text and info.name.replace("_", "-") not in _NOT_MAIL_CHARSETS else "utf-8"


def returned_id(part: Message) -> str:
    """The Message-ID of the message a message/rfc822 or text/rfc822-headers part returns."""
    payload = payload_of(part)
    if isinstance(payload, list) and payload:
        return clean_id(payload[0].get("Message-ID", ""))
    found = ANGLE_ID.search(decoded(part))
    return clean_id(found.group(1)) if found else ""


def returned_headers(part: Message) -> Message | None:
    """The headers of the message a message/rfc822 or text/rfc822-headers part returns."""
    payload = payload_of(part)
    if isinstance(payload, list) and payload:
        return payload[0]
    text = decoded(part).lstrip()
    return HeaderParser(policy=compat32).parsestr(text[:TEXT_CHARS]) if text else None
