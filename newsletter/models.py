"""Frozen values passed between the stages: load → assemble → render.

Nothing here touches disk or network; every stage takes these and returns new ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, NamedTuple

BodyFormat = Literal["text", "markdown"]

# Patterns compiled on first use (re's own cache): only building reads a body's paragraphs,
# while every command that reads an issue (a send's gate too) imports this module.
_BLANK_LINES = r"\n\s*\n"
# Each pattern can start a scan only where no earlier start's scan reaches (a text of
# `[[[[…` or `[x](` repeated, or a run of `*`, is read once, not once per character):
# brackets stop a label or destination, and a run of marks is matched from its first mark.
_MD_IMAGE = r"!\[[^\[\]]*\]\([^()\[\]]*\)"  # dropped whole: alt text is no prose
_MD_LINK = r"\[([^\[\]]*)\]\([^()\[\]]*\)"
_MD_MARKS = r"(^|\s)[#>*_`~-]+|(?<![*_`~])[*_`~]+(?=\s|$|[.,;:!?])"


@dataclass(frozen=True, slots=True)
class Headline:
    """One candidate headline: a line of a seed, a feed entry, or another story's title."""

    title: str
    url: str | None = None
    source: str = ""  # where it came from, as `path:line` or a feed address
    date: date | None = None
    summary: str = ""  # plain text, cut at a sentence near 30 words (sources/summaries.py)
    tags: tuple[str, ...] = ()  # a feed entry's categories: what [[sections]] tags match
    publisher: str = (
        ""  # who published it, as readers know it: a feed's title, front matter `source:`
    )
    words: int = 0  # the story's length when known (its full text was loaded), else 0
    # the outlet a feed entry names (an aggregator's <source>: sources/feed_outlet.py), as
    # the lead's coverage counts outlets; "" = its link's host (assemble/lead.py)
    outlet: str = ""
    # an untitled story's title made from its first sentence (assemble/candidates.py), kept
    # in the manifest as `title_derived = true` wherever the line sits, so `check` asks
    title_derived: bool = False


@dataclass(frozen=True, slots=True)
class Story:
    """A full story that can lead an issue.

    `body` holds paragraphs separated by blank lines (`format="text"`) or
    Markdown (`format="markdown"`).  `title` is None for an untitled seed.
    """

    title: str | None
    body: str
    source: str
    format: BodyFormat = "text"
    url: str | None = None
    date: date | None = None
    tags: tuple[str, ...] = ()
    forced_lead: bool = False
    image: str | None = None  # the lead image (absolute URL), shown above the title
    image_alt: str = ""
    summary: str = ""  # front matter `summary:` or a feed's summary; its card shows it
    publisher: str = ""  # front matter `source:` or the feed's title
    image_width: int = 0  # the image's size in pixels when known (0 = unknown)
    image_height: int = 0
    outlet: str = ""  # the outlet a feed entry names, as Headline.outlet

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """The body as plain-text paragraphs (Markdown links and marks removed)."""
        return body_paragraphs(self.body, self.format)


def body_paragraphs(body: str, format: BodyFormat) -> tuple[str, ...]:
    """Split a body into plain-text paragraphs, one line each."""
    blocks = (" ".join(block.split()) for block in re.split(_BLANK_LINES, body.strip()))
    if format == "markdown":
        blocks = (
            re.sub(_MD_MARKS, r"\1", re.sub(_MD_LINK, r"\1", re.sub(_MD_IMAGE, "", b))).strip()
            for b in blocks
        )
    return tuple(b for b in blocks if b)


@dataclass(frozen=True, slots=True)
class Note:
    """The editor's note, after the lead and Related: a Markdown body and an optional sign-off."""

    body: str
    signoff: str = ""
    source: str = ""  # the `kind: note` file, or "" when written in the manifest


@dataclass(frozen=True, slots=True)
class Sources:
    """Everything loaded from this week's source files, in a stable order."""

    stories: tuple[Story, ...] = ()
    headlines: tuple[Headline, ...] = ()
    notes: tuple[Note, ...] = ()  # `kind: note` files; an issue takes at most one
    warnings: tuple[str, ...] = ()  # e.g. "feeds/x.xml: no entries": worth a line, not a stop
    # each feed URL as written and the name its items carry (web_address.shown_feed_names):
    # what [[sections]] match a URL against, two feeds masked alike told apart
    feed_names: tuple[tuple[str, str], ...] = ()


class ScoredHeadline(NamedTuple):
    """A candidate headline with its relevance to the lead and the terms that matched.

    A NamedTuple rather than a frozen dataclass: the ranker makes one per candidate, and
    100,000 of these build twice as fast.
    """

    headline: Headline
    score: float
    matched: tuple[str, ...] = ()
    merged: tuple[Headline, ...] = ()  # near-duplicates folded into this one
    # the same near-duplicates scored on their own, when the ranker scored them (the best
    # lines only: assemble/reports.py lists one on its own line when Related has room)
    merged_scored: tuple[ScoredHeadline, ...] = ()
    # on a line of its own: the Related line whose story this headline reports again
    report_of: Headline | None = None
    # the concepts' evidence and the model's that `score` mixes (assemble/meaning.py), each
    # 0-1; None from a ranker that does not mix them
    parts: tuple[float, float] | None = None

    @property
    def title(self) -> str:
        return self.headline.title

    @property
    def url(self) -> str | None:
        return self.headline.url


