"""`newsletter bounces process`: DSNs, provider bounces, ARF complaints and mailed unsubscribes."""

from __future__ import annotations

import os

import pytest

from newsletter.bounces.reports import read_report
from newsletter.mail.unsubscribe import sign_legacy_token, sign_token
from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.bounce_messages import (
    TEST_LIST_ID,
    TEST_SECRET,
    arf,
    dsn,
    exchange_ndr,
    exim_full_mailbox,
    list_message_id,
    mailed_unsubscribe,
    qmail_bounce,
    vacation_reply,
    write_maildir,
    write_mbox,
)
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = [f"reader{i}@example.org" for i in range(8)]


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace, which has READERS on its list."""
    return send_ws.cli(monkeypatch, *READERS)


def reports_for_the_week() -> list[bytes]:
    """One of each kind, each naming one reader (and two that name nobody we know)."""
    r = READERS
    return [
        # matched by our returned Message-ID although Final-Recipient is a forwarding address
        dsn(
            "<d1@mx.example.net>",
            "alias@example.net",
            "5.1.1",
            original_id=list_message_id(ISSUE_ID, r[0]),
        ),
        arf("<c1@arf.example.net>", r[1], original_id=list_message_id(ISSUE_ID, r[1])),
        qmail_bounce("<q1@mail.example.net>", r[2], original_id=list_message_id(ISSUE_ID, r[2])),
        mailed_unsubscribe("<u1@example.net>", sign_token(r[3], TEST_SECRET, TEST_LIST_ID)),
        # soft: one is not enough
        dsn("<d2@mx.example.net>", r[4], "4.2.2", original_id=list_message_id(ISSUE_ID, r[4])),
        exim_full_mailbox("<e1@mx.example.com>", r[5]),  # names a reader, proves nothing
        mailed_unsubscribe("<u2@example.net>", sign_token(r[6], b"forged-key", TEST_LIST_ID)),
        dsn("<d3@mx.example.net>", "stranger@example.net", "5.1.1"),
        vacation_reply("<v1@example.org>"),
    ]


@pytest.mark.parametrize(
    ("data", "kind", "recipient", "status"),
    [
        (dsn("<a@x>", "Reader@Example.org", "5.1.1"), "hard", "reader@example.org", "5.1.1"),
        (dsn("<a@x>", "reader@example.org", "4.2.2"), "soft", "reader@example.org", "4.2.2"),
        (
            dsn("<a@x>", "reader@example.org", "4.4.7", action="delayed"),
            "soft",
            "reader@example.org",
            "4.4.7",
        ),
        (arf("<a@x>", "reader@example.org"), "complaint", "reader@example.org", ""),
        (qmail_bounce("<a@x>", "reader@example.org"), "hard", "reader@example.org", "5.1.1"),
        (exim_full_mailbox("<a@x>", "reader@example.org"), "soft", "reader@example.org", ""),
    ],
    ids=["dsn-hard", "dsn-soft", "dsn-delayed", "arf", "qmail", "exim-full"],
)
def test_each_report_format_is_read_with_its_recipient_and_status(data, kind, recipient, status):
    """Standard and provider formats give the kind, the recipient and the status code."""
    report = read_report(data)
    assert report.kind == kind
    assert report.failures[0].recipient == recipient
    assert report.failures[0].status == status
    assert report.message_id == "<a@x>"


@pytest.mark.parametrize(
    "data",
    [
        dsn(
            "<a@x>",
            "Reader@Example.org",
            "5.1.1",
            original_id="<2026-W48.0123456789abcdef@example.org>",
        ),
        dsn("<a@x>", "reader@example.org", "4.2.2"),
        dsn("<a@x>", "reader@example.org", "4.4.7", action="delayed"),
        dsn("<a@x>", "reader@example.org", "2.0.0", action="delivered"),
        b"To: bounces+2026-W48.0123456789abcdef01234567@news.example.org\r\n"
        + dsn("<a@x>", "x@example.net"),
    ],
    ids=["hard", "soft", "delayed", "delivered", "verp"],
)
def test_the_quick_dsn_reader_agrees_with_the_full_mime_parse(data):
    """The fast path for plain DSNs gives exactly what the full parse gives."""
    assert read_report(data) == read_report(data, fast=False)


def test_returned_message_id_and_mailed_token_are_found():
    """A bounce carries our Message-ID back; a mailed unsubscribe carries its token."""
    ours = list_message_id(ISSUE_ID, "reader@example.org")
    assert read_report(dsn("<a@x>", "r@example.org", original_id=ours)).returned_id == ours
    assert read_report(qmail_bounce("<a@x>", "r@example.org", original_id=ours)).returned_id == ours
    assert read_report(arf("<a@x>", "r@example.org", original_id=ours)).returned_id == ours
    report = read_report(mailed_unsubscribe("<a@x>", "TOKEN.abc"))
    assert (report.kind, report.token) == ("unsubscribe", "TOKEN.abc")


def test_an_exchange_report_is_matched_by_the_message_it_returns():
    """A non-DSN report from Exchange: hard (5.1.10), our Message-ID from the attached message."""
    ours = list_message_id(ISSUE_ID, "reader@example.org")
    report = read_report(exchange_ndr("<n@x>", "reader@example.org", original_id=ours))
    assert (report.kind, report.returned_id) == ("hard", ours)
    assert [(f.recipient, f.status) for f in report.failures] == [("reader@example.org", "5.1.10")]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe garbage \x00",
        b"Subject: hello\r\n\r\nnot a bounce",
        vacation_reply("<v@x>"),
        dsn("<a@x>", "r@example.org", "2.0.0", action="delivered"),
    ],
    ids=["empty", "binary", "plain", "vacation", "delivered"],
)
def test_anything_else_is_ignored_without_an_error(data):
    """Empty, binary, ordinary mail, auto-replies and success notices are ignored, never raise."""
    assert read_report(data).kind == "ignored"


def test_a_verp_return_path_gives_its_stamp():
    """A report sent to bounces+ISSUE.STAMP@… carries that stamp; an unstamped `+tag` none."""
    stamped = list_message_id(ISSUE_ID, "reader@example.org").strip("<>").partition("@")[0]
    data = f"To: bounces+{stamped}@news.example.org\r\n".encode() + dsn("<a@x>", "x@example.net")
    assert read_report(data).verp == stamped
    old = b"To: bounces+reader=example.org@news.example.org\r\n" + dsn("<a@x>", "x@example.net")
    assert read_report(old).verp == ""


def test_an_mbox_of_reports_updates_the_list_once_and_the_next_send_skips_them(
    cli, send_ws, tmp_path, smtpd
):
    """Hard → bounced, complaint and mailed unsubscribe → unsubscribed; a second run changes nothing; the send reaches only the rest."""
    box = write_mbox(tmp_path / "bounces.mbox", reports_for_the_week())
    first = cli("bounces", "process", str(box))
    assert first.exit_code == 0, first.output
    assert (
        "Processed 9 message(s) from mbox " in first.output
        and "2 hard bounce(s), 1 soft, 1 complaint(s), 1 unsubscribe(s), 1 unmatched, "
        "2 unverified, 1 not reports."
        in first.output
    )
    assert "Now bounced: 2; now unsubscribed: 2." in first.output
    after_first = send_ws.statuses()
    assert after_first == {
        READERS[0]: "bounced",
        READERS[1]: "unsubscribed",
        READERS[2]: "bounced",
        READERS[3]: "unsubscribed",
        READERS[4]: "active",
        READERS[5]: "active",
        READERS[6]: "active",  # its token was signed with another key
        READERS[7]: "active",
    }
    second = cli("bounces", "process", str(box))
    assert second.exit_code == 0, second.output
    assert (
        "9 already processed" in second.output
        and "Now bounced: 0; now unsubscribed: 0." in second.output
    )
    assert send_ws.statuses() == after_first
    sent = cli(
        "send",
        str(send_ws.issue),
        "--yes",
        *smtpd.send_flags,
    )
    assert sent.exit_code == 0, sent.output
    assert sorted(smtpd.handler.by_recipient()) == sorted(
        e for e, s in after_first.items() if s == "active"
    )
    counted = cli("bounces", "process", str(box))  # the complaint is counted against the sends
    assert "Complaints: 1 for 4 message(s) sent (25.00%; keep it under 0.3%)." in counted.output


def test_a_maildir_of_the_same_reports_gives_the_same_result(cli, send_ws, tmp_path):
    """A Maildir folder is read like an mbox."""
    folder = write_maildir(tmp_path / "Maildir", reports_for_the_week())
    result = cli("bounces", "process", str(folder))
    assert result.exit_code == 0, result.output
    assert "Processed 9 message(s) from Maildir " in result.output
    assert send_ws.statuses()[READERS[0]] == "bounced"
    assert send_ws.statuses()[READERS[3]] == "unsubscribed"


def test_mailed_unsubscribes_with_old_and_new_tokens_both_unsubscribe(cli, send_ws, tmp_path):
    """The mailto of an issue sent before tokens were sealed still unsubscribes; a forged old one does not."""
    reports = [
        mailed_unsubscribe("<n@example.net>", sign_token(READERS[0], TEST_SECRET, TEST_LIST_ID)),
        mailed_unsubscribe(
            "<o@example.net>", sign_legacy_token(READERS[1], TEST_SECRET, TEST_LIST_ID)
        ),
        mailed_unsubscribe(
            "<f@example.net>", sign_legacy_token(READERS[2], b"forged-key", TEST_LIST_ID)
        ),
    ]
    result = cli("bounces", "process", str(write_mbox(tmp_path / "u.mbox", reports)))
    assert result.exit_code == 0, result.output
    statuses = send_ws.statuses()
    assert [statuses[r] for r in READERS[:3]] == ["unsubscribed", "unsubscribed", "active"]


def test_soft_bounces_of_three_messages_make_a_reader_bounced(cli, send_ws, tmp_path):
    """Two soft bounces leave a reader active; the third (another message) marks them bounced."""
    reader = READERS[4]
    reports = [
        dsn(f"<s{i}@mx.example.net>", reader, "4.2.2", original_id=list_message_id(f"x{i}", reader))
        for i in range(3)
    ]
    cli("bounces", "process", str(write_mbox(tmp_path / "a.mbox", reports[:2])))
    assert send_ws.statuses()[reader] == "active"
    again = [
        *reports[:2],
        dsn(
            "<s9@mx.example.net>",
            reader,
            "4.4.7",
            action="delayed",
            original_id=list_message_id("x1", reader),
        ),
    ]
    cli("bounces", "process", str(write_mbox(tmp_path / "b.mbox", again)))
    assert send_ws.statuses()[reader] == "active"  # the same message delayed then failed: one
    result = cli("bounces", "process", str(write_mbox(tmp_path / "c.mbox", reports)))
    assert "Now bounced: 1" in result.output
    assert send_ws.statuses()[reader] == "bounced"


def test_soft_bounces_count_in_a_row_over_the_issues_sent(cli, send_ws, tmp_path):
    """An issue delivered without a bounce between two soft bounces breaks the row."""
    reader = READERS[5]
    with send_ws.store() as store:
        for n, issue in enumerate(("2026-W46", "2026-W47", "2026-W48")):
            store.conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, updated) VALUES (?, ?, 'sent', ?)",
                (issue, reader, f"2026-11-{10 + n}T00:00:00Z"),
            )

    def soft(issue: str) -> bytes:
        return dsn(f"<{issue}@mx>", reader, "4.2.2", original_id=list_message_id(issue, reader))

    cli(
        "bounces",
        "process",
        str(write_mbox(tmp_path / "a.mbox", [soft("2026-W46"), soft("2026-W48")])),
    )
    assert send_ws.statuses()[reader] == "active"
    cli("bounces", "process", str(write_mbox(tmp_path / "b.mbox", [soft("2026-W47")])))
    assert send_ws.statuses()[reader] == "bounced"


def test_an_unsubscribed_reader_stays_unsubscribed_after_a_hard_bounce(cli, send_ws, tmp_path):
    """A hard bounce never turns an unsubscribe into a bounce (it would lift it later)."""
    with send_ws.store() as store:
        store.set_status(READERS[0], "unsubscribed")
    hard = dsn("<h@x>", READERS[0], original_id=list_message_id(ISSUE_ID, READERS[0]))
    cli("bounces", "process", str(write_mbox(tmp_path / "a.mbox", [hard])))
    assert send_ws.statuses()[READERS[0]] == "unsubscribed"


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda tmp: str(tmp / "missing.mbox"), "missing.mbox: no such file or folder"),
        (
            lambda tmp: (tmp / "x.txt").write_text("hello\n") and str(tmp / "x.txt"),
            "x.txt:1: not an mbox file",
        ),
        (lambda tmp: (tmp / "half").mkdir() or str(tmp / "half"), "half: not a Maildir"),
        (lambda tmp: "imap://user@imap.example.org/INBOX", "only IMAP over TLS is supported"),
        (lambda tmp: "imaps://user@127.0.0.1:1/INBOX", "set NEWSLETTER_IMAP_PASSWORD"),
        (lambda tmp: os.mkfifo(tmp / "fifo") or str(tmp / "fifo"), "fifo: not a regular file"),
    ],
    ids=["missing", "not-mbox", "not-maildir", "plain-imap", "no-password", "fifo"],
)
def test_a_bad_mailbox_is_one_error_line(cli, tmp_path, monkeypatch, make, fragment):
    """A mailbox that cannot be read is one `error:` line naming it, exit 1, no traceback."""
    monkeypatch.delenv("NEWSLETTER_IMAP_PASSWORD", raising=False)
    result = cli("bounces", "process", make(tmp_path))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and fragment in result.output
    assert "Traceback" not in result.output
