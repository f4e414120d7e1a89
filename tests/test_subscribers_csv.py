"""CSV import and export: every bad row reported with its line, bad files refused whole."""

from __future__ import annotations

import io

import pytest

from newsletter.errors import ConfigError, SubscriberError
from newsletter.subscribers.csv_export import export_csv, write_csv
from newsletter.subscribers.csv_import import import_csv
from newsletter.subscribers.store import open_store


@pytest.fixture
def store(any_store):
    """An empty subscriber store in a fresh database, on SQLite then on PostgreSQL."""
    return any_store


def write(tmp_path, data: bytes | str, name: str = "list.csv"):
    """Write a CSV file (text as UTF-8) and return its path."""
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def reasons(report):
    """{line: reason} of an import's rejects."""
    return {r.line: r.reason for r in report.rejected}


def test_valid_rows_are_added_with_names_and_merge_fields(tmp_path, store):
    """Email, name and the other columns (as merge fields) are stored; counts are reported."""
    path = write(
        tmp_path,
        "Email,Name,City,Favourite Topic\n"
        "reader.one@example.org,Reader One,Lima,migration\n"
        "reader.two@example.com,,Quito,\n",
    )
    report = import_csv(path, store)
    assert (report.rows, report.added, report.rejected) == (2, 2, ())
    assert report.fields == ("city", "favourite_topic")
    one = store.get("reader.one@example.org")
    assert (one.name, dict(one.fields), one.status) == (
        "Reader One",
        {"city": "Lima", "favourite_topic": "migration"},
        "active",
    )


def test_bad_addresses_are_rejected_with_line_and_reason_and_the_rest_imported(tmp_path, store):
    """Each malformed address is reported by line; the valid rows around it are imported."""
    path = write(
        tmp_path,
        "email,name\n"
        "ok.one@example.org,A\n"
        "bob@,B\n"
        "not an address,C\n"
        ",D\n"
        "two@@example.org,E\n"
        "ok.two@example.net,F\n",
    )
    report = import_csv(path, store)
    assert report.added == 2
    found = reasons(report)
    assert sorted(found) == [3, 4, 5, 6]
    assert found[3].startswith("'bob@' is not a valid address")
    assert found[5] == "no address in the email column"
    assert store.counts()["active"] == 2


def test_duplicates_are_merged_case_insensitively_and_reported(tmp_path, store):
    """The same address twice (any case) is imported once; the second line says which it repeats."""
    path = write(tmp_path, "email,name\nReader@Example.org,First\nreader@example.ORG,Second\n")
    report = import_csv(path, store)
    assert report.added == 1
    assert reasons(report) == {3: "reader@example.org: same address as line 2 (kept that one)"}
    assert store.get("READER@example.org").name == "First"


def test_byte_order_mark_is_ignored(tmp_path, store):
    """A UTF-8 file with a BOM (as spreadsheets save it) imports with its header intact."""
    path = write(tmp_path, b"\xef\xbb\xbfemail,name\nreader@example.org,Jos\xc3\xa9\n")
    report = import_csv(path, store)
    assert report.added == 1 and store.get("reader@example.org").name == "José"


def test_utf16_with_bom_is_read(tmp_path, store):
    """A UTF-16 file with its BOM (spreadsheet "Unicode text") is decoded, tabs included."""
    path = write(tmp_path, "email\tname\nreader@example.org\tJosé\n".encode("utf-16"))
    assert import_csv(path, store).added == 1
    assert store.get("reader@example.org").name == "José"


def test_latin1_file_is_refused_with_its_line_and_the_fix(tmp_path, store):
    """A latin-1 file is not guessed at: the error names the line and suggests --encoding."""
    path = write(
        tmp_path, "email,name\nreader@example.org,ok\nother@example.org,Jos\xe9\n".encode("latin-1")
    )
    with pytest.raises(
        SubscriberError,
        match=r"list\.csv:3: not UTF-8 \(byte 0xe9 at column 22\).*"
        r"--encoding latin-1",
    ):
        import_csv(path, store)
    assert store.counts()["active"] == 0  # nothing half-imported


def test_latin1_file_imports_with_its_encoding(tmp_path, store):
    """The same file imports when its encoding is given."""
    path = write(tmp_path, "email,name\nother@example.org,Jos\xe9\n".encode("latin-1"))
    assert import_csv(path, store, encoding="latin-1").added == 1
    assert store.get("other@example.org").name == "José"
    with pytest.raises(ConfigError, match="unknown encoding"):
        import_csv(path, store, encoding="klingon")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"list\.csv: empty"),
        ("\n\n", r"list\.csv: empty"),
        ("name,city\nReader,Lima\n", r"list\.csv:1: no email column \(found: name, city\)"),
        ("reader@example.org,Reader\n", r"list\.csv:1: no email column .*no header line"),
    ],
)
def test_files_without_an_email_column_are_refused(tmp_path, store, content, message):
    """An empty file or one without an email column is one clear error naming the file and line."""
    with pytest.raises(SubscriberError, match=message):
        import_csv(write(tmp_path, content), store)


