"""Control characters in text an email carries: found, so the reader of a source can refuse them.

A title with a bell (U+0007), an escape (U+001B) or a C1 control character is not text:
MJML's parser stops at it, and the same character in a header would be an injection.  Each
source reader refuses one naming its file, line and field, before any template sees it.
Tabs and line breaks are text in a body, never in a one-line field.
"""

from __future__ import annotations

import re

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
    surrogate and noncharacter made a space, and runs of spaces folded to one.

    PostgreSQL refuses a NUL in text and both backends refuse a lone surrogate, so a value a
    form, a report or a command line hands in goes through this before it is stored.
    """
    return " ".join(_ONE_LINE.sub(" ", text).split())


def shown_safely(text: str, limit: int = 40) -> str:
    """`text` for an error message: spaces folded, control characters as `\\x07`, cut short."""
    folded = " ".join(_ONE_LINE.sub(escaped_character, text).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


def escaped_character(m: re.Match[str]) -> str:
    """The character `m` matched as an escape a terminal shows as text: `\\x07`, `\\u202e`."""
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Unicode's explicit directional formatting characters (UAX #9): embeddings, overrides and
# their PDF (U+202A-U+202E), isolates and their PDI (U+2066-U+2069).  Left open, one reverses
# or re-embeds the rest of its line, whatever follows it in the email: a headline after a
# title, the next card in the text part.  The marks (U+200E, U+200F, U+061C) stay: they
# only place neutral characters; so do ZWJ and ZWNJ (emoji, Indic and Persian text need
# them).  Arabic and Hebrew letters carry their own direction and render right without any.
_BIDI_FORMATTING = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_bidi_formatting(text: str) -> str:
    """`text` without embeddings, overrides, isolates and their terminators (marks kept).

    All of them go, balanced or not: later stages cut and rejoin source text (a title derived
    from a body's first sentence, a summary cut near 30 words, the text part wrapped), so a
    pair balanced where it was read need not stay balanced where it is shown.
    """
    return _BIDI_FORMATTING.sub("", text) if _BIDI_FORMATTING.search(text) else text
