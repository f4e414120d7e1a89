"""SMTP transport: STARTTLS (default), implicit TLS or none; verified certificates; AUTH.

smtplib does the session (greeting, EHLO, STARTTLS, AUTH); messages go through
`_PipeliningClient.send_prepared`, which skips smtplib's per-message address
parsing and end-of-line regexes (the composer makes messages CRLF already, and
dot-stuffed beside them: mail/wire.py) and, when the server offers PIPELINING
(RFC 2920), sends MAIL, RCPT and DATA in one write: two round trips a message
instead of four.

The password is used for AUTH only: it is never put in a message, an error or
the journal.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import select
import smtplib
import socket
import ssl
import time
from collections.abc import Callable

from newsletter.config import SmtpSettings
from newsletter.control_chars import quoted
from newsletter.errors import DeliveryError
from newsletter.hidden_secret import SecretForms, without_secret
from newsletter.mail.wire import END_OF_DATA, wire_bytes
from newsletter.send.final_dot import never_read
from newsletter.send.setting_names import SettingNames
from newsletter.send.transport import (
    ConnectionLost,
    OutcomeUnknown,
    PermanentFailure,
    SendFailure,
    ServerUnavailable,
    TemporaryFailure,
)
from newsletter.stored_text import storable_text
from newsletter.subscribers.status_reasons import MAX_DIAGNOSTIC, is_bad_address

# smtplib's own limits (private names, so typeshed omits them): a reply line, AUTH rounds.
_MAXLINE: int = getattr(smtplib, "_MAXLINE", 8192)
_MAXCHALLENGE: int = getattr(smtplib, "_MAXCHALLENGE", 5)
# A whole reply, every line of it: an EHLO answer is a few hundred bytes.  Without it a relay
# sending `250-` lines for the reply's deadline grew a worker past 5 GB in 8 s.
MAX_REPLY_BYTES = 64 * 1024
# A reply line: three digits (2xx-5xx, RFC 5321 4.2), then a space, a hyphen or the line's end.
_REPLY_LINE = re.compile(rb"[2-5][0-9]{2}(?:[ -]|\r?\n|$)")


class SmtpTransport:
    """Connections to one SMTP relay, set up as `SmtpSettings` says."""

    def __init__(
        self,
        smtp: SmtpSettings,
        *,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        names: SettingNames | None = None,
    ) -> None:
        self.smtp = smtp
        # How errors name what to change: newsletter.toml's [smtp], and `send`'s flags too.
        self.names = names or SettingNames()
        self._password = password
        self._tls_context = tls_context
        self._local_hostname = local_hostname
        self.where = smtp.where
        self.description = f"smtp {self.where} ({smtp.security_shown})"

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
                        f"{self.where}: does not offer STARTTLS; "
                        f"{self.names.use('security', 'ssl')} (port 465), or none for a "
                        "relay on this machine"
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
        smtp = self.smtp
        client: _PipeliningClient
        if smtp.security == "ssl":
            client = _PipeliningSSLClient(
                host=smtp.host,
                port=smtp.port,
                local_hostname=self._local_hostname,
                timeout=smtp.timeout,
                context=self._context(),
            )
        else:
            client = _PipeliningClient(
                host=smtp.host,
                port=smtp.port,
                local_hostname=self._local_hostname,
                timeout=smtp.timeout,
            )
        client.data_timeout = self.smtp.data_timeout
        if client.sock is not None:  # the final `.` goes in a write of its own: send it at once
            client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return client

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
                f"{self.where}: offers no AUTH, so user {quoted(user)} cannot log in; "
                "use STARTTLS or SSL (relays offer AUTH only then), or no user "
                f"({self.names.named('user')})"
            )
        if not self._password:
            raise DeliveryError(
                f"{self.where}: no password for user {quoted(user)}; "
                "set NEWSLETTER_SMTP_PASSWORD or answer the prompt"
            )
        try:
            client.login(user, self._password)
        except UnicodeError:  # never name the character: it is part of the password
            raise DeliveryError(
                f"{self.where}: the user name or password for {quoted(user)} cannot be sent "
                "(this relay's AUTH takes ASCII only); check NEWSLETTER_SMTP_PASSWORD"
            ) from None
        except smtplib.SMTPAuthenticationError as e:
            said = without_secret(reply_text(e.smtp_code, e.smtp_error), self._password, user=user)
            raise DeliveryError(
                f"{self.where}: authentication failed for user {quoted(user)} "
                f"({said}); check the user name and NEWSLETTER_SMTP_PASSWORD"
            ) from None
        except smtplib.SMTPException as e:
            said = without_secret(_exception_text(e), self._password, user=user)
            raise DeliveryError(f"{self.where}: cannot log in as {quoted(user)} ({said})") from None

    def _explain(self, e: BaseException) -> DeliveryError:
        """Turn what went wrong while connecting into one line naming host:port and what to do."""
        where, flags = self.where, f"check {self.names.named('host', 'port')}"
        if isinstance(e, ssl.SSLCertVerificationError):
            return DeliveryError(
                f"{where}: certificate not trusted ({e.verify_message}); fix the relay's "
                f"certificate, or {self.names.use('verify_certificates', False)} if you "
                "trust this relay"
            )
        if isinstance(e, ssl.SSLError):
            hint = (
                f"is this an implicit-TLS port? {self.names.use('security', 'starttls')}"
                if self.smtp.security == "ssl"
                else f"check {self.names.named('security')}"
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
        # Anything else: say what kind of failure, never its text (it may quote a secret).
        return DeliveryError(f"{where}: cannot set up the session ({type(e).__name__}); {flags}")


class SmtpConnection:
    """One logged-in SMTP session."""

    def __init__(self, client: _PipeliningClient, where: str) -> None:
        self._client = client
        self.where = where

    def send(
        self,
        envelope_from: str,
        recipient: str,
        data: bytes,
        *,
        at_end: Callable[[], None] | None = None,
    ) -> None:
        """Send one message; TemporaryFailure, PermanentFailure or ConnectionLost if refused.

        `at_end` runs just before the final `.` (transport.Connection.send).
        """
        try:
            self._client.send_prepared(envelope_from, recipient, data, at_end=at_end)
        except (ConnectionLost, OutcomeUnknown):
            self._client.close()
            raise
        except SendFailure:
            raise
        except (smtplib.SMTPException, OSError) as e:
            self._client.close()
            raise ConnectionLost(f"connection lost ({_exception_text(e)})") from None

    def close(self) -> None:
        """QUIT politely; never raises."""
        try:
            self._client.quit()
        except (smtplib.SMTPException, OSError):
            self._client.close()


class _PipeliningClient(smtplib.SMTP):
    """smtplib's session handling, with a faster way to send a ready-made message.

    Every reply has a deadline for the whole reply, not for each read: a server
    that drips a byte every few seconds cannot hold a worker for longer than
    `timeout` (or `data_timeout`, for the reply to the final `.`).
    """

    data_timeout: float = 600.0
    _reply_deadline: float | None = None  # set for the one reply being read
    _secret = SecretForms.of(None)  # the password's forms, from login() on
    # The last line read left bytes behind it in `file`'s buffer: the server said more than
    # it was asked (replies running ahead), or it is a pipelined reply still to be read.
    _ahead = False

    def getreply(self) -> tuple[int, bytes]:
        """One reply, read within the deadline; smtplib's errors when the server goes away."""
        limit = self.timeout if self._reply_deadline is None else self._reply_deadline
        deadline = time.monotonic() + limit
        sock = self.sock
        if sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        if self.file is None:
            self.file = sock.makefile("rb")
        if sock.gettimeout() != limit:  # usually equal: no system call per reply
            sock.settimeout(limit)
        lines: list[bytes] = []
        size, first = 0, b""
        try:
            while True:
                line = self._readline(deadline, fresh=not lines)
                size += len(line)
                if len(line) > _MAXLINE or size > MAX_REPLY_BYTES:
                    self.close()
                    if len(line) > _MAXLINE:
                        raise smtplib.SMTPResponseException(500, "Line too long.")
                    raise smtplib.SMTPResponseException(
                        -1, f"a reply of more than {MAX_REPLY_BYTES // 1024} KiB: no relay's answer"
                    )
                lines.append(line[4:].strip(b" \t\r\n"))
                first = first or line[:3]
                # Garbled (`25 ok`, `2500`, `+25`, `099`) or changing its code midway: -1,
                # never a number that happens to read as one (after the final `.`: unknown).
                if not _REPLY_LINE.match(line) or line[:3] != first:
                    return -1, self._unechoed(lines)
                if line[3:4] != b"-":
                    return int(first), self._unechoed(lines)
        finally:
            if self.sock is not None and self.sock.gettimeout() != self.timeout:
                self.sock.settimeout(self.timeout)  # sends keep the ordinary timeout

    def login(
        self, user: str, password: str, *, initial_response_ok: bool = True
    ) -> tuple[int, bytes]:
        """smtplib's login, the password's forms worked out once for every reply from here on."""
        self._secret = SecretForms.of(password, user=user)
        return super().login(user, password, initial_response_ok=initial_response_ok)

    def _unechoed(self, lines: list[bytes]) -> bytes:
        """The reply's lines with the password hidden, once a login sent it: a relay's words
        go to the journal, the run's reasons and the terminal, and it may quote what it was
        sent, in another case or wrapped over two lines."""
        return self._secret.hide_reply(lines)

    def _readline(self, deadline: float, *, fresh: bool) -> bytes:
        """A line, each read given only what is left of the reply's deadline.

        `fresh`: the reply's first line, whose first read has the whole deadline anyway.
        """
        buffered, sock = self.file, self.sock
        if buffered is None or sock is None:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        parts: list[bytes] = []
        size = 0
        while True:
            try:
                if parts or not fresh:  # a reply in pieces: what is left, not a fresh timeout
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("no complete reply in time")
                    sock.settimeout(left)
                held = buffered.peek(1)  # all the buffer holds (one read when it is empty)
                chunk = held[: _MAXLINE + 1 - size]
                end = chunk.find(b"\n")
                taken = len(chunk) if end < 0 else end + 1
                chunk = buffered.read(taken)  # from the buffer: no system call
                self._ahead = len(held) > taken
            except OSError as e:
                self.close()
                raise smtplib.SMTPServerDisconnected(
                    f"Connection unexpectedly closed: {_exception_text(e)}"
                ) from e
            if not chunk:
                if self._reply_deadline is None:  # after the final `.`: the caller looks first
                    self.close()
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            parts.append(chunk)
            size += len(chunk)
            if chunk.endswith(b"\n") or size > _MAXLINE:
                return parts[0] if len(parts) == 1 else b"".join(parts)

    def auth(
        self,
        mechanism: str,
        authobject: Callable[..., str | None],
        *,
        initial_response_ok: bool = True,
    ) -> tuple[int, bytes]:
        """smtplib's AUTH, with the credentials sent as UTF-8 (RFC 4616) rather than ASCII only."""
        mechanism = mechanism.upper()
        initial = authobject() if initial_response_ok else None
        if initial is not None:
            code, resp = self.docmd("AUTH", f"{mechanism} {_b64(initial)}")
            self._auth_challenge_count = 1
        else:
            code, resp = self.docmd("AUTH", mechanism)
            self._auth_challenge_count = 0
        while code == 334:  # the server's challenge: answer it (auth_login counts them)
            self._auth_challenge_count += 1
            if self._auth_challenge_count > _MAXCHALLENGE:
                raise smtplib.SMTPException("server AUTH mechanism infinite loop")
            try:
                challenge = base64.decodebytes(resp)
            except binascii.Error:  # smtplib let it out as a bare "Error"
                shown = quoted(resp.decode("utf-8", "replace"))  # resp: the password hidden
                raise smtplib.SMTPException(
                    f"the relay's AUTH challenge is not base64: {shown}; is this an SMTP relay?"
                ) from None
            code, resp = self.docmd(_b64(authobject(challenge) or ""))
        if code in (235, 503):
            return code, resp
        raise smtplib.SMTPAuthenticationError(code, resp)

    def auth_cram_md5(self, challenge: bytes | None = None) -> str | None:  # type: ignore[override]
        # (typeshed spells the two cases as overloads; smtplib calls it with bytes or None)
        """CRAM-MD5 keyed with the UTF-8 password."""
        if challenge is None:
            return None
        digest = hmac.HMAC(self.password.encode("utf-8"), challenge, "md5").hexdigest()
        return f"{self.user} {digest}"

    def send_prepared(
        self,
        envelope_from: str,
        recipient: str,
        data: bytes,
        *,
        at_end: Callable[[], None] | None = None,
    ) -> None:
        """MAIL, RCPT, DATA (pipelined when offered), then the message; SendFailure if refused.

        Once the final `.` is sent, a lost, late or garbled reply raises OutcomeUnknown:
        the relay may have queued the message; ConnectionLost only when TCP proves the
        relay never read the `.` (final_dot.py), whenever after its 354 it went away.
        """
        if self._hung_up():  # gone, or said more than it was asked after the last reply
            self.close()
            raise ConnectionLost("the server closed the connection or spoke out of turn")
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
            stage = "rcpt" if replies.index(refused) == 1 else "mail"
            if replies[-1][0] == 354 and len(replies) == 3:  # DATA accepted after a refusal
                # Hang up rather than end the message with a bare `.`: a relay that took the
                # recipient behind a garbled reply would deliver it (an empty message).
                self.close()
                raise failure(*refused, stage=stage)
            self._reset_after(refused[0])
            raise failure(*refused, stage=stage)
        wire = wire_bytes(data)
        self.send(memoryview(wire)[: -len(END_OF_DATA)])  # all but the final `.` line
        if self._hung_up():  # the final `.` is not out: the relay cannot have the message
            self.close()
            raise ConnectionLost(
                "connection closed by the server, or it spoke out of turn, before the end of "
                "the message"
            )
        if at_end is not None:
            try:
                at_end()
            except BaseException:  # the `.` is not sent: drop the connection, nothing arrives
                self.close()
                raise
        self.send(END_OF_DATA)
        self._reply_deadline = self.data_timeout
        try:
            reply = self.getreply()
        except (smtplib.SMTPException, OSError) as e:
            unread = never_read(self.sock, e)  # see final_dot.py: a retry only on proof
            self.close()
            if unread:
                raise ConnectionLost(
                    "connection closed by the server before it read the message's end "
                    f"({_exception_text(e)})"
                ) from None
            raise OutcomeUnknown(
                f"no reply after the message was sent ({_exception_text(e)})"
            ) from None
        finally:
            self._reply_deadline = None
        if 200 <= reply[0] < 300:  # 250, or another positive completion: taken
            return
        if not 400 <= reply[0] < 600:  # garbled, or a 3xx: not a refusal, the relay may have it
            self.close()
            raise OutcomeUnknown(
                f"unreadable reply after the message was sent ({reply_text(*reply)})"
            )
        self._reset_after(reply[0])
        raise failure(*reply, stage="data")

    def _hung_up(self) -> bool:
        """Has the server closed the connection (or spoken out of turn) during the message?

        Looked at without waiting, just before the final `.`, which goes in a write of its
        own: a relay that hung up after its 354 is then an ordinary retry (the write or this
        look sees it gone), not an unknown outcome.  One that hangs up later, after the `.`
        may have reached it, is still unknown.
        """
        sock = self.sock
        if sock is None:
            return True
        # A reply already read into our buffer with the one before it (`354` and `250` in
        # one write): taken for the `.`'s answer, it recorded a refused message sent and
        # blamed the next reader for its refusal.  _readline noted it: no system call.
        if self._ahead and self.file is not None:
            return True
        # Bytes (or the end) arrived since: one poll, not waiting.  TLS may hold a record's
        # decrypted rest above the socket, where poll cannot see it.
        poller = select.poll()  # not select(): no limit on the descriptor's number
        poller.register(sock, select.POLLIN | select.POLLPRI)
        if poller.poll(0):
            return True
        return isinstance(sock, ssl.SSLSocket) and sock.pending() > 0

    def _reset_after(self, code: int) -> None:
        """RSET after a failed transaction, so the next one starts clean; on any doubt, hang up."""
        if code in (421, 503):  # the session is gone or confused: the next message reconnects
            self.close()
            return
        try:
            if self.rset()[0] != 250:
                self.close()
        except (smtplib.SMTPException, OSError):
            self.close()


