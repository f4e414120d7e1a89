"""`newsletter serve` over real HTTP: one-click unsubscribe, the pages, sign-up, confirmation, limits."""

from __future__ import annotations

import base64
import logging
import re

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_legacy_token, sign_token
from newsletter.serve.runner import running_server
from newsletter.subscribers.consent import consent_for
from newsletter.subscribers.suppression import forget
from tests.support.form_token import form_token_in, sign_up_token

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]

LIST_ID = "the-test-brief.example.org"
SECRET = b"test-secret-0123456789abcdef"
READER = "reader@example.org"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def link_for(audience, email: str, secret: bytes = SECRET) -> str:
    return f"{audience.url}/unsubscribe?token={sign_token(email, secret, LIST_ID)}"


def send_in_one_process(audience) -> None:
    """Send the issue to the audience's readers from this process, not forked workers: serve
    runs in this process too, and its WAL checkpoint thread may hold one of SQLite's locks at
    the fork, which a worker then waits for in sqlite3.connect for ever (the suite hung so)."""
    from dataclasses import replace

    from newsletter.send.sender import send_issue

    settings = audience.settings
    send_issue(audience.ws.issue, replace(settings, smtp=replace(settings.smtp, processes=1)))


def without_tokens(html: str) -> str:
    """The page with every echoed token blanked: what differs only by what the reader sent."""
    return re.sub(r'name="(form_)?token" value="[^"]*"', r'name="\1token" value=""', html)


def test_one_click_post_from_a_sent_message_unsubscribes_at_once(audience):
    """The List-Unsubscribe URL of a real message, POSTed with the RFC 8058 body: 200, committed."""
    audience.ws.add(READER)
    send_in_one_process(audience)
    header = audience.smtpd.received[0].message()["List-Unsubscribe"]
    url = re.search(r"<(https://[^>]+)>", header).group(1)
    mailto = re.search(r"<mailto:([^>]+)>", header).group(1)
    assert "subject=unsubscribe%20" in mailto and url.split("token=")[1] in mailto
    response = audience.http.post(audience.local(url), data=ONE_CLICK)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert audience.status(READER) == "unsubscribed"  # committed before the answer


def test_one_click_as_multipart_form_data_works_too(audience):
    """Some receivers POST the one-click body as multipart/form-data."""
    audience.ws.add(READER)
    response = audience.http.post(
        link_for(audience, READER), files={"List-Unsubscribe": (None, "One-Click")}
    )
    assert response.status_code == 200
    assert audience.status(READER) == "unsubscribed"


def test_an_old_signed_link_from_an_issue_already_sent_still_unsubscribes(audience):
    """A token made before tokens were sealed (address readable) still unsubscribes its reader, one-click and by the page."""
    audience.ws.add(READER, "other@example.org")
    old = sign_legacy_token(READER, SECRET, LIST_ID)
    response = audience.http.post(f"{audience.url}/unsubscribe?token={old}", data=ONE_CLICK)
    assert response.status_code == 200 and audience.status(READER) == "unsubscribed"
    other = sign_legacy_token("other@example.org", SECRET, LIST_ID)
    page = audience.http.post(
        f"{audience.url}/unsubscribe", data={"token": other, "action": "unsubscribe"}
    )
    assert page.status_code == 200 and audience.status("other@example.org") == "unsubscribed"


# The send runs on SQLite only until the shared journal lands (docs/postgresql.md).
@pytest.mark.parametrize("serve_backend", ["sqlite"])
def test_a_sent_message_carries_no_readable_address_in_its_links(audience):
    """Outside To, the reader's address appears nowhere in a sent copy, plain or base64, not even in its token."""
    audience.ws.add(READER)
    send_in_one_process(audience)
    message = audience.smtpd.received[0].message()
    headers = "\n".join(f"{k}: {v}" for k, v in message.items() if k.lower() != "to")
    parts = [message.get_body((kind,)).get_content() for kind in ("html", "plain")]
    readable = base64.urlsafe_b64encode(READER.encode()).decode().rstrip("=")
    for text in (headers, *parts):
        assert READER not in text and readable[:16] not in text
    tokens = {t for text in (headers, *parts) for t in re.findall(r"token=([\w~.-]+)", text)}
    (token,) = tokens
    assert token.startswith("2~") and len(token) == 66


