"""Control characters in text an email carries: found, so the reader of a source can refuse them.

A title with a bell (U+0007), an escape (U+001B) or a C1 control character is not text:
MJML's parser stops at it, and the same character in a header would be an injection.  Each
source reader refuses one naming its file, line and field, before any template sees it.
Tabs and line breaks are text in a body, never in a one-line field.
"""

from __future__ import annotations

import re
import unicodedata

# Not text either: lone surrogates (a YAML or TOML `\uD800` escape; no encoder writes one)
# and Unicode's noncharacters (U+FFFE, U+FFFF and the like; MJML's parser stops at them).
_NOT_TEXT = "\ud800-\udfff\ufdd0-\ufdef" + "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
_ONE_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{_NOT_TEXT}]")
MULTILINE_CONTROL = re.compile(
    f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029{_NOT_TEXT}]"
)  # \t, \n: text


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character of `text` as `U+0007`, or None when it has none."""
    m = (MULTILINE_CONTROL if multiline else _ONE_LINE).search(text)
    return f"U+{ord(m.group(0)):04X}" if m else None


def without_controls(text: str) -> tuple[str, str | None]:
    """`text` with each control character (tabs and line breaks aside) made a space, and the
    first one found as `U+0007` (None: the text was clean)."""
    found = control_character(text, multiline=True)
    return (text, None) if found is None else (MULTILINE_CONTROL.sub(" ", text), found)


def control_line(text: str) -> tuple[int, str] | None:
    """The first control character of a file's text: its 1-based line and `U+0007`, or None."""
    m = MULTILINE_CONTROL.search(text)
    if m is None:
        return None
    return text.count("\n", 0, m.start()) + 1, f"U+{ord(m.group(0)):04X}"


# The most of a value an error line quotes back: enough to find it, never a screenful (a
# 1,000-character --field, a pasted token) and never the whole of something secret.
ECHOED = 60


def quoted(value: str) -> str:
    """`value` as an error line quotes it: in single quotes, at most ECHOED characters (`…`
    past them), spaces folded and control characters escaped."""
    return f"'{shown_safely(value, ECHOED)}'"


def one_line_text(text: str) -> str:
    """`text` as one line fit for any database: every control character (NUL included), lone
    surrogate and noncharacter made a space, invisible characters dropped (`without_invisibles`),
    runs of spaces folded to one, and a value that shows nothing made "".

    PostgreSQL refuses a NUL in text and both backends refuse a lone surrogate, so a value a
    form, a report or a command line hands in goes through this before it is stored.
    """
    if text.isascii() and text.isprintable():  # nothing to replace or drop: spaces only
        return " ".join(text.split())  # (a header per reader and message: 7% of a send's CPU)
    folded = " ".join(without_invisibles(_ONE_LINE.sub(" ", text)).split())
    return folded if visible(folded) else ""


