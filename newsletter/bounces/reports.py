"""What one incoming message is: a bounce, a complaint, a mailed unsubscribe, or nothing of ours.

`read_report(raw)` is a pure function from the message's bytes to a `Report`:

- RFC 3464 delivery status notifications: each recipient block's
  `Final-Recipient`, `Action`, `Status` and `Diagnostic-Code` (a part with
  only recipient blocks too); the reason is Sisimai's (reasons.py), and only a
  gone address (userunknown, hostunknown, hasmoved, notaccept) is hard.  A DSN
  whose MIME boundary does not match its header is read from its text.
- Bounces in a server's own words and Amazon SES notifications (plain_text.py),
  recognised by a sender such as MAILER-DAEMON, a subject such as
  "Undelivered Mail", an `X-Failed-Recipients` header or their first words.
- RFC 5965 feedback reports (every type but `not-spam`, as Sisimai counts
  them): `Original-Rcpt-To`, else the returned message's `To`.
- Mailed unsubscribes: a subject `unsubscribe <token>` (what our mailto
  link writes), verified later by the token.

The returned `Message-ID` (keyed, mail/reader_stamp.py) or the VERP return
path is what proves a report is ours; see intake.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import re
import signal
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, HeaderParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value

from newsletter.bounces.findings import (
    ADDRESS,
    ANGLE_ID,
    STATUS,
    TEXT_CHARS,
    Failure,
    Kind,
    Report,
    address_field,
    clean_id,
    decoded,
    failure_for,
    mail_charset,
    payload_of,
    report_date,
    returned_headers,
    returned_id,
    worst,
)
from newsletter.bounces.plain_text import (
    MAX_RECIPIENTS,
    provider_bounce,
    ses_notification,
    verizon_bounce,
)
from newsletter.control_chars import quoted
from newsletter.mail.reader_stamp import split_stamp

__all__ = ["Failure", "Kind", "Report", "read_report", "report_id"]

# Parsing bounds: a message past any of them is "unreadable" (counted, recorded, skipped).
MAX_REPORT_BYTES = 10_000_000  # `[bounce] imap_max_message` for IMAP, the same for files
MAX_CONTAINERS = 60  # multipart and message/* parts: nesting can be no deeper than this
MAX_PARTS = 500  # MIME parts in all
MAX_SECONDS = 5.0  # parsing one message (checked where the clock can interrupt: main thread)
DIAGNOSTIC_LINE = 1_000  # of one recipient's line in a report's text
_REPLY = re.compile(r"\b[45]\d\d\b|\b[45]\.\d{1,3}\.\d{1,3}\b")  # "550", "5.1.1"
# Sisimai::Lhost::PowerMTA: a recipient block's X-PowerMTA-BounceCategory names the reason.
_POWERMTA = {
    "bad-domain": "hostunknown",
    "bad-mailbox": "userunknown",
    "inactive-mailbox": "suspend",  # Sisimai: "disabled", a reason it no longer has
    "message-expired": "expired",
    "no-answer-from-host": "networkerror",
    "policy-related": "policyviolation",
    "quota-issues": "mailboxfull",
    "routing-errors": "systemerror",
    "spam-related": "spamdetected",
}
# The phrase tables of Sisimai's readers for servers known by their Reporting-MTA.
_READER_TABLES = (
    (  # Sisimai::Lhost::ReceivingSES: the templates of Amazon SES receiving's rule actions
        re.compile(r";\s*inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\s*$", re.I),
        (
            (re.compile("Mailbox does not exist"), "filtered"),
            (re.compile("Message too large"), "mesgtoobig"),
            (re.compile("Mailbox full"), "mailboxfull"),
            (re.compile("Message content rejected"), "contenterror"),
        ),
    ),
    (  # Sisimai::Lhost::Aol
        re.compile(r"[.]mx[.]aol[.]com\s*$", re.I),
        (
            (re.compile("Host or domain name not found"), "hostunknown"),
            (re.compile("type=MX: Malformed or unexpected name server reply"), "notaccept"),
        ),
    ),
    (  # Sisimai::Lhost::MessageLabs
        re.compile(r"[.]messagelabs[.]com\s*$", re.I),
        (
            (re.compile(r"542 .+ Rejected|No such user"), "userunknown"),
            (re.compile("Please turn on SMTP Authentication"), "securityerror"),
        ),
    ),
)
_LISTED = re.compile(r"^[ \t]*<([^<>\s@]{1,64}@[^<>\s@]{1,255})>[ \t]*\r?$", re.M)
_AU_REPORTER = re.compile(r"[.](?:ezweb[.]ne[.]jp|au[.]com)\s*$", re.I)
_AU_SENTENCES = (
    ("The user(s) account is disabled.", "suspend"),
    ("The user(s) account is temporarily limited.", "suspend"),
    ("The user(s) account is temporarily over quota", "mailboxfull"),
)
_IN_REPLY = re.compile(r"\s*\((in reply to [a-z ]{2,20} command)\)")
_CONTAINER = re.compile(rb"^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/", re.I | re.M)
_PART = re.compile(rb"^content-type:", re.I | re.M)


class _Overtime(Exception):
    """Parsing one message took longer than MAX_SECONDS."""


_BOUNCE_SENDERS = re.compile(r"mailer-daemon|postmaster|mail delivery (sub)?system", re.I)
_BOUNCE_SUBJECTS = re.compile(
    r"undeliver|undelivered|delivery (status notification|failure|has failed)|"
    r"failure notice|returned mail|mail delivery failed|could not be delivered|"
    r"delivery problem|non.?delivery|rejected|mail system error|notice of delivery failure",
    re.I,
)
_BOUNCE_WORDS = re.compile(
    r"could not be delivered|delivery (has )?failed|undeliverable|permanent (fatal )?error|"
    r"did not reach the following recipient|message was not delivered|unable to deliver|"
    r"delivery to the following recipient|following address(es)? failed|returned to sender",
    re.I,
)
_UNSUBSCRIBE_SUBJECT = re.compile(r"^\s*(?:re:\s*)?unsubscribe\b\s*(\S*)", re.I)
_NOT_COMPLAINTS = ("not-spam",)  # a reader moving it out of spam: the opposite


def report_id(raw: bytes) -> str:
    """The message's own Message-ID (or `sha256:…` of its bytes), from its headers alone."""
    start = raw[:65536]
    head = BytesHeaderParser(policy=compat32).parsebytes(start[: _head_end(start)])
    return clean_id(head.get("Message-ID", "")) or "sha256:" + hashlib.sha256(raw).hexdigest()


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
                return dataclasses.replace(_read(raw, fast), date=_date_of(raw))
        except _Overtime:
            why = f"took more than {MAX_SECONDS:g} s to read"
        except RecursionError:
            why = "nested too deeply to read"
        except Exception as e:  # the parser's own failure on hostile bytes: skip this one
            why = f"could not be parsed ({type(e).__name__})"
    return Report(report_id(raw), "unreadable", why=why)


