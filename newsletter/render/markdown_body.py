"""A Markdown story's body rendered: its HTML and its plain text.

The same parser that read the story (sources/markdown_reading.py, which lifted its lead image
and checked its references) renders it, so the HTML and the plain text say the same thing:
the text keeps every link's address (`text <https://…>`) and every list (`* item`,
`1. item`), which a reader of the plain part would otherwise lose.
"""

from __future__ import annotations

from typing import Any

from newsletter.render.text_format import TEXT_WIDTH, wrap
from newsletter.sources.markdown_reading import markdown_parser, markdown_tokens


def markdown_html(body: str) -> str:
    """The body as HTML (raw HTML in the source is shown as text, never passed through)."""
    md = markdown_parser()
    return str(md.renderer.render(list(markdown_tokens(body)), md.options, {}))


def markdown_text(body: str, width: int = TEXT_WIDTH) -> str:
    """The body as plain text: paragraphs wrapped, lists kept, links as `text <url>`."""
    writer = _PlainText(width)
    for token in markdown_tokens(body):
        writer.feed(token)
    return writer.text()


class _PlainText:
    """The plain text of a token stream, block by block: where the lists and quotes stand."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.out: list[str] = []
        self.counters: list[int | None] = []  # per open list: the next number, None for bullets
        self.quote = 0
        self.bullet: str | None = None  # the marker of the item just opened, for its first line
        self.hidden = False  # the paragraph being read is a tight list's (no blank line around)
        self.last_tight = False

    def add(self, block: str, tight: bool) -> None:
        """One block, after a blank line unless it and the one before are a tight list's."""
        gap = "" if not self.out else "\n" if tight and self.last_tight else "\n\n"
        self.out.append(gap + block)
        self.last_tight = tight

    def feed(self, token: Any) -> None:
        """Take one token of the stream."""
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not self.counters:
                self.last_tight = False  # a new list starts after a blank line
            ordered = kind == "ordered_list_open"
            self.counters.append(int(token.attrGet("start") or 1) if ordered else None)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.counters.pop()
            if not self.counters:
                self.last_tight = False
        elif kind == "list_item_open":
            self._item()
        elif kind in ("blockquote_open", "blockquote_close"):
            self.quote += 1 if kind == "blockquote_open" else -1
        elif kind == "paragraph_open":
            self.hidden = token.hidden
        elif kind == "hr":
            self.add("-" * 20, False)
        elif kind in ("fence", "code_block"):
            indent = "> " * self.quote + "  " * len(self.counters) + "    "
            lines = token.content.rstrip("\n").split("\n")
            self.add("\n".join(indent + line for line in lines), False)
        elif kind == "inline":
            self._inline(_inline_text(token.children or []))

    def _item(self) -> None:
        number = self.counters[-1]
        self.bullet = "* " if number is None else f"{number}. "
        if number is not None:
            self.counters[-1] = number + 1

    def _inline(self, text: str) -> None:
        if not text:
            return
        base = "> " * self.quote + "  " * max(len(self.counters) - 1, 0)
        if self.bullet is not None:
            first, rest = base + self.bullet, base + " " * len(self.bullet)
            self.bullet = None
        else:
            first = rest = base + ("  " if self.counters else "")
        tight = bool(self.counters) and self.hidden
        self.add(wrap(text, width=self.width, indent=rest, first=first), tight)

    def text(self) -> str:
        """Everything fed so far, trailing spaces trimmed from each line."""
        return "\n".join(line.rstrip() for line in "".join(self.out).split("\n"))


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
