"""`newsletter run`: what is left of the week, done once, from cron or a systemd timer.

The schedule's send slots (cadence.py) say which issue is due. Two may need work at a
given moment: the issue of the last slot (sent late, or missed) and the issue of the next
slot (built `build_before` hours ahead). First, the welcome emails `serve` left pending
(the relay was down when the reader confirmed: welcome/delivery.py). Then, for each
issue, in order, and only what is not yet recorded in its folder's run.json
(issue/run_state.py):

  build     from `sources` (newsletter.toml), under the slot's id, dated the send day
  check     the send gate's checks; errors stop here (fix, rebuild, the next run goes on)
  review    one copy to each reviewer (an address handed to the relay and never confirmed
            is left alone: its outcome is unknown, as the journal treats a reader's)
  approved  waits for `newsletter approve ISSUE` (void once the issue is rebuilt)
  send      at the send time, or at once when approved after it: the journaled list send
  archive   the static site updated

A slot missed by more than `late_after` hours is not sent without `send_late` (--now). The
clock is the caller's (`now`), so tests move time without sleeping; `between_steps` is
called after each recorded step, where a test injects a crash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsletter.cadence import Cadence
from newsletter.config import Settings
from newsletter.errors import ConfigError, NewsletterError, display_path
from newsletter.issue.layout import is_issue_folder
from newsletter.issue.run_state import RunState, build_fingerprint, read_run_state, record_step
from newsletter.send.plan import ProgressCallback
from newsletter.week.lock import run_lock

# Exit codes, for monitoring (docs/schedule.md): 1 is any error (a build, a check, a send
# that failed), 2 a wrong command line.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_MISSED = 3  # a send window passed unsent: `newsletter run --now` sends it
EXIT_BUSY = 75  # another run holds the lock (EX_TEMPFAIL): this one did nothing


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One thing a run did or found, for the log: the issue, the step, a line, counts."""

    issue: str
    step: str  # welcome | build | check | review | approve | send | archive | wait | missed
    message: str
    level: str = "info"  # info | warning | error | debug (a state, not an action)
    counts: dict[str, int] = field(default_factory=dict)
    # only in a JSON log: more of what happened (the send's recovered and taken over readers)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The caller's clock and choices."""

    now: dt.datetime  # aware: the moment this run acts at
    send_late: bool = False  # --now: send an approved issue whose window passed
    password: str | None = None  # the SMTP password (None: NEWSLETTER_SMTP_PASSWORD)
    on_event: Callable[[RunEvent], None] = lambda event: None
    on_progress: ProgressCallback | None = None  # the list send's progress
    between_steps: Callable[[str, str], None] | None = None  # (issue, step) once recorded


def schedule_of(settings: Settings) -> Cadence:
    """The workspace's cadence; ConfigError when newsletter.toml sets none."""
    plan = settings.schedule.plan()
    if plan is None:
        raise ConfigError(
            f"{settings.source or 'newsletter.toml'}: no [schedule] cadence; add one, e.g. "
            '[schedule] cadence = "weekly", day = "thursday", time = "07:00" (docs/schedule.md)'
        )
    return plan


@dataclass(frozen=True, slots=True)
class IssueStanding:
    """Where one scheduled issue stands: its send time and the steps its folder records."""

    issue: str
    slot: dt.datetime
    state: RunState | None  # None: not built yet
    current_build: str | None  # the folder's build now (a step for another one is void)


def week_standing(settings: Settings, now: dt.datetime) -> tuple[IssueStanding, ...]:
    """The issues of the last and the next send slot, and what is recorded for each."""
    plan = schedule_of(settings)
    standing = []
    for slot in (plan.slot_at_or_before(now), plan.slot_after(now)):
        folder = settings.workspace / "issues" / plan.issue_id(slot.date())
        built = is_issue_folder(folder)
        state = read_run_state(folder) if built else None
        build = build_fingerprint(folder) if built else None
        standing.append(IssueStanding(folder.name, slot, state, build))
    return tuple(standing)


def run_week(settings: Settings, options: RunOptions) -> int:
    """Do what is left of the due issues, under the workspace's run lock; the exit code."""
    plan = schedule_of(settings)
    if options.now.tzinfo is None:
        raise ValueError("run_week needs an aware `now`")
    with run_lock(settings.workspace):
        return _Run(settings, plan, options).run()


