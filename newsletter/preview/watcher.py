"""Watch the preview's inputs with watchfiles and ask the rebuilder for a build.

Bursts of saves are grouped by watchfiles itself (it waits for a short quiet
spell before reporting).  The watch is re-armed after every build: a rebuild
replaces the issue folder and many editors save by replacing the file, and
either leaves a watch on a file that no longer has that name.  Once a watch
is armed, one build is requested anyway; the rebuilder skips it when no input
changed, so no save made while the watch was down is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from newsletter.preview.target import PreviewTarget

QUIET_MS = 60  # a burst of saves ends after this long without a new change
MAX_WAIT_MS = 500  # ... or after this long, whichever comes first
ARMED_CHECK_MS = 250  # watchfiles reports in at least this often, so we know the watch is armed


class _EitherEvent:
    """Stops watchfiles when either event is set (watchfiles takes one)."""

    def __init__(self, *events: threading.Event) -> None:
        self.events = events

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class InputWatcher:
    """A thread that calls `on_change()` when an input of the target changes."""

    def __init__(self, target: PreviewTarget, on_change: Callable[[], None]) -> None:
        self.target = target
        self._on_change = on_change
        self._stop = threading.Event()
        self._rearm = threading.Event()
        self._thread = threading.Thread(target=self._run, name="preview-watcher", daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def rearm(self) -> None:
        """Watch again from the current paths (after a build replaced some of them)."""
        self._rearm.set()

    def stop(self) -> None:
        """Stop watching and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        import watchfiles

        stop_or_rearm = _EitherEvent(self._stop, self._rearm)
        while not self._stop.is_set():
            self._rearm.clear()
            roots = self.target.watch_roots()
            if not roots:
                self._rearm.wait(1.0)
                continue
            checked = False
            try:
                for changes in watchfiles.watch(
                    *roots,
                    watch_filter=None,
                    debounce=MAX_WAIT_MS,
                    step=QUIET_MS,
                    stop_event=stop_or_rearm,
                    rust_timeout=ARMED_CHECK_MS,
                    yield_on_timeout=True,
                    raise_interrupt=False,
                    ignore_permission_denied=True,
                ):
                    if not checked:  # armed now: whatever changed before is caught by this check
                        self._on_change()
                        checked = True
                    if any(self.target.is_input(Path(path)) for _, path in changes):
                        self._on_change()
                        break  # re-arm: a save may have replaced a watched file
            except OSError:  # a root vanished between listing and watching (a rebuild's swap)
                self._stop.wait(0.05)
