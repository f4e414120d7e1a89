"""A Markdown story's body: its HTML, its plain text, its lead image, the check of its references.

One parser (markdown-it, CommonMark, raw HTML off) for all four, so the HTML and
the plain text say the same thing: the text keeps every link's address
(`text <https://…>`) and every list (`* item`, `1. item`), which a reader of
the plain part would otherwise lose.  Images must be absolute and described: a
relative `images/map.png` is broken in every mail program, and an image without
alt text is a hole for a screen reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from newsletter.render.text_format import TEXT_WIDTH, wrap
from newsletter.web_address import AddressError, web_address

ABSOLUTE_URL = re.compile(r"^https?://[^/\s?#]+\S*$")
_LINK_SCHEMES = re.compile(r"^(https?://[^/\s?#]+\S*|mailto:\S+@\S+)$")


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "typographer": False})


def markdown_html(body: str) -> str:
    """The body as HTML (raw HTML in the source is shown as text, never passed through)."""
    return _parser().render(body)


@dataclass(frozen=True, slots=True)
class LeadImage:
    """A story's first image, and the body without it (it moves above the title)."""

    src: str
    alt: str
    body: str


def first_image(body: str) -> LeadImage | None:
    """The first image of the body, if it can be lifted out of it to lead the story."""
    for token, _line in _inline_tokens(body):
        if token.type == "image":
            src = token.attrGet("src") or ""
            pattern = re.compile(r"!\[[^\]]*\]\(\s*<?" + re.escape(src) + r">?(\s+[^)]*)?\)")
            m = pattern.search(body)
            if m is None:  # a reference-style image: leave it where it is
                return None
            rest = (body[: m.start()] + body[m.end() :]).strip()
            try:  # it goes into the manifest's lead.image: as its reader wants it
                address = web_address(src, image=True)
            except AddressError:
                return None  # reference_problem says why
            return LeadImage(src=address, alt=token.content.strip(), body=rest)
    return None


def reference_problem(body: str) -> tuple[int, str] | None:
    """The first image or link that cannot go into an email: (0-based line, why), or None."""
    for token, line in _inline_tokens(body):
        if token.type == "image":
            src = token.attrGet("src") or ""
            if not ABSOLUTE_URL.match(src):
                return line, (
                    f"image '{src}' is not an absolute https:// address; mail programs cannot "
                    "load files next to the story: put it online and use its full URL"
                )
            if not src.lower().startswith("https://"):
                return line, (
                    f"image '{src}' is http://: images must be https:// (mail programs block "
                    "or warn about images over plain http)"
                )
            if not token.content.strip():
                return line, (f"image {src} has no alt text; describe it: ![what it shows]({src})")
        elif token.type == "link_open":
            href = token.attrGet("href") or ""
            if not _LINK_SCHEMES.match(href):
                return line, (
                    f"link '{href}' is not an absolute https:// (or mailto:) address; "
                    "links in an email must be full URLs"
                )
    return None


def _inline_tokens(body: str) -> Any:
    """Every inline token with its 0-based line in the body, in reading order."""
    for block in _parser().parse(body):
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        for child in block.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            yield child, line


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

    for token in _parser().parse(body):
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
