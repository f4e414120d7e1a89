"""IMAP servers written for one test file (a liar, a hostile one), started over TLS with the
test CA's certificate for 127.0.0.1, each closed when the test ends."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar


class FakeImap(Protocol):
    """A server listening on 127.0.0.1:`port` until `close()`."""

    port: int

    def close(self) -> None: ...


Server = TypeVar("Server", bound=FakeImap)


@contextlib.contextmanager
def fake_imaps(
    certificate_authority: Any, folder: Path, make: Callable[..., Server]
) -> Iterator[Callable[..., tuple[Server, str, str]]]:
    """`start(*args, **kwargs)` runs `make(context, *args, **kwargs)`, the context holding the test certificate:
    (the server, its imaps URL for the user `bounces`, the CA file that trusts it); every server
    started is closed at the end of the block."""
    ca, cert = certificate_authority
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    servers: list[Server] = []

    def start(*args: Any, **kwargs: Any) -> tuple[Server, str, str]:
        server = make(context, *args, **kwargs)
        servers.append(server)
        return server, f"imaps://bounces@127.0.0.1:{server.port}/INBOX", str(ca_file)

    try:
        yield start
    finally:
        for server in servers:
            server.close()
