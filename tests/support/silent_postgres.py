"""A fake PostgreSQL server on 127.0.0.1 that logs anyone in and then answers nothing.

`silent_postgres()` listens on a free port; each connection gets the startup answers libpq
needs (no TLS, AuthenticationOk, the parameters, BackendKeyData, ReadyForQuery), then every
byte sent is read and never answered: a frozen server or virtual machine, a proxy holding the
query.  `garbage=True` answers the startup with an HTTP line instead; `echo=True` asks for
the password in clear text (as a server with the `password` method does) and refuses the
login quoting it back; `refusal=b"…"` refuses the login with those words; `answered=N`
answers the first N statements (each Sync of the extended protocol: what it was sent, parsed,
bound and run, no rows) and then nothing: a server that froze mid-run; with `unready=True`
it answers the next one too but never says it is ready for another (no ReadyForQuery).  Real sockets.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator

from tests.support.smtp_server import free_port

_PARAMETERS = {
    b"server_version": b"15.0",
    b"server_encoding": b"UTF8",
    b"client_encoding": b"UTF8",
    b"integer_datetimes": b"on",
    b"standard_conforming_strings": b"on",
    b"DateStyle": b"ISO, MDY",
}


RECEIVED: list[bytes] = []  # every password an `echo=True` server was sent, for the tests


def _message(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def _startup(conn: socket.socket) -> bytes:
    """Read the startup packet (after declining TLS if asked); return it."""
    while True:
        (length,) = struct.unpack("!I", conn.recv(4, socket.MSG_WAITALL))
        body = conn.recv(length - 4, socket.MSG_WAITALL)
        if struct.unpack("!I", body[:4])[0] in (80877103, 80877104):  # SSLRequest, GSSENCRequest
            conn.sendall(b"N")
            continue
        return body


def _quote_the_password(conn: socket.socket) -> None:
    conn.sendall(_message(b"R", struct.pack("!I", 3)))  # AuthenticationCleartextPassword
    kind = conn.recv(1, socket.MSG_WAITALL)
    if not kind:  # the client refused to send it in clear text
        return
    (length,) = struct.unpack("!I", conn.recv(4, socket.MSG_WAITALL))
    password = conn.recv(length - 4, socket.MSG_WAITALL).rstrip(b"\0")
    RECEIVED.append(password)
    assert kind == b"p", kind
    said = b'password authentication failed for user "news": "' + password + b'" is not it'
    fields = b"SFATAL\0VFATAL\0C28P01\0M" + said + b"\0\0"
    conn.sendall(_message(b"E", fields))


def _refuse(conn: socket.socket, words: bytes) -> None:
    conn.sendall(_message(b"E", b"SFATAL\0VFATAL\0C28000\0M" + words + b"\0\0"))


def _serve(
    conn: socket.socket,
    garbage: bool,
    echo: bool,
    refusal: bytes | None,
    answered: tuple[int, bool],
) -> None:
    with contextlib.suppress(OSError), conn:
        _startup(conn)
        if refusal is not None:
            _refuse(conn, refusal)
            return
        if garbage:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        if echo:
            _quote_the_password(conn)
            return
        answer = _message(b"R", struct.pack("!I", 0))
        for key, value in _PARAMETERS.items():
            answer += _message(b"S", key + b"\0" + value + b"\0")
        answer += _message(b"K", struct.pack("!II", 4242, 4242)) + _message(b"Z", b"I")
        conn.sendall(answer)
        _answer(conn, *answered)
        while conn.recv(65536):
            pass


# What the server answers each extended-protocol message with, at the Sync that ends them.
_ANSWERS = {
    b"P": _message(b"1", b""),  # ParseComplete
    b"B": _message(b"2", b""),  # BindComplete
    b"D": _message(b"n", b""),  # NoData
    b"E": _message(b"C", b"SELECT 0\0"),  # CommandComplete
}


def _answer(conn: socket.socket, statements: int, unready: bool) -> None:
    """Answer the first `statements` Syncs as a server that ran each statement sent; with
    `unready`, the next one too, without its ReadyForQuery."""
    pending = b""
    while statements > 0 or unready:
        kind = conn.recv(1, socket.MSG_WAITALL)
        if not kind:
            return
        (length,) = struct.unpack("!I", conn.recv(4, socket.MSG_WAITALL))
        conn.recv(length - 4, socket.MSG_WAITALL) if length > 4 else b""
        if kind == b"S" and statements > 0:
            conn.sendall(pending + _message(b"Z", b"I"))
            pending, statements = b"", statements - 1
        elif kind == b"S":
            conn.sendall(pending)  # the answer, and never "ready"
            return
        else:
            pending += _ANSWERS.get(kind, b"")


@contextlib.contextmanager
def silent_postgres(
    *,
    garbage: bool = False,
    echo: bool = False,
    refusal: bytes | None = None,
    answered: int = 0,
    unready: bool = False,
) -> Iterator[int]:
    """The port of a fake server that logs in and then answers nothing (see the module)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    port = free_port()
    listener.bind(("127.0.0.1", port))
    listener.listen(16)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(
                target=_serve, args=(conn, garbage, echo, refusal, (answered, unready)), daemon=True
            ).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield port
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
