"""Charsets no mail uses, in a report's parts and headers: read as UTF-8, never decoded at length.

Python decodes any codec's name given as a charset, and its punycode decoder takes time in the
square of the text: a 400 KB part declared `charset=punycode` (or an encoded-word
`=?punycode?q?…?=` in the Subject) held `bounces process` for the whole 5 s bound, each such
message, and the report in it was lost as "unreadable".  A case of docs/security.md's "serve,
bounces and relays, tried once more" table.
"""

from __future__ import annotations

import time

import pytest

from newsletter.bounces.reports import read_report
from tests.support.bounce_messages import list_message_id, qmail_bounce
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READER = "victim@example.org"
CRAWL = "a" * 200_000 + "-" + "b" * 200_000  # what punycode's decoder reads in square time


def bounce_with(charset: str = "", subject: str = "", reader: str = READER, n: int = 1) -> bytes:
    """A qmail bounce (read by the full parser: no DSN part) returning the reader's copy."""
    stamp = list_message_id(ISSUE_ID, reader)
    raw = qmail_bounce(f"<c{n}@mx.example.net>", reader, original_id=stamp)
    if subject:
        raw = raw.replace(b"Subject: failure notice", f"Subject: {subject}".encode())
    if charset:
        head, _, body = raw.partition(b"\r\n\r\n")
        declared = f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
        raw = head + b"\r\n" + declared.encode() + b"\r\n" + body + CRAWL.encode() + b"\r\n"
    return raw


@pytest.mark.parametrize("charset", ["punycode", "PUNYCODE", "idna"])
def test_a_part_in_a_charset_no_mail_uses_is_read_as_utf8_at_once(charset):
    """A bounce whose text part claims punycode or idna over 400 KB is read in well under a second."""
    started = time.monotonic()
    report = read_report(bounce_with(charset=charset))
    assert time.monotonic() - started < 1.5
    assert report.kind == "hard", report.why
    assert report.failures[0].recipient == READER


def test_an_encoded_word_in_a_charset_no_mail_uses_is_read_at_once():
    """A Subject of `=?punycode?q?…?=` over 400 KB costs no more than any other Subject."""
    subject = f"=?punycode?q?{CRAWL}?="
    started = time.monotonic()
    report = read_report(bounce_with(subject=subject))
    assert time.monotonic() - started < 1.5
    assert report.kind == "hard", report.why


def test_on_dovecot_punycode_bounces_are_applied_and_forged_ones_beside_them_are_not(
    certificate_authority, send_ws, monkeypatch
):
    """Real Dovecot: three reader bounces in punycode text beside a forged one naming a fourth reader: three bounced, one unverified, in seconds."""
    from tests.support.dovecot_server import PASSWORD, dovecot_server

    readers = [f"reader{n}@example.org" for n in range(4)]
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", PASSWORD)
    run = send_ws.cli(monkeypatch, *readers)
    proven = [bounce_with("punycode", reader=r, n=n) for n, r in enumerate(readers[:3])]
    forged = qmail_bounce("<f1@evil.example>", readers[3]).replace(
        b"\r\n\r\n", b"\r\nContent-Type: text/plain; charset=punycode\r\n\r\n", 1
    )
    with dovecot_server(certificate_authority) as imap:
        imap.append(*proven, forged + CRAWL.encode())
        started = time.monotonic()
        result = run("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
        took = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "3 hard bounce(s)" in result.output and "1 unverified" in result.output, result.output
    assert took < 10, took  # it was 5 s a message
    assert send_ws.statuses() == {
        **{r: "bounced" for r in readers[:3]},
        readers[3]: "active",
    }
