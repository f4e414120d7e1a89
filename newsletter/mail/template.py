"""The MIME message built once per issue, personalised per recipient by joining bytes.

Building an `EmailMessage` per recipient costs milliseconds; this costs
microseconds.  The multipart/alternative skeleton (text/plain first, text/html
last, UTF-8, quoted-printable) is encoded once, cut at every merge tag; filling
it encodes only the recipient's few values.  A soft line break (`=\\r\\n`) on
each side of a value keeps every line within quoted-printable's 76 columns
whatever the value's length.

The template also keeps its parts dot-stuffed for SMTP's DATA (wire.py), once: every
part of a message but a value starts a line (the header lines end in CRLF, and so
does each value's closing soft break), and a value starts with the `=` of its
opening soft break, so a fill stuffs only the recipient's values and joins the
message's DATA form beside the message.
"""

from __future__ import annotations

import binascii
import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from newsletter.mail.headers import header_line
from newsletter.mail.wire import MessageBytes, dot_stuffed, end_of_data
from newsletter.render.merge_tags import MERGE_TAG

SOFT_BREAK = b"=\r\n"
# A merge tag as `fill` writes it into merge.eml (between soft breaks, %% kept literally).
_SLOT = re.compile(rb"=\r\n%%(email|name|unsubscribe_url|field\.[A-Za-z0-9_-]+)%%=\r\n")
_BARE_TAG = re.compile(rb"%%(email|name|unsubscribe_url|field\.[A-Za-z0-9_-]+)%%")  # out of a slot
_HTML_PART = b'\r\nContent-Type: text/html; charset="utf-8"\r\n'


class TemplateFileError(ValueError):
    """Bytes that are not a message template as `MessageTemplate.fill` writes it."""


@dataclass(frozen=True, slots=True)
class _Tag:
    key: str
    escape_html: bool


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    """Static header bytes, per-recipient header slots, and body pieces with merge tags cut out."""

    head: bytes  # headers shared by every copy (From, Subject, MIME...), ending in CRLF
    pieces: tuple[bytes | _Tag, ...]  # the encoded body, cut at merge tags
    # Made from the two above: the head dot-stuffed for DATA, and the pieces again with
    # each byte piece beside its dot-stuffed form.
    wire_head: bytes = field(init=False, repr=False, compare=False)
    with_wire: tuple[tuple[bytes, bytes] | _Tag, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = tuple((p, dot_stuffed(p)) if isinstance(p, bytes) else p for p in self.pieces)
        object.__setattr__(self, "wire_head", dot_stuffed(self.head))
        object.__setattr__(self, "with_wire", pairs)

    def fill(
        self, headers: Sequence[tuple[str, str]] | bytes, values: Mapping[str, str]
    ) -> MessageBytes:
        """One recipient's message: their header lines, then the shared ones, then the body.

        `headers` is either (name, value) pairs, made safe here, or whole header lines
        already made safe (see `headers.py`).  The message carries its DATA form.
        """
        own = (
            headers
            if isinstance(headers, bytes)
            else b"".join(header_line(n, v) for n, v in headers)
        )
        parts = [own, self.head]
        wire = [dot_stuffed(own), self.wire_head]
        for piece in self.with_wire:
            if isinstance(piece, _Tag):
                value = _encode_value(values.get(piece.key, ""), piece.escape_html)
                parts.append(value)
                wire.append(dot_stuffed(value))
            else:
                parts.append(piece[0])
                wire.append(piece[1])
        data = b"".join(parts)
        wire.append(end_of_data(data))
        return MessageBytes(data, b"".join(wire))

    @property
    def tags(self) -> frozenset[str]:
        """The merge tags this message uses."""
        return frozenset(p.key for p in self.pieces if isinstance(p, _Tag))

    @property
    def slots(self) -> tuple[str, ...]:
        """Every slot in order, with its part: `text:name`, `html:unsubscribe_url`..."""
        return tuple(
            f"{'html' if p.escape_html else 'text'}:{p.key}"
            for p in self.pieces
            if isinstance(p, _Tag)
        )


def parse_message_template(data: bytes) -> MessageTemplate:
    """The template back from the bytes of `template.fill(b"", {tag: "%%tag%%"})` (merge.eml).

    Byte-level, no MIME parsing: the head is everything up to the first blank line, the
    slots are where the tags were written.  Filling the result with the same tags must give
    the same bytes back, or TemplateFileError: what is sent is exactly what was built.
    """
    head, blank, body = data.partition(b"\r\n\r\n")
    html_at = body.find(_HTML_PART)
    if not blank or html_at < 0:
        raise TemplateFileError("no header block or no HTML part")
    head += blank
    pieces: list[bytes | _Tag] = []
    start = 0
    for m in _SLOT.finditer(body):
        pieces.append(body[start : m.start()])
        pieces.append(_Tag(m.group(1).decode("ascii"), escape_html=m.start() > html_at))
        start = m.end()
    pieces.append(body[start:])
    template = MessageTemplate(head=head, pieces=tuple(_merge_bytes(pieces)))
    bare = any(isinstance(p, bytes) and _BARE_TAG.search(p) for p in template.pieces)
    if bare or template.fill(b"", {tag: f"%%{tag}%%" for tag in template.tags}) != data:
        raise TemplateFileError("its merge tags are not as the build writes them")
    return template


def build_message_template(shared_head: bytes, text: str, html_body: str) -> MessageTemplate:
    """Encode both bodies once after the shared header lines; merge tags become slots."""
    # "=" never occurs in a quoted-printable body, so "=_" starts no line of it; derived from
    # the content, so rebuilding an unchanged issue writes the same bytes.
    digest = hashlib.sha256(shared_head + text.encode() + html_body.encode()).hexdigest()
    boundary = f"=_nl_{digest[:24]}"
    head = shared_head + b"MIME-Version: 1.0\r\n"
    head += f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()
    pieces: list[bytes | _Tag] = []
    for content_type, body, escape in (("text/plain", text, False), ("text/html", html_body, True)):
        pieces.append(
            f'--{boundary}\r\nContent-Type: {content_type}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode()
        )
        pieces.extend(_cut_at_tags(body, escape))
        pieces.append(b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode())
    return MessageTemplate(head=head, pieces=tuple(_merge_bytes(pieces)))


def _cut_at_tags(body: str, escape_html: bool) -> list[bytes | _Tag]:
    # Every line break as LF (b2a_qp passes a lone CR through), which _qp turns into the CRLF
    # SMTP requires: the message is CRLF-only by construction, nobody downstream checks.
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    pieces: list[bytes | _Tag] = []
    start = 0
    for m in MERGE_TAG.finditer(body):
        pieces.append(_qp(body[start : m.start()]))
        pieces.append(_Tag(m.group(1), escape_html))
        start = m.end()
    pieces.append(_qp(body[start:]))
    return pieces


def _qp(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


def _encode_value(value: str, escape_html: bool) -> bytes:
    if escape_html:  # line breaks stay (as LF: _qp makes them CRLF, never a bare CR)
        value = html.escape(value.replace("\r\n", "\n").replace("\r", "\n"), quote=True)
    else:
        value = value.replace("\r", " ").replace("\n", " ")
    return SOFT_BREAK + _qp(value) + SOFT_BREAK


def _merge_bytes(pieces: list[bytes | _Tag]) -> list[bytes | _Tag]:
    """Join neighbouring byte pieces so filling is one join over few parts."""
    merged: list[bytes | _Tag] = []
    for piece in pieces:
        if isinstance(piece, bytes) and merged and isinstance(merged[-1], bytes):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged
