"""Hostile text on its way into the database, on both backends: NUL characters (SQLite keeps
one, PostgreSQL refuses it), bytes that are not UTF-8 and very long values, from a form, a
forged or hostile report, a relay's reply, the command line, a CSV file or an old SQLite file."""

from __future__ import annotations

import gc
import re

import pytest

from newsletter.send.sender import SendOptions, send_issue
from newsletter.send.status import delivery_status
from newsletter.subscribers.backends import workspace_store
from newsletter.subscribers.database import open_database
from tests.support.bounce_messages import dsn, list_message_id, write_mbox
from tests.support.cli_errors import one_error_line, run
from tests.support.send_workspace import ISSUE_ID
from tests.support.smtp_server import RecordingHandler, smtp_server

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

READER = "reader0@example.org"
NUL = "\x00"


def stored_names(ws) -> dict[str, tuple[str, str]]:
    """Each subscriber's (name, first_name) as the workspace's backend holds them."""
    with workspace_store(ws.settings) as store:
        rows = store.conn.execute("SELECT email, name, first_name FROM subscribers").fetchall()
    return {email: (name, first) for email, name, first in rows}


def test_a_sign_up_form_with_nul_characters_is_taken_and_stored_without_them(audience):
    """Names holding %00 (URL-encoded and multipart) are signed up and confirmed, never a 500;
    one with a lone surrogate's bytes (no UTF-8), URL-encoded or multipart, is a 400 storing
    nothing (serve/form_text.py)."""
    form = "form_token={}&email={}%40example.org&name=Ana%00Ruiz&first_name=%00Ana{}&website="
    urlencoded = {"content-type": "application/x-www-form-urlencoded"}
    not_utf8 = audience.http.post(
        f"{audience.url}/subscribe",
        content=form.format(audience.form_token(), "three", "%ED%A0%80").encode(),
        headers=urlencoded,
    )
    assert not_utf8.status_code == 400, not_utf8.text
    encoded = audience.http.post(
        f"{audience.url}/subscribe",
        content=form.format(audience.form_token(), "one", "").encode(),
        headers=urlencoded,
    )
    assert encoded.status_code == 200, encoded.text
    fields = {"form_token": audience.form_token(), "email": "two@example.org", "website": ""}
    parts = {k: (None, v) for k, v in fields.items()}
    parts["name"] = (None, b"Bo\x00\xed\xa0\x80 Lee")  # a NUL and a lone surrogate's bytes
    not_utf8 = audience.http.post(f"{audience.url}/subscribe", files=parts)
    assert not_utf8.status_code == 400, not_utf8.text
    parts["name"] = (None, b"Bo\x00 Lee")  # a NUL alone
    parts["form_token"] = (None, audience.form_token())
    multipart = audience.http.post(f"{audience.url}/subscribe", files=parts)
    assert multipart.status_code == 200, multipart.text
    bad_address = audience.sign_up("n\x00w@example.org", "Ana")
    assert bad_address.status_code == 400 and "such as name@example.org" in bad_address.text
    for link in audience.confirmation_links():
        token = link.split("token=")[1]
        page = audience.http.post(f"{audience.url}/confirm", data={"token": token})
        assert page.status_code == 200
    names = stored_names(audience.ws)
    assert names["one@example.org"][0] == "Ana Ruiz"
    assert names["one@example.org"][1] == "Ana"
    assert "three@example.org" not in names
    assert NUL not in names["two@example.org"][0] and names["two@example.org"][0].startswith("Bo")


def test_hostile_tokens_in_links_get_the_neutral_page(audience):
    """A NUL, a surrogate's bytes or 5,000 characters as a token: the same page, never a 500."""
    for token in ("%00", "%ED%A0%80", "%FF", "a" * 5000, "%00" * 100):
        for path in ("unsubscribe", "confirm"):
            assert audience.http.get(f"{audience.url}/{path}?token={token}").status_code == 200
            one_click = {"List-Unsubscribe": "One-Click"}
            posted = audience.http.post(f"{audience.url}/{path}?token={token}", data=one_click)
            assert posted.status_code == 200


def test_a_verified_bounce_with_nul_characters_is_applied_once(
    served_ws, serve_backend, monkeypatch, tmp_path
):
    """A report proving it answers our mail, with NULs and stray bytes in its Message-ID, its
    MTA and its diagnostic, bounces its reader; a second run finds it already processed."""
    if serve_backend == "postgresql":
        monkeypatch.setenv("NEWSLETTER_DATABASE_URL", served_ws.settings.database)
    cli = served_ws.cli(monkeypatch, READER, "reader1@example.org")
    one = dsn("<r1\x00@mx.example.net>", READER, original_id=list_message_id(ISSUE_ID, READER))
    one = one.replace(b"mailbox problem", b"mailbox\x00problem \xed\xa0\x80 \xff")
    other = "reader1@example.org"
    two = dsn(
        "<r\xff2@mx.example.net>",
        other,
        original_id=list_message_id(ISSUE_ID, other),
        mta="mx\x00.example.net",
    ).replace(b"r\xc3\xbf2", b"r\xff2")  # a raw byte in the header, as a hostile MTA sends
    box = write_mbox(tmp_path / "bounces.mbox", [one, two])
    first = cli("bounces", "process", str(box))
    assert first.exit_code == 0, first.output
    assert "2 hard bounce(s)" in first.output
    assert served_ws.statuses() == {READER: "bounced", other: "bounced"}
    again = cli("bounces", "process", str(box))
    assert again.exit_code == 0 and "2 already processed" in again.output, again.output
    shown = cli("subscribers", "show", READER)
    assert "mailbox problem" in shown.output and NUL not in shown.output