@dataclass(frozen=True, slots=True)
class Lead:
    """The issue's lead story as the render needs it."""

    title: str
    body: str
    format: BodyFormat = "text"
    title_derived: bool = False
    # an untitled lead's title taken from this publisher's headline about the same event
    # (assemble/title_headline.py); "" = derived from its first sentence, or the editor's
    title_from: str = ""
    url: str | None = None
    source: str = ""
    image: str | None = None  # the hero image under the title (absolute URL)
    image_alt: str = ""
    image_width: int = 0  # the image's size in pixels when known (0 = unknown)
    image_height: int = 0
    summary: str = ""  # what the email shows of a lead with a URL (default: its first paragraph)
    full: bool = False  # the editor's `full = true`: the whole body even when the lead has a URL
    publisher: str = ""  # who published it (front matter `source:`), beside "Read the full story"
    # the lead's own article from other sources (the manifest's `also`, as a card's): the
    # same URL or a near-duplicate title (assemble/own_copies.py), not listed again
    merged: tuple[Headline, ...] = ()

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return body_paragraphs(self.body, self.format)

    @property
    def words(self) -> int:
        """The body's length in words (what a reader of the whole story reads)."""
        return sum(len(p.split()) for p in self.paragraphs)


class RepeatedHeadline(NamedTuple):
    """A candidate headline an earlier issue already carried (memory across issues)."""

    headline: Headline
    issue: str  # the id of the earlier issue that carried it
    score: float = 0.0  # its relevance to this issue's lead

    @property
    def title(self) -> str:
        return self.headline.title

    @property
    def url(self) -> str | None:
        return self.headline.url


class FollowedIssue(NamedTuple):
    """The earlier issue whose lead this issue's lead continues: "Previously: …"."""

    id: str
    title: str  # that issue's lead title, as the "Previously" line shows it


@dataclass(frozen=True, slots=True)
class StoryCard:
    """A story that does not lead, shown as a card: title, image, summary, "Read more".

    `score` and `matched` are the ranker's, as for a headline; `section` names the
    [[sections]] entry it is grouped under ("" = under the lead).
    """

    title: str
    summary: str
    url: str | None = None
    image: str | None = None
    image_alt: str = ""
    source: str = ""
    score: float = 0.0
    matched: tuple[str, ...] = ()
    section: str = ""
    publisher: str = ""  # who published the story, when known
    words: int = 0  # the story's length in words, when known
    image_width: int = 0  # the image's size in pixels when known (0 = unknown)
    image_height: int = 0
    title_derived: bool = False  # made from an untitled story's first sentence: check it
    outlet: str = ""  # the outlet a feed entry names, as Headline.outlet
    # headlines folded into this card as its near-duplicates (the manifest's `also`), as
    # ScoredHeadline.merged: a feed's report of the story, judged with it and not shown twice
    merged: tuple[Headline, ...] = ()


@dataclass(frozen=True, slots=True)
class IssueSection:
    """One of newsletter.toml's [[sections]] as the issue shows it: its cards and headlines."""

    name: str
    stories: tuple[StoryCard, ...] = ()
    headlines: tuple[ScoredHeadline, ...] = ()


@dataclass(frozen=True, slots=True)
class Issue:
    """An assembled issue: everything the render needs, in the order it shows.

    The order: note, lead, cards (`stories` outside any section), Related, then each
    non-empty section, then More headlines.
    """

    id: str
    date: date
    subject: str
    preheader: str
    lead: Lead
    related: tuple[ScoredHeadline, ...] = ()
    more: tuple[ScoredHeadline, ...] = ()
    # Memory across issues: headlines earlier issues carried, and the lead this one follows.
    repeated: tuple[RepeatedHeadline, ...] = ()
    follows: FollowedIssue | None = None
    note: Note | None = None
    stories: tuple[StoryCard, ...] = ()
    sections: tuple[IssueSection, ...] = ()
    # the Related line whose headline became the untitled lead's title (lead.title_from),
    # folded under the lead and so not listed; kept for the ranking's measure
    title_line: ScoredHeadline | None = None
    # stories the sources hold dated after `date`: left out, listed as [[later]]
    # (assemble/later_stories.py)
    later: tuple[Headline, ...] = ()
    # the lines of the ranking that were the lead's own article from other sources, as scored,
    # folded into the lead (lead.merged) and so not listed; kept for the ranking's measure,
    # as `title_line`
    lead_copies: tuple[ScoredHeadline, ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedIssue:
    """The rendered email: HTML and plain text, with merge tags still in place."""

    subject: str
    preheader: str
    html: str
    text: str
    # The merge fields the templates test for emptiness ({% if subscriber.name %}), and the
    # issue rendered for each combination of them being empty: (empty keys, html, text).
    # `html` and `text` above are the variant where none is empty.
    tested: frozenset[str] = frozenset()
    variants: tuple[tuple[frozenset[str], str, str], ...] = ()

    def variant(self, empty: frozenset[str]) -> tuple[str, str]:
        """The (html, text) for a reader whose tested fields `empty` are empty."""
        for keys, html, text in self.variants:
            if keys == empty:
                return html, text
        return self.html, self.text
