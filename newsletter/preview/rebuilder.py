"""Builds in a background thread and publishes each result as one immutable snapshot.

Requests that arrive while a build runs are folded into one more build after
it.  The page is only ever served from a snapshot, read whole from the issue
folder right after the build that wrote it, so a reader never sees a
half-written issue, and a failed build keeps the last good email on show
beside its error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsletter.check import check_issue
from newsletter.config import load_settings
from newsletter.errors import NewsletterError, OutputError, display_path
from newsletter.issue.build_record import drift_notice
from newsletter.preview.email_frames import email_frames
from newsletter.preview.issue_summary import summarize_issue
from newsletter.preview.target import PreviewTarget

SERVED_FILES = ("index.html", "index.txt", "message.eml", "issue.toml")


@dataclass(frozen=True, slots=True)
class PreviewSnapshot:
    """The state of the preview after one build: the last good issue and the latest error."""

    generation: int = 0  # counts finished builds, good or bad
    good_generation: int = 0  # the build the files and frames come from
    folder: Path | None = None
    files: Mapping[str, bytes] = field(default_factory=dict)
    frames: Mapping[str, bytes] = field(default_factory=dict)
    summary: Mapping[str, Any] | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0  # how long the build took
    finished: float = 0.0  # when it finished (time.time())

    @property
    def ok(self) -> bool:
        return self.error is None and self.summary is not None


class Rebuilder:
    """Runs the target's builds one at a time, off the server's threads."""

    def __init__(
        self, target: PreviewTarget, on_build: Callable[[PreviewSnapshot], None] | None = None
    ) -> None:
        self.target = target
        self.issue_lock = threading.Lock()  # held while the issue folder is written or sent from
        self._on_build = on_build or (lambda snapshot: None)
        self._changed = threading.Condition()
        self._snapshot = PreviewSnapshot()
        self._pending = False
        self._stopping = False
        self._built_fingerprint: str | None = None
        self._thread = threading.Thread(target=self._run, name="preview-rebuilder", daemon=True)

    @property
    def snapshot(self) -> PreviewSnapshot:
        """The latest snapshot (replaced whole, never changed in place)."""
        return self._snapshot

    def build_now(self) -> PreviewSnapshot:
        """Build in the calling thread (the first build, before the server starts)."""
        self._build(self.target.fingerprint())
        return self._snapshot

    def start(self) -> None:
        """Start the background thread that serves `request()`."""
        self._thread.start()

    def request(self) -> None:
        """Ask for a build; it is skipped when no input changed since the last build."""
        with self._changed:
            self._pending = True
            self._changed.notify_all()

    def wait_for(self, generation: int, timeout: float) -> PreviewSnapshot:
        """Wait until a build newer than `generation` finishes (or the timeout, or stop)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._snapshot.generation != generation or self._stopping, timeout
            )
            return self._snapshot

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop(self) -> None:
        """Stop the thread after the build in progress, and wake every waiter."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._stopping)
                if self._stopping:
                    return
                self._pending = False
            fingerprint = self.target.fingerprint()
            if fingerprint == self._built_fingerprint:
                continue  # a save that changed nothing, or the build's own writes
            self._build(fingerprint)

    def _build(self, fingerprint: str) -> None:
        started = time.monotonic()
        previous = self._snapshot
        warnings: tuple[str, ...] = ()
        try:
            with self.issue_lock:
                result, warnings = self.target.build()
                files = _read_issue(result.folder)
                checks = _check_report(self.target, result.folder)
            snapshot = _good_snapshot(previous, result, files, warnings, checks)
        except NewsletterError as e:
            snapshot = _failed_snapshot(previous, str(e), warnings + self._drift(previous))
        except Exception as e:  # a bug must not end the preview: show it and keep serving
            error = f"internal error: {type(e).__name__}: {e}"
            snapshot = _failed_snapshot(previous, error, warnings + self._drift(previous))
        snapshot = _timed(snapshot, time.monotonic() - started)
        with self._changed:
            self._built_fingerprint = fingerprint
            self._snapshot = snapshot
            self._changed.notify_all()
        self._on_build(snapshot)

    def _drift(self, previous: PreviewSnapshot) -> tuple[str, ...]:
        """After a failed build the last good issue stays on show: say if `send` would refuse it.

        (A good build is made with today's settings, so it cannot have drifted.)
        """

        if previous.folder is None:
            return ()
        try:
            settings, _ = load_settings(self.target.workspace)
        except NewsletterError:  # the settings themselves are the error shown
            return ()
        notice = drift_notice(previous.folder, settings)
        return (notice,) if notice else ()


def _read_issue(folder: Path) -> dict[str, bytes]:

    try:
        return {name: (folder / name).read_bytes() for name in SERVED_FILES}
    except OSError as e:
        raise OutputError(
            f"{display_path(folder)}: cannot read the built issue ({e.strerror})"
        ) from None


def _check_report(target: PreviewTarget, folder: Path) -> dict[str, Any]:
    """The Checks tab: the report `newsletter check` prints, on the files just built."""

    try:
        return check_issue(folder, load_settings(target.workspace)[0]).as_json()
    except NewsletterError as e:
        return {"error": str(e)}


def _good_snapshot(
    previous: PreviewSnapshot,
    result: Any,
    files: dict[str, bytes],
    warnings: tuple[str, ...],
    checks: dict[str, Any],
) -> PreviewSnapshot:

    frames = email_frames(files["index.html"].decode("utf-8"))
    generation = previous.generation + 1
    return PreviewSnapshot(
        generation=generation,
        good_generation=generation,
        folder=result.folder,
        files=files,
        frames={name: html.encode("utf-8") for name, html in frames.items()},
        summary={
            **summarize_issue(result.issue, files, learnt=result.learnt_view()),
            "checks": checks,
        },
        warnings=warnings,
    )


def _failed_snapshot(
    previous: PreviewSnapshot, error: str, warnings: tuple[str, ...]
) -> PreviewSnapshot:
    return PreviewSnapshot(
        generation=previous.generation + 1,
        good_generation=previous.good_generation,
        folder=previous.folder,
        files=previous.files,
        frames=previous.frames,
        summary=previous.summary,
        error=error,
        warnings=warnings,
    )


def _timed(snapshot: PreviewSnapshot, seconds: float) -> PreviewSnapshot:

    return replace(snapshot, seconds=round(seconds, 3), finished=time.time())
