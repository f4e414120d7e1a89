"""What one incoming message is: a bounce, a complaint, a mailed unsubscribe, or nothing of ours.

`read_report(raw)` is a pure function from the message's bytes to a `Report`:

- RFC 3464 delivery status notifications (`multipart/report;
  report-type=delivery-status`): each recipient's `Final-Recipient`, `Action`
  and `Status`; `failed` (or `delayed`) with 5.x.x is hard, with 4.x.x soft.
- Bounces in a provider's own format (qmail, Exim, older Exchange and
  others, recognised by a sender such as MAILER-DAEMON or a subject such as
  "Undelivered Mail"): the returned headers of our message, the recipient
  lines, and an RFC 3463 status or SMTP reply code found in the text.
- RFC 5965 complaint reports (`report-type=feedback-report`,
  `Feedback-Type: abuse`): the returned message and `Original-Rcpt-To`.
- Mailed unsubscribes: a subject `unsubscribe <token>` (what our mailto
  link writes), verified later by the token.

The returned `Message-ID` (ours encodes the issue and the address) is what
matching trusts first; see intake.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser, HeaderParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value
from typing import Literal

from newsletter.mail.reader_stamp import split_stamp

Kind = Literal["hard", "soft", "complaint", "unsubscribe", "ignored", "unreadable"]

# Parsing bounds: a message past any of them is "unreadable" (counted, recorded, skipped).
MAX_REPORT_BYTES = 10_000_000  # `[bounce] imap_max_message` for IMAP, the same for files
MAX_CONTAINERS = 60  # multipart and message/* parts: nesting can be no deeper than this
MAX_PARTS = 500  # MIME parts in all
MAX_SECONDS = 5.0  # parsing one message (checked where the clock can interrupt: main thread)
_CONTAINER = re.compile(rb"^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/", re.I | re.M)
_PART = re.compile(rb"^content-type:", re.I | re.M)


class _Overtime(Exception):
    """Parsing one message took longer than MAX_SECONDS."""


_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_REPLY = re.compile(r"(?<![\d.])([45])([0-9])([0-9])(?:[ -])")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_ANGLE_ID = re.compile(r"^\s*message-id:\s*(<[^>\s]+>)", re.I | re.M)
_BOUNCE_SENDERS = re.compile(r"mailer-daemon|postmaster|mail delivery (sub)?system", re.I)
_BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery (status notification|failure|has failed)|"
    r"failure notice|returned mail|mail delivery failed|could not be delivered|"
    r"delivery problem|non.?delivery|rejected",
    re.I,
)
_UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*(?:re:\s*)?unsubscribe\b\s*(\S*)", re.I)
# Recipient lines in common non-DSN bounces: qmail `<a@b>:`, Exim's indented address,
# "Original-Recipient: rfc822;a@b", "The following address(es) failed: a@b".
_RECIPIENT_LINES = (
    re.compile(r"^<([^<>\s]+@[^<>\s]+)>:", re.M),
    re.compile(r"^[ \t]{2,}<?([^<>\s@]+@[^<>\s:]+?)>?[ \t]*$", re.M),
    re.compile(r"(?:original-)?recipient:\s*(?:rfc822;)?\s*<?([^<>\s;]+@[^<>\s;]+)>?", re.I),
    re.compile(r"failed:\s*\n?\s*<?([^<>\s]+@[^<>\s]+?)>?\s*$", re.I | re.M),
    # Exchange / Outlook: "Your message to a@b couldn't be delivered."
    re.compile(r"message to\s+<?([^<>\s]+@[^<>\s]+?)>?\s+(?:couldn.t|could not|wasn.t) be", re.I),
)
_HARD_WORDS = re.compile(
    r"user unknown|no such (user|mailbox|recipient)|does not exist|unknown (user|recipient)|"
    r"mailbox unavailable|address rejected|recipient rejected|invalid recipient|"
    r"account (has been )?disabled",
    re.I,
)
_SOFT_WORDS = re.compile(
    r"mailbox (is )?full|over quota|quota exceeded|temporar|try again later|deferred", re.I
)


@dataclass(frozen=True, slots=True)
class Failure:
    """One recipient a report is about, and how it failed (`5.1.1`, "" when unknown)."""

    recipient: str
    status: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Report:
    """What one message says, before it is matched to anyone."""

    message_id: str  # the report's own Message-ID, or `sha256:…` of its bytes
    kind: Kind  # the report as a whole: the worst of its failures
    failures: tuple[Failure, ...] = ()
    returned_id: str = ""  # Message-ID of our message inside it, "<…>"
    token: str = ""  # a mailed unsubscribe's token
    verp: str = ""  # `ISSUE.STAMP` of the VERP return path the report came back to, if any
    why: str = ""  # for `ignored`: what it was instead


def report_id(raw: bytes) -> str:
    """The message's own Message-ID (or `sha256:…` of its bytes), from its headers alone."""
    start = raw[:65536]
    head = BytesHeaderParser(policy=compat32).parsebytes(start[: _head_end(start)])
    return _clean_id(head.get("Message-ID", "")) or "sha256:" + hashlib.sha256(raw).hexdigest()


