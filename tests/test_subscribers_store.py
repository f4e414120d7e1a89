"""The subscriber store: uniqueness, statuses, suppression (on SQLite and PostgreSQL), schema."""

from __future__ import annotations

import sqlite3

import pytest

from newsletter.errors import SubscriberError
from newsletter.subscribers.addresses import InvalidAddress, normalize_address
from newsletter.subscribers.database import MIGRATIONS, open_database
from newsletter.subscribers.store import open_store


@pytest.fixture
def store(any_store):
    """An empty subscriber store in a fresh database, on SQLite then on PostgreSQL."""
    return any_store


def test_database_is_created_in_wal_mode_with_a_schema_version(tmp_path):
    """A new database is in WAL mode and at the latest schema version."""
    conn = open_database(tmp_path / "sub" / "newsletter.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_a_newer_or_broken_database_is_a_clear_error(tmp_path):
    """A database from a newer version, or not a database at all, is refused with what to do."""
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(SubscriberError, match="newer version of newsletter"):
        open_database(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SubscriberError, match=r"junk\.db: cannot open the database"):
        open_database(junk)


def test_missing_database_is_not_created_when_reading(tmp_path):
    """Reading commands do not create a database; they say how to start a list."""
    with pytest.raises(SubscriberError, match="no database yet"):
        open_store(tmp_path / "newsletter.db", create=False)
    assert not (tmp_path / "newsletter.db").exists()


def test_addresses_are_unique_whatever_their_case(store):
    """Adding the same address in another case updates the one subscriber."""
    assert store.upsert("Reader@example.org", "First") == "added"
    assert store.upsert("reader@EXAMPLE.org", "Second") == "updated"
    assert store.upsert("READER@example.org") == "unchanged"
    assert store.counts()["active"] == 1
    assert store.get("reader@example.org").name == "Second"


def test_unsubscribe_is_remembered_after_remove(store):
    """An unsubscribed address that is removed and added again stays unsubscribed."""
    store.upsert("left@example.org")
    store.set_status("left@example.org", "unsubscribed")
    assert store.remove("left@example.org")
    assert store.upsert("left@example.org") == "suppressed"
    assert store.get("left@example.org").status == "unsubscribed"
    store.set_status("left@example.org", "active")
    assert store.get("left@example.org").status == "active"


def test_unsubscribing_an_unknown_address_suppresses_it(store):
    """Unsubscribing an address not on the list keeps a later import from adding it."""
    assert store.set_status("stranger@example.org", "unsubscribed") is None
    assert store.upsert("stranger@example.org") == "suppressed"


def test_iter_streams_in_batches_in_list_order(store):
    """Iterating reads every subscriber in the order they joined, whatever the batch size."""
    for i in range(25):
        store.upsert(f"r{i:02d}@example.org")
    store.set_status("r03@example.org", "bounced")
    assert [s.email for s in store.iter(batch=4)] == [f"r{i:02d}@example.org" for i in range(25)]
    assert len(list(store.iter("active", batch=7))) == 24
    assert store.counts() == {"active": 24, "unsubscribed": 0, "bounced": 1}


def test_merge_fields_are_merged_and_listed(store):
    """New fields are added to the stored ones; field_names lists every field in use."""
    store.upsert("a@example.org", fields={"city": "Lima"})
    store.upsert("a@example.org", fields={"topic": "border"})
    assert dict(store.get("a@example.org").fields) == {"city": "Lima", "topic": "border"}
    assert store.field_names() == ["city", "topic"]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  Reader@Example.ORG ", "Reader@example.org"),
        ("reader@exämple.org", "reader@xn--exmple-cua.org"),
    ],
)
def test_addresses_are_normalised(raw, stored):
    """Addresses are trimmed, their domain lower-cased and IDNA-encoded."""
    assert normalize_address(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "reader@example.org\r\nBcc: victim@example.org",
        "José@example.org",
        '"quoted"@example.org',
        "reader@localhost",
        "a b@example.org",
        "<reader@example.org>",
    ],
)
def test_unusable_addresses_are_rejected(raw):
    """Injection attempts, non-ASCII local parts, quoting and bare hosts are rejected."""
    with pytest.raises(InvalidAddress):
        normalize_address(raw)


def test_the_quick_address_check_agrees_with_email_validator():
    """Every address the import's quick check takes, email-validator takes and stores the same."""
    import random

    from email_validator import EmailNotValidError, validate_email

    from newsletter.mail_address import HeaderValueError, check_address
    from newsletter.subscribers.addresses import _plain

    chosen = random.Random(18)
    tlds = ["org", "COM", "io", "test", "local", "Localhost", "x", "xn--p1ai", "a1", "onion"]
    taken = 0
    for _ in range(20_000):
        local = "".join(chosen.choice("aZ0_%+-.") for _ in range(chosen.randint(1, 9)))
        labels = [
            "".join(chosen.choice("aB9-") for _ in range(chosen.randint(1, 6)))
            for _ in range(chosen.randint(1, 3))
        ]
        if chosen.random() < 0.02:  # lengths at and past the limits
            local, labels = "l" * chosen.randint(60, 70), [*labels, "d" * chosen.randint(60, 66)]
        address = f"{local}@{'.'.join([*labels, chosen.choice(tlds)])}"
        quick = _plain(address)
        if quick is None:
            continue
        taken += 1
        try:
            info = validate_email(address, check_deliverability=False, allow_smtputf8=False)
            assert check_address(info.ascii_email or info.normalized) == quick, address
        except (EmailNotValidError, HeaderValueError) as e:
            raise AssertionError(
                f"{address}: taken quickly, refused by email-validator: {e}"
            ) from e
    assert taken > 1_000
    assert _plain("Reader.One+news@Mail.Example.ORG") == "Reader.One+news@mail.example.org"


def test_an_older_database_is_upgraded_keeping_its_journal(tmp_path):
    """A database made by the first schema gains the `unknown` delivery state; its rows survive."""
    import sqlite3

    from newsletter.subscribers.database import MIGRATIONS, open_database

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
        old.execute(
            "INSERT INTO deliveries (issue_id, email, status, updated) VALUES (?, ?, 'sent', ?)",
            ("2026-W47", "a@example.org", "2026-11-19T10:00:00Z"),
        )
    conn = open_database(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT status FROM deliveries").fetchall() == [("sent",)]
        conn.execute(
            "INSERT INTO deliveries (issue_id, email, status, updated) VALUES (?, ?, 'unknown', ?)",
            ("2026-W48", "a@example.org", "2026-11-26T10:00:00Z"),
        )
    finally:
        conn.close()


def test_mark_bounced_changes_active_subscribers_only(tmp_path):
    """`mark_bounced` marks an active address bounced; an unsubscribed one stays unsubscribed."""
    from newsletter.subscribers.store import open_store

    with open_store(tmp_path / "n.db") as store:
        store.upsert("a@example.org")
        store.upsert("u@example.org")
        store.set_status("u@example.org", "unsubscribed")
        assert store.mark_bounced("A@example.org") is True
        assert store.mark_bounced("u@example.org") is False
        assert store.mark_bounced("nobody@example.org") is False
        assert store.get("a@example.org").status == "bounced"
        assert store.get("u@example.org").status == "unsubscribed"
