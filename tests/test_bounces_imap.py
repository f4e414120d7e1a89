"""`bounces process imaps://…` against a real Dovecot over TLS (tests/support/dovecot_server.py)."""

from __future__ import annotations

import pytest

from tests.support.bounce_messages import arf, dsn, list_message_id, vacation_reply
from tests.support.dovecot_server import PASSWORD, dovecot_server
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = ["hard@example.org", "complaint@example.org", "stays@example.org"]


@pytest.fixture
def imap(certificate_authority):
    """A running Dovecot with an empty INBOX."""
    with dovecot_server(certificate_authority) as server:
        yield server


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in a workspace with READERS, the IMAP password in the environment."""
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", PASSWORD)
    return send_ws.cli(monkeypatch, *READERS)


def the_reports() -> list[bytes]:
    return [
        dsn("<d1@mx.example.net>", READERS[0], original_id=list_message_id(ISSUE_ID, READERS[0])),
        arf("<c1@arf.example.net>", READERS[1], original_id=list_message_id(ISSUE_ID, READERS[1])),
        vacation_reply("<v1@example.org>"),
    ]


@pytest.mark.slow
def test_imap_reports_are_processed_and_flagged_so_a_second_run_reads_none(cli, send_ws, imap):
    """Each processed message is flagged; the next run skips flagged ones and changes nothing."""
    imap.append(*the_reports())
    first = cli("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
    assert first.exit_code == 0, first.output
    assert "Processed 3 message(s) from imaps://bounces@example.org@127.0.0.1:" in first.output
    assert "1 hard bounce(s), 0 soft, 1 complaint(s)" in first.output
    assert send_ws.statuses() == {
        READERS[0]: "bounced",
        READERS[1]: "unsubscribed",
        READERS[2]: "active",
    }
    assert all("NewsletterProcessed" in f and "\\Seen" in f for f in imap.folder_flags())
    second = cli("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
    assert "Processed 0 message(s)" in second.output, second.output


@pytest.mark.slow
def test_imap_messages_move_to_the_processed_folder_when_configured(cli, send_ws, imap):
    """With bounce.imap_processed = "move" the INBOX is emptied into bounce.imap_folder."""
    with (send_ws.root / "newsletter.toml").open("a") as f:
        f.write('\n[bounce]\nimap_processed = "move"\nimap_folder = "Done"\n')
    imap.append(*the_reports())
    result = cli("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
    assert result.exit_code == 0, result.output
    assert imap.folder_flags("INBOX") == []
    assert len(imap.folder_flags("Done")) == 3
    assert send_ws.statuses()[READERS[0]] == "bounced"


@pytest.mark.slow
def test_an_untrusted_certificate_or_a_wrong_password_is_one_error_line(cli, imap, monkeypatch):
    """Without --ca-file the test CA is not trusted; a wrong password names the variable."""
    untrusted = cli("bounces", "process", imap.url)
    assert untrusted.exit_code == 1
    assert f"127.0.0.1:{imap.port}: certificate not trusted" in untrusted.output
    monkeypatch.setenv("NEWSLETTER_IMAP_PASSWORD", "wrong password")
    wrong = cli("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
    assert wrong.exit_code == 1
    assert "login failed for 'bounces@example.org'; check NEWSLETTER_IMAP_PASSWORD" in wrong.output
    assert "wrong password" not in wrong.output and "Traceback" not in wrong.output


OLDER_SERVER = "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE"


def _someone_elses_deleted_message(imap) -> None:
    """A message in the INBOX that another mail client marked deleted and did not expunge."""
    imap.append(vacation_reply("<kept@example.org>"))
    client = imap.client()
    try:
        client.select("INBOX")
        assert client.store("1", "+FLAGS", "(\\Deleted)")[0] == "OK"
    finally:
        client.logout()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("announced", "left_in_inbox"),
    [(OLDER_SERVER + " UIDPLUS", 1), (OLDER_SERVER, 4)],
    ids=["uidplus-without-move", "neither"],
)
def test_moving_without_move_never_expunges_what_someone_else_deleted(
    cli, send_ws, certificate_authority, announced, left_in_inbox
):
    """On a server without MOVE the processed messages are copied and marked deleted; only
    they are expunged (UID EXPUNGE, with UIDPLUS), never another client's deleted message,
    and a second run reads none of them again."""
    with (send_ws.root / "newsletter.toml").open("a") as f:
        f.write('\n[bounce]\nimap_processed = "move"\nimap_folder = "Done"\n')
    with dovecot_server(certificate_authority, capabilities=announced) as imap:
        _someone_elses_deleted_message(imap)
        imap.append(*the_reports())
        first = cli("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
        assert first.exit_code == 0, first.output
        assert "Processed 3 message(s)" in first.output
        inbox = imap.folder_flags("INBOX")
        assert len(inbox) == left_in_inbox and all("\\Deleted" in f for f in inbox), inbox
        assert len(imap.folder_flags("Done")) == 3
        second = cli("bounces", "process", imap.url, "--ca-file", str(imap.ca_file))
        assert "Processed 0 message(s)" in second.output, second.output
        assert len(imap.folder_flags("Done")) == 3
    assert send_ws.statuses()[READERS[0]] == "bounced"
