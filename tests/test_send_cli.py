"""The `newsletter subscribers …` and `newsletter send` commands, through Typer's CliRunner."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.smtp_server import PASSWORD, USER, free_port, smtp_server

pytest_plugins = ["tests.support.send_fixtures"]

SAMPLE = (
    "email,name,city\n"
    "reader.one@example.org,Reader One,Lima\n"
    "reader.two@example.com,,Quito\n"
    "bad@,x,y\n"
)


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the workspace; returns the Click result."""
    monkeypatch.chdir(send_ws.root)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    return run


def assert_one_line_error(result, *fragments: str) -> None:
    """Exit code 1, one `error:` line holding the fragments, and no traceback."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    for fragment in fragments:
        assert fragment in errors[0]
    assert "Traceback" not in result.output


def test_import_reports_added_and_each_reject_with_its_line(cli, send_ws):
    """`subscribers import` prints the counts and every rejected line with its reason."""
    (send_ws.root / "list.csv").write_text(SAMPLE)
    result = cli("subscribers", "import", "list.csv")
    assert result.exit_code == 0, result.output
    assert "2 added" in result.output and "1 rejected:" in result.output
    assert "  list.csv:4: 'bad@' is not a valid address" in result.output
    assert "Merge fields: city" in result.output


def test_import_with_every_row_rejected_fails_after_the_report(cli, send_ws):
    """A file whose every row is rejected imports nothing: the per-line report, then one error
    naming the file and what to do, exit 1, so a cron job notices."""
    (send_ws.root / "list.csv").write_text("email,name\nbad@,x\nalso bad,y\n")
    result = cli("subscribers", "import", "list.csv")
    assert_one_line_error(result, "list.csv", "all 2 row(s) rejected", "nothing imported")
    lines = result.output.splitlines()
    assert lines[1].startswith("  list.csv:2: ") and lines[2].startswith("  list.csv:3: ")
    assert lines[-1].startswith("error: ")  # after the report, not instead of it
    with send_ws.store() as store:
        assert sum(store.counts().values()) == 0


def test_import_of_a_header_alone_or_a_partly_rejected_file_exits_0(cli, send_ws):
    """A header with no rows has nothing to reject, and one good row among bad ones is imported:
    both exit 0 (the rejected lines are listed)."""
    (send_ws.root / "empty.csv").write_text("email,name\n")
    assert cli("subscribers", "import", "empty.csv").exit_code == 0
    (send_ws.root / "list.csv").write_text(SAMPLE)
    result = cli("subscribers", "import", "list.csv")
    assert result.exit_code == 0 and "1 rejected:" in result.output, result.output


def test_import_asks_which_column_holds_the_address_then_takes_email_column(cli, send_ws):
    """A `name,address` file is one error asking for --email-column; with it, the rows import."""
    (send_ws.root / "list.csv").write_text("name,address\nReader,reader@example.org\n")
    assert_one_line_error(cli("subscribers", "import", "list.csv"), "--email-column address")
    result = cli("subscribers", "import", "list.csv", "--email-column", "address")
    assert result.exit_code == 0 and "1 added" in result.output, result.output


def test_subscriber_commands_add_list_count_unsubscribe_resubscribe_remove_export(cli, send_ws):
    """Each subscribers command does its one job and says so."""
    assert (
        cli(
            "subscribers",
            "add",
            "reader@example.org",
            "--name",
            "Sample Reader",
            "--field",
            "city=Lima",
        ).exit_code
        == 0
    )
    assert "Already on the list" in cli("subscribers", "add", "READER@example.org").output
    assert cli("subscribers", "list").output == "reader@example.org\tSample Reader\tactive\n"
    assert "1 active, 0 unsubscribed, 0 bounced (1 in all)" in cli("subscribers", "count").output
    assert (
        "Unsubscribed reader@example.org"
        in cli("subscribers", "unsubscribe", "reader@example.org").output
    )
    add_again = cli("subscribers", "add", "reader@example.org")
    assert_one_line_error(
        add_again, "unsubscribed earlier", "subscribers resubscribe reader@example.org"
    )
    assert cli("subscribers", "list", "--status", "unsubscribed").output.count("\n") == 1
    assert "active again" in cli("subscribers", "resubscribe", "reader@example.org").output
    result = cli("subscribers", "export", "out.csv")
    assert result.exit_code == 0 and "Exported 1 subscriber(s) to out.csv" in result.output
    assert (
        (send_ws.root / "out.csv")
        .read_text()
        .startswith(
            "email,name,first_name,status,created,updated,consent_source,consent_at,consent_client,consent_wording,"
            "reason,reason_code,reason_diagnostic,reason_at,reason_message_id,city\n"
        )
    )
    assert "Removed reader@example.org" in cli("subscribers", "remove", "reader@example.org").output
    assert_one_line_error(cli("subscribers", "remove", "reader@example.org"), "is not on the list")


def test_subscriber_errors_are_one_line(cli, send_ws):
    """A bad address, field, field key or status, a cell past the import's limit, or an
    unreadable CSV: one line."""
    assert_one_line_error(cli("subscribers", "add", "bob@"), "'bob@' is not a valid address")
    assert_one_line_error(
        cli("subscribers", "add", "a@example.org", "--field", "oops"), "KEY=VALUE"
    )
    for key, written in (("na me", "na_me"), ("City", "city"), ("ci-ty", "ci_ty")):
        assert_one_line_error(
            cli("subscribers", "add", "a@example.org", "--field", f"{key}=x"),
            f"--field '{key}=x'",
            f"--field {written}=…",  # the name to write; the value is not echoed again
        )
    assert_one_line_error(cli("subscribers", "list", "--status", "vip"), "--status 'vip'")
    assert_one_line_error(
        cli("subscribers", "add", "a@example.org", "--name", "x" * 1001), "--name: 1,001 characters"
    )
    assert_one_line_error(
        cli("subscribers", "add", "a@example.org", "--field", "city=" + "x" * 1000),
        "--field: 1,005",
    )
    with send_ws.store() as store:
        assert store.get("a@example.org") is None
    (send_ws.root / "latin.csv").write_bytes(
        "email,name\na@example.org,Jos\xe9\n".encode("latin-1")
    )
    assert_one_line_error(cli("subscribers", "import", "latin.csv"), "latin.csv:2: not UTF-8")


def test_count_without_a_database_says_how_to_start(cli, send_ws):
    """`subscribers count` before any import says 0 and how to add subscribers, creating nothing."""
    result = cli("subscribers", "count")
    assert result.exit_code == 0 and "subscribers import" in result.output
    assert not send_ws.database.exists()


def test_dry_run_writes_one_eml_per_active_subscriber(cli, send_ws):
    """`send --dry-run` writes the outbox, journals nothing and says what to do next."""
    (send_ws.root / "list.csv").write_text(SAMPLE)
    cli("subscribers", "import", "list.csv")
    result = cli("send", "issues/2026-W48", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 message(s) written to issues/2026-W48/outbox/" in result.output
    files = sorted((send_ws.issue / "outbox").glob("*.eml"))
    assert [f.name for f in files] == [
        "00001-reader.one@example.org.eml",
        "00002-reader.two@example.com.eml",
    ]
    message = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    assert message["To"] == "Reader One <reader.one@example.org>"
    assert "Dear Reader One in Lima" in message.get_body(("plain",)).get_content()
    status = cli("send", "issues/2026-W48", "--status")
    assert "sent        0" in status.output and "not tried yet" in status.output


def test_a_dry_run_after_the_send_says_there_is_nothing_to_write(cli, send_ws, smtpd):
    """A dry run once everyone has the issue writes no message and says so, rather than
    telling the editor to open a message in an outbox that is empty (a new user's stumble);
    with every reader unsubscribed it says that, not "add subscribers" alone."""
    send_ws.add("reader@example.org")
    assert cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes").exit_code == 0
    result = cli("send", "issues/2026-W48", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "0 message(s) written" in result.output and "1 already sent" in result.output
    assert "Next: nothing to write: every active subscriber already has issue 2026-W48" in (
        result.output
    )
    assert "open a message" not in result.output
    assert list((send_ws.issue / "outbox").glob("*.eml")) == []


def test_a_dry_run_to_a_list_of_unsubscribed_readers_says_so(cli, send_ws):
    """A list whose every reader unsubscribed writes no message and says why, not only
    "add subscribers" as for an empty list."""
    send_ws.add("gone@example.org")
    assert cli("subscribers", "unsubscribe", "gone@example.org").exit_code == 0
    result = cli("send", "issues/2026-W48", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "1 unsubscribed or bounced skipped" in result.output
    assert "Next: every subscriber is unsubscribed or bounced" in result.output


def test_send_asks_before_mailing_the_list(cli, send_ws, smtpd):
    """Without --yes the command asks; answering no sends nothing."""
    send_ws.add("reader@example.org")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, input="n\n")
    assert (
        'Send "Peru prepares a border emergency" (issue 2026-W48) to 1 subscriber(s)'
        in result.output
    )
    assert result.exit_code == 1 and smtpd.received == []


def test_send_with_yes_mails_reports_and_resumes(cli, send_ws, smtpd):
    """`send --yes` mails everyone, prints a summary; a second run has nothing to do."""
    send_ws.add_many(5)
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "3 sent, 0 failed, 0 unknown, 0 skipped" in result.output
    assert "Next: 2 not sent yet; run `newsletter send issues/2026-W48` again" in result.output
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert "2 sent, 0 failed, 0 unknown, 3 skipped" in result.output and "Done:" in result.output
    assert "Next: `newsletter archive` writes its web version" in result.output
    assert "Nothing to send" in cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes").output
    status = cli("send", "issues/2026-W48", "--status")
    assert "sent        5" in status.output and "not sent    0" in status.output
    assert len(smtpd.received) == 5


def test_status_counts_readers_mailed_before_they_left_as_mailed(cli, send_ws, smtpd):
    """Two readers mailed, one unsubscribes after, one never mailed leaves: sent 2, not mailed 1."""
    emails = send_ws.add_many(3)
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert cli("subscribers", "unsubscribe", emails[0]).exit_code == 0  # mailed, then left
    assert cli("subscribers", "unsubscribe", emails[2]).exit_code == 0  # left before any mail
    status = cli("send", "issues/2026-W48", "--status").output
    assert "sent        2" in status and "not sent    0" in status
    assert "not mailed  1  (unsubscribed or bounced)" in status, status


def test_failed_recipients_make_the_exit_code_1_and_are_listed(cli, send_ws, smtpd):
    """A refused recipient is listed with its reason in the summary and in --status; exit code 1."""
    emails = send_ws.add_many(3)
    smtpd.handler.fail(emails[1], "rcpt", "550 5.1.1 no such user")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert result.exit_code == 1
    assert "2 sent, 1 failed" in result.output
    assert f"    {emails[1]}: 550 5.1.1 no such user" in result.output
    status = cli("send", "issues/2026-W48", "--status")
    assert f"{emails[1]} (1 attempt(s)): 550 5.1.1 no such user" in status.output


def test_refused_connection_is_one_line_naming_host_and_port(cli, send_ws):
    """Nothing listening: one error line with host:port, exit code 1, no summary noise."""
    send_ws.add_many(3)
    port = free_port()
    result = cli(
        "send",
        "issues/2026-W48",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--smtp-security",
        "none",
        "--yes",
    )
    assert_one_line_error(result, f"127.0.0.1:{port}: connection refused")
    assert "sent," not in result.output


def test_password_comes_from_the_environment_and_is_never_printed(cli, send_ws, monkeypatch):
    """AUTH uses NEWSLETTER_SMTP_PASSWORD; a failed login names the user but never the password."""
    send_ws.add("reader@example.org")
    with smtp_server(auth=True) as server:
        flags = [*server.send_flags, "--smtp-user", USER, "--yes"]
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "not-the-password-42")
        result = cli("send", "issues/2026-W48", *flags)
        assert_one_line_error(
            result, "authentication failed for user 'editor'", "NEWSLETTER_SMTP_PASSWORD"
        )
        assert "not-the-password-42" not in result.output
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
        assert cli("send", "issues/2026-W48", *flags).exit_code == 0
        assert len(server.received) == 1


def test_missing_password_without_a_terminal_is_an_error(cli, send_ws, smtpd):
    """With a user, no password and no terminal to ask on, the error names the variable to set."""
    send_ws.add("reader@example.org")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--smtp-user", USER, "--yes")
    assert_one_line_error(result, "set NEWSLETTER_SMTP_PASSWORD")


def test_a_bad_test_copy_address_reads_as_one_sentence(cli, send_ws):
    """`send --to not-an-address`: the validator's reason and the advice join with one
    semicolon (it read "…an @-sign.; give one address")."""
    result = cli("send", "issues/2026-W48", "--to", "not-an-address")
    assert_one_line_error(
        result,
        "test copy: 'not-an-address' is not a valid address: An email address must have an "
        "@-sign; give one address, e.g. editor@example.org",
    )


def test_test_copy_from_the_command_line(cli, send_ws, smtpd):
    """`send --to` mails one copy and says where it went."""
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--to", "editor@example.org")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "test copy of 2026-W48 sent to editor@example.org via 127.0.0.1:"
    )
    assert [r.rcpt_tos for r in smtpd.received] == [("editor@example.org",)]
    assert "Next: read it in your mail program, then `newsletter send issues/2026-W48`" in (
        result.output
    )


def test_option_errors_are_one_line(cli, send_ws):
    """Conflicting options, an unknown security mode or a missing issue give one error line."""
    assert_one_line_error(
        cli("send", "issues/2026-W48", "--dry-run", "--to", "a@example.org"),
        "one of --to, --dry-run and --status",
    )
    assert_one_line_error(
        cli("send", "issues/2026-W48", "--smtp-security", "tls"), "--smtp-security 'tls'"
    )
    assert_one_line_error(
        cli("send", "issues/nope", "--dry-run"), "issues/nope: not an issue folder"
    )


@pytest.mark.parametrize("mode", [["--yes"], ["--to", "editor@example.org"]])
def test_a_non_ascii_password_logs_in_and_a_wrong_one_names_no_character(
    cli, send_ws, monkeypatch, mode
):
    """A UTF-8 password works (list send and --to); a wrong one is one line naming no character."""
    send_ws.add("reader@example.org")
    secret = "pässwörd-ñ-42"
    with smtp_server(auth=True, password=secret) as server:
        flags = [*server.send_flags, "--smtp-user", USER, *mode]
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", "wröng-ß-pass")
        result = cli("send", "issues/2026-W48", *flags)
        assert_one_line_error(result, "authentication failed for user 'editor'")
        for char in "öß":
            assert char not in result.output
        assert "internal error" not in result.output
        monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", secret)
        result = cli("send", "issues/2026-W48", *flags)
        assert result.exit_code == 0, result.output
        assert len(server.received) == 1


def test_unset_secret_variable_falls_back_to_the_stored_key_silently(
    cli, send_ws, smtpd, monkeypatch
):
    """With secret_env's variable unset, readers still get signed links (the key kept in
    newsletter.db) and the variable's name is never printed."""
    send_ws.add("reader@example.org")
    monkeypatch.delenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert result.exit_code == 0, result.output
    assert "NEWSLETTER_TEST_UNSUBSCRIBE_SECRET" not in result.output
    (received,) = smtpd.handler.received
    headers = received.data.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
    assert re.search(rb"^List-Unsubscribe: .*\?token=[A-Za-z0-9_.~-]{16,}", headers, re.M)


