"""What a feed may cost, settled before feedparser reads it: its encoding, its DOCTYPE, its size.

feedparser holds a whole feed in memory several times over and spends about half a
millisecond on each entry, so a feed file under `limits.feed_bytes` (10 MB) could still make
a build take 26 s and hundreds of MB (55,000 short entries), and a DOCTYPE could make it expand
text without end.  One pass of expat (C, streaming, entities never expanded) over the bytes
first:

- **UTF-16 and UTF-32** (with their byte-order mark, as XML requires) are made UTF-8, so
  feedparser, expat and the warnings all read the same bytes with the same line numbers.
- **Entities are declared for text, not for growth**: a DOCTYPE entity defined in terms of
  another (the "billion laughs"), a parameter or external entity, more than MAX_ENTITIES
  declarations, or entities whose uses would add more than MAX_EXPANSION characters (one 100 KB
  entity used 3 million times) refuse the feed in one line, before anything is expanded.
- **At most MAX_ATTRIBUTES attributes on one element**: feedparser's cost grows with the
  square of an element's attributes.
- **At most MAX_ENTRIES entries** (RSS `item`, Atom `entry`) are read, in the feed's order:
  the document is cut before the next one and its open elements closed, and a warning says how
  many were kept of how many.  A digest shows a few dozen; a feed holding its whole archive is
  still read, its first thousand entries (the newest, in the usual order).
- **At most MAX_HTML_TAGS tags in the feed's HTML** (a description's or content's, escaped or
  in CDATA), each weighed by what it holds (`markup_weight`): a bare tag costs the sanitizer
  and the hiding rules (sources/css_hiding.py) tens of microseconds, a styled one about a
  millisecond and more for each byte of its style, so one 10 MB description of styled spans
  took a minute to read, and 25,000 spans, each with 24 style declarations, 15 s under the
  bound when it counted tags alone.
  The document is cut before the entry in which the count passes the bound, as for the entry
  limit, and the warning names the bound; HTML past it outside any entry (the channel's own
  description) refuses the feed in one line.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from newsletter.control_chars import ECHOED, shown_safely
from newsletter.errors import SourceError
from newsletter.sources.feed_xml import BOM, PREDEFINED

MAX_ENTRIES = 1_000  # entries read from one feed; the rest are left out with a warning
MAX_ENTITIES = 64  # entity declarations in a feed's DOCTYPE
MAX_EXPANSION = 1_000_000  # characters the entities' uses may add to the document, in all
# XML elements read before the cut: feedparser spends 13-30 us on each (200,000 <category>
# in one item: 6.5 s of CPU under the old 250,000), and the entry cut cannot shorten one
# gigantic entry.  A thousand entries of a dozen fields hold about 12,000, a podcast's of
# 25 about 25,000; XHTML content counts against the HTML bound besides.
MAX_ELEMENTS = 40_000
# Attributes on one element: feedparser's cost grows with their square (5,000 on one <item>:
# 1.3 s; 200,000 in a 2.4 MB feed: over ten minutes).  A feed's busiest element, its root
# declaring namespaces or a media:content, has a few dozen.
MAX_ATTRIBUTES = 100
# Tags in the HTML a feed's text holds (every `<` in its character data, counted before
# feedparser), weighed by what they hold.  The sanitizer and the hiding rules spend 20-60 us
# on a bare tag, about 1 ms on a styled one and 8 us more on each byte of its style
# (bench/bench_feeds.py, on a loaded 2-core machine: 25,000 spans with 24 declarations each
# took 15 s when the bound counted 50,000 tags alone).  A full-text feed of 100 long
# articles weighs about 25,000: its tags and their links.
MAX_HTML_TAGS = 25_000
STYLED_TAG = 16  # what a tag mentioning `style` weighs besides itself, in tags
STYLE_BYTES = 3  # bytes of a tag mentioning `style` that weigh a tag more
MARKUP_BYTES = 32  # bytes of any other tag that weigh a tag more
# Bytes of a `<style>` sheet that weigh a tag: its rules are read for what they hide, about
# 2 us a byte (a 3 MB sheet of 50,000 rules: 6 s of CPU, uncounted before).
SHEET_BYTES = 8
ENTRY_NAMES = frozenset({"item", "entry"})  # RSS 0.9x-2.0 and RSS 1.0 items, Atom entries

_UNICODE_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_DECLARED_ENCODING = re.compile(r"""\A(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")
_REFERENCE = re.compile(r"&((?:[^\W\d]|:)[\w.:-]*);")  # XML names: any letter, not only ASCII
# Where a tag may end, or a quoted value start (a `>` or `<` inside quotes is the value's:
# `<span title=">" style="…">` hid its style's bytes from a scan to the first `>`).
_TAG_STOP = re.compile(r"""[<>"']""")
_STYLE_WORD = re.compile(r"style", re.IGNORECASE)  # an attribute's name has no escapes
_SHEET_START = re.compile(r"<style\b", re.IGNORECASE)


def markup_weight(html: str) -> int:
    """What the markup inside `html`'s tags weighs besides the tags themselves, in tags:
    STYLED_TAG for a tag mentioning `style` and its bytes over STYLE_BYTES, any other tag's
    bytes over MARKUP_BYTES (MAX_HTML_TAGS)."""
    tags = html.count("<")
    if not tags or tags > MAX_HTML_TAGS:
        return 0  # no markup, or past the bound on its tags alone: nothing more to weigh
    styled = size = markup = 0
    for start, end in _tag_spans(html):
        if _STYLE_WORD.search(html, start, end):
            styled, size = styled + 1, size + end - start
        else:
            markup += end - start
    weight = STYLED_TAG * styled + size // STYLE_BYTES + markup // MARKUP_BYTES
    return weight + _sheet_bytes(html) // SHEET_BYTES


def _tag_spans(html: str) -> Iterator[tuple[int, int]]:
    """Each tag's (start, end) in `html`: from its `<` to its `>` outside quotes, the next `<`
    outside quotes, or the end (an unclosed quote runs to it).  One pass: positions only
    grow, and markup_weight calls it for at most MAX_HTML_TAGS tags."""
    start = html.find("<")
    while start >= 0:
        at, end = start + 1, len(html)
        while (stop := _TAG_STOP.search(html, at)) is not None:
            mark = stop.group()
            if mark in "<>":
                end = stop.end() if mark == ">" else stop.start()
                break
            closing = html.find(mark, stop.end())
            if closing < 0:
                break  # an unclosed quote: the tag runs to the end
            at = closing + 1
        yield start, end
        start = html.find("<", end) if end < len(html) else -1


def _sheet_bytes(html: str) -> int:
    """The bytes of `html`'s `<style>` sheets, each to its `</style` (or the end), in one pass."""
    lower, total, covered = "", 0, 0
    for match in _SHEET_START.finditer(html):
        if match.start() < covered:
            continue  # inside the sheet before: counted with it
        lower = lower or html.lower()
        end = lower.find("</style", match.end())
        covered = len(html) if end < 0 else end
        total += covered - match.end()
    return total


def is_wide_unicode(data: bytes) -> bool:
    """True when `data` is a feed in UTF-16 or UTF-32 (its NUL bytes are half or three
    quarters of its characters, not a sign of a binary file): by its byte-order mark, or
    without one by its first character, as `as_utf8` reads it (a file and a URL alike)."""
    if data.startswith(tuple(bom for bom, _, _ in _UNICODE_BOMS)):
        return True
    codec = _unmarked_encoding(data)
    return codec is not None and codec.startswith(("utf-16", "utf-32"))


def as_utf8(data: bytes, shown: str) -> bytes:
    """A UTF-16 or UTF-32 feed (by its byte-order mark) as UTF-8, its XML declaration saying
    so; any other feed as it is.  SourceError naming the line that does not decode.

    A feed in another encoding that feedparser reads (UTF-16 or UTF-32 without a mark, EBCDIC,
    Shift_JIS, Latin-1: by the XML specification's appendix F and the declaration) is made
    UTF-8 too, when it decodes: the entity check, the entry cut and its closing tags work on
    UTF-8 bytes, and expat reads no multi-byte encoding but UTF-8 and UTF-16."""
    for bom, codec, name in _UNICODE_BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as e:
                line = body[: e.start].decode(codec, "replace").count("\n") + 1
                raise SourceError(
                    f"{shown}:{line}: starts as {name} (its byte-order mark) but is not valid "
                    f"{name} there; save the feed as UTF-8"
                ) from None
            return _DECLARED_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    unmarked = _unmarked_encoding(data)
    if unmarked is None:
        return data
    try:
        text = data.decode(unmarked)
    except (UnicodeDecodeError, LookupError):  # a lying declaration: feedparser's report stands
        return data
    return _DECLARED_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")


_SNIFFED = (  # '<' in encodings without a mark (the XML specification, appendix F)
    (b"\x00\x00\x00\x3c", "utf-32-be"),
    (b"\x3c\x00\x00\x00", "utf-32-le"),
    (b"\x00\x3c\x00\x3f", "utf-16-be"),
    (b"\x3c\x00\x3f\x00", "utf-16-le"),
)
# A document without a declaration: '<' and an ASCII name character or '!' (`<rss`, `<feed`,
# `<!--`), after any ASCII blank, in UTF-16 (appendix F's '<?' case without the '?').
_UTF16_START = (
    (re.compile(rb"\A(?:\x00[ \t\r\n])*\x00<\x00[A-Za-z!]"), "utf-16-be"),
    (re.compile(rb"\A(?:[ \t\r\n]\x00)*<\x00[A-Za-z!]\x00"), "utf-16-le"),
)
_EBCDIC = b"\x4c\x6f\xa7\x94"  # '<?xm' in EBCDIC (cp037), as feedparser detects it
_ENCODING_NAME = re.compile(r"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")


def _unmarked_encoding(data: bytes) -> str | None:
    """The codec of a feed that is not UTF-8 and has no byte-order mark, or None."""
    for marker, codec in _SNIFFED:
        if data.startswith(marker):
            return codec
    for start, codec in _UTF16_START:
        if start.match(data[:200]):
            return codec
    head = data[:200].decode("cp037" if data.startswith(_EBCDIC) else "latin-1")
    found = _ENCODING_NAME.match(head)
    if found is None:
        return None
    try:
        codec = codecs.lookup(found.group(1)).name
    except LookupError:
        return None
    if codec == "utf-8" or (not data.startswith(_EBCDIC) and _reads_ascii_differently(codec)):
        return None  # UTF-8 already; or a declaration in ASCII naming UTF-16: a lie
    return codec


def _reads_ascii_differently(codec: str) -> bool:
    """True when the codec does not read the ASCII of an XML declaration as ASCII."""
    try:
        return b"<?xml version=".decode(codec) != "<?xml version="
    except UnicodeDecodeError:
        return True


@dataclass(frozen=True, slots=True)
class BoundedFeed:
    """The feed as feedparser may read it, and what was left out."""

    data: bytes
    entries: int  # entries in the whole feed (as far as expat could read it)
    kept: int  # entries in `data`
    by_html: bool = False  # cut for its HTML's tags (MAX_HTML_TAGS), not its entries' number

    def warning(self, shown: str) -> str | None:
        """The one line saying entries were left out, or None when none were."""
        if self.kept >= self.entries:
            return None
        left_out = self.entries - self.kept
        if self.by_html:
            kept = f"the first {self.kept:,}" if self.kept else "none"
            return (
                f"{shown}: its entries' HTML holds more than the {MAX_HTML_TAGS:,} tags read "
                f"from one feed (each is checked for hidden text); kept {kept} of its "
                f"{self.entries:,} entries (in the feed's order), left out {left_out:,}: "
                + (
                    "its publisher has to shorten them"
                    if shown.startswith(("http://", "https://"))
                    else "shorten their HTML or keep fewer entries"
                )
            )
        return (
            f"{shown}: {self.entries:,} entries, more than the {MAX_ENTRIES:,} read from one "
            f"feed; kept the first {self.kept:,} (in the feed's order), left out {left_out:,}"
        )


class _Pass:
    """expat's handlers for the one pass: entity declarations checked, entries counted."""

    def __init__(self, data: bytes, shown: str, skipped_lines: int) -> None:
        self.data, self.shown, self.skipped = data, shown, skipped_lines
        self.parser = expat.ParserCreate()
        self.parser.specified_attributes = True  # no DOCTYPE default copied into every element
        self.parser.DefaultHandler = lambda _text: None  # references passed on, not expanded
        self.parser.UseForeignDTD(True)  # an undeclared &nbsp; is skipped, not an error
        self.parser.EntityDeclHandler = self.entity
        self.parser.EndDoctypeDeclHandler = self.end_doctype
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.parser.buffer_text = True  # one call a run of text, not one a `&lt;`
        self.declared: dict[str, str] = {}
        self.doctype_read = False  # its entity declarations all seen and checked
        self.open: list[str] = []  # the elements open, as written (prefix included)
        self.entries = 0
        self.elements = 0  # elements read, all of them
        self.cut: tuple[int, tuple[str, ...]] | None = None  # where to cut, what to close
        self.entry_at: tuple[int, tuple[str, ...]] | None = None  # the open entry's start
        self.entries_before = 0  # entries before the open one
        self.html_tags = 0  # `<` in the text, two a field's element, so far (MAX_HTML_TAGS)
        self.pending: list[str] = []  # the text since the last tag: its markup weighed whole
        self.kept = MAX_ENTRIES  # entries before the cut
        self.by_html = False  # the cut is MAX_HTML_TAGS's

    def refuse(self, why: str, fix: str | None = None) -> SourceError:
        line = self.parser.CurrentLineNumber + self.skipped
        return SourceError(f"{self.shown}:{line}: {why}; refused: {fix or _fix(self.shown)}")

    def entity(
        self,
        name: str,
        is_parameter: bool,
        value: str | None,
        _base: str | None,
        system_id: str | None,
        _public_id: str | None,
        _notation: str | None,
    ) -> None:
        if is_parameter or value is None or system_id is not None:
            kind = "a parameter" if is_parameter else "an external"
            raise self.refuse(
                f"its DOCTYPE declares {kind} entity ({_named(name)}), which no feed needs"
            )
        nested = [n for n in _REFERENCE.findall(value) if n not in PREDEFINED]
        if nested:
            raise self.refuse(
                f"its DOCTYPE defines the entity &{_named(name)}; by another "
                f"(&{_named(nested[0])};): the shape "
                "of a 'billion laughs', which expands a small file into gigabytes"
            )
        self.declared[name] = value
        if len(self.declared) > MAX_ENTITIES:
            raise self.refuse(f"its DOCTYPE declares more than {MAX_ENTITIES} entities")

    def end_doctype(self) -> None:
        self.doctype_read = True
        total = 0
        for name, value in self.declared.items():
            uses = self.data.count(f"&{name};".encode())
            total += uses * len(value)
            if total > MAX_EXPANSION:
                raise self.refuse(
                    f"its DOCTYPE's entities would add more than {MAX_EXPANSION:,} characters "
                    f"(&{_named(name)}; is {len(value):,} characters, used {uses:,} times)"
                )

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.weigh_pending()
        if len(attributes) > MAX_ATTRIBUTES:
            raise self.refuse(
                f"an element with more than {MAX_ATTRIBUTES} attributes "
                f"(<{_named(name)}> has {len(attributes):,}), which would take minutes to read",
                "its publisher has to fix the feed"
                if self.shown.startswith(("http://", "https://"))
                else "remove them (a feed's elements carry a few)",
            )
        self.elements += 1
        if self.elements > MAX_ELEMENTS and self.cut is None:
            raise _too_many_elements(self.shown, self.parser.CurrentLineNumber + self.skipped)
        # Every entry counts, one inside another too: feedparser makes an entry of each (and
        # reads <ITEM> as <item>).
        if name.rpartition(":")[2].lower() in ENTRY_NAMES:
            self.entries += 1
            here = (self.parser.CurrentByteIndex, tuple(self.open))
            if self.entry_at is None:  # the outermost: an entry in an entry is cut with it
                self.entry_at, self.entries_before = here, self.entries - 1
            if self.entries == MAX_ENTRIES + 1 and self.cut is None:
                self.cut = here
        elif len(self.open) >= (3 if self.entry_at is None else len(self.entry_at[1]) + 2):
            # An element inside a field (Atom's type="xhtml" content, an <xhtml:body>): real
            # XML, never a `<` in text, yet feedparser writes it out as HTML, two tags, and
            # the sanitizer reads them (240,000 styled spans: 40 s).  Counted as the text's.
            size = sum(len(k) + len(v) + 4 for k, v in attributes.items())
            if any("style" in k.lower() for k in attributes):
                self.html(2 + STYLED_TAG + (len(name) + size) // STYLE_BYTES)
            else:
                self.html(2 + (len(name) + size) // MARKUP_BYTES)
        self.open.append(name)

    def end(self, _name: str) -> None:
        self.weigh_pending()
        self.open.pop()
        if self.entry_at is not None and len(self.open) == len(self.entry_at[1]):
            self.entry_at = None  # the entry ended

    def text(self, data: str) -> None:
        self.html(data.count("<"))
        if self.cut is None:
            self.pending.append(data)

    def weigh_pending(self) -> None:
        """Weigh the markup of the text read since the last tag, whole: a tag split over two
        CDATA sections or references weighs what it would in one piece."""
        if self.pending:
            text, self.pending = "".join(self.pending), []
            sheet = bool(self.open) and self.open[-1].rpartition(":")[2].lower() == "style"
            self.html(markup_weight(text) + (len(text) // SHEET_BYTES if sheet else 0))

    def html(self, tags: int) -> None:
        """Count `tags` more tags of HTML; past MAX_HTML_TAGS, cut before the open entry."""
        if self.cut is not None:
            return  # past the cut: feedparser never reads it
        self.html_tags += tags
        if self.html_tags <= MAX_HTML_TAGS:
            return
        if self.entry_at is None:
            raise self.refuse(
                f"its HTML holds more than {MAX_HTML_TAGS:,} tags outside its entries, which "
                "would take minutes to check",
                "its publisher has to fix the feed"
                if self.shown.startswith(("http://", "https://"))
                else "shorten the channel's description",
            )
        self.cut, self.kept, self.by_html = self.entry_at, self.entries_before, True


def bounded_feed(data: bytes, shown: str) -> BoundedFeed:
    """`data` (UTF-8, or in an encoding its XML declaration names) cut after MAX_ENTRIES
    entries; SourceError when its DOCTYPE declares entities a feed has no need of.

    XML that expat cannot read before its MAX_ENTRIES + 1st entry (a wrong encoding, a bare
    `&`), which feedparser's lenient parser may still read, is cut by its tags alone, at the
    MAX_ENTRIES + 1st `<item` or `<entry`: that parser needs no closing tags.
    """
    body = data.removeprefix(BOM).lstrip(b" \t\r\n")  # as feed_xml.xml_problem reads it
    offset = len(data) - len(body)
    _refuse_entity_defaults(body, shown, data[:offset].count(b"\n"))
    reading = _Pass(body, shown, data[:offset].count(b"\n"))
    try:
        reading.parser.Parse(body, True)
    except (expat.ExpatError, LookupError, ValueError) as e:  # LookupError: a bogus encoding
        if not reading.doctype_read and _ENTITY_DECLARATION.search(body[: _prolog_end(body)]):
            raise reading.refuse(
                "its DOCTYPE declares entities, and cannot be read to check them "
                f"({' '.join(str(e).split())[:80]})"
            ) from None
        if reading.cut is None:
            return _cut_by_tags(data, shown)
    if reading.cut is None:
        return BoundedFeed(data, reading.entries, reading.entries)
    at, still_open = reading.cut
    closing = "".join(f"</{name}>" for name in reversed(still_open)).encode()
    cut = data[: offset + at] + closing
    return BoundedFeed(cut, reading.entries, reading.kept, reading.by_html)


_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# An attribute-list declaration, whole (a quoted default may hold '>'), and an entity reference
# in it other than a character reference or XML's own five.
_ATTLIST = re.compile(rb"""<!ATTLIST\b(?:[^>"']|"[^"]*"|'[^']*')*""")
_ENTITY_USE = re.compile(rb"&(?!#|(?:amp|lt|gt|quot|apos);)")


def _refuse_entity_defaults(body: bytes, shown: str, skipped_lines: int) -> None:
    """SourceError when the DOCTYPE gives an attribute a default holding an entity: expat
    expands a default as it reads the declaration, before any handler could count it (a 1 MB
    entity a million times in one default: 551 MB for a 4 MB feed), and no feed needs one."""
    # The whole document is searched: a '<' inside a default (an error expat meets only
    # after expanding what comes before it) would end the prolog as _prolog_end finds it.
    if b"<!ATTLIST" not in body or not _ENTITY_DECLARATION.search(body[: _prolog_end(body)]):
        return  # no entity declared: a default can hold none
    for declaration in _ATTLIST.finditer(body):
        if _ENTITY_USE.search(declaration.group(0)):
            line = body.count(b"\n", 0, declaration.start()) + 1 + skipped_lines
            raise SourceError(
                f"{shown}:{line}: its DOCTYPE gives an attribute a default made of entities "
                f"(<!ATTLIST … &…;>), which no feed needs; refused: {_fix(shown)}"
            )


_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _prolog_end(body: bytes) -> int:
    """Where the first element starts (the DOCTYPE comes before it), as feedparser finds it."""
    found = _FIRST_ELEMENT.search(body)
    return found.start() if found else len(body)


_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]", re.IGNORECASE)
_ELEMENT_TAG = re.compile(rb"<[A-Za-z_]")


def _cut_by_tags(data: bytes, shown: str) -> BoundedFeed:
    """`data` cut before its MAX_ENTRIES + 1st entry tag, for XML expat cannot read;
    SourceError when more than MAX_ELEMENTS tags come before that cut."""
    starts = [m.start() for m in _ENTRY_TAG.finditer(data)]
    end = starts[MAX_ENTRIES] if len(starts) > MAX_ENTRIES else len(data)
    if data.count(b"<", 0, end) > MAX_ELEMENTS:  # cheap first: every tag starts with one
        tags = _ELEMENT_TAG.finditer(data, 0, end)
        past = next(itertools.islice(tags, MAX_ELEMENTS, None), None)
        if past is not None:
            raise _too_many_elements(shown, data.count(b"\n", 0, past.start()) + 1)
    html = _html_cut(data, starts, end, shown)
    if html is not None:
        return BoundedFeed(data[: starts[html]], len(starts), html, by_html=True)
    if len(starts) <= MAX_ENTRIES:
        return BoundedFeed(data, len(starts), len(starts))
    return BoundedFeed(data[:end], len(starts), MAX_ENTRIES)


def _html_cut(data: bytes, starts: list[int], end: int, shown: str) -> int | None:
    """The entry (its number from 0) in which the tags counted from the feed's start pass
    MAX_HTML_TAGS, for XML expat cannot read: every `<` and every reference to one that
    feedparser's lenient parser makes a tag (`&lt;`, `&LT`, `&#60;`, `&#x3c;`; the entries'
    own tags too, a few each); None when they never do before `end`; SourceError when they
    pass it before the first entry (the channel's HTML, or a feed without entries)."""
    if _tags(data, 0, end) <= MAX_HTML_TAGS:  # cheap first: C counts
        return None
    total = _tags(data, 0, starts[0] if starts else end)
    if total > MAX_HTML_TAGS:
        line = data.count(b"\n", 0, starts[0] if starts else end) + 1
        fix = (
            "its publisher has to fix the feed"
            if shown.startswith(("http://", "https://"))
            else "shorten the channel's description"
        )
        raise SourceError(
            f"{shown}:{line}: its HTML holds more than {MAX_HTML_TAGS:,} tags outside its "
            f"entries, which would take minutes to check; refused: {fix}"
        )
    for number, start in enumerate(starts):
        stop = starts[number + 1] if number + 1 < len(starts) else end
        total += _tags(data, start, min(stop, end))
        if total > MAX_HTML_TAGS:
            return number
    return None


# What feedparser's lenient parser reads as a `<` besides itself: `&lt` in any case, with
# or without its `;`, and the numeric references (29 to 39 s of 10 MB of `&#60;span…` read
# before the feed was refused for its bare `&`, uncounted).
_LESS_THAN_REFERENCE = re.compile(rb"&(?:lt|#0*60(?![0-9])|#x0*3c(?![0-9a-f]))", re.IGNORECASE)


_GREATER_THAN_REFERENCE = re.compile(rb"&(?:gt|#0*62(?![0-9])|#x0*3e(?![0-9a-f]));?", re.I)


def _tags(data: bytes, start: int, end: int) -> int:
    """The tags of `data[start:end]` as the lenient parser makes them, and their weight."""
    region = data[start:end]
    if b"&" in region:
        region = _LESS_THAN_REFERENCE.sub(b"<", region)
        region = _GREATER_THAN_REFERENCE.sub(b">", region)
    return region.count(b"<") + markup_weight(region.decode("latin-1"))


def _too_many_elements(shown: str, line: int) -> SourceError:
    fix = (
        "its publisher has to fix the feed"
        if shown.startswith(("http://", "https://"))
        else "keep its newest entries only (a digest reads a few dozen)"
    )
    return SourceError(
        f"{shown}:{line}: more than {MAX_ELEMENTS:,} XML elements before its "
        f"{MAX_ENTRIES + 1:,}th entry (a thousand entries hold about 12,000), which "
        f"would take minutes to read; refused: {fix}"
    )


def _named(name: str) -> str:
    """An entity's name as a message shows it: the feed chose it, so it is cut short."""
    return shown_safely(name, ECHOED)


def _fix(shown: str) -> str:
    if shown.startswith(("http://", "https://")):
        return "its publisher has to fix the feed (or save a fixed copy and name that file)"
    return "remove the DOCTYPE's [ … ] declarations (a feed needs none)"
