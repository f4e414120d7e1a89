"""A Markdown story read: its lead image lifted out, its images and links checked.

The one Markdown parser (markdown-it, CommonMark, raw HTML off) lives here, where stories are
read, and render/markdown_body.py renders with the same one, so the HTML and the plain text
say what was checked.  Images must be absolute and described: a relative `images/map.png`
is broken in every mail program, and an image without alt text is a hole for a screen reader.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from newsletter.control_chars import quoted, source_text, without_controls
from newsletter.sources.markdown_limits import depth_problem, size_problem
from newsletter.web_address import AddressError, web_address

ABSOLUTE_URL = re.compile(r"^https?://[^/\s?#]+\S*$")
_LINK_SCHEMES = re.compile(r"^(https?://[^/\s?#]+\S*|mailto:\S+@\S+)$")


@lru_cache(maxsize=1)
def markdown_parser() -> Any:
    """The one Markdown parser (markdown-it, CommonMark, raw HTML off), made on first use."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "typographer": False})


@lru_cache(maxsize=8)
def markdown_tokens(body: str) -> tuple[Any, ...]:
    """The body's block tokens, parsed once: a story is checked, lifted, rendered as HTML and
    as text from the same tokens (a 400 KB body built to be slow took markdown-it 4 s a pass,
    and a build made six).  The tokens are read, never changed.  Every body is measured by
    reference_problem (markdown_limits.py) before it gets here.

    What markdown-it decodes from an entity or a link's percent-encoding is cleaned as any
    source's text is (`_shown_text`): `&#x202E;`, and `%E2%80%AE` in an autolink's shown
    address, became a right-to-left override in the email's body and text part, past the
    invisible-character rule every source's text was held to at load."""
    tokens = tuple(markdown_parser().parse(body))
    for token in tokens:
        for child in token.children or ():
            _clean_decoded(child)
    return tokens


def _clean_decoded(token: Any) -> None:
    """A token's text, alt text and link title without control or invisible characters."""
    if token.type in ("text", "image") and token.content:
        token.content = _shown_text(token.content)
    title = token.attrGet("title") if token.type in ("link_open", "image") else None
    if title:
        token.attrSet("title", _shown_text(str(title)))
    for child in token.children or ():
        _clean_decoded(child)


def as_shown(text: str, format: str) -> str:
    """Text cut from a story's plain paragraphs (a derived title, a summary, the preheader)
    as its body shows it: a Markdown body's entities decoded once (`Council &amp; mayor` is
    "Council & mayor", as markdown-it renders it; the plain paragraphs keep them as written,
    and the Subject said `&amp;`), then cleaned as every source's text is."""
    if format != "markdown" or "&" not in text:
        return text
    return " ".join(_shown_text(html.unescape(text)).split())


def _shown_text(text: str) -> str:
    """`text` as every source's is shown: controls made spaces, invisible characters gone."""
    return source_text(without_controls(text)[0])


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
            # `[^[\]]`: a text of `![![![…` is scanned once, not once per `![`.
            pattern = re.compile(r"!\[[^\[\]]*\]\(\s*<?" + re.escape(src) + r">?(\s+[^)]*)?\)")
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
    """The first thing that cannot go into an email: (0-based line, why), or None.

    A body past markdown_limits' bounds is refused before it is parsed; then quotes and lists
    nested too deep; then the first image or link that is not an absolute address.
    """
    problem = size_problem(body) or depth_problem(markdown_tokens(body))
    if problem is not None:
        return problem
    for token, line in _inline_tokens(body):
        if token.type == "image":
            src = token.attrGet("src") or ""
            if not ABSOLUTE_URL.match(src):
                return line, (
                    f"image {quoted(src)} is not an absolute https:// address; mail programs "
                    "cannot load files next to the story: put it online and use its full URL"
                )
            if not src.lower().startswith("https://"):
                return line, (
                    f"image {quoted(src)} is http://: images must be https:// (mail programs block "
                    "or warn about images over plain http)"
                )
            if not token.content.strip():
                return line, (f"image {src} has no alt text; describe it: ![what it shows]({src})")
        elif token.type == "link_open":
            href = token.attrGet("href") or ""
            if not _LINK_SCHEMES.match(href):
                return line, (
                    f"link {quoted(href)} is not an absolute https:// (or mailto:) address; "
                    "links in an email must be full URLs"
                )
    return None


def _inline_tokens(body: str) -> Any:
    """Every inline token with its 0-based line in the body, in reading order."""
    for block in markdown_tokens(body):
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        for child in block.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            yield child, line
