"""`newsletter serve` attacked with replayed forms and tokens: each undo works once, for its own unsubscribe.

Cases of docs/security.md's "serve, bounces and relays, tried once more" table that needed a fix,
over real HTTP on 127.0.0.1 (uvicorn, the real app and database).
"""

from __future__ import annotations

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

from newsletter.mail.unsubscribe import sign_token  # noqa: E402
from tests.support.form_token import form_token_in  # noqa: E402

LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"
READER = "reader@example.org"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_an_undo_form_kept_from_an_earlier_page_cannot_bring_back_a_reader_who_left_since(audience):
    """A script that kept the undo form of its own unsubscribe cannot use it after the reader leaves on their own."""
    audience.ws.add(READER)
    token = sign_token(READER, SECRET, LIST_ID)
    url = f"{audience.url}/unsubscribe"
    origin = {"Origin": audience.public}
    # Whoever holds a copy of the email: unsubscribe the active reader, keep the undo form, undo.
    done = audience.http.post(f"{url}?token={token}", data=ONE_CLICK)
    kept = form_token_in(done.text)
    undo = {"token": token, "action": "resubscribe", "form_token": kept}
    assert audience.http.post(url, data=undo, headers=origin).status_code == 200
    assert audience.status(READER) == "active"
    # Hours later the reader leaves by their own link; the kept form must not undo that.
    audience.clock.now += 3 * 3600
    assert audience.http.post(f"{url}?token={token}", data=ONE_CLICK).status_code == 200
    replay = audience.http.post(url, data=undo, headers=origin)
    assert replay.status_code == 403
    assert audience.status(READER) == "unsubscribed"


def test_an_undo_form_works_once(audience):
    """The Resubscribe form of one unsubscribe, posted twice around a second unsubscribe, works only the first time."""
    audience.ws.add(READER)
    token = sign_token(READER, SECRET, LIST_ID)
    url = f"{audience.url}/unsubscribe"
    origin = {"Origin": audience.public}
    done = audience.http.post(url, data={"token": token, "action": "unsubscribe"})
    undo = {"token": token, "action": "resubscribe", "form_token": form_token_in(done.text)}
    assert audience.http.post(url, data=undo, headers=origin).status_code == 200
    audience.clock.now += 60
    second = audience.http.post(url, data={"token": token, "action": "unsubscribe"})
    assert second.status_code == 200 and audience.status(READER) == "unsubscribed"
    assert audience.http.post(url, data=undo, headers=origin).status_code == 403
    assert audience.status(READER) == "unsubscribed"
    # The second page's own form is the one that undoes the second unsubscribe.
    fresh = {**undo, "form_token": form_token_in(second.text)}
    assert audience.http.post(url, data=fresh, headers=origin).status_code == 200
    assert audience.status(READER) == "active"
