"""A built issue on disk: issues/<id>/ with its manifest, web version and messages.

    issue.toml    the manifest (editable; `newsletter build issues/<id>` renders from it)
    index.html    the web version, also the archive page
    index.txt     the plain-text version
    message.eml   the email exactly as a reader receives it
    merge.eml     the same email with merge tags: what `newsletter send` personalises
    merge.empty=name.eml   the same for readers without a name, when the templates ask
                  (`{% if subscriber.name %}`): one file per combination of empty fields
    built-with.json   the subject and preheader as built, and the shared settings (From,
                  List-Id, base_url...) the messages carry: a send refuses when they changed

The folder appears whole or not at all: files are written to a temporary
sibling which is then renamed into place.  Anything else already in the folder
(a dry run's outbox/, or the manifest itself when re-rendering in place) is
carried over by rename, untouched.
"""

from __future__ import annotations

import binascii
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.errors import ManifestError, OutputError, display_path
from newsletter.issue.build_record import BUILD_RECORD_NAME, read_build_record
from newsletter.issue.manifest import MANIFEST_NAME, RECORD_NAME, read_manifest
from newsletter.models import Issue, RenderedIssue

if TYPE_CHECKING:
    from email.message import MIMEPart

ISSUE_FILES = (
    MANIFEST_NAME,
    RECORD_NAME,
    BUILD_RECORD_NAME,
    "index.html",
    "index.txt",
    "message.eml",
    "merge.eml",
)
_MERGE_VARIANT = re.compile(r"^merge\.empty=([A-Za-z0-9_.+-]+)\.eml$")


def merge_file_name(empty: frozenset[str]) -> str:
    """merge.eml, or the variant for readers whose `empty` fields are empty."""
    return f"merge.empty={'+'.join(sorted(empty))}.eml" if empty else "merge.eml"


def merge_variant_files(folder: Path) -> list[tuple[frozenset[str], Path]]:
    """The merge.empty=*.eml files of a built issue, with the fields each is for."""
    found = []
    for path in sorted(folder.glob("merge.empty=*.eml")):
        m = _MERGE_VARIANT.match(path.name)
        if m:
            found.append((frozenset(m.group(1).split("+")), path))
    return found


def is_issue_folder(path: Path) -> bool:
    """True for a folder that holds a manifest."""
    return path.is_dir() and (path / MANIFEST_NAME).is_file()