def test_a_relay_reply_holding_a_nul_is_journaled_and_the_send_goes_on(served_ws):
    """A relay's 550, 451 and 554 with NULs in their words: recorded, the rest sent, no stop."""
    emails = [f"r{i}@example.org" for i in range(4)]
    with workspace_store(served_ws.settings) as store:
        for email in emails:
            store.upsert(email, "Reader", {"city": "Lima"})
    handler = RecordingHandler()
    handler.fail(emails[0], "rcpt", "550 5.1.1 no\x00such user")
    handler.fail(emails[1], "rcpt", "451 4.3.0 try\x00 later")
    handler.fail(emails[2], "data", "554 5.7.1 \x00spam")
    with smtp_server(handler=handler) as server:
        summary = send_issue(served_ws.issue, served_ws.with_server(server.host, server.port))
    assert summary.stopped is None and not summary.journal_failed
    assert (summary.sent, summary.failed) == (2, 2)
    counts = delivery_status(served_ws.issue, served_ws.settings).counts
    assert dict(counts.reasons) == {"550 5.1.1 no such user": 1, "554 5.7.1 spam": 1}


@pytest.mark.parametrize("serve_backend", ["sqlite"])  # PostgreSQL cannot hold such a name
def test_an_old_sqlite_name_holding_a_nul_never_reaches_a_header(served_ws):
    """A name an old SQLite list kept with a NUL is a space in the To: line."""
    served_ws.add(READER)
    with workspace_store(served_ws.settings) as store:
        store.conn.execute("UPDATE subscribers SET name = 'Ana' || char(0) || 'Ruiz'")
        store.conn.commit()
    with smtp_server() as server:
        send_issue(served_ws.issue, served_ws.with_server(server.host, server.port), SendOptions())
        (received,) = server.received
    assert b"To: Ana Ruiz <reader0@example.org>\r\n" in received.data


def fill_with(workspace, value_sql: str) -> None:
    """A SQLite list of two, the second's name written by `value_sql` (as another tool might)."""
    run("subscribers", "add", "a@example.org", "--name", "A")
    conn = open_database(workspace / "newsletter.db")
    conn.execute(
        "INSERT INTO subscribers (email, name, created, updated) VALUES "
        f"('b@example.org', {value_sql}, '2026-11-26T00:00:00Z', '2026-11-26T00:00:00Z')"
    )
    conn.commit()
    conn.close()


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    ("value_sql", "said"),
    [
        ("'B' || char(0) || 'x'", "subscribers row 2 (id 2, column name) holds a NUL character"),
        ("CAST(x'41ff42' AS TEXT)", "subscribers row 2: Could not decode to UTF-8 column 'name'"),
    ],
)
def test_db_copy_refuses_a_row_postgresql_cannot_hold_naming_it(
    workspace, postgres_url, value_sql, said
):
    """A NUL or bytes that are not UTF-8 in a SQLite row: one line naming the table, row and
    column, and the PostgreSQL target left empty (no half copy, no stray traceback)."""
    fill_with(workspace, value_sql)
    line = one_error_line(run("db", "copy", "newsletter.db", postgres_url), said)
    assert line.startswith("error: newsletter.db: ") and "nothing was copied" in line
    gc.collect()  # a source cursor left to the collector used to print "Exception ignored"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
        assert run("subscribers", "count").output.startswith("0 active")


def test_command_line_bytes_that_are_not_utf8_are_one_line(backend):
    """--name, --first-name or --field holding bytes that are not UTF-8 (as Python hands argv
    over): one line naming the option, nothing stored, on either backend."""
    for option, value in (("--name", "Ana\udcff"), ("--first-name", "\udce9"),
                          ("--field", "city=L\udcffima")):  # fmt: skip
        result = run("subscribers", "add", "a@example.org", option, value)
        line = one_error_line(result, option, "not UTF-8", "\\udc")
        assert not re.search("[\ud800-\udfff]", line)  # shown escaped, printable
    assert run("subscribers", "count").output.startswith("0 active")


def test_a_field_error_quotes_at_most_sixty_characters(backend):
    """A bad --field 1,000 characters long is quoted cut short with …, not echoed whole."""
    for value in ("x" * 990, "City Name=" + "y" * 980):
        line = one_error_line(run("subscribers", "add", "a@example.org", "--field", value))
        quoted = re.search(r"--field '([^']*)'", line).group(1)
        assert len(quoted) <= 60 and quoted.endswith("…"), line
        assert len(line) < 300


def test_a_csv_decoded_to_a_lone_surrogate_is_refused_at_its_line(backend, workspace):
    """An --encoding that yields a lone surrogate (unicode_escape's \\ud800): its line, nothing
    imported."""
    (workspace / "list.csv").write_bytes(b"email,name\na@example.org,A\nb@example.org,B\\ud800\n")
    result = run("subscribers", "import", "list.csv", "--encoding", "unicode_escape")
    one_error_line(result, "list.csv:3:")
    assert run("subscribers", "count").output.startswith("0 active")