def read_report(raw: bytes, *, fast: bool = True, max_bytes: int = MAX_REPORT_BYTES) -> Report:
    """Read one message (its bytes as stored in the mailbox) into a Report; never raises.

    A message larger than `max_bytes`, nested or divided past the bounds above, taking
    longer than MAX_SECONDS, or breaking the parser is an "unreadable" Report saying why.
    `fast=False` skips the quick reader of plain DSNs (the tests compare the two).
    """
    why = _past_bounds(raw, max_bytes)
    if not why:
        try:
            with _time_limit(MAX_SECONDS):
                return _read(raw, fast)
        except _Overtime:
            why = f"took more than {MAX_SECONDS:g} s to read"
        except RecursionError:
            why = "nested too deeply to read"
        except Exception as e:  # the parser's own failure on hostile bytes: skip this one
            why = f"could not be parsed ({type(e).__name__})"
    return Report(report_id(raw), "unreadable", why=why)


def _past_bounds(raw: bytes, max_bytes: int) -> str:
    """Why `raw` is past the parsing bounds, before any parsing ("" when within them)."""
    if len(raw) > max_bytes:
        return f"{len(raw)} bytes, more than the {max_bytes} allowed"
    if len(_CONTAINER.findall(raw, 0, len(raw))) > MAX_CONTAINERS:
        return f"more than {MAX_CONTAINERS} nested or multipart parts"
    if len(_PART.findall(raw)) > MAX_PARTS:
        return f"more than {MAX_PARTS} MIME parts"
    return ""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise _Overtime in the block after `seconds` (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def overtime(_signum: int, _frame: object) -> None:
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _read(raw: bytes, fast: bool) -> Report:
    quick = _plain_dsn(raw) if fast else None
    if quick is not None:
        return quick
    msg = message_from_bytes(raw, policy=compat32)
    own_id = _clean_id(msg.get("Message-ID", "")) or ("sha256:" + hashlib.sha256(raw).hexdigest())
    verp = _verp_stamp(msg)
    content_type = msg.get_content_type()
    report_type = _param(msg, "report-type").lower()
    parts = list(msg.walk())
    types = {part.get_content_type() for part in parts}
    if "message/feedback-report" in types or report_type == "feedback-report":
        return _complaint(own_id, parts, verp)
    if "message/delivery-status" in types:
        return _dsn(own_id, parts, verp)
    subject = _text(msg.get("Subject", ""))
    unsubscribe = _UNSUBSCRIBE_SUBJECT.match(subject)
    if unsubscribe and content_type != "multipart/report":
        return Report(own_id, "unsubscribe", token=unsubscribe.group(1), verp=verp)
    sender = _text(msg.get("From", "")) + " " + msg.get("Return-Path", "")
    if _BOUNCE_SENDERS.search(sender) or _BOUNCE_SUBJECTS.search(subject):
        return _provider_bounce(own_id, msg, parts, verp)
    auto = msg.get("Auto-Submitted", "").lower()
    why = "an automatic reply" if auto.startswith("auto-") else "not a bounce or complaint"
    return Report(own_id, "ignored", why=why)


def _plain_dsn(raw: bytes) -> Report | None:
    """The common DSN read without the full MIME parser (several times faster), or None.

    Only a top-level `multipart/report; report-type=delivery-status` whose parts
    are not transfer-encoded takes this path; anything else gets the full parse.
    """
    end = _head_end(raw)
    head = BytesHeaderParser(policy=compat32).parsebytes(raw[:end])
    if head.get_content_type() != "multipart/report":
        return None
    if _param(head, "report-type").lower() != "delivery-status":
        return None
    boundary = head.get_boundary()
    if not boundary:
        return None
    own_id = _clean_id(head.get("Message-ID", "")) or "sha256:" + hashlib.sha256(raw).hexdigest()
    failures: list[Failure] = []
    returned = ""
    seen_status = False
    for part in raw[end:].split(b"--" + boundary.encode("latin-1"))[1:]:
        part_end = _head_end(part)
        part_head = part[:part_end].lower()
        if b"content-transfer-encoding" in part_head and not re.search(
            rb"content-transfer-encoding:\s*(7bit|8bit)", part_head
        ):
            return None
        body = part[part_end:].decode("utf-8", "replace")
        if b"message/delivery-status" in part_head:
            seen_status = True
            blocks = re.split(r"\r?\n[ \t]*\r?\n", body.strip())
            for block in blocks[1:]:
                failure = _dsn_recipient(_Fields(block))
                if failure is not None:
                    failures.append(failure)
        elif not returned and (b"rfc822-headers" in part_head or b"message/rfc822" in part_head):
            found = _ANGLE_ID.search(body)
            returned = _clean_id(found.group(1)) if found else ""
    if not seen_status:
        return None
    kinds = {f.kind for f in failures}
    overall: Kind = "hard" if "hard" in kinds else "soft" if "soft" in kinds else "ignored"
    why = "" if overall != "ignored" else "a delivery notice, not a failure"
    return Report(own_id, overall, tuple(failures), returned, verp=_verp_stamp(head), why=why)


class _Fields:
    """`Name: value` lines (folded ones joined), looked up without regard to case."""

    def __init__(self, block: str) -> None:
        self.values: dict[str, str] = {}
        name = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and name:
                self.values[name] += " " + line.strip()
            elif ":" in line:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                self.values[name] = value.strip()

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name.lower(), default)


