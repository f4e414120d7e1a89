"""imaplib over TLS with a deadline for each answer and a cap on each literal.

imaplib's own reads wait as long as the server keeps sending: a server that
drips a byte every few seconds never times out, and a literal announced as
`{1500000000}` is read into memory whole.  `BoundedImap` reads the socket
itself: each command's whole answer must arrive within `seconds` (counted
from when the command is sent; the greeting counts from the connection), a
literal larger than `max_literal` and a line longer than MAX_LINE are refused
before they are read, and every such failure is `imaplib.IMAP4.abort` saying
what happened, which sources.py turns into one line naming host:port.

The whole answer is bounded too, not only each part of it: at most MAX_LINE
bytes of lines and twice `max_literal` bytes of literals.  A server may send
untagged answers nobody asked for, and imaplib keeps every one: literals of
900 KB sent for 8 s beside a SEARCH grew the process to 812 MB, sixty of them
beside each FETCH to 186 MB with a 1 MB cap.  (The fetch groups messages by
their announced sizes to at most `max_literal` in all, so an honest answer
never comes near twice that.)  Nor does one answer's excess outlive it: whatever
untagged answers the command did not take are dropped when the next command is sent.
"""

from __future__ import annotations

import imaplib
import ssl
import time

MAX_LINE = 16_000_000  # a SEARCH answer listing a million UIDs fits; anything longer is hostile
_CHUNK = 65536
_LOOKED_AT = ("BYE", "READ-ONLY")  # untagged answers imaplib checks at a later command


class BoundedImap(imaplib.IMAP4_SSL):
    """An IMAP4_SSL whose every answer has a deadline and whose literals have a size cap."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext,
        seconds: float,
        max_literal: int,
    ) -> None:
        self._seconds = seconds
        self._max_literal = max_literal
        self._deadline = time.monotonic() + seconds
        self._line_bytes = self._literal_bytes = 0  # read so far of the answer under way
        self._buffer = bytearray()
        super().__init__(host, port, ssl_context=ssl_context, timeout=seconds)

    def _command(self, name: str, *args: object) -> str:
        self._deadline = time.monotonic() + self._seconds  # this command's answer starts now
        self._line_bytes = self._literal_bytes = 0
        # What the last answer held beyond what its command took (imaplib keeps untagged
        # answers by name until asked for): nobody will ask.  Kept, `* 1 XJUNK {900000}`
        # before each answer grew a run by 0.9 MB a command, without bound.  A BYE and a
        # READ-ONLY are what imaplib itself looks at before the next answer: their last stays.
        kept = {name: self.untagged_responses.get(name, [])[-1:] for name in _LOOKED_AT}
        self.untagged_responses = {name: last for name, last in kept.items() if last}
        # imaplib's private step that sends every command (typeshed does not list it).
        tag: str = super()._command(name, *args)  # type: ignore[misc]
        return tag

    def _fill(self) -> None:
        """Read what the server sent next into the buffer, within the deadline."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self.abort(f"no whole answer within {self._seconds:g} s")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(_CHUNK)
        except TimeoutError:
            raise self.abort(f"no whole answer within {self._seconds:g} s") from None
        if not chunk:
            raise self.abort("the server closed the connection")
        self._buffer += chunk

    def readline(self) -> bytes:
        """One line (with its CRLF), at most MAX_LINE bytes."""
        start = 0
        while (end := self._buffer.find(b"\n", start)) == -1:
            if len(self._buffer) > MAX_LINE:
                raise self.abort(f"sent a line longer than {MAX_LINE} bytes")
            start = len(self._buffer)
            self._fill()
        self._line_bytes += end + 1
        if self._line_bytes > MAX_LINE:
            raise self.abort(f"sent more than {MAX_LINE} bytes of lines in one answer")
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        return line

    def read(self, size: int) -> bytes:
        """A literal of `size` bytes, refused before reading when over the cap."""
        if size > self._max_literal:
            raise self.abort(
                f"announced a message of {size} bytes, more than bounce.imap_max_message "
                f"({self._max_literal})"
            )
        self._literal_bytes += size
        if self._literal_bytes > 2 * self._max_literal:
            raise self.abort(
                f"sent more than {2 * self._max_literal} bytes of messages in one answer, "
                f"twice bounce.imap_max_message"
            )
        while len(self._buffer) < size:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data