def test_a_link_scanners_get_changes_nothing_and_the_pages_buttons_do(audience):
    """GET shows a confirm button; pressing it unsubscribes; Resubscribe brings the reader back."""
    audience.ws.add(READER)
    link = link_for(audience, READER)
    for _ in range(3):
        page = audience.http.get(link, headers={"User-Agent": "LinkScanner/1.0"})
        assert page.status_code == 200 and ">Unsubscribe</button>" in page.text
    assert audience.status(READER) == "active"
    token = link.split("token=")[1]
    done = audience.http.post(
        f"{audience.url}/unsubscribe", data={"token": token, "action": "unsubscribe"}
    )
    assert done.status_code == 200 and ">Resubscribe</button>" in done.text
    assert audience.status(READER) == "unsubscribed"
    back = audience.http.post(
        f"{audience.url}/unsubscribe",
        data={"token": token, "action": "resubscribe", "form_token": form_token_in(done.text)},
        headers={"Origin": audience.public},  # what a browser sends from our same-origin page
    )
    assert back.status_code == 200 and "receives The Test Brief again" in back.text
    assert audience.status(READER) == "active"


def test_resubscribing_needs_the_pages_own_form_not_just_the_token(audience):
    """A bare token POST, another reader's form, a forged form or a script without Origin: 403, still unsubscribed."""
    audience.ws.add(READER, "other@example.org")
    token = sign_token(READER, SECRET, LIST_ID)
    other = sign_token("other@example.org", SECRET, LIST_ID)
    url = f"{audience.url}/unsubscribe"
    done = audience.http.post(url, data={"token": token, "action": "unsubscribe"})
    others_page = audience.http.post(url, data={"token": other, "action": "unsubscribe"})
    own, borrowed = form_token_in(done.text), form_token_in(others_page.text)
    attempts = [
        ({"token": token, "action": "resubscribe"}, {"Origin": audience.public}),  # no form token
        (
            {"token": token, "action": "resubscribe", "form_token": borrowed},
            {"Origin": audience.public},
        ),
        (
            {"token": token, "action": "resubscribe", "form_token": own + "0"},
            {"Origin": audience.public},
        ),
        ({"token": token, "action": "resubscribe", "form_token": own}, {}),  # no browser Origin
        (
            {"token": token, "action": "resubscribe", "form_token": own},
            {"Origin": audience.public, "Sec-Fetch-Site": "cross-site"},
        ),
    ]
    for data, headers in attempts:
        refused = audience.http.post(url, data=data, headers=headers)
        assert refused.status_code == 403
        assert audience.status(READER) == "unsubscribed"
    audience.clock.now += 86400 + 60  # a day-old page's form has expired too
    late = audience.http.post(
        url,
        data={"token": token, "action": "resubscribe", "form_token": own},
        headers={"Origin": audience.public},
    )
    assert late.status_code == 403 and audience.status(READER) == "unsubscribed"
    assert 'name="form_token"' not in late.text and 'href="/subscribe"' in late.text


def test_the_undo_after_a_readers_own_unsubscribe_works_within_the_day(audience):
    """The Resubscribe button on the page that unsubscribed an active reader puts them back."""
    audience.ws.add(READER)
    token = sign_token(READER, SECRET, LIST_ID)
    url = f"{audience.url}/unsubscribe"
    done = audience.http.post(url, data={"token": token, "action": "unsubscribe"})
    back = audience.http.post(
        url,
        data={"token": token, "action": "resubscribe", "form_token": form_token_in(done.text)},
        headers={"Origin": audience.public},
    )
    assert back.status_code == 200 and audience.status(READER) == "active"


def test_a_script_with_a_token_cannot_resubscribe_a_reader_who_left(audience):
    """Unsubscribing a reader who already left, or a refused resubscribe, hands a script no working form."""
    audience.ws.add(READER)
    token = sign_token(READER, SECRET, LIST_ID)
    url = f"{audience.url}/unsubscribe"
    audience.http.post(f"{url}?token={token}", data={"List-Unsubscribe": "One-Click"})  # they left
    # Later, whoever holds a copy of their email: unsubscribe again (no change), then undo.
    again = audience.http.post(f"{url}?token={token}", data={"List-Unsubscribe": "One-Click"})
    page = audience.http.post(url, data={"token": token, "action": "unsubscribe"})
    refused = audience.http.post(url, data={"token": token, "action": "resubscribe"})
    for answer in (again, page, refused):
        form_token = form_token_in(answer.text) if 'name="form_token"' in answer.text else ""
        tried = audience.http.post(
            url,
            data={"token": token, "action": "resubscribe", "form_token": form_token},
            headers={"Origin": audience.public},
        )
        assert tried.status_code == 403
        assert audience.status(READER) == "unsubscribed"


