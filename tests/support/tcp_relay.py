"""A TCP relay on 127.0.0.1 that a test can cut and restore: a database server going away.

`tcp_relay(host, port)` forwards a free local port to host:port.  `stop()` closes every
relayed connection and the listening socket (new connections are refused, as from a server
that is down); `start()` listens again on the same port.  `freeze()` keeps every connection
open and forwards nothing more either way, as from a server (or a network) that stopped
answering without closing anything: the bytes sent are taken and never answered.
Real sockets, no mocks.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

from tests.support.smtp_server import free_port


class TcpRelay:
    """Forwards 127.0.0.1:`port` to `target` while started."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()

    def freeze(self) -> None:
        """Forward nothing more, either way, on any connection; close none."""
        self._flowing.clear()

    def start(self) -> None:
        self._flowing.set()  # a frozen relay stopped and started forwards again
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def tcp_relay(host: str, port: int) -> Iterator[TcpRelay]:
    """A started relay to host:port, stopped after the block."""
    relay = TcpRelay((host, port))
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()
