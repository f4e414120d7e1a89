"""CSS text split at a separator that stands outside brackets and quotes.

A style attribute's declarations end at `;` and a selector list's selectors at `,`, but not
inside `url(a;b)`, `[title="a,b"]` or a string: css_hiding reads the one, css_sheet the
other, with this one pass over the text.
"""

from __future__ import annotations


def split_outside(text: str, sep: str, brackets: str = "()") -> list[str]:
    """TEXT's parts between each SEP outside quotes and the BRACKETS (pairs of opening and
    closing characters: `"()[]"` for both kinds), unstripped; an unmatched closing one is
    passed over."""
    opening, closing = brackets[0::2], brackets[1::2]
    parts, depth, quote, start = [], 0, "", 0
    for i, c in enumerate(text):
        if quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in opening:
            depth += 1
        elif c in closing:
            depth = max(depth - 1, 0)
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