@pytest.mark.parametrize(
    "make",
    [
        lambda good: sign_token(READER, b"another key", LIST_ID),  # forged: wrong key
        lambda good: good[:-1] + ("A" if good[-1] != "A" else "B"),  # altered sealed address
        lambda good: (
            sign_token("other@example.org", SECRET, LIST_ID)[:24] + good[24:]
        ),  # another reader's tag, this reader's sealed address
        lambda good: good + "é",  # not ASCII
        lambda good: good + "x" * 500,  # far too long
        lambda good: good[:24],  # the tag alone
        lambda good: "garbage",
        lambda good: good + "=",  # padded, wrong length
        lambda good: (
            sign_legacy_token("other@example.org", SECRET, LIST_ID).split(".")[0]
            + "."
            + sign_legacy_token(READER, SECRET, LIST_ID).split(".")[1]
        ),  # an old-style token: another reader's address, this reader's signature
        lambda good: sign_legacy_token(READER, SECRET, LIST_ID).split(".")[0],  # old, unsigned
    ],
    ids=[
        "forged",
        "altered",
        "swapped",
        "non-ascii",
        "long",
        "tag-only",
        "garbage",
        "padded",
        "old-swapped",
        "old-unsigned",
    ],
)
def test_a_bad_token_changes_nothing_and_gets_the_same_neutral_page(audience, make):
    """Forged, altered or malformed tokens: 200, the same page as a real one, nobody unsubscribed."""
    audience.ws.add(READER, "other@example.org")
    good = sign_token(READER, SECRET, LIST_ID)
    audience.ws.add("control@example.org")
    real = audience.http.post(link_for(audience, "control@example.org"), data=ONE_CLICK)
    bad = audience.http.post(
        f"{audience.url}/unsubscribe", params={"token": make(good)}, data=ONE_CLICK
    )
    assert bad.status_code == 200
    assert without_tokens(bad.text) == without_tokens(real.text)
    assert audience.status(READER) == "active" and audience.status("other@example.org") == "active"


