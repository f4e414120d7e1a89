"""Only the public internet is fetched: a feed or a link cannot make us probe the editor's network.

A feed URL in `sources` and every link `check --links` fetches are other people's text.  Left
alone, `http://127.0.0.1:6379/`, `http://10.0.0.1/admin` or `http://169.254.169.254/` (a cloud
machine's metadata, its credentials among them) would be requested from the editor's machine,
and the answer (a status, a redirect, a parse error) reported back.  So a host is resolved
once, every address it resolves to is checked, and the connection goes to the address that
was checked, never to a second look-up: a name that answers a public address to the check and
127.0.0.1 to the connection (DNS rebinding) cannot slip through.  Each redirect is a new
connection, checked the same way.

Refused: loopback, private (RFC 1918, unique local), link-local, shared (100.64/10), multicast,
unspecified (0.0.0.0 reaches this machine) and reserved or documentation ranges; in IPv6 also
an IPv4 address carried inside one (::ffff:127.0.0.1, 6to4, Teredo, NAT64).  An editor who
serves a feed on their own machine sets `limits.private_hosts = true` (and then every feed and
link may reach it).
"""

from __future__ import annotations

import http.client
import socket
from typing import Any

from newsletter.public_addresses import not_public

OPT_IN = "set limits.private_hosts = true in newsletter.toml to allow it"


class PrivateHostError(OSError):
    """A host that resolves to an address on this machine or its network: not connected to."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        shown = host if host == address else f"{host} ({address})"
        super().__init__(f"{shown} is {kind}: not fetched; {OPT_IN}")
        self.host, self.address, self.kind = host, address, kind
        self.strerror = str(self)


def connect_public(
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
    *,
    allow_private: bool = False,
) -> socket.socket:
    """A TCP connection to `address` (host, port), made only to addresses that were checked.

    Every address the host resolves to must be public (one that is not refuses the host: a
    name that mixes them is not one to trust); the connection is then made to those
    addresses, in order, without resolving the name again.  The signature is
    `socket.create_connection`'s, for http.client.
    """
    host, port = address
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private:
        for *_, sockaddr in found:
            kind = not_public(str(sockaddr[0]))
            if kind is not None:
                raise PrivateHostError(host, str(sockaddr[0]), kind)
    error: OSError | None = None
    for family, kind_, proto, _name, sockaddr in found:
        sock = socket.socket(family, kind_, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address is not None:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            sock.close()
            error = e
    raise error or OSError(f"{host}: no address to connect to")


class PublicHTTPConnection(http.client.HTTPConnection):
    """http.client's connection, connecting only through `connect_public`."""

    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connector(allow_private)


class PublicHTTPSConnection(http.client.HTTPSConnection):
    """The TLS one: the certificate is still checked against the host's name, not the address."""

    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connector(allow_private)


def _connector(allow_private: bool) -> Any:
    def connect(
        address: tuple[str, int],
        timeout: float | None = None,
        source_address: tuple[str, int] | None = None,
    ) -> socket.socket:
        return connect_public(address, timeout, source_address, allow_private=allow_private)

    return connect


def connection_class(scheme: str) -> type[PublicHTTPConnection] | type[PublicHTTPSConnection]:
    """The guarded connection class for an http or https URL."""
    return PublicHTTPSConnection if scheme == "https" else PublicHTTPConnection
