"""Reports change a reader only when they prove, with the workspace key, that they answer our mail."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from dataclasses import replace

import pytest

from newsletter.bounces.intake import Intake, _begin
from newsletter.bounces.reports import read_report
from newsletter.mail.personalize import Recipient
from newsletter.mail.reader_stamp import reader_stamps, split_stamp
from newsletter.send.composer import prepare_issue
from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.bounce_messages import (
    TEST_LIST_ID,
    TEST_SECRET,
    arf,
    dsn,
    list_message_id,
    qmail_bounce,
    write_maildir,
    write_mbox,
)
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = ["victim@example.org", "other@example.org", "third@example.org"]


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace with READERS on its list."""
    return send_ws.cli(monkeypatch, *READERS)


def set_bounce(ws, **values: object) -> None:
    """Append a [bounce] table with these values to the workspace's newsletter.toml."""
    lines = "".join(
        f"{k} = {str(v).lower() if isinstance(v, bool) else v}\n" for k, v in values.items()
    )
    path = ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "\n[bounce]\n" + lines)


def forged_reports() -> list[bytes]:
    """What anyone could send to the bounce address: real formats, no key."""
    v = READERS[0]
    return [
        dsn("<f1@evil.example>", v, "5.1.1"),
        arf("<f2@evil.example>", v),
        qmail_bounce("<f3@evil.example>", v),
        # the old unkeyed Message-ID (issue + blake2b of the address) is no proof any more
        dsn(
            "<f4@evil.example>",
            v,
            "5.1.1",
            original_id=f"<{ISSUE_ID}.0123456789abcdef@example.org>",
        ),
        # a keyed id made with another key, and one of another list with our key
        dsn("<f5@evil.example>", v, original_id=list_message_id(ISSUE_ID, v, secret=b"x" * 28)),
        dsn("<f6@evil.example>", v, original_id=list_message_id(ISSUE_ID, v, list_id="o.example")),
        # the victim's genuine stamp for one issue spliced onto another issue's name
        arf("<f7@evil.example>", v, original_id=list_message_id(ISSUE_ID, v).replace("W48", "W47")),
    ]


def test_forged_bounces_and_complaints_change_nobody(cli, send_ws, tmp_path):
    """DSNs, ARF and provider bounces naming a reader without a keyed id are 'unverified'."""
    result = cli("bounces", "process", str(write_mbox(tmp_path / "f.mbox", forged_reports())))
    assert result.exit_code == 0, result.output
    assert "0 hard bounce(s), 0 soft, 0 complaint(s)" in result.output
    assert "7 unverified" in result.output
    assert "Now bounced: 0; now unsubscribed: 0." in result.output
    assert set(send_ws.statuses().values()) == {"active"}


def test_trust_address_lets_a_named_address_act(cli, send_ws, tmp_path):
    """With `[bounce] trust_address = true` a report naming a reader acts without proof."""
    set_bounce(send_ws, trust_address=True)
    reports = [dsn("<t1@x>", READERS[0], "5.1.1"), arf("<t2@x>", READERS[1])]
    result = cli("bounces", "process", str(write_mbox(tmp_path / "t.mbox", reports)))
    assert result.exit_code == 0, result.output
    assert send_ws.statuses() == {
        READERS[0]: "bounced",
        READERS[1]: "unsubscribed",
        READERS[2]: "active",
    }


def test_a_keyed_id_for_a_forwarding_address_finds_its_reader(cli, send_ws, tmp_path):
    """A bounce naming an alias but returning our keyed id acts on the reader the id is for."""
    report = dsn(
        "<a1@x>", "alias@example.net", "5.1.1", original_id=list_message_id(ISSUE_ID, READERS[1])
    )
    result = cli("bounces", "process", str(write_mbox(tmp_path / "a.mbox", [report])))
    assert "1 hard bounce(s)" in result.output, result.output
    assert send_ws.statuses()[READERS[1]] == "bounced"


