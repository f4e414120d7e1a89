"""The server's database calls, off its event loop: on their own thread(s), each within a deadline.

A request that writes waits for SQLite's write lock, which another process (a
send, an import, `bounces process`) may hold for a while.  Waiting in the event
loop would stall every other request, even pages that touch no database; so
every call runs on this one thread (SQLite takes one writer at a time anyway),
and the event loop only awaits it.

Each call must get the lock within `wait` seconds of being asked: SQLite's
busy timeout is set to what is left of that before the call runs, and a call
still queued when its time is up does not run at all.  Either way it raises
DatabaseBusy (or SQLite's "database is locked") having changed nothing, and the
request is answered 503 with Retry-After.  The answer is never given while the
call might still commit: the event loop waits for the call itself, not a timer.

On PostgreSQL there are several such threads, each with its own connection (server_link.py,
which says why); the calls are the same transactions, safe side by side: a row lock
waited for past `lock_timeout`, or a server that is down, raise DatabaseDown, and the
request is answered 503 the same way; the event loop never waits on the server.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from newsletter.subscribers.connection import Connection

T = TypeVar("T")


class DatabaseBusy(Exception):
    """The call's time ran out before it could start: nothing was read or written."""


class DatabaseThread:
    """Runs calls that use `conn` on one thread of their own, each within `wait` seconds."""

    def __init__(self, conn: Connection, wait: float, threads: int = 1) -> None:
        self.conn = conn
        self.wait = wait
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="newsletter-db")

    async def run(self, call: Callable[..., T], *args: object) -> T:
        """`call(*args)` on the database thread; DatabaseBusy if it cannot start in time."""
        deadline = time.monotonic() + self.wait
        future = self._executor.submit(self._within, deadline, call, args)
        return await asyncio.wrap_future(future)

    def _within(self, deadline: float, call: Callable[..., T], args: tuple[object, ...]) -> T:
        left = deadline - time.monotonic()
        if left <= 0.01:
            raise DatabaseBusy
        if isinstance(self.conn, sqlite3.Connection):  # PostgreSQL: lock_timeout (server_link)
            self.conn.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
        leased = getattr(self.conn, "leased", None)  # PostgreSQL: a connection for this call
        if leased is None:
            return call(*args)
        with leased(deadline):
            return call(*args)

    async def close(self, last: Callable[[], object]) -> None:
        """Run `last` (closing the connection) on the thread, then stop the thread."""
        await asyncio.wrap_future(self._executor.submit(last))
        self._executor.shutdown(wait=False)
