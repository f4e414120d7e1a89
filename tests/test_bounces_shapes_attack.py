"""Reports in shapes the earlier rounds did not send, tried from outside through `newsletter bounces
process` on an mbox (docs/security.md, *Feeds, reports, relays and serve, a third round from
outside*): a proven report is applied whatever bytes its headers carry, and a forged one moves
only its stamp's own reader however its reports are nested or repeated."""

from __future__ import annotations

import pytest

from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.bounce_messages import arf, dsn, list_message_id, qmail_bounce, write_mbox

pytest_plugins = ["tests.support.send_fixtures"]

READER = "ann@example.org"
OTHER = "bob@example.org"
MALLORY = "mallory@evil.example"


@pytest.fixture
def cli(send_ws, monkeypatch):
    """`newsletter …` in the send workspace, READER, OTHER and MALLORY on its list and each
    sent issue 2026-W48."""
    run = send_ws.cli(monkeypatch, READER, OTHER, MALLORY)
    with send_ws.store() as store:
        for email in (READER, OTHER, MALLORY):
            store.conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, updated)"
                " VALUES ('2026-W48', ?, 'sent', '2026-11-20T00:00:00Z')",
                (email,),
            )
    return run


def _process(cli, tmp_path, *messages: bytes):
    result = cli("bounces", "process", str(write_mbox(tmp_path / "in.mbox", list(messages))))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_proven_bounce_with_8bit_headers_is_applied(cli, send_ws, tmp_path):
    """A plain-text bounce of READER's copy from a mail system at an internationalised domain
    (`Return-Path: <MAILER-DAEMON@почта.рф>` in UTF-8, as SMTPUTF8 writes it), or with such
    bytes in `Auto-Submitted`: compat32 gives those headers as Header objects, and reading
    them as text raised TypeError: "unreadable", the bounce lost. It is applied now."""
    proven = qmail_bounce(
        "<q1@mx.example.net>", READER, original_id=list_message_id("2026-W48", READER)
    )
    output = _process(
        cli,
        tmp_path,
        "Return-Path: <MAILER-DAEMON@почта.рф>\r\n".encode() + proven,
        "Auto-Submitted: auto-replied (почта)\r\n".encode() + proven.replace(b"<q1@", b"<q2@"),
    )
    assert "unreadable" not in output, output
    assert send_ws.statuses()[READER] == "bounced"


def test_a_proven_complaint_naming_its_reader_with_8bit_bytes_is_applied(cli, send_ws, tmp_path):
    """A feedback report of READER's copy whose `Original-Rcpt-To` carries a UTF-8 comment
    (`ann@example.org (Анна)`): "unreadable" (a TypeError), the complaint lost and the reader
    mailed on. READER is unsubscribed now."""
    report = arf("<c1@fbl.example.net>", READER, original_id=list_message_id("2026-W48", READER))
    report = report.replace(
        f"Original-Rcpt-To: {READER}".encode(), f"Original-Rcpt-To: {READER} (Анна)".encode()
    )
    assert "(Анна)".encode() in report
    output = _process(cli, tmp_path, report)
    assert "1 complaint(s)" in output, output
    assert send_ws.statuses()[READER] == "unsubscribed"


def test_a_proven_dsn_whose_boundary_holds_an_8bit_byte_is_applied(cli, send_ws, tmp_path):
    """A DSN of READER's copy whose MIME boundary holds a Latin-1 byte: the quick reader
    raised UnicodeEncodeError ("unreadable"); the MIME parser reads it now."""
    report = dsn("<d1@mx.example.net>", READER, original_id=list_message_id("2026-W48", READER))
    report = report.replace(b'boundary="b1"', b'boundary="b\xe91"').replace(b"--b1", b"--b\xe91")
    output = _process(cli, tmp_path, report)
    assert "1 hard bounce(s)" in output, output
    assert send_ws.statuses()[READER] == "bounced"


def _part(kind: str, body: str) -> str:
    return f"--b1\r\nContent-Type: {kind}\r\n\r\n{body}\r\n"


def _block(recipient: str, status: str) -> str:
    return (
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} no such user\r\n\r\n"
    )


def _report(message_id: str, kind: str, parts: list[str]) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.net\r\nTo: digest@example.org\r\n"
        f"Subject: Undelivered Mail\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: {kind}; boundary="b1"\r\n\r\n' + "".join(parts) + "--b1--\r\n"
    ).encode()


