"""A message as SMTP's DATA carries it (RFC 5321 §4.5.2): a line that starts with `.` gets
a second one, and a line holding only `.` ends the message.

Stuffing a whole message means scanning it (about 20 µs for the sample's 19 KB), so a
message filled from a template is a `MessageBytes`: it carries its DATA form, made in the
same fill from parts stuffed once per issue (see template.py), and `wire_bytes` hands that
back.  Any other message (a DKIM-signed one, a confirmation mail) is stuffed here.
"""

from __future__ import annotations

from typing import Any

END_OF_DATA = b".\r\n"


def dot_stuffed(part: bytes) -> bytes:
    """`part` with a dot added at the start of each of its lines that starts with one.

    `part` must start a line: then stuffing a message part by part gives what stuffing
    the whole gives, as long as no part ends inside a CRLF.
    """
    stuffed = part.replace(b"\r\n.", b"\r\n..")
    return b"." + stuffed if stuffed.startswith(b".") else stuffed


def end_of_data(data: bytes) -> bytes:
    """What follows the stuffed message: the final `.` line, after a CRLF if it lacks one."""
    return END_OF_DATA if data.endswith(b"\r\n") else b"\r\n" + END_OF_DATA


def wire_bytes(data: bytes) -> bytes:
    """The message as DATA carries it: leading dots doubled, ended by `.` (data is CRLF already)."""
    if isinstance(data, MessageBytes):
        return data.wire
    return dot_stuffed(data) + end_of_data(data)


class MessageBytes(bytes):
    """A message's bytes, as every transport and the DKIM signer take them, plus their DATA form.

    Built only by `MessageTemplate.fill`, and immutable like the bytes it extends: an
    operation on it (a signature put in front, a slice) gives plain bytes, which
    `wire_bytes` stuffs afresh.
    """

    wire: bytes  # wire_bytes(bytes(self)), made with it

    def __new__(cls, data: bytes, wire: bytes) -> MessageBytes:
        message = super().__new__(cls, data)
        object.__setattr__(message, "wire", wire)
        return message

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"MessageBytes is immutable: cannot set {name}")

    def __reduce__(self) -> tuple[type[MessageBytes], tuple[bytes, bytes]]:
        return MessageBytes, (bytes(self), self.wire)  # to a worker process and back
