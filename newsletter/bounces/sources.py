"""Where reports come from: an mbox file, a Maildir folder, or an IMAP mailbox over TLS.

`open_mailbox(where)` picks by the argument: `imaps://user@host[:port]/FOLDER`,
a folder holding cur/ new/ tmp/ (Maildir), or a file (mbox).  Each source
yields `(ref, bytes)` pairs and is told, after the intake committed a batch,
which refs are done: the IMAP source then flags them (`\\Seen` and the keyword
`NewsletterProcessed`) or moves them to `bounce.imap_folder`, as configured.
Files are only read: processing them again is harmless (intake.py skips
every Message-ID it has seen).

Bounds: a message over `max_message` bytes is never read (mbox: by its offsets;
Maildir: read that far only; IMAP: by its RFC822.SIZE) but comes as `Unfetched`,
which the intake counts unreadable; a Maildir entry that is not a regular file is
skipped with a warning; every IMAP failure is one MailboxError naming host:port.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
import ssl
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from newsletter.control_chars import quoted
from newsletter.errors import MailboxError, display_path
from newsletter.hidden_secret import without_secret
from newsletter.stored_text import storable_text

IMAP_PASSWORD_ENV = "NEWSLETTER_IMAP_PASSWORD"
PROCESSED_KEYWORD = "NewsletterProcessed"
FETCH_BATCH = 200


class Unfetched(bytes):
    """Stands for a message left on the server (too large to fetch): empty, with why."""

    where: str
    why: str

    def __new__(cls, where: str, why: str) -> Unfetched:
        made = super().__new__(cls, b"")
        made.where, made.why = where, why
        return made


class Mailbox(Protocol):
    """A source of messages; see the module doc."""

    description: str
    warnings: list[str]  # messages skipped without being read (a FIFO in a Maildir...)

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
    seconds: float = 60.0,
    max_message: int = 10_000_000,
) -> Mailbox:
    """The mailbox `where` names; MailboxError saying what is wrong with it.

    `seconds` and `max_message` bound each IMAP answer (`[bounce] imap_seconds`,
    `imap_max_message`); file messages over `max_message` are read only that far.
    """
    if where.startswith("imaps://"):
        return ImapMailbox(
            where,
            password=password,
            processed=processed,
            folder=folder,
            ca_file=ca_file,
            limits=(seconds, max_message),
        )
    if where.startswith("imap://"):
        raise MailboxError(f"{where}: only IMAP over TLS is supported; use imaps://")
    path = Path(where)
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            raise MailboxError(
                f"{display_path(path)}: not a Maildir (no cur/, new/ and tmp/ inside)"
            )
        return MaildirFolder(path, max_message)
    if not path.exists():
        raise MailboxError(f"{display_path(path)}: no such file or folder")
    if not path.is_file():  # a FIFO or a device: opening or reading one may wait forever
        raise MailboxError(
            f"{display_path(path)}: not a regular file; give an mbox file or a Maildir folder"
        )
    try:
        with path.open("rb") as f:
            start = f.read(5)
    except OSError as e:
        raise MailboxError(f"{display_path(path)}: cannot read ({e.strerror})") from None
    if start and start != b"From ":
        raise MailboxError(
            f"{display_path(path)}:1: not an mbox file (its first line should start with 'From ')"
        )
    return FileMailbox(mailbox.mbox(path, factory=None, create=False), path, "mbox", max_message)


class FileMailbox:
    """An mbox file, read only; a message over `max_message` bytes is never read into memory."""

    def __init__(
        self, box: mailbox.mbox, path: Path, kind: str, max_message: int = 10_000_000
    ) -> None:
        self.box = box
        self.path = path
        self.description = f"{kind} {display_path(path)}"
        self.warnings: list[str] = []
        self.max_message = max_message

    def messages(self) -> Iterator[tuple[object, bytes]]:
        try:
            for key in self.box.iterkeys():
                # The offsets the stdlib mbox keeps (typeshed does not list them): no read.
                start, stop = self.box._lookup(key)  # type: ignore[attr-defined]
                if stop - start > self.max_message:
                    yield (
                        key,
                        Unfetched(
                            f"{self.description} message {int(key) + 1}",
                            f"{stop - start} bytes, more than bounce.imap_max_message "
                            f"({self.max_message})",
                        ),
                    )
                    continue
                yield key, self.box.get_bytes(key)
        except OSError as e:
            raise MailboxError(f"{display_path(self.path)}: cannot read ({e.strerror})") from None

    def done(self, refs: Sequence[object]) -> None:
        """Files are left as they are."""

    def close(self) -> None:
        self.box.close()


class MaildirFolder:
    """A Maildir folder, read only: the regular files in new/ and cur/, in name order.

    Anything else there (a FIFO, a device, a socket, a folder, a dangling
    symbolic link) is skipped with a warning naming it: opening a FIFO would wait
    forever.  A message is read up to `max_message` + 1 bytes, enough for the
    intake to call it too large.
    """

    def __init__(self, path: Path, max_message: int) -> None:
        self.path = path
        self.max_message = max_message
        self.description = f"Maildir {display_path(path)}"
        self.warnings: list[str] = []

    def messages(self) -> Iterator[tuple[object, bytes]]:
        for sub in ("new", "cur"):
            try:
                names = sorted(os.listdir(self.path / sub))
            except OSError as e:
                raise MailboxError(
                    f"{display_path(self.path / sub)}: cannot read ({e.strerror})"
                ) from None
            for name in names:
                if name.startswith("."):
                    continue
                data = self._read(self.path / sub / name)
                if data is not None:
                    yield f"{sub}/{name}", data

    def _read(self, file: Path) -> bytes | None:
        try:
            kind = os.stat(file).st_mode  # follows a link: a dangling one fails here
        except FileNotFoundError:
            if file.is_symlink():
                self.warnings.append(f"{display_path(file)}: a dangling symbolic link, skipped")
            return None  # else: delivered elsewhere while we read, gone, fine
        except OSError as e:
            self.warnings.append(f"{display_path(file)}: cannot read ({e.strerror}), skipped")
            return None
        if not stat.S_ISREG(kind):
            what = (
                "a FIFO"
                if stat.S_ISFIFO(kind)
                else "a folder"
                if stat.S_ISDIR(kind)
                else ("a device or socket")
            )
            self.warnings.append(f"{display_path(file)}: {what}, not a message; skipped")
            return None
        try:
            # O_NONBLOCK: should it have become a FIFO since, opening does not wait.
            fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                return f.read(self.max_message + 1)
        except FileNotFoundError:
            return None
        except OSError as e:
            self.warnings.append(f"{display_path(file)}: cannot read ({e.strerror}), skipped")
            return None

    def done(self, refs: Sequence[object]) -> None:
        """Files are left as they are (the intake remembers each by its Message-ID)."""

    def close(self) -> None:
        """Nothing is held open."""


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
        limits: tuple[float, int] = (60.0, 10_000_000),
    ) -> None:
        import imaplib

        from newsletter.bounces.imap_client import BoundedImap

        self.seconds, self.max_message = limits
        self.warnings: list[str] = []
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
                f"{self.where}: no password for {quoted(self.user)}; set {IMAP_PASSWORD_ENV}"
            )
        self._secret = password  # hidden from the server's words in every error (_failures)
        context = ssl.create_default_context()
        if ca_file is not None:
            try:
                context.load_verify_locations(cafile=str(ca_file))
            except (OSError, ssl.SSLError) as e:
                raise MailboxError(f"{display_path(ca_file)}: not a CA certificate ({e})") from None
        try:
            self.imap = BoundedImap(
                self.host,
                self.port,
                ssl_context=context,
                seconds=self.seconds,
                max_literal=self.max_message,
            )
        except ssl.SSLCertVerificationError as e:
            raise MailboxError(
                f"{self.where}: certificate not trusted ({e.verify_message}); "
                "give its CA with --ca-file"
            ) from None
        except (OSError, imaplib.IMAP4.error) as e:
            raise MailboxError(f"{self.where}: cannot connect ({_reason(e)})") from None
        with self._failures("log in"):
            try:
                if self.imap.state != "AUTH":  # a PREAUTH greeting: logged in already
                    self.imap.login(self.user, password)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                self._logout()
                raise MailboxError(
                    f"{self.where}: login failed for {quoted(self.user)}; check {IMAP_PASSWORD_ENV}"
                ) from None
            _, caps = self.imap.capability()  # after login: servers announce more (MOVE)
            self.capabilities = set(_text(caps).upper().split())
            status, _ = self.imap.select(_quoted(self.folder))
        if status != "OK":
            self._logout()
            raise MailboxError(f"{self.description}: no such folder")

    @contextlib.contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        """Any failure of the server or the connection: one MailboxError naming host:port,
        the password hidden from the server's words (it may quote what it was sent)."""
        import imaplib

        try:
            yield
        except MailboxError:
            raise
        except (imaplib.IMAP4.error, OSError, ValueError, EOFError) as e:
            if isinstance(e, imaplib.IMAP4.abort | OSError):  # no LOGOUT: it would wait again
                with contextlib.suppress(Exception):
                    self.imap.shutdown()
            else:
                self._logout()
            raise MailboxError(
                f"{self.where}: the IMAP server failed while we {doing} "
                f"({_reason(e, self._secret, self.user)}); "
                "what was processed before is kept, run again later"
            ) from None

    def messages(self) -> Iterator[tuple[object, bytes]]:
        """Each message not yet processed; one too large to fetch comes as `TooLarge`."""
        criteria = f"NOT KEYWORD {PROCESSED_KEYWORD}" if self.processed == "flag" else "UNDELETED"
        with self._failures("searched the folder"):
            status, data = self.imap.uid("SEARCH", criteria)
            if status != "OK":
                raise MailboxError(f"{self.description}: search failed ({_cut(_text(data))})")
            uids = [int(u) for u in _search_words(data, self.where)]
        for start in range(0, len(uids), FETCH_BATCH):
            sizes = self._sizes(uids[start : start + FETCH_BATCH])
            for uid, size in sizes.items():
                if size > self.max_message:  # never fetched: counted unreadable, then flagged
                    yield (
                        uid,
                        Unfetched(
                            f"{self.description} UID {uid}",
                            f"{size} bytes, more than bounce.imap_max_message ({self.max_message})",
                        ),
                    )
            small = {uid: size for uid, size in sizes.items() if size <= self.max_message}
            for group in self._groups(small):
                with self._failures("fetched messages"):
                    fetched = self._fetch(group)
                for uid in group:
                    yield uid, fetched[uid]

    def _sizes(self, uids: list[int]) -> dict[int, int]:
        with self._failures("asked for message sizes"):
            status, data = self.imap.uid("FETCH", _uid_set(uids), "(UID RFC822.SIZE)")
            if status != "OK":
                raise MailboxError(f"{self.description}: fetch failed ({_cut(_text(data))})")
            sizes: dict[int, int] = {}
            for item in data:
                line = _text(item[0] if isinstance(item, tuple) else item)
                if line.strip():
                    sizes[_uid_of(line, self.where)] = _size_of(line, self.where)
        return {uid: sizes[uid] for uid in uids if uid in sizes}

    def _groups(self, sizes: dict[int, int]) -> Iterator[list[int]]:
        """UIDs to fetch together: at most max_message bytes in all (one when larger)."""
        group: list[int] = []
        total = 0
        for uid, size in sizes.items():
            if group and total + size > self.max_message:
                yield group
                group, total = [], 0
            group.append(uid)
            total += size
        if group:
            yield group

    def _fetch(self, group: list[int]) -> dict[int, bytes]:
        fetched: dict[int, bytes] = {}
        wanted = group
        status, data = self.imap.uid("FETCH", _uid_set(wanted), "(UID BODY.PEEK[])")
        if status != "OK":
            raise MailboxError(f"{self.description}: fetch failed ({_cut(_text(data))})")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                fetched[_uid_of(_text(item[0]), self.where)] = item[1]
        missing = [u for u in wanted if u not in fetched]
        if missing:
            raise MailboxError(
                f"{self.where}: the IMAP server did not send message UID {missing[0]} it listed; "
                "what was processed before is kept, run again later"
            )
        return fetched

    def done(self, refs: Sequence[object]) -> None:
        """Flag or move the processed messages (after the intake committed them)."""
        if not refs:
            return
        uids = ",".join(str(r) for r in refs)
        with self._failures("flagged processed messages"):
            if self.processed == "flag":
                self._ok(self.imap.uid("STORE", uids, "+FLAGS", f"(\\Seen {PROCESSED_KEYWORD})"))
                return
            self.imap.create(_quoted(self.target))  # fails harmlessly when it exists
            if "MOVE" in self.capabilities:
                self._ok(self.imap.uid("MOVE", uids, _quoted(self.target)))
            else:  # copied, then marked deleted: each run reads only the undeleted
                self._ok(self.imap.uid("COPY", uids, _quoted(self.target)))
                self._ok(self.imap.uid("STORE", uids, "+FLAGS", "(\\Deleted)"))
                # A plain EXPUNGE would also remove every message someone else marked deleted
                # in this folder; without UIDPLUS they stay marked for the server to remove.
                if "UIDPLUS" in self.capabilities:
                    self._ok(self.imap.uid("EXPUNGE", uids))

    def close(self) -> None:
        self._logout()

    def _ok(self, reply: tuple[str, list[Any]]) -> None:
        status, data = reply
        if status != "OK":
            raise MailboxError(f"{self.description}: {status} {_cut(_text(data))}")

    def _logout(self) -> None:
        try:
            self.imap.logout()
        except Exception:  # closing anyway: a failed server's LOGOUT fails too
            with contextlib.suppress(Exception):
                self.imap.shutdown()


