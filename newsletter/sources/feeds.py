"""RSS 2.0 and Atom feeds, from files or URLs, through feedparser.

Each entry becomes a headline (title, link, date, summary).  An entry that
carries the full story (`content` of at least `FULL_STORY_WORDS` words) becomes
a story instead, so it can lead the issue; if it does not, the assembler still
lists it as a headline.  An RSS item without `content:encoded` whose description
holds that many words is "complete in itself" (RSS 2.0: "the description contains
the text") and is a story too; an Atom summary is a summary, whatever its length.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from newsletter.control_chars import source_text, visible, without_controls
from newsletter.errors import SourceError
from newsletter.models import Headline, Sources, Story
from newsletter.sources.css_sheet import UNREAD_MARK
from newsletter.sources.feed_bounds import as_utf8, bounded_feed
from newsletter.sources.feed_outlet import entry_outlet, publisher_text
from newsletter.sources.feed_xml import entity_advice, xml_problem
from newsletter.sources.summaries import summary_text, without_trailer
from newsletter.sources.text import html_to_text, read_html, sentences
from newsletter.web_address import (
    AddressError,
    address_host,
    reader_address,
    web_address,
    without_address_secrets,
)

if TYPE_CHECKING:
    import http.client
    import socket

FULL_STORY_WORDS = 120
HEADLINE_SENTENCE_WORDS = 16  # an untitled item's first sentence up to this long is its headline
# ... and at most this many characters: a script written without spaces (Chinese, Japanese,
# Thai) is one "word" to a count by spaces, and 4,800 characters were one headline
HEADLINE_CHARS = 140
# A feed's own <title> is cut at this many characters (at a word, then "…"): a reader's line,
# not 10,000 characters of one (of the 1,129 real headlines in tests/data's labelled and
# held-out sets, one is longer than 125: 173)
FEED_TITLE_CHARS = 200
# What reads as markup in a title: a tag, or an entity
_MARKUP = re.compile(r"<[A-Za-z/!][^<>]*>|&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
FETCH_SECONDS = 20.0  # defaults of newsletter.toml's [limits]
FEED_MAX_BYTES = 10_000_000
MAX_REDIRECTS = 5


def parse_feed(data: bytes, shown: str) -> Sources:
    """Parse feed bytes; `shown` names the file or URL in messages and sources."""
    import feedparser  # 0.15 s to import: only builds that read feeds pay for it

    from newsletter.sources.feed_sanitizer import (
        few_tags,
        hiding_styles,
        linear_comments,
        style_sheets,
    )

    linear_comments()  # an unclosed comment cost the square of its length (feed_sanitizer.py)
    hiding_styles()  # a style that hides its element stays one (feed_sanitizer.py)
    style_sheets()  # so do a <style> block's simple rules (feed_sanitizer.py, css_sheet.py)
    few_tags()  # an entry's categories were looked up in a list: the square of their number

    try:
        return _parsed(feedparser, data, shown)
    finally:
        # read_html remembers an entry's fragments while it is read (its summary, story and
        # hidden words); a long-running preview held a hostile feed's 10 MB of them after
        read_html.cache_clear()


def _parsed(feedparser: Any, data: bytes, shown: str) -> Sources:
    """`parse_feed`'s reading, feedparser imported."""
    bounded = bounded_feed(as_utf8(data, shown), shown)  # feed_bounds.py: before feedparser
    data = bounded.data
    feed = _read_xml(feedparser, data, shown)
    cut = bounded.warning(shown)
    if not feed.entries:
        if cut is not None:  # its first entry alone held too much HTML (feed_bounds.py)
            return Sources(warnings=(cut,))
        if feed.get("version"):  # a real feed that has nothing this week (an HTML page has none)
            return Sources(warnings=(f"{shown}: no entries",))
        raise SourceError(f"{shown}: not an RSS or Atom feed; check the file")
    stories, headlines = [], []
    warnings: list[str] = [cut] if cut else []
    whole_descriptions = _descriptions_hold_the_text(str(feed.get("version", "")))
    feed_title = publisher_text(
        str(feed.feed.get("title", "")), _TextCleaner(shown, warnings), "title"
    )
    for index, entry in enumerate(feed.entries, start=1):
        source = f"{shown}#{index}"
        text = _TextCleaner(source, warnings)
        named = entry_outlet(entry, text)  # an aggregator's item names its own outlet
        publisher, outlet = (named.publisher, named.outlet) if named else (feed_title, "")
        title = _plain_title(str(entry.get("title", "")), text)
        link = _entry_link(entry, source, warnings, data, title)
        when = _entry_date(entry)
        description = text("summary", str(entry.get("summary", "")))
        summary = summary_text(description, title=title)
        content = text("content", _full_content(entry))
        if not content and whole_descriptions:
            content = _complete_item(description)  # cleaned once (said once) above
        tags = tuple(
            " ".join(str(t.get("term", "")).split())
            for t in entry.get("tags") or []
            if t.get("term")
        )
        if not title and not summary:
            continue
        _say_hidden(entry, source, warnings)
        if content and _story_words(content) >= FULL_STORY_WORDS:
            image, image_alt, width, height = _entry_image(entry, title, source, warnings)
            stories.append(
                Story(
                    title=title or None,
                    body=content,
                    source=source,
                    url=link,
                    date=when,
                    image=image,
                    image_alt=image_alt,
                    tags=tags,
                    summary=summary,
                    publisher=publisher,
                    image_width=width,
                    image_height=height,
                    outlet=outlet,
                )
            )
        else:
            if not title:
                title = _within_headline(_untitled_headline(summary))
                summary = summary_text(description, title=title)  # what it adds after that
            headlines.append(
                Headline(
                    title=title,
                    url=link,
                    source=source,
                    date=when,
                    summary=summary,
                    tags=tags,
                    publisher=publisher,
                    words=len(content.split()) if content else 0,
                    outlet=outlet,
                )
            )
    return Sources(stories=tuple(stories), headlines=tuple(headlines), warnings=tuple(warnings))


