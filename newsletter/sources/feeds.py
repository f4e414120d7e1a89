"""RSS 2.0 and Atom feeds, from files or URLs, through feedparser.

Each entry becomes a headline (title, link, date, summary).  An entry that
carries the full story (`content` of at least `FULL_STORY_WORDS` words) becomes
a story instead, so it can lead the issue; if it does not, the assembler still
lists it as a headline.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from newsletter.errors import SourceError
from newsletter.models import Headline, Sources, Story

FULL_STORY_WORDS = 120
FETCH_TIMEOUT = 20.0
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"}


def parse_feed(data: bytes, shown: str) -> Sources:
    """Parse feed bytes; `shown` names the file or URL in messages and sources."""
    import feedparser  # 0.15 s to import: only builds that read feeds pay for it

    feed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if feed.bozo and (not feed.entries or _is_broken_xml(feed.bozo_exception)):
        raise SourceError(
            f"{_where_error(shown, feed.bozo_exception)}; "
            "check that it is a complete RSS or Atom feed"
        )
    if not feed.entries and not feed.feed:
        raise SourceError(f"{shown}: not an RSS or Atom feed; check the file")
    stories, headlines = [], []
    for index, entry in enumerate(feed.entries, start=1):
        title = " ".join(str(entry.get("title", "")).split())
        link = str(entry.get("link", "")).strip() or None
        if link and not re.match(r"^https?://", link):
            link = None
        when = _entry_date(entry)
        summary = html_to_text(str(entry.get("summary", "")))
        content = _full_content(entry)
        source = f"{shown}#{index}"
        if not title and not summary:
            continue
        if content and len(content.split()) >= FULL_STORY_WORDS:
            stories.append(
                Story(title=title or None, body=content, source=source, url=link, date=when)
            )
        else:
            headlines.append(
                Headline(
                    title=title or _first_words(summary),
                    url=link,
                    source=source,
                    date=when,
                    summary=summary,
                )
            )
    return Sources(stories=tuple(stories), headlines=tuple(headlines))


def fetch_feed(url: str) -> bytes:
    """Download a feed; a failure names the host and port and what to do."""
    import urllib.error
    import urllib.request

    parts = urlsplit(url)
    hostport = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    request = urllib.request.Request(url, headers={"User-Agent": "newsletter (+feed reader)"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        e.close()
        raise SourceError(
            f"{url}: the server answered {e.code} {e.reason}; check the feed address"
        ) from None
    except urllib.error.URLError as e:
        reason = getattr(e.reason, "strerror", None) or str(e.reason)
        raise SourceError(
            f"{hostport}: cannot fetch {url} ({reason}); check the address and the network"
        ) from None
    except TimeoutError:
        raise SourceError(
            f"{hostport}: no answer in {FETCH_TIMEOUT:.0f} s for {url}; try again later"
        ) from None
    except OSError as e:
        raise SourceError(f"{hostport}: cannot fetch {url} ({e}); check the network") from None


def _is_broken_xml(exc: BaseException | None) -> bool:
    """A truncated or malformed document; HTML entities like &nbsp; in a feed are tolerated."""
    from xml.sax import SAXParseException

    return isinstance(exc, SAXParseException) and "undefined entity" not in str(exc)


def _where_error(shown: str, exc: BaseException | None) -> str:
    line = getattr(exc, "getLineNumber", lambda: None)()
    message = getattr(exc, "getMessage", lambda: str(exc))()
    return f"{shown}:{line}: {message}" if line else f"{shown}: {message}"


def _entry_date(entry: dict) -> dt.date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    return None


def _full_content(entry: dict) -> str:
    parts = entry.get("content") or []
    return "\n\n".join(html_to_text(str(p.get("value", ""))) for p in parts).strip()


def _first_words(text: str, limit: int = 12) -> str:
    words = text.split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = [[]]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        self.blocks[-1].append(data)


def html_to_text(fragment: str) -> str:
    """Feed HTML to plain paragraphs separated by blank lines (tags dropped, entities decoded)."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    paragraphs = (" ".join("".join(block).split()) for block in extractor.blocks)
    return "\n\n".join(p for p in paragraphs if p)
