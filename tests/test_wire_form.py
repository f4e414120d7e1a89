"""A filled message's DATA form, made beside it, and the per-reader header shortcuts."""

from __future__ import annotations

import pickle
import random
from email.utils import formataddr, formatdate
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from newsletter.config import SmtpSettings
from newsletter.control_chars import one_line_text
from newsletter.mail import headers
from newsletter.mail.headers import address_header, date_line, fold, header_line
from newsletter.mail.personalize import Recipient
from newsletter.mail.template import build_message_template, parse_message_template
from newsletter.mail.unsubscribe import sign_token, unsubscribe_links
from newsletter.mail.wire import MessageBytes, wire_bytes
from newsletter.send.composer import prepare_issue
from newsletter.send.smtp import SmtpTransport
from tests.support.smtp_server import smtp_server

pytest_plugins = ["tests.support.send_fixtures"]

SECRET = "test-secret-0123456789abcdef"  # what send_ws sets
# What values and bodies are made of: dots that start lines, every line break, non-ASCII,
# HTML specials, quoted-printable's "=", a merge tag's look, and lines too long for QP.
BITS = [".", "..", ".\r\n.", "\r", "\n", "\r\n", " ", "é", "漢字", "=", "&<>\"'", "%%name%%"]
BITS += ["a", "Zoë", "x" * 90, "\t", ". ", "\x7f", "Ana"]
BODY_LINES = [".", ".hidden", ".nl-card { color: red }", "text", "", "a.b", "é" * 40, "x" * 100]
BODY_LINES += ["%%name%%", "%%field.city%%", ".%%email%%", "%%unsubscribe_url%%."]


def stuffed_whole(data: bytes) -> bytes:
    """RFC 5321 §4.5.2 read literally: each line that starts with "." gets another, "." ends."""
    lines = data.split(b"\r\n")
    stuffed = b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)
    return stuffed + (b"" if stuffed.endswith(b"\r\n") else b"\r\n") + b".\r\n"


def value(rng: random.Random, most: int = 30) -> str:
    return "".join(rng.choice(BITS) for _ in range(rng.randrange(most)))


def body(rng: random.Random) -> str:
    lines = (rng.choice(BODY_LINES) + rng.choice(["", value(rng, 4)]) for _ in range(12))
    return rng.choice(["\n", "\r\n", "\r"]).join(lines)


def test_sample_issue_copies_carry_the_data_form_of_their_bytes(send_ws):
    """For 300 seeded readers of the sample issue (its CSS has "." lines), the DATA form is their bytes stuffed."""
    composer = prepare_issue(send_ws.issue, send_ws.settings)
    assert b"\r\n." in composer.message_for(Recipient("a@example.org")).data
    rng = random.Random(48)
    for i in range(300):
        name = rng.choice([value(rng), f"Reader {i}", ""])
        reader = Recipient(
            f"r{i}.{rng.choice(['x', 'y.z'])}@example.org", name, {"city": value(rng)}
        )
        for message in (
            composer.message_for(reader, list_copy=True),
            composer.mailing.message_for(reader, web_version=True, timestamp=1.0e9 + i),
        ):
            assert isinstance(message.data, MessageBytes)
            assert wire_bytes(message.data) == stuffed_whole(bytes(message.data))


def test_generated_templates_filled_and_read_back_carry_their_data_form():
    """Over 200 seeded templates (dots, CR, LF, non-ASCII, long lines) and values, built or read back from merge.eml, the DATA form is the bytes stuffed."""
    rng = random.Random(7)
    tags = ("name", "email", "unsubscribe_url", "field.city")
    for _ in range(200):
        built = build_message_template(b"Subject: x\r\n", body(rng), body(rng))
        read_back = parse_message_template(built.fill(b"", {t: f"%%{t}%%" for t in tags}))
        for _ in range(5):
            values = {t: value(rng) for t in tags}
            own = header_line("To", value(rng)) + header_line("X-Note", value(rng, 200))
            data = built.fill(own, values)
            assert read_back.fill(own, values) == data
            assert data.wire == read_back.fill(own, values).wire == stuffed_whole(bytes(data))