def _read_xml(feedparser: Any, data: bytes, shown: str) -> Any:
    """feedparser's reading of the feed; SourceError when its XML is broken past reading."""
    try:
        feed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    except (ValueError, OverflowError):
        # Its lenient parser, read when expat refuses the document, fails on a character
        # reference no character has (`&#x110000;`, `&#xD800;`, `&#99999999999;`).
        raise _unreadable_xml(data, shown) from None
    if feed.bozo:
        _refuse_broken_xml(data, shown, feed)
    return feed


class _TextCleaner:
    """A feed's text without control characters: each replaced by a space, and said once per field;
    invisible characters dropped (control_chars.source_text), and a text that shows
    nothing made "" here, before a title, a summary or an outlet is chosen by being there.

    The feed is not the editor's to fix, so the entry is kept; a seed or the manifest with
    one is refused instead (see control_chars.py).
    """

    def __init__(self, source: str, warnings: list[str]) -> None:
        self.source, self.warnings = source, warnings

    def __call__(self, field: str, value: str) -> str:
        clean, bad = without_controls(value)
        if bad is not None:
            self.warnings.append(
                f"{self.source}: the {field} holds the control character {bad}; replaced by a space"
            )
        clean = source_text(clean)
        return clean if visible(clean) else ""


def _say_hidden(entry: dict[str, Any], source: str, warnings: list[str]) -> None:
    """A warning when an entry's HTML hides words from its readers (sources/text.py drops
    them): the editor sees that the item held more than it shows."""
    texts = [str(entry.get("summary", ""))]
    texts += [str(p.get("value", "")) for p in entry.get("content") or []]
    hidden = max(read_html(t).hidden_words for t in texts)
    if hidden:
        warnings.append(
            f"{source}: {hidden:,} word{'s' if hidden > 1 else ''} its HTML hides from "
            "readers (display:none, the hidden attribute, a colour or size that does not "
            "show...) left out"
        )
    if any(UNREAD_MARK in t for t in texts):
        warnings.append(
            f"{source}: a <style> rule hides text by a selector not read here (descendant, "
            "attribute, @media...); that text is shown: check the item"
        )


