"""The titled lists the templates loop over (Related, each [[sections]], More headlines), and
the source each headline shows.

A headline's source line names who published it.  Two cases read badly as they come:

- a list whose headlines all share one source (a feed's title on every entry) said it under
  each of them; the list names it once under its heading instead (`Section.publisher`);
- a feed that collects many outlets under one title ("The week's wires", an editor's own
  collection) and does not name each entry's outlet (`<source>`, `dc:publisher`:
  sources/feed_outlet.py) put its own title under headlines from 25 different sites.  A
  publisher whose linked headlines go to several sites (`collectors`) is a collector, not an
  outlet, and each of its headlines shows its link's site (theguardian.com), as Hacker News
  and link digests do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from newsletter.models import ScoredHeadline, StoryCard
from newsletter.web_address import address_host

COLLECTOR_SITES = 3  # at least this many sites, and one for every other linked headline


def collectors(headlines: Iterable[ScoredHeadline]) -> frozenset[str]:
    """The publishers whose linked headlines go to at least COLLECTOR_SITES sites, and to a
    site for every two of them at least: a collection's title, not an outlet's name (one
    outlet's feed links to its own site, a few subdomains at most)."""
    sites: dict[str, list[str]] = {}
    for item in headlines:
        host = address_host(item.url or "")
        if item.headline.publisher and host:
            sites.setdefault(item.headline.publisher, []).append(host)
    return frozenset(
        publisher
        for publisher, hosts in sites.items()
        if len(set(hosts)) >= COLLECTOR_SITES and 2 * len(set(hosts)) >= len(hosts)
    )


@dataclass(frozen=True, slots=True)
class Section:
    """A titled list of headlines (and a section's cards), as the templates loop over them.

    `summaries`: whether the headlines show their summaries (Related always; the
    [[sections]] and More headlines when newsletter.toml says `more_summaries = true`).
    `collectors`: the issue's publishers that are collections of many sites (`collectors`).
    """

    heading: str
    items: tuple[ScoredHeadline, ...]
    cards: tuple[StoryCard, ...] = ()
    summaries: bool = False
    collectors: frozenset[str] = frozenset()

    @property
    def publisher(self) -> str:
        """The source every headline here shares (two or more, no cards), else "": the
        templates name it once under the heading ("All from World desk") instead of under
        each headline.  A collector is never named so: its headlines name their sites."""
        named = {item.headline.publisher for item in self.items}
        if len(self.items) < 2 or self.cards or len(named) != 1:
            return ""
        shared = named.pop()
        return "" if shared in self.collectors else shared

    def source(self, item: ScoredHeadline) -> str:
        """The source under `item`: its link's site when its publisher is a collector, ""
        when the list names its one source under the heading, else its publisher."""
        publisher = item.headline.publisher
        if publisher in self.collectors:
            return address_host(item.url or "") or publisher
        return "" if self.publisher else publisher

    def text_source(self, item: ScoredHeadline) -> str:
        """The source the plain text shows under `item`: `source(item)`, but "" when that is
        only its link's site, since the text prints the link itself on the next line
        ("irishtimes.com" over "https://www.irishtimes.com/…" said the site twice)."""
        shown = self.source(item)
        return "" if item.url and shown == address_host(item.url) else shown