class _Run:
    def __init__(self, settings: Settings, plan: Cadence, options: RunOptions) -> None:
        self.settings = settings
        self.plan = plan
        self.options = options
        self.now = options.now

    def emit(self, issue: str, step: str, message: str, level: str = "info", **counts: int) -> None:
        self.options.on_event(RunEvent(issue, step, message, level, counts))

    def emit_send(
        self, issue: str, message: str, level: str, counts: dict[str, int], details: dict[str, Any]
    ) -> None:
        """The send's event: its counts, and `details` for a JSON log only (RunEvent)."""
        self.options.on_event(RunEvent(issue, "send", message, level, counts, details))

    def folder(self, slot: dt.datetime) -> Path:
        return self.settings.workspace / "issues" / self.plan.issue_id(slot.date())

    def recorded(
        self, state: RunState, step: str, label: str | None = None, **values: Any
    ) -> RunState:
        """Record a step, then give a test its chance to crash the run right there (`label`:
        the name a test knows the moment by, when one step is recorded more than once)."""
        state = record_step(state, step, self.now, **values)
        if self.options.between_steps is not None:
            self.options.between_steps(state.folder.name, label or step)
        return state

    def run(self) -> int:
        schedule = self.settings.schedule
        last = self.plan.slot_at_or_before(self.now)
        following = self.plan.slot_after(self.now)
        welcomed = self.welcome()
        code = EXIT_OK
        folder = self.folder(last)
        state = read_run_state(folder) if folder.is_dir() else None
        late = self.now - last > dt.timedelta(hours=schedule.late_after)
        unfinished = state is not None and bool(state.steps) and not state.done("archived")
        if not late or (unfinished and self.options.send_late):
            if not (state and state.done("archived")):
                code = self.advance(last)
        elif unfinished and not (state and state.done("sent")):
            hours = (self.now - last).total_seconds() / 3600
            self.emit(
                folder.name,
                "missed",
                f"issue {folder.name} was due {_when(last)}, {hours:.0f} h ago (late_after "
                f"{schedule.late_after:g} h): not sent; `newsletter run --now` sends it now",
                "warning",
            )
            code = EXIT_MISSED
        elif unfinished:
            code = self.advance(last)  # sent; the archive is left: finish it
        if self.now >= following - dt.timedelta(hours=schedule.build_before):
            code = max(code, self.advance(following))
        else:
            opens = following - dt.timedelta(hours=schedule.build_before)
            self.emit(
                self.folder(following).name,
                "wait",
                f"next issue builds at {_when(opens)} and goes out at {_when(following)}",
                "debug",
            )
        return max(code, welcomed)

    def welcome(self) -> int:
        """The welcomes `serve` could not send (the relay was down): each once, journaled."""
        from newsletter.welcome.delivery import send_welcomes

        try:
            summary = send_welcomes(
                self.settings, password=self.options.password, skip_unchanged=True
            )
        except NewsletterError as e:  # a broken welcome template must not stop the issue
            self.emit("", "welcome", f"welcome: {e}; the next run tries again", "error")
            return EXIT_FAILED
        if summary.busy:
            self.emit("", "welcome", "welcome: serve is sending them just now", "debug")
        elif summary.line():
            failed = summary.unreachable or summary.failed
            level = "error" if failed else "warning" if summary.unknown else "info"
            self.emit(
                "",  # no issue: the line names what it is about
                "welcome",
                summary.line(),
                level,
                sent=summary.sent,
                failed=summary.failed,
                unknown=summary.unknown,
                left=summary.left + summary.retrying,
            )
            return EXIT_FAILED if failed else EXIT_OK
        return EXIT_OK

    def advance(self, slot: dt.datetime) -> int:
        """One issue's steps, each only if not yet recorded; the exit code."""
        folder = self.folder(slot)
        if not is_issue_folder(folder):
            self.build(slot, folder)
        state = self.note_build(read_run_state(folder))
        build = state.steps["built"]["build"]
        if state.done("archived"):
            return EXIT_OK
        if not state.done("sent"):
            if not state.done("checked", build):
                state = self.check(state, build)
                if state.done("checked", build) is None:
                    return EXIT_FAILED
            state = self.review(state, build)
            approval = state.done("approved", build)
            if approval is None:
                self.emit(
                    folder.name,
                    "approve",
                    f"waiting for approval: `newsletter approve {display_path(folder)}` "
                    f"(goes out at {_when(slot)})",
                    "debug",
                )
                return EXIT_OK
            if self.now < slot:
                self.emit(
                    folder.name,
                    "wait",
                    f"approved by {approval.get('by')}; goes out at {_when(slot)}",
                    "debug",
                )
                return EXIT_OK
            state, code = self.send(state)
            if code:
                return code
        self.archive(state)
        return EXIT_OK

    def build(self, slot: dt.datetime, folder: Path) -> None:
        from newsletter.assemble import AssembleOptions
        from newsletter.build import build
        from newsletter.sources.named import named_sources

        sources, warnings = named_sources(self.settings)
        for warning in warnings:
            self.emit(folder.name, "build", warning, "warning")
        options = AssembleOptions(
            today=slot.date(),
            issue_id=folder.name,
            related=self.settings.related,
            more_headlines=self.settings.more_headlines,
        )
        result = build(sources, self.settings, options, out=folder)
        for warning in result.warnings:
            self.emit(folder.name, "build", warning, "warning")
        self.emit(
            folder.name,
            "build",
            f"built {display_path(folder)}/: {result.issue.subject}",
            related=len(result.issue.related),
            more=len(result.issue.more),
        )

    def note_build(self, state: RunState) -> RunState:
        """Record the folder's build; a rebuild since the last record voids its approval."""
        build = build_fingerprint(state.folder)
        seen = state.done("built")
        if seen is not None and seen.get("build") == build:
            return state
        old = state.done("approved")
        if old is not None and old.get("build") != build:
            self.emit(
                state.folder.name,
                "approve",
                f"rebuilt since {old.get('by')} approved it ({old.get('at')}): that approval "
                "no longer counts; approve again: "
                f"`newsletter approve {display_path(state.folder)}`",
                "warning",
            )
        return self.recorded(state, "built", build=build)

    def check(self, state: RunState, build: str) -> RunState:
        from newsletter.check import check_issue

        report = check_issue(state.folder, self.settings)
        name = state.folder.name
        counts = {"errors": len(report.errors), "warnings": len(report.warnings)}
        if report.errors:
            for finding in report.errors:
                self.emit(name, "check", finding.line(), "error")
            self.emit(
                name,
                "check",
                f"{report.counts()}: not reviewed nor sent; fix them, rebuild "
                f"(`newsletter build {display_path(state.folder)}`), and the next run goes on",
                "error",
                **counts,
            )
            return state
        self.emit(name, "check", "checked", "info", **counts)
        return self.recorded(state, "checked", None, build=build, **counts)

    def review(self, state: RunState, build: str) -> RunState:
        """One review copy to each reviewer, once per build."""
        name = state.folder.name
        for address in self.settings.schedule.reviewers:
            review = state.done("review", build) or {"started": [], "sent": [], "unknown": []}
            if address in review["sent"] or address in review["unknown"]:
                continue
            if address in review["started"]:  # stopped between the final `.` and the record
                self.emit(
                    name,
                    "review",
                    f"review copy to {address}: a run stopped while sending it, so it may have "
                    "arrived; not sent again (check that inbox)",
                    "warning",
                )
                state = self._review(state, build, review, unknown=address)
                continue
            state, line = self._send_review(state, build, review, address)
            self.emit(name, "review", line.replace("test copy", "review copy"))
        return state

    def _send_review(
        self, state: RunState, build: str, review: dict[str, list[str]], address: str
    ) -> tuple[RunState, str]:
        """One review copy; "started" is recorded at its final `.`, not before connecting: a
        run killed before that sent nothing the relay can have, and the next run sends it."""
        from newsletter.send.single_copy import CopyOutcomeUnknown, send_test_copy

        def at_end() -> None:
            self._review(state, build, review, started=address)

        try:
            line = send_test_copy(
                state.folder,
                address,
                self.settings,
                password=self.options.password,
                at_end=at_end,
            )
        except CopyOutcomeUnknown:
            self._review(state, build, review, started=address, unknown=address)
            raise
        except Exception:
            self._review(state, build, review)  # not delivered: the next run tries again
            raise
        return self._review(state, build, review, started=address, sent=address), line

    def _review(
        self,
        state: RunState,
        build: str,
        review: dict[str, list[str]],
        *,
        started: str | None = None,
        sent: str | None = None,
        unknown: str | None = None,
    ) -> RunState:
        values = {key: list(review.get(key, [])) for key in ("started", "sent", "unknown")}
        for key, address in (("started", started), ("sent", sent), ("unknown", unknown)):
            if address is not None and address not in values[key]:
                values[key].append(address)
        if started is None and sent is None and unknown is None:
            values["started"] = [a for a in values["started"] if a in values["sent"]]
        only_started = started is not None and sent is None and unknown is None
        label = "review-started" if only_started else "review"
        return self.recorded(state, "review", label, build=build, **values)

    def send(self, state: RunState) -> tuple[RunState, int]:
        """The list send, journaled (a re-run resumes it and mails nobody twice)."""
        from newsletter.check import send_gate
        from newsletter.issue.build_record import check_settings_drift
        from newsletter.issue.built import read_built_issue
        from newsletter.send.plan import SendOptions, plan_send
        from newsletter.send.sender import run_send

        name = state.folder.name
        built = read_built_issue(state.folder)
        check_settings_drift(state.folder, self.settings, built.record)
        shown = display_path(state.folder)
        send_gate(  # run has no --force: the way out is a rebuild, or a send by hand
            built,
            self.settings,
            force=False,
            test_copy=False,
            remedy=f"and rebuild (`newsletter build {shown}`, then approve it again), "
            f"or send it by hand: `newsletter send {shown} --force`",
        )
        options = SendOptions(  # a kill -9 of a timer's run must not mail anyone twice
            password=self.options.password,
            on_progress=self.options.on_progress,
            on_warning=lambda line: self.emit(name, "send", line, "warning"),  # a run's event
            in_flight_unknown=True,
        )
        plan = plan_send(built, self.settings, options)
        if plan.nothing_to_send:
            already = plan.status.counts.sent
            self.emit(name, "send", "nobody left to send to", sent=0, skipped=already)
            return self.recorded(state, "sent", sent=0, skipped=already), EXIT_OK
        self.emit(name, "send", f"sending to {plan.recipients} reader(s) via {plan.relay}")
        summary = run_send(plan)
        # The five counts show in either log and are kept in the run's state; a JSON log's
        # event has the rest of `send --log-format json`'s summary too (recovered, taken over)
        every = summary.counts()
        five = ("sent", "failed", "skipped", "unknown", "left")
        counts = {key: every[key] for key in five}
        details = {key: value for key, value in every.items() if key not in five}
        if summary.left or summary.stopped or summary.interrupted:
            why = summary.stopped or "stopped before the end"
            self.emit_send(name, f"{why}; the next run resumes it", "error", counts, details)
            return state, EXIT_FAILED
        level = "warning" if summary.failed or summary.unknown_total else "info"
        self.emit_send(name, f"sent in {summary.elapsed:.1f} s", level, counts, details)
        state = self.recorded(state, "sent", None, **counts)
        return state, EXIT_FAILED if summary.failed else EXIT_OK

    def archive(self, state: RunState) -> None:
        from newsletter.archive import write_archive

        result = write_archive(self.settings)
        for warning in result.warnings:
            self.emit(state.folder.name, "archive", warning, "warning")
        self.emit(
            state.folder.name,
            "archive",
            f"archive {display_path(result.out)}/ updated",
            issues=len(result.issues),
            written=len(result.written),
        )
        self.recorded(state, "archived")


def _when(moment: dt.datetime) -> str:
    """`Thu 2026-12-03 07:00 Europe/Lisbon`."""
    zone = getattr(moment.tzinfo, "key", None) or moment.strftime("%Z")
    return f"{moment:%a %Y-%m-%d %H:%M} {zone}"
