"""The pool of candidate headlines for one lead: every headline, plus every other story."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from newsletter.assemble.titles import TITLE_LIMIT, derive_title
from newsletter.models import Headline, Story
from newsletter.sources.markdown_reading import as_shown
from newsletter.sources.summaries import cut_at_sentence


def candidate_headlines(
    lead: Story, stories: Sequence[Story], headlines: Sequence[Headline]
) -> tuple[Headline, ...]:
    """Headlines first, then the other stories as headlines; the lead's own title is left out."""
    pool = [*headlines, *(story_headline(s) for s in stories if s is not lead)]
    own = (lead.title or "").casefold()
    return tuple(h for h in pool if not own or h.title.casefold() != own)


# Stories whose headline is kept: choosing the lead builds every story's headline once per
# other story (a feed's 1,000 full-text entries fit under limits.feed_bytes).
KEPT_STORIES = 2_048


@lru_cache(maxsize=KEPT_STORIES)
def story_headline(story: Story) -> Headline:
    """A story that does not lead still appears as a headline (its title, or one derived).

    Kept per story (a Story is frozen): deriving a title reads the first sentence's grammar,
    about 70 ms for a sentence of 1,200 words, and choosing the lead needs every story's
    headline for every other story's ranking.
    """

    paragraphs = story.paragraphs
    return Headline(
        title=story.title or as_shown(untitled_title(paragraphs), story.format),
        title_derived=story.title is None,
        url=story.url,
        source=story.source,
        date=story.date,
        summary=story.summary
        or as_shown(cut_at_sentence(paragraphs[0] if paragraphs else ""), story.format),
        tags=story.tags,
        publisher=story.publisher,
        words=sum(len(p.split()) for p in paragraphs),
        outlet=story.outlet,
    )


# An untitled story no title can be derived from is titled by this many of its first words.
FIRST_WORDS = 12


def untitled_title(paragraphs: Sequence[str], derived: str = "") -> str:
    """An untitled story's title: `derived` (or one derived here, titles.py), else its first
    words and "…".  A story of one-word sentences (`Wow. Peru. Chile.` …, in an outsider's
    feed) derives none, and an empty title written into issue.toml was refused by the
    manifest's own reader: a re-render, `check` and `send` stopped."""
    title = derived or derive_title(paragraphs)
    if title:
        return title
    words = " ".join(paragraphs).split()
    first = " ".join(words[:FIRST_WORDS])
    if len(first) > TITLE_LIMIT:  # twelve 500-letter words: a title of 6,000 characters
        cut = first[: TITLE_LIMIT - 1]
        first = cut[: cut.rfind(" ")] if " " in cut else cut
    return first + ("…" if first != " ".join(words) else "")


def story_text(story: Story) -> str:
    """A story's whole text as the ranker reads it: its summary, then its paragraphs."""
    return " ".join([story.summary or "", *story.paragraphs]).strip()