class _PipeliningSSLClient(smtplib.SMTP_SSL, _PipeliningClient):
    """The same over implicit TLS (port 465)."""


def _accepted(code: int, wanted: int) -> bool:
    return code == wanted or (wanted == 250 and code == 251)


def failure(code: int, message: bytes, *, stage: str = "data") -> SendFailure:
    """What a refusing reply means.

    421 and 503 (bad sequence: the session, not the reader, is at fault) → ConnectionLost;
    other 4xx → temporary; 5xx → permanent, flagged `bad_address` for a 5.1.x on RCPT or DATA.
    """
    text = reply_text(code, message)
    if code in (421, 503) or code < 0:
        return ConnectionLost(text)
    if 400 <= code < 500:
        return TemporaryFailure(text)
    return PermanentFailure(text, bad_address=stage != "mail" and is_bad_address(text))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def reply_text(code: int, message: bytes | str) -> str:
    """An SMTP reply on one line: `451 4.3.0 try again later`; a relay's control characters
    (a NUL, which PostgreSQL's journal cannot store) become spaces, and past MAX_DIAGNOSTIC
    characters it is cut (`...`, stored_text's one marker): the journal keeps it for every
    reader it refused."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return storable_text(f"{code} {text}" if code > 0 else text, MAX_DIAGNOSTIC) or "no reply"


def _exception_text(e: BaseException) -> str:
    return storable_text(str(e)) or type(e).__name__