def _plain_title(raw: str, text: _TextCleaner) -> str:
    """An entry's title as the plain text a headline is: HTML in it read once (tags dropped,
    entities decoded: `Fed &lt;b&gt;cuts&lt;/b&gt;` is "Fed cuts"), a tag that decoding made
    dropped too (never printed as `<b>`), what decoding made cleaned again (`&#8238;` is a
    bidi override), on one line, and cut at FEED_TITLE_CHARS at a word with "…"."""
    title = text("title", raw)
    if _MARKUP.search(title):
        title = _TAG.sub(" ", html_to_text(title))
        title = text("title", title)
    title = " ".join(title.split())
    if len(title) > FEED_TITLE_CHARS:
        text.warnings.append(
            f"{text.source}: the title is {len(title):,} characters; cut to {FEED_TITLE_CHARS}"
        )
        title = _within_headline(title, FEED_TITLE_CHARS)
    return title


def _entry_link(
    entry: dict[str, Any], source: str, warnings: list[str], data: bytes, title: str = ""
) -> str | None:
    """The entry's link as the email will carry it; one a link cannot be is left out, said
    as the feed wrote it, and so is one under a title showing another site's address."""
    link = str(entry.get("link", "")).strip()
    if not link:
        return None
    try:
        address = reader_address(web_address(link))
    except AddressError as e:
        why = str(e)
    else:
        shown = _other_site_shown(title, address)
        if shown is None:
            return address
        warnings.append(
            f"{source}: the title shows the address {shown} but links to "
            f"{address_host(address)}; link left out"
        )
        return None
    try:  # the same rule, said of the link as written
        reader_address(web_address(_as_written(link, data)))
    except AddressError as e:
        why = str(e)
    warnings.append(f"{source}: link {why}; left out")
    return None


# An address written in a title as a reader reads one: with its scheme, or starting "www."
_SHOWN_ADDRESS = re.compile(r"(?:https?://|\bwww\.)([^\s/?#<>\"'\\]+)", re.IGNORECASE)


def _other_site_shown(title: str, address: str) -> str | None:
    """The host of a web address the title shows that is not the site its link goes to, or
    None: a headline reading "https://www.paypal.com/verify" that links to evil.example is a
    deceptive link (spam filters score it so, and a reader believes it).  The title is read
    as its compatibility form (NFKC), as a reader reads it: `ｗｗｗ.paypal.com` in full-width
    letters, or `www․paypal․com` with dot leaders for its stops, shows paypal.com too."""
    goes_to = address_host(address).casefold()
    for m in _SHOWN_ADDRESS.finditer(unicodedata.normalize("NFKC", title)):
        host = m.group(1).split("@")[-1].split(":")[0].rstrip(".,;:!)]}'\"").casefold()
        host = host.removeprefix("www.")
        if not host.strip("."):
            continue  # "https://...", "www.)": a scheme or a prefix, no address shown
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return host
        same_site = host == goes_to or ("." in host and goes_to.endswith("." + host))
        if not (same_site or host.endswith("." + goes_to)):
            return host
    return None


_SCHEME_SLASHES = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)(.*)", re.DOTALL)


def _as_written(link: str, data: bytes) -> str:
    """The link as the feed's text holds it.  feedparser drops the slashes after `://`
    (`file:///etc/passwd` comes out as `file://etc/passwd`): a warning must show what the
    editor can find in the feed.  The link as given when it cannot be found."""
    m = _SCHEME_SLASHES.match(link)
    if m is None:
        return link
    text = data.decode("utf-8", "replace")
    scheme, rest = m.groups()
    for written in dict.fromkeys((rest, html.escape(rest, quote=False))):
        found = re.search(re.escape(scheme) + "/*" + re.escape(written), text)
        if found:
            return html.unescape(found.group(0))
    return link