def write_issue_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write the files as `folder`, replacing a previous build of it in one rename."""
    shown = display_path(folder)
    if (
        folder.exists()
        and not is_issue_folder(folder)
        and (not folder.is_dir() or any(folder.iterdir()))
    ):
        raise OutputError(f"{shown}: exists and is not an issue folder; choose another --out")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = _sibling(folder, "tmp")
        staging.mkdir(mode=0o755)
    except OSError as e:
        raise OutputError(
            f"{display_path(parent)}: cannot write here ({e.strerror}); choose another --out"
        ) from None
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        _swap_into_place(staging, folder)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(
            f"{shown}: cannot write the issue ({e.strerror}); nothing was changed"
        ) from None


def _sibling(folder: Path, kind: str) -> Path:
    """A hidden, unique name beside the folder (os.urandom: `tempfile` costs a cold start 25 ms)."""
    return folder.with_name(f".{folder.name}.{kind}-{os.urandom(4).hex()}")


def _swap_into_place(staging: Path, folder: Path) -> None:
    if not folder.exists():
        staging.rename(folder)
        return
    previous = _sibling(folder, "old")
    folder.rename(previous)
    try:
        staging.rename(folder)
    except OSError:
        previous.rename(folder)
        raise
    for entry in previous.iterdir():  # keep what this build does not make (outbox/, notes)
        if _MERGE_VARIANT.match(entry.name):
            continue  # a variant of the previous render: this build made its own, or none
        if not (folder / entry.name).exists():
            entry.rename(folder / entry.name)
    shutil.rmtree(previous, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class BuiltIssue:
    """An issue folder read back: its manifest and its rendered email with merge tags.

    The subject and preheader are as the build filled them (built-with.json).
    """

    folder: Path
    issue: Issue
    rendered: RenderedIssue


def read_folder_manifest(folder: Path) -> Issue:
    """The issue.toml of a built issue folder; a folder without one is a clear error."""
    if not is_issue_folder(folder):
        raise ManifestError(
            f"{display_path(folder)}: not an issue folder (no {MANIFEST_NAME}); build it first"
        )
    return read_manifest(folder / MANIFEST_NAME)


def read_built_issue(folder: Path) -> BuiltIssue:
    """Read an issue folder as built, without rendering anything again."""
    issue = read_folder_manifest(folder)
    record = read_build_record(folder)
    _, html, text = _read_merge_file(folder / "merge.eml")
    variants = []
    for empty, path in merge_variant_files(folder):
        _, variant_html, variant_text = _read_merge_file(path)
        variants.append((empty, variant_html, variant_text))
    tested: frozenset[str] = frozenset().union(*(keys for keys, _, _ in variants))
    rendered = RenderedIssue(
        subject=record.subject,
        preheader=record.preheader,
        html=html,
        text=text,
        tested=tested,
        variants=tuple(variants),
    )
    # The manifest holds the templates ({title}, {summary}); the record, them as built.
    issue = replace(issue, subject=record.subject, preheader=record.preheader)
    return BuiltIssue(folder=folder, issue=issue, rendered=rendered)


Headers = tuple[tuple[str, str], ...]  # (name, value), in order, each value on one line

# What `build_message_template` writes after the head, around each part's quoted-printable body.
_PART_HEAD = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable'
_ADDRESS_HEADERS = frozenset(("from", "to", "cc", "bcc", "reply-to", "sender"))


def parse_email(raw: bytes) -> tuple[Headers, str | None, str | None]:
    """A built .eml: its headers, its HTML and its text part (None: absent), line breaks as LF.

    A message in the shape the build writes it (mail/template.py) is read directly, in a
    fraction of a millisecond (a send reads one before its first message); any other
    (edited by hand, or by an older version) goes through the email package's parser.  A
    header's value is unfolded to one line, its encoded words (RFC 2047) decoded.
    """
    return _read_as_built(raw) or _read_with_email_package(raw)


def _read_as_built(raw: bytes) -> tuple[Headers, str, str] | None:
    """The build's own shape, or None: ASCII header lines up to the first blank line, then a
    multipart/alternative of a text/plain and a text/html part, both UTF-8 and
    quoted-printable, with nothing before, between or after them.

    Gives what the email package gives for it (tests/test_issue_email.py compares both),
    except that a Date or an address is kept as written, not re-formatted.
    """
    head, blank, body = raw.partition(b"\r\n\r\n")
    if not blank or not head.isascii():
        return None
    headers: list[tuple[str, str]] = []
    for line in head.decode("ascii").split("\r\n"):
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
    content_type = next((v for n, v in unfolded if n.lower() == "content-type"), "")
    prefix, quote, rest = content_type.partition('multipart/alternative; boundary="')
    boundary, end_quote, after = rest.partition('"')
    if prefix or not quote or not boundary or not end_quote or after:
        return None
    delimiter = f"--{boundary}\r\n".encode()
    text_head = delimiter + _PART_HEAD.format("plain").encode() + b"\r\n\r\n"
    html_head = b"\r\n" + delimiter + _PART_HEAD.format("html").encode() + b"\r\n\r\n"
    closing = f"\r\n--{boundary}--\r\n".encode()
    if not body.startswith(text_head) or not body.endswith(closing):
        return None
    text_qp, found, html_qp = body[len(text_head) : -len(closing)].partition(html_head)
    if not found or f"--{boundary}".encode() in text_qp + html_qp:
        return None  # not exactly two parts
    return tuple(unfolded), _from_qp(html_qp), _from_qp(text_qp)


def _from_qp(data: bytes) -> str:
    """A quoted-printable UTF-8 body as text, as the email package decodes it."""
    return binascii.a2b_qp(data).decode("utf-8", "replace").replace("\r\n", "\n")


def _decoded_words(value: str) -> str:
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError):  # an unknown charset or a broken word: as written
        return value


def _read_with_email_package(raw: bytes) -> tuple[Headers, str | None, str | None]:
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = tuple((name, " ".join(str(value).split())) for name, value in message.items())
    html_part = message.get_body(preferencelist=("html",))
    text_part = message.get_body(preferencelist=("plain",))
    return headers, _content(html_part), _content(text_part)


def header_value(headers: Headers, name: str) -> str:
    """A header's value ("" when absent)."""
    wanted = name.lower()
    return next((v for n, v in headers if n.lower() == wanted), "")


def _content(part: MIMEPart | None) -> str | None:
    """A part's text; with an unknown charset, its bytes read as UTF-8."""
    if part is None:
        return None
    try:
        return part.get_content().replace("\r\n", "\n")
    except (LookupError, ValueError):  # an unknown charset: the bytes as they are
        return bytes(part.get_payload(decode=True)).decode("utf-8", "replace")


def _read_merge_file(merge: Path) -> tuple[str, str, str]:
    """Subject, HTML and text of a merge.eml, line breaks as LF."""
    try:
        headers, html, text = parse_email(merge.read_bytes())
    except OSError as e:
        raise ManifestError(
            f"{display_path(merge)}: cannot read ({e.strerror}); rebuild the issue"
        ) from None
    if text is None or html is None:
        raise ManifestError(
            f"{display_path(merge)}: lacks its text or HTML part; rebuild the issue"
        )
    return header_value(headers, "Subject"), html, text
