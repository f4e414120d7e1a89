"""Assemble an issue: choose the lead, rank every candidate, cut cards, Related, sections, More.

A pure function of the loaded sources, the settings and the options; today's
date comes in as an argument (the clock is read only at the CLI edge).

The other stories are ranked with the headlines; the best `stories` of them, in the
ranker's order, become cards, the rest stay headlines.  Related is then cut from the
ranked headlines as before; what is not Related goes under its [[sections]] entry,
or under More headlines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from newsletter.assemble.candidates import story_headline, untitled_title
from newsletter.assemble.card_text import after_title_sentence
from newsletter.assemble.later_stories import split_later
from newsletter.assemble.lead import lead_choice, rank_for_lead
from newsletter.assemble.meaning import RELATED_BAR, RELATED_STRETCH, WEEK_BAR, related_count
from newsletter.assemble.memory import (
    carried_issues,
    followed_issue,
    lead_opening,
    split_repeated,
    story_openings,
)
from newsletter.assemble.own_copies import Article, fold_copies
from newsletter.assemble.reports import list_other_reports
from newsletter.assemble.sections import section_of
from newsletter.assemble.title_headline import BorrowedTitle, borrowed_title, certain_kind
from newsletter.assemble.titles import chosen_title
from newsletter.config import Settings
from newsletter.control_chars import quoted, without_invisibles
from newsletter.errors import ConfigError
from newsletter.models import (
    Headline,
    Issue,
    IssueSection,
    Lead,
    Note,
    ScoredHeadline,
    Sources,
    Story,
    StoryCard,
    body_paragraphs,
)
from newsletter.sources.markdown_reading import as_shown
from newsletter.sources.summaries import cut_at_sentence
from newsletter.sources.text import sentences

if TYPE_CHECKING:
    from newsletter.assemble.memory import PastIssue

PREHEADER_CHARS = 90  # phones show 30-55 characters, webmail up to about 120: news first
# A greeting says nothing in an inbox: "Good morning." is dropped from a preheader, and
# "Hi all, this week..." starts at "this week".
_GREETING = re.compile(
    r"^(good (morning|afternoon|evening|day)|hello|hi|hey|dear|greetings|welcome)\b"
    r"[^,.!?;:]{0,30}[,.!?;:—–]+\s*",
    re.I,
)
CARD_WORDS = 60  # a card shows its story's first paragraph, cut at a sentence near this


@dataclass(frozen=True, slots=True)
class AssembleOptions:
    """The editor's choices for one build."""

    today: dt.date
    issue_id: str | None = None  # default: the ISO week of `today`, e.g. 2026-W48
    lead: str | None = None  # a source file or a story title
    # at most this many headlines under "Related", and past it only those that score the
    # week bar, up to meaning.RELATED_STRETCH times it (split_related)
    related: int = 8
    related_given: bool = False  # `related` is the caller's (--related): kept, not learnt
    more_headlines: bool = True  # list the rest under "More headlines" (False drops them)
    repeat: bool = False  # keep headlines an earlier issue carried (default: leave them out)
    related_bar: float | None = None  # the Related bar learnt from the editor (None: shipped)
    sparse_share: float | None = None  # the concepts' share learnt from the editor (None: shipped)