def test_no_answer_tells_whether_an_address_is_on_the_list(audience):
    """Sign-ups for a new, pending, active, unsubscribed or forgotten address answer alike."""
    audience.ws.add("active@example.org", "unsubscribed@example.org", "forgotten@example.org")
    with audience.ws.store() as store:
        store.set_status("unsubscribed@example.org", "unsubscribed")
        forget(store.conn, "forgotten@example.org")
    audience.sign_up("pending@example.org")
    answers = [
        audience.sign_up(email)
        for email in (
            "new@example.org",
            "pending@example.org",
            "active@example.org",
            "unsubscribed@example.org",
            "forgotten@example.org",
        )
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert len(audience.confirmation_links()) == 6  # everyone gets the same email, even the active


def test_a_confirmation_link_activates_once_with_a_consent_record(audience):
    """GET shows a button (scanners again); POST activates and records consent; a replay does nothing."""
    answer = audience.sign_up("new.reader@example.org", "New Reader")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    (link,) = audience.confirmation_links()
    page = audience.http.get(audience.local(link))
    assert page.status_code == 200 and "Confirm my subscription" in page.text
    assert audience.status("new.reader@example.org") is None
    token = link.split("token=")[1]
    done = audience.http.post(f"{audience.url}/confirm", data={"token": token})
    assert "You are subscribed" in done.text
    assert audience.status("new.reader@example.org") == "active"
    with audience.ws.store() as store:
        assert store.get("new.reader@example.org").name == "New Reader"
        consent = consent_for(store.conn, "new.reader@example.org")
    assert (consent.source, consent.client) == ("form", "127.0.0.1")
    assert consent.wording.startswith("form-1:")
    with audience.ws.store() as store:
        store.set_status("new.reader@example.org", "unsubscribed")
    replay = audience.http.post(f"{audience.url}/confirm", data={"token": token})
    assert "This link no longer works" in replay.text
    assert audience.status("new.reader@example.org") == "unsubscribed"


def test_a_link_scanners_head_request_confirms_and_unsubscribes_nobody(audience):
    """HEAD of a confirmation or unsubscribe link (as mail scanners send) is a GET: nothing changes."""
    audience.ws.add(READER)
    audience.sign_up("scanned@example.org")
    (link,) = audience.confirmation_links()
    for url in (audience.local(link), link_for(audience, READER)):
        answer = audience.http.head(url, headers={"User-Agent": "LinkScanner/1.0"})
        assert answer.status_code == 200
    assert audience.status("scanned@example.org") is None
    assert audience.status(READER) == "active"


def test_an_expired_or_forged_confirmation_changes_nothing(audience):
    """A link older than serve.confirm_days, or one never issued, activates nobody."""
    audience.sign_up("late@example.org")
    (link,) = audience.confirmation_links()
    audience.clock.now += 7 * 86400 + 1
    late = audience.http.post(f"{audience.url}/confirm", data={"token": link.split("token=")[1]})
    assert "This link no longer works" in late.text
    forged = audience.http.post(f"{audience.url}/confirm", data={"token": "A" * 43})
    assert forged.text == late.text
    assert audience.status("late@example.org") is None


def test_an_unsubscribed_reader_who_confirms_again_is_resubscribed(audience):
    """Their own confirmed sign-up is an explicit choice: it lifts the unsubscribe."""
    audience.ws.add(READER)
    audience.http.post(link_for(audience, READER), data=ONE_CLICK)
    audience.sign_up(READER)
    (link,) = audience.confirmation_links()
    audience.http.post(f"{audience.url}/confirm", data={"token": link.split("token=")[1]})
    assert audience.status(READER) == "active"


@pytest.mark.parametrize("audience", [{"client_limit": 10, "address_limit": 3}], indirect=True)
def test_a_flood_of_signups_is_limited_per_client_and_per_address(audience):
    """Past the limits the answer is 429 with Retry-After, and no more email goes out."""
    same = [audience.sign_up("victim@example.org") for _ in range(5)]
    assert [r.status_code for r in same] == [200, 200, 200, 429, 429]
    assert int(same[3].headers["Retry-After"]) > 3600  # the per-address window is a day
    many = [audience.sign_up(f"flood{i}@example.org") for i in range(12)]
    codes = [r.status_code for r in many]
    assert codes.count(200) == 7 and codes[7:] == [429] * 5  # 10 per client per hour in all
    assert 0 < int(many[-1].headers["Retry-After"]) <= 3600
    assert len(audience.confirmation_links()) == 10


@pytest.mark.parametrize("audience", [{"client_limit": 100, "address_limit": 3}], indirect=True)
def test_the_per_address_limit_counts_one_inbox_however_its_address_is_spelt(audience):
    """`+tags`, capitals and Gmail's dots reach one inbox: they share its 3 emails a day
    (each spelling had 3 of its own, so a script could mail one person without end)."""
    spellings = ["victim+1@example.org", "Victim+news@example.org", "VICTIM@EXAMPLE.ORG"]
    spellings += ["victim+2@example.org", "victim@example.org"]
    codes = [audience.sign_up(email).status_code for email in spellings]
    assert codes == [200, 200, 200, 429, 429]
    gmail = [
        "v.ictim@gmail.com",
        "vic.tim+x@gmail.com",
        "victim@googlemail.com",
        "Victim@gmail.com",
    ]
    assert [audience.sign_up(email).status_code for email in gmail] == [200, 200, 200, 429]
    assert audience.sign_up("victim2@example.org").status_code == 200  # another inbox
    assert len(audience.confirmation_links()) == 7


@pytest.mark.parametrize("audience", [{"client_limit": 6}], indirect=True)
def test_at_once_a_link_confirms_once_and_the_limit_holds(audience):
    """Requests side by side (on PostgreSQL, on several database threads): one confirmation
    link posted 8 times at once activates once; 12 sign-ups at once pass the limit 6 times."""
    from concurrent.futures import ThreadPoolExecutor

    audience.sign_up("twice@example.org")
    (link,) = audience.confirmation_links()
    data = {"token": link.split("token=")[1]}
    with ThreadPoolExecutor(8) as pool:
        posts = list(pool.map(lambda _: httpx.post(f"{audience.url}/confirm", data=data), range(8)))
    assert sum("You are subscribed" in p.text for p in posts) == 1
    assert sum("This link no longer works" in p.text for p in posts) == 7
    tokens = [audience.form_token() for _ in range(12)]

    def sign_up(i: int) -> int:
        form = {"form_token": tokens[i], "email": f"crowd{i}@example.org", "website": ""}
        return httpx.post(f"{audience.url}/subscribe", data=form).status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(sign_up, range(12)))
    assert codes.count(200) == 5 and codes.count(429) == 7  # 6 per client: 1 above, 5 here


