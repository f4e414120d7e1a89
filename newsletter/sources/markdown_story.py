"""Markdown stories: optional front matter, an optional `# Title` line, a Markdown body."""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.errors import SourceError, display_path, where
from newsletter.models import Story, body_paragraphs
from newsletter.render.markdown_body import first_image, reference_problem
from newsletter.sources.front_matter import split_front_matter

_ATX_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def parse_markdown_story(text: str, path: Path) -> Story:
    """Parse a Markdown file into one story; the title comes from front matter or `# Title`."""
    meta, body, first_line = split_front_matter(text, path)
    title = meta.title
    body_line = first_line + len(body) - len(body.lstrip("\n"))  # the file line of lines[0]
    lines = body.strip("\n").split("\n")
    if lines and (m := _ATX_TITLE.match(lines[0].strip())):
        title = title or " ".join(m.group(1).split())
        lines = lines[1:]
        body_line += 1
    body_line += _blank_lines(lines)
    body = "\n".join(lines).strip()
    problem = reference_problem(body)
    if problem is not None:
        raise SourceError(f"{where(path, body_line + problem[0])}: {problem[1]}")
    image, image_alt = meta.image, meta.image_alt
    if image is None and (found := first_image(body)) is not None:
        image, image_alt, body = found.src, found.alt, found.body
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
        image=image,
        image_alt=image_alt,
    )


def _blank_lines(lines: list[str]) -> int:
    """Blank lines before the body's first line of text (the body is stripped of them)."""
    n = 0
    for line in lines:
        if line.strip():
            break
        n += 1
    return n
