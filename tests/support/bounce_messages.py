"""Bounce reports, complaints and mailed unsubscribes, built as the big providers send them.

Used by the bounce tests and bench/bench_bounces.py.  Each builder returns the
message's bytes; `write_mbox` and `write_maildir` store a list of them.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

from newsletter.mail.reader_stamp import reader_stamps

TEST_SECRET = (
    b"test-secret-0123456789abcdef"  # what tests/support/send_fixtures.py puts in the environment
)
TEST_LIST_ID = "the-test-brief.example.org"  # the send workspace's list id


def list_message_id(
    issue_id: str,
    email: str,
    domain: str = "example.org",
    *,
    secret: bytes = TEST_SECRET,
    list_id: str = TEST_LIST_ID,
) -> str:
    """The keyed Message-ID our sender gives a list copy (newsletter/mail/reader_stamp.py)."""
    return f"<{reader_stamps(secret, list_id).stamp(issue_id, email)}@{domain}>"


def _returned_headers(original_id: str, to: str) -> str:
    return (
        "From: The Test Brief <digest@example.org>\r\n"
        f"To: {to}\r\n"
        "Subject: Peru prepares a border emergency\r\n"
        f"Message-ID: {original_id}\r\n"
    )


def dsn(
    report_id: str,
    recipient: str,
    status: str = "5.1.1",
    *,
    original_id: str = "",
    action: str = "failed",
    mta: str = "mx.example.net",
) -> bytes:
    """An RFC 3464 delivery status notification, as Postfix or Gmail send them."""
    returned = _returned_headers(original_id, recipient) if original_id else ""
    text = (
        f"From: MAILER-DAEMON@{mta} (Mail Delivery System)\r\n"
        "To: digest@example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {report_id}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        f"Reporting-MTA: dns; {mta}\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; {status[0]}50 {status} mailbox problem\r\n"
        "\r\n"
        "--b1\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        f"{returned}"
        "\r\n"
        "--b1--\r\n"
    )
    return text.encode()


def arf(report_id: str, recipient: str, *, original_id: str = "") -> bytes:
    """An RFC 5965 abuse report (a reader pressed "spam"), as Yahoo or Outlook.com send them."""
    returned = _returned_headers(original_id, recipient) if original_id else ""
    text = (
        "From: feedback@arf.example.net\r\n"
        "To: digest@example.org\r\n"
        "Subject: FW: Peru prepares a border emergency\r\n"
        f"Message-ID: {report_id}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="f1"\r\n'
        "\r\n"
        "--f1\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "This is an email abuse report.\r\n"
        "\r\n"
        "--f1\r\n"
        "Content-Type: message/feedback-report\r\n"
        "\r\n"
        "Feedback-Type: abuse\r\n"
        "User-Agent: ExampleFBL/1.0\r\n"
        "Version: 1\r\n"
        f"Original-Rcpt-To: {recipient}\r\n"
        "\r\n"
        "--f1\r\n"
        "Content-Type: message/rfc822\r\n"
        "\r\n"
        f"{returned}"
        "\r\n"
        "Hello\r\n"
        "--f1--\r\n"
    )
    return text.encode()


def qmail_bounce(report_id: str, recipient: str, *, original_id: str = "") -> bytes:
    """A qmail-style bounce (no DSN): the recipient line, the reply, the returned headers."""
    returned = _returned_headers(original_id, recipient) if original_id else ""
    text = (
        "From: MAILER-DAEMON@mail.example.net\r\n"
        "To: digest@example.org\r\n"
        "Subject: failure notice\r\n"
        f"Message-ID: {report_id}\r\n"
        "\r\n"
        "Hi. This is the qmail-send program at mail.example.net.\r\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\r\n"
        "\r\n"
        f"<{recipient}>:\r\n"
        "Remote host said: 550 5.1.1 no mailbox here by that name\r\n"
        "\r\n"
        "--- Below this line is a copy of the message.\r\n"
        "\r\n"
        f"{returned}"
        "\r\n"
        "Hello\r\n"
    )
    return text.encode()


def exim_full_mailbox(report_id: str, recipient: str) -> bytes:
    """An Exim-style bounce for a full mailbox (temporary), with no returned Message-ID."""
    text = (
        "From: Mail Delivery System <Mailer-Daemon@mx.example.com>\r\n"
        "To: digest@example.org\r\n"
        "Subject: Mail delivery failed: returning message to sender\r\n"
        f"Message-ID: {report_id}\r\n"
        "\r\n"
        "This message was created automatically by mail delivery software.\r\n"
        "\r\n"
        "A message that you sent could not be delivered to one or more of its\r\n"
        "recipients. The following address(es) failed:\r\n"
        "\r\n"
        f"  {recipient}\r\n"
        "    mailbox is full: retry timeout exceeded\r\n"
    )
    return text.encode()


def mailed_unsubscribe(report_id: str, token: str, sender: str = "reader@example.net") -> bytes:
    """What a reader's mail program sends for our List-Unsubscribe mailto."""
    text = (
        f"From: {sender}\r\n"
        "To: unsubscribe@example.org\r\n"
        f"Subject: unsubscribe {token}\r\n"
        f"Message-ID: {report_id}\r\n"
        "\r\n"
        "This message was automatically generated by the mail program.\r\n"
    )
    return text.encode()


def vacation_reply(report_id: str) -> bytes:
    """An out-of-office reply: not a bounce."""
    text = (
        "From: reader@example.org\r\n"
        "To: digest@example.org\r\n"
        "Subject: Out of office\r\n"
        f"Message-ID: {report_id}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "\r\n"
        "I am away until Monday.\r\n"
    )
    return text.encode()


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    """Store messages in an mbox file."""
    box = mailbox.mbox(path, create=True)
    try:
        box.lock()
        for data in messages:
            box.add(data.replace(b"\r\n", b"\n"))
        box.flush()
        box.unlock()
    finally:
        box.close()
    return path


def write_maildir(path: Path, messages: list[bytes]) -> Path:
    """Store messages in a Maildir folder (new/)."""
    box = mailbox.Maildir(path, create=True)
    try:
        for data in messages:
            box.add(data)
    finally:
        box.close()
    return path


def exchange_ndr(report_id: str, recipient: str, *, original_id: str) -> bytes:
    """An Exchange-style non-delivery report without a DSN part, the original message attached."""
    text = (
        "From: postmaster@outlook.example.com\r\n"
        "To: digest@example.org\r\n"
        "Subject: Undeliverable: Peru prepares a border emergency\r\n"
        f"Message-ID: {report_id}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="x1"\r\n'
        "\r\n"
        "--x1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Your message to {recipient} couldn't be delivered.\r\n"
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'\r\n"
        "\r\n"
        "--x1\r\n"
        "Content-Type: message/rfc822\r\n"
        "\r\n"
        f"{_returned_headers(original_id, recipient)}"
        "\r\n"
        "Hello\r\n"
        "--x1--\r\n"
    )
    return text.encode()
