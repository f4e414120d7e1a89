"""Bounces without a delivery-status part: plain-text reports and Amazon SES notifications.

`provider_bounce(own_id, msg, verp)` reads the report's own words (its text
parts, not the returned message): each address it names (OpenSMTPD's
`addr: 550 …`, Sendmail's `<addr>... 550 Host unknown`, Exim's indented
addresses, Office 365's `addr<mailto:addr>`, Exchange's "did not reach the
following recipient(s)", qmail's `<addr>:`...) but the senders, and, per
address, the status and words that follow it, classified as Sisimai does.

`ses_notification(own_id, text, verp)` reads an Amazon SES bounce or complaint
notification (JSON, as SNS mails it).
"""

from __future__ import annotations

import json
import re
from email.message import Message
from typing import Any

from newsletter.bounces.findings import (
    ADDRESS,
    ANGLE_ID,
    STATUS,
    TEXT_CHARS,
    Failure,
    Report,
    clean_id,
    decoded,
    failure_for,
    payload_of,
    returned_id,
    smtp_command,
    worst,
)

# Where a report's own words end and the returned message begins.
_RETURNED = re.compile(
    r"^[ \t]*(?:-{2,80}|={3,80}|\*{3,80})[^\n]{0,200}?(?:original message|unsent message"
    r"|returned message|copy of|header of the original|message header|rfc ?822|below this line"
    r"|end of message)"
    r"|^[^\n]{0,200}?(?:below is a copy of the original message|original message follows"
    r"|included is a copy of the message header|message headers follow)"
    r"|^(?:received|return-path|x-original-to|delivered-to|dkim-signature):[ \t]",
    re.I | re.M,
)
# An address after these is a sender, a link or a header of the returned message, not a
# recipient.
_NOT_RECIPIENT = re.compile(
    r"(?:from|sender|reply-to|return-path|envelope-from|mailto|endpoint|by|https?://\S*)"
    r"\W{0,3}$",
    re.I,
)
_ROBOTS = re.compile(r"^(?:mailer-daemon|postmaster|root|nobody|noreply|no-reply)@", re.I)
_SEGMENT_CHARS = 1000
MAX_RECIPIENTS = 50  # a list copy has one recipient; a report naming more is not about ours
_BARE_ADDRESS = re.compile(r"[ \t]*<?[^\s<>@]{1,64}@[^\s<>@]{1,255}>?:?\s*")
_REPLY_LINE = re.compile(r"[ \t]*[2-5]\d\d[ -]")


def provider_bounce(own_id: str, msg: Message, verp: str) -> Report:
    """A bounce in a server's own words; see the module doc."""
    texts, returned = _own_texts(msg)
    text = "\n".join(texts)[:TEXT_CHARS]
    head = _own_words(text)
    if not returned:
        # The returned headers pasted into the text: the last Message-ID is our message's,
        # the first may be the bounce's own.
        ids = ANGLE_ID.findall(text)
        returned = clean_id(ids[-1]) if ids else ""
    # X-Failed-Recipients (Exim) names the recipients, even one also in To or From.
    failed = {
        a.lower() for v in msg.get_all("X-Failed-Recipients", []) for a in ADDRESS.findall(str(v))
    }
    senders = _senders(msg) - failed
    found = _recipients(head, senders)
    failures: list[Failure] = []
    for n, (address, start) in enumerate(found):
        end = found[n + 1][1] if n + 1 < len(found) else len(head)
        segment = _segment(head, start, end, address)
        code = STATUS.search(segment) or STATUS.search(head)
        status = code.group(0) if code is not None else ""
        said = segment.replace(address, " ").strip(' \n<>:"')
        # A server's own words about a recipient are its answer to RCPT unless they say
        # otherwise (Sisimai's reader for each server knows; reasons.py guesses). Words that
        # quote the address with a status code, "550 5.2.1 <reader@example.org>... User
        # unknown", answer RCPT (as Sisimai::Lhost::Yahoo and qmail read them); without one
        # ("550 <reader@example.org>: User unknown", Postfix and Activehunter), Sisimai reads
        # a filter.
        quoted = "< >" in said and bool(status)
        command = smtp_command(segment) or ("RCPT" if quoted else "RCPT?")
        failure = failure_for(
            address,
            status,
            said if len(said) > 8 else head,
            context=head,
            command=command,
            own_words=True,
        )
        if failure is not None:
            failures.append(failure)
    kind = worst(failures) if failures else "soft"  # a failure of unknown cause: soft
    return Report(own_id, kind, tuple(failures), returned, verp=verp)


