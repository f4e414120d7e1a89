"""Addresses written with RFC 2047 encoded-words (`=?utf-8?q?…?=@`): never an address on the list.

RFC 2047 forbids an encoded-word in an addr-spec, yet Python's email package (and mail programs)
decode one there: the sign-up confirmation for `=?utf-8?q?victim=40gmail.com=2C_x?=@example.org`
said `To: victim@gmail.com, x@example.org`, and one hiding a CR LF was a 500.  The cases of
docs/security.md's "serve, bounces and relays, tried once more" table, over real HTTP on
127.0.0.1 and through the CLI.
"""

from __future__ import annotations

import pytest

from newsletter.mail_address import HeaderValueError, check_address
from newsletter.subscribers.addresses import InvalidAddress, normalize_address
from tests.support.cli_errors import one_error_line, run

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

ENCODED = [
    "=?utf-8?q?victim=40gmail.com=2C_x?=@example.org",  # decodes to two addresses
    "=?utf-8?b?dmljdGltQGV2aWwuZXhhbXBsZQ==?=@example.org",  # base64: victim@evil.example
    "=?utf-8?q?x=0D=0ABcc=3A_y=40evil.example?=@example.org",  # a CR LF inside
    "=?UTF-8?Q?victim?=@example.org",  # the inbox `victim@`, past its per-address limit
    "ann=?iso-8859-1?q?=E9?=@example.org",  # one inside a local part
    # A "?" inside the encoded text: Python's own decoder (email.header.decode_header, as
    # compat32 mail programs read headers) still takes it for one: "victim@gmail.com, x?junk".
    "=?utf-8?q?victim=40gmail.com=2C_x?junk?=@example.org",
    "=?utf-8?q?victim=40gmail.com=2C_x??=@example.org",
    # No closing "?=" at all: when the text starts with an `=XX` escape, Python's header parser
    # (email.policy.default) takes the opening's last "?" and that "=" for the closing, closes
    # the word itself at the end of the value and decodes it: "victim@gmail.com, x@example.org"
    # as one local part, and a CR LF one a ValueError.
    "=?utf-8?q?=76ictim=40gmail.com=2C_x@example.org",
    "=??q?=2C=0D=0AQA=3C}-@example.org",
    "=?==?Q?=40@example.org",
    "=?x?B?=3Cvictim@example.org",
]


@pytest.mark.parametrize("address", ENCODED)
def test_an_address_holding_an_encoded_word_is_no_address(address):
    """normalize_address and the header rule both refuse an encoded-word in an address."""
    with pytest.raises(InvalidAddress, match="encoded-word"):
        normalize_address(address)
    with pytest.raises(HeaderValueError):
        check_address(address)


def test_addresses_with_equals_and_question_marks_alone_are_still_addresses():
    """`=` and `?` are allowed in a local part; only the `=?…?=` shape is refused."""
    for address in ("a=b@example.org", "what?@example.org", "x=?@example.org", "?=y@example.org"):
        assert normalize_address(address) == address
        assert check_address(address) == address


def test_every_address_taken_reads_back_as_itself_in_a_to_line():
    """Local parts built of encoded-word pieces: each one taken reads back from `To:` as itself."""
    import email
    import email.policy
    import random

    from newsletter.mail.headers import address_header

    pieces = [*"=?qQbB_.a1-", "=?", "?=", "=2C", "=40", "=0D=0A", "utf-8", "?q?", "?B?", "QA"]
    rng = random.Random(7)
    for _ in range(5000):
        address = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) + "@example.org"
        try:
            taken = normalize_address(address)
        except InvalidAddress:
            continue
        line = address_header("To", "", taken).decode("ascii")
        parsed = email.message_from_string(line + "\r\n", policy=email.policy.default)
        assert [a.addr_spec for a in parsed["To"].addresses] == [taken], address


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_signup_with_an_encoded_word_address_gets_the_form_and_no_mail(audience):
    """serve answers such sign-ups with the form (400): no confirmation mailed, no 500."""
    for address in ENCODED:
        answer = audience.sign_up(address)
        assert answer.status_code == 400, address
        assert 'aria-invalid="true"' in answer.text
    assert audience.smtpd.received == []


def test_subscribers_add_refuses_an_encoded_word_address(send_ws, monkeypatch):
    """`subscribers add` refuses it in one line, exit 1, nothing added."""
    monkeypatch.chdir(send_ws.root)
    one_error_line(run("subscribers", "add", ENCODED[0]), "encoded-word")
    with send_ws.store() as store:
        assert store.get(ENCODED[0]) is None


def test_an_encoded_word_address_an_older_version_listed_can_still_be_taken_off(
    send_ws, monkeypatch
):
    """`show`, `unsubscribe`, `remove` and `forget` find such an address as written."""
    listed, other = ENCODED[3], ENCODED[0]
    send_ws.add(listed, other)  # the store takes what it is given: a list made before this rule
    monkeypatch.chdir(send_ws.root)
    assert run("subscribers", "show", listed).exit_code == 0
    assert run("subscribers", "show", listed.replace("example.org", "Example.ORG")).exit_code == 0
    assert run("subscribers", "unsubscribe", listed).exit_code == 0
    assert send_ws.statuses()[listed] == "unsubscribed"
    assert run("subscribers", "remove", listed).exit_code == 0
    assert run("subscribers", "forget", other).exit_code == 0
    assert send_ws.statuses() == {}
    one_error_line(run("subscribers", "add", listed), "encoded-word")


def test_a_send_to_an_older_list_fails_only_the_encoded_word_address(send_ws, smtpd):
    """The send refuses to write such an address into a To: line: that reader fails, the others go."""
    from newsletter.send.sender import send_issue

    send_ws.add("reader@example.org", ENCODED[0])
    summary = send_issue(send_ws.issue, send_ws.with_server(smtpd.host, smtpd.port))
    assert (summary.sent, summary.failed) == (1, 1), summary
    assert [r.rcpt_tos for r in smtpd.received] == [("reader@example.org",)]


@pytest.mark.parametrize(
    "name",
    [
        "=?utf-8?q?=0D=0ABcc=3A_z=40evil=2Eorg?=",  # decodes to a CR LF and a Bcc: line
        "=?utf-8?q?victim=40gmail=2Ecom=2C_x?=",  # decodes to "victim@gmail.com, x"
        "=?UTF-8?B?PGJAZXZpbC5vcmc+LA==?=",  # base64: "<b@evil.org>,"
        "Ann =?utf-8?q?=0D=0A?= Lee",  # one among words
    ],
)
def test_a_name_written_as_an_encoded_word_reads_back_as_typed(name):
    """A reader's name holding encoded-word text is written so a To: line reads it back as typed."""
    import email
    import email.policy

    from newsletter.mail.headers import address_header

    line = address_header("To", name, "reader@example.org").decode("ascii")
    parsed = email.message_from_string(line + "\r\n", policy=email.policy.default)
    (address,) = parsed["To"].addresses
    assert (address.display_name, address.addr_spec) == (name, "reader@example.org"), line