def _date_of(raw: bytes) -> str:
    """The message's Date header as ISO 8601 UTC, read from its headers alone."""
    start = raw[:65536]
    head = BytesHeaderParser(policy=compat32).parsebytes(start[: _head_end(start)])
    return report_date(str(head.get("Date", "")))


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
    if b"\r" in raw and b"\n" not in raw:
        raw = raw.replace(b"\r", b"\n")  # old Mac line ends: a lone CR ends each line
    quick = _plain_dsn(raw) if fast else None
    if quick is not None:
        return quick
    msg = message_from_bytes(raw, policy=compat32)
    own_id = clean_id(msg.get("Message-ID", "")) or ("sha256:" + hashlib.sha256(raw).hexdigest())
    verp = _verp_stamp(msg)
    parts = list(msg.walk())
    types = {part.get_content_type() for part in parts}
    if (
        "message/feedback-report" in types
        or _param(msg, "report-type").lower() == "feedback-report"
    ):
        return _complaint(own_id, parts, verp)
    if "message/delivery-status" in types:
        return _dsn(own_id, parts, verp)
    jmrp = _hotmail_complaint(own_id, parts, verp)
    if jmrp is not None:
        return jmrp
    subject = _text(msg.get("Subject", ""))
    unsubscribe = _UNSUBSCRIBE_SUBJECT.match(subject)
    if unsubscribe and msg.get_content_type() != "multipart/report":
        return Report(own_id, "unsubscribe", token=unsubscribe.group(1), verp=verp)
    first = _first_text(parts) or _unparsed_body(msg)
    ses = ses_notification(own_id, first, verp) if "notificationType" in first else None
    if ses is not None:
        return ses
    carrier = verizon_bounce(own_id, msg, verp, first)
    if carrier is not None:
        return carrier
    if _a_persons_auto_reply(msg):
        return Report(own_id, "ignored", why="an automatic reply")
    if _looks_like_a_bounce(msg, subject, first):
        blocks = _text_dsn(own_id, first, verp)  # a DSN whose MIME boundary is broken
        return blocks if blocks is not None else provider_bounce(own_id, msg, verp)
    return Report(own_id, "ignored", why="not a bounce or complaint")