def _param(msg: Message, name: str) -> str:
    """A Content-Type parameter as text ("" when absent), an RFC 2231 one decoded."""
    value = msg.get_param(name)
    return collapse_rfc2231_value(value) if value else ""


def _head_end(raw: bytes) -> int:
    """Where a message's (or part's) headers end: after the first empty line."""
    ends = [at + len(blank) for blank in (b"\r\n\r\n", b"\n\n") if (at := raw.find(blank)) != -1]
    return min(ends) if ends else len(raw)


def _dsn(own_id: str, parts: list[Message], verp: str) -> Report:
    failures: list[Failure] = []
    returned = ""
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks[1:] if isinstance(blocks, list) else ():
                if not isinstance(block, Message):
                    continue
                failure = _dsn_recipient(block)
                if failure is not None:
                    failures.append(failure)
        elif kind in ("message/rfc822", "text/rfc822-headers") and not returned:
            returned = _returned_id(part)
    kinds = {f.kind for f in failures}
    overall: Kind = "hard" if "hard" in kinds else "soft" if "soft" in kinds else "ignored"
    why = "" if overall != "ignored" else "a delivery notice, not a failure"
    return Report(own_id, overall, tuple(failures), returned, verp=verp, why=why)


def _dsn_recipient(block: Message | _Fields) -> Failure | None:
    action = block.get("Action", "").strip().lower()
    if action not in ("failed", "delayed"):
        return None  # delivered, relayed, expanded: nothing wrong
    recipient = _address_field(block.get("Final-Recipient", "")) or _address_field(
        block.get("Original-Recipient", "")
    )
    status = block.get("Status", "").strip()
    code = _STATUS.search(status)
    diagnostic = block.get("Diagnostic-Code", "")
    if code is None:
        code = _STATUS.search(diagnostic)
    if code is not None:
        status = code.group(0)
        kind: Kind = "hard" if code.group(1) == "5" else "soft"
    else:
        kind = "soft" if action == "delayed" else "hard"
    if action == "delayed":
        kind = "soft"  # still being retried: never a hard bounce yet
    return Failure(recipient, status, kind)


