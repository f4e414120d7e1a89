"""serve against method confusion and redirects: only a POST with a reader's token unsubscribes, nothing redirects elsewhere.

Cases of docs/security.md's "serve, bounces and relays, tried once more" table (held), over real
HTTP on 127.0.0.1.
"""

from __future__ import annotations

import pytest

from newsletter.mail.unsubscribe import sign_token

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"
READER = "reader@example.org"


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_one_click_look_alikes_change_nothing(audience):
    """One-click by GET, as text/plain or JSON, lower-cased, or with a garbled body token: no change."""
    audience.ws.add(READER)
    url = f"{audience.url}/unsubscribe?token={sign_token(READER, SECRET, LIST_ID)}"
    http = audience.http
    answers = [
        http.get(f"{url}&List-Unsubscribe=One-Click"),
        http.head(url, headers={"Sec-Purpose": "prefetch"}),
        http.post(
            url,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "text/plain"},
        ),
        http.post(url, json={"List-Unsubscribe": "One-Click"}),
        http.post(url, data={"list-unsubscribe": "one-click"}),
        http.post(
            f"{audience.url}/unsubscribe",
            data={"List-Unsubscribe": "One-Click", "token": "2~garbled"},
        ),
    ]
    assert [a.status_code for a in answers] == [200, 200, 400, 400, 400, 200]
    assert audience.status(READER) == "active"


@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_no_answer_redirects_to_another_site_or_is_cached(audience):
    """A trailing slash redirects only to the same path (no-store); `next=` and `//host` go nowhere."""
    token = sign_token(READER, SECRET, LIST_ID)
    http = audience.http
    slash = http.get(f"{audience.url}/unsubscribe/?token={token}", follow_redirects=False)
    assert slash.status_code == 307 and slash.headers["cache-control"] == "no-store"
    assert slash.headers["location"] == f"{audience.url}/unsubscribe?token={token}"
    for path in ("/subscribe?next=https://evil.example/", "//evil.example/subscribe", "/confirm/"):
        answer = http.get(f"{audience.url}{path}", follow_redirects=False)
        location = answer.headers.get("location", "")
        assert "evil.example" not in location, (path, location)
        assert answer.headers["cache-control"] == "no-store"
