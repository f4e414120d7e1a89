"""The PostgreSQL schema, versioned like newsletter.db's: version N is the same tables on both.

SQLite counts its version in `PRAGMA user_version` (database.py); PostgreSQL in the
one-row table `newsletter_schema`.  Each entry of POSTGRES_MIGRATIONS moves a database one
version up and matches the SQLite entry of the same number, so `db copy` (database_copy.py) maps
table to table.  A first use upgrades under `pg_advisory_xact_lock`: two hosts starting at
once on an empty database never both run a step; the second waits, then finds it done.
A database made by a newer newsletter is refused with one line, never written to.

Addresses compare without regard to case, as SQLite's `COLLATE NOCASE` makes them: the
`citext` type (a trusted extension since PostgreSQL 13: the database's owner may create it).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

import psycopg

from newsletter.database_url import PostgresUrl
from newsletter.errors import SubscriberError
from newsletter.subscribers.database import MIGRATIONS
from newsletter.subscribers.forgotten import ADDRESS_TABLES, SUPPRESSION_KEY
from newsletter.subscribers.postgres import statement_error

# pg_advisory_xact_lock's key for schema changes: any fixed number no other tool uses
# (b"nwslschm" read as a big-endian signed 64-bit integer).
SCHEMA_LOCK = int.from_bytes(b"nwslschm", "big", signed=True)

# The PostgreSQL twin of forgotten.guard_forgotten: the same keyed hash (HMAC-SHA256 of the
# trimmed, lower-cased address under the `suppression` key, through pgcrypto, a trusted
# extension) and the same effect as SQLite's RAISE(IGNORE): the row is skipped, not refused.
# While nobody has been forgotten it costs one look at an empty table per row.
FORGOTTEN_GUARD = (
    """
    CREATE EXTENSION IF NOT EXISTS pgcrypto;
    CREATE FUNCTION newsletter_skip_forgotten() RETURNS trigger LANGUAGE plpgsql AS $guard$
    BEGIN
        IF NEW.email IS NOT NULL AND EXISTS (SELECT 1 FROM suppressions) AND EXISTS (
            SELECT 1 FROM suppressions WHERE hash = encode(hmac(
                convert_to(lower(btrim(NEW.email::text)), 'UTF8'),
                (SELECT key FROM signing_keys WHERE name = '"""
    + SUPPRESSION_KEY
    + """'),
                'sha256'), 'hex')
        ) THEN
            RETURN NULL;
        END IF;
        RETURN NEW;
    END
    $guard$;
    """
    + "".join(
        f"CREATE TRIGGER forgotten_{table} BEFORE INSERT OR UPDATE OF email ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION newsletter_skip_forgotten();\n"
        for table in ADDRESS_TABLES
    )
)

# Each write of a row to a table the import fills (set-wise, copy_import.py) may pass the
# guard only when this transaction-local setting holds the writing transaction's own id: the
# import sets it with set_config(…, true) around its one statement, which checks the keyed
# hashes itself, for every row, against the same snapshot, and clears it right after.  A
# setting left by mistake (a session-wide SET, another transaction's value) opens nothing.
IMPORT_CHECKED = "newsletter.forgotten_checked"
_GUARD_UNLESS_CHECKED = (
    f"WHEN (current_setting('{IMPORT_CHECKED}', true) IS DISTINCT FROM pg_current_xact_id()::text)"
)

# Step 8.  An address stays `citext` (every statement compares it without regard to case, as
# SQLite's NOCASE does), but the unique index of `subscribers` and `consents` is a plain text
# b-tree on lower(email) rather than citext's own: citext lower-cases both sides of each of
# the ~20 comparisons an insert makes in a b-tree, this lower-cases once.  The equality is
# the same one (citext's is lower() of both sides, byte for byte, in the database's
# collation), so the same addresses collide; a hash index on the citext column serves the
# look-ups by address (`email = ?`, joins), one lower() per row written.  Measured on the
# import's insert of 100,000 rows: 5.1 s of server CPU before, 3.1 s after, 1.9 s with the
# guard passed as IMPORT_CHECKED allows.  Writers name the unique index by its expression,
# `ON CONFLICT ((lower(email::text)))` (connection.address_key).  The guard's trigger on the
# two tables is made again with the WHEN clause (ALTER cannot add one).
_ADDRESS_INDEXES = """
    ALTER TABLE subscribers DROP CONSTRAINT subscribers_email_key;
    CREATE UNIQUE INDEX subscribers_email_key ON subscribers ((lower(email::text)));
    CREATE INDEX subscribers_by_email ON subscribers USING hash (email);
    ALTER TABLE consents DROP CONSTRAINT consents_pkey;
    CREATE UNIQUE INDEX consents_email_key ON consents ((lower(email::text)));
    CREATE INDEX consents_by_email ON consents USING hash (email);
"""
_GUARD_UNLESS_IMPORT_CHECKED = "".join(
    f"DROP TRIGGER forgotten_{table} ON {table};\n"
    f"CREATE TRIGGER forgotten_{table} BEFORE INSERT OR UPDATE OF email ON {table}"
    f" FOR EACH ROW {_GUARD_UNLESS_CHECKED} EXECUTE FUNCTION newsletter_skip_forgotten();\n"
    for table in ("subscribers", "consents")
)
ADDRESS_KEYS = _ADDRESS_INDEXES + _GUARD_UNLESS_IMPORT_CHECKED

# Step 11.  The journal's trigger gets the same WHEN: the send's outcome statements
# (newsletter/send/outcome_committer.py) check the keyed hashes themselves, once per statement
# while nobody is forgotten (`not_forgotten`), and open the guard for their own transaction
# alone.  The trigger was a third of an outcome's insert on the server (a PL/pgSQL call and a
# look at `suppressions` per row: 24 -> 17 us a row, docs/postgresql-measurements.md "Part 11").
# Any other writer of `deliveries` (the welcome's journal, a fence's recording again, raw SQL) still
# goes through the trigger.
JOURNAL_GUARD = (
    "DROP TRIGGER forgotten_deliveries ON deliveries;\n"
    "CREATE TRIGGER forgotten_deliveries BEFORE INSERT OR UPDATE OF email ON deliveries"
    f" FOR EACH ROW {_GUARD_UNLESS_CHECKED} EXECUTE FUNCTION newsletter_skip_forgotten();\n"
)

# Step 12.  The journal's key as step 8 made the list's: a unique b-tree on (issue_id,
# lower(email::text)) instead of citext's on (issue_id, email), which lower-cased both sides
# of each of the ~20 comparisons an outcome's upsert makes (in a UTF-8 locale, through wide
# characters).  The equality is the same one, so the same addresses collide.  Measured on the
# outcome statement of 20,000 rows with the trigger passed: 17 -> 8.5 us of the backend's
# CPU a row (docs/postgresql-measurements.md, "Part 12").  Writers name it `ON CONFLICT (issue_id,
# (lower(email::text)))` (connection.delivery_key) and every look-up of a delivery by address
# compares `lower(d.email::text)` (connection.same_address): citext's `=` would find no index
# and read every delivery of the issue.
DELIVERY_KEY = """
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
    CREATE UNIQUE INDEX deliveries_key ON deliveries (issue_id, (lower(email::text)));
"""


def not_forgotten(address: str) -> str:
    """A WHERE condition for a statement that writes `address` (an SQL expression) to a
    table whose trigger has `_GUARD_UNLESS_CHECKED`: it opens the guard for the statement's own
    transaction (set_config of IMPORT_CHECKED, an InitPlan: run once, before the first row
    reaches the insert) and keeps out a forgotten address as the trigger would, by the same
    keyed hash; while nobody is forgotten that is one look at `suppressions` per statement."""
    return (
        f"(SELECT set_config('{IMPORT_CHECKED}', pg_current_xact_id()::text, true)) IS NOT NULL"
        " AND NOT (EXISTS (SELECT 1 FROM suppressions) AND EXISTS ("
        "SELECT 1 FROM suppressions f WHERE f.hash = encode(hmac("
        f"convert_to(lower(btrim({address})), 'UTF8'),"
        f" (SELECT key FROM signing_keys WHERE name = '{SUPPRESSION_KEY}'), 'sha256'), 'hex')))"
    )


POSTGRES_MIGRATIONS: tuple[str, ...] = (
    # 1: subscribers, the suppression list, and the delivery journal.
    """
    CREATE EXTENSION IF NOT EXISTS citext;
    CREATE TABLE subscribers (
        id       BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        email    CITEXT NOT NULL UNIQUE,
        name     TEXT NOT NULL DEFAULT '',
        fields   TEXT NOT NULL DEFAULT '{}',
        status   TEXT NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'unsubscribed', 'bounced')),
        created  TEXT NOT NULL,
        updated  TEXT NOT NULL
    );
    CREATE INDEX subscribers_by_status ON subscribers (status, id);
    CREATE TABLE unsubscribes (
        email    CITEXT PRIMARY KEY,
        at       TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        issue_id    TEXT NOT NULL,
        email       CITEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT NOT NULL DEFAULT '',
        message_id  TEXT NOT NULL DEFAULT '',
        updated     TEXT NOT NULL,
        PRIMARY KEY (issue_id, email)
    );
    """,
    # 2: `unknown` deliveries (the reply was lost).
    """
    ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check;
    ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
        CHECK (status IN ('pending', 'sent', 'failed', 'unknown'));
    """,
    # 3: the audience service: keys, consent, forgotten addresses, sign-ups, rate limits,
    # bounce and complaint intake.
    """
    CREATE TABLE signing_keys (
        name     TEXT PRIMARY KEY,
        key      BYTEA NOT NULL,
        created  TEXT NOT NULL
    );
    CREATE TABLE consents (
        email    CITEXT PRIMARY KEY,
        source   TEXT NOT NULL CHECK (source IN ('form', 'import', 'cli')),
        at       TEXT NOT NULL,
        client   TEXT NOT NULL DEFAULT '',
        wording  TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE suppressions (
        hash     TEXT PRIMARY KEY,
        at       TEXT NOT NULL
    );
    CREATE TABLE signups (
        token_hash  TEXT PRIMARY KEY,
        email       CITEXT NOT NULL,
        name        TEXT NOT NULL DEFAULT '',
        client      TEXT NOT NULL DEFAULT '',
        wording     TEXT NOT NULL DEFAULT '',
        created     TEXT NOT NULL,
        expires     TEXT NOT NULL,
        used        TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX signups_by_email ON signups (email);
    CREATE TABLE rate_hits (
        bucket   TEXT NOT NULL,
        at       DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX rate_hits_by_bucket ON rate_hits (bucket, at);
    CREATE TABLE bounce_reports (
        message_id  TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        issue_id    TEXT NOT NULL DEFAULT '',
        at          TEXT NOT NULL
    );
    CREATE TABLE soft_bounces (
        email     CITEXT NOT NULL,
        original  TEXT NOT NULL,
        issue_id  TEXT NOT NULL DEFAULT '',
        at        TEXT NOT NULL,
        PRIMARY KEY (email, original)
    );
    """,
    # 4: why an address bounced or complained.
    """
    CREATE TABLE status_reasons (
        email       CITEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('bounce', 'complaint', 'refused')),
        code        TEXT NOT NULL DEFAULT '',
        diagnostic  TEXT NOT NULL DEFAULT '',
        at          TEXT NOT NULL,
        message_id  TEXT NOT NULL DEFAULT ''
    );
    """,
    # 5: first names.
    """
    ALTER TABLE subscribers ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE signups ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
    """,
    # 6: the forgotten-address guard, as SQLite's triggers (forgotten.py): a row naming a
    # forgotten address is skipped in every table that holds addresses, whoever writes it.
    FORGOTTEN_GUARD,
    # 7: several senders on one issue: the merge.eml hash, the senders and their leases, the
    # readers each has claimed (newsletter/send/shared_journal.py).
    """
    CREATE TABLE send_issues (
        issue_id      TEXT PRIMARY KEY,
        merge_hash    TEXT NOT NULL,
        first_sender  TEXT NOT NULL,
        at            TEXT NOT NULL
    );
    CREATE TABLE senders (
        sender_id    TEXT PRIMARY KEY,
        issue_id     TEXT NOT NULL,
        host         TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        started      TIMESTAMPTZ NOT NULL,
        lease_until  TIMESTAMPTZ NOT NULL,
        finished     TIMESTAMPTZ
    );
    CREATE INDEX senders_by_issue ON senders (issue_id);
    CREATE TABLE send_claims (
        issue_id       TEXT NOT NULL,
        subscriber_id  BIGINT NOT NULL,
        sender_id      TEXT NOT NULL,
        claimed_at     TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (issue_id, subscriber_id)
    );
    CREATE INDEX send_claims_by_sender ON send_claims (sender_id);
    """,
    # 8: a faster unique address for the list and its consent (an import of a million took
    # 79 s, most of it the server's): see ADDRESS_KEYS and IMPORT_CHECKED.
    ADDRESS_KEYS,
    # 9: the server's run each sender last renewed its lease on (pg_postmaster_start_time):
    # a sender cut off by a restart or a failover may hold accepted messages in its
    # workspace's recovery file, so its readers wait for that workspace (sender_lease.py).
    """
    ALTER TABLE senders ADD COLUMN server_epoch TEXT NOT NULL DEFAULT '';
    """,
    # 10: the unsubscribe key's check beside merge.eml's hash (newsletter/send/merge_check.py):
    # NULL for a send begun earlier, whose key is then not compared.  A send begun by the
    # version that packed both into merge_hash as `HASH key:CHECK` is split here.
    """
    ALTER TABLE send_issues ADD COLUMN key_check TEXT;
    UPDATE send_issues
        SET key_check = split_part(merge_hash, ' key:', 2),
            merge_hash = split_part(merge_hash, ' key:', 1)
        WHERE strpos(merge_hash, ' key:') > 0;
    """,
    # 11: the journal's guard passed by the send's outcome statements, which check the
    # forgotten addresses themselves (JOURNAL_GUARD, `not_forgotten`).
    JOURNAL_GUARD,
    # 12: the journal keyed on the lower-cased address, as step 8 keyed the list (DELIVERY_KEY).
    DELIVERY_KEY,
)
# One version number means one schema on both backends.
assert len(POSTGRES_MIGRATIONS) == len(MIGRATIONS)
SCHEMA_VERSION = len(POSTGRES_MIGRATIONS)


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What an upgrade found and left: the schema version before and after."""

    before: int
    after: int


def schema_version(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    """The database's schema version; 0 for a database newsletter has not used yet."""
    row = conn.execute("SELECT to_regclass('newsletter_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    version = conn.execute("SELECT version FROM newsletter_schema").fetchone()
    return int(str(version[0])) if version else 0


def upgrade_postgres(
    conn: psycopg.Connection[tuple[Any, ...]], server: PostgresUrl, *, writing: bool = True
) -> Upgrade:
    """Bring the database to SCHEMA_VERSION under the schema lock; refuse a newer one, and
    (`writing`) one whose locale lower-cases ASCII letters otherwise than SQLite's NOCASE.

    Every failure is one line naming the server: a refused statement (a timeout, a
    read-only standby) as statement_error says, a missing right to create as what to grant.
    """
    try:
        if writing:
            _refuse_own_ascii_folding(conn, server)
        return _upgrade(conn, server)
    except psycopg.errors.InsufficientPrivilege as e:
        raise SubscriberError(_no_right_to_create(server, e)) from None
    except psycopg.Error as e:
        raise statement_error(server, e) from None


def _no_right_to_create(server: PostgresUrl, e: psycopg.Error) -> str:
    """The line for a user who may not create the tables: the server's own first line (not its
    echo of the statement) and the two commands that give the right, with this URL's names.
    "Needs CREATE on the database" was not it: since PostgreSQL 15 tables in `public` need
    CREATE on that schema, which a database's owner has (and the extensions need the owner)."""
    said = " ".join((e.diag.message_primary or str(e)).split())[:200]
    parts = urllib.parse.urlsplit(server.url)
    user = urllib.parse.unquote(parts.username or "") or "<the URL's user>"
    dbname = urllib.parse.unquote(parts.path.lstrip("/")) or "<the database>"
    return (
        f"{server.where}: cannot upgrade the schema to version {SCHEMA_VERSION} ({said}); the "
        f'user may not create its tables: have an administrator run ALTER DATABASE "{dbname}" '
        f'OWNER TO "{user}" (or GRANT CREATE ON SCHEMA public TO "{user}", with the citext and '
        "pgcrypto extensions created), then run the command again"
    )


def _upgrade(conn: psycopg.Connection[tuple[Any, ...]], server: PostgresUrl) -> Upgrade:
    before = schema_version(conn)
    _refuse_newer(before, server)
    if before == SCHEMA_VERSION:
        return Upgrade(before, before)  # the usual case: no lock taken
    with conn.transaction():
        # Every upgrader waits here; the version is read again under the lock.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS newsletter_schema ("
            " version INTEGER NOT NULL, one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one))"
        )
        conn.execute("INSERT INTO newsletter_schema (version) VALUES (0) ON CONFLICT DO NOTHING")
        version = schema_version(conn)
        _refuse_newer(version, server)
        for script in POSTGRES_MIGRATIONS[version:]:
            conn.execute(script.encode())  # no parameters: one simple query, several statements
        conn.execute("UPDATE newsletter_schema SET version = %s", (SCHEMA_VERSION,))
    return Upgrade(before, SCHEMA_VERSION)


_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _refuse_own_ascii_folding(
    conn: psycopg.Connection[tuple[Any, ...]], server: PostgresUrl
) -> None:
    """One line for a database whose default collation lower-cases an ASCII letter otherwise
    than SQLite's NOCASE (a Turkish or Azerbaijani locale: `I` becomes `ı`).  citext and the
    unique address keys fold with it, and the forgotten-address guard hashes what it folds:
    there `KIM@example.org` and `kim@example.org` were two readers, so an unsubscribed or
    forgotten reader came back by an import in another case.  Addresses are ASCII."""
    row = conn.execute("SELECT lower(%s)", (_ASCII_UPPER,)).fetchone()
    folded = str(row[0]) if row else _ASCII_UPPER.lower()
    if folded == _ASCII_UPPER.lower():
        return
    pairs = zip(_ASCII_UPPER, folded, _ASCII_UPPER.lower(), strict=False)
    upper, own = next((u, f) for u, f, ascii in pairs if f != ascii)
    raise SubscriberError(
        f"{server.where}: this database's locale lower-cases '{upper}' as '{own}', so "
        "addresses would not compare as newsletter compares them (an unsubscribed or "
        "forgotten reader could come back in another case); create a database whose locale "
        "folds ASCII as English does (CREATE DATABASE … TEMPLATE template0 LOCALE 'C.UTF-8'), "
        "move the list there with `newsletter db copy`, and point `database` at it"
    )


def _refuse_newer(version: int, server: PostgresUrl) -> None:
    if version > SCHEMA_VERSION:
        raise SubscriberError(
            f"{server.where}: made by a newer newsletter (schema {version}, this one knows "
            f"up to {SCHEMA_VERSION}); upgrade newsletter on this host before using it"
        )