def test_a_verp_return_path_proves_a_report_that_quotes_nothing(cli, send_ws, tmp_path):
    """A bounce with no returned message, sent to the stamped return path, acts on its reader."""
    stamped = reader_stamps(TEST_SECRET, TEST_LIST_ID).stamp(ISSUE_ID, READERS[2])
    proven = f"Delivered-To: digest+{stamped}@example.org\r\n".encode() + dsn("<v1@x>", READERS[2])
    forged_tag = "Delivered-To: digest+2026-W48.0123456789abcdef01234567@example.org\r\n"
    forged = forged_tag.encode() + dsn("<v2@x>", READERS[0])
    result = cli("bounces", "process", str(write_mbox(tmp_path / "v.mbox", [proven, forged])))
    assert "1 hard bounce(s)" in result.output and "1 unverified" in result.output, result.output
    assert send_ws.statuses() == {
        READERS[0]: "active",
        READERS[1]: "active",
        READERS[2]: "bounced",
    }


def test_list_copies_carry_keyed_ids_unique_per_list_and_a_verp_path_when_asked(send_ws):
    """The Message-ID verifies with the key, differs for another list, and VERP stamps MAIL FROM."""
    settings = replace(send_ws.settings, bounce=replace(send_ws.settings.bounce, verp=True))
    composer = prepare_issue(send_ws.issue, settings)
    copy = composer.message_for(Recipient("Reader@Example.org"), list_copy=True)
    issue, stamped = split_stamp(copy.message_id)
    assert issue == ISSUE_ID
    assert reader_stamps(TEST_SECRET, TEST_LIST_ID).verifies(stamped, "reader@example.org")
    assert not reader_stamps(TEST_SECRET, TEST_LIST_ID).verifies(stamped, "other@example.org")
    assert copy.envelope_from == f"digest+{stamped}@example.org"
    assert f"Message-ID: {copy.message_id}\r\n".encode() in copy.data
    # Another list (its own id; even the same key and From domain) stamps another id.
    other = replace(composer, stamps=reader_stamps(TEST_SECRET, "another-list.example.org"))
    theirs = other.message_for(Recipient("reader@example.org"), list_copy=True)
    assert theirs.message_id != copy.message_id
    plain = prepare_issue(send_ws.issue, send_ws.settings)
    assert plain.message_for(Recipient("r@example.org"), list_copy=True).envelope_from == (
        "digest@example.org"
    )
    test_copy = plain.message_for(Recipient("reader@example.org"))
    assert not reader_stamps(TEST_SECRET, TEST_LIST_ID).verifies(
        split_stamp(test_copy.message_id)[1], "reader@example.org"
    )


def test_a_stamp_is_rfc_2104_hmac_sha256_and_survives_a_relay_folding_case():
    """The stamp equals hmac.new over issue and address; a lower-cased VERP local part verifies."""
    import hmac

    stamps = reader_stamps(TEST_SECRET, TEST_LIST_ID)
    key = hmac.digest(
        TEST_SECRET, b"newsletter list-copy stamp\0" + TEST_LIST_ID.encode(), "sha256"
    )
    mac = hmac.new(key, b"2026-w48\0reader@example.org", "sha256").digest()[:12].hex()
    assert stamps.stamp("2026-W48", " Reader@Example.org ") == f"2026-W48.{mac}"
    assert stamps.verifies(f"2026-w48.{mac}".upper().replace("W48", "w48"), "reader@example.org")
    assert not stamps.verifies(f"2026-W47.{mac}", "reader@example.org")
    assert repr(stamps) == "ReaderStamps(...)"


def test_a_verp_local_part_never_passes_64_characters():
    """A stamp that would make the local part too long leaves the envelope sender as it was."""
    from newsletter.mail.reader_stamp import verp_address

    assert verp_address("digest@example.org", "2026-W48.0123456789abcdef01234567") == (
        "digest+2026-W48.0123456789abcdef01234567@example.org"
    )
    long_issue = "a" * 40 + ".0123456789abcdef01234567"
    assert verp_address("digest@example.org", long_issue) == "digest@example.org"


