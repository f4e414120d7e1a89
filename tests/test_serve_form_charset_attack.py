"""serve's forms are UTF-8 whatever the request says: media types in capitals, multipart
bodies naming another charset, tried from outside over real HTTP on 127.0.0.1
(docs/security.md, *serve's UTF-8 forms, private-use text, echoed passwords and memory*)."""

from __future__ import annotations

import pytest

from newsletter.mail.unsubscribe import sign_token

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"


def _multipart(fields: list[tuple[bytes, bytes]], part_type: str = "") -> bytes:
    """A multipart/form-data body (boundary `b0`) of (name, value) parts, bytes as given,
    each part with `part_type` as its Content-Type when one is given."""
    kind = f"Content-Type: {part_type}\r\n".encode() if part_type else b""
    body = b"".join(
        b'--b0\r\nContent-Disposition: form-data; name="' + name + b'"\r\n' + kind + b"\r\n"
        b"" + value + b"\r\n"
        for name, value in fields
    )
    return body + b"--b0--\r\n"


def _post(audience, path: str, body: bytes, content_type: str):
    return audience.http.post(
        f"{audience.url}{path}", content=body, headers={"Content-Type": content_type}
    )


def _confirm_all(audience) -> None:
    for link in audience.confirmation_links():
        assert audience.http.post(audience.local(link)).status_code == 200


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_url_encoded_form_typed_in_capitals_is_read_as_utf_8(audience):
    """`Application/X-WWW-Form-Urlencoded` (HTTP's media types are any case) went to
    Starlette's parser, which reads Latin-1: a raw `José` was stored as `JosÃ©`, and a
    Latin-1 `é` (a 400 in lower case) was taken. Now both cases are read alike."""
    kind = "Application/X-WWW-Form-Urlencoded; Charset=ISO-8859-1"
    token = audience.form_token().encode()
    body = b"form_token=" + token + b"&email=jose%40example.org&name=" + "José".encode()
    answer = _post(audience, "/subscribe", body + b"&website=", kind)
    assert answer.status_code == 200 and "Check your inbox" in answer.text, answer.text
    _confirm_all(audience)
    with audience.ws.store() as store:
        assert store.get("jose@example.org").name == "José"
    mailed = len(audience.confirmation_links())
    body = b"form_token=" + audience.form_token().encode() + b"&email=odd%40example.org"
    answer = _post(audience, "/subscribe", body + b"&name=Jos\xe9&website=", kind)
    assert answer.status_code == 400 and "could not be read" in answer.text, answer.text
    assert len(audience.confirmation_links()) == mailed
    assert audience.status("odd@example.org") is None
    audience.ws.add("reader@example.org")
    token = sign_token("reader@example.org", SECRET, LIST_ID).encode()
    one_click = b"List-Unsubscribe=One-Click&token=" + token + b"&note=\xe9"
    answer = _post(audience, "/unsubscribe", one_click, "APPLICATION/x-www-form-urlencoded")
    assert answer.status_code == 400, answer.text
    assert audience.status("reader@example.org") == "active"


@pytest.mark.parametrize("serve_backend", ["sqlite"])
@pytest.mark.parametrize(
    ("name", "charset", "part_type"),
    [
        (b"Jos\xe9", "", ""),  # Latin-1, no charset named
        (b"Jos\xe9", "; charset=latin-1", ""),  # Latin-1, named by the request
        (b"Jos\xe9", "", "text/plain; charset=latin-1"),  # named by the part
        ("José".encode("utf-16"), "; charset=utf-16", ""),
        (b"Jos\xc0\xa9", "", ""),  # an overlong
        (b"\xed\xa0\x80x", "", ""),  # a lone surrogate's bytes
        (b"\xff\xfe", "; charset=bogus", ""),
    ],
)
def test_a_multipart_sign_up_of_bytes_that_are_not_utf_8_stores_nothing(
    audience, name, charset, part_type
):
    """A multipart sign-up whose name is no UTF-8 (Latin-1, UTF-16 named by the request or
    the part, an overlong, a surrogate's bytes): it was read as Latin-1 or as the charset
    the request named, and stored (`José`, `JosÃ©`, `\\xff\\xfe` as `ÿþ`); now the form
    again (400), as the URL-encoded one is, nothing stored or mailed."""
    body = _multipart(
        [
            (b"form_token", audience.form_token().encode()),
            (b"email", b"odd@example.org"),
            (b"name", name),
            (b"website", b""),
        ],
        part_type,
    )
    answer = _post(audience, "/subscribe", body, "multipart/form-data; boundary=b0" + charset)
    assert answer.status_code == 400, answer.text
    assert 'name="email"' in answer.text and "could not be read" in answer.text
    assert audience.confirmation_links() == []
    assert audience.status("odd@example.org") is None


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_multipart_form_naming_another_charset_is_read_as_utf_8(audience):
    """A multipart sign-up in UTF-8 whose Content-Type says `charset=utf-16` (or `utf-7`,
    which makes `+ACI-` a quote): read as UTF-8, as every browser posts our page; it was
    read as the charset named (`JosÃ©` where UTF-16 failed). A field name in Latin-1 is no
    field: the form again; a one-click unsubscribe in multipart still works."""
    for email, charset in (("jose@example.org", "utf-16"), ("ana@example.org", "utf-7")):
        body = _multipart(
            [
                (b"form_token", audience.form_token().encode()),
                (b"email", email.encode()),
                (b"name", "José +ACI-".encode()),
                (b"website", b""),
            ]
        )
        kind = f"Multipart/Form-Data; boundary=b0; charset={charset}"
        answer = _post(audience, "/subscribe", body, kind)
        assert answer.status_code == 200 and "Check your inbox" in answer.text, answer.text
    _confirm_all(audience)
    with audience.ws.store() as store:
        names = [store.get(email).name for email in ("jose@example.org", "ana@example.org")]
    assert names == ["José +ACI-", "José +ACI-"]
    body = _multipart([(b"form_token", audience.form_token().encode()), (b"em\xe9il", b"x")])
    answer = _post(audience, "/subscribe", body, "multipart/form-data; boundary=b0")
    assert answer.status_code == 400 and "could not be read" in answer.text
    audience.ws.add("reader@example.org")
    token = sign_token("reader@example.org", SECRET, LIST_ID).encode()
    body = _multipart([(b"List-Unsubscribe", b"One-Click"), (b"token", token)])
    answer = _post(audience, "/unsubscribe", body, "multipart/form-data; boundary=b0")
    assert answer.status_code == 200, answer.text
    assert audience.status("reader@example.org") == "unsubscribed"
