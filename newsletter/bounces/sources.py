"""Where reports come from: an mbox file, a Maildir folder, or an IMAP mailbox over TLS.

`open_mailbox(where)` picks by the argument: `imaps://user@host[:port]/FOLDER`,
a folder holding cur/ new/ tmp/ (Maildir), or a file (mbox).  Each source
yields `(ref, bytes)` pairs and is told, after the intake committed a batch,
which refs are done: the IMAP source then flags them (`\\Seen` and the keyword
`NewsletterProcessed`) or moves them to `bounce.imap_folder`, as configured.
Files are only read: processing them again is harmless (intake.py skips
every Message-ID it has seen).
"""

from __future__ import annotations

import contextlib
import mailbox
import ssl
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from newsletter.errors import MailboxError, display_path

IMAP_PASSWORD_ENV = "NEWSLETTER_IMAP_PASSWORD"
PROCESSED_KEYWORD = "NewsletterProcessed"
FETCH_BATCH = 200


class Mailbox(Protocol):
    """A source of messages; see the module doc."""

    description: str

    def messages(self) -> Iterator[tuple[object, bytes]]: ...

    def done(self, refs: Sequence[object]) -> None: ...

    def close(self) -> None: ...


def open_mailbox(
    where: str,
    *,
    password: str | None = None,
    processed: str = "flag",
    folder: str = "Processed",
    ca_file: Path | None = None,
) -> Mailbox:
    """The mailbox `where` names; MailboxError saying what is wrong with it."""
    if where.startswith("imaps://"):
        return ImapMailbox(
            where, password=password, processed=processed, folder=folder, ca_file=ca_file
        )
    if where.startswith("imap://"):
        raise MailboxError(f"{where}: only IMAP over TLS is supported; use imaps://")
    path = Path(where)
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            raise MailboxError(
                f"{display_path(path)}: not a Maildir (no cur/, new/ and tmp/ inside)"
            )
        return FileMailbox(mailbox.Maildir(path, factory=None, create=False), path, "Maildir")
    if not path.exists():
        raise MailboxError(f"{display_path(path)}: no such file or folder")
    try:
        with path.open("rb") as f:
            start = f.read(5)
    except OSError as e:
        raise MailboxError(f"{display_path(path)}: cannot read ({e.strerror})") from None
    if start and start != b"From ":
        raise MailboxError(
            f"{display_path(path)}:1: not an mbox file (its first line should start with 'From ')"
        )
    return FileMailbox(mailbox.mbox(path, factory=None, create=False), path, "mbox")


class FileMailbox:
    """An mbox file or a Maildir folder, read only."""

    def __init__(self, box: mailbox.Mailbox, path: Path, kind: str) -> None:
        self.box = box
        self.path = path
        self.description = f"{kind} {display_path(path)}"

    def messages(self) -> Iterator[tuple[object, bytes]]:
        try:
            for key in self.box.iterkeys():
                try:
                    yield key, self.box.get_bytes(key)
                except KeyError:  # a Maildir message deleted while we read: gone, fine
                    continue
        except OSError as e:
            raise MailboxError(f"{display_path(self.path)}: cannot read ({e.strerror})") from None

    def done(self, refs: Sequence[object]) -> None:
        """Files are left as they are."""

    def close(self) -> None:
        self.box.close()


class ImapMailbox:
    """One IMAP folder over TLS (imaplib), certificates verified."""

    def __init__(
        self,
        url: str,
        *,
        password: str | None,
        processed: str,
        folder: str,
        ca_file: Path | None,
    ) -> None:
        import imaplib

        parts = urlsplit(url)
        self.host = parts.hostname or ""
        self.port = parts.port or 993
        self.user = unquote(parts.username or "")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.where = f"{self.host}:{self.port}"
        self.description = f"imaps://{self.user}@{self.where}/{self.folder}"
        self.processed, self.target = processed, folder
        if not self.host or not self.user:
            raise MailboxError(f"{url}: write it as imaps://user@imap.example.org/INBOX")
        if not password:
            raise MailboxError(
                f"{self.where}: no password for '{self.user}'; set {IMAP_PASSWORD_ENV}"
            )
        context = ssl.create_default_context()
        if ca_file is not None:
            try:
                context.load_verify_locations(cafile=str(ca_file))
            except (OSError, ssl.SSLError) as e:
                raise MailboxError(f"{display_path(ca_file)}: not a CA certificate ({e})") from None
        try:
            self.imap = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=30)
        except ssl.SSLCertVerificationError as e:
            raise MailboxError(
                f"{self.where}: certificate not trusted ({e.verify_message}); "
                "give its CA with --ca-file"
            ) from None
        except (OSError, imaplib.IMAP4.error) as e:
            raise MailboxError(f"{self.where}: cannot connect ({_reason(e)})") from None
        try:
            self.imap.login(self.user, password)
        except imaplib.IMAP4.error:
            self._logout()
            raise MailboxError(
                f"{self.where}: login failed for '{self.user}'; check {IMAP_PASSWORD_ENV}"
            ) from None
        _, caps = self.imap.capability()  # after login: servers announce more (MOVE)
        self.capabilities = set(_text(caps).upper().split())
        status, _ = self.imap.select(_quoted(self.folder))
        if status != "OK":
            self._logout()
            raise MailboxError(f"{self.description}: no such folder")

    def messages(self) -> Iterator[tuple[object, bytes]]:
        criteria = f"NOT KEYWORD {PROCESSED_KEYWORD}" if self.processed == "flag" else "ALL"
        status, data = self.imap.uid("SEARCH", criteria)
        if status != "OK":
            raise MailboxError(f"{self.description}: search failed ({_text(data)})")
        uids = data[0].split() if data and data[0] else []
        for start in range(0, len(uids), FETCH_BATCH):
            chunk = b",".join(uids[start : start + FETCH_BATCH]).decode()
            status, fetched = self.imap.uid("FETCH", chunk, "(UID BODY.PEEK[])")
            if status != "OK":
                raise MailboxError(f"{self.description}: fetch failed ({_text(fetched)})")
            for item in fetched:
                if isinstance(item, tuple) and len(item) == 2:
                    yield _uid_of(item[0]), item[1]

    def done(self, refs: Sequence[object]) -> None:
        """Flag or move the processed messages (after the intake committed them)."""
        if not refs:
            return
        uids = ",".join(str(r) for r in refs)
        if self.processed == "flag":
            self._ok(self.imap.uid("STORE", uids, "+FLAGS", f"(\\Seen {PROCESSED_KEYWORD})"))
            return
        self.imap.create(_quoted(self.target))  # fails harmlessly when it exists
        if "MOVE" in self.capabilities:
            self._ok(self.imap.uid("MOVE", uids, _quoted(self.target)))
        else:
            self._ok(self.imap.uid("COPY", uids, _quoted(self.target)))
            self._ok(self.imap.uid("STORE", uids, "+FLAGS", "(\\Deleted)"))
            self.imap.expunge()

    def close(self) -> None:
        self._logout()

    def _ok(self, reply) -> None:
        status, data = reply
        if status != "OK":
            raise MailboxError(f"{self.description}: {status} {_text(data)}")

    def _logout(self) -> None:
        with contextlib.suppress(Exception):  # closing anyway
            self.imap.logout()


def _uid_of(envelope: bytes) -> int:
    words = envelope.decode("ascii", "replace").replace("(", " ").split()
    return int(words[words.index("UID") + 1])


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(d) for d in data if d)
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e) or type(e).__name__
