"""Headlines that never break inside a figure: a score, a range, a season ("117-112",
"2024-25", "6-4") stays on one line, and so does a hyphenated name with a figure or a single
letter in it ("H-1B", "COVID-19", "F-35", "X-ray").

A browser may break a line after any hyphen, so on a phone "Heat beat Celtics 117-" ended a
line and "112" began the next (a new user's week, at 375 px).  `unbroken` escapes a title
for HTML and keeps each run of digits joined by hyphens or dashes, and each hyphenated word
with a digit or a one-letter part (the sample's "H-" ended a line before "1B"), in a
`white-space: nowrap` span; "well-known" or "Biden-era" may still break at its hyphen, as
print does: inline, as every mail program keeps it (a class would need the stylesheet premailer
inlines; a non-breaking hyphen, U+2011, is missing from many fonts and shows as a box).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A joined word starts where a word does: tried from every letter of a word with no hyphen
# after it, `\w+` was the square of its length (20,000 digits in a title in issue.toml: 11 s).
_JOINED = re.compile(r"(?<!\w)\w+(?:[-–]\w+)+")


def _kept_whole(word: str) -> bool:
    """A figure ("6-4"), or a hyphenated word with a digit or a one-letter part ("H-1B")."""
    return any(c.isdigit() for c in word) or any(len(p) == 1 for p in re.split("[-–]", word))


def unbroken(title: object) -> Markup:
    """`title` escaped for HTML, each figure or name with a hyphen in it kept on one line."""
    text, parts, at = str(title), [], 0
    for m in _JOINED.finditer(text):
        if _kept_whole(m.group()):
            parts += [escape(text[at : m.start()]), _nowrap(m.group())]
            at = m.end()
    return Markup("".join(map(str, [*parts, escape(text[at:])])))


def _nowrap(word: str) -> str:
    return f'<span style="white-space:nowrap">{escape(word)}</span>'


FILTERS = (("unbroken", unbroken),)
