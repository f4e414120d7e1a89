"""serve against either backend under hostile load, from outside: sign-ups racing on the
per-client limit and on one inbox's; on PostgreSQL, a server with fewer connections for us
than serve has database threads."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
import pytest

from newsletter.mail.unsubscribe import sign_token
from newsletter.serve.runner import running_server
from tests.support.bounce_messages import TEST_LIST_ID, TEST_SECRET
from tests.support.form_token import sign_up_token

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]


def _limited_role(served_ws, postgres_server, monkeypatch, prefix: str, limit: int) -> str:
    """A role allowed `limit` connections owning a fresh database (its password in the
    environment, as serve reads it): the URL of that database as the role."""
    name = served_ws.settings.database.rsplit("/", 1)[1]
    role = f"{prefix}_{name}"
    with postgres_server.connect() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{prefix} pw' CONNECTION LIMIT {limit}")
        conn.execute(f'CREATE DATABASE "{name}_{prefix[0]}" OWNER {role}')
    monkeypatch.setenv("NEWSLETTER_DATABASE_PASSWORD", f"{prefix} pw")
    return postgres_server.url(f"{name}_{prefix[0]}", user=role)


def _one_click(http: httpx.Client, base: str, email: str) -> int:
    """A mail provider's one-click unsubscribe for `email`: the answer's status code."""
    token = sign_token(email, TEST_SECRET, TEST_LIST_ID)
    posted = http.post(f"{base}/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"})
    return posted.status_code


def test_sign_ups_racing_from_one_client_are_held_to_its_limit(served_ws, smtpd, audience_app):
    """24 sign-ups at once from one client (behind a trusted proxy), each a new address, with a
    limit of 3: exactly 3 are taken and the rest are 429, on SQLite and on PostgreSQL (where
    the database threads count in parallel)."""
    app = audience_app(served_ws, smtpd, ("127.0.0.1",), client_limit=3)[0]
    with running_server(app) as server, httpx.Client(timeout=30) as http:
        token = sign_up_token(http, server.url)

        def sign_up(i: int) -> int:
            return http.post(
                f"{server.url}/subscribe",
                data={"form_token": token, "email": f"flood-{i}@example.org"},
                headers={"X-Forwarded-For": "203.0.113.9"},
            ).status_code

        with ThreadPoolExecutor(12) as pool:
            codes = sorted(pool.map(sign_up, range(24)))
    assert codes == [200] * 3 + [429] * 21
    assert len(smtpd.received) == 3  # three confirmation emails, no more


def test_sign_ups_racing_for_one_inbox_mail_it_at_most_its_limit(served_ws, smtpd, audience_app):
    """24 sign-ups at once for one Gmail inbox spelt 24 ways (`v.ictim+N@`, `VICTIM@…`), each
    from its own client: the inbox gets at most its 3 confirmation emails a day, on both
    backends."""
    app = audience_app(served_ws, smtpd, ("127.0.0.1",))[0]
    spellings = [
        f"v.ictim+{i}@gmail.com" if i % 2 else f"VIC.TIM+{i}@googlemail.com" for i in range(24)
    ]
    with running_server(app) as server, httpx.Client(timeout=30) as http:
        token = sign_up_token(http, server.url)

        def sign_up(i: int) -> int:
            return http.post(
                f"{server.url}/subscribe",
                data={"form_token": token, "email": spellings[i]},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            ).status_code

        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(sign_up, range(24)))
    assert set(codes) <= {200, 429}
    assert len(smtpd.received) == 3


@pytest.mark.parametrize("serve_backend", ["postgresql"])
def test_fewer_server_connections_than_database_threads_answer_every_one_click(
    served_ws, smtpd, audience_app, postgres_server, monkeypatch
):
    """A role allowed 3 connections (a small managed server, or one shared with other hosts)
    and 40 one-clicks at once through serve's 8 database threads: each waits for a connection
    another call gives back, and every one is answered 200 and applied (5 of the 8 threads
    could never connect: 4 in 10 one-clicks were 503, and a mail provider may not retry)."""
    ws = served_ws.on_server(_limited_role(served_ws, postgres_server, monkeypatch, "capped", 3))
    readers = [f"r{i}@example.org" for i in range(40)]
    app = audience_app(ws, smtpd)[0]  # logs in and makes the schema, then lets go
    ws.add(*readers)
    with running_server(app) as server, httpx.Client(timeout=60) as http:
        one_click = partial(_one_click, http, server.url)
        with ThreadPoolExecutor(20) as pool:
            codes = list(pool.map(one_click, readers))
    assert codes == [200] * 40
    assert set(ws.statuses().values()) == {"unsubscribed"}


@pytest.mark.slow
@pytest.mark.parametrize("serve_backend", ["postgresql"])
def test_a_full_server_is_not_hammered_with_logins_while_calls_wait_for_a_slot(
    served_ws, smtpd, audience_app, postgres_server, monkeypatch
):
    """While every connection the role may have is taken (by another host, here the test), 8
    one-clicks at once wait for a slot with logins spaced out (doubling up to 1 s, shared by
    the worker's threads), not one login per thread every 0.1 s (about 160 in 2 s); once a
    slot frees, each is answered as before (200, or 503 past its budget) and what got 200 is
    applied."""
    import psycopg

    from newsletter.serve import server_link

    url = _limited_role(served_ws, postgres_server, monkeypatch, "full", 2)
    ws = served_ws.on_server(url)
    readers = [f"r{i}@example.org" for i in range(8)]
    app = audience_app(ws, smtpd)[0]  # logs in and makes the schema, then lets go
    ws.add(*readers)
    logins: list[float] = []
    real_connect = server_link._connect

    def counted(server):  # the real login, counted
        logins.append(time.monotonic())
        return real_connect(server)

    monkeypatch.setattr(server_link, "_connect", counted)
    held = [psycopg.connect(url, password="full pw") for _ in range(2)]  # the role's 2 slots
    with running_server(app) as server, httpx.Client(timeout=60) as http:
        one_click = partial(_one_click, http, server.url)
        with ThreadPoolExecutor(8) as pool:
            answers = pool.map(one_click, readers)
            time.sleep(2.0)
            full = len(logins)  # the logins tried while the server had no slot for us
            for conn in held:
                conn.close()
            codes = list(answers)
    assert 1 <= full <= 20, f"{full} logins in 2 s against a full server"
    assert set(codes) <= {200, 503} and 200 in codes, codes
    statuses = ws.statuses()
    assert all(
        statuses[r] == "unsubscribed" for r, c in zip(readers, codes, strict=True) if c == 200
    )
