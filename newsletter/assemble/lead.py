"""Choosing the lead story.

In order: the editor's `--lead` (a source file or a story title); the one story
whose front matter says `lead: true`; the only story; otherwise the story with
the best **lead score**:

    lead score = sum of the relevance scores of its 5 most related headlines
                 + 0.1 × min(words / 300, 1)

so the lead is the story this week's headlines are most about, with a slight
preference for a fuller story; ties go to the first story in source order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from newsletter.errors import SourceError, display_path
from newsletter.models import Headline, Story

LEAD_SCORE_TOP = 5
LENGTH_BONUS = 0.1
FULL_LENGTH_WORDS = 300


def choose_lead(
    stories: Sequence[Story], headlines: Sequence[Headline], choice: str | None
) -> Story:
    """Pick the lead story (see the module docstring for the rule)."""
    if not stories:
        raise SourceError(
            "no story can lead this issue: the sources hold only headlines; "
            "add a seed or Markdown story, or a feed entry with its full text"
        )
    if choice:
        return _editor_choice(stories, choice)
    forced = [s for s in stories if s.forced_lead]
    if len(forced) > 1:
        names = ", ".join(s.source for s in forced)
        raise SourceError(f"{len(forced)} stories say 'lead: true' ({names}); keep it on one")
    if forced:
        return forced[0]
    if len(stories) == 1:
        return stories[0]
    scores = [lead_score(story, stories, headlines) for story in stories]
    best = max(range(len(stories)), key=lambda i: (scores[i], -i))
    return stories[best]


def lead_score(story: Story, stories: Sequence[Story], headlines: Sequence[Headline]) -> float:
    """How much of this week's news is about this story (see the module docstring)."""
    from newsletter.assemble.candidates import candidate_headlines
    from newsletter.assemble.relevance import lead_profile, rank_headlines

    profile = lead_profile(story.title, story.paragraphs)
    ranked = rank_headlines(profile, candidate_headlines(story, stories, headlines))
    top = sum(r.score for r in ranked[:LEAD_SCORE_TOP])
    words = sum(len(p.split()) for p in story.paragraphs)
    return top + LENGTH_BONUS * min(words / FULL_LENGTH_WORDS, 1.0)


def _editor_choice(stories: Sequence[Story], choice: str) -> Story:
    wanted = Path(choice)
    for story in stories:
        if _same_file(story.source, wanted) or (story.title or "").casefold() == choice.casefold():
            return story
    known = ", ".join(s.source for s in stories)
    raise SourceError(
        f"--lead {display_path(choice)}: no such story among the sources (stories: {known})"
    )


def _same_file(source: str, wanted: Path) -> bool:
    path = Path(source.split("#", 1)[0])  # a feed story's source is `feed.xml#3`
    try:
        return path.resolve() == wanted.resolve()
    except OSError:
        return False