def test_a_tab_inside_an_address_is_named_tab_not_space(tmp_path, store):
    """A tab (or a space, or a control character) inside an address is rejected by its own name."""
    path = write(
        tmp_path,
        'email\n"tab\tbed@example.org"\n"spa ced@example.org"\n"bell\x07@example.org"\n',
    )
    found = reasons(import_csv(path, store))
    assert found[2] == (
        "'tab\\x09bed@example.org' contains a TAB (U+0009); "
        "an address has no spaces or control characters: remove it"
    )
    assert "contains a SPACE (U+0020)" in found[3]
    assert "'bell\\x07@example.org' contains a U+0007;" in found[4]


def test_an_address_column_is_not_taken_for_the_email_without_asking(tmp_path, store):
    """A `name,address` file is refused with a question, not imported with `address` as the email."""
    path = write(tmp_path, "name,address\nReader,reader@example.org\n")
    with pytest.raises(SubscriberError, match=r"list\.csv:1: .*'address'.*--email-column address"):
        import_csv(path, store)
    assert store.counts()["active"] == 0


def test_email_column_names_the_address_column(tmp_path, store):
    """`email_column` picks the column holding the addresses, whatever its name and case."""
    path = write(tmp_path, "Name,Address,City\nReader,reader@example.org,Lima\n")
    report = import_csv(path, store, email_column="address")
    assert report.added == 1 and report.fields == ("city",)
    assert store.get("reader@example.org").name == "Reader"
    with pytest.raises(SubscriberError, match=r"list\.csv:1: no column named 'mail to'"):
        import_csv(path, store, email_column="mail to")


def test_a_spreadsheet_workbook_or_binary_file_is_refused(tmp_path, store):
    """An .xlsx saved as .csv, or a file with NUL bytes, is refused with what to do."""
    with pytest.raises(SubscriberError, match="spreadsheet workbook, not CSV"):
        import_csv(write(tmp_path, b"PK\x03\x04rest"), store)
    with pytest.raises(SubscriberError, match=r"list\.csv:2: contains NUL"):
        import_csv(write(tmp_path, b"email\nreader@example.org\x00\n"), store)


def test_missing_file_is_one_line(tmp_path, store):
    """A path that does not exist is a SubscriberError saying what to check, not a traceback."""
    with pytest.raises(SubscriberError, match=r"nope\.csv: no such file; check the path"):
        import_csv(tmp_path / "nope.csv", store)


def test_semicolons_quoted_cells_and_extra_cells(tmp_path, store):
    """Semicolon files import with quoted cells; a line break in a cell or extra cells reject."""
    path = write(
        tmp_path,
        'email;name\nzero@example.org;"Reader; Zero"\none@example.org;"Reader\nOne"\n'
        "two@example.org;Two;surprise\nbad@;Three\n",
    )
    report = import_csv(path, store)
    assert report.added == 1 and store.get("zero@example.org").name == "Reader; Zero"
    found = reasons(report)
    assert found[3].startswith("a quoted field is not closed on this line")
    assert found[5].startswith("3 cells but the header names 2 columns")
    assert found[6].startswith("'bad@' is not a valid address")


def test_unsubscribed_addresses_stay_unsubscribed_on_reimport(tmp_path, store):
    """Re-importing an unsubscribed address keeps it unsubscribed, even after it was removed."""
    path = write(tmp_path, "email\nleft@example.org\ngone@example.org\n")
    import_csv(path, store)
    store.set_status("left@example.org", "unsubscribed")
    store.set_status("gone@example.org", "unsubscribed")
    store.remove("gone@example.org")
    report = import_csv(path, store)
    assert (report.added, report.suppressed) == (0, 2)
    assert store.get("left@example.org").status == "unsubscribed"
    assert store.get("gone@example.org").status == "unsubscribed"


def test_resubscribe_makes_them_active_again(tmp_path, store):
    """With resubscribe=True the unsubscribed addresses in the file become active."""
    path = write(tmp_path, "email\nleft@example.org\n")
    import_csv(path, store)
    store.set_status("left@example.org", "unsubscribed")
    report = import_csv(path, store, resubscribe=True)
    assert report.resubscribed == 1
    assert store.get("left@example.org").status == "active"
    assert not store.is_suppressed("left@example.org")