def _uid_of(line: str, where: str) -> int:
    return _number_after(line, "UID", where)


def _size_of(line: str, where: str) -> int:
    return _number_after(line, "RFC822.SIZE", where)


def _number_after(line: str, name: str, where: str) -> int:
    """The number after `name` in a FETCH answer line; MailboxError when there is none."""
    words = line.replace("(", " ").replace(")", " ").upper().split()
    try:
        return int(words[words.index(name) + 1])
    except (ValueError, IndexError):
        raise MailboxError(
            f"{where}: the IMAP server answered a FETCH without its {name} ({line[:60]!r}); "
            "what was processed before is kept"
        ) from None


def _search_words(data: list[Any], where: str) -> list[bytes]:
    """The words of a SEARCH answer; MailboxError for a literal (numbers never need one)."""
    if any(not isinstance(item, bytes | None) for item in data):
        raise MailboxError(
            f"{where}: the IMAP server answered SEARCH with a literal, not a list of UIDs; "
            "what was processed before is kept"
        )
    return [word for item in data if item for word in item.split()]


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(u) for u in uids)


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: object) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(d) for d in data if d)
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


_REASON_READ = 65_536


def _reason(e: Exception, secret: str | None = None, user: str = "") -> str:
    """What went wrong, on one short line: a server's garbage is quoted by imaplib, cut here,
    after any echo of `secret` is hidden (imaplib sends it quoted: `\\` and `\"` escaped)."""
    text = str(getattr(e, "strerror", None) or str(e) or type(e).__name__)
    # At most what a relay's reply may be (64 KiB) is read for the password: a line is up to
    # 16 MB, and a server that knows the password can fill one with its beginnings, each
    # read nearly to its end (seconds a megabyte); only 160 characters are shown.
    text = text[:_REASON_READ]
    if secret:
        escaped = secret.replace("\\", "\\\\").replace('"', '\\"')
        text = without_secret(without_secret(text, escaped), secret, user=user)
    return _cut(text)


def _cut(text: str) -> str:
    """A server's words on one line of at most 160 characters, its controls made spaces."""
    return storable_text(text, 160)
