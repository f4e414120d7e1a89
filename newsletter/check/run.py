"""Run the checks on a built issue: `check_issue` for the report, `send_gate` before a send."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from newsletter.check.email_facts import BuiltEmail, load_built_email
from newsletter.check.registry import (
    CHECKS,
    IMAGE_BLURRY,
    IMAGE_HEAVY,
    IMAGE_SIZE,
    IMAGE_WARNING_BYTES,
    LINK_BROKEN,
    LINK_UNREACHABLE,
    NETWORK_CHECKS,
    SPAM_SCORE,
)
from newsletter.check.report import Check, CheckReport, Finding
from newsletter.config import Settings
from newsletter.control_chars import quoted
from newsletter.errors import NewsletterError, display_path
from newsletter.issue.built import BuiltIssue

if TYPE_CHECKING:  # http.client and ssl load only for --links: a send's gate starts faster
    from newsletter.check.link_status import LinkResult


class ChecksFailed(NewsletterError):
    """A send refused because the issue's checks found errors; `report` holds them."""

    def __init__(self, message: str, report: CheckReport) -> None:
        super().__init__(message)
        self.report = report


def check_issue(
    built: BuiltIssue | Path,
    settings: Settings,
    *,
    links: bool = False,
    per_link: float = 10.0,
    total: float = 30.0,
    spamassassin: bool = False,
) -> CheckReport:
    """Every check on a built issue (or its folder); `links` also fetches each link (the network).

    ManifestError when the folder was never built or changed since its build.
    """
    email = load_built_email(built)
    folder = email.folder
    findings = [check.finding(found) for check in CHECKS for found in check.find(email, settings)]
    ran = [c.id for c in CHECKS]
    notes: list[str] = []
    results: tuple[LinkResult, ...] = ()
    if links:
        from newsletter.check.link_status import fetch_links

        results = fetch_links(
            [link.href for link in email.facts.links],
            [image.src or "" for image in email.facts.images],
            per_link=per_link,
            total=total,
            private_hosts=settings.limits.private_hosts,
        )
        findings += _link_findings(email, results)
        ran += [c.id for c in NETWORK_CHECKS if c is not SPAM_SCORE]
    else:
        notes.append("links not fetched; add --links to fetch them")
    score = None
    if spamassassin:
        from newsletter.check.spam import spamassassin_score

        score = spamassassin_score(folder / "message.eml")
        if score is None:
            notes.append("spamassassin is not installed: no spam score")
        elif "error" in score:
            notes.append(score["error"])
        else:
            ran.append(SPAM_SCORE.id)
            if score["spam"]:
                findings.append(
                    _finding(
                        SPAM_SCORE,
                        f"{email.where('message.eml')}: score "
                        f"{score['score']} ≥ {score['required']} "
                        f"({', '.join(score['tests'])})",
                    )
                )
    return CheckReport(
        issue_id=email.issue.id,
        folder=display_path(folder),
        findings=tuple(findings),
        checks=tuple(ran),
        links=results,
        spam_score=score,
        notes=tuple(notes),
    )


def _finding(check: Check, message: str) -> Finding:
    return Finding(check.id, check.severity, message, check.fix)


def _link_findings(email: BuiltEmail, results: tuple[LinkResult, ...]) -> list[Finding]:
    lines = {link.href: link.line for link in email.facts.links}
    lines.update({image.src or "": image.line for image in email.facts.images})
    found = []
    for r in results:
        where = email.where("index.html", lines.get(r.url))
        via = f" (via {' → '.join(u for _, u in r.redirects)})" if r.redirects else ""
        if r.broken:
            found.append(_finding(LINK_BROKEN, f"{where}: {r.url} answers {r.status}{via}"))
        elif r.unreachable:
            why = r.error or f"answers {r.status}"
            found.append(_finding(LINK_UNREACHABLE, f"{where}: {r.url}: {why}{via}"))
        if r.image:
            found += _image_findings(email, r, where)
    return found


def _image_findings(email: BuiltEmail, r: LinkResult, where: str) -> list[Finding]:
    """A fetched image's weight, its resolution against the width shown, and its size when
    the email shows it without a height (the manifest can carry what was measured)."""
    found = []
    size = r.image.get("bytes", 0)
    if size >= IMAGE_WARNING_BYTES:
        found.append(_finding(IMAGE_HEAVY, f"{where}: {r.url} weighs {size / 1048576:.1f} MB"))
    shown = [image for image in email.facts.images if image.src == r.url]
    declared = (shown[0].width or "").rstrip("px") if shown else ""
    if "width" in r.image and declared.isdigit() and r.image["width"] < int(declared):
        found.append(
            _finding(
                IMAGE_BLURRY, f"{where}: {r.url} is {r.image['width']} px wide, shown at {declared}"
            )
        )
    measured = "width" in r.image and "height" in r.image
    if measured and shown and not shown[0].height and r.url in _issue_images(email):
        found.append(_size_finding(email, where, r.url, r.image))
    return found


def _issue_images(email: BuiltEmail) -> set[str | None]:
    """The images the issue's manifest names: the lead's and the cards'."""
    issue = email.issue
    cards = (*issue.stories, *(c for s in issue.sections for c in s.stories))
    return {issue.lead.image, *(c.image for c in cards)}


def _size_finding(email: BuiltEmail, where: str, url: str, size: dict[str, int]) -> Finding:
    """The size `check --links` measured, as the manifest lines that set it at the next build."""
    width, height = size["width"], size["height"]
    return _finding(
        IMAGE_SIZE,
        f"{where}: {url} is {width}×{height} px; under {_manifest_place(email, url)} "
        f"in issue.toml add image_width = {width} and image_height = {height}",
    )


def _manifest_place(email: BuiltEmail, url: str) -> str:
    """Where in the manifest an image's size goes: [lead] or the card that shows it."""
    if email.issue.lead.image == url:
        return "[lead]"
    cards = (*email.issue.stories, *(c for s in email.issue.sections for c in s.stories))
    title = next(c.title for c in cards if c.image == url)
    return f"the [[stories]] card {quoted(title)}"


def send_gate(
    built: BuiltIssue | Path,
    settings: Settings,
    *,
    force: bool,
    test_copy: bool,
    remedy: str = "or send anyway with --force",
) -> CheckReport:
    """The checks before a send: refuse on errors, unless forced or only a test copy.

    `remedy` ends the refusal: what the caller's command lets the editor do (`send` has
    --force; `run` has not). A folder changed since its build is refused whatever `force`
    says (ManifestError).
    """
    report = check_issue(built, settings)
    if report.errors and not (force or test_copy):
        shown = report.folder
        raise ChecksFailed(
            f"{shown}: {report.counts()}: not sent; fix them (`newsletter check {shown}`) {remedy}",
            report,
        )
    return report