def _a_persons_auto_reply(msg: Message) -> bool:
    """An automatic reply (RFC 3834, or a responder's own header) not from a mail system.

    Such replies go to the return path and quote the copy they answer: its subject
    ("Automatic reply: Court rejected the appeal"), its text ("could not be delivered"), its
    Message-ID.  Read for bounce words, each counted as a soft bounce of the reader who
    was on holiday.  A mail system's report says auto-replied too, but comes from a
    mailer-daemon or postmaster, names X-Failed-Recipients, or has a report's structure
    (read before this).
    """
    auto = _header(msg, "Auto-Submitted").strip().lower()
    flagged = (
        auto.startswith("auto-")
        or msg.get("X-Autoreply") is not None
        or msg.get("X-Autorespond") is not None
        or _header(msg, "Precedence").strip().lower() == "auto_reply"
    )
    sender = _text(msg.get("From", "")) + " " + _header(msg, "Return-Path")
    return flagged and not _BOUNCE_SENDERS.search(sender) and not msg.get("X-Failed-Recipients")


def _looks_like_a_bounce(msg: Message, subject: str, text: str) -> bool:
    """A bounce by its sender, its subject, Exim's header or its first words."""
    sender = _text(msg.get("From", "")) + " " + _header(msg, "Return-Path")
    return bool(
        _BOUNCE_SENDERS.search(sender)
        or _BOUNCE_SUBJECTS.search(subject)
        or msg.get("X-Failed-Recipients")
        or _BOUNCE_WORDS.search(text[:4000])
    )


def _text_dsn(own_id: str, text: str, verp: str) -> Report | None:
    """Delivery-status fields found in a report's text (its MIME structure broken), or None."""
    if not re.search(r"^final-recipient:", text, re.I | re.M):
        return None
    blocks = [_Fields(b) for b in _field_blocks(text)]
    failures = _recipient_failures(blocks, text)
    if not failures:
        return None
    ids = ANGLE_ID.findall(text)
    return Report(
        own_id, worst(failures), tuple(failures), clean_id(ids[-1]) if ids else "", verp=verp
    )


def _plain_dsn(raw: bytes) -> Report | None:
    """The common DSN read without the full MIME parser (several times faster), or None.

    Only a top-level `multipart/report; report-type=delivery-status` whose parts
    are neither transfer-encoded nor multiparts takes this path; anything else gets the
    full parse.
    """
    end = _head_end(raw)
    head = BytesHeaderParser(policy=compat32).parsebytes(raw[:end])
    if head.get_content_type() != "multipart/report":
        return None
    if _param(head, "report-type").lower() != "delivery-status":
        return None
    boundary = head.get_boundary()
    if not boundary or not boundary.isascii():  # 8-bit bytes in it: the MIME parser's
        return None
    own_id = clean_id(head.get("Message-ID", "")) or "sha256:" + hashlib.sha256(raw).hexdigest()
    failures: list[Failure] = []
    returned = ""
    context = ""  # the first text/plain part: the reason when a block has no diagnostic
    seen_status = False
    for part in raw[end:].split(b"--" + boundary.encode("latin-1"))[1:]:
        part_end = _head_end(part)
        part_head = part[:part_end].lower()
        if _needs_full_parse(part_head):
            return None
        body = part[part_end:].decode("utf-8", "replace")
        plain = b"text/plain" in part_head or b"content-type" not in part_head  # the default
        if not context and not seen_status and plain:
            context = body[:TEXT_CHARS]
        if b"message/delivery-status" in part_head:
            seen_status = True
            blocks = [_Fields(b) for b in _field_blocks(body.strip())]
            failures += _recipient_failures(blocks, context)
        elif not returned and (b"rfc822-headers" in part_head or b"message/rfc822" in part_head):
            found = ANGLE_ID.search(body)
            returned = clean_id(found.group(1)) if found else ""
    if not seen_status:
        return None
    overall = worst(failures)
    why = "" if overall != "ignored" else "a delivery notice, not a failure"
    return Report(own_id, overall, tuple(failures), returned, verp=_verp_stamp(head), why=why)