def fetch_feed(
    url: str,
    max_bytes: int = FEED_MAX_BYTES,
    seconds: float = FETCH_SECONDS,
    *,
    private_hosts: bool = False,
) -> bytes:
    """Download a feed within `seconds` overall and `max_bytes`; every failure is one line.

    Only http(s) redirects are followed, at most MAX_REDIRECTS of them.  The deadline covers
    the whole fetch (connecting, every redirect, every read): a server that drips a byte a
    second cannot hold the build longer than a silent one.  Only public addresses are
    connected to, on every hop (public_hosts.py), unless `private_hosts`.
    """
    try:
        return _fetch(url, max_bytes, seconds, private_hosts)
    except SourceError as e:  # a private feed's password or token never in the message
        raise SourceError(without_address_secrets(str(e))) from None


def _fetch(url: str, max_bytes: int, seconds: float, private_hosts: bool) -> bytes:
    deadline = _Deadline(url, time.monotonic() + seconds, seconds)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        try:  # a port out of range or an unclosed IPv6 literal: a traceback, from a redirect too
            parts = urlsplit(current)
            _port = parts.port
        except ValueError as e:
            if current == url:
                raise SourceError(
                    f"{url}: not a valid address ({e}); check the feed address"
                ) from None
            raise SourceError(
                f"{url}: redirected to {current}, not a valid address ({e}); refused"
            ) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceError(f"{url}: redirected to {current}, not an http(s) address; refused")
        answer = _fetch_once(url, current, deadline, max_bytes, private_hosts)
        if isinstance(answer, bytes):
            return answer
        current = answer  # a redirect: the next address
    raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects; use the feed's final address")


class _Deadline:
    """The one deadline of a whole fetch, and the message once it has passed."""

    def __init__(self, url: str, at: float, seconds: float) -> None:
        self.url, self.at, self.seconds = url, at, seconds

    def left(self, hostport: str) -> float:
        """Seconds left; a SourceError naming `hostport` when none are."""
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise SourceError(
                f"{hostport}: {self.url} took longer than {self.seconds:g} s; try again later, "
                "or raise limits.feed_seconds in newsletter.toml"
            )
        return remaining


def _fetch_once(
    url: str, current: str, deadline: _Deadline, max_bytes: int, private_hosts: bool
) -> bytes | str:
    """One request: the feed's bytes, or the address a redirect points to."""
    import http.client

    from newsletter.public_hosts import PrivateHostError, connection_class

    parts = urlsplit(current)
    assert parts.hostname is not None  # checked by the caller
    port = parts.port or (443 if parts.scheme == "https" else 80)
    hostport = f"{parts.hostname}:{port}"
    cls = connection_class(parts.scheme)
    conn = cls(parts.hostname, port, timeout=deadline.left(hostport), allow_private=private_hosts)
    watchdog: threading.Timer | None = None
    sock = response = None
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(
            "GET",
            path,
            headers={
                "User-Agent": "newsletter (+feed reader)",
                "Accept-Encoding": "identity",  # a size cap on compressed bytes caps nothing
            },
        )
        sock = conn.sock  # http.client lets go of it once the response is complete
        # A socket timeout is per read: a server dripping a byte at a time never trips it.
        # At the deadline this timer cuts the connection, whatever read is waiting.
        watchdog = threading.Timer(deadline.left(hostport), _cut, args=(sock,))
        watchdog.daemon = True
        watchdog.start()
        sock.settimeout(deadline.left(hostport))
        response = conn.getresponse()
        if response.status in (301, 302, 303, 307, 308):
            location = response.getheader("Location")
            if not location:
                raise SourceError(f"{url}: redirect {response.status} without a Location")
            return urljoin(current, location.strip())
        if response.status != 200:
            raise SourceError(
                f"{url}: the server answered {response.status} {response.reason}; "
                "check the feed address"
            )
        return _read_body(response, sock, lambda: deadline.left(hostport), url, max_bytes)
    except SourceError:
        raise
    except PrivateHostError as e:
        via = "" if current == url else f", redirected to {current}"
        raise SourceError(f"{hostport}: {url}{via}: {e}") from None
    except (TimeoutError, http.client.HTTPException, ValueError, OSError) as e:
        deadline.left(hostport)  # past the deadline: that message
        raise _fetch_error(e, hostport, url) from None
    finally:
        if watchdog is not None:
            watchdog.cancel()
        if response is not None:
            response.close()
        conn.close()
        if sock is not None:
            sock.close()  # http.client may have handed it to the response


