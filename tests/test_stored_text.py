"""storable_text: the one rule for text handed in from outside before a database keeps it, and
the places that store such text (a form's name, a CSV cell, a bounce's diagnostic, a send's
error) keeping the same text on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from newsletter.bounces.findings import clean_id
from newsletter.send.journal import open_journal
from newsletter.stored_text import storable_text
from newsletter.subscribers.csv_import import import_csv
from newsletter.subscribers.status_reasons import MAX_DIAGNOSTIC, StatusReason, reason_for

HOSTILE = "Ana\x00 Ruiz\x07\x1b[2J\x85\u2028\ud800\ufffe\U0010ffff\t\r\n end"


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Ana Ruiz", "Ana Ruiz"),
        ("  Ana \t Ruiz \n", "Ana Ruiz"),
        ("Ana\x00Ruiz", "Ana Ruiz"),  # PostgreSQL refuses a NUL in text
        ("Ana\x85Ruiz\x9b", "Ana Ruiz"),  # C1 controls
        ("Ana\u2028Ruiz\u2029", "Ana Ruiz"),  # Unicode's line and paragraph separators
        ("Ana\ud800Ruiz", "Ana Ruiz"),  # a lone surrogate: neither backend stores one
        ("Ana\ufffeRuiz\U0001ffff", "Ana Ruiz"),  # noncharacters
        ("José Ñúñez 🙂 \u200dمرحبا", "José Ñúñez 🙂 \u200dمرحبا"),  # text stays text
        (HOSTILE, "Ana Ruiz [2J end"),
        ("", ""),
    ],
)
def test_storable_text_makes_controls_spaces_and_folds_them(text, stored):
    """Control characters, separators, surrogates and noncharacters become spaces, folded once."""
    assert storable_text(text) == stored
    assert storable_text(stored) == stored  # applying it twice changes nothing


def test_storable_text_cuts_at_its_limit_ending_in_dots():
    """Past `limit` characters the text is cut to exactly `limit`, its end marked `...`."""
    assert storable_text("a" * 10, 10) == "a" * 10
    cut = storable_text("word " * 200, 500)
    assert len(cut) == 500 and cut.endswith("...")
    assert storable_text(cut, 500) == cut
    assert storable_text("\x00" * 1000 + "b", 5) == "b"  # the limit counts what is kept


def test_a_hostile_name_and_diagnostic_are_stored_alike_on_both_backends(any_store):
    """A name and a bounce's words holding a NUL, a surrogate and C1 controls are kept cleaned,
    the same on each backend, and read back as written."""
    email = "reader@example.org"
    any_store.upsert(email, storable_text(HOSTILE, 200), first_name=storable_text(HOSTILE, 100))
    any_store.mark_bounced(email, reason=StatusReason("bounce", "5.1.1", HOSTILE * 60, "", HOSTILE))
    row = any_store.conn.execute(
        "SELECT name, first_name FROM subscribers WHERE email = ?", (email,)
    ).fetchone()
    assert tuple(row) == ("Ana Ruiz [2J end", "Ana Ruiz [2J end")
    reason = reason_for(any_store.conn, email)
    assert reason is not None
    assert reason.message_id == "Ana Ruiz [2J end"
    assert len(reason.diagnostic) == MAX_DIAGNOSTIC and reason.diagnostic.endswith("...")
    assert reason.diagnostic.startswith("Ana Ruiz [2J endAna Ruiz")


def test_csv_cells_with_c1_controls_and_separators_import_alike_on_both_backends(
    any_store, tmp_path
):
    """A CSV name holding C1 controls and a line separator is stored as the form's would be."""
    path = tmp_path / "list.csv"
    path.write_text('email,name,city\nreader@example.org,"Ana\x85\u2028Ruiz","Li\x9bma"\n')
    import_csv(path, any_store)
    found = any_store.get("reader@example.org")
    assert found is not None
    assert (found.name, found.fields) == ("Ana Ruiz", {"city": "Li ma"})


def test_the_journal_stores_an_error_with_a_nul_as_text(tmp_path):
    """A send's error holding a NUL and a line break (an exception's words) is kept on one line."""
    journal = open_journal(tmp_path / "newsletter.db", "2026-W48")
    journal.record("reader@example.org", "failed", attempts=1, error="lost\x00 the\r\nlink")
    row = journal.conn.execute("SELECT last_error FROM deliveries").fetchone()
    assert tuple(row) == ("lost the link",)


def test_a_reports_message_id_marks_its_controls_with_question_marks():
    """A Message-ID is an identifier, not text: the same controls become `?`, one token kept."""
    assert clean_id("Message-ID: <a\x00b\x9bc\ud800\ufffe@x.example> (x)") == "<a?b?c??@x.example>"
    assert clean_id("<plain.id@x.example>") == "<plain.id@x.example>"
    assert clean_id("no id here") == ""


def test_a_message_id_past_its_size_is_keyed_by_its_hash():
    """An id over 255 bytes is `<sha256:…>` of itself: the same key each run, under any index."""
    long_id = "<" + "é" * 200 + "@x.example>"
    key = clean_id(long_id)
    assert key.startswith("<sha256:") and len(key) == 73 and clean_id(long_id) == key
    assert clean_id("<" + "a" * 240 + "@x.example>") == "<" + "a" * 240 + "@x.example>"
