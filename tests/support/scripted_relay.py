"""A relay on 127.0.0.1 scripted line by line: `answer(command, session)` gives the bytes to
write back to each command (None: hang up), so a test can make a relay answer as no real one
does (a 250 to DATA, a reply split across writes, a 421 halfway).  The message itself (after a
354) is read to its final `.` and `answer` is asked about `b"."`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Session:
    """One connection: its number (from 1), the commands it got, the messages it read (ended
    by their final `.` or not)."""

    number: int
    commands: list[bytes] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    ended: int = 0  # messages read to their final `.`
    in_data: bool = False


Answer = Callable[[bytes, Session], bytes | list[bytes | float] | None]


class ScriptedRelay:
    """Serve connections until stopped; each write of an answer given as a list goes out on
    its own (a float in it is a pause in seconds)."""

    def __init__(self, answer: Answer, greeting: bytes = b"220 relay.example ESMTP\r\n") -> None:
        self.answer, self.greeting = answer, greeting
        self.sessions: list[Session] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = "127.0.0.1", self.listener.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            session = Session(len(self.sessions) + 1)
            self.sessions.append(session)
            threading.Thread(target=self._serve, args=(conn, session), daemon=True).start()

    def _write(self, conn: socket.socket, reply: bytes | list[bytes | float]) -> None:
        for piece in reply if isinstance(reply, list) else [reply]:
            if isinstance(piece, float):
                time.sleep(piece)
            else:
                conn.sendall(piece)

    def _serve(self, conn: socket.socket, session: Session) -> None:
        with conn:
            conn.settimeout(20)
            lines = conn.makefile("rb")
            try:
                self._write(conn, self.greeting)
                while line := lines.readline():
                    if session.in_data:
                        if line.rstrip(b"\r\n") != b".":
                            session.messages[-1] += line
                            continue
                        session.in_data = False
                        session.ended += 1
                        line = b"."
                    else:
                        line = line.rstrip(b"\r\n")
                        session.commands.append(line)
                    reply = self.answer(line, session)
                    if reply is None:
                        return
                    pieces = reply if isinstance(reply, list) else [reply]
                    said = b"".join(r for r in pieces if isinstance(r, bytes))
                    if line.upper() == b"DATA" and said.startswith(b"354"):
                        session.in_data = True
                        session.messages.append(b"")
                    self._write(conn, reply)
                    if line.upper() == b"QUIT":
                        return
            except OSError:
                return

    def close(self) -> None:
        """Stop accepting; open sessions end with their client."""
        self._stop = True
        self.listener.close()

    def __enter__(self) -> ScriptedRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def plain(command: bytes, session: Session) -> bytes:
    """An honest relay's answer (no PIPELINING): what `answer` falls back on."""
    verb = command[:4].upper()
    if verb in (b"EHLO", b"HELO"):
        return b"250-relay.example\r\n250 8BITMIME\r\n"
    if verb == b"DATA":
        return b"354 go ahead\r\n"
    if verb == b"QUIT":
        return b"221 bye\r\n"
    return b"250 2.0.0 ok\r\n"
