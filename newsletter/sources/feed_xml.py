"""What is wrong with a feed's XML, said where it is and what to do.

feedparser reports the first error of its strict parser on the document as it rewrote it
(its DOCTYPE replaced, its encoding converted), so the line can be off and the message can
be another one than the document's own: an HTML entity like `&nbsp;` in a feed with an internal
DTD comes out as "syntax error".  Expat (the parser under feedparser's) is run again here on the
bytes as they were, only when feedparser flagged a problem, so the line is the file's and an
undefined entity is named with its fix.  Internal entities are never expanded (a default
handler is set), and expat resolves no external entity.
"""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass
from xml.parsers import expat

PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY = re.compile(rb"&([A-Za-z_][A-Za-z0-9_.-]{0,63});")
_REFERENCE = re.compile(rb"&(?:[A-Za-z_][A-Za-z0-9_.-]*|#[0-9]+|#x[0-9A-Fa-f]+);")
BOM = b"\xef\xbb\xbf"
BARE_AMPERSAND = "a bare & (as in AT&T): write it as &amp;"
FORBIDDEN_CHARACTER = (
    "a reference to a character XML forbids (a control character such as &#x1b;, a surrogate, "
    "a number past Unicode): delete it"
)


@dataclass(frozen=True, slots=True)
class XmlProblem:
    """The document's first XML error: its line, expat's message, and an undefined entity's name."""

    line: int
    message: str
    entity: str | None = None  # an undefined entity's name ("nbsp"; "" if not found), else None
    fix: str = ""  # what to do, when the error says it: a bare `&`, a forbidden character


def xml_problem(data: bytes) -> XmlProblem | None:
    """The first XML error of `data` as written, or None when it is well-formed (or in an
    encoding expat cannot read itself: feedparser's own report then stands)."""
    # Blank lines before `<?xml` (a common fault of blog feeds, after a byte-order mark or
    # not) break nothing feedparser reads: the document is judged from its first character,
    # its lines counted from the file's.
    body = data.removeprefix(BOM).lstrip(b" \t\r\n")
    skipped = data[: len(data) - len(body)].count(b"\n")
    parser = expat.ParserCreate()
    parser.DefaultHandler = lambda _text: None  # internal entities: passed on, never expanded
    try:
        parser.Parse(body, True)
    except expat.ExpatError as e:
        if e.code == expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING]:
            return None
        message = expat.ErrorString(e.code) or str(e)
        entity, fix = None, ""
        if e.code == expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
            entity = _entity_at(body, e.lineno, e.offset)
        elif e.code == expat.errors.codes[expat.errors.XML_ERROR_BAD_CHAR_REF]:
            fix = FORBIDDEN_CHARACTER
        elif e.code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN]:
            fix = BARE_AMPERSAND if _bare_ampersand(body, e.lineno, e.offset) else ""
        return XmlProblem(e.lineno + skipped, message, entity, fix)
    except (ValueError, LookupError):  # a multi-byte encoding (Shift_JIS) or a bogus name
        return None
    return None


def _bare_ampersand(data: bytes, line: int, column: int) -> bool:
    """True when the last `&` before where expat stopped starts no entity or character
    reference ("AT&T": expat stops just past the `&T`)."""
    lines = data.splitlines()
    text = lines[line - 1][: column + 1] if 0 < line <= len(lines) else b""
    at = text.rfind(b"&")
    return at >= 0 and _REFERENCE.match(lines[line - 1], at) is None


def _entity_at(data: bytes, line: int, column: int) -> str:
    """The name of the undefined entity expat stopped at (line 1-based, column 0-based)."""
    lines = data.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else b""
    found = [m for m in _ENTITY.finditer(text) if m.group(1).decode() not in PREDEFINED]
    at = [m for m in found if m.start() >= column] or found
    return at[0].group(1).decode() if at else ""


def entity_advice(name: str, shown: str) -> str:
    """What an undefined entity is, and what to do about it, for the file or URL `shown`."""
    if not name:
        return "an undefined entity (XML itself defines only &amp; &lt; &gt; &quot; &apos;)"
    code = html.entities.name2codepoint.get(name)
    kind = "an HTML entity" if code is not None else "an entity the feed never declares"
    fix = f"&#{code};" if code is not None else "a numeric reference (&#NNN;)"
    what = (
        "its publisher has to fix the feed (or save a fixed copy and name that file instead)"
        if shown.startswith(("http://", "https://"))
        else f"write it as {fix} or as the character itself"
    )
    return (
        f"undefined entity &{name}; ({kind}; XML itself defines only &amp; &lt; &gt; &quot; "
        f"&apos;): {what}"
    )
