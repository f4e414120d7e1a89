"""SMTP transport: STARTTLS (default), implicit TLS or none; verified certificates; AUTH.

smtplib does the session (greeting, EHLO, STARTTLS, AUTH); messages go through
`_PipeliningClient.send_prepared`, which skips smtplib's per-message address
parsing and end-of-line regexes (the composer makes messages CRLF already) and,
when the server offers PIPELINING (RFC 2920), sends MAIL, RCPT and DATA in one
write: two round trips a message instead of four.

The password is used for AUTH only: it is never put in a message, an error or
the journal.
"""

from __future__ import annotations

import smtplib
import socket
import ssl

from newsletter.config import SmtpSettings
from newsletter.errors import DeliveryError
from newsletter.send.transport import (
    ConnectionLost,
    PermanentFailure,
    SendFailure,
    ServerUnavailable,
    TemporaryFailure,
)


class SmtpTransport:
    """Connections to one SMTP relay, set up as `SmtpSettings` says."""

    def __init__(
        self,
        smtp: SmtpSettings,
        *,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.smtp = smtp
        self._password = password
        self._tls_context = tls_context
        self._local_hostname = local_hostname
        host = f"[{smtp.host}]" if ":" in smtp.host else smtp.host
        self.where = f"{host}:{smtp.port}"
        unchecked = (
            ", certificates not verified"
            if smtp.security != "none" and not smtp.verify_certificates
            else ""
        )
        self.description = f"smtp {self.where} ({smtp.security}{unchecked})"

    def __repr__(self) -> str:  # the password stays out of reprs and tracebacks
        return f"SmtpTransport({self.description!r})"

    def connect(self) -> SmtpConnection:
        """Connect, say EHLO, secure the session and log in; DeliveryError saying why not."""
        if self._local_hostname is None:
            self._local_hostname = socket.getfqdn()  # once per run: it may ask DNS
        client: _PipeliningClient | None = None
        try:
            client = self._open()
            client.ehlo()
            if self.smtp.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError(
                        f"{self.where}: does not offer STARTTLS; use --smtp-security ssl "
                        "(port 465), or none for a relay on this machine"
                    )
                client.starttls(context=self._context())
                client.ehlo()
            if self.smtp.user:
                self._login(client)
            return SmtpConnection(client, self.where)
        except BaseException as e:
            if client is not None:
                client.close()
            if isinstance(e, DeliveryError):
                raise
            raise self._explain(e) from None

    def _open(self) -> _PipeliningClient:
        args = dict(
            host=self.smtp.host,
            port=self.smtp.port,
            local_hostname=self._local_hostname,
            timeout=self.smtp.timeout,
        )
        if self.smtp.security == "ssl":
            return _PipeliningSSLClient(context=self._context(), **args)
        return _PipeliningClient(**args)

    def _context(self) -> ssl.SSLContext:
        if self._tls_context is not None:
            return self._tls_context
        context = ssl.create_default_context()
        if not self.smtp.verify_certificates:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _login(self, client: smtplib.SMTP) -> None:
        user = self.smtp.user
        if not client.has_extn("auth"):
            raise DeliveryError(
                f"{self.where}: offers no AUTH, so user '{user}' cannot log in; "
                "use STARTTLS or SSL (relays offer AUTH only then), or no --smtp-user"
            )
        if not self._password:
            raise DeliveryError(
                f"{self.where}: no password for user '{user}'; "
                "set NEWSLETTER_SMTP_PASSWORD or answer the prompt"
            )
        try:
            client.login(user, self._password)
        except smtplib.SMTPAuthenticationError as e:
            raise DeliveryError(
                f"{self.where}: authentication failed for user '{user}' "
                f"({reply_text(e.smtp_code, e.smtp_error)}); check the user name and "
                "NEWSLETTER_SMTP_PASSWORD"
            ) from None
        except smtplib.SMTPException as e:
            raise DeliveryError(
                f"{self.where}: cannot log in as '{user}' ({_exception_text(e)})"
            ) from None

    def _explain(self, e: BaseException) -> DeliveryError:
        """Turn what went wrong while connecting into one line naming host:port and what to do."""
        where, flags = self.where, "check --smtp-host/--smtp-port or [smtp] in newsletter.toml"
        if isinstance(e, ssl.SSLCertVerificationError):
            return DeliveryError(
                f"{where}: certificate not trusted ({e.verify_message}); fix the relay's "
                "certificate, or pass --no-verify-certificates if you trust this relay"
            )
        if isinstance(e, ssl.SSLError):
            hint = (
                "is this an implicit-TLS port? try --smtp-security starttls"
                if self.smtp.security == "ssl"
                else "check --smtp-security"
            )
            return DeliveryError(f"{where}: TLS failed ({e.reason or e}); {hint}")
        if isinstance(e, ConnectionRefusedError):
            return ServerUnavailable(
                f"{where}: connection refused; is the relay running? {flags}", refused=True
            )
        if isinstance(e, socket.gaierror):
            return ServerUnavailable(f"{where}: unknown host ({e.strerror}); {flags}", refused=True)
        if isinstance(e, TimeoutError):
            return ServerUnavailable(f"{where}: no answer within {self.smtp.timeout:g} s; {flags}")
        if isinstance(e, smtplib.SMTPConnectError):
            return ServerUnavailable(
                f"{where}: turned the connection away ({reply_text(e.smtp_code, e.smtp_error)})"
            )
        if isinstance(e, smtplib.SMTPResponseException):
            return DeliveryError(f"{where}: {reply_text(e.smtp_code, e.smtp_error)}")
        if isinstance(e, smtplib.SMTPServerDisconnected | OSError):
            return ServerUnavailable(
                f"{where}: connection lost while setting up ({_exception_text(e)})"
            )
        if isinstance(e, smtplib.SMTPException):
            return DeliveryError(f"{where}: {_exception_text(e)}")
        raise e


class SmtpConnection:
    """One logged-in SMTP session."""

    def __init__(self, client: _PipeliningClient, where: str) -> None:
        self._client = client
        self.where = where

    def send(self, envelope_from: str, recipient: str, data: bytes) -> None:
        """Send one message; TemporaryFailure, PermanentFailure or ConnectionLost if refused."""
        try:
            self._client.send_prepared(envelope_from, recipient, data)
        except ConnectionLost:
            self._client.close()
            raise
        except SendFailure:
            raise
        except (smtplib.SMTPServerDisconnected, OSError) as e:
            self._client.close()
            raise ConnectionLost(f"connection lost ({_exception_text(e)})") from None

    def close(self) -> None:
        """QUIT politely; never raises."""
        try:
            self._client.quit()
        except (smtplib.SMTPException, OSError):
            self._client.close()


class _PipeliningClient(smtplib.SMTP):
    """smtplib's session handling, with a faster way to send a ready-made message."""

    def send_prepared(self, envelope_from: str, recipient: str, data: bytes) -> None:
        """MAIL, RCPT, DATA (pipelined when offered), then the message; SendFailure if refused."""
        commands = (f"MAIL FROM:<{envelope_from}>", f"RCPT TO:<{recipient}>", "DATA")
        wanted = (250, 250, 354)  # 251 (forwarded) also accepts a recipient
        if self.has_extn("pipelining"):
            self.send("".join(c + "\r\n" for c in commands))
            replies = [self.getreply() for _ in commands]
        else:
            replies = []
            for command, ok in zip(commands, wanted, strict=True):
                self.send(command + "\r\n")
                replies.append(self.getreply())
                if not _accepted(replies[-1][0], ok):
                    break
        refused = next(
            (r for r, ok in zip(replies, wanted, strict=False) if not _accepted(r[0], ok)), None
        )
        if refused is not None:
            if replies[-1][0] == 354 and len(replies) == 3:  # DATA accepted after a refused RCPT
                self.send(".\r\n")
                self.getreply()
            if refused[0] != 421:
                try:
                    self.rset()
                except (smtplib.SMTPException, OSError):
                    self.close()  # the next message reconnects; this one keeps its real reason
            raise failure(*refused)
        self.send(wire_bytes(data))
        reply = self.getreply()
        if reply[0] != 250:
            raise failure(*reply)


class _PipeliningSSLClient(smtplib.SMTP_SSL, _PipeliningClient):
    """The same over implicit TLS (port 465)."""


def _accepted(code: int, wanted: int) -> bool:
    return code == wanted or (wanted == 250 and code == 251)


def failure(code: int, message: bytes) -> SendFailure:
    """What a refusing reply means: 421 → ConnectionLost, 4xx → temporary, else permanent."""
    text = reply_text(code, message)
    if code == 421 or code < 0:
        return ConnectionLost(text)
    if 400 <= code < 500:
        return TemporaryFailure(text)
    return PermanentFailure(text)


def wire_bytes(data: bytes) -> bytes:
    """The message as DATA carries it: leading dots doubled, ended by `.` (data is CRLF already)."""
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def reply_text(code: int, message: bytes | str) -> str:
    """An SMTP reply on one line: `451 4.3.0 try again later`."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return " ".join(f"{code} {text}".split()) if code > 0 else " ".join(text.split()) or "no reply"


def _exception_text(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__
