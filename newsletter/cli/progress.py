"""The send's progress on stderr: a bar on a terminal, at most a line every 10 s in a log."""

from __future__ import annotations

import sys
from typing import Any

import typer

from newsletter.cli.log_output import PROGRESS_EVERY
from newsletter.send.workers import SendProgress


class ProgressDisplay:
    """A progress bar on stderr (messages, rate, ETA); when stderr is not a terminal (cron,
    systemd, CI), at most one line every 10 s and none at the end: the summary follows."""

    def __init__(self, total: int, relay: str = "the relay", database: str = "") -> None:
        self.total = total
        self.relay = relay  # host:port, for the line saying the send waits for it
        self.database = database  # host:port of a PostgreSQL server, likewise
        self._reconnecting = 0
        self._database_down = False
        self._bar: Any = None  # a rich Progress, imported only on a terminal
        self._task: Any = None
        self._last_line = self._last_draw = 0.0
        self._tty = False

    def __enter__(self) -> ProgressDisplay:
        self._tty = sys.stderr.isatty()
        return self

    def _start_bar(self) -> None:
        """The rich bar, started at the first update: after the sender has forked its workers,
        so none of them is forked while the bar's drawing thread runs."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("sending"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>8,.0f}/s  {task.fields[failed]} failed"),
            TextColumn("{task.fields[note]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("send", total=self.total, rate=0.0, failed=0, note="")

    def update(self, p: SendProgress) -> None:
        """Called as messages go (by one sender thread at a time, or the loop following the
        worker processes): redraw a few times a second."""
        done = p.sent + p.failed
        waiting = p.reconnecting != self._reconnecting or self._database_down != bool(p.database)
        if done != p.total and p.elapsed - self._last_draw < 0.1 and not waiting:
            return
        self._last_draw = p.elapsed
        rate = done / p.elapsed if p.elapsed > 0 else 0.0
        if self._tty and self._bar is None:
            self._start_bar()
        note = database_note(p.database, self.database) or reconnecting_note(
            p.reconnecting, self.relay
        )
        if self._bar is not None:
            self._bar.update(self._task, completed=done, rate=rate, failed=p.failed, note=note)
        elif done < p.total and (p.elapsed - self._last_line >= PROGRESS_EVERY or waiting):
            self._last_line = p.elapsed
            eta = (p.total - done) / rate if rate else 0
            shown = f"{note}, " if note else ""
            typer.echo(
                f"sending: {done}/{p.total} ({rate:,.0f}/s, {p.failed} failed, {shown}"
                f"ETA {eta:.0f} s)",
                err=True,
            )
        self._reconnecting = p.reconnecting
        self._database_down = bool(p.database)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def reconnecting_note(connections: int, relay: str) -> str:
    """What the progress adds while connections wait for a relay that stopped answering."""
    if not connections:
        return ""
    return f"waiting for {relay} to answer again ({connections} connection(s) retrying)"


def database_note(waited: tuple[float, float] | None, database: str) -> str:
    """What the progress says while the send waits for its PostgreSQL server to answer again
    (it stops once the patience is spent: docs/postgresql.md)."""
    if waited is None:
        return ""
    seconds, patience = waited
    return (
        f"waiting for PostgreSQL at {database} ({min(seconds, patience):.0f} s of {patience:.0f} s)"
    )