def assemble_issue(
    sources: Sources,
    settings: Settings,
    options: AssembleOptions,
    past: Sequence[PastIssue] = (),
) -> Issue:
    """Choose the lead, rank the candidates against it, and cut the issue's sections.

    `past` are the workspace's earlier issues: a headline one of them carried is left out
    (listed as repeated; kept with `options.repeat`), and the lead may follow one's lead.
    A story dated after `options.today` is left out and listed as later (later_stories.py).
    """
    sources, later = split_later(sources, options.today, options.lead)

    carried = {} if options.repeat else carried_stories(sources.stories, past, options.today)
    # What an earlier issue carried is last week's news, not this week's coverage of a story.
    unsent = sources.headlines if options.repeat else fresh_headlines(sources, past, options.today)
    share, bar = options.sparse_share, options.related_bar
    chosen = lead_choice(sources.stories, unsent, options.lead, carried, share=share, bar=bar)
    story = chosen.story
    # Choosing ranked the lead against this week's fresh candidates: when those are all the
    # sources (nothing carried), that ranking is this one, so it is not made twice.
    same = not carried and len(unsent) == len(sources.headlines)
    _, ranked = (
        chosen.ranking
        if chosen.ranking is not None and same
        else rank_for_lead(story, sources, share)
    )

    openings = {s.source: story_openings(s.summary, s.paragraphs) for s in sources.stories if past}
    fresh, repeated = split_repeated(ranked, past, options.today, openings)
    if not options.repeat:
        ranked = fresh
    others = {s.source: s for s in sources.stories if s is not story}
    copies, copied, ranked = lead_copies(story, ranked, sources.headlines, frozenset(others))
    cards, ranked = pick_cards(ranked, others, settings.stories)
    cards, ranked = fold_card_copies(cards, ranked, frozenset(others))
    related, more = split_related(ranked, options.related, options.related_bar)
    lead, related, title_line = titled_lead(story, related, others)
    lead = replace(lead, merged=copied) if copied else lead
    more = in_source_order(more, sources)
    note = sources.notes[0] if sources.notes else None
    shown = more if options.more_headlines else ()
    grouped = group_sections(cards, shown, others, settings, dict(sources.feed_names))
    issue_id = options.issue_id or iso_week_id(options.today)
    fields = text_fields(settings, lead, issue_id, options.today, len(related), note)
    return Issue(
        id=issue_id,
        date=options.today,
        subject=format_text(settings.subject, fields, "subject"),
        preheader=format_text(settings.preheader, fields, "preheader"),
        lead=lead,
        related=related,
        title_line=title_line,
        more=grouped.more,
        note=note,
        stories=grouped.stories,
        sections=grouped.sections,
        repeated=repeated,
        later=later,
        lead_copies=copies,
        follows=followed_issue(lead_as_headline(lead), past, options.today),
    )


def lead_as_headline(lead: Lead) -> Headline:
    """The lead as memory compares it with earlier leads: its title, URL and opening."""
    return Headline(
        lead.title,
        url=lead.url,
        summary=lead_opening(lead.paragraphs),
        title_derived=lead.title_derived,
    )


def carried_stories(
    stories: Sequence[Story], past: Sequence[PastIssue], today: dt.date
) -> dict[str, str]:
    """Story source → the earlier issue that carried it (as lead, card or headline): the same
    URL or title, or a near-duplicate of its own title.  An untitled story's derived title is
    not compared as a near-duplicate: a follow-up of last week's story opens much as it did.
    A story titled like an earlier lead or card over a new opening (its first paragraph
    against theirs) is a new development, not carried (memory.new_opening)."""
    if not past or not stories:
        return {}
    near = [s.title is not None for s in stories]
    headlines = [story_headline(s) for s in stories]
    openings = [story_openings(s.summary, s.paragraphs) for s in stories]
    found = carried_issues(headlines, past, today, near, openings)
    return {s.source: issue for s, issue in zip(stories, found, strict=True) if issue}


def fresh_headlines(
    sources: Sources, past: Sequence[PastIssue], today: dt.date
) -> tuple[Headline, ...]:
    """The sources' headlines no earlier issue carried (by URL, title or near-duplicate title)."""
    if not past:
        return sources.headlines
    found = carried_issues(sources.headlines, past, today)
    return tuple(h for h, issue in zip(sources.headlines, found, strict=True) if issue is None)


def in_source_order(
    items: tuple[ScoredHeadline, ...], sources: Sources
) -> tuple[ScoredHeadline, ...]:
    """Headlines as their sources list them (feed order, then date), stories after them:
    outside Related an order by similarity means nothing to a reader."""
    position = {id(h): i for i, h in enumerate(sources.headlines)}
    stories = {s.source: len(position) + i for i, s in enumerate(sources.stories)}

    def key(item: ScoredHeadline) -> int:
        found = position.get(id(item.headline))
        return found if found is not None else stories.get(item.headline.source, len(position))

    return tuple(sorted(items, key=key))