def test_the_honeypot_a_foreign_origin_and_a_stale_form_are_refused(audience):
    """A filled hidden field is ignored silently; another site's post is 403; a stale form is 400."""
    data = {
        "form_token": audience.form_token(),
        "email": "bot@example.org",
        "website": "http://spam.example.com",
    }
    bot = audience.http.post(f"{audience.url}/subscribe", data=data)
    assert bot.status_code == 200 and "Check your inbox" in bot.text
    foreign = audience.sign_up("csrf@example.org", Origin="https://evil.example.com")
    assert foreign.status_code == 403
    sandboxed = audience.sign_up(
        "csrf@example.org", Origin="null", **{"Sec-Fetch-Site": "cross-site"}
    )
    assert sandboxed.status_code == 403
    stale = audience.http.post(
        f"{audience.url}/subscribe", data={"form_token": "1.abc", "email": "stale@example.org"}
    )
    assert stale.status_code == 400 and "This form has expired" in stale.text
    yesterdays = audience.form_token()
    audience.clock.now += 86400 + 10
    old_form = audience.http.post(
        f"{audience.url}/subscribe", data={"form_token": yesterdays, "email": "old@example.org"}
    )
    assert old_form.status_code == 400
    assert audience.confirmation_links() == []


def test_an_invalid_address_is_told_to_the_form(audience):
    """A typo gets the form again with a message linked to the field (400)."""
    answer = audience.sign_up("not-an-address")
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.text and 'role="alert"' in answer.text


def test_every_response_carries_the_security_headers(audience):
    """CSP with frame-ancestors 'none', same-origin referrers, nosniff, no-store: on pages, errors and 404s."""
    for response in (
        audience.http.get(f"{audience.url}/subscribe"),
        audience.http.get(f"{audience.url}/nothing-here"),
        audience.http.put(f"{audience.url}/unsubscribe"),
        audience.http.post(f"{audience.url}/unsubscribe", content=b"x" * 20000),
    ):
        h = response.headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "default-src 'none'" in h["content-security-policy"]
        assert h["referrer-policy"] == "same-origin"
        assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
        assert "server" not in h
    assert response.status_code == 413


def test_each_request_logs_one_line_without_tokens_or_whole_addresses(audience, caplog):
    """The log line has method, path, status and a masked client; never a token or an address."""
    audience.ws.add(READER)
    link = link_for(audience, READER)
    with caplog.at_level(logging.INFO, logger="newsletter.serve"):
        audience.http.post(link, data=ONE_CLICK)
        audience.sign_up("private.person@example.org")
    lines = [r.getMessage() for r in caplog.records if r.name == "newsletter.serve"]
    assert len(lines) == 3  # the one-click, the form, the sign-up
    assert lines[0].startswith("POST /unsubscribe 200 ") and "client=127.0.0.x" in lines[0]
    assert "unsubscribe one-click r…@example.org" in lines[0]
    text = "\n".join(lines)
    assert link.split("token=")[1] not in text and "token" not in text
    assert READER not in text and "private.person" not in text