def test_nested_and_repeated_reports_with_a_subscribers_own_stamp_move_only_that_subscriber(
    cli, send_ws, tmp_path
):
    """MALLORY (on the list) holds one genuine stamp, their own copy's Message-ID, and mails
    reports built around it: three delivery-status parts naming READER and OTHER hard, the
    victims' first; a report nested in a multipart/mixed; one inside a message/rfc822; a
    report that is a DSN and a complaint at once; a feedback report whose returned copy
    names another list. Only MALLORY ever moves; READER and OTHER stay active."""
    own = list_message_id("2026-W48", MALLORY)
    returned = _part("text/rfc822-headers", f"From: digest@example.org\r\nMessage-ID: {own}\r\n")
    status = "message/delivery-status"
    dsn_kind = "multipart/report; report-type=delivery-status"
    several = _report(
        "<s1@x>",
        dsn_kind,
        [
            _part(status, _block(READER, "5.1.1")),
            _part(status, "Reporting-MTA: dns; mx\r\n\r\n" + _block(MALLORY, "4.2.2")),
            _part(status, _block(OTHER, "5.1.1") + _block(READER, "5.1.2")),
            returned,
        ],
    )
    inner = _report("<s2i@x>", dsn_kind, [_part(status, _block(READER, "5.1.1")), returned])
    nested = _report("<s2@x>", "multipart/mixed", [_part("text/plain", "fwd"), inner.decode()])
    enclosed = _report(
        "<s3@x>", "multipart/mixed", [_part("message/rfc822", inner.decode().replace("s2i", "s3i"))]
    )
    both = _report(
        "<s4@x>",
        dsn_kind,
        [
            _part(status, _block(OTHER, "5.1.1")),
            _part("message/feedback-report", f"Feedback-Type: abuse\r\nOriginal-Rcpt-To: {OTHER}"),
            returned,
        ],
    )
    other_list = _report(
        "<s5@x>",
        "multipart/report; report-type=feedback-report",
        [
            _part("message/feedback-report", f"Feedback-Type: abuse\r\nOriginal-Rcpt-To: {READER}"),
            _part(
                "text/rfc822-headers",
                f"List-Id: <other.list.example>\r\nTo: {READER}\r\nMessage-ID: {own}\r\n",
            ),
        ],
    )
    _process(cli, tmp_path, several, nested, enclosed, both, other_list)
    statuses = send_ws.statuses()
    assert (statuses[READER], statuses[OTHER]) == ("active", "active"), statuses


def test_a_report_is_counted_by_what_it_did_to_the_reader_it_proves(cli, send_ws, tmp_path):
    """MALLORY's own stamp on a DSN whose block for MALLORY is soft (4.2.2) and whose other
    blocks name READER and OTHER hard: only a soft bounce of MALLORY is recorded, and the
    run says so ("1 hard bounce(s)" before: a subscriber could raise the count at will)."""
    own = list_message_id("2026-W48", MALLORY)
    status = "message/delivery-status"
    report = _report(
        "<k1@x>",
        "multipart/report; report-type=delivery-status",
        [
            _part(status, _block(READER, "5.1.1") + _block(MALLORY, "4.2.2")),
            _part(status, _block(OTHER, "5.1.1")),
            _part("text/rfc822-headers", f"From: digest@example.org\r\nMessage-ID: {own}\r\n"),
        ],
    )
    output = _process(cli, tmp_path, report)
    assert "0 hard bounce(s), 1 soft" in output, output
    assert set(send_ws.statuses().values()) == {"active"}


def test_a_proven_broken_multipart_of_8bit_text_under_an_rfc_2231_charset_is_applied(
    cli, send_ws, tmp_path
):
    """A DSN of READER's copy whose boundary is not the one its header names (so the
    multipart does not parse), 8-bit text inside and its charset written the RFC 2231 way
    (`charset*=utf-8''`): Python's get_payload decoded with the parameter's tuple, a
    TypeError, and the report was "unreadable", the bounce lost (listed open). Applied now."""
    report = dsn("<d2@mx.example.net>", READER, original_id=list_message_id("2026-W48", READER))
    head, _, body = report.partition(b"\r\n\r\n")
    head = head.replace(b'boundary="b1"', b"boundary=\"zz\"; charset*=utf-8''")
    assert head != report.partition(b"\r\n\r\n")[0]
    body = "Zustellung fehlgeschlagen: Empfänger unbekannt.\r\n".encode() + body
    output = _process(cli, tmp_path, head + b"\r\n\r\n" + body)
    assert "unreadable" not in output, output
    assert send_ws.statuses()[READER] == "bounced", output