def test_unknown_outcomes_show_in_the_summary_status_and_exit_code(cli, send_ws, smtpd):
    """A lost final reply: the summary and --status count it, the exit code is 1, re-runs skip it."""
    emails = send_ws.add_many(3)
    smtpd.handler.fail(emails[0], "data", "lost")
    result = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert result.exit_code == 1
    assert "2 sent, 0 failed, 1 unknown" in result.output and "--resend-unknown" in result.output
    status = cli("send", "issues/2026-W48", "--status")
    assert "unknown     1" in status.output and "sent        2" in status.output
    assert f"    {emails[0]} <" in status.output  # with its Message-ID, to look up
    again = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert again.exit_code == 1 and "Nothing to send" in again.output
    resend = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes", "--resend-unknown")
    assert resend.exit_code == 0, resend.output
    assert smtpd.handler.by_recipient() == {emails[0]: 2, emails[1]: 1, emails[2]: 1}


@pytest.mark.parametrize("weak", ["   ", "short-key"])
def test_a_weak_secret_in_the_environment_is_refused_without_printing_it(
    cli, send_ws, monkeypatch, weak
):
    """A blank or short key in secret_env's variable stops the send with one line naming neither."""
    send_ws.add("reader@example.org")
    monkeypatch.setenv("NEWSLETTER_TEST_UNSUBSCRIBE_SECRET", weak)
    result = cli("send", "issues/2026-W48", "--dry-run")
    assert result.exit_code == 1
    assert "fewer than 16 characters" in result.output
    assert "NEWSLETTER_TEST_UNSUBSCRIBE_SECRET" not in result.output
    assert (weak.strip() or "\0") not in result.output and "Traceback" not in result.output
    assert not (send_ws.issue / "outbox").exists()