def test_a_return_path_address_takes_the_stamp_in_its_local_part(send_ws):
    """`[bounce] return_path` is the envelope sender; with verp it becomes bounces+ISSUE.STAMP@…."""
    bounce = replace(send_ws.settings.bounce, verp=True, return_path="bounces@news.example.org")
    composer = prepare_issue(send_ws.issue, replace(send_ws.settings, bounce=bounce))
    copy = composer.message_for(Recipient("reader@example.org"), list_copy=True)
    assert copy.envelope_from == f"bounces+{split_stamp(copy.message_id)[1]}@news.example.org"
    test_copy = composer.message_for(Recipient("reader@example.org"))
    assert test_copy.envelope_from == "bounces@news.example.org"


def test_a_readers_own_stamp_in_a_report_naming_another_moves_only_that_reader(
    cli, send_ws, tmp_path
):
    """A reader quoting their own copy's Message-ID in a DSN or ARF naming someone else changes only themselves."""
    attacker, victim = READERS[1], READERS[0]
    own = list_message_id(ISSUE_ID, attacker)
    reports = [
        dsn("<o1@x>", victim, "5.1.1", original_id=own),
        arf("<o2@x>", victim, original_id=own),
    ]
    result = cli("bounces", "process", str(write_mbox(tmp_path / "o.mbox", reports)))
    assert result.exit_code == 0, result.output
    assert send_ws.statuses()[victim] == "active" and send_ws.statuses()[READERS[2]] == "active"
    assert send_ws.statuses()[attacker] in ("bounced", "unsubscribed")


def auto_reply(report_id: str, reader: str, subject: str, body: str, header: str) -> bytes:
    """A reader's automatic reply (to the return path, as RFC 3834 has it) answering their copy."""
    return (
        f"From: {reader}\r\nTo: bounces@example.org\r\nSubject: {subject}\r\n"
        f"Message-ID: {report_id}\r\n{header}\r\n"
        f"In-Reply-To: {list_message_id(ISSUE_ID, reader)}\r\n\r\n{body}"
    ).encode()


def test_a_readers_automatic_replies_quoting_their_copy_are_no_bounces(cli, send_ws, tmp_path):
    """An out-of-office or helpdesk reply to an issue whose headline says "rejected" or whose
    text says "could not be delivered", quoting the copy's Message-ID: ignored, not a soft
    bounce (three issues of them marked a reader on holiday bounced)."""
    reader = READERS[0]
    original = f"-----Original Message-----\r\nMessage-ID: {list_message_id(ISSUE_ID, reader)}\r\n"
    replies = [
        auto_reply(
            "<o1@example.net>",
            reader,
            "Automatic reply: Court rejected the appeal",
            "I am away until Monday.\r\n\r\n" + original,
            "Auto-Submitted: auto-generated",
        ),
        auto_reply(
            "<o2@example.net>",
            reader,
            "[Ticket #9] Re: This week",
            "Your ticket is open.\r\n\r\n> Aid could not be delivered to the valley.\r\n"
            + original,
            "Auto-Submitted: auto-replied",
        ),
        auto_reply(
            "<o3@example.net>",
            reader,
            "Out of office: Court rejected the appeal",
            "Back on the 9th.\r\n\r\n" + original,
            "X-Autoreply: yes",
        ),
    ]
    result = cli("bounces", "process", str(write_mbox(tmp_path / "o.mbox", replies)))
    assert result.exit_code == 0, result.output
    assert "0 hard bounce(s), 0 soft, 0 complaint(s)" in result.output, result.output
    assert set(send_ws.statuses().values()) == {"active"}


