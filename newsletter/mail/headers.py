"""Header lines that cannot be injected into: every value is flattened to one line,
non-ASCII text is RFC 2047-encoded, and long lines are folded at spaces.

The sender stamps thousands of messages a second, so `date_line` formats the current
date once a second (a Date header shows whole seconds), a value too short to hold an
unfoldable word is not searched for one, and a display name of letters, digits and
spaces is written without asking `formataddr` (which would neither quote nor encode it).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import time
from collections.abc import Iterator
from email.charset import Charset
from email.header import Header
from email.utils import formataddr, formatdate

from newsletter.control_chars import one_line_text
from newsletter.mail_address import HeaderValueError, check_address, has_encoded_word

__all__ = ["HeaderValueError", "check_address"]  # the rule lives below the layers

_UTF8 = Charset("utf-8")
MAX_LINE = 78  # RFC 5322's "should"
HARD_LIMIT = 998  # RFC 5322's "must": octets per line, CRLF excluded


_TEXT_HEADERS = frozenset({"subject", "comments", "keywords"})  # unstructured: words to show


def header_line(name: str, value: str) -> bytes:
    """`Name: value\\r\\n`, encoded and folded; any CR/LF in the value is flattened away."""
    value = one_line_text(value)
    # A word too long for any line cannot be folded at a space: RFC 2047 encoded-words can be
    # split anywhere, so such a value is encoded too (a reader's client joins it back).
    room = HARD_LIMIT - len(name) - 2
    too_long = len(value) > room and any(len(word) > room for word in value.split(" "))
    # Text that reads as an encoded-word (`=?utf-8?q?Reset_your_password?=`, from a feed's
    # headline in the Subject) was written as is, and mail programs decoded it: the Subject
    # showed other words than the title (a bidi override, a "password" lure) past every
    # check of the text; encoded whole, it reads back as typed.
    spoof = name.casefold() in _TEXT_HEADERS and has_encoded_word(value)
    if not value.isascii() or too_long or spoof:
        encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
        return f"{name}: {encoded}\r\n".encode("ascii")
    return fold(f"{name}: {value}").encode("ascii")


def fold(line: str) -> str:
    """Fold an ASCII header line at spaces so each physical line fits in 78 columns if it can."""
    if len(line) <= MAX_LINE:
        return line + "\r\n"
    out, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > MAX_LINE:
            out.append(current)
            current = " " + word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    return "\r\n".join(out) + "\r\n"


def address_header(name: str, display_name: str, address: str) -> bytes:
    """`To: "Name" <addr>`, the name RFC 2047-encoded when it is not ASCII."""
    check_address(address)
    display_name = one_line_text(display_name)
    if not display_name:
        value = address
    elif display_name.isascii() and display_name.replace(" ", "").isalnum():
        value = f"{display_name} <{address}>"  # as formataddr writes a name needing no quotes
    elif has_encoded_word(display_name):
        # Written as is (formataddr neither quotes nor encodes it), a name typed as
        # `=?utf-8?q?=0D=0ABcc=3A_z=40evil=2Eorg?=` was decoded by mail programs (Python's too,
        # quoted or not) into a CR LF and a Bcc: line; encoded whole, it reads back as typed.
        value = f"{_UTF8.header_encode(display_name)} <{address}>"  # one word, as formataddr's
    else:
        value = formataddr((display_name, address), charset="utf-8")
    return fold(f"{name}: {value}").encode("ascii")


def phrase_header(name: str, phrase: str, angle_value: str) -> bytes:
    """`List-Id: Phrase <value>`, the phrase quoted or RFC 2047-encoded as needed."""
    value = formataddr((one_line_text(phrase), one_line_text(angle_value)), charset="utf-8")
    return fold(f"{name}: {value}").encode("ascii")


def message_id(domain: str, prefix: str = "") -> str:
    """A unique Message-ID such as `<2026-W48.1a2b3c…@example.org>`.

    A random tag drawn once per process, then a counter: unique without a
    system call per message (the sender makes thousands a second).
    """
    stem = re.sub(r"[^A-Za-z0-9.-]+", "-", prefix).strip("-.")
    unique = f"{_id_tag}{next(_id_counter):06x}"
    return f"<{stem + '.' if stem else ''}{unique}@{domain}>"


_id_tag: str
_id_counter: Iterator[int]


def _new_id_source() -> None:
    global _id_tag, _id_counter
    _id_tag, _id_counter = os.urandom(9).hex(), itertools.count(1)  # not `secrets`: 25 ms to import


_new_id_source()
os.register_at_fork(after_in_child=_new_id_source)  # a forked child must not repeat our ids


def date_value(timestamp: float | None = None) -> str:
    """An RFC 5322 date: now in local time with its offset, or a given moment in UTC."""
    if timestamp is None:
        return formatdate(time.time(), localtime=True)
    return formatdate(timestamp, usegmt=True)


def date_line(timestamp: float | None = None) -> bytes:
    """The `Date:` header line for `date_value(timestamp)`; the current one made once a second."""
    if timestamp is None:
        return _current_date_line(int(time.time()))
    return header_line("Date", date_value(timestamp))


@functools.lru_cache(maxsize=1)  # thread-safe; a new second replaces the line kept
def _current_date_line(second: int) -> bytes:
    return header_line("Date", formatdate(second, localtime=True))
