"""`newsletter preview --host 0.0.0.0` (to look from a phone) still answers only names of this machine.

Bound to every address, the preview took any Host header, so a web page the editor opened
could rebind its own DNS name to this machine (127.0.0.1 or the LAN address), read the page's
session token and press Approve (`newsletter run` then mails the whole list) or Send a test.
A case of docs/security.md's "serve, bounces and relays, tried once more" table.  The
decision is tested on the server's own method with a wildcard bound address (the tests
listen on 127.0.0.1 only); `tests/test_preview_server.py` checks a request on the wire.
"""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest

from newsletter.preview.server import PreviewServer

PORT = 8025


def allows(bound: str, header: str | None) -> bool:
    """PreviewServer.allows_host as a server bound to `bound`:PORT answers it."""
    return PreviewServer.allows_host(
        SimpleNamespace(server_address=(bound, PORT), port=PORT), header
    )


@pytest.mark.parametrize("bound", ["0.0.0.0", "::"])
@pytest.mark.parametrize(
    "header",
    [
        f"attacker.example:{PORT}",  # a rebound name
        f"127.0.0.1.nip.io:{PORT}",
        f"localhost.attacker.example:{PORT}",
        f"xn--80ak6aa92e.com:{PORT}",
        "",
        None,
    ],
)
def test_a_preview_bound_to_every_address_refuses_other_names(bound, header):
    """Another site's name (DNS rebinding), or none, is refused even when bound to every address."""
    assert not allows(bound, header)


@pytest.mark.parametrize("bound", ["0.0.0.0", "::"])
def test_a_preview_bound_to_every_address_answers_its_addresses_and_names(bound):
    """An IP address (a phone on the LAN), a loopback name, this machine's name: answered."""
    own = socket.gethostname().lower().split(".")[0]
    for header in (
        f"192.168.1.20:{PORT}",
        f"127.0.0.1:{PORT}",
        f"[fe80::1]:{PORT}",
        f"[::1]:{PORT}",
        f"localhost:{PORT}",
        f"{own}:{PORT}",
        f"{own}.local:{PORT}",
    ):
        assert allows(bound, header), header
    assert not allows(bound, "192.168.1.20:8026")  # another port: another server