def test_a_report_without_message_id_in_old_mac_line_ends_counts_once(cli, send_ws, tmp_path):
    """A complaint with no Message-ID and lone CRs for line ends (its id is a hash of its bytes,
    as re-read with line feeds) is counted once: the second run finds it done."""
    reader = READERS[1]
    complaint = arf("<gone@x>", reader, original_id=list_message_id(ISSUE_ID, reader))
    complaint = complaint.replace(b"Message-ID: <gone@x>\r\n", b"").replace(b"\r\n", b"\r")
    box = write_maildir(tmp_path / "Maildir", [complaint])
    first = cli("bounces", "process", str(box))
    second = cli("bounces", "process", str(box))
    assert "1 complaint(s)" in first.output, first.output
    assert "0 complaint(s)" in second.output and "1 already" in second.output, second.output
    assert send_ws.statuses()[reader] == "unsubscribed"


@pytest.mark.slow
def test_forged_reports_naming_many_sent_issues_cost_bounded_memory(cli, send_ws, tmp_path):
    """40 forged reports, each an invented stamp of another issue the journal sent to 5,000
    readers (issue names are public): the run holds the stamps of a few issues, compactly
    (it kept a table of every reader of every issue named: 48 MB here, GBs for a large list
    and a few years of issues), and a real stamp of the latest issue still finds its reader."""
    readers = send_ws.add_many(5000)
    issues = [f"2025-W{n:02d}" for n in range(1, 41)]
    journal = send_ws.journal(ISSUE_ID)
    try:
        rows = [
            (issue, email, "sent", 1, "", "", f"2025-01-01T00:{n:02d}:00Z")
            for n, issue in enumerate(issues)
            for email in readers
        ]
        journal.conn.execute("BEGIN")
        for at in range(0, len(rows), 1000):  # a statement of many rows: quick on both backends
            chunk = rows[at : at + 1000]
            journal.conn.execute(
                "INSERT INTO deliveries (issue_id, email, status, attempts, last_error,"
                " message_id, updated) VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk)),
                [value for row in chunk for value in row],
            )
        journal.conn.execute("COMMIT")
    finally:
        journal.close()
    forged = [
        dsn(
            f"<m{n}@evil.example>",
            "alias@evil.example",
            "5.1.1",
            original_id=f"<{issue}.{n:024x}@example.org>",
        )
        for n, issue in enumerate(issues)
    ]
    real = dsn(
        "<r@x>", "alias@example.net", "5.1.1", original_id=list_message_id(issues[-1], readers[7])
    )
    box = write_mbox(tmp_path / "many.mbox", [*forged, real])
    tracemalloc.start()
    try:
        result = cli("bounces", "process", str(box))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert "1 hard bounce(s)" in result.output and "40 unverified" in result.output, result.output
    assert send_ws.statuses()[readers[7]] == "bounced"
    assert peak < 12_000_000, f"{peak / 1e6:.0f} MB"


def test_forged_stamps_leave_nothing_behind_and_a_real_one_is_remembered(cli, send_ws):
    """300 reports, each a forged stamp of the issue: the intake keeps no entry for any of
    them (it kept one a forged stamp, unbounded), while a real stamp's reader is found and kept."""
    intake_conn = send_ws.journal(ISSUE_ID)
    try:
        intake = Intake(intake_conn.conn, send_ws.settings)
        _begin(intake_conn.conn)
        outcomes = Counter(
            intake.apply(
                read_report(
                    dsn(
                        f"<f{n}@evil.example>",
                        "alias@evil.example",
                        "5.1.1",
                        original_id=f"<{ISSUE_ID}.{n:024x}@example.org>",
                    )
                )
            )
            for n in range(300)
        )
        real = dsn(
            "<r@x>", "alias@example.net", "5.1.1", original_id=list_message_id(ISSUE_ID, READERS[1])
        )
        outcome = intake.apply(read_report(real))
        intake_conn.conn.execute("COMMIT")
    finally:
        intake_conn.close()
    assert outcomes == {"unverified": 300} and outcome == "hard"
    assert list(intake._found.values()) == [READERS[1]]