# Sisimai::Lhost::Verizon: Verizon Wireless' two formats, known by the sender and the
# vtext.com relay: the SMS gateway's ("Error:" ... "  RCPT TO: addr") and the MMS gateway's
# ("Message could not be delivered to mobile." ... "To: addr").
_VERIZON_RELAY = ".vtext.com ("
_VERIZON_SMS = re.compile(r"^post_master@vtext\.com$", re.I)
_VERIZON_MMS = re.compile(r"<?sysadmin@[^\s<>]*\.vzwpix\.com>?\s*$", re.I)
_VERIZON_FORMATS = (
    # (sender, where the report starts, a recipient's line, an answer's line, the gone words)
    (
        _VERIZON_SMS,
        re.compile(r"^Error:[ \t]", re.M),
        re.compile(r"^[ \t]+RCPT TO: (.+)$", re.M),
        re.compile(r"^\d{3}[ \t]-[ \t].*$", re.M),
        "550 - Requested action not taken: no such user here",
    ),
    (
        _VERIZON_MMS,
        re.compile(r"^Message could not be delivered to mobile", re.M),
        re.compile(r"^To:[ \t]+(.+)$", re.M),
        re.compile(r"^Error:[ \t]+.+$", re.M),
        "No valid recipients for this MM",
    ),
)


def verizon_bounce(own_id: str, msg: Message, verp: str, first: str = "") -> Report | None:
    """A Verizon Wireless bounce (Sisimai::Lhost::Verizon), or None when it is not one.

    `first` is the report's text as reports.py found it, for when no text part parsed.
    """
    if not any(_VERIZON_RELAY in str(r) for r in msg.get_all("Received", [])):
        return None
    sender = str(msg.get("From", "")).strip()
    texts, returned = _own_texts(msg)
    text = "\n".join(texts)[:TEXT_CHARS] or first[:TEXT_CHARS]
    ids = ANGLE_ID.findall(text)
    returned = returned or (clean_id(ids[-1]) if ids else "")
    for from_, start, recipient, answer, gone in _VERIZON_FORMATS:
        begun = start.search(text) if from_.search(sender) else None
        if begun is None:
            continue
        body = text[begun.start() :]
        said = answer.search(body)
        words = said.group(0).strip() if said else ""
        failures = [
            failure
            for found in recipient.findall(body)[:MAX_RECIPIENTS]
            for address in ADDRESS.findall(found)[:1]
            if (
                failure := failure_for(
                    address.lower(),
                    "",
                    words,
                    command="RCPT?",
                    own_words=True,
                    named="userunknown" if gone in words else "",
                )
            )
        ]
        if failures:
            return Report(own_id, worst(failures), tuple(failures), returned, verp=verp)
    return None