def lead_copies(
    story: Story,
    ranked: tuple[ScoredHeadline, ...],
    headlines: Sequence[Headline],
    kept: frozenset[str],
) -> tuple[tuple[ScoredHeadline, ...], tuple[Headline, ...], tuple[ScoredHeadline, ...]]:
    """The lead's own article from other sources (own_copies.py): the copies that were lines
    of the ranking, as ranked; every copy's headline (those the feeds carry under the lead's
    very title first, which the ranker never sees: candidates.candidate_headlines); and the
    ranking without them."""
    copies = fold_copies(Article(story.title, story.url), ranked, kept)
    own = " ".join((story.title or "").casefold().split())
    same = tuple(h for h in headlines if own and " ".join(h.title.casefold().split()) == own)
    return copies.lines, (*same, *copies.headlines), copies.rest


def fold_card_copies(
    cards: tuple[StoryCard, ...], ranked: tuple[ScoredHeadline, ...], kept: frozenset[str]
) -> tuple[tuple[StoryCard, ...], tuple[ScoredHeadline, ...]]:
    """Each card with its own article from other sources folded under it (its `also`), and
    the ranking without those copies."""
    folded = []
    for card in cards:
        title = None if card.title_derived else card.title
        copies = fold_copies(Article(title, card.url), ranked, kept)
        ranked = copies.rest
        merged = (*card.merged, *copies.headlines)
        folded.append(replace(card, merged=merged) if merged != card.merged else card)
    return tuple(folded), ranked


def pick_cards(
    ranked: tuple[ScoredHeadline, ...], stories: dict[str, Story], limit: int
) -> tuple[tuple[StoryCard, ...], tuple[ScoredHeadline, ...]]:
    """The first `limit` ranked items that are stories become cards; the rest stay ranked."""
    cards: list[StoryCard] = []
    rest: list[ScoredHeadline] = []
    for item in ranked:
        story = stories.get(item.headline.source)
        if story is not None and len(cards) < limit:
            cards.append(card_from_story(story, item))
        else:
            rest.append(item)
    return tuple(cards), tuple(rest)


def card_from_story(story: Story, scored: ScoredHeadline) -> StoryCard:
    """A story's card: its title, image, `summary:` or first paragraph, and the ranker's why."""

    paragraphs = story.paragraphs
    shown = paragraphs[0] if paragraphs else ""
    if story.title is None and not story.summary:
        shown = after_title_sentence(paragraphs, scored.title)
    first = cut_at_sentence(shown, CARD_WORDS)
    summary = story.summary or as_shown(first, story.format)
    return StoryCard(
        title=scored.title,
        summary=summary,
        url=story.url,
        image=story.image,
        image_alt=story.image_alt,
        source=story.source,
        score=scored.score,
        matched=scored.matched,
        publisher=story.publisher,
        words=sum(len(p.split()) for p in paragraphs),
        image_width=story.image_width,
        image_height=story.image_height,
        title_derived=story.title is None,
        outlet=story.outlet,
        merged=scored.merged,
    )


@dataclass(frozen=True, slots=True)
class Grouped:
    """Cards and headlines after [[sections]]: under the lead, in each section, under More."""

    stories: tuple[StoryCard, ...]
    sections: tuple[IssueSection, ...]
    more: tuple[ScoredHeadline, ...]


