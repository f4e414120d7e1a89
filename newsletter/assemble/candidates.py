"""The pool of candidate headlines for one lead: every headline, plus every other story."""

from __future__ import annotations

from collections.abc import Sequence

from newsletter.assemble.titles import derive_title
from newsletter.models import Headline, Story
from newsletter.sources.summaries import cut_at_sentence


def candidate_headlines(
    lead: Story, stories: Sequence[Story], headlines: Sequence[Headline]
) -> tuple[Headline, ...]:
    """Headlines first, then the other stories as headlines; the lead's own title is left out."""
    pool = [*headlines, *(story_headline(s) for s in stories if s is not lead)]
    own = (lead.title or "").casefold()
    return tuple(h for h in pool if not own or h.title.casefold() != own)


def story_headline(story: Story) -> Headline:
    """A story that does not lead still appears as a headline (its title, or one derived)."""

    paragraphs = story.paragraphs
    return Headline(
        title=story.title or derive_title(paragraphs),
        url=story.url,
        source=story.source,
        date=story.date,
        summary=story.summary or cut_at_sentence(paragraphs[0] if paragraphs else ""),
        tags=story.tags,
        publisher=story.publisher,
        words=sum(len(p.split()) for p in paragraphs),
        outlet=story.outlet,
    )


def story_text(story: Story) -> str:
    """A story's whole text as the ranker reads it: its summary, then its paragraphs."""
    return " ".join([story.summary or "", *story.paragraphs]).strip()