def _read_body(
    response: http.client.HTTPResponse,
    sock: socket.socket,
    left: Callable[[], float],
    url: str,
    max_bytes: int,
) -> bytes:
    """The response's body, read within the deadline (`left()`) and at most `max_bytes`."""
    import http.client

    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise _too_big(url, max_bytes, f"{int(length):,} bytes announced")
    chunks, total = [], 0
    while True:
        sock.settimeout(left())
        chunk = response.read1(65536)
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise _too_big(url, max_bytes, "more")
        chunks.append(chunk)
    left()  # the watchdog cut the connection: not a complete feed
    if length and length.isdigit() and total < int(length):
        raise http.client.IncompleteRead(b"", int(length) - total)
    return b"".join(chunks)


def _fetch_error(e: Exception, hostport: str, url: str) -> SourceError:
    """The one line for a fetch that failed before its deadline."""
    if isinstance(e, TimeoutError):
        return SourceError(f"{hostport}: no answer for {url}; try again later")
    if isinstance(e, OSError):
        reason = e.strerror or str(e)
        return SourceError(
            f"{hostport}: cannot fetch {url} ({reason}); check the address and the network"
        )
    return SourceError(
        f"{hostport}: {url} broke off or answered garbage ({type(e).__name__}); try again later"
    )


def _cut(sock: object) -> None:
    import socket

    with contextlib.suppress(OSError):  # already closed: the fetch ended first
        sock.shutdown(socket.SHUT_RDWR)  # type: ignore[attr-defined]


def _too_big(url: str, max_bytes: int, seen: str) -> SourceError:
    return SourceError(
        f"{url}: the feed is larger than {max_bytes / 1e6:g} MB ({seen}); refused: raise "
        "limits.feed_bytes in newsletter.toml if it is really that big"
    )


def _refuse_broken_xml(data: bytes, shown: str, feed: Any) -> None:
    """SourceError for a feed feedparser flagged whose XML is broken, or that gave no entry.

    The document as written is read again (feed_xml.py), so the line is the file's and the
    message its own.  An undefined entity (`&nbsp;`, common in feeds) is tolerated when the
    entries were read: feedparser's lenient parser resolves HTML entities.
    """
    from xml.sax import SAXParseException

    exc = feed.bozo_exception
    problem = xml_problem(data) if isinstance(exc, SAXParseException) else None
    if problem is None or problem.entity is not None:
        if feed.entries:
            return
        if problem is not None:
            raise SourceError(
                f"{shown}:{problem.line}: no entry could be read; the first problem: "
                f"{entity_advice(problem.entity or '', shown)}"
            )
        raise SourceError(
            f"{_where_error(shown, exc)}; check that it is a complete RSS or Atom feed"
        )
    fix = problem.fix or "check that it is a complete RSS or Atom feed"
    raise SourceError(f"{shown}:{problem.line}: {problem.message}; {fix}")


def _unreadable_xml(data: bytes, shown: str) -> SourceError:
    """The error for a feed neither of feedparser's parsers can read: expat's first problem
    with the document as written, at its line."""
    problem = xml_problem(data)
    if problem is None:
        return SourceError(
            f"{shown}: not readable as XML; check that it is a complete RSS or Atom feed"
        )
    fix = problem.fix or "check that it is a complete RSS or Atom feed"
    return SourceError(f"{shown}:{problem.line}: {problem.message}; {fix}")


def _where_error(shown: str, exc: BaseException | None) -> str:
    line = getattr(exc, "getLineNumber", lambda: None)()
    message = getattr(exc, "getMessage", lambda: str(exc))()
    return f"{shown}:{line}: {message}" if line else f"{shown}: {message}"


