"""Headlines that never break inside a figure: a score, a range, a season ("117-112",
"2024-25", "6-4") stays on one line.

A browser may break a line after any hyphen, so on a phone "Heat beat Celtics 117-" ended a
line and "112" began the next (a new user's week, at 375 px).  `unbroken` escapes a title
for HTML and keeps each run of digits joined by hyphens or dashes in a `white-space: nowrap`
span: inline, as every mail program keeps it (a class would need the stylesheet premailer
inlines; a non-breaking hyphen, U+2011, is missing from many fonts and shows as a box).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# A figure starts where a run of digits does: tried from every digit of a run with no hyphen
# after it, `\d+` was the square of the run (a 20,000-digit title in issue.toml: 11 s).
_FIGURE = re.compile(r"(?<!\d)\d+(?:[-–]\d+)+")


def unbroken(title: object) -> Markup:
    """`title` escaped for HTML, each figure with a hyphen or dash in it kept on one line."""
    return Markup(
        _FIGURE.sub(
            lambda m: f'<span style="white-space:nowrap">{m.group()}</span>', str(escape(title))
        )
    )


FILTERS = (("unbroken", unbroken),)
