"""Render an assembled issue: Jinja2 → MJML → HTML → premailer, and its own plain-text template.

`render_issue` is a pure function of the issue, the settings and the template
files; per-recipient values stay as merge tags (see merge_tags.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from newsletter.config import Settings
from newsletter.errors import TemplateError
from newsletter.models import Issue, Lead, RenderedIssue, ScoredHeadline
from newsletter.render.html_steps import html_steps, run_steps
from newsletter.render.merge_tags import SubscriberPlaceholders
from newsletter.render.templates import (
    CSS_FILE,
    HTML_TEMPLATE,
    TEXT_TEMPLATE,
    environment,
    read_template_file,
    render_template,
    template_dirs,
)
from newsletter.render.text_format import FILTERS, tidy_text

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail shows "[Message clipped]" past this much HTML
RELATED_HEADING = "Related"
MORE_HEADING = "More headlines"


@dataclass(frozen=True, slots=True)
class Section:
    """A titled list of headlines, as the templates loop over them."""

    heading: str
    items: tuple[ScoredHeadline, ...]


def render_issue(issue: Issue, settings: Settings) -> RenderedIssue:
    """Render the HTML and plain-text versions of an issue, merge tags left in place."""
    dirs = template_dirs(settings.workspace)
    env = environment(dirs, FILTERS)
    context = _context(issue, settings)
    mjml_source = render_template(
        env, HTML_TEMPLATE, {**context, "lead_html": lead_html(issue.lead)}
    )
    html = run_steps(
        compile_mjml(mjml_source, HTML_TEMPLATE), html_steps(read_template_file(dirs, CSS_FILE))
    )
    text = tidy_text(render_template(env, TEXT_TEMPLATE, context))
    return RenderedIssue(subject=issue.subject, preheader=issue.preheader, html=html, text=text)


def _context(issue: Issue, settings: Settings) -> dict[str, Any]:
    sections = tuple(
        Section(heading, items)
        for heading, items in ((RELATED_HEADING, issue.related), (MORE_HEADING, issue.more))
        if items
    )
    return {
        "issue": issue,
        "settings": settings,
        "sections": sections,
        "web_url": settings.web_url(issue.id),
        # Memory across issues: the web page of the earlier issue this lead continues.
        "previously_url": settings.web_url(issue.follows.id) if issue.follows else None,
        "subscriber": SubscriberPlaceholders(),
    }


def lead_html(lead: Lead) -> Markup:
    """The lead's body as HTML: escaped paragraphs, or Markdown rendered without raw HTML."""
    if lead.format == "markdown":
        from markdown_it import MarkdownIt

        return Markup(
            MarkdownIt("commonmark", {"html": False, "typographer": False}).render(lead.body)
        )
    return Markup("\n").join(Markup("<p>{}</p>").format(escape(p)) for p in lead.paragraphs)


def compile_mjml(source: str, name: str) -> str:
    """MJML → HTML with mjml-python (in-process, no Node); errors name the template."""
    import mjml

    try:
        # fonts={}: MJML would otherwise link Google Fonts; the email uses system fonts.
        return mjml.mjml2html(source, disable_comments=True, fonts={})
    except Exception as e:  # mjml-python raises bare ValueError with mrml's message
        raise TemplateError(
            f"{name}: MJML does not compile: {e}; check the tags in the template"
        ) from None
