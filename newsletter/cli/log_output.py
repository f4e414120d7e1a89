"""Output for logs: what `run` and `send` say when nobody watches a terminal.

Text: one line per event (`2026-W49 review: ...`), warnings and errors on stderr. JSON
(`--log-format json`): one object a line on stderr, `{"time", "issue", "step", "level",
"message", ...counts}`, for journald, Loki or any collector. Progress of a list send is at
most one line (or object) every 10 seconds, plus the summary. No event carries a secret: the
messages are the library's, which never hold the SMTP password or a signing key.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from newsletter.send.workers import SendProgress
    from newsletter.week.run import RunEvent

LOG_FORMATS = ("text", "json")
PROGRESS_EVERY = 10.0  # seconds between two progress lines in a log


class EventLog:
    """Prints a run's events as text or JSON lines; the send's progress sparsely."""

    def __init__(self, log_format: str, *, verbose: bool = False, clock: dt.datetime) -> None:
        self.json = log_format == "json"
        self.verbose = verbose
        self.clock = clock  # the run's moment: events are stamped with it (a test's clock too)
        self.issue = ""
        self._started = time.monotonic()
        self._last_progress: float | None = None

    def _stamp(self) -> str:
        elapsed = dt.timedelta(seconds=time.monotonic() - self._started)
        return (self.clock + elapsed).isoformat(timespec="seconds")

    def emit(self, issue: str, step: str, message: str, level: str, **counts: Any) -> None:
        """One event out: a JSON object, or a line (stdout for info, stderr otherwise)."""
        if level == "debug" and not (self.verbose or self.json):
            return
        if self.json:
            record = {"time": self._stamp(), "issue": issue, "step": step, "level": level}
            record.update(message=message, **counts)
            typer.echo(json.dumps(record, ensure_ascii=False), err=True)
            return
        shown = f" ({', '.join(f'{k} {v}' for k, v in counts.items())})" if counts else ""
        prefix = "" if level in ("info", "debug") else f"{level}: "
        where = f"{issue} {step}: " if issue else ""  # an error before any issue: the line alone
        typer.echo(f"{prefix}{where}{message}{shown}", err=level not in ("info", "debug"))

    def event(self, event: RunEvent) -> None:
        """A run's event."""
        self.issue = event.issue
        counts = {**event.counts, **event.details} if self.json else event.counts
        self.emit(event.issue, event.step, event.message, event.level, **counts)

    def failure(self, message: str, step: str) -> None:
        """The error that ended the run, as one more event."""
        self.emit(self.issue, step, message, "error")

    def warning(self, message: str) -> None:
        """A line the send says while it runs (SendOptions.on_warning), as a warning event."""
        self.emit(self.issue, "send", message, "warning")

    def progress(self, p: SendProgress) -> None:
        """A list send's progress: at most one event every 10 s (the summary follows)."""
        done = p.sent + p.failed
        if done >= p.total:
            return  # the summary says it
        if self._last_progress is None:
            self._last_progress = p.elapsed  # the first line after 10 s, not at once
            return
        if p.elapsed - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = p.elapsed
        waiting: dict[str, object] = {"reconnecting": p.reconnecting} if p.reconnecting else {}
        if p.database is not None:  # seconds the send has waited for its PostgreSQL server
            waiting["database_down"] = round(p.database[0])
        self.emit(
            self.issue,
            "send",
            "sending",
            "info",
            done=done,
            total=p.total,
            failed=p.failed,
            **waiting,
        )
