"""The outlet a feed entry names: its publisher as the digest shows it, and as coverage counts it.

An aggregator or wire feed (one feed collecting several outlets) names each item's own
outlet: RSS 2.0 `<source url="…">Outlet</source>` and Atom `<source><title>…</title></source>`
(feedparser's `entry.source`), or Dublin Core `<dc:publisher>` (`entry.publisher`).  That
outlet is the item's publisher; an entry naming none has the feed's title.  An author
(`<author>`, `dc:creator`) is a person, not an outlet, and is never taken for one.

The text is the feed's, not the editor's: markup dropped, control characters made spaces
(said once, as for a title), invisible characters dropped (bidi formatting, zero-width spaces,
soft hyphens, Hangul fillers, tag characters: control_chars.source_text, the one
definition every source text is cleaned by), spaces folded, and cut at `PUBLISHER_CHARS`
characters.  The zero-width joiner and non-joiner stay (emoji, Indic and Persian names need
them), but a name that shows nothing once cleaned is no name: the entry's next candidate
(`<source>`, then `dc:publisher`, then the feed's title) is taken instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newsletter.control_chars import source_text, visible
from newsletter.sources.text import html_to_text
from newsletter.web_address import address_host

PUBLISHER_CHARS = 60  # a name beside a headline ("Frankfurter Allgemeine Zeitung" is 30)

Clean = Callable[[str, str], str]  # (field, text) -> text without control characters


@dataclass(frozen=True, slots=True)
class EntryOutlet:
    """The outlet an entry names: `publisher` as readers see it; `outlet` as the lead's
    coverage counts it (the host of the source's address, `www.` aside, else the name
    casefolded), so two items of one outlet count once whatever feed brought them."""

    publisher: str
    outlet: str


def publisher_text(text: str, clean: Clean, field: str) -> str:
    """A publisher's name as plain text on one line, at most PUBLISHER_CHARS characters; ""
    when it shows nothing (only invisible characters: the caller falls back)."""
    plain = " ".join(source_text(html_to_text(clean(field, text))).split())
    if not visible(plain):
        return ""
    if len(plain) <= PUBLISHER_CHARS:
        return plain
    cut = plain[: PUBLISHER_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:-–—") + "…"


def entry_outlet(entry: dict[str, Any], clean: Clean) -> EntryOutlet | None:
    """The outlet the entry itself names, or None (its publisher is then the feed's title)."""
    source = entry.get("source") or {}
    name = publisher_text(str(source.get("title") or ""), clean, "source")
    if name:
        host = address_host(str(source.get("href") or source.get("link") or ""))
        return EntryOutlet(name, host or name.casefold())
    name = publisher_text(str(entry.get("publisher") or ""), clean, "dc:publisher")
    return EntryOutlet(name, name.casefold()) if name else None
