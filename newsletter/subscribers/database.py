"""newsletter.db: one SQLite file for the list, the unsubscribes and the delivery journal.

Created on first use, in WAL mode so a send's journal writes never block a
reader (`subscribers list`, `send --status`) and a commit survives a killed
process.  The schema is versioned with `PRAGMA user_version`: each entry of
MIGRATIONS moves a database one version up, inside a transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from pathlib import Path

from newsletter.errors import SubscriberError, display_path
from newsletter.subscribers.forgotten import guard_forgotten

MIGRATIONS: tuple[str, ...] = (
    # 1: subscribers, the suppression list, and the delivery journal.
    """
    CREATE TABLE subscribers (
        id       INTEGER PRIMARY KEY,
        email    TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name     TEXT NOT NULL DEFAULT '',
        fields   TEXT NOT NULL DEFAULT '{}',  -- JSON object: the extra CSV columns, as merge fields
        status   TEXT NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'unsubscribed', 'bounced')),
        created  TEXT NOT NULL,
        updated  TEXT NOT NULL
    );
    CREATE INDEX subscribers_by_status ON subscribers (status, id);
    -- Outlives `subscribers remove`: an address that left is never re-added by an import.
    CREATE TABLE unsubscribes (
        email    TEXT PRIMARY KEY COLLATE NOCASE,
        at       TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        issue_id    TEXT NOT NULL,
        email       TEXT NOT NULL COLLATE NOCASE,
        status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT NOT NULL DEFAULT '',
        message_id  TEXT NOT NULL DEFAULT '',
        updated     TEXT NOT NULL,
        PRIMARY KEY (issue_id, email)
    ) WITHOUT ROWID;  -- one b-tree, no second index: each commit writes fewer pages
    """,
    # 2: `unknown` deliveries: the message went out but its reply was lost (never re-sent
    # automatically).  SQLite cannot alter a CHECK constraint, so the table is rebuilt.
    """
    CREATE TABLE deliveries_v2 (
        issue_id    TEXT NOT NULL,
        email       TEXT NOT NULL COLLATE NOCASE,
        status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unknown')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT NOT NULL DEFAULT '',
        message_id  TEXT NOT NULL DEFAULT '',
        updated     TEXT NOT NULL,
        PRIMARY KEY (issue_id, email)
    ) WITHOUT ROWID;
    INSERT INTO deliveries_v2 SELECT issue_id, email, status, attempts, last_error,
        message_id, updated FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_v2 RENAME TO deliveries;
    """,
    # The audience service (issue 9): signing keys, consent, forgotten addresses, sign-ups,
    # rate limits, bounce and complaint intake.  See newsletter/subscribers/consent.py,
    # suppression.py, newsletter/serve/ and newsletter/bounces/.
    """
    -- Random keys made on first use (the unsubscribe-token key, the suppression-hash key).
    CREATE TABLE signing_keys (
        name     TEXT PRIMARY KEY,
        key      BLOB NOT NULL,
        created  TEXT NOT NULL
    );
    -- How each subscriber came to be on the list (the latest consent).
    CREATE TABLE consents (
        email    TEXT PRIMARY KEY COLLATE NOCASE,
        source   TEXT NOT NULL CHECK (source IN ('form', 'import', 'cli')),
        at       TEXT NOT NULL,
        client   TEXT NOT NULL DEFAULT '',   -- the form's client address
        wording  TEXT NOT NULL DEFAULT ''    -- the version of the form's consent wording
    );
    -- Forgotten addresses, as keyed hashes only: no import or add brings them back.
    CREATE TABLE suppressions (
        hash     TEXT PRIMARY KEY,
        at       TEXT NOT NULL
    ) WITHOUT ROWID;
    -- Sign-ups waiting for their confirmation link (single use, expiring).
    CREATE TABLE signups (
        token_hash  TEXT PRIMARY KEY,
        email       TEXT NOT NULL COLLATE NOCASE,
        name        TEXT NOT NULL DEFAULT '',
        client      TEXT NOT NULL DEFAULT '',
        wording     TEXT NOT NULL DEFAULT '',
        created     TEXT NOT NULL,
        expires     TEXT NOT NULL,
        used        TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    CREATE INDEX signups_by_email ON signups (email);
    -- Sign-up attempts per hashed client or address, for the rate limits (shared by workers).
    CREATE TABLE rate_hits (
        bucket   TEXT NOT NULL,
        at       REAL NOT NULL
    );
    CREATE INDEX rate_hits_by_bucket ON rate_hits (bucket, at);
    -- Each bounce, complaint or mailed unsubscribe processed, by Message-ID: a re-run skips it.
    CREATE TABLE bounce_reports (
        message_id  TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,   -- hard, soft, complaint, unsubscribe, unmatched, ignored
        issue_id    TEXT NOT NULL DEFAULT '',
        at          TEXT NOT NULL
    ) WITHOUT ROWID;
    -- Soft bounces per subscriber and returned message; `bounce.soft_limit` in a row: bounced.
    CREATE TABLE soft_bounces (
        email     TEXT NOT NULL COLLATE NOCASE,
        original  TEXT NOT NULL,
        issue_id  TEXT NOT NULL DEFAULT '',
        at        TEXT NOT NULL,
        PRIMARY KEY (email, original)
    ) WITHOUT ROWID;
    """,
    # 4: why an address bounced or complained (newsletter/subscribers/status_reasons.py).
    """
    CREATE TABLE status_reasons (
        email       TEXT PRIMARY KEY COLLATE NOCASE,
        kind        TEXT NOT NULL CHECK (kind IN ('bounce', 'complaint', 'refused')),
        code        TEXT NOT NULL DEFAULT '',   -- 5.1.1, or the reply's 550
        diagnostic  TEXT NOT NULL DEFAULT '',   -- the server's words, one line
        at          TEXT NOT NULL,              -- the report's date (the refusal's, at sending)
        message_id  TEXT NOT NULL DEFAULT ''    -- the report's (the refused message's, at sending)
    ) WITHOUT ROWID;
    """,
    # 5: first names (`name` stays the full name): the CSV's `first_name`, the form's field.
    """
    ALTER TABLE subscribers ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
    ALTER TABLE signups ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
    """,
    # 6: the forgotten-address guard in the schema.  On SQLite it is TEMP triggers that each
    # connection adds (forgotten.guard_forgotten), so the file holds nothing new; PostgreSQL's
    # step stores its trigger function (postgres_schema.py).  The step keeps one number
    # meaning one schema on both.
    """
    SELECT 1;
    """,
    # 7: several senders on one issue (PostgreSQL: newsletter/send/shared_journal.py).  The
    # tables exist on SQLite too, so one version means one schema, but stay empty there: a
    # second sender on a SQLite file is refused by the send lock.
    """
    CREATE TABLE send_issues (
        issue_id      TEXT PRIMARY KEY,
        merge_hash    TEXT NOT NULL,     -- sha256 of merge.eml (and its variants) at first claim
        first_sender  TEXT NOT NULL,
        at            TEXT NOT NULL
    );
    CREATE TABLE senders (
        sender_id    TEXT PRIMARY KEY,   -- host:pid:random
        issue_id     TEXT NOT NULL,
        host         TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        started      TEXT NOT NULL,
        lease_until  TEXT NOT NULL,      -- renewed while sending; past it, its claims are free
        finished     TEXT                -- set by a sender that ended (not one killed)
    );
    CREATE INDEX senders_by_issue ON senders (issue_id);
    CREATE TABLE send_claims (
        issue_id       TEXT NOT NULL,
        subscriber_id  INTEGER NOT NULL,
        sender_id      TEXT NOT NULL,
        claimed_at     TEXT NOT NULL,
        PRIMARY KEY (issue_id, subscriber_id)
    ) WITHOUT ROWID;
    CREATE INDEX send_claims_by_sender ON send_claims (sender_id);
    """,
    # 8: PostgreSQL's unique address of `subscribers` and `consents` becomes a text index on
    # lower(email), and its import may pass the forgotten-address trigger for rows it checked
    # itself (postgres_schema.py).  SQLite's NOCASE index and per-connection triggers stay as
    # they are; the step keeps one number meaning one schema on both.
    """
    SELECT 1;
    """,
    # 9: each sender's server run (PostgreSQL: the readers of a sender cut off by a restart or
    # a failover wait for its workspace; newsletter/send/sender_lease.py).  Empty on SQLite.
    """
    ALTER TABLE senders ADD COLUMN server_epoch TEXT NOT NULL DEFAULT '';
    """,
    # 10: the unsubscribe key's check beside merge.eml's hash (newsletter/send/merge_check.py):
    # NULL for a send begun earlier (its key is not compared).  A send begun by the version
    # that packed both into merge_hash as `HASH key:CHECK` is split here.  Empty on SQLite.
    """
    ALTER TABLE send_issues ADD COLUMN key_check TEXT;
    UPDATE send_issues
        SET key_check = substr(merge_hash, instr(merge_hash, ' key:') + 5),
            merge_hash = substr(merge_hash, 1, instr(merge_hash, ' key:') - 1)
        WHERE instr(merge_hash, ' key:') > 0;
    """,
    # 11: PostgreSQL's journal guard passed by the send's own checked statements
    # (postgres_schema.JOURNAL_GUARD).  Nothing on SQLite: its guard is per connection.
    """
    SELECT 1;
    """,
    # 12: PostgreSQL's journal keyed on the lower-cased address (postgres_schema.DELIVERY_KEY).
    # Nothing on SQLite: its key is the NOCASE column, as before.
    """
    SELECT 1;
    """,
)

# How long a write waits for a busy database (another process writing, such as an import,
# which commits at least every second), per try; the journal tries again for longer.
BUSY_TIMEOUT = 10.0


_DISK_HINT = "is its disk full or failing? free space, then run the command again"


def open_database(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create or upgrade) newsletter.db; autocommit, WAL, synchronous=NORMAL."""
    shown = display_path(path)
    if not create and not path.exists():
        raise SubscriberError(
            f"{shown}: no database yet; add subscribers first "
            "(`newsletter subscribers import list.csv`)"
        )
    _refuse_hard_links(path, shown)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: every statement outside an explicit BEGIN commits at once;
        # check_same_thread=False: the sender's threads share one writer, under its lock.
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "PRAGMA synchronous=NORMAL"
        )  # in WAL: a commit survives kill -9, not a power cut
        _migrate(conn)
        guard_forgotten(conn)  # no path writes a forgotten address: the policy lives here
    except sqlite3.DatabaseError as e:
        hint = (
            _DISK_HINT
            if "disk" in str(e) or "full" in str(e)
            else "check the `database` setting in newsletter.toml"
        )
        raise SubscriberError(f"{shown}: cannot open the database ({e}); {hint}") from None
    except OSError as e:
        raise SubscriberError(f"{shown}: cannot create the database ({e.strerror})") from None
    return conn