def test_forwarded_headers_count_only_from_a_trusted_proxy(send_ws, smtpd, audience_app):
    """X-Forwarded-For names the client only when the peer is a --trusted-proxy."""
    forwarded = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7", "X-Forwarded-Proto": "https"}
    for trusted, expected in (((), "127.0.0.1"), (("127.0.0.1",), "203.0.113.7")):
        app = audience_app(send_ws, smtpd, trusted)[0]
        email = f"via{len(trusted)}@example.org"
        with running_server(app) as server, httpx.Client() as http:
            token = sign_up_token(http, server.url)
            http.post(
                f"{server.url}/subscribe",
                data={"form_token": token, "email": email},
                headers=forwarded,
            )
        link = next(r for r in smtpd.received if email.encode() in r.data)
        token = re.search(rb"confirm\?token=([\w-]+)", link.data).group(1).decode()
        with (
            running_server(audience_app(send_ws, smtpd, trusted)[0]) as server,
            httpx.Client() as http,
        ):
            http.post(f"{server.url}/confirm", data={"token": token})
        with send_ws.store() as store:
            assert consent_for(store.conn, email).client == expected


@pytest.mark.slow
def test_a_busy_database_answers_503_and_changes_nothing(audience, serve_backend):
    """While another process holds the write lock past the 5 s wait, the answer is 503 with
    Retry-After (on PostgreSQL: a lock on the list's table, past lock_timeout)."""
    audience.ws.add(READER)
    if serve_backend == "sqlite":
        import sqlite3

        blocker = sqlite3.connect(audience.ws.database, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
    else:
        blocker = audience.ws.store().conn
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE subscribers IN EXCLUSIVE MODE")
    try:
        response = httpx.post(link_for(audience, READER), data=ONE_CLICK, timeout=20)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert audience.status(READER) == "active"


@pytest.mark.parametrize("serve_backend", ["postgresql"])
def test_postgresql_down_answers_503_changes_nothing_and_serve_recovers(
    served_ws, smtpd, audience_app, postgres_server
):
    """With PostgreSQL unreachable mid-run, an unsubscribe is 503 with Retry-After and changes
    nothing; the page that needs no database still answers; once back, the same POST works."""
    from tests.support.tcp_relay import tcp_relay

    served_ws.add(READER)
    with tcp_relay(postgres_server.host, postgres_server.port) as relay:
        ws = served_ws.on_server(
            served_ws.settings.database.replace(f":{postgres_server.port}/", f":{relay.port}/")
        )
        app = audience_app(ws, smtpd)[0]
        with running_server(app) as server, httpx.Client(timeout=20) as http:
            url = f"{server.url}/unsubscribe?token={sign_token(READER, SECRET, LIST_ID)}"
            relay.stop()  # the server goes away: open connections cut, new ones refused
            down = http.post(url, data=ONE_CLICK)
            page = http.get(f"{server.url}/subscribe")
            assert down.status_code == 503 and down.headers["Retry-After"]
            assert page.status_code == 200
            with served_ws.store() as store:
                assert store.get(READER).status == "active"
            relay.start()
            back = http.post(url, data=ONE_CLICK)
    assert back.status_code == 200
    with served_ws.store() as store:
        assert store.get(READER).status == "unsubscribed"


def test_the_server_never_lists_subscribers(audience):
    """No route answers with the list: only the three pages exist."""
    audience.ws.add(READER)
    for path in ("/", "/subscribers", "/unsubscribe/list", "/confirm/all", "/export"):
        assert audience.http.get(f"{audience.url}{path}").status_code == 404


def test_a_relay_that_is_down_answers_503_for_any_address(send_ws, smtpd, audience_app, caplog):
    """No relay: the sign-up answers 503 with Retry-After, the same for everyone; the log masks the address."""
    from dataclasses import replace

    from tests.support.smtp_server import free_port

    dead = replace(smtpd, port=free_port())  # nothing listens there
    app = audience_app(send_ws, dead)[0]
    send_ws.add("active@example.org")
    with (
        running_server(app) as server,
        httpx.Client(timeout=30) as http,
        caplog.at_level(logging.INFO, logger="newsletter.serve"),
    ):
        answers = []
        for email in ("new@example.org", "active@example.org"):
            token = sign_up_token(http, server.url)
            answers.append(
                http.post(f"{server.url}/subscribe", data={"form_token": token, "email": email})
            )
    assert [a.status_code for a in answers] == [503, 503]
    assert answers[0].text == answers[1].text and answers[0].headers["Retry-After"]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "confirmation email not sent" in text and "new@example.org" not in text
