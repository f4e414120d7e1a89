"""serve's forms posted as no browser posts them, tried from outside over real HTTP on 127.0.0.1
(docs/security.md, *Feeds, reports, relays and serve, a third round from outside*)."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]


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
