"""Text as either database stores it: the one rule for every value handed in from outside.

A form's name, a CSV cell, a relay's reply, a bounce report's diagnostic and a send's error
all reach a table.  PostgreSQL refuses a NUL in text, and neither backend can store a lone
surrogate (the email parser's stand-in for an undecodable byte), so each such value goes
through `storable_text` before it is written: the same text is then kept by SQLite and by
PostgreSQL, and a list copied from one to the other (`db copy`) holds what it held.

What counts as a control character is control_chars.py's one-line rule (C0, DEL, C1, the
Unicode line and paragraph separators, lone surrogates and noncharacters).  An identifier
(a report's Message-ID) is not text: bounces/findings.py makes its controls `?`, not spaces,
so that it stays one token.
"""

from __future__ import annotations

from newsletter.control_chars import one_line_text

CUT = "..."  # what ends a value cut at its limit (a diagnostic of 500 characters, a name of 200)


def storable_text(text: str, limit: int | None = None) -> str:
    """`text` fit for either database: on one line, each control character (NUL included),
    lone surrogate and noncharacter made a space, runs of spaces folded to one, ends trimmed;
    longer than `limit` characters, cut to `limit` ending in `...`.

    Applying it twice gives the same text.
    """
    folded = one_line_text(text)
    if limit is None or len(folded) <= limit:
        return folded
    return folded[: limit - len(CUT)] + CUT
