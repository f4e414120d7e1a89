"""STARTTLS against a relay (or someone between us and it) that injects plaintext around the handshake.

Cases of docs/security.md's "serve, bounces and relays, tried once more" table (held): replies
sent in plaintext behind the `220` to STARTTLS (CVE-2011-0411's shape, the commands' answers
forged before encryption) are never taken for answers inside TLS, and AUTH is only ever sent
encrypted.  A scripted relay on 127.0.0.1 with the test CA's certificate.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

import pytest

from newsletter.config import SmtpSettings
from newsletter.errors import DeliveryError
from newsletter.send.smtp import SmtpTransport

pytest_plugins = ["tests.support.send_fixtures"]

INJECTED = b"250-relay.example\r\n250 AUTH PLAIN\r\n235 2.7.0 forged: authenticated\r\n"


class InjectingRelay:
    """Answers STARTTLS with `220` and `INJECTED` (in one write, or after `delay` s), then TLS."""

    def __init__(self, server_ctx: ssl.SSLContext, delay: float | None) -> None:
        self.server_ctx, self.delay = server_ctx, delay
        self.plain: list[bytes] = []  # commands seen before TLS
        self.encrypted: list[bytes] = []  # commands seen inside TLS
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        with self.listener:
            conn, _ = self.listener.accept()
        with conn:
            conn.settimeout(10)
            reader = conn.makefile("rb")
            conn.sendall(b"220 relay.example ESMTP\r\n")
            self.plain.append(reader.readline())  # EHLO
            conn.sendall(b"250-relay.example\r\n250 STARTTLS\r\n")
            self.plain.append(reader.readline())  # STARTTLS
            if self.delay is None:
                conn.sendall(b"220 2.0.0 go ahead\r\n" + INJECTED)
            else:
                conn.sendall(b"220 2.0.0 go ahead\r\n")
                time.sleep(self.delay)
                conn.sendall(INJECTED)
            try:
                tls = self.server_ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                return
            with tls:
                lines = tls.makefile("rb")
                answers = {
                    b"EHLO": b"250-relay.example\r\n250 AUTH PLAIN\r\n",
                    b"AUTH": b"235 2.7.0 ok\r\n",
                    b"QUIT": b"221 bye\r\n",
                }
                while line := lines.readline():
                    self.encrypted.append(line)
                    tls.sendall(answers.get(line[:4].upper(), b"250 ok\r\n"))
                    if line[:4].upper() == b"QUIT":
                        return


@pytest.mark.parametrize("delay", [None, 0.3], ids=["same-write", "after-the-220"])
def test_plaintext_injected_behind_the_starttls_220_is_never_an_answer(tls_contexts, delay):
    """Forged replies behind the 220: dropped with the plaintext buffer, or the handshake fails; AUTH only inside TLS."""
    server_ctx, client_ctx = tls_contexts
    relay = InjectingRelay(server_ctx, delay)
    smtp = SmtpSettings(host="127.0.0.1", port=relay.port, security="starttls", user="editor")
    transport = SmtpTransport(smtp, password="s3cret-pass", tls_context=client_ctx)
    try:
        connection = transport.connect()
    except DeliveryError as e:  # the handshake met the plaintext: one line, nothing sent
        assert f"127.0.0.1:{relay.port}: TLS failed" in str(e), e
        assert not relay.encrypted
    else:
        connection.close()
        # Our own EHLO and AUTH were answered inside TLS, in order: nothing injected was read.
        commands = [line.split(b" ")[0].strip().upper() for line in relay.encrypted]
        assert commands[:2] == [b"EHLO", b"AUTH"], relay.encrypted
    relay.thread.join(10)
    assert [line.split(b" ")[0].strip().upper() for line in relay.plain] == [b"EHLO", b"STARTTLS"]
