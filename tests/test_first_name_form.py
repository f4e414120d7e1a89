"""The sign-up form's optional first-name field: kept with the pending sign-up, stored on confirming."""

from __future__ import annotations

import re

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]


def _sign_up(audience, email: str, name: str, first_name: str | None):
    data = {"form_token": audience.form_token(), "email": email, "name": name, "website": ""}
    if first_name is not None:
        data["first_name"] = first_name
    return audience.http.post(f"{audience.url}/subscribe", data=data)


def _confirm(audience, link: str) -> None:
    token = link.split("token=")[1]
    done = audience.http.post(f"{audience.url}/confirm", data={"token": token})
    assert "You are subscribed" in done.text


def test_the_form_offers_an_optional_first_name_field(audience):
    """/subscribe shows a labelled, optional first-name input (autocomplete given-name)."""
    page = audience.http.get(f"{audience.url}/subscribe").text
    field = re.search(r'<input[^>]*name="first_name"[^>]*>', page)
    assert field is not None and "required" not in field.group(0)
    assert 'autocomplete="given-name"' in field.group(0)
    assert '<label for="first_name">First name' in page


def test_a_confirmed_sign_up_keeps_the_first_name_apart_from_the_name(audience):
    """The first name typed into the form is the subscriber's `first_name`; `name` stays full."""
    answer = _sign_up(audience, "ana@example.org", "Ana Quispe", "  Ana ")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    (link,) = audience.confirmation_links()
    _confirm(audience, link)
    with audience.ws.store() as store:
        ana = store.get("ana@example.org")
    assert (ana.name, ana.first_name, ana.status) == ("Ana Quispe", "Ana", "active")


def test_a_form_without_the_field_still_signs_up(audience):
    """An older copy of the form (no first_name) works as before: the first name stays empty."""
    assert _sign_up(audience, "bo@example.org", "Bo", None).status_code == 200
    (link,) = audience.confirmation_links()
    _confirm(audience, link)
    with audience.ws.store() as store:
        assert store.get("bo@example.org").first_name == ""


def test_a_refused_form_keeps_what_the_reader_typed(audience):
    """An invalid address re-shows the form with the first name filled in, escaped."""
    answer = _sign_up(audience, "not-an-address", "Ana", 'Ana "<b>"')
    assert answer.status_code == 400
    assert 'value="Ana &#34;&lt;b&gt;&#34;"' in answer.text or (
        'value="Ana &quot;&lt;b&gt;&quot;"' in answer.text
    )
