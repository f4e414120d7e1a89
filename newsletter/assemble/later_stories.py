"""Stories dated after the issue's date: left out of it, listed in its manifest, and said.

Tried as a new user: a Markdown story dated 29 March ("The Ever Given is refloated") sat
in seeds/ beside the week's, and the issue of 27 March carried it as its first card under a
lead saying the ship was still stuck, without a word.  A story dated after the issue is
another week's: kept, it would go out early, and once sent it is "carried" and left out of
the issue it belongs to.  Left out, it is named in the build's warnings and listed as
`[[later]]` in issue.toml (check repeats it), so nothing the editor wrote goes silently.

Only the dates the editor's own files carry count (a Markdown story's or a seed's front
matter `date:`, a day with no time zone).  A feed entry's date is its publisher's clock in
UTC: an editor west of Greenwich building in the evening reads items already dated tomorrow.
A story the editor names with `--lead`, or marks `lead: true`, is theirs to lead, whatever
its date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from newsletter.assemble.candidates import story_headline
from newsletter.assemble.lead import names_story
from newsletter.errors import SourceError
from newsletter.models import Headline, Sources, Story
from newsletter.sources import MARKDOWN_SUFFIXES, TEXT_SUFFIXES


def split_later(
    sources: Sources, today: dt.date, lead: str | None = None
) -> tuple[Sources, tuple[Headline, ...]]:
    """The sources without the stories dated after `today` (but the one `lead` names or the
    editor marked `lead: true`), and
    those stories as headlines (title, link, file, date) for the manifest's [[later]];
    SourceError when that leaves no story to lead."""
    later = tuple(s for s in sources.stories if _dated_later(s, today, lead))
    if not later:
        return sources, ()
    kept = tuple(s for s in sources.stories if s not in later)
    if not kept:  # else "the sources hold only headlines": true, and no help
        newest = max(s.date for s in later if s.date is not None)
        raise SourceError(
            f"every story among the sources is dated after this issue's date "
            f"({today.isoformat()}): {', '.join(f'{s.source} ({s.date})' for s in later)}; "
            f"build with --date {newest.isoformat()}, or correct their `date:`"
        )
    return replace(sources, stories=kept), tuple(map(story_headline, later))


def _dated_later(story: Story, today: dt.date, lead: str | None) -> bool:
    if story.date is None or story.date <= today:
        return False
    if Path(story.source).suffix.lower() not in (*MARKDOWN_SUFFIXES, *TEXT_SUFFIXES):
        return False  # a feed entry (`feed.xml#3`): its date is a UTC day
    return not (story.forced_lead or (lead and names_story(story, lead)))


def later_warning(story: Headline, issue_date: dt.date) -> str:
    """What the build says of a story left out for its date: the file, the dates, the fix."""
    assert story.date is not None
    return (
        f"{story.source}: dated {story.date.isoformat()}, after this issue's date "
        f"({issue_date.isoformat()}); left out (listed as [[later]] in issue.toml): it waits "
        f"for a later issue; to carry it in this one, correct its `date:`, or build with "
        f"--date {story.date.isoformat()} or --lead {story.source}"
    )