def _needs_full_parse(part_head: bytes) -> bool:
    """A part the quick reader leaves to the MIME parser: transfer-encoded, or a multipart."""
    encoded = b"content-transfer-encoding" in part_head and not re.search(
        rb"content-transfer-encoding:\s*(7bit|8bit)", part_head
    )
    return encoded or b"multipart/" in part_head  # a multipart's text is nested


def _field_blocks(text: str) -> list[str]:
    """A delivery-status part's blocks: split at blank lines, and where a second
    Final-Recipient starts without one (AOL writes its recipient blocks back to back)."""
    blocks: list[list[str]] = [[]]
    has_recipient = False
    for line in text.splitlines():
        named = line[:16].lower() == "final-recipient:"
        if not line.strip() or (named and has_recipient):
            blocks.append([])
            has_recipient = False
        if line.strip():
            blocks[-1].append(line)
            has_recipient = has_recipient or named
    return ["\n".join(b) for b in blocks if b]


def _one_per_recipient(blocks: list[Message]) -> list[Message] | list[_Fields]:
    """The parser's blocks, re-split where one holds several recipients (see _field_blocks)."""
    if all(len(b.get_all("Final-Recipient", [])) < 2 for b in blocks):
        return blocks
    text = "\n\n".join("\n".join(f"{k}: {v}" for k, v in b.items()) for b in blocks)
    return [_Fields(b) for b in _field_blocks(text)]


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
            blocks = payload_of(part)
            if isinstance(blocks, list):
                found = [b for b in blocks if isinstance(b, Message)]
                failures += _recipient_failures(_one_per_recipient(found), _first_text(parts))
        elif kind in ("message/rfc822", "text/rfc822-headers") and not returned:
            returned = returned_id(part)
    overall = worst(failures)
    why = "" if overall != "ignored" else "a delivery notice, not a failure"
    return Report(own_id, overall, tuple(failures), returned, verp=verp, why=why)


def _recipient_failures(blocks: list[Message] | list[_Fields], context: str) -> list[Failure]:
    """The failures of a delivery-status part's recipient blocks (any block naming one)."""
    failures: list[Failure] = []
    reporter = next((str(b.get("Reporting-MTA")) for b in blocks if b.get("Reporting-MTA")), "")
    for block in blocks:
        if len(failures) >= MAX_RECIPIENTS:
            break  # a list copy has one recipient: the rest are not about ours
        if block.get("Final-Recipient") or block.get("Original-Recipient"):
            failure = _dsn_recipient(block, context, reporter)
            if failure is not None:
                failures.append(failure)
    return failures


