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
from newsletter.render.merge_tags import MERGE_KEY, MERGE_TAG

SOFT_BREAK = b"=\r\n"
# A merge tag as `fill` writes it into merge.eml (between soft breaks, %% kept literally).
_SLOT = re.compile(rb"=\r\n%%(" + MERGE_KEY.encode() + rb")%%=\r\n")
_BARE_TAG = re.compile(rb"%%(" + MERGE_KEY.encode() + rb")%%")  # out of a slot
_HTML_PART = b'\r\nContent-Type: text/html; charset="utf-8"\r\n'
_BOUNDARY = re.compile(rb'^Content-Type: multipart/alternative; boundary="([^"\r\n]+)"\r\n', re.M)
_PART_TYPE = re.compile(
    rb'Content-Type: text/(plain|html); charset="utf-8"\r\n'
    rb"Content-Transfer-Encoding: quoted-printable"
)


_ADDRESS_HEADERS = frozenset(("from", "to", "cc", "bcc", "reply-to", "sender"))
Headers = tuple[tuple[str, str], ...]  # (name, value), in order, each value on one line


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

    def bodies(self) -> tuple[str, str]:
        """The text and the HTML part, merge tags as `%%tag%%`, line breaks as LF.

        Read back from the bytes this module wrote (a multipart/alternative of a text/plain
        and a text/html part, quoted-printable): what the email package's parser gives for
        them (tests/test_issue_email.py compares both), in a twentieth of its time, which a
        first archive of many issues pays once per issue (bench/bench_issue_readers.py).
        TemplateFileError for any other shape.
        """
        data = bytes(self.fill(b"", {tag: f"%%{tag}%%" for tag in self.tags}))
        head, _, body = data.partition(b"\r\n\r\n")
        m = _BOUNDARY.search(head + b"\r\n")
        if m is None:
            raise TemplateFileError("no multipart/alternative boundary")
        delimiter = b"--" + m.group(1)
        closing = b"\r\n" + delimiter + b"--\r\n"
        if not body.startswith(delimiter + b"\r\n") or not body.endswith(closing):
            raise TemplateFileError("not a text and an HTML part")
        parts = body[len(delimiter) + 2 : -len(closing)].split(b"\r\n" + delimiter + b"\r\n")
        found = {}
        for part in parts:
            part_head, blank, encoded = part.partition(b"\r\n\r\n")
            kind = _PART_TYPE.fullmatch(part_head) if blank else None
            if kind is None or kind.group(1) in found:
                raise TemplateFileError("not a text and an HTML part")
            found[kind.group(1)] = (
                binascii.a2b_qp(encoded).decode("utf-8", "replace").replace("\r\n", "\n")
            )
        if set(found) != {b"plain", b"html"}:
            raise TemplateFileError("not a text and an HTML part")
        return found[b"plain"], found[b"html"]


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


def read_built_message(raw: bytes) -> tuple[Headers, str, str] | None:
    """A message this module wrote (merge.eml, message.eml): headers, HTML and text, or None.

    Headers unfolded to one line each, encoded words (RFC 2047) decoded; parts with line
    breaks as LF.  What the email package's parser gives (tests/test_issue_email.py compares
    both), except that a Date or an address is kept as written, not re-formatted; None for
    any other shape (an edit by hand, another program), which the caller gives that parser.
    A send's gate reads message.eml this way: the parser's import and parse cost a cold
    `newsletter send` 6-7 ms (bench/bench_issue_readers.py; docs/benchmarks.md).
    """
    try:
        template = parse_message_template(raw)
        text, html = template.bodies()
    except TemplateFileError:
        return None
    headers = _header_lines(template.head)
    return None if headers is None else (headers, html, text)


def _header_lines(head: bytes) -> Headers | None:
    if not head.isascii():
        return None
    headers: list[tuple[str, str]] = []
    for line in head.decode("ascii").rstrip("\r\n").split("\r\n"):
        if "\r" in line or "\n" in line:
            return None
        if line[:1] in (" ", "\t") and headers:  # a folded line continues the header above
            headers[-1] = (headers[-1][0], headers[-1][1] + line)
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or " " in name:
            return None
        headers.append((name, value))
    unfolded = []
    for name, value in headers:
        if "=?" in value:
            if name.lower() in _ADDRESS_HEADERS:  # the email package re-quotes the phrase
                return None
            value = _decoded_words(value)
        unfolded.append((name, " ".join(value.split())))
    return tuple(unfolded)


def _decoded_words(value: str) -> str:
    from email.header import decode_header, make_header  # not email.policy: see above

    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError):  # an unknown charset or a broken word: as written
        return value
