"""A Markdown story's body rendered: its HTML and its plain text.

The same parser that read the story (sources/markdown_reading.py, which lifted its lead image
and checked its references) renders it, so the HTML and the plain text say the same thing:
the text keeps every link's address (`text <https://…>`) and every list (`* item`,
`1. item`), which a reader of the plain part would otherwise lose.
"""

from __future__ import annotations

from typing import Any

from newsletter.render.text_format import TEXT_WIDTH, wrap
from newsletter.sources.markdown_reading import markdown_parser


def markdown_html(body: str) -> str:
    """The body as HTML (raw HTML in the source is shown as text, never passed through)."""
    return markdown_parser().render(body)


def markdown_text(body: str, width: int = TEXT_WIDTH) -> str:
    """The body as plain text: paragraphs wrapped, lists kept, links as `text <url>`."""
    out: list[str] = []
    counters: list[int | None] = []  # per open list: the next number, None for bullets
    quote = 0
    bullet: str | None = None  # the marker of the item just opened, for its first line
    hidden = False  # the paragraph being read is a tight list's (no blank line around it)
    last_tight = False

    def add(block: str, tight: bool) -> None:
        nonlocal last_tight
        out.append(("" if not out else "\n" if tight and last_tight else "\n\n") + block)
        last_tight = tight

    for token in markdown_parser().parse(body):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not counters:
                last_tight = False  # a new list starts after a blank line
            ordered = kind == "ordered_list_open"
            counters.append(int(token.attrGet("start") or 1) if ordered else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            counters.pop()
            if not counters:
                last_tight = False
        elif kind == "list_item_open":
            number = counters[-1]
            bullet = "* " if number is None else f"{number}. "
            if number is not None:
                counters[-1] = number + 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "paragraph_open":
            hidden = token.hidden
        elif kind == "hr":
            add("-" * 20, False)
        elif kind in ("fence", "code_block"):
            indent = "> " * quote + "  " * len(counters) + "    "
            add("\n".join(indent + line for line in token.content.rstrip("\n").split("\n")), False)
        elif kind == "inline":
            text = _inline_text(token.children or [])
            if not text:
                continue
            base = "> " * quote + "  " * max(len(counters) - 1, 0)
            if bullet is not None:
                first, rest = base + bullet, base + " " * len(bullet)
                bullet = None
            else:
                first = rest = base + ("  " if counters else "")
            add(wrap(text, width=width, indent=rest, first=first), bool(counters) and hidden)
    return "\n".join(line.rstrip() for line in "".join(out).split("\n"))


def _inline_text(children: list[Any]) -> str:
    parts: list[str] = []
    link: list[str] | None = None  # the href of the link being read, and its text start
    for child in children:
        kind = child.type
        if kind == "text" or kind == "code_inline":
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "link_open":
            link = [child.attrGet("href") or "", str(len(parts))]
        elif kind == "link_close" and link is not None:
            href, start = link[0], int(link[1])
            text = "".join(parts[start:]).strip()
            shown = href.removeprefix("mailto:")
            if text and text not in (href, shown):
                parts.append(f" <{href}>")
            elif not text:
                parts.append(href)
            link = None
        # images are left out: their alt text is not part of the story's prose
    return " ".join("".join(parts).split())
