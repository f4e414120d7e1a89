"""What the audience endpoints do to the database, without any HTTP: `Audience`.

The database is the workspace's: newsletter.db, or the PostgreSQL server `database` names
(one connection per worker, server_link.py, which connects again after the server was
lost); the same statements run on both.

Unsubscribe and resubscribe take a reader's signed token (newsletter/mail/
unsubscribe.py); a sign-up stores a single-use, expiring confirmation token
(only its SHA-256 is kept), and confirming it makes the reader active with a
consent record.  Every change is one transaction, committed before the method
returns, so the HTTP answer is never ahead of the database.

Nothing here says whether an address is on the list: each method's result
is the same for a new, pending, active, unsubscribed or forgotten address.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from newsletter.config import Settings
from newsletter.errors import NewsletterError
from newsletter.mail.unsubscribe import unsubscribe_links, verify_token
from newsletter.serve.rate_limit import RateLimiter, address_block, inbox_of
from newsletter.serve.server_link import THREADS, DatabaseDown, ServerLink
from newsletter.stored_text import storable_text
from newsletter.subscribers.addresses import InvalidAddress, normalize_address
from newsletter.subscribers.connection import Connection
from newsletter.subscribers.consent import record_consent
from newsletter.subscribers.database import open_database
from newsletter.subscribers.forgotten import open_address, seal_address
from newsletter.subscribers.schema import upgrade_database
from newsletter.subscribers.store import SubscriberStore
from newsletter.subscribers.suppression import is_forgotten, unforget
from newsletter.welcome.delivery import queue_welcome

CONFIRM_TOKEN_BYTES = 32
MAX_CONFIRM_TOKEN_CHARS = 64
FORM_TOKEN_SECONDS = 24 * 3600  # a sign-up form stays usable this long after it was served
HOUR, DAY = 3600.0, 86400.0


@dataclass(frozen=True, slots=True)
class SignupRequest:
    """A sign-up accepted for confirmation: where to send the link (nothing about the list)."""

    email: str
    name: str
    token: str  # goes into the confirmation link only; the database keeps its hash


class RateLimited(Exception):
    """Too many sign-ups from this client or for this address; retry after `retry_after` s."""

    def __init__(self, retry_after: float, which: str) -> None:
        super().__init__(which)
        self.retry_after = max(1, int(retry_after + 0.999))
        self.which = which  # "client" or "address", for the log line


class Audience:
    """The list as the server sees it: on SQLite one connection, used from one thread at a
    time; on PostgreSQL one connection per database thread (`threads` of them).

    The server calls it from its database thread(s) (database_thread.py), never from the
    event loop: a wait for a lock must not stall requests that need no database.  It keeps
    no state of its own between calls, so the threads may call it side by side.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] | None = None,
        upgrade: bool = True,
    ) -> None:
        """`upgrade` False: a worker process of `serve --workers N`, whose parent logged in,
        upgraded the schema and read the unsubscribe key before listening; it must start while
        the server is down (it answers 503 until it is back, instead of dying at startup)."""
        self.settings = settings
        self.clock = clock or time.time
        self.conn: Connection
        self._checkpointer: WalCheckpointer | None = None
        self.threads = 1  # database threads the server may run calls on at once
        server = settings.database_server
        if server is not None:
            if upgrade:
                upgrade_database(settings)  # a first use makes the schema, under its lock
            self.conn = ServerLink(server)
            self.threads = THREADS
        else:
            self.conn = self._open_sqlite(settings.database_file("serve"))
        self.store = SubscriberStore(self.conn)
        links = unsubscribe_links(settings)
        self.list_id = links.list_id
        self._key = links.key  # from the environment, else made once in the database
        if upgrade:  # a key that cannot be read or made: one line before listening
            self._key.get()
        elif server is not None:
            # A worker reads it now if it can: the sign-up form is signed with it, and a
            # worker that waited for its first use answered the form 503 through an outage
            # that began before it signed one.  Down now, it reads it at that first use.
            with contextlib.suppress(NewsletterError):
                self._key.get()
        self.limiter = RateLimiter(self.conn, self._keyed("rate"))

    @property
    def secret(self) -> bytes:
        """The unsubscribe key.  A worker started while the database was down reads it at its
        first use: until the server is back that request is DatabaseDown (a 503)."""
        try:
            return self._key.get()
        except NewsletterError as e:
            raise DatabaseDown(str(e)) from None

    def _open_sqlite(self, path: Path) -> sqlite3.Connection:
        conn = open_database(path)
        conn.execute("PRAGMA busy_timeout = 5000")
        # A commit in WAL mode with synchronous=NORMAL never waits for the disk; a checkpoint
        # does (fsync), and SQLite runs it inside whichever commit crosses 1,000 pages: a
        # stall of up to hundreds of ms for that request.  So this connection never
        # checkpoints; a thread of ours does, every second, beside the requests.
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._checkpointer = WalCheckpointer(path)
        return conn

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.conn.close()

    # Unsubscribing -------------------------------------------------------------------------

    def address_of(self, token: str) -> str | None:
        """The address a reader's token was signed for, or None (forged, altered, malformed)."""
        return verify_token(token, self.secret, self.list_id)

    def unsubscribe(self, token: str) -> tuple[str | None, str]:
        """Unsubscribe the token's reader, committed: the address (None for a bad token), and
        the undo's stamp: when an active reader was unsubscribed by this call, else "" (only
        then may the answer offer an undo, bound to this very unsubscribe: `undo_purpose`)."""
        address = self.address_of(token)
        if address is None:
            return None, ""
        now = self._now()
        with self._transaction():
            # A forgotten address has no row (get: None) and set_status stores nothing about
            # it: no look of our own first (on PostgreSQL each statement is a round trip).
            current = self.store.get(address)
            was_active = current is not None and current.status == "active"
            self.store.set_status(address, "unsubscribed", now=now)
        return address, now if was_active else ""

    def resubscribe(self, token: str, form_token: str) -> str | None:
        """Undo the token's reader's unsubscribe with the form its page offered; the address,
        or None when the token is bad or the form is not the undo of their latest change.

        The form token is bound to the unsubscribe it undoes (the time it stamped on the
        reader): once the reader is active again, or has left again since, it undoes
        nothing.  Kept and posted later it would put back a reader who left on their own.
        """
        address = self.address_of(token)
        if address is None:
            return None
        with self._transaction():
            current = self.store.get(address)
            if current is None or current.status != "unsubscribed":
                return None
            if not self.form_token_valid(form_token, undo_purpose(token, current.updated)):
                return None
            self.store.set_status(address, "active", now=self._now())
        return address

    # Signing up ----------------------------------------------------------------------------

    def form_token(self, purpose: str = "") -> str:
        """A token for one served form: its time and purpose, signed (no cookie, no session).

        The sign-up form's purpose is ""; a resubscribe form's names the reader's token,
        so it works for that reader only.
        """
        stamp = str(int(self.clock()))
        return f"{stamp}.{self._form_signature(stamp, purpose)}"

    def form_token_valid(self, token: str, purpose: str = "") -> bool:
        """True for a token this server made, for this purpose, within the last day."""
        stamp, _, signature = token.partition(".")
        if not stamp.isdigit() or len(stamp) > 12 or not signature.isascii():
            return False
        age = self.clock() - int(stamp)
        expected = self._form_signature(stamp, purpose)
        return -60 <= age <= FORM_TOKEN_SECONDS and hmac.compare_digest(expected, signature)

    def _form_signature(self, stamp: str, purpose: str) -> str:
        return self._keyed("form")(f"{stamp}:{purpose}" if purpose else stamp)[:32]

    def request_signup(
        self, email_text: str, name: str, client: str, wording: str, first_name: str = ""
    ) -> SignupRequest:
        """Store a pending sign-up (rate-limited) and return the confirmation to mail.

        InvalidAddress for an address that cannot be mailed; RateLimited when this
        client or this address asked too often.  The result is the same whatever the
        address's standing on the list.
        """
        email = normalize_address(email_text)
        name = storable_text(name, 200)  # a NUL from the form: PostgreSQL would refuse it
        first_name = storable_text(first_name, 100)
        now = self.clock()
        serve = self.settings.serve
        with self._transaction():
            block = address_block(client)  # an IPv6 client counts as its /64
            wait = self.limiter.hit(f"client:{block}", serve.client_limit, HOUR, now)
            if wait:
                raise RateLimited(wait, "client")
            wait = self.limiter.hit(f"address:{inbox_of(email)}", serve.address_limit, DAY, now)
            if wait:
                raise RateLimited(wait, "address")
            self.limiter.prune(now, DAY)  # the longest window: older attempts count for nothing
            token = _urlsafe(os.urandom(CONFIRM_TOKEN_BYTES))
            # A forgotten address is kept only sealed by the token (the store refuses it plain).
            stored = seal_address(token, email) if is_forgotten(self.conn, email) else email
            expires = now + serve.confirm_days * DAY
            self.conn.execute(
                "DELETE FROM signups WHERE expires < ?", (_stamp(now - DAY),)
            )  # forget stale ones as new ones come
            self.conn.execute(
                "INSERT INTO signups (token_hash, email, name, client, wording, created, expires,"
                " first_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _hash(token),
                    stored,
                    name,
                    client,
                    wording,
                    _stamp(now),
                    _stamp(expires),
                    first_name,
                ),
            )
        return SignupRequest(email, name, token)

    def confirm(self, token: str) -> bool:
        """Activate the sign-up a confirmation token stands for; False if used, expired or forged.

        With `[welcome] enabled`, the reader's welcome is queued in the same transaction
        (newsletter/welcome/delivery.py): the caller's Welcomer sends it.

        Single use: the token is spent in the same transaction that makes the reader
        active, so a replay (or two workers racing) changes nothing.  An unsubscribed,
        bounced or forgotten reader who confirms is subscribed again: their own choice.
        """
        if not token or len(token) > MAX_CONFIRM_TOKEN_CHARS or not token.isascii():
            return False
        now = self._now()
        with self._transaction():
            # Spent and read in one statement: of two workers confirming at once on
            # PostgreSQL, the second waits for the first's row lock, then finds it used.
            row = self.conn.execute(
                "UPDATE signups SET used = ? WHERE token_hash = ? AND used = '' AND expires > ?"
                " RETURNING email, name, client, wording, first_name",
                (now, _hash(token), now),
            ).fetchone()
            if row is None:
                return False
            stored, name, client, wording, first_name = row
            email = open_address(token, stored)
            unforget(self.conn, email)
            self.store.upsert(
                email, name or None, resubscribe=True, now=now, first_name=first_name or None
            )
            record_consent(self.conn, email, "form", now=now, client=client, wording=wording)
            self.conn.execute("DELETE FROM soft_bounces WHERE email = ?", (email,))
            if self.settings.welcome.enabled:  # once per reader: a welcome already there stays
                queue_welcome(self.conn, email, now)
        return True

    # ---------------------------------------------------------------------------------------

    def _now(self) -> str:
        return _stamp(self.clock())

    def _keyed(self, purpose: str) -> Callable[[str], str]:
        derived: list[bytes] = []  # made at the first call: the key may not be readable yet

        def keyed(value: str) -> str:
            if not derived:
                label = f"newsletter-serve:{purpose}".encode()
                derived.append(hmac.new(self.secret, label, hashlib.sha256).digest())
            return hmac.new(derived[0], value.encode(), hashlib.sha256).hexdigest()

        return keyed

    def _transaction(self) -> _Transaction:
        return _Transaction(self.conn)


class WalCheckpointer:
    """A thread checkpointing newsletter.db's WAL every `every` seconds (PASSIVE: never blocks)."""

    def __init__(self, path: Path, every: float = 1.0) -> None:
        self._path = path
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, timeout=1, isolation_level=None)
        try:
            while not self._stopped.wait(self._every):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:  # busy or gone: the next round tries again
                    continue
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(5)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on an exception): one commit per change.

    On PostgreSQL BEGIN IMMEDIATE is BEGIN (connection.py); a connection lost inside the
    transaction is not in one any more, and its transaction is gone with it.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


def undo_purpose(token: str, unsubscribed_at: str) -> str:
    """What a Resubscribe form's token is bound to: this reader's token and the unsubscribe
    (its time, as stored on the reader) that the form undoes."""
    return f"resubscribe:{token}:{unsubscribed_at}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _urlsafe(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _stamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["Audience", "InvalidAddress", "RateLimited", "SignupRequest"]
