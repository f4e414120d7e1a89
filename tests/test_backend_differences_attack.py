"""Where SQLite and PostgreSQL differ, attacked from outside: values past PostgreSQL's index
row limit, addresses one backend folds and the other keeps apart, and passwords in the ways
libpq reads a URL.  Every test that touches a list runs on both backends."""

from __future__ import annotations

import random
import string

import pytest

from tests.support.backend_workspace import send_ws_on_each_backend  # noqa: F401  (send_ws on both)
from tests.support.bounce_messages import dsn, list_message_id, vacation_reply, write_mbox
from tests.support.send_workspace import ISSUE_ID

pytest_plugins = ["tests.support.send_fixtures"]

READERS = ["gone@example.org", "stays@example.org"]


def incompressible(length: int, seed: int = 18) -> str:
    """`length` letters and digits PostgreSQL cannot compress below its index row limit."""
    pick = random.Random(seed)
    return "".join(pick.choice(string.ascii_letters + string.digits) for _ in range(length))


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the send workspace with READERS on its list."""
    return send_ws.cli(monkeypatch, *READERS)


def test_a_message_id_past_the_index_row_limit_stops_no_bounce_run(cli, send_ws, tmp_path):
    """An autoreply and a bounce whose Message-IDs hold 6,000 characters sit before a real
    bounce: the real one is applied, and a second run finds all three done."""
    long_id = f"<{incompressible(6000)}@mx.example.net>"
    reader = "gone@example.org"
    stamp = list_message_id(ISSUE_ID, reader)
    junk = vacation_reply(long_id)
    own = dsn(f"<{incompressible(6000, 7)}@mx.example.net>", reader, original_id=stamp)
    box = write_mbox(tmp_path / "bounces.mbox", [junk, own])
    first = cli("bounces", "process", str(box))
    assert first.exit_code == 0, first.output
    assert "1 hard bounce(s)" in first.output
    assert send_ws.statuses()[reader] == "bounced"
    again = cli("bounces", "process", str(box))
    assert again.exit_code == 0 and "2 already processed" in again.output, again.output


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://news:pa/ss-Secr3t@db.example.org:5432/letters",  # a '/' in the password
        "postgresql://news:5432/Secr3t@db.example.org/letters",  # ... read as host:port/dbname
        "postgres://news:a/b/Secr3t@db.example.org/letters?sslmode=require",
        "postgresql://news@db.example.org/letters?sslpassword=Secr3t",  # the client key's
        "postgresql://news@db.example.org/letters?sslpass%77ord=Secr3t",
    ],
)
def test_a_password_libpq_would_not_see_as_one_is_refused_and_never_shown(
    workspace, monkeypatch, url
):
    """A password written with a '/' in it (libpq ends the user part at a '/'), or the TLS
    key's password: refused in one line that never shows it, from the file or the environment."""
    from tests.support.cli_errors import one_error_line, run

    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
    line = one_error_line(run("subscribers", "count"), "NEWSLETTER_DATABASE_URL")
    assert "Secr3t" not in line and "pa/ss" not in line
    monkeypatch.delenv("NEWSLETTER_DATABASE_URL")
    toml = workspace / "newsletter.toml"
    lines = toml.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("database ="))
    lines[at] = f'database = "{url}"'
    toml.write_text("\n".join(lines) + "\n")
    line = one_error_line(run("subscribers", "count"), f"newsletter.toml:{at + 1}")
    assert "Secr3t" not in line and "pa/ss" not in line


@pytest.mark.parametrize("locale", ["tr-TR", "az"])
def test_a_database_whose_locale_folds_ascii_its_own_way_is_refused(
    workspace, postgres_server, postgres_url, monkeypatch, locale
):
    """A database made with a Turkish (or Azerbaijani) locale lower-cases `I` as `ı`, so there
    `KIM@example.org` and `kim@example.org` are two readers, and a forgotten `KIM@…` hashes
    otherwise than newsletter hashes it: an unsubscribed or forgotten reader came back by an
    import in another case.  Its first use is one line saying how to make one that folds as
    SQLite does, and nothing is created."""
    from tests.support.cli_errors import one_error_line, run

    name = f"{postgres_url.rsplit('/', 1)[1]}_{locale.replace('-', '')}"
    with postgres_server.connect() as conn:
        conn.execute(
            f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '
            f"ICU_LOCALE '{locale}' LOCALE 'C.UTF-8'"
        )
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
    for args in (("subscribers", "add", "KIM@example.org"), ("db", "upgrade")):
        line = one_error_line(run(*args), f"/{name}", "'I'", "C.UTF-8")
        assert "ı" in line
    with postgres_server.connect(name) as conn:
        assert conn.execute("SELECT to_regclass('subscribers')").fetchone() == (None,)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("NEWSLETTER_DATABASE_URL", "postgresql://n\udcffws@127.0.0.1:1/letters"),
        (
            "NEWSLETTER_DATABASE_URL",
            "postgresql://news@127.0.0.1:1/letters?application_name=\udcff",
        ),
        ("NEWSLETTER_DATABASE_PASSWORD", "caf\udce9-Secr3t"),  # typed in a Latin-1 terminal
    ],
)
def test_bytes_that_are_not_utf8_in_the_database_url_or_password_are_one_line(
    workspace, monkeypatch, variable, value
):
    """libpq reads UTF-8 only: the URL or the password with a Latin-1 byte is one line naming
    the variable, never a UnicodeEncodeError traceback, and the password is never shown."""
    from tests.support.cli_errors import one_error_line, run

    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", "postgresql://news@127.0.0.1:1/letters")
    monkeypatch.setenv(variable, value)
    for args in (("subscribers", "count"), ("db", "upgrade")):
        line = one_error_line(run(*args), variable, "UTF-8")
        assert "Secr3t" not in line


