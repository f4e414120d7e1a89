"""What `newsletter run` has done for one issue: `issues/<id>/run.json`, one step at a time.

Each step is recorded right after it is done, by writing the whole file anew beside itself
and renaming it into place (so a kill leaves the old record or the new one, never half):

    built      the build it saw or made: `build`, the SHA-256 of built-with.json
    checked    the checks passed for that build
    review     review copies: `started` (addresses handed to the relay) and `sent` (accepted)
    approved   who approved and when, for which build (`newsletter approve`)
    sent       the list send finished: its counts
    archived   the archive updated

A record made for another build than the folder's (the editor rebuilt the issue) does not
count: `for_build` drops it, so a rebuild voids the checks, the review and the approval.
The folder's rebuilds carry run.json over (issue/layout.py keeps files it did not make).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsletter.errors import ManifestError, OutputError, display_path
from newsletter.issue.build_record import BUILD_RECORD_NAME
from newsletter.issue.folder_given import not_an_issue_folder
from newsletter.issue.layout import is_issue_folder

STATE_NAME = "run.json"
STEPS = ("built", "checked", "review", "approved", "sent", "archived")
_PER_BUILD = ("checked", "review", "approved")  # void once the issue is rebuilt


@dataclass(frozen=True, slots=True)
class RunState:
    """The steps recorded for one issue folder (step -> its values, `at` among them)."""

    folder: Path
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    def done(self, step: str, build: str | None = None) -> dict[str, Any] | None:
        """The record of `step`, or None; for a per-build step, only if made for `build`."""
        record = self.steps.get(step)
        if record is None:
            return None
        if build is not None and step in _PER_BUILD and record.get("build") != build:
            return None
        return record


def build_fingerprint(folder: Path) -> str:
    """The SHA-256 of the folder's built-with.json: it changes with every build of it."""
    try:
        return hashlib.sha256((folder / BUILD_RECORD_NAME).read_bytes()).hexdigest()
    except OSError as e:
        raise ManifestError(
            f"{display_path(folder)}: not a built issue ({e.strerror}); build it first "
            "(`newsletter build`)"
        ) from None


def read_run_state(folder: Path) -> RunState:
    """The steps recorded in the folder (none when it has no run.json)."""
    path = folder / STATE_NAME
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return RunState(folder)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ManifestError(
            f"{display_path(path)}: unreadable ({e}); `newsletter run` wrote it: move it "
            "away to start this issue's run over (the journal still stops a second send)"
        ) from None
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, dict) or not all(isinstance(v, dict) for v in steps.values()):
        raise ManifestError(f"{display_path(path)}: not a run record; move it away")
    return RunState(folder, {k: v for k, v in steps.items() if k in STEPS})


def record_step(state: RunState, step: str, now: dt.datetime, **values: Any) -> RunState:
    """The state with `step` recorded (replacing an earlier record of it), written whole."""
    steps = dict(state.steps)
    steps[step] = {"at": now.isoformat(timespec="seconds"), **values}
    if step == "built":  # a new build: what was done for the old one no longer counts
        for old in _PER_BUILD:
            if old in steps and steps[old].get("build") != values.get("build"):
                del steps[old]
    new = RunState(state.folder, steps)
    _write(new)
    return new


def _write(state: RunState) -> None:
    path = state.folder / STATE_NAME
    temporary = path.with_name(f".{STATE_NAME}.{os.getpid()}.tmp")
    text = json.dumps({"steps": state.steps}, indent=2, sort_keys=True, ensure_ascii=False)
    try:
        with temporary.open("w", encoding="utf-8") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except OSError as e:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"{display_path(path)}: cannot write ({e.strerror})") from None


def approve(folder: Path, by: str, now: dt.datetime) -> RunState:
    """Record the editor's approval of the folder's current build."""
    if not is_issue_folder(folder):
        raise not_an_issue_folder(folder)
    build = build_fingerprint(folder)
    state = read_run_state(folder)
    return record_step(state, "approved", now, by=by, build=build)