def _entry_date(entry: dict[str, Any]) -> dt.date | None:
    """The entry's day (UTC), or None.  feedparser moves a time to UTC past the calendar's
    ends (`9999-12-31T23:00:00-02:00` is the year 10000, `0001-01-01T01:00+02:00` the year
    0): such a date is no day, and ignored as one in month 13 is."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            with contextlib.suppress(ValueError):
                return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    return None


def _entry_image(
    entry: dict[str, Any], title: str, source: str, warnings: list[str]
) -> tuple[str | None, str, int, int]:
    """An entry's image: an image enclosure or media:content, https only; alt from the feed;
    its width and height when media:content gives them (else 0)."""
    candidates: list[tuple[object, object, object]] = []
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type", "")).startswith("image/"):
            candidates.append((enclosure.get("href") or enclosure.get("url"), 0, 0))
    for media in entry.get("media_content") or []:
        kind = str(media.get("type", ""))
        if kind.startswith("image/") or media.get("medium") == "image":
            candidates.append((media.get("url"), media.get("width"), media.get("height")))
    description = " ".join(str(entry.get("media_description", "")).split())
    refused: list[str] = []  # said once an entry: 1,000 enclosures were 1,000 warnings
    found: tuple[str | None, str, int, int] = (None, "", 0, 0)
    for url, width, height in candidates:
        try:
            address = reader_address(web_address(str(url or ""), image=True))
        except AddressError as e:
            if url:
                refused.append(str(e))
            continue
        # A feed rarely describes its image; the title says what it illustrates.
        size = (_pixels(width), _pixels(height))
        found = (address, description or title or "Illustration", *(size if all(size) else (0, 0)))
        break
    if refused:
        more = f", and {len(refused) - 1:,} more images of this entry" if len(refused) > 1 else ""
        warnings.append(f"{source}: image {refused[0]}; left out{more}")
    return found


def _pixels(value: object) -> int:
    """A media:content width or height as whole pixels; 0 when missing or not a number."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= 20000 else 0


def _descriptions_hold_the_text(version: str) -> bool:
    """Whether an item's description may be its whole text: RSS 0.91 to 2.0 (feedparser's
    `rss091u`, `rss20`, `rss` ...), not RSS 0.90 and 1.0, whose description is an abstract."""
    return version.startswith("rss") and version not in ("rss090", "rss10")


def _complete_item(description: str) -> str:
    """An RSS description as the item's story (its paragraphs, a blog's "The post … appeared
    first on …" trailer dropped) when it holds `FULL_STORY_WORDS` words or more; else ""."""
    story = without_trailer(html_to_text(description))
    return story if _story_words(story) >= FULL_STORY_WORDS else ""


def _story_words(text: str) -> int:
    """The words a reader sees: a run of zero-width spaces or soft hyphens between spaces
    (`&#x200B; ` 300 times) is no word, so it never makes an empty item a story that leads."""
    return sum(1 for word in text.split() if visible(word))


def _full_content(entry: dict[str, Any]) -> str:
    parts = entry.get("content") or []
    return "\n\n".join(html_to_text(str(p.get("value", ""))) for p in parts).strip()


def _untitled_headline(summary: str) -> str:
    """The headline of an untitled item too short to be a story: its first sentence when a
    headline can be that long (its full stop dropped; "?", "!" and "U.S." kept), else its first
    words and "…".  Two sentences run together and cut read as neither."""
    first = sentences(summary)[0] if summary.strip() else ""
    if first and len(first.split()) <= HEADLINE_SENTENCE_WORDS:
        first = first.strip()
        # A full stop after a word goes, as a headline has none; "U.S." keeps its own.
        after_word = first[-2:-1].islower() or first[-2:-1].isdigit()
        return first[:-1] if first.endswith(".") and after_word else first
    return _first_words(summary)


def _first_words(text: str, limit: int = 12) -> str:
    words = text.split()
    return " ".join(words[:limit]) + ("…" if len(words) > limit else "")


def _within_headline(title: str, limit: int = HEADLINE_CHARS) -> str:
    """A headline within `limit` characters, "…" included (cut at a space when there is one
    in its last third, then "…")."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rstrip("…")
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 2 // 3 else cut).rstrip(" ,;:-–—") + "…"