def group_sections(
    cards: tuple[StoryCard, ...],
    more: tuple[ScoredHeadline, ...],
    stories: dict[str, Story],
    settings: Settings,
    feed_names: Mapping[str, str] | None = None,
) -> Grouped:
    """Put each non-Related headline under its section; empty sections are left out.

    Cards stay under the lead, where the editor's sources put them: only the editor's
    `section = ...` on a card in the manifest moves one (a tag alone never does)."""

    if not settings.sections:
        return Grouped(cards, (), more)

    def section(source: str, tags: tuple[str, ...]) -> str:
        story = stories.get(source)
        all_tags = (*tags, *(story.tags if story is not None else ()))
        return section_of(source, all_tags, settings.sections, settings.workspace, feed_names)

    placed = [c for c in cards if not c.section]
    homes = [(h, section(h.headline.source, h.headline.tags)) for h in more]
    sections = tuple(
        IssueSection(
            name=s.name,
            stories=tuple(c for c in placed if c.section == s.name),
            headlines=_ordered(tuple(h for h, name in homes if name == s.name), s.order),
        )
        for s in settings.sections
    )
    return Grouped(
        stories=tuple(c for c in placed if not c.section),
        sections=tuple(s for s in sections if s.stories or s.headlines),
        more=tuple(h for h, name in homes if not name),
    )


def _ordered(items: tuple[ScoredHeadline, ...], order: str) -> tuple[ScoredHeadline, ...]:
    """A section's headlines in source order (as given), or best first with "relevance"."""
    if order == "relevance":
        return tuple(sorted(items, key=lambda h: -h.score))
    return items


def titled_lead(
    story: Story, related: tuple[ScoredHeadline, ...], stories: dict[str, Story]
) -> tuple[Lead, tuple[ScoredHeadline, ...], ScoredHeadline | None]:
    """The lead, Related without the line whose headline became its title, and that line.

    An untitled story's title is derived from its first sentence; when the derivation is
    unsure (title_headline.certain_kind), a feed's Related headline about the same event that
    says nothing the story does not say is the title instead (title_headline.borrowed_title).
    That line then leaves Related with its `also` (the title is that story now: listing it
    again would print the same headline twice); another outlet's report of it stays a line
    of its own.  Either way the title stays marked derived, so `check` asks the editor."""
    if story.title:
        return lead_from_story(story), related, None
    derived, kind = chosen_title(story.paragraphs)
    borrowed = None
    if not certain_kind(kind):
        feeds = [(h.headline, h.score) for h in related if h.headline.source not in stories]
        borrowed = borrowed_title(story.paragraphs, feeds)
    if borrowed is None:
        return lead_from_story(story, derived), related, None
    gone = borrowed.headline
    line = next(h for h in related if h.headline is gone)
    rest = tuple(
        h._replace(report_of=None) if h.report_of is gone else h
        for h in related
        if h.headline is not gone
    )  # another outlet's report of the borrowed line is a line of its own, no report now
    return lead_from_story(story, borrowed.title, borrowed), rest, line


def lead_from_story(
    story: Story, title: str | None = None, borrowed: BorrowedTitle | None = None
) -> Lead:
    """The lead as the issue shows it; an untitled story gets a derived title (`title`, else
    derived here), marked as such, or a borrowed headline, which says whose it is."""

    return Lead(
        title=story.title or as_shown(untitled_title(story.paragraphs, title or ""), story.format),
        body=story.body,
        format=story.format,
        title_derived=story.title is None,
        title_from=borrowed.credit if borrowed is not None else "",
        url=story.url,
        source=story.source,
        image=story.image,
        image_alt=story.image_alt,
        image_width=story.image_width,
        image_height=story.image_height,
        summary=story.summary,
        publisher=story.publisher,
    )


