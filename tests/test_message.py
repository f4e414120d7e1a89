"""message.eml and per-recipient messages, parsed back with Python's email package."""

from __future__ import annotations

import dataclasses
from email import policy
from email.parser import BytesParser

import pytest

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.mail.headers import HeaderValueError, address_header, check_address, header_line
from newsletter.mail.personalize import Recipient, prepare_mailing
from newsletter.mail.unsubscribe import (
    sign_legacy_token,
    sign_token,
    unsubscribe_links,
    verify_token,
)
from newsletter.models import RenderedIssue
from tests.conftest import SAMPLE_DATE


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def fits(line: bytes) -> bool:
    """78 columns, except a line holding one unbreakable <URI> (still far below SMTP's 998)."""
    return len(line) <= 78 or (
        line.strip().startswith(b"<") and b" " not in line.strip() and len(line) <= 998
    )


@pytest.fixture
def sample(workspace, settings):
    """The sample issue built in a fresh workspace."""
    return build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE))


def test_message_eml_is_a_complete_multipart_alternative(sample):
    """message.eml parses without defects: text/plain first, text/html last, UTF-8, all headers."""
    raw = (sample.folder / "message.eml").read_bytes()
    msg = parse(raw)
    assert not [d for part in msg.walk() for d in part.defects]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())
    assert msg["From"] == "The Weekly Brief <digest@example.org>"
    assert msg["Reply-To"] == "editor@example.org"
    assert msg["Subject"] == sample.issue.subject
    assert msg["Date"].datetime is not None
    assert msg["Message-ID"].startswith("<2026-W48.") and msg["Message-ID"].endswith(
        "@example.org>"
    )
    assert msg["List-Id"] == "The Weekly Brief <the-weekly-brief.example.org>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<https://news.example.org/unsubscribe>" in msg["List-Unsubscribe"]
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_message_parts_equal_the_web_files(sample):
    """The .eml's text and HTML parts are exactly index.txt and index.html."""
    msg = parse((sample.folder / "message.eml").read_bytes())

    def body(kind: str) -> str:  # a decoded part keeps the message's CRLF line ends
        return msg.get_body((kind,)).get_content().replace("\r\n", "\n")

    assert body("plain") == (sample.folder / "index.txt").read_text("utf-8")
    assert body("html") == (sample.folder / "index.html").read_text("utf-8")


def test_non_ascii_subject_is_rfc2047_encoded(workspace, settings):
    """A subject with accents and curly quotes is encoded in the header and decodes back intact."""
    rendered = RenderedIssue(
        subject="Perú: “emergencia” — José Jerí", preheader="", html="<p>x</p>", text="x\n"
    )
    mailing = prepare_mailing(rendered, "2026-W48", settings)
    data = mailing.message_for(Recipient("reader@example.org")).data
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head
    assert parse(data)["Subject"] == "Perú: “emergencia” — José Jerí"


