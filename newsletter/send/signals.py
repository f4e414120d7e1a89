"""How a send stops: Ctrl-C, `kill` (SIGTERM) and a closed terminal (SIGHUP) all alike.

Each becomes a KeyboardInterrupt in the main thread, which the sender already treats as
"stop": no new message is taken, the messages in flight get smtp.timeout for their reply
and are recorded (`unknown` when none came), and answered ones whose journal write still
waits go to the recovery file.  By default SIGTERM and SIGHUP would end the process at once,
and the messages in flight would go out again on the re-run.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterable, Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def stop_on_signals() -> contextlib.AbstractContextManager[None]:
    """Within the block, SIGTERM and SIGHUP stop a send as Ctrl-C does (main thread only)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return handling(STOP_SIGNALS, interrupt)


@contextlib.contextmanager
def handling(
    signums: Iterable[signal.Signals], handler: Callable[[int, FrameType | None], None]
) -> Iterator[None]:
    """Within the block, `handler` takes each of `signums`; after it, the handlers before."""
    previous = {s: signal.signal(s, handler) for s in signums}
    try:
        yield
    finally:
        for s, before in previous.items():
            signal.signal(s, before)
