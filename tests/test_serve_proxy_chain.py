"""Behind a trusted proxy, the client is the address its X-Forwarded-For ends with, in any form proxies write.

Some proxies (Azure's Application Gateway, IIS's ARR) write the client with its port:
`203.0.113.7:51234`, `[2001:db8::7]:443`.  Read as garbage, the client became the proxy
itself, so every reader shared one per-client limit: one script's sign-ups locked everyone
out.  A case of docs/security.md's "serve, bounces and relays, tried once more" table, over
real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import httpx

from newsletter.serve.runner import running_server
from tests.support.form_token import sign_up_token

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]


def sign_up(http: httpx.Client, url: str, email: str, forwarded: str) -> httpx.Response:
    token = sign_up_token(http, url)
    return http.post(
        f"{url}/subscribe",
        data={"form_token": token, "email": email},
        headers={"X-Forwarded-For": forwarded},
    )


def test_clients_written_with_their_ports_each_have_their_own_limit(send_ws, smtpd, audience_app):
    """Two clients behind the proxy, written `ip:port`, `[v6]:port`: each gets its own 2 sign-ups an hour."""
    app = audience_app(send_ws, smtpd, ("127.0.0.1",), client_limit=2, address_limit=10)[0]
    clients = ["203.0.113.7:51234", "[2001:db8::7]:443", "198.51.100.9"]
    with running_server(app) as server, httpx.Client(timeout=10) as http:
        for n, client in enumerate(clients):
            for i in range(2):
                answer = sign_up(http, server.url, f"r{n}x{i}@example.org", f"10.9.9.9, {client}")
                assert answer.status_code == 200, (client, i)
            over = sign_up(http, server.url, f"r{n}x9@example.org", client)
            assert over.status_code == 429, client  # its own limit, reached


def test_a_forged_port_form_left_of_the_proxys_entry_is_not_believed(send_ws, smtpd, audience_app):
    """The client is the right-most entry the trusted proxy wrote; a forged one to its left counts for nothing."""
    app = audience_app(send_ws, smtpd, ("127.0.0.1",), client_limit=1, address_limit=10)[0]
    with running_server(app) as server, httpx.Client(timeout=10) as http:
        assert sign_up(
            http, server.url, "a@example.org", "198.51.100.1:1, 203.0.113.7:2"
        ).is_success
        again = sign_up(http, server.url, "b@example.org", "198.51.100.2:1, 203.0.113.7:3")
        assert again.status_code == 429  # the same client, whatever it wrote before


def test_only_a_port_may_follow_a_bracketed_address():
    """`[v6]:443` and `[v6]` are the address; `[v6]junk`, `[v6]:` or `[v6]:44x` stay garbage,
    so nothing to their left is believed (a review's finding)."""
    from newsletter.serve.gateway import _without_port

    assert _without_port("[2001:db8::7]:443") == "2001:db8::7"
    assert _without_port("[2001:db8::7]") == "2001:db8::7"
    for garbled in ("[2001:db8::7]junk", "[2001:db8::7]:", "[2001:db8::7]:44x"):
        assert _without_port(garbled) == garbled