def _own_texts(msg: Message) -> tuple[list[str], str]:
    """The text parts outside any returned message, and that message's Message-ID."""
    texts: list[str] = []
    returned = ""
    stack = [msg]
    while stack:
        part = stack.pop()
        kind = part.get_content_type()
        if kind.startswith("message/") or kind == "text/rfc822-headers":
            returned = returned or returned_id(part)
        elif part.is_multipart():
            payload = payload_of(part)
            inner = (
                [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
            )
            stack.extend(reversed(inner))
        elif part.get_content_maintype() == "text":
            body = decoded(part)
            if kind == "text/html":
                body = re.sub(r"<[^>]*>", " ", body)
            texts.append(body)
    return texts, returned


def _own_words(text: str) -> str:
    """The text before the returned message starts (all of it when no marker is found)."""
    found = _RETURNED.search(text)
    return text[: found.start()] if found else text


def _senders(msg: Message) -> set[str]:
    """The addresses in the report's own headers: whoever it is from and to, never a recipient."""
    found: set[str] = set()
    for name in ("From", "To", "Cc", "Reply-To", "Sender", "Return-Path"):
        for value in msg.get_all(name, []):
            found.update(a.lower() for a in ADDRESS.findall(str(value)))
    return found


def _recipients(head: str, senders: set[str]) -> list[tuple[str, int]]:
    """Each address the report's words name as a recipient, with where its line starts."""
    found: list[tuple[str, int]] = []
    seen: set[str] = set()
    for match in ADDRESS.finditer(head):
        address = match.group(0).lower().rstrip(".")
        before = head[max(0, match.start() - 24) : match.start()]
        if address in seen or address in senders or _ROBOTS.match(address):
            continue
        if _NOT_RECIPIENT.search(before):
            continue
        seen.add(address)
        if len(seen) > MAX_RECIPIENTS:
            break
        line_start = head.rfind("\n", 0, match.start()) + 1
        found.append((address, max(line_start, match.start() - 80)))
    return found


def _segment(head: str, start: int, end: int, address: str) -> str:
    """A recipient's own words: its line and those after it, up to the next recipient.

    A line starting with a reply code that does not name the address begins someone
    else's (Sendmail writes the host's answer on the line before the recipient's), unless
    the line before introduces it ("SMTP error from remote mail server after MAIL FROM:...:",
    as Exim writes).
    """
    lines = head[start : min(end, start + _SEGMENT_CHARS)].split("\n")
    kept = lines[:1]
    for line in lines[1:]:
        introduced = kept[-1].rstrip().endswith(":")
        if _REPLY_LINE.match(line) and address not in line.lower() and not introduced:
            break
        if _BARE_ADDRESS.fullmatch(line) and address not in line.lower():
            break  # the next recipient's line (Exim lists each, and may list them twice)
        kept.append(line)
    return "\n".join(kept)


def ses_notification(own_id: str, text: str, verp: str) -> Report | None:
    """An Amazon SES bounce or complaint notification in `text` (JSON), else None."""
    start = text.find("{")
    if start == -1 or "notificationType" not in text[:TEXT_CHARS]:
        return None
    # SNS's mail wraps long lines as `!` + newline + space: joined again first.
    body = re.sub(r"!\r?\n ", "", text[start:TEXT_CHARS])
    try:
        data, _ = json.JSONDecoder(strict=False).raw_decode(body)
        if isinstance(data, dict) and isinstance(data.get("Message"), str):
            data = json.loads(data["Message"])  # wrapped in an SNS envelope
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    kind = str(data.get("notificationType") or data.get("eventType") or "")
    returned = _ses_message_id(data.get("mail"))
    if kind == "Complaint":
        complaint = _dict(data.get("complaint"))
        people = _dicts(complaint.get("complainedRecipients"))[:MAX_RECIPIENTS]
        said = "an Amazon SES complaint" + (
            f" ({complaint['complaintFeedbackType']})"
            if isinstance(complaint.get("complaintFeedbackType"), str)
            else ""
        )
        failures = tuple(
            Failure(str(p.get("emailAddress", "")).lower(), "", "complaint", "feedback", said)
            for p in people
            if p.get("emailAddress")
        )
        return Report(own_id, "complaint", failures, returned, verp=verp)
    if kind != "Bounce":
        return Report(own_id, "ignored", returned_id=returned, why=f"an SES {kind or '?'} notice")
    bounce = _dict(data.get("bounce"))
    found: list[Failure] = []
    for person in _dicts(bounce.get("bouncedRecipients"))[:MAX_RECIPIENTS]:
        address = str(person.get("emailAddress", "")).lower()
        diagnostic = str(person.get("diagnosticCode", ""))
        said = diagnostic.partition(";")[2] if ";" in diagnostic[:12] else diagnostic
        failure = failure_for(
            address,
            str(person.get("status", "")),
            said,
            action=str(person.get("action", "failed")),
            context=str(bounce.get("bounceSubType", "")),
        )
        if address and failure is not None:
            found.append(failure)
    return Report(own_id, worst(found), tuple(found), returned, verp=verp)


def _ses_message_id(mail: object) -> str:
    """Our Message-ID from an SES notification's `mail` object, when it has the headers."""
    mail = _dict(mail)
    for header in _dicts(mail.get("headers")):
        if str(header.get("name", "")).lower() == "message-id":
            return clean_id(str(header.get("value", "")))
    return clean_id(str(_dict(mail.get("commonHeaders")).get("messageId", "")))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
