"""Cross-site form posts to serve: `Origin: null` and the request's own Host are not our pages."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_token

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]
pytestmark = pytest.mark.parametrize("serve_backend", ["sqlite"], indirect=True)

LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"


def signups(audience) -> list[str]:
    """Every sign-up row written, pending or used."""
    with sqlite3.connect(audience.ws.database) as conn:
        return [row[0] for row in conn.execute("SELECT email FROM signups")]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "null"},  # a no-referrer or sandboxed page elsewhere, no Fetch Metadata
        {"Referer": "https://evil.example.com/join.html"},  # an older browser: only a Referer
        {"Origin": "http://127.0.0.1:1"},  # another local service
    ],
)
def test_a_signup_posted_from_another_site_without_fetch_metadata_writes_nothing(audience, headers):
    """A valid form token posted with another site's (or a null) Origin: 403, no row, no mail."""
    answer = audience.sign_up("victim@example.org", **headers)
    assert answer.status_code == 403 and "Not allowed" in answer.text
    assert signups(audience) == [] and audience.smtpd.received == []


def test_an_origin_naming_the_requests_own_host_is_not_believed(audience):
    """DNS rebinding: Host and Origin both the attacker's name is still another site (403)."""
    rebound = "http://rebind.example.net:8080"
    data = {"form_token": audience.form_token(), "email": "victim@example.org", "website": ""}
    answer = audience.http.post(
        f"{audience.url}/subscribe",
        data=data,
        headers={"Host": "rebind.example.net:8080", "Origin": rebound},
    )
    assert answer.status_code == 403
    assert signups(audience) == [] and audience.smtpd.received == []
    own = audience.http.post(
        f"{audience.url}/subscribe", data=data, headers={"Host": "rebind.example.net:8080"}
    )
    assert own.status_code == 200  # the same post from no browser at all: the token applies


def test_our_own_pages_origin_or_referer_is_taken(audience):
    """The public origin, as Origin or as a same-origin Referer, is our page: pending and mailed."""
    by_origin = audience.sign_up("one@example.org", Origin=audience.public)
    by_referer = audience.sign_up("two@example.org", Referer=f"{audience.public}/subscribe")
    assert by_origin.status_code == by_referer.status_code == 200
    assert sorted(signups(audience)) == ["one@example.org", "two@example.org"]
    assert len(audience.confirmation_links()) == 2


def test_confirm_and_unsubscribe_forms_refuse_a_null_origin_but_one_click_works(audience):
    """`Origin: null` cannot confirm or use the unsubscribe page; RFC 8058 one-click still works."""
    audience.sign_up("new@example.org", Origin=audience.public)
    (link,) = audience.confirmation_links()
    token = link.split("token=")[1]
    refused = audience.http.post(
        f"{audience.url}/confirm", data={"token": token}, headers={"Origin": "null"}
    )
    assert refused.status_code == 403 and audience.status("new@example.org") is None
    audience.ws.add("reader@example.org")
    reader = sign_token("reader@example.org", SECRET, LIST_ID)
    page_post = audience.http.post(
        f"{audience.url}/unsubscribe",
        data={"token": reader, "action": "unsubscribe"},
        headers={"Origin": "null"},
    )
    assert page_post.status_code == 403 and audience.status("reader@example.org") == "active"
    one_click = audience.http.post(
        f"{audience.url}/unsubscribe?token={reader}",
        data={"List-Unsubscribe": "One-Click"},
        headers={"Origin": "null"},  # a mail provider's POST need not name any page
    )
    assert one_click.status_code == 200
    assert audience.status("reader@example.org") == "unsubscribed"
    confirmed = audience.http.post(
        f"{audience.url}/confirm", data={"token": token}, headers={"Origin": audience.public}
    )
    assert "You are subscribed" in confirmed.text
    assert audience.status("new@example.org") == "active"


def test_pages_ask_browsers_for_the_real_origin_and_no_referer_elsewhere(audience):
    """Every page sends `Referrer-Policy: same-origin`: our origin on our posts, nothing to others."""
    for path in ("/subscribe", "/unsubscribe?token=x", "/confirm?token=x"):
        answer = httpx.get(f"{audience.url}{path}")
        assert answer.headers["referrer-policy"] == "same-origin"