def _dsn_recipient(
    block: Message | _Fields, context: str = "", reporter: str = ""
) -> Failure | None:
    """One recipient block as a Failure (None for delivered, relayed, expanded).

    The reason is Sisimai's (reasons.py), from the status and the Diagnostic-Code, or the
    report's own text (`context`) when the block gives no diagnostic. `reporter` is the
    report's Reporting-MTA.
    """
    action = str(block.get("Action", "")).strip().lower()
    if action in ("delivered", "relayed", "expanded"):
        return None  # nothing wrong
    recipient = address_field(str(block.get("Final-Recipient", ""))) or address_field(
        str(block.get("Original-Recipient", ""))
    )
    recipient = recipient or _listed_alone(context)
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
    code = STATUS.search(str(block.get("Status", ""))) or STATUS.search(diagnostic)
    status = code.group(0) if code is not None else ""
    if not action and not status and not diagnostic:
        return None
    typed = ";" in diagnostic[:12]
    said = diagnostic.partition(";")[2] if typed else diagnostic
    said = _with_command(said, context) if said else _line_naming(context, recipient)
    rhost = str(block.get("Remote-MTA", "")).partition(";")[2]
    return failure_for(
        recipient,
        status,
        said,
        action=action or "failed",
        context=context,
        command="RCPT??",
        rhost=rhost,
        diagnostic_type=diagnostic.partition(";")[0].strip() if typed else "",
        named=_named_reason(block, reporter, said, context),
    )


def _named_reason(block: Message | _Fields, reporter: str, said: str, context: str = "") -> str:
    """A reason the report's own fields name, as Sisimai's reader of that server reads them.

    PowerMTA's X-PowerMTA-BounceCategory; Amazon SES receiving (Reporting-MTA
    inbound-smtp.<region>.amazonaws.com): the words of its rule actions' templates, which
    the domain's owner chose (Sisimai::Lhost::ReceivingSES: "Mailbox does not exist" is a
    filter's); MessageLabs (Reporting-MTA *.messagelabs.com): its table of its own
    servers' answers (Sisimai::Lhost::MessageLabs); AOL's (*.mx.aol.com) likewise; au's
    (*.ezweb.ne.jp, *.au.com) sentences about the account, in its text (Sisimai::Lhost::EZweb:
    "The user(s) account is disabled." is suspend, soft, whatever the transcript adds).
    """
    category = str(block.get("X-PowerMTA-BounceCategory", "")).strip().lower()
    if category:
        return _POWERMTA.get(category, "")
    for server, table in _READER_TABLES:
        if server.search(reporter):
            return next((reason for words, reason in table if words.search(said)), "")
    if _AU_REPORTER.search(reporter):
        return next((reason for words, reason in _AU_SENTENCES if words in context), "")
    return ""


def _with_command(said: str, text: str) -> str:
    """The diagnostic with the "(in reply to RCPT TO command)" the report's text adds to it.

    Postfix writes the command after the server's answer in its text, not in the
    Diagnostic-Code; Sisimai's Postfix reader reads that line, whose words some of its
    patterns need ("Recipient address rejected. (in reply to RCPT TO command)").
    """
    if "in reply to" in said.lower() or len(said) < 12:
        return said
    tail = " ".join(said.split())[-40:].lower()
    folded = _folded(text)
    at = folded.find(tail)
    clause = _IN_REPLY.match(folded, at + len(tail)) if at >= 0 else None
    return f"{said} ({clause.group(1)})" if clause is not None else said


@functools.lru_cache(maxsize=4)
def _folded(text: str) -> str:
    """A report's text on one line, lower-cased (the same for each of its recipients)."""
    return " ".join(text.split()).lower()


def _listed_alone(text: str) -> str:
    """The one address the report's text lists on a line of its own, as `<addr>` ("" if not one).

    For a block whose Final-Recipient has no address (sendmail's `RFC822; @host`), the text
    lists the recipients, as Sisimai::Lhost::Sendmail reads them.
    """
    listed = {a.lower() for a in _LISTED.findall(text)}
    return listed.pop() if len(listed) == 1 else ""


def _line_naming(text: str, recipient: str) -> str:
    """The report's line giving this recipient's answer, "" when none does.

    A block without a Diagnostic-Code leaves the server's words to the report's text, which
    gives one line per recipient (OpenSMTPD: `addr: 550 5.1.1 <addr>: User unknown`), as
    Sisimai's reader of each format pairs them; a line naming only the address is not one.
    Indented lines after it continue it.
    """
    if not recipient:
        return ""
    lines = text.lower().splitlines()
    for n, line in enumerate(lines):
        at = line.find(recipient)
        if at < 0 or _REPLY.search(line, at) is None:
            continue
        said = [line[at:]]
        for more in lines[n + 1 : n + 8]:
            if not more[:1].isspace() or not more.strip() or recipient in more:
                break
            said.append(more)
        return " ".join(" ".join(said).split())[:DIAGNOSTIC_LINE]
    return ""