def test_each_recipient_gets_their_own_values_escaped_in_html(workspace, settings, monkeypatch):
    """Name, address, merge fields and a signed unsubscribe URL are filled per recipient, escaped in HTML."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "s3cret-0123456789abcdef")
    rendered = RenderedIssue(
        subject="S",
        preheader="",
        html='<p>Hi %%name%% from %%field.city%%</p><a href="%%unsubscribe_url%%">Unsubscribe</a>'
        + "x" * 200,
        text="Hi %%name%% (%%email%%)\nUnsubscribe: %%unsubscribe_url%%\n",
    )
    mailing = prepare_mailing(rendered, "2026-W48", settings)
    one = mailing.message_for(Recipient("ana@example.org", "<b>Ana & Co</b>", {"city": "Lima"}))
    two = mailing.message_for(Recipient("bo@example.org", "Bo"))
    msg = parse(one.data)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "Hi &lt;b&gt;Ana &amp; Co&lt;/b&gt; from Lima" in html
    assert "Hi <b>Ana & Co</b> (ana@example.org)" in text
    links = unsubscribe_links(settings)
    token = sign_token("ana@example.org", b"s3cret-0123456789abcdef", links.list_id)
    assert f'href="https://news.example.org/unsubscribe?token={token}"' in html
    assert f"token={token}" in msg["List-Unsubscribe"]
    assert msg["To"].addresses[0].display_name == "<b>Ana & Co</b>"
    assert one.message_id != two.message_id
    assert parse(two.data)["To"] == "Bo <bo@example.org>"
    assert all(fits(line) for line in one.data.split(b"\r\n"))


def test_unsubscribe_tokens_verify_and_resist_forgery():
    """A token names its address for this list only; a changed byte, key or list, or two spliced tokens, fail."""
    token = sign_token("Reader@Example.org", b"key", "brief.example.org")
    assert verify_token(token, b"key", "brief.example.org") == "reader@example.org"
    assert verify_token(token, b"other", "brief.example.org") is None
    assert verify_token(token, b"key", "other.example.org") is None
    other = sign_token("a@example.org", b"key", "brief.example.org")
    # tag of one, sealed address of the other; and each half of the sealed part swapped
    for forged in (other[:24] + token[24:], token[:24] + other[24:], token[:-1] + other[-1]):
        assert forged != token and verify_token(forged, b"key", "brief.example.org") is None
    for i in range(2, len(token)):  # every single character changed
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        assert verify_token(changed, b"key", "brief.example.org") is None
    assert verify_token("garbage", b"key", "brief.example.org") is None


def test_old_signed_tokens_still_verify_and_resist_forgery():
    """A token of an issue sent before tokens were sealed still unsubscribes its reader, and only them."""
    token = sign_legacy_token("Reader@Example.org", b"key", "brief.example.org")
    assert token.startswith("cmVhZGVyQGV4YW1wbGUub3Jn.")  # the address, readable: why it changed
    assert verify_token(token, b"key", "brief.example.org") == "reader@example.org"
    assert verify_token(token, b"other", "brief.example.org") is None
    assert verify_token(token, b"key", "other.example.org") is None
    forged = (
        sign_legacy_token("a@example.org", b"key", "brief.example.org").split(".")[0]
        + "."
        + token.split(".")[1]
    )
    assert verify_token(forged, b"key", "brief.example.org") is None


def test_a_token_holds_nothing_readable_of_the_address():
    """No base64 reading of a token, at any offset, holds the address or its name; another key gives an unrelated token."""
    import base64

    address = "reader.name@example.org"
    token = sign_token(address, b"key", "brief.example.org")
    body = token.removeprefix("2~")
    for offset in range(4):
        text = body[offset:]
        raw = base64.urlsafe_b64decode(text[: len(text) // 4 * 4])
        assert b"reader" not in raw.lower() and b"example" not in raw.lower()
    again = sign_token(address, b"another key", "brief.example.org")
    assert sum(a == b for a, b in zip(token[2:], again[2:], strict=True)) < len(token) // 4
    assert len(sign_token("a@example.org", b"key", "x")) == len(token)  # length within 32 bytes


@pytest.mark.parametrize(
    "evil",
    ["Ana\r\nBcc: victim@example.org", "Ana\nBcc: victim@example.org", "Ana\rBcc: x@example.org"],
)
def test_header_injection_through_names_and_subjects_is_impossible(workspace, settings, evil):
    """CR/LF in a subject or a name never starts a new header line."""
    line = header_line("Subject", evil)
    assert line.count(b"\r\n") == line.count(b"\r\n ") + 1
    assert b"\nBcc:" not in line
    rendered = RenderedIssue(subject=evil, preheader="", html="<p>%%name%%</p>", text="%%name%%\n")
    data = (
        prepare_mailing(rendered, "x", settings)
        .message_for(Recipient("ana@example.org", evil))
        .data
    )
    msg = parse(data)
    assert msg["Bcc"] is None
    assert "\n" not in msg["Subject"] and "\n" not in str(msg["To"])


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.org\r\nBcc: x@example.org",
        "a b@example.org",
        "<a@example.org>",
        "no-at-sign",
        "ané@example.org",
    ],
)
def test_bad_addresses_are_refused(address):
    """An address with spaces, line breaks, brackets or non-ASCII characters is refused outright."""
    with pytest.raises(HeaderValueError):
        check_address(address)
    with pytest.raises(HeaderValueError):
        address_header("To", "x", address)


def test_long_header_values_are_folded(workspace, settings, monkeypatch):
    """A List-Unsubscribe with a long signed URL is folded into lines of at most 78 columns."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "k" * 32)
    long_settings = dataclasses.replace(settings, name="A Very Long Newsletter Name That Goes On")
    rendered = RenderedIssue(subject="S " * 60, preheader="", html="<p>x</p>", text="x\n")
    data = (
        prepare_mailing(rendered, "x", long_settings)
        .message_for(Recipient("a.very.long.address.for.testing@subdomain.example.org"))
        .data
    )
    head = data.split(b"\r\n\r\n", 1)[0]
    assert all(fits(line) for line in head.split(b"\r\n"))
    assert head.count(b"\r\n <") >= 1  # folded between the two URIs
    assert parse(data)["Subject"] == ("S " * 60).strip()
