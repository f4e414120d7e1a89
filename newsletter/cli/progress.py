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
        # seconds spent waiting for the relay or the database: left out of the rate, so the
        # ETA is the list's pace again once messages flow (not dragged by the outage)
        self._paused = 0.0
        self._paused_at: float | None = None
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
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("sending"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>10}  {task.fields[failed]} failed"),
            TextColumn("{task.fields[note]}"),
            TextColumn("{task.fields[eta]}"),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(
            "send", total=self.total, rate="", failed=0, note="", eta=""
        )

    def update(self, p: SendProgress) -> None:
        """Called as messages go (by one sender thread at a time, or the loop following the
        worker processes): redraw a few times a second."""
        done = p.sent + p.failed
        waiting = p.reconnecting != self._reconnecting or self._database_down != bool(p.database)
        if done != p.total and p.elapsed - self._last_draw < 0.1 and not waiting:
            return
        self._last_draw = p.elapsed
        note = database_note(p.database, self.database) or reconnecting_note(
            p.reconnecting, self.relay
        )
        rate, eta = self._figures(p, done, waiting=bool(note))
        if self._tty and self._bar is None:
            self._start_bar()
        if self._bar is not None:
            eta_bar = f"ETA {_clock(eta)}" if eta is not None else "ETA –"
            shown_rate = rate_text(rate) if rate is not None else ""
            self._bar.update(
                self._task, completed=done, rate=shown_rate, failed=p.failed, note=note, eta=eta_bar
            )
        elif done < p.total and (p.elapsed - self._last_line >= PROGRESS_EVERY or waiting):
            self._last_line = p.elapsed
            typer.echo(
                f"sending: {done}/{p.total} ({_figures_text(rate, eta, p.failed, note)})", err=True
            )
        self._reconnecting = p.reconnecting
        self._database_down = bool(p.database)

    def _figures(
        self, p: SendProgress, done: int, *, waiting: bool
    ) -> tuple[float | None, float | None]:
        """The rate (messages a second) and the ETA (seconds), both None while the send waits
        for the relay or the database: the count stands still then, and a rate falling towards
        0/s with an ETA growing without bound said nothing true. The time spent waiting is
        left out of the rate, so the figures are the list's pace again once messages flow."""
        if waiting:
            if self._paused_at is None:
                self._paused_at = p.elapsed
            return None, None
        if self._paused_at is not None:
            self._paused += p.elapsed - self._paused_at
            self._paused_at = None
        if not done:  # nothing sent yet: no pace to tell (it said "0/s, ETA 0 s")
            return None, None
        sending = p.elapsed - self._paused
        rate = done / sending if sending > 0 else 0.0
        return rate, ((p.total - done) / rate if rate else None)

    def warn(self, line: str) -> None:
        """A `warning:` line the send says while it runs (from any of its threads): above
        the bar on a terminal, so the bar is drawn again below it whole."""
        if self._bar is not None:
            self._bar.console.print(f"warning: {line}", markup=False, highlight=False)
        else:
            typer.echo(f"warning: {line}", err=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _figures_text(rate: float | None, eta: float | None, failed: int, note: str) -> str:
    """The figures of a progress line: while waiting, the note and `ETA –` (no rate)."""
    shown_rate = f"{rate_text(rate)}, " if rate is not None else ""
    shown_note = f"{note}, " if note else ""
    shown_eta = f"ETA {eta:.0f} s" if eta is not None else "ETA –"
    return f"{shown_rate}{failed} failed, {shown_note}{shown_eta}"


def rate_text(rate: float) -> str:
    """Messages a second as the progress and the summary show them: whole numbers, and two
    significant figures under 1/s (6 messages in 16.3 s on a busy machine said "0/s")."""
    return f"{rate:,.0f}/s" if rate >= 1 or rate == 0 else f"{rate:.2g}/s"


def _clock(seconds: float) -> str:
    """An ETA as the bar shows it: h:mm:ss."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


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