def test_a_send_from_a_folder_without_a_list_is_refused_and_makes_no_database(cli, send_ws):
    """A second folder sending an issue with `database` still naming its own absent file
    (the shared URL forgotten): one line naming the file and the two ways out, exit 1, no
    newsletter.db made. It used to make an empty one and say "Nothing to send: 0 active
    subscriber(s) already have issue 2026-W48", exit 0, as if the send were done."""
    flags = ("--smtp-host", "127.0.0.1", "--smtp-port", str(free_port()), "--smtp-security")
    result = cli("send", "issues/2026-W48", *flags, "none", "--yes")
    assert_one_line_error(result, "newsletter.db: no list yet", "NEWSLETTER_DATABASE_URL")
    assert "Nothing to send" not in result.output
    assert not (send_ws.root / "newsletter.db").exists()


def test_a_send_to_an_emptied_list_is_refused(cli, send_ws):
    """A list whose every subscriber was removed: one line saying the list is empty, exit 1."""
    send_ws.add_many(1)
    assert cli("subscribers", "remove", "reader00000@example.org").exit_code == 0
    flags = ("--smtp-host", "127.0.0.1", "--smtp-port", str(free_port()), "--smtp-security")
    result = cli("send", "issues/2026-W48", *flags, "none", "--yes")
    assert_one_line_error(result, "newsletter.db: the list is empty")