def test_updates_names_and_fields_and_counts_unchanged_rows(tmp_path, store):
    """A second import updates what changed and counts the rest as unchanged."""
    import_csv(
        write(tmp_path, "email,name,city\na@example.org,A,Lima\nb@example.org,B,Quito\n"), store
    )
    report = import_csv(
        write(tmp_path, "email,name,city\na@example.org,A,Lima\nb@example.org,Bee,Quito\n"), store
    )
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert store.get("b@example.org").name == "Bee"


def test_status_column_and_bad_status(tmp_path, store):
    """A status column is applied (unsubscribed ones suppressed); an unknown status rejects."""
    path = write(
        tmp_path,
        "email,status\na@example.org,unsubscribed\nb@example.org,bounced\n"
        "c@example.org,\nd@example.org,vip\n",
    )
    report = import_csv(path, store)
    assert store.counts() == {"active": 1, "unsubscribed": 1, "bounced": 1}
    assert store.is_suppressed("a@example.org")
    assert reasons(report) == {
        5: "d@example.org: status 'vip' is not one of active, unsubscribed, bounced"
    }


def test_names_with_control_characters_are_flattened(tmp_path, store):
    """Tabs and other control characters in a cell become single spaces."""
    import_csv(write(tmp_path, 'email,name\na@example.org,"Evil\tBcc: x@example.org\x07"\n'), store)
    assert store.get("a@example.org").name == "Evil Bcc: x@example.org"


def test_export_round_trips_through_import(tmp_path, store):
    """An export imports back into an empty list as the same subscribers, statuses included."""
    import_csv(
        write(tmp_path, 'email,name,city\na@example.org,A,Lima\nb@example.org,"B, Jr",\n'), store
    )
    store.set_status("b@example.org", "unsubscribed")
    out = tmp_path / "out.csv"
    assert export_csv(store, out) == 2
    assert (
        out.read_text().splitlines()[0]
        == "email,name,first_name,status,created,updated,consent_source,consent_at,consent_client,consent_wording,"
        "reason,reason_code,reason_diagnostic,reason_at,reason_message_id,city"
    )
    with open_store(tmp_path / "other.db") as other:
        report = import_csv(out, other)
        assert report.added == 2 and report.rejected == ()
        assert other.get("b@example.org").name == "B, Jr"
        assert other.get("b@example.org").status == "unsubscribed"
        assert dict(other.get("a@example.org").fields) == {"city": "Lima"}


def test_export_of_one_status_to_a_stream(tmp_path, store):
    """Exporting only active subscribers writes just those rows."""
    import_csv(write(tmp_path, "email\na@example.org\nb@example.org\n"), store)
    store.set_status("a@example.org", "bounced")
    out = io.StringIO()
    assert write_csv(store, out, status="active") == 1
    assert out.getvalue().splitlines()[1].startswith("b@example.org,,,active,")


def test_a_stray_opening_quote_rejects_its_line_only(tmp_path, store):
    """`alice@example.org,"Alice` is rejected at its line; the 501 rows after it import."""
    rows = "".join(f"r{i:03d}@example.org,R {i}\n" for i in range(501))
    report = import_csv(write(tmp_path, 'email,name\nalice@example.org,"Alice\n' + rows), store)
    assert (report.rows, report.added, report.rejected_count) == (502, 501, 1)
    assert reasons(report)[2].startswith("a quoted field is not closed on this line")
    assert store.get("alice@example.org") is None
    assert store.get("r500@example.org").name == "R 500"


def test_long_cells_are_rejected_with_their_line(tmp_path, store):
    """A cell over 1,000 characters, or over csv's own 131,072 limit, rejects its row only."""
    path = write(
        tmp_path,
        "email,name\n"
        f"a@example.org,{'x' * 1001}\n"
        f'b@example.org,"{"y" * 200_000}"\n'
        f"c@example.org,{'z' * 200_000}\n"
        "d@example.org,Dee\n",
    )
    report = import_csv(path, store)
    found = reasons(report)
    assert found[2] == "field 2 runs past 1,000 characters (1,001)"
    assert "runs past 1,000 characters" in found[3] and "runs past 1,000 characters" in found[4]
    assert report.added == 1 and store.get("d@example.org").name == "Dee"