def shown_safely(text: str, limit: int = 40) -> str:
    """`text` for an error message: spaces folded, control characters as `\\x07`, cut short."""
    folded = " ".join(_ONE_LINE.sub(escaped_character, text).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


def escaped_character(m: re.Match[str]) -> str:
    """The character `m` matched as an escape a terminal shows as text: `\\x07`, `\\u202e`."""
    code = ord(m.group(0))
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# Unicode's explicit directional formatting characters (UAX #9): embeddings, overrides and
# their PDF (U+202A-U+202E), isolates and their PDI (U+2066-U+2069).  Left open, one reverses
# or re-embeds the rest of its line, whatever follows it in the email: a headline after a
# title, the next card in the text part.  The marks (U+200E, U+200F, U+061C) stay: they
# only place neutral characters; so do ZWJ and ZWNJ (emoji, Indic and Persian text need
# them).  Arabic and Hebrew letters carry their own direction and render right without any.
_BIDI_CLASS = "\u202a-\u202e\u2066-\u2069"
_BIDI_FORMATTING = re.compile(f"[{_BIDI_CLASS}]")

# Invisible: the one definition every cleaned text uses (titles, summaries, bodies, outlet
# names, tags, readers' names, merge values, the Subject).  Unicode's default-ignorable code
# points (they draw nothing) and the blank letters spoofers use for "nothing" (Hangul fillers
# U+3164, U+FFA0, U+115F, U+1160; U+2800 braille blank), in two groups:
#
# - dropped wherever they are: the bidi formatting above; the soft hyphen (U+00AD), the
#   combining grapheme joiner (U+034F), Khmer's inherent vowels (U+17B4, U+17B5), the
#   Mongolian vowel separator (U+180E), the zero-width space (U+200B), the whole of
#   U+2060-U+206F (word joiner, invisible operators, isolates, deprecated format characters
#   and the unassigned U+2065), the BOM (U+FEFF), the Hangul fillers, unassigned specials
#   (U+FFF0-U+FFF8), shorthand format controls (U+1BCA0-U+1BCA3), musical formatting
#   (U+1D173-U+1D17A) and the whole of U+E0000-U+E0FFF (tag characters and the unassigned
#   default-ignorables) but the variation selectors, except in an emoji flag's tag sequence
#   (England's flag: U+1F3F4, tags, U+E007F);
# - kept inside text, but no text on their own: ZWNJ and ZWJ (U+200C, U+200D), the marks
#   (U+200E, U+200F, U+061C), variation selectors (U+FE00-U+FE0F, U+E0100-U+E01EF) and
#   Mongolian's free variation selectors (U+180B-U+180D, U+180F).  A name made of these
#   only is empty (`visible`).
#
# The braille blank (U+2800) is a space.
DROPPED_CLASS = (  # for a [...] of the invisible characters text never keeps
    _BIDI_CLASS
    + "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u2060-\u206f"
    + "\u3164\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    + "\U000e0000-\U000e00ff\U000e01f0-\U000e0fff"
)
_SHAPING_CLASS = "\u061c\u180b-\u180d\u180f\u200c-\u200f\ufe00-\ufe0f\U000e0100-\U000e01ef"
INVISIBLE_CLASS = DROPPED_CLASS + _SHAPING_CLASS  # for a [...] of every invisible character
# An emoji flag's tag sequence as UTS #51 writes one: the black flag, a subdivision code in
# tag letters (two letters, then one to four letters or digits: `gbeng`) and the cancel tag.
# Any 32 tags were kept: a "flag" carried 28 letters of hidden text (`ignore previous
# instructions` in tag characters) into headlines, the text part and the Subject.
FLAG_TAGS = (
    "\U0001f3f4[\U000e0061-\U000e007a]{2}[\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,4}"
    "\U000e007f"
)
# What no terminal or log line shows raw: control characters but tab and line break, line
# separators, the invisible characters text never keeps and the bidi marks (on a line they
# move its punctuation), which reorder or hide text (for a [...]; FLAG_TAGS kept apart).
UNSHOWN_CLASS = (
    "\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u200e\\u200f\\u061c" + DROPPED_CLASS
)
# A run of dropped characters with the spaces either side of it: "a \u202e b" is "a b".
_DROPPED_RUN = re.compile(f"({FLAG_TAGS})|( ?)[{DROPPED_CLASS}]+( ?)")
_ANY_INVISIBLE = re.compile(f"[{INVISIBLE_CLASS}\u2800]")


def without_bidi_formatting(text: str) -> str:
    """`text` without embeddings, overrides, isolates and their terminators (marks kept).

    All of them go, balanced or not: later stages cut and rejoin source text (a title derived
    from a body's first sentence, a summary cut near 30 words, the text part wrapped), so a
    pair balanced where it was read need not stay balanced where it is shown.
    """
    return _BIDI_FORMATTING.sub("", text) if _BIDI_FORMATTING.search(text) else text


def _dropped(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1)  # an emoji flag's tag sequence: the flag itself
    return " " if m.group(2) or m.group(3) else ""


def without_invisibles(text: str) -> str:
    """`text` without the invisible characters that have no use in it (bidi formatting
    included; joiners, marks and variation selectors kept), the braille blank made a space.

    A run of them between two spaces leaves one space, never two; tabs and line breaks are
    left as they are.  A clean text comes back as the same object.
    """
    if not _ANY_INVISIBLE.search(text):
        return text
    return _DROPPED_RUN.sub(_dropped, text.replace("\u2800", " "))


# Private-use characters (U+E000-U+F8FF, planes 15 and 16): no character Unicode assigns, only
# what a vendor or a font puts there: U+F8FF is Apple's logo on Apple devices and a box on
# every other, an icon font's glyph in one page is a box in the email.  Text the sources keep
# drops them with the invisible characters (`source_text`); a reader's name, a relay's words
# and the terminal are left as they are.
PRIVATE_USE_CLASS = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_SOURCE_DROPPED_RUN = re.compile(f"({FLAG_TAGS})|( ?)[{DROPPED_CLASS}{PRIVATE_USE_CLASS}]+( ?)")
_ANY_PRIVATE_USE = re.compile(f"[{PRIVATE_USE_CLASS}]")


# Marks stacked on one letter: nonspacing and enclosing marks (categories Mn, Me) are drawn
# over or under their letter, so hundreds of them ("Zalgo" text, a Thai tone mark 200 times)
# draw over the lines above and below: other headlines, the unsubscribe link.  No script
# writes more than a few on one letter (Vietnamese 2, polytonic Greek 3, a Tibetan stack or
# Hebrew with its cantillation about 5); the sources keep at most MARKS_STACKED in a row.
MARKS_STACKED = 8
# Marks are neither word characters nor blanks to `re`: a run of them is found in C, and
# only such a run is read character by character.
_NON_WORD_RUN = re.compile(f"[^\\w\\s]{{{MARKS_STACKED + 1},}}")


def _marks_cut(m: re.Match[str]) -> str:
    kept, stacked = [], 0
    for char in m.group(0):
        stacked = stacked + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if stacked <= MARKS_STACKED:
            kept.append(char)
    return "".join(kept)


def marks_stacked(text: str) -> str:
    """`text` with at most MARKS_STACKED nonspacing or enclosing marks in a row (the rest of
    a run dropped).  A text without such a run comes back as the same object."""
    return _NON_WORD_RUN.sub(_marks_cut, text) if _NON_WORD_RUN.search(text) else text


def source_text(text: str) -> str:
    """`text` as the sources keep it (titles, bodies, summaries, outlets, tags): without the
    invisible characters `without_invisibles` drops, nor private-use characters; a run of
    them between two spaces leaves one space; at most MARKS_STACKED marks on a letter.  A
    clean text comes back as the same object."""
    text = marks_stacked(text)
    if not _ANY_PRIVATE_USE.search(text):
        return without_invisibles(text)
    return _SOURCE_DROPPED_RUN.sub(_dropped, text.replace("\u2800", " "))


def visible(text: str) -> bool:
    """True when `text` shows something: not only spaces and invisible characters (a name
    made of a zero-width joiner, a soft hyphen or a Hangul filler shows nothing)."""
    return bool(_ANY_INVISIBLE.sub("", text).strip())


_LOG_UNSHOWN = re.compile(f"({FLAG_TAGS})|[\\t\\n{UNSHOWN_CLASS}]")
LOGGED = 200  # the most of a request's own text (its path) a log line quotes


def log_safe(text: str, limit: int = LOGGED) -> str:
    """`text` for one log line: every character `UNSHOWN_CLASS` names, tab and line break too,
    escaped (`\\x0a`, `\\x1b`, `\\u202e`), and cut at `limit` characters (`…`).  A request's
    path, decoded by the server, can hold any of them: raw, it wrote forged lines into the
    log and escape sequences to whoever tails it."""
    shown = _LOG_UNSHOWN.sub(lambda m: m.group(1) or escaped_character(m), text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