def test_a_nul_kept_in_an_old_lists_merge_values_never_reaches_the_body(cli, send_ws):
    """A name and a merge field holding NUL, ESC and a line break (written straight into the
    SQLite row, as old data holds them) reach the dry-run body as spaces, folded: no `=00`,
    no control character in either part, the greeting still on one line."""
    import json
    import sqlite3

    cli("subscribers", "add", "reader.one@example.org", "--name", "Reader One")
    with sqlite3.connect(send_ws.database) as db:
        db.execute(
            "UPDATE subscribers SET name = ?, fields = ? WHERE email = ?",
            (
                "Reader\x00One",
                json.dumps({"city": "Li\x00ma\x1b[2J\nSouth"}),
                "reader.one@example.org",
            ),
        )
    result = cli("send", "issues/2026-W48", "--dry-run")
    assert result.exit_code == 0, result.output
    (eml,) = (send_ws.issue / "outbox").glob("*.eml")
    raw = eml.read_bytes()
    assert b"=00" not in raw and b"\x00" not in raw and b"=1B" not in raw and b"\x1b" not in raw
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["To"] == "Reader One <reader.one@example.org>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Dear Reader One in Li ma [2J South, this week" in text
    assert "Dear Reader One in Li ma [2J South, this week" in html


def test_a_dry_run_and_a_test_copy_need_no_list_and_make_no_database(cli, send_ws, smtpd):
    """Without a list, `send --dry-run` still writes an empty outbox and says how to add
    subscribers, and `send --to` still mails its one copy: only the list send is refused."""
    dry = cli("send", "issues/2026-W48", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "0 message(s) written" in dry.output and "subscribers import" in dry.output
    copy = cli("send", "issues/2026-W48", *smtpd.send_flags, "--to", "editor@example.org")
    assert copy.exit_code == 0, copy.output
    assert [r.rcpt_tos for r in smtpd.received] == [("editor@example.org",)]
    assert not send_ws.database.exists()


def test_a_relay_without_tls_is_named_so_in_the_prompt_and_the_summary(cli, send_ws, smtpd):
    """security = none reads "(no TLS)" where the prompt and the summary name the relay, not a
    bare "(none)" a new user took for "no readers" (tried as a new user, 7 December)."""
    send_ws.add("reader@example.org")
    asked = cli("send", "issues/2026-W48", *smtpd.send_flags, input="n\n")
    assert f"via 127.0.0.1:{smtpd.port} (no TLS)?" in asked.output
    sent = cli("send", "issues/2026-W48", *smtpd.send_flags, "--yes")
    assert f"via smtp 127.0.0.1:{smtpd.port} (no TLS): 1 sent" in sent.output
    assert "(none)" not in asked.output + sent.output
