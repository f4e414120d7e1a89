"""Assemble an issue: choose the lead, rank every candidate headline, cut Related and More.

A pure function of the loaded sources, the settings and the options; today's
date comes in as an argument (the clock is read only at the CLI edge).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsletter.config import Settings
from newsletter.errors import ConfigError
from newsletter.models import Issue, Lead, ScoredHeadline, Sources, Story

if TYPE_CHECKING:
    from newsletter.assemble.memory import PastIssue

PREHEADER_CHARS = 140


@dataclass(frozen=True, slots=True)
class AssembleOptions:
    """The editor's choices for one build."""

    today: dt.date
    issue_id: str | None = None  # default: the ISO week of `today`, e.g. 2026-W48
    lead: str | None = None  # a source file or a story title
    related: int = 5  # at most this many headlines under "Related"
    more_headlines: bool = True  # list the rest under "More headlines" (False drops them)
    repeat: bool = False  # keep headlines an earlier issue carried (default: leave them out)


def assemble_issue(
    sources: Sources,
    settings: Settings,
    options: AssembleOptions,
    past: Sequence[PastIssue] = (),
) -> Issue:
    """Choose the lead, rank the candidates against it, and cut the issue's sections.

    `past` are the workspace's earlier issues: a headline one of them carried is left out
    (listed as repeated; kept with `options.repeat`), and the lead may follow one's lead.
    """
    from newsletter.assemble.candidates import candidate_headlines
    from newsletter.assemble.lead import choose_lead
    from newsletter.assemble.relevance import lead_profile, rank_headlines

    story = choose_lead(sources.stories, sources.headlines, options.lead)
    lead = lead_from_story(story)
    profile = lead_profile(story.title, story.paragraphs)
    ranked = rank_headlines(profile, candidate_headlines(story, sources.stories, sources.headlines))
    from newsletter.assemble.memory import followed_issue, split_repeated

    fresh, repeated = split_repeated(ranked, past, options.today)
    if not options.repeat:
        ranked = fresh
    related, more = split_related(ranked, options.related)
    issue_id = options.issue_id or iso_week_id(options.today)
    fields = text_fields(settings, lead, issue_id, options.today, len(related))
    return Issue(
        id=issue_id,
        date=options.today,
        subject=format_text(settings.subject, fields, "subject"),
        preheader=format_text(settings.preheader, fields, "preheader"),
        lead=lead,
        related=related,
        more=more if options.more_headlines else (),
        repeated=repeated,
        follows=followed_issue(profile, past, options.today),
    )


def lead_from_story(story: Story) -> Lead:
    """The lead as the issue shows it; an untitled story gets a derived title, marked as such."""
    from newsletter.assemble.titles import derive_title

    title = story.title or derive_title(story.paragraphs)
    return Lead(
        title=title,
        body=story.body,
        format=story.format,
        title_derived=story.title is None,
        url=story.url,
        source=story.source,
        image=story.image,
        image_alt=story.image_alt,
    )


def split_related(
    ranked: tuple[ScoredHeadline, ...], limit: int, **cut: float
) -> tuple[tuple[ScoredHeadline, ...], tuple[ScoredHeadline, ...]]:
    """The best `limit` headlines that pass the ranker's cut are Related; the rest are More.

    `cut` overrides the ranker's threshold, floor or pool share (see `related_count`)."""
    from newsletter.assemble.relevance import related_count

    count = related_count(ranked, limit, **cut)
    return ranked[:count], ranked[count:]


def iso_week_id(day: dt.date) -> str:
    """`2026-W48`: the ISO year and week of the day."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def text_fields(
    settings: Settings, lead: Lead, issue_id: str, day: dt.date, related: int
) -> dict[str, str]:
    """The {fields} subject and preheader templates may use."""
    return {
        "name": settings.name,
        "title": lead.title,
        "summary": lead_summary(lead),
        "date": f"{day.day} {day.strftime('%B %Y')}",
        "id": issue_id,
        "related_count": str(related),
    }


def format_text(template: str, fields: dict[str, str], key: str) -> str:
    """Fill a subject/preheader template; an unknown field is a configuration error."""
    try:
        return " ".join(template.format_map(fields).split())
    except (KeyError, ValueError, IndexError) as e:
        raise ConfigError(f"newsletter.toml: {key}: cannot fill '{template}' ({e})") from None


def lead_summary(lead: Lead, limit: int = PREHEADER_CHARS) -> str:
    """A sentence to go with the subject: the first, or the second when the title came from it."""
    from newsletter.assemble.titles import sentences

    found = [s for p in lead.paragraphs[:2] for s in sentences(p)]
    if lead.title_derived and len(found) > 1:
        found = found[1:]
    text = found[0] if found else lead.title
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—–- ") + "…"
