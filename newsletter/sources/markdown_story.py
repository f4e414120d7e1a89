"""Markdown stories: optional front matter, an optional `# Title` line, a Markdown body."""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.errors import SourceError, display_path, where
from newsletter.models import Story, body_paragraphs
from newsletter.sources.front_matter import split_front_matter

_ATX_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def parse_markdown_story(text: str, path: Path) -> Story:
    """Parse a Markdown file into one story; the title comes from front matter or `# Title`."""
    meta, body, first_line = split_front_matter(text, path)
    title = meta.title
    lines = body.strip("\n").split("\n")
    if lines and (m := _ATX_TITLE.match(lines[0].strip())):
        title = title or " ".join(m.group(1).split())
        lines = lines[1:]
    body = "\n".join(lines).strip()
    if not body_paragraphs(body, "markdown"):
        raise SourceError(
            f"{where(path, first_line)}: the story has no text; write its body below the title"
        )
    return Story(
        title=title,
        body=body,
        format="markdown",
        source=display_path(path),
        url=meta.url,
        date=meta.date,
        tags=meta.tags,
        forced_lead=meta.lead,
    )