def test_a_line_without_an_end_is_read_a_piece_at_a_time(tmp_path, store, monkeypatch):
    """A line longer than the reader's window is rejected without being held in memory."""
    import newsletter.subscribers.csv_import as csv_import

    monkeypatch.setattr(csv_import, "MAX_LINE", 64)
    path = write(tmp_path, "email,name\n" + "a@example.org," + "w" * 500 + "\nb@example.org,B\n")
    report = import_csv(path, store)
    assert reasons(report) == {2: "longer than 64 characters"}
    assert report.added == 1


def test_export_neutralises_formula_cells_and_imports_them_back(tmp_path, store):
    """Cells starting with =, +, -, @ get a leading ' on export; the import takes it off again."""
    store.upsert("a@example.org", '=HYPERLINK("http://example.com","x")', {"note": "+1 555"})
    store.upsert("b@example.org", "-Bob", {"note": "@home"})
    store.upsert("c@example.org", "Plain Carol", {"note": "fine"})
    out = tmp_path / "out.csv"
    export_csv(store, out)
    lines = out.read_text().splitlines()
    assert lines[1].startswith('a@example.org,"\'=HYPERLINK(""http://example.com"",""x"")",')
    assert lines[1].endswith(",'+1 555")
    assert lines[2].startswith("b@example.org,'-Bob,") and lines[2].endswith(",'@home")
    assert lines[3].endswith(",fine") and "'" not in lines[3]
    with open_store(tmp_path / "other.db") as other:
        import_csv(out, other)
        assert other.get("a@example.org").name == '=HYPERLINK("http://example.com","x")'
        assert other.get("b@example.org").name == "-Bob"
        assert dict(other.get("b@example.org").fields) == {"note": "@home"}


@pytest.mark.slow
def test_an_import_commits_in_batches(tmp_path, store):
    """With a tiny batch time, rows before a failure stay committed: the lock is never held long."""
    from newsletter.subscribers import csv_import

    rows = "".join(f"r{i:04d}@example.org\n" for i in range(300))
    path = write(tmp_path, "email\n" + rows)
    report = csv_import.import_csv(path, store, batch_seconds=0.0)
    assert report.added == 300
    assert not store.conn.in_transaction


def test_an_import_that_finds_the_database_locked_is_one_clear_error(tmp_path):
    """A database held by another writer past the busy timeout stops the import with one line."""
    import sqlite3

    store = open_store(tmp_path / "newsletter.db")  # SQLite's single writer lock

    store.conn.execute("PRAGMA busy_timeout = 100")
    holder = sqlite3.connect(tmp_path / "newsletter.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(SubscriberError, match=r"list\.csv: stopped, cannot write to the"):
            import_csv(write(tmp_path, "email\na@example.org\n"), store)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.get("a@example.org") is None
    store.close()


@pytest.mark.parametrize("header", ["email,name,name", "email,Email", "Email,City,city"])
def test_two_columns_of_one_name_refuse_the_file_naming_them(tmp_path, store, header):
    """A header naming a column twice is refused at its line: neither value is guessed at."""
    cells = ",".join(["a@example.org", *["x"] * (header.count(",") or 1)])
    path = write(tmp_path, f"{header}\n{cells}\n")
    with pytest.raises(SubscriberError, match=r"list\.csv:1: columns \d and \d are both named"):
        import_csv(path, store)
    assert sum(store.counts().values()) == 0


@pytest.mark.parametrize("name", ["newsletter.db", "newsletter.toml"])
def test_export_never_replaces_a_file_that_is_not_an_export(tmp_path, name):
    """`export newsletter.db` (or any non-export file) is refused and the file left as it was."""
    with open_store(tmp_path / "newsletter.db") as s:
        s.upsert("a@example.org", "A", {})
        target = tmp_path / name
        if name == "newsletter.toml":
            target.write_text('name = "Mine"\n', "utf-8")
        before = target.read_bytes()[:16]  # the database's own header, or the settings
        with pytest.raises(SubscriberError, match="exists and is not a subscriber export"):
            export_csv(s, target)
    assert target.read_bytes()[:16] == before
    with open_store(tmp_path / "newsletter.db", create=False) as again:
        assert again.get("a@example.org").name == "A"
    assert not list(tmp_path.glob(".*.partial"))


def test_export_replaces_an_earlier_export_and_writes_into_a_pipe(tmp_path, store):
    """An earlier export is replaced whole; a named pipe is written into, never renamed over."""
    import os
    import stat
    import threading

    store.upsert("a@example.org", "A", {})
    out = tmp_path / "out.csv"
    assert export_csv(store, out) == 1
    store.upsert("b@example.org", "B", {})
    assert export_csv(store, out) == 2
    assert out.read_text("utf-8").count("@example.org") == 2
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert export_csv(store, fifo) == 2
    reader.join(10)
    assert b"b@example.org" in got[0]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
