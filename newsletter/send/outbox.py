"""File transport for `--dry-run`: every message written to issues/<id>/outbox/ as an .eml file.

Each file is exactly what the SMTP relay would have received, one per
recipient, numbered in sending order.  A dry run starts with an empty outbox.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from newsletter.errors import OutputError, display_path

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]+")
_OUTBOX_FILE = re.compile(r"\d{5,}-(.+)\.eml\Z")
_NAME_CHARS = 200  # of the address in a file name: a file name holds 255 bytes, an address 254


class FileTransport:
    """Writes messages into a folder instead of sending them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.where = display_path(folder)
        self.description = f"outbox {self.where}/"
        self.count = 0

    def clear(self) -> int:
        """Delete the .eml files a previous dry run left; return how many.

        An outbox that is a symbolic link is refused: deleting `*.eml` through it, and writing
        readers' copies (with their tokens) there, would touch a folder outside the issue.
        """
        if self.folder.is_symlink():
            raise OutputError(
                f"{self.where}: a symbolic link (to {os.readlink(self.folder)}); a dry run writes "
                "only inside the issue folder: remove the link and run it again"
            )
        old = list(self.folder.glob("*.eml")) if self.folder.is_dir() else []
        for path in old:
            path.unlink()
        return len(old)

    def connect(self) -> FileTransport:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"{self.where}: cannot create the outbox ({e.strerror})") from None
        return self

    def send(
        self,
        envelope_from: str,
        recipient: str,
        data: bytes,
        *,
        at_end: Callable[[], None] | None = None,
    ) -> None:
        """Write one message as `<number>-<recipient>.eml`."""
        if at_end is not None:
            at_end()
        self.count += 1
        path = self.folder / f"{self.count:05d}-{outbox_name(recipient)}.eml"
        try:
            path.write_bytes(data)
        except OSError as e:
            raise OutputError(f"{display_path(path)}: cannot write ({e.strerror})") from None

    def close(self) -> None:
        """Nothing to close."""


def delete_outbox_files_of(issues_dir: Path, email: str) -> int:
    """Delete every dry run's copy named after `email` (issues/*/outbox/); return how many.

    `subscribers forget` erases an address: its copies in an outbox hold the address, the
    name and a valid unsubscribe token, so they go too.
    """
    wanted = outbox_name(email).casefold()
    count = 0
    for path in sorted(issues_dir.glob("*/outbox/*.eml")):
        if path.parent.is_symlink() or path.parent.parent.is_symlink():
            continue  # not a dry run's: those are real folders (see FileTransport.clear)
        m = _OUTBOX_FILE.match(path.name)
        if not (m and m.group(1).casefold() == wanted):
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError as e:
            raise OutputError(
                f"{display_path(path)}: cannot delete ({e.strerror}); the address is forgotten "
                "in newsletter.db: delete this file by hand"
            ) from None
        count += 1
    return count


def outbox_name(email: str) -> str:
    """The address as its outbox file names it: safe characters, and short enough to be a name.

    A valid address may be 254 characters; with the number and `.eml` that is past the 255
    bytes a file name may hold, and the dry run stopped at that reader.  A long one keeps its
    first characters and a hash of the whole (lower-cased, as `forget` finds it).
    """
    safe = _UNSAFE.sub("_", email)
    if len(safe) <= _NAME_CHARS:
        return safe
    digest = hashlib.sha256(email.casefold().encode()).hexdigest()[:16]
    return f"{safe[: _NAME_CHARS - 17]}-{digest}"