def _refuse_hard_links(path: Path, shown: str) -> None:
    """A database file with a second name (a hard link) is refused before SQLite opens it.

    SQLite keeps its write-ahead log beside each *name* (`<name>-wal`), so two names for
    one file give two logs for one database: writes through one are invisible to the
    other (two sends would each mail the whole list) and the file can be corrupted.  A
    symlink is safe: SQLite and the send lock both follow it to the one real file.
    """
    try:
        st = path.stat()
    except OSError:
        return  # not there yet (or unreadable: connecting says why)
    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
        raise SubscriberError(
            f"{shown}: this database file has {st.st_nlink} hard links (other names for the "
            "same file); SQLite keeps a separate journal per name, so sharing it that way can "
            "mail the list twice or corrupt it. Keep one name and point the other workspaces at "
            'it with `database = "/full/path/newsletter.db"` or a symlink (`ln -s`)'
        )


def _migrate(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
        return  # the usual case: no write lock taken
    # Under one write lock, read the version again: two processes opening an old database
    # at once must not both run the same step.
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(
                f"made by a newer version of newsletter (schema {version}); upgrade newsletter"
            )
        for script in MIGRATIONS[version:]:
            for statement in _statements(script):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """A script's statements one by one (executescript would commit the open transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return [s for s in statements if s.strip(" \n;")]


def is_busy(error: sqlite3.Error) -> bool:
    """True for the errors that mean another connection holds the database for now."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


def database_error(path: Path, e: sqlite3.Error, doing: str = "write to it") -> SubscriberError:
    """One line for a database that failed mid-command: which file, the cause, what to do."""
    text = " ".join(str(e).split())
    if is_busy(e):
        hint = "another command holds it for too long; try again in a moment"
    elif "disk" in text or "full" in text:
        hint = _DISK_HINT
    else:
        hint = "check the `database` setting in newsletter.toml"
    return SubscriberError(f"{display_path(path)}: cannot {doing} ({text}); {hint}")


def utc_now() -> str:
    """A timestamp as the database stores it: ISO 8601, UTC, to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
