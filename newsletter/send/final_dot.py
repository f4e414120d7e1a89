"""After the final `.`: can a relay that went away without a reply have read the message?

A relay takes a message when it reads the final `.` (and answers 250).  When the
connection ends instead of the reply, the sender must choose: retry (a second copy if the
relay did take it) or record the outcome unknown (never re-sent by itself).  Unknown is the
default; a retry is chosen only on proof, from TCP itself, that the relay never read the
final `.`, whatever the time between its 354 and its going away:

- **reset** (`ECONNRESET`, `EPIPE`): a relay's system resets a connection it closes with
  bytes still unread, or that are sent to it after it closed.  The final `.` is the last
  byte sent, so a reset means the relay's program never read it.
- **never acknowledged**: the relay closed (FIN) and the final `.` is still not acknowledged
  by its TCP when the reset for it comes: its system refused the bytes.  The sender waits
  a few round trips (at most `SETTLE_SECONDS`) for that acknowledgement or reset, only while
  the `.` is unacknowledged.

Everything else stays unknown: a clean close after every byte was acknowledged (the relay
may have read the `.` and queued the message, and lost only its reply), silence past
`data_timeout`, a garbled reply.  One case reads as a reset though the relay read the `.`:
a relay or a middlebox in front of it that aborts the connection (SO_LINGER 0) after the
whole message; none of the common relays does (docs/sending.md).

Linux gives TCP's state (TCP_INFO); elsewhere only a reset counts as proof.
"""

from __future__ import annotations

import errno
import socket
import struct
import time

SETTLE_SECONDS = 1.0  # at most this long for the relay's TCP to acknowledge or reset the `.`
_TCP_CLOSE = 7  # tcp_info.tcpi_state once a reset dropped the connection
_RESETS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def never_read(sock: socket.socket | None, error: BaseException) -> bool:
    """True when the relay provably did not read the final `.`: a retry cannot make a copy.

    `error`: what reading the reply raised (its causes are looked at too); `sock`: the
    connection, still open, for its TCP state.
    """
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, _RESETS):
            return True
        cause = cause.__cause__ or cause.__context__
    if sock is None:
        return False
    return _reset_after_close(sock)


def _reset_after_close(sock: socket.socket) -> bool:
    """After the relay's FIN: is our data refused (reset) rather than acknowledged?"""
    if not hasattr(socket, "TCP_INFO"):
        return _pending_reset(sock)
    deadline: float | None = None
    while True:
        if _pending_reset(sock):
            return True
        state, unacked, rtt = _tcp_state(sock)
        if state == _TCP_CLOSE:  # reset: the system dropped the connection and our bytes
            return True
        if state is None or unacked == 0:  # every byte, the `.` too, reached the relay's TCP
            return False
        # Not acknowledged yet: the ACK or the reset is on its way, a round trip or two.
        if deadline is None:
            deadline = time.monotonic() + min(SETTLE_SECONDS, 4 * rtt + 0.05)
        elif time.monotonic() >= deadline:
            return False  # no proof either way: unknown
        time.sleep(0.001)


def _pending_reset(sock: socket.socket) -> bool:
    try:
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    except OSError:
        return False
    return code in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)


def _tcp_state(sock: socket.socket) -> tuple[int | None, int, float]:
    """tcpi_state, tcpi_unacked (segments not acknowledged) and tcpi_rtt in seconds."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return None, 0, 0.0
    if len(info) < 72:
        return None, 0, 0.0
    # struct tcp_info: eight u8 fields (state first), then u32s: rto, ato, snd_mss, rcv_mss,
    # unacked (offset 24) ... pmtu, rcv_ssthresh, rtt (offset 68, microseconds).
    (unacked,) = struct.unpack_from("I", info, 24)
    (rtt,) = struct.unpack_from("I", info, 68)
    return info[0], unacked, rtt / 1e6