@pytest.mark.parametrize(
    "recipient",
    [b'"a\x00b"@example.org', b'"a\xffb"@example.org', b'"a\xed\xa0\x80b"@example.org'],
    ids=["nul", "latin-1", "surrogate"],
)
def test_a_quoted_recipient_no_address_can_hold_stops_no_bounce_run(
    cli, send_ws, tmp_path, recipient
):
    """With `trust_address = true`, a report naming `"a<NUL>b"@…` (or a raw byte in the quotes)
    before a real bounce: no reader is looked up by it, and the real bounce is applied."""
    path = send_ws.root / "newsletter.toml"
    path.write_text(path.read_text() + "\n[bounce]\ntrust_address = true\n")
    odd = dsn("<odd@mx.example.net>", "PLACE@example.org").replace(b"PLACE@example.org", recipient)
    real = dsn("<real@mx.example.net>", "gone@example.org")
    result = cli("bounces", "process", str(write_mbox(tmp_path / "b.mbox", [odd, real])))
    assert result.exit_code == 0, result.output
    assert "1 unmatched" in result.output, result.output
    assert send_ws.statuses() == {"gone@example.org": "bounced", "stays@example.org": "active"}


@pytest.mark.parametrize(("table", "column"), [("subscribers", "name"), ("deliveries", "attempts")])
def test_a_sqlite_blob_is_one_line_naming_its_row_in_a_copy_to_postgresql(
    workspace, postgres_url, table, column
):
    """SQLite keeps a BLOB in any column (another program's write); `db copy` to PostgreSQL
    names the table, row and column in one line and leaves the target as it was (it was a
    TypeError traceback from psycopg)."""
    from newsletter.subscribers.database import open_database
    from tests.support.cli_errors import one_error_line, run

    run("subscribers", "add", "reader@example.org", "--name", "Reader")
    conn = open_database(workspace / "newsletter.db")
    conn.execute(
        "INSERT INTO deliveries (issue_id, email, status, attempts, last_error, message_id,"
        " updated) VALUES ('2026-W48', 'reader@example.org', 'sent', 1, '', '<a@x>', 'x')"
    )
    conn.execute(f"UPDATE {table} SET {column} = X'00ff'")
    conn.close()
    line = one_error_line(
        run("db", "copy", "newsletter.db", postgres_url), f"{table} row 1", f"column {column}"
    )
    assert "BLOB" in line
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
        assert run("subscribers", "count").output.startswith("0 active")


@pytest.mark.parametrize(
    "fields",
    [
        '{"city": "Li\\u0000ma"}',
        '{"x\\u0000": "1"}',
        '{"city": "caf\\udce9"}',
        '{"cities": ["Lima", "Li\\u0000ma"]}',
        '{"home": {"city": "caf\\udce9"}}',
    ],
    ids=["nul-value", "nul-name", "surrogate", "nul-in-a-list", "surrogate-in-an-object"],
)
def test_merge_fields_postgresql_cannot_read_are_refused_by_db_copy(
    workspace, postgres_url, monkeypatch, fields
):
    """An old SQLite list kept a NUL (or a byte that was not UTF-8) in a merge field as a JSON
    escape: `db copy` took it, and then every import naming that reader failed on PostgreSQL
    ("unsupported Unicode escape sequence").  The copy now refuses it in one line naming the
    row and column, the target left empty."""
    from newsletter.subscribers.database import open_database
    from tests.support.cli_errors import one_error_line, run

    run("subscribers", "add", "a@example.org", "--name", "A", "--field", "city=Lima")
    conn = open_database(workspace / "newsletter.db")
    conn.execute("UPDATE subscribers SET fields = ?", (fields,))
    conn.close()
    line = one_error_line(
        run("db", "copy", "newsletter.db", postgres_url), "subscribers row 1", "column fields"
    )
    assert "nothing was copied" in line
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", postgres_url)
    assert run("subscribers", "count").output.startswith("0 active")