def test_a_changed_message_is_plain_bytes_and_stuffed_whole():
    """A message with a signature put in front (as DKIM does) is plain bytes, stuffed afresh."""
    data = build_message_template(b"Subject: x\r\n", "a", ".b").fill(b"", {})
    signed = b"DKIM-Signature: v=1;\r\n .x\r\n" + data
    assert type(signed) is bytes
    assert wire_bytes(signed) == stuffed_whole(signed)
    assert wire_bytes(b".") == b"..\r\n.\r\n" and wire_bytes(b"") == b"\r\n.\r\n"


def test_message_bytes_are_immutable_and_keep_their_data_form_through_pickling():
    """A MessageBytes refuses a new DATA form and arrives whole in another process's pickle."""
    data = build_message_template(b"Subject: x\r\n", ".a", ".b").fill(b"", {})
    with pytest.raises(AttributeError):
        data.wire = b"forged"  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(data))
    assert type(copy) is MessageBytes and copy == data and copy.wire == data.wire


def test_the_relay_receives_exactly_the_filled_bytes():
    """Through a real SMTP server, a message full of "." lines arrives byte for byte as filled."""
    template = build_message_template(b"Subject: x\r\n", ".%%name%%\n.\n..", ".c { }\n%%name%%")
    data = template.fill(header_line("To", "a@example.org"), {"name": ".\r\n.x\n..é"})
    with smtp_server() as server:
        smtp = SmtpSettings(host=server.host, port=server.port, security="none")
        connection = SmtpTransport(smtp, local_hostname="localhost").connect()
        connection.send("digest@example.org", "a@example.org", data)
        connection.close()
    [received] = server.received
    assert received.data == data


def test_the_date_line_is_made_once_a_second(monkeypatch):
    """The current Date line is the same within a second and the next second's after it."""
    now = [1_800_000_000.2]
    monkeypatch.setattr(headers, "time", SimpleNamespace(time=lambda: now[0]))
    first = date_line()
    now[0] += 0.7
    assert date_line() is first
    now[0] += 0.2
    later = date_line()
    assert later != first
    assert later == header_line("Date", formatdate(1_800_000_001, localtime=True))
    assert date_line(0.0) == b"Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"


def test_both_unsubscribe_links_carry_the_token_sign_token_makes(send_ws):
    """The URL and the List-Unsubscribe value hold sign_token's token, the mailto subject quoted."""
    links = unsubscribe_links(send_ws.settings)
    assert links.mailto
    for email in ("reader@example.org", "Mixed.Case+tag@Example.org"):
        token = sign_token(email, SECRET.encode(), links.list_id)
        url, header = links.links_for(email)
        assert url == f"{links.page}?token={token}" == links.url_for(email)
        assert header == f"<mailto:{links.mailto}?subject={quote('unsubscribe ' + token)}>, <{url}>"
    assert links.links_for("") == (
        links.page,
        f"<mailto:{links.mailto}?subject=unsubscribe>, <{links.page}>",
    )
    without_mailto = type(links)("", links.page, links.key, links.list_id)
    url, header = without_mailto.links_for("reader@example.org")
    assert header == f"<{url}>" and "token=" in url


def test_plain_display_names_are_written_as_formataddr_writes_them():
    """Over seeded names, plain or full of specials, the To line is what formataddr makes."""
    rng = random.Random(3)
    names = ["Ana", "Reader 12", "Zoë", "J. Doe", 'a "b"', "x\\y", "", "  Ana  Lima "]
    names += [value(rng) for _ in range(300)]
    for name in names:
        expected = formataddr((one_line_text(name), "a@example.org"), charset="utf-8")
        if not one_line_text(name):
            expected = "a@example.org"
        assert address_header("To", name, "a@example.org") == fold(f"To: {expected}").encode()
