"""What a check run found: findings (an id, a severity, where, what to do) and link results."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from newsletter.check.email_facts import BuiltEmail
    from newsletter.check.link_status import LinkResult
    from newsletter.config import Settings

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check found, with a fix of its own when the check's usual one would mislead."""

    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class Check:
    """One named check: `find` yields a line per problem (where, what); `fix` says what to do
    (a `Problem` yielded brings its own, naming what this case needs)."""

    id: str
    severity: Severity
    fix: str
    find: Callable[[BuiltEmail, Settings], Iterable[str | Problem]]

    def finding(self, found: str | Problem) -> Finding:
        """The finding for one thing `find` yielded."""
        if isinstance(found, Problem):
            return Finding(self.id, self.severity, found.message, found.fix)
        return Finding(self.id, self.severity, found, self.fix)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one issue."""

    check: str
    severity: Severity
    message: str  # where, and what is wrong
    fix: str  # what to do about it

    def line(self) -> str:
        """`error    links.absolute  index.html:12: … → make it …`: one line for a terminal."""
        return f"{self.severity:<8} {self.check:<20} {self.message} → {self.fix}"

    def as_json(self) -> dict[str, str]:
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The findings of every check on one issue, in the checks' order."""

    issue_id: str
    folder: str
    findings: tuple[Finding, ...]
    checks: tuple[str, ...]  # the ids that ran
    links: tuple[LinkResult, ...] = ()  # with --links only
    spam_score: dict[str, Any] | None = None  # with --spamassassin, when installed
    notes: tuple[str, ...] = field(default=())  # what was skipped and why

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when nothing stops a send (warnings allowed)."""
        return not self.errors

    def counts(self) -> str:
        """`2 errors, 1 warning`."""
        e, w = len(self.errors), len(self.warnings)
        return f"{e} error{'' if e == 1 else 's'}, {w} warning{'' if w == 1 else 's'}"

    def as_json(self) -> dict[str, Any]:
        return {
            "issue": self.issue_id,
            "folder": self.folder,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.as_json() for f in self.findings],
            "checks": list(self.checks),
            "links": [link.as_json() for link in self.links],
            "spamassassin": self.spam_score,
            "notes": list(self.notes),
        }
