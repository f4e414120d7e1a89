"""serve's forms posted as no browser posts them, tried from outside over real HTTP on 127.0.0.1
(docs/security.md, *Feeds, reports, relays and serve, a third round from outside*)."""

from __future__ import annotations

import pytest

from newsletter.mail.unsubscribe import sign_token

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

LIST_ID = "the-test-brief.example.org"


def _multipart(fields: list[tuple[str, str, str | None]]) -> tuple[bytes, str]:
    """A multipart/form-data body of (name, value, filename or None) parts, and its type."""
    parts = []
    for name, value, filename in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        kind = "Content-Type: application/octet-stream\r\n" if filename else ""
        parts.append(f"--b0\r\nContent-Disposition: {disposition}\r\n{kind}\r\n{value}\r\n")
    return ("".join(parts) + "--b0--\r\n").encode(), "multipart/form-data; boundary=b0"


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_file_posted_as_the_sign_ups_name_is_no_name(audience):
    """A sign-up posting its name and first name as file uploads (multipart parts with a
    filename): the reader was kept as `UploadFile(filename='../../etc/passwd', size=…,
    headers=Headers({…}))`, Starlette's description of the upload, to be written into every
    issue's `To:` line and greeting. A file is no text: the reader has no name."""
    body, kind = _multipart(
        [
            ("form_token", audience.form_token(), None),
            ("email", "filer@example.org", None),
            ("name", "Mallory", "../../etc/passwd"),
            ("first_name", "Mal", "x.txt"),
            ("website", "", None),
        ]
    )
    answer = audience.http.post(
        f"{audience.url}/subscribe", content=body, headers={"Content-Type": kind}
    )
    assert answer.status_code == 200, answer.text
    (link,) = audience.confirmation_links()
    assert audience.http.post(audience.local(link)).status_code == 200
    with audience.ws.store() as store:
        reader = store.get("filer@example.org")
    assert reader is not None and reader.status == "active"
    assert (reader.name, reader.first_name) == ("", "")


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_file_posted_as_the_address_or_token_changes_nothing(audience):
    """The address or the form token as a file upload: the form again (400), no mail."""
    for fields in (
        [("form_token", audience.form_token(), None), ("email", "f@example.org", "a.txt")],
        [("form_token", audience.form_token(), "t.txt"), ("email", "f@example.org", None)],
    ):
        body, kind = _multipart(fields)
        answer = audience.http.post(
            f"{audience.url}/subscribe", content=body, headers={"Content-Type": kind}
        )
        assert answer.status_code == 400, answer.text
    assert audience.confirmation_links() == []


def _urlencoded(audience, path: str, body: bytes):
    """POST `body` as `application/x-www-form-urlencoded`, its bytes as given (raw UTF-8 or
    other bytes, not percent-encoded: a form no browser posts)."""
    return audience.http.post(
        f"{audience.url}{path}",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_url_encoded_sign_up_in_raw_utf_8_keeps_its_letters(audience):
    """A URL-encoded sign-up whose name is raw UTF-8 bytes (`José`, not `Jos%C3%A9`): the
    reader is `José` (the body was read as Latin-1: `JosÃ©`), as the percent-encoded form is."""
    for email, name in (
        ("jose@example.org", "José".encode()),
        ("ana@example.org", b"Ana%20Mar%C3%ADa"),
    ):
        token = audience.form_token().encode()
        body = (
            b"form_token=" + token + b"&email=" + email.encode() + b"&name=" + name + b"&website="
        )
        answer = _urlencoded(audience, "/subscribe", body)
        assert answer.status_code == 200 and "Check your inbox" in answer.text, answer.text
    for link in audience.confirmation_links():
        assert audience.http.post(audience.local(link)).status_code == 200
    with audience.ws.store() as store:
        jose, ana = store.get("jose@example.org"), store.get("ana@example.org")
    assert jose is not None and (jose.name, jose.status) == ("José", "active")
    assert ana is not None and (ana.name, ana.status) == ("Ana María", "active")


@pytest.mark.parametrize("serve_backend", ["sqlite"])
@pytest.mark.parametrize("name", [b"Jos\xe9", b"Jos%E9", b"\xff\xfe", b"%C3"])
def test_a_url_encoded_form_of_bytes_that_are_not_utf_8_stores_nothing(audience, name):
    """Latin-1 `é`, raw or percent-encoded, or bytes no UTF-8 has, in a URL-encoded sign-up:
    the form again (400), no sign-up stored or mailed (it kept `Jos\\ufffd` or `José`
    misread); the same in an unsubscribe or a confirmation: 400, nobody changed."""
    body = b"form_token=" + audience.form_token().encode() + b"&email=odd%40example.org"
    answer = _urlencoded(audience, "/subscribe", body + b"&name=" + name + b"&website=")
    assert answer.status_code == 400, answer.text
    assert 'name="email"' in answer.text and "could not be read" in answer.text
    assert audience.confirmation_links() == []
    assert audience.status("odd@example.org") is None
    audience.ws.add("reader@example.org")
    token = sign_token("reader@example.org", b"test-secret-0123456789abcdef", LIST_ID)
    for path in (f"/unsubscribe?token={token}", "/confirm"):
        body = b"List-Unsubscribe=One-Click&action=unsubscribe&token=" + token.encode()
        answer = _urlencoded(audience, path, body + b"&name=" + name)
        assert answer.status_code == 400, (path, answer.text)
    assert audience.status("reader@example.org") == "active"
