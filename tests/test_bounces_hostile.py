"""One bad message is one skipped message: parse bounds, 'unreadable', and odd files in a Maildir."""

from __future__ import annotations

import os

import pytest

from newsletter.bounces.reports import read_report
from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.bounce_messages import arf, dsn, list_message_id, write_maildir, write_mbox
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = ["complains@example.org", "gone@example.org", "stays@example.org"]


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace with READERS on its list."""
    return send_ws.cli(monkeypatch, *READERS)


def nested_multiparts(depth: int, *, folded: bool = False) -> bytes:
    """A ~70 KB message of `depth` multiparts, each inside the one before."""
    sep = "\r\n " if folded else " "
    head = "".join(
        f"--b{n}\r\nContent-Type:{sep}multipart/mixed; boundary=b{n + 1}\r\n\r\n"
        for n in range(depth)
    )
    top = "From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
    return (top + "Content-Type: multipart/mixed; boundary=b0\r\n\r\n" + head).encode()


def nested_rfc822(depth: int) -> bytes:
    """`message/rfc822` parts `depth` deep, a complaint at the top."""
    body = "Subject: x\r\n\r\nhello\r\n"
    for _ in range(depth):
        body = f"Content-Type: message/rfc822\r\n\r\n{body}"
    top = "From: feedback@arf.example.net\r\nMIME-Version: 1.0\r\n"
    return (
        top
        + 'Content-Type: multipart/report; report-type=feedback-report; boundary="z"\r\n\r\n'
        + f"--z\r\n{body}\r\n--z--\r\n"
    ).encode()


HOSTILE = {
    "1100-multiparts": nested_multiparts(1100),
    "folded-headers": nested_multiparts(1100, folded=True),
    "rfc822-3000-deep": nested_rfc822(3000),
    "many-parts": (
        b"From: MAILER-DAEMON@x\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n"
        + b"--q\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 600
        + b"--q--\r\n"
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_message_past_the_bounds_is_unreadable_and_never_raises(name):
    """Deep nesting (folded headers too), thousands of message/rfc822 and 600 parts: 'unreadable'."""
    report = read_report(HOSTILE[name])
    assert report.kind == "unreadable"
    assert report.why


def test_an_unreadable_message_rolls_back_nothing_and_is_not_read_again(cli, send_ws, tmp_path):
    """A valid complaint before and a hard bounce after the hostile ones are applied; a re-run skips all."""
    complaint = arf("<c@x>", READERS[0], original_id=list_message_id(ISSUE_ID, READERS[0]))
    bounce = dsn("<b@x>", READERS[1], original_id=list_message_id(ISSUE_ID, READERS[1]))
    box = write_mbox(tmp_path / "b.mbox", [complaint, *HOSTILE.values(), bounce])
    first = cli("bounces", "process", str(box))
    assert first.exit_code == 0, first.output
    assert "Traceback" not in first.output
    assert "1 hard bounce(s)" in first.output and "1 complaint(s)" in first.output
    assert "4 unreadable" in first.output
    assert send_ws.statuses() == {
        READERS[0]: "unsubscribed",
        READERS[1]: "bounced",
        READERS[2]: "active",
    }
    again = cli("bounces", "process", str(box))
    assert "6 already processed" in again.output, again.output


def test_a_message_over_the_size_cap_is_unreadable(cli, send_ws, tmp_path):
    """`[bounce] imap_max_message` caps file messages too: a bigger one is counted, not parsed."""
    path = send_ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "\n[bounce]\nimap_max_message = 10000\n")
    big = dsn("<big@x>", READERS[1], original_id=list_message_id(ISSUE_ID, READERS[1]))
    folder = write_maildir(tmp_path / "Maildir", [big + b"x" * 20_000 + b"\r\n"])
    result = cli("bounces", "process", str(folder))
    assert result.exit_code == 0, result.output
    assert "1 unreadable" in result.output
    assert send_ws.statuses()[READERS[1]] == "active"


def test_a_fifo_a_dangling_link_and_a_folder_in_a_maildir_are_skipped_by_name(
    cli, send_ws, tmp_path
):
    """Odd files in new/ are each one warning naming them; the reports around them are applied."""
    bounce = dsn("<b@x>", READERS[1], original_id=list_message_id(ISSUE_ID, READERS[1]))
    folder = write_maildir(tmp_path / "Maildir", [bounce])
    os.mkfifo(folder / "new" / "0-fifo")
    (folder / "new" / "1-link").symlink_to(tmp_path / "nowhere")
    (folder / "new" / "2-folder").mkdir()
    result = cli("bounces", "process", str(folder))
    assert result.exit_code == 0, result.output
    assert (
        "warning: " in result.output and "0-fifo: a FIFO, not a message; skipped" in result.output
    )
    assert "1-link: a dangling symbolic link, skipped" in result.output
    assert "2-folder: a folder, not a message; skipped" in result.output
    assert "1 hard bounce(s)" in result.output
    assert send_ws.statuses()[READERS[1]] == "bounced"


def test_a_huge_mbox_message_is_never_read_into_memory(cli, send_ws, tmp_path):
    """An mbox message over the cap is counted unreadable by its size alone, and named."""
    path = send_ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "\n[bounce]\nimap_max_message = 10000\n")
    big = dsn("<big@x>", READERS[1], original_id=list_message_id(ISSUE_ID, READERS[1]))
    bounce = dsn("<b@x>", READERS[0], original_id=list_message_id(ISSUE_ID, READERS[0]))
    box = write_mbox(tmp_path / "b.mbox", [big + b"x" * 50_000 + b"\r\n", bounce])
    result = cli("bounces", "process", str(box))
    assert result.exit_code == 0, result.output
    assert "1 unreadable" in result.output and "1 hard bounce(s)" in result.output
    assert (
        "warning: unfetched:mbox " in result.output and "message 1: unreadable, " in result.output
    )
    assert send_ws.statuses()[READERS[0]] == "bounced"


@pytest.mark.parametrize(
    "body",
    [
        "a" * 5_000_000,  # one line, no address: each position once, not each pair
        " \n" * 500_000,  # blank lines that `^\s*` would rescan to the end from each
        "a@" * 1_000_000,
        "-" * 5_000_000,
        "\n".join(f"  user{i}@example.org: 550 5.1.1 user unknown" for i in range(20_000)),
    ],
    ids=["letters", "blank-lines", "at-signs", "dashes", "20000-recipients"],
)
def test_a_bounce_built_to_make_the_patterns_crawl_is_still_read(body):
    """Texts made against the patterns are read within the time bound, not given up on."""
    raw = ("From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered\r\n\r\n" + body).encode()
    report = read_report(raw)
    assert report.kind in ("hard", "soft"), report.why
    assert len(report.failures) <= 50  # a list copy has one recipient


def test_an_unreadable_messages_id_reaches_the_terminal_without_its_control_characters(
    cli, send_ws, tmp_path
):
    """A Message-ID carrying an escape sequence is shown with `?` in its place."""
    raw = HOSTILE["1100-multiparts"].replace(b"From: ", b"Message-ID: <\x1b[2Jevil@x>\r\nFrom: ", 1)
    result = cli("bounces", "process", str(write_mbox(tmp_path / "e.mbox", [raw])))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "<?[2Jevil@x>: unreadable" in result.output
