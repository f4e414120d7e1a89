"""Control characters in text an email carries: found, so the reader of a source can refuse them.

A title with a bell (U+0007), an escape (U+001B) or a C1 control character is not text:
MJML's parser stops at it, and the same character in a header would be an injection.  Each
source reader refuses one naming its file, line and field, before any template sees it.
Tabs and line breaks are text in a body, never in a one-line field.
"""

from __future__ import annotations

import re

_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MULTILINE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # \t and \n are text


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


def shown_safely(text: str, limit: int = 40) -> str:
    """`text` for an error message: spaces folded, control characters as `\\x07`, cut short."""
    folded = " ".join(_ONE_LINE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"
