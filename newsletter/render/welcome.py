"""The welcome email, rendered as the digest is: Jinja2 → MJML → HTML → premailer, plus text.

`render_welcome` is a pure function of what the welcome says (`WelcomeFacts`, gathered by
newsletter/welcome/), the settings and the template files `welcome.mjml.j2` and
`welcome.txt.j2` (a workspace's templates/ overrides them, as the digest's). The reader's
values stay merge tags, filled per reader at send time: `{{ subscriber.first_name or
"there" }}` makes a variant for a reader without a first name, as in the digest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsletter.models import RenderedIssue
from newsletter.render import brand_context, email_css, refuse_remote_template, render_variants

if TYPE_CHECKING:
    from newsletter.config import Settings


@dataclass(frozen=True, slots=True)
class LatestIssue:
    """The newest issue that went out: its id, date and web version in the archive."""

    id: str
    date: dt.date
    url: str


@dataclass(frozen=True, slots=True)
class WelcomeFacts:
    """What the welcome tells a new reader."""

    name: str  # the newsletter's name
    writer: str  # who writes it: the From header's display name
    cadence: str  # "every Thursday at 07:00 (Europe/Lisbon)"; "" without a [schedule]
    latest: LatestIssue | None  # None: no issue has gone out yet
    archive: str  # the archive's address (base_url)


def welcome_subject(settings: Settings) -> str:
    """[welcome] subject with the newsletter's name (validated when the settings loaded)."""
    return settings.welcome.subject.format(name=settings.name)


def render_welcome(facts: WelcomeFacts, settings: Settings) -> RenderedIssue:
    """The welcome's HTML and text, the reader's values left as merge tags."""
    from newsletter.render.html_steps import html_steps
    from newsletter.render.templates import (
        WELCOME_HTML,
        WELCOME_TEXT,
        environment,
        template_dirs,
    )
    from newsletter.render.text_format import FILTERS

    dirs = template_dirs(settings.workspace)
    env = environment(dirs, FILTERS)
    css = email_css(dirs, settings)
    refuse_remote_template(dirs, WELCOME_HTML)
    subject = welcome_subject(settings)
    preheader = f"What to expect from {facts.name}" + (
        ", and where to read the latest issue" if facts.latest else ""
    )
    context = {
        "welcome": facts,
        "settings": settings,
        "brand": brand_context(settings),
        "subject": subject,
        "preheader": preheader,
    }
    variants = render_variants(env, html_steps(css), context, (WELCOME_HTML, WELCOME_TEXT))
    return RenderedIssue(
        subject=subject,
        preheader=preheader,
        html=variants.html,
        text=variants.text,
        tested=variants.tested,
        variants=variants.others,
    )
