"""How long an issue is, as its reader meets it: items, words, minutes, part by part.

One measure serves three places: the masthead's "4 stories · 14 headlines · 4-min read",
the build summary, and `check`'s length budget (`[limits] items` and `words`), which names the
parts to cut.  Items are stories (the lead and the cards, each with its own title, summary or
body) and headlines (Related, the sections' lists, More headlines); the masthead counts each
by its name, so it never calls a headline a story.  Words are those the email shows: the
note, the lead as shown (its summary when it links to the full story), each card's title and
summary, each headline and the summaries shown under it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from newsletter.models import Issue, Lead, ScoredHeadline, StoryCard, body_paragraphs

WORDS_PER_MINUTE = 230  # adult silent reading of non-fiction (Brysbaert 2019: 238)
LEAD_PART = "the lead"
CARDS_PART = "the stories under the lead"
NOTE_PART = "the note"
RELATED_PART = "Related"
MORE_PART = "More headlines"
CUT_PARTS = 4  # the length budget names at most this many parts to cut
_NOT_PROSE = ("#", "-", "*", "+", ">", "|", "```", "![")  # headings, lists, quotes, tables, code


def minutes(words: int) -> int:
    """Reading time in whole minutes (at least 1) at WORDS_PER_MINUTE."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def reading_time(words: int) -> str:
    """ "6-min read" for a story of `words` words; "" when the length is not known."""
    return f"{minutes(words)}-min read" if words > 0 else ""


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the issue: its name as the editor knows it, its items and its words."""

    name: str
    items: int
    words: int
    stories: int = 0  # of `items`, the stories (the lead, cards); the rest are headlines


@dataclass(frozen=True, slots=True)
class IssueLength:
    """The issue's length, whole and part by part (in the order the email shows them)."""

    parts: tuple[Part, ...]

    @property
    def items(self) -> int:
        return sum(p.items for p in self.parts)

    @property
    def stories(self) -> int:
        return sum(p.stories for p in self.parts)

    @property
    def headlines(self) -> int:
        return self.items - self.stories

    @property
    def contents(self) -> str:
        """What the issue holds, each kind by its name: "4 stories · 14 headlines", "1 story"."""
        counted = [_count(self.stories, "story", "stories")]
        if self.headlines:
            counted.append(_count(self.headlines, "headline", "headlines"))
        return " · ".join(counted)

    @property
    def words(self) -> int:
        return sum(p.words for p in self.parts)

    @property
    def minutes(self) -> int:
        return minutes(self.words)

    def to_cut(self, key: str) -> tuple[Part, ...]:
        """The parts a budget of `key` names to cut: the largest (`largest`), at most
        CUT_PARTS, each holding more than one item (a part of one is no large part: it was
        named fourth among "the largest parts"), but the largest when no part holds more."""
        largest = self.largest(key)
        return tuple(p for p in largest if p.items > 1)[:CUT_PARTS] or largest[:1]

    def part(self, name: str) -> Part | None:
        """The part of that name (MORE_PART ...), None when the issue has none."""
        return next((p for p in self.parts if p.name == name), None)

    def largest(self, key: str) -> tuple[Part, ...]:
        """The parts holding any `key` ("items" or "words"), the largest first: what to cut."""
        return tuple(
            sorted(
                (p for p in self.parts if getattr(p, key) and p.name != LEAD_PART),
                key=lambda p: -getattr(p, key),
            )
        )


def lead_shows_summary(lead: Lead) -> bool:
    """A lead with a URL shows its summary and a link; without one (or `full`), its body."""
    return bool(lead.url) and not lead.full


def lead_summary_text(lead: Lead) -> str:
    """What the email shows of a summarised lead: its `summary`, or its first paragraph."""
    paragraphs = lead.paragraphs
    return lead.summary or (paragraphs[0] if paragraphs else "")


def lead_summary_markdown(lead: Lead) -> str | None:
    """A Markdown lead's first paragraph as written (its links kept), or None when the lead
    has a `summary` of its own or is not Markdown."""
    if lead.summary or lead.format != "markdown":
        return None
    for block in re.split(r"\n\s*\n", lead.body.strip()):
        first = block.lstrip()
        if body_paragraphs(block, "markdown") and not first.startswith(_NOT_PROSE):
            return block.strip()
    return None


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _words(text: str) -> int:
    return len(text.split())


def _headline_words(items: tuple[ScoredHeadline, ...], summaries: bool) -> int:
    return sum(_words(h.title) + (_words(h.headline.summary) if summaries else 0) for h in items)


def _card_words(cards: tuple[StoryCard, ...]) -> int:
    return sum(_words(c.title) + _words(c.summary) for c in cards)


def issue_length(issue: Issue, more_summaries: bool = False) -> IssueLength:
    """Measure the issue as the default templates show it (`more_summaries` as in settings)."""
    lead = issue.lead
    shown = lead_summary_text(lead) if lead_shows_summary(lead) else " ".join(lead.paragraphs)
    parts = [Part(LEAD_PART, 1, _words(lead.title) + _words(shown), stories=1)]
    if issue.note is not None:
        note = " ".join(body_paragraphs(issue.note.body, "markdown"))  # links' text, no URLs
        parts.append(Part(NOTE_PART, 0, _words(note) + _words(issue.note.signoff)))
    if issue.stories:
        cards = len(issue.stories)
        parts.append(Part(CARDS_PART, cards, _card_words(issue.stories), stories=cards))
    if issue.related:
        parts.append(Part(RELATED_PART, len(issue.related), _headline_words(issue.related, True)))
    for section in issue.sections:
        words = _card_words(section.stories) + _headline_words(section.headlines, more_summaries)
        items, cards = len(section.stories) + len(section.headlines), len(section.stories)
        parts.append(Part(section.name, items, words, stories=cards))
    if issue.more:
        parts.append(Part(MORE_PART, len(issue.more), _headline_words(issue.more, more_summaries)))
    return IssueLength(tuple(parts))
