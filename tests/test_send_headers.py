"""Header injection is impossible through any field, and DKIM signatures verify."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from newsletter.config import DkimSettings, load_settings
from newsletter.errors import ConfigError, ManifestError
from newsletter.send.sender import send_issue
from newsletter.subscribers.store import open_store
from tests.support.send_workspace import build_sample_issue

pytest_plugins = ["tests.support.send_fixtures"]

EXPECTED_HEADERS = {
    "Date",
    "Message-ID",
    "To",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "From",
    "Reply-To",
    "Subject",
    "List-Id",
    "MIME-Version",
    "Content-Type",
}
INJECTION = "\r\nBcc: victim@example.org\r\nX-Injected: yes"


def header_names(data: bytes) -> list[str]:
    """The names of the top-level header lines of raw message bytes (continuations skipped)."""
    head = data.split(b"\r\n\r\n", 1)[0]
    return [
        line.split(b":", 1)[0].decode() for line in head.split(b"\r\n") if line[:1] not in b" \t"
    ]


def assert_not_injected(received) -> None:
    """Only our headers, each once; no Bcc and no injected header anywhere in the head."""
    names = header_names(received.data)
    assert sorted(names) == sorted(EXPECTED_HEADERS)
    crlf = received.data.count(b"\r\n")
    assert received.data.count(b"\r") == crlf == received.data.count(b"\n"), "a bare CR or LF"
    message = received.message()
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message.defects == []
    assert received.rcpt_tos == (message["To"].addresses[0].addr_spec,)


def test_name_with_crlf_cannot_add_headers(send_ws, smtpd):
    """A name carrying CR/LF and a Bcc line stays inside the To header's display name."""
    send_ws.add(("reader@example.org", "Evil" + INJECTION))
    send_issue(send_ws.issue, send_ws.with_server(smtpd.host, smtpd.port))
    (received,) = smtpd.received
    assert_not_injected(received)
    assert "Bcc: victim@example.org" in received.message()["To"].addresses[0].display_name


def test_merge_field_with_crlf_stays_in_the_body(send_ws, smtpd):
    """A merge field carrying CR/LF only ever lands in the body, flattened in the text part."""
    send_ws.add(("reader@example.org", "Reader"), fields={"city": "Lima" + INJECTION})
    send_issue(send_ws.issue, send_ws.with_server(smtpd.host, smtpd.port))
    (received,) = smtpd.received
    assert_not_injected(received)
    text = received.message().get_body(("plain",)).get_content()
    assert "in Lima Bcc: victim@example.org X-Injected: yes," in " ".join(text.split())


def test_malformed_address_in_the_database_is_failed_not_sent(send_ws, smtpd):
    """An address that slipped past validation is recorded as failed; nobody else is affected."""
    send_ws.add("good@example.org")
    with send_ws.store() as store:  # as if written by an older version or by hand
        store.conn.execute(
            "INSERT INTO subscribers (email, created, updated) VALUES (?, '', '')",
            ("victim@example.org>" + INJECTION,),
        )
    summary = send_issue(send_ws.issue, send_ws.with_server(smtpd.host, smtpd.port))
    assert (summary.sent, summary.failed) == (1, 1)
    assert "is not a deliverable address" in summary.failures[0].reason
    assert [r.rcpt_tos for r in smtpd.received] == [("good@example.org",)]


def test_subject_with_crlf_is_refused_at_its_manifest_line(tmp_path):
    """A manifest subject carrying CR/LF never reaches a header: the manifest is refused naming its line and key."""
    with pytest.raises(
        ManifestError, match=r"issue\.toml:\d+: subject: holds the control character U\+000D"
    ):
        build_sample_issue(tmp_path, subject="Perú news" + INJECTION)


def test_subject_with_non_ascii_is_one_encoded_line(tmp_path, smtpd):
    """A non-ASCII subject arrives as one RFC 2047 Subject, nothing more."""
    folder = build_sample_issue(tmp_path, subject="Perú news: Bcc victim@example.org")
    settings, _ = load_settings(tmp_path)
    with open_store(settings.path(settings.database)) as store:
        store.upsert("reader@example.org")
    settings = replace(settings, smtp=replace(settings.smtp, host=smtpd.host, port=smtpd.port))
    send_issue(folder, settings)
    (received,) = smtpd.received
    assert_not_injected(received)
    assert received.message()["Subject"] == "Perú news: Bcc victim@example.org"
    assert b"=?utf-8?" in received.data.split(b"\r\n\r\n", 1)[0]


@pytest.fixture(scope="module")
def dkim_key():
    """An RSA key pair: (PEM private key, the DNS TXT record publishing its public half)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_dkim_signature_covers_the_one_click_headers_and_verifies(send_ws, smtpd, dkim_key):
    """With [dkim] set, each message is signed over List-Unsubscribe(-Post), and it verifies."""
    import dkim

    pem, record = dkim_key
    (send_ws.root / "dkim.key").write_bytes(pem)
    settings = replace(
        send_ws.with_server(smtpd.host, smtpd.port),
        dkim=DkimSettings(domain="example.org", selector="news", key_file="dkim.key"),
    )
    send_ws.add(("reader@example.org", "Reader"))
    send_issue(send_ws.issue, settings)
    (received,) = smtpd.received
    signature = received.message()["DKIM-Signature"]
    assert "d=example.org" in signature and "s=news" in signature
    signed = signature.replace(" ", "").split("h=")[1].split(";")[0].lower().split(":")
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= set(signed)

    def dns(name, timeout=5):
        assert name == b"news._domainkey.example.org."
        return record

    assert dkim.verify(received.data, dnsfunc=dns)


def test_dkim_with_an_unreadable_key_fails_before_sending(send_ws, smtpd):
    """A DKIM key that cannot be read stops the send before any message, naming the file."""
    settings = replace(
        send_ws.with_server(smtpd.host, smtpd.port),
        dkim=DkimSettings(domain="example.org", selector="news", key_file="missing.key"),
    )
    send_ws.add("reader@example.org")
    with pytest.raises(ConfigError, match=r"missing\.key: cannot read the DKIM key"):
        send_issue(send_ws.issue, settings)
    assert smtpd.received == []
