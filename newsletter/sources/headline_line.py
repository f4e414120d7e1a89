"""One headline per line, with an optional link.

Accepted shapes (the title keeps its curly quotes and dashes):

    Title
    Title — https://example.org/story      (em or en dash, or a spaced hyphen)
    Title | https://example.org/story
    [Title](https://example.org/story)
    - Title …                              (a list bullet is dropped)
"""

from __future__ import annotations

import re

from newsletter.models import Headline
from newsletter.web_address import AddressError, web_address

_URL = r"https?://[^\s<>\"]+"
_MARKDOWN = re.compile(rf"^\[(?P<title>.+)\]\((?P<url>{_URL})\)$")
_TRAILING = re.compile(rf"^(?P<title>.*?\S)\s+(?:[—–|]|-{{1,2}})\s*(?P<url>{_URL})$")
_BARE_URL = re.compile(rf"^(?P<url>{_URL})$")
_BULLET = re.compile(r"^(?:[-*•·]|\d{1,3}[.)])\s+")


def parse_headline_line(line: str, source: str = "") -> Headline | None:
    """Parse one headline line; None for a blank line."""
    text = " ".join(line.split())
    if not text:
        return None
    text = _BULLET.sub("", text, count=1)
    for pattern in (_MARKDOWN, _TRAILING):
        m = pattern.match(text)
        if m and (url := _address(m["url"])):
            return Headline(title=m["title"].strip(), url=url, source=source)
    if _BARE_URL.match(text) and (url := _address(text)):
        return Headline(title=text, url=url, source=source)
    return Headline(title=text, source=source)


def _address(url: str) -> str | None:
    """The link as the email carries it (see web_address.py); None: the line is all title."""
    try:
        return web_address(url)
    except AddressError:
        return None