def _complaint(own_id: str, parts: list[Message], verp: str) -> Report:
    fields: Message | None = None
    returned = ""
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            payload = part.get_payload()
            if isinstance(payload, list):
                first = payload[0] if payload else None
                fields = first if isinstance(first, Message) else None
            else:
                fields = HeaderParser(policy=compat32).parsestr(_decoded(part).lstrip())
        elif kind in ("message/rfc822", "text/rfc822-headers") and not returned:
            returned = _returned_id(part)
    feedback = (fields.get("Feedback-Type", "") if fields is not None else "").strip().lower()
    if feedback != "abuse":
        return Report(own_id, "ignored", why=f"a feedback report of type '{feedback or '?'}'")
    recipients = []
    if fields is not None:
        for name in ("Original-Rcpt-To", "Removal-Recipient"):
            recipients += [a for a in (_address_field(v) for v in fields.get_all(name, [])) if a]
    failures = tuple(Failure(r, "", "complaint") for r in recipients)
    return Report(own_id, "complaint", failures, returned, verp=verp)


def _provider_bounce(own_id: str, msg: Message, parts: list[Message], verp: str) -> Report:
    # The first 256 KB of text say who and why; the rest is the returned message.
    text = "\n".join(_decoded(p) for p in parts if p.get_content_maintype() == "text")[:262144]
    returned = ""
    for part in parts:
        if part is not msg and part.get_content_type() == "message/rfc822":
            returned = _returned_id(part)
            break
    if not returned:
        # The returned headers pasted into the text: the last Message-ID is our message's,
        # the first may be the bounce's own.
        ids = _ANGLE_ID.findall(text)
        returned = _clean_id(ids[-1]) if ids else ""
    status = ""
    kind: Kind
    code = _STATUS.search(text)
    if code is not None and code.group(1) != "2":
        status, kind = code.group(0), "hard" if code.group(1) == "5" else "soft"
    elif (reply := _SMTP_REPLY.search(text)) is not None:
        kind = "hard" if reply.group(1) == "5" else "soft"
    elif _SOFT_WORDS.search(text):
        kind = "soft"
    elif _HARD_WORDS.search(text):
        kind = "hard"
    else:
        kind = "soft"  # a failure of unknown cause: count it, never drop the reader at once
    recipients: list[str] = []
    head = text.split("\n-----", 1)[0]  # stop at the returned message
    for pattern in _RECIPIENT_LINES:
        for found in pattern.findall(head):
            address = found.strip().strip("<>").rstrip(".:,;")
            if _ADDRESS.fullmatch(address) and address.lower() not in recipients:
                recipients.append(address.lower())
    failures = tuple(Failure(r, status, kind) for r in recipients)
    return Report(own_id, kind, failures, returned, verp=verp)


def _returned_id(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _clean_id(payload[0].get("Message-ID", ""))
    found = _ANGLE_ID.search(_decoded(part))
    return _clean_id(found.group(1)) if found else ""


def _verp_stamp(msg: Message) -> str:
    """`bounces+2026-W48.0a1b…@news.example.org` → `2026-W48.0a1b…` (a VERP stamp), else ""."""
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        for value in msg.get_all(name, []):
            for address in _ADDRESS.findall(str(value)):
                _issue, stamped = split_stamp(address)
                if stamped and "+" in address:
                    return stamped
    return ""


def _address_field(value: str) -> str:
    """`rfc822; Reader@Example.org` → `reader@example.org` ("" when there is none)."""
    value = value.partition(";")[2] if ";" in value else value
    found = _ADDRESS.search(value)
    return found.group(0).lower() if found else ""


def _clean_id(value: str) -> str:
    value = " ".join(str(value).split())
    found = re.search(r"<[^<>\s]+>", value)
    return found.group(0) if found else ""


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):  # None for a multipart part
        text = part.get_payload()
        return text if isinstance(text, str) else ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _text(value: object) -> str:
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(str(value))))
    except Exception:  # a garbled encoded word: use it as it is
        return str(value)
