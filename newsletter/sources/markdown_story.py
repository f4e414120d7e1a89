"""Markdown stories: optional front matter, an optional `# Title` line, a Markdown body."""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.control_chars import quoted
from newsletter.errors import SourceError, display_path, where
from newsletter.models import Note, Story, body_paragraphs
from newsletter.sources.front_matter import FrontMatter, split_front_matter
from newsletter.sources.markdown_reading import first_image, reference_problem

_ATX_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def parse_markdown_story(text: str, path: Path) -> Story | Note:
    """Parse a Markdown file into one story (title from front matter or `# Title`), or a note.

    A file with `kind: note` is the editor's note: its body, its `signoff:`, no title.
    """
    meta, body, first_line = split_front_matter(text, path)
    if meta.kind == "note":
        return _note(meta, body, first_line, path)
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
        summary=meta.summary,
        publisher=meta.source or "",
        image_width=meta.image_width if image == meta.image else 0,
        image_height=meta.image_height if image == meta.image else 0,
    )


def _note(meta: object, body: str, first_line: int, path: Path) -> Note:

    assert isinstance(meta, FrontMatter)
    for key in ("title", "url", "image", "summary"):
        if getattr(meta, key):
            raise SourceError(
                f"{where(path, 1)}: front matter {quoted(key)}: a note has none (it is the "
                "editor's word after the lead and its Related); remove it, or drop "
                "`kind: note` to make it a story"
            )
    if meta.lead or meta.tags:
        raise SourceError(
            f"{where(path, 1)}: front matter 'lead'/'tags': a note is never a story; remove them"
        )
    body_line = first_line + len(body) - len(body.lstrip("\n"))
    body = body.strip()
    problem = reference_problem(body)
    if problem is not None:
        raise SourceError(f"{where(path, body_line + problem[0])}: {problem[1]}")
    if not body_paragraphs(body, "markdown"):
        raise SourceError(
            f"{where(path, first_line)}: the note has no text; write it below the ---"
        )
    return Note(body=body, signoff=meta.signoff, source=display_path(path))


def _blank_lines(lines: list[str]) -> int:
    """Blank lines before the body's first line of text (the body is stripped of them)."""
    n = 0
    for line in lines:
        if line.strip():
            break
        n += 1
    return n