def _complaint(own_id: str, parts: list[Message], verp: str) -> Report:
    fields: Message | None = None
    returned = ""
    original: Message | None = None
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            payload = payload_of(part)
            if isinstance(payload, list):
                first = payload[0] if payload else None
                fields = first if isinstance(first, Message) else None
            else:
                fields = HeaderParser(policy=compat32).parsestr(decoded(part).lstrip())
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            returned = returned_id(part)
            original = returned_headers(part)
    feedback = (_header(fields, "Feedback-Type") if fields is not None else "").strip().lower()
    if feedback in _NOT_COMPLAINTS:
        return Report(own_id, "ignored", why=f"a feedback report of type {quoted(feedback)}")
    recipients: list[str] = []
    if fields is not None:
        for name in ("Original-Rcpt-To", "Removal-Recipient"):
            named = (address_field(str(v)) for v in fields.get_all(name, []))
            recipients += [a for a in named if a]
    if not recipients and original is not None:  # the returned message's headers name them
        for value in original.get_all("To", []):
            recipients += [a.lower() for a in ADDRESS.findall(str(value))]
    said = _feedback_words(feedback)
    failures = tuple(
        Failure(r, "", "complaint", "feedback", said) for r in dict.fromkeys(recipients)
    )
    return Report(own_id, "complaint", failures, returned, verp=verp)


def _feedback_words(feedback: str) -> str:
    """A complaint's diagnostic: its Feedback-Type (`abuse`, `fraud`...)."""
    return f"Feedback-Type: {feedback}" if feedback else "a feedback report (ARF)"


def _hotmail_complaint(own_id: str, parts: list[Message], verp: str) -> Report | None:
    """Microsoft's complaint (JMRP): the message returned whole, its reader in a header."""
    for part in parts:
        if part.get_content_type() != "message/rfc822":
            continue
        original = returned_headers(part)
        reader = original.get("X-HmXmrOriginalRecipient", "") if original is not None else ""
        if reader and address_field(str(reader)):
            failure = Failure(
                address_field(str(reader)), "", "complaint", "feedback", "a Microsoft JMRP report"
            )
            return Report(own_id, "complaint", (failure,), returned_id(part), verp=verp)
    return None


def _first_text(parts: list[Message]) -> str:
    """The first text/plain part's text (a DSN's human-readable part), at most TEXT_CHARS."""
    for part in parts:
        if part.get_content_type() == "text/plain":
            return decoded(part)[:TEXT_CHARS]
    return ""


def _unparsed_body(msg: Message) -> str:
    """The body of a multipart that did not parse (its boundary missing or not the one its
    header names), as text: the first such part's."""
    for part in msg.walk():
        payload = payload_of(part)
        if part.get_content_maintype() == "multipart" and isinstance(payload, str):
            return payload[:TEXT_CHARS]
    return ""


def _verp_stamp(msg: Message) -> str:
    """`bounces+2026-W48.0a1b…@news.example.org` → `2026-W48.0a1b…` (a VERP stamp), else ""."""
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        for value in msg.get_all(name, []):
            for address in ADDRESS.findall(str(value)):
                _issue, stamped = split_stamp(address)
                if stamped and "+" in address:
                    return stamped
    return ""


def _header(msg: Message, name: str) -> str:
    """A header as text ("" when absent).  compat32 gives a header holding 8-bit bytes as a
    Header object, not text: a bounce from a mail system at an internationalised domain
    (`Return-Path: <MAILER-DAEMON@почта.рф>`, as SMTPUTF8 writes it) was "unreadable"
    (TypeError) and lost."""
    return str(msg.get(name, ""))


def _text(value: object) -> str:
    """A header's text, its encoded-words decoded (those in a charset no mail uses as UTF-8)."""
    try:
        words = [(b, mail_charset(c) if c else c) for b, c in decode_header(str(value))]
        return str(make_header(words))
    except Exception:  # a garbled encoded word: use it as it is
        return str(value)
