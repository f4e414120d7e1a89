"""Seed text files: the lead story's paragraphs, a gap of two or more blank lines, headlines.

Peru is preparing to declare a state of emergency …      ← paragraph (one per line,
President Jerí stated on X that …                          or blocks split by one blank line)


New Orleans Immigration Crackdown Sparks Fear …          ← one headline per line
U.S. Repatriation Flight … | https://example.org/a
"""

from __future__ import annotations

import re
from pathlib import Path

from newsletter.errors import SourceError, display_path, where
from newsletter.models import Headline, Story
from newsletter.sources.front_matter import split_front_matter
from newsletter.sources.headline_line import parse_headline_line

_GAP = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")  # two or more blank lines


def parse_seed_text(text: str, path: Path) -> tuple[Story, tuple[Headline, ...]]:
    """Parse a seed file's text into its story and its headlines."""
    meta, body, first_line = split_front_matter(text, path)
    if meta.kind == "note":
        raise SourceError(
            f"{where(path, 1)}: kind: note is for Markdown files; rename it to .md "
            "(a seed text is a story and its headlines)"
        )
    story_part, headline_part, headline_line = _split_at_gap(body)
    paragraphs = _paragraphs(story_part)
    if not paragraphs:
        hint = (
            "a seed starts with the story's paragraphs, then two blank lines, "
            "then one headline per line"
        )
        raise SourceError(f"{where(path, first_line)}: no story found ({hint})")
    shown = display_path(path)
    headlines = []
    for offset, line in enumerate(headline_part.split("\n")):
        headline = parse_headline_line(line, f"{shown}:{first_line + headline_line + offset}")
        if headline is not None:
            headlines.append(headline)
    story = Story(
        title=meta.title,
        body="\n\n".join(paragraphs),
        source=shown,
        url=meta.url,
        date=meta.date,
        tags=meta.tags,
        forced_lead=meta.lead,
        summary=meta.summary,
        publisher=meta.source or "",
    )
    return story, tuple(headlines)


def _split_at_gap(body: str) -> tuple[str, str, int]:
    """Split at the first gap of 2+ blank lines; return story, headlines, headlines' line offset."""
    stripped = body.lstrip(" \t\n")
    leading = body.count("\n", 0, len(body) - len(stripped))
    if not stripped.strip():
        return "", "", 0
    m = _GAP.search(stripped)
    if m is None:
        # A file that opens with the gap holds headlines only: it has no story.
        return ("", stripped, leading) if leading >= 2 else (stripped, "", 0)
    offset = leading + stripped.count("\n", 0, m.end())
    return stripped[: m.start()], stripped[m.end() :], offset


def _paragraphs(story: str) -> list[str]:
    """Paragraphs are blocks split by blank lines; without blank lines, each line is one."""
    lines = [line.strip() for line in story.split("\n")]
    if "" in lines:
        blocks = re.split(r"\n\s*\n", story.strip())
        return [" ".join(b.split()) for b in blocks if b.strip()]
    return [" ".join(line.split()) for line in lines if line]