def split_related(
    ranked: tuple[ScoredHeadline, ...],
    limit: int,
    bar: float | None = None,
    week_bar: float | None = None,
    stretch: int = RELATED_STRETCH,
) -> tuple[tuple[ScoredHeadline, ...], tuple[ScoredHeadline, ...]]:
    """The best `limit` headlines scoring the Related bar or more are Related; the rest More.
    In a week whose best headline is under meaning.WEEK_BAR, Related is empty.  When Related
    has room left, another outlet's report of a Related story takes it as a line of its own
    (reports.py).  Clear coverage is never cut for length: past `limit`, a headline or another
    outlet's report scoring the week bar itself (one that alone would make the week's news
    related) is still Related, up to `stretch` times `limit`; a weaker one stays capped.  A
    report listed past `limit` never pushes one of the best `limit` out, so a line under the
    week bar may sit past `limit` in score order (capping it there cost holdout2 and holdout3
    a grade-2 headline each in Related, 0.941 -> 0.926 and 0.872 -> 0.851).

    `bar` and `week_bar` override the ranker's (meaning.RELATED_BAR, meaning.WEEK_BAR);
    `stretch` 1 caps Related at `limit` whatever the scores (bench/report_ranking.py)."""

    count = related_count([r.score for r in ranked], limit, bar, week_bar, stretch)
    if not count:
        return (), ranked  # a week with no clearly related news: nothing is promoted
    bar = RELATED_BAR if bar is None else bar
    clear = max(bar, WEEK_BAR if week_bar is None else week_bar)
    most = stretch * limit
    related = list_other_reports(ranked[:count], limit, bar)
    return list_other_reports(related, most, clear), ranked[count:]


def iso_week_id(day: dt.date) -> str:
    """`2026-W48`: the ISO year and week of the day."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def text_fields(
    settings: Settings,
    lead: Lead,
    issue_id: str,
    day: dt.date,
    related: int,
    note: Note | None = None,
) -> dict[str, str]:
    """The {fields} subject and preheader templates may use.

    {summary} is a sentence of the editor's note when the issue has one, else of the lead.
    """
    return {
        "name": settings.name,
        "title": lead.title,
        "summary": note_summary(note) if note is not None else lead_summary(lead),
        "date": f"{day.day} {day.strftime('%B %Y')}",
        "id": issue_id,
        "related_count": str(related),
    }


def format_text(template: str, fields: dict[str, str], key: str) -> str:
    """Fill a subject/preheader template; an unknown field is a configuration error.

    A filled preheader is cut to PREHEADER_CHARS at a whole word; one written without
    fields is the editor's own and is kept as written (`check` warns when it is long)."""
    try:
        # the Subject's text as every other: no invisible character (an override, a filler)
        text = " ".join(without_invisibles(template.format_map(fields)).split())
    except (KeyError, ValueError, IndexError) as e:
        raise ConfigError(f"newsletter.toml: {key}: cannot fill {quoted(template)} ({e})") from None
    return cut_at_word(text) if key == "preheader" and "{" in template else text


def cut_at_word(text: str, limit: int = PREHEADER_CHARS) -> str:
    """`text` when it fits in `limit` characters, else cut at a whole word and ended with "…"."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—–- ") + "…"


def without_greeting(sentences: Sequence[str]) -> list[str]:
    """The sentences with an opening greeting left out ("Good morning.", "Hi all, ...")."""
    found = list(sentences)
    while found and (m := _GREETING.match(found[0])):
        rest = found[0][m.end() :].strip()
        found = ([rest[:1].upper() + rest[1:]] if rest else []) + found[1:]
    return found


def lead_summary(lead: Lead, limit: int = PREHEADER_CHARS) -> str:
    """A sentence to go with the subject: the first, or the second when the title came from it."""

    found = without_greeting([s for p in lead.paragraphs[:2] for s in sentences(p)])
    if lead.title_derived and len(found) > 1:
        found = found[1:]
    return cut_at_word(as_shown(found[0], lead.format) if found else lead.title, limit)


def note_summary(note: Note, limit: int = PREHEADER_CHARS) -> str:
    """The note's opening for the preheader: its first sentence after any greeting, and the
    next one too when the first is short and both fit."""

    found = without_greeting(
        [s for p in body_paragraphs(note.body, "markdown")[:2] for s in sentences(p)]
    )
    if not found:
        return ""
    text = found[0]
    if len(text) < 40 and len(found) > 1 and len(f"{text} {found[1]}") <= limit:
        text = f"{text} {found[1]}"
    return cut_at_word(text, limit)
