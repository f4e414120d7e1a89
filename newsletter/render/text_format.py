"""Plain-text formatting: Jinja filters for the text template and its final tidy-up."""

from __future__ import annotations

import datetime as dt
import re
import textwrap

TEXT_WIDTH = 78


def wrap(text: str, width: int = TEXT_WIDTH, indent: str = "", first: str | None = None) -> str:
    """Fold a paragraph at `width` columns; URLs and other long words are never broken."""
    return textwrap.fill(
        " ".join(str(text).split()),
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def underline(text: str, char: str = "=") -> str:
    """A rule as long as the text's longest wrapped line."""
    longest = max((len(line) for line in wrap(text).split("\n")), default=0)
    return char * max(longest, 3)


def labelled_url(url: str, label: str, width: int = TEXT_WIDTH) -> str:
    """`label: url` on one line when it fits in `width` columns, else the URL alone under the
    label: a URL is never broken, so only the label can move to keep the line foldable."""
    line = f"{label}: {url}"
    return line if len(line) <= width else f"{label}:\n{url}"


def long_date(value: dt.date) -> str:
    """26 November 2026: unambiguous in every locale, no zero padding."""
    return f"{value.day} {value.strftime('%B %Y')}"


SIGNATURE = "-- "  # RFC 3676's signature delimiter: mail programs fold or grey what follows


def tidy_text(text: str) -> str:
    """Strip trailing spaces (not the signature delimiter's), collapse runs of blank lines,
    end with one newline."""
    lines = [line if line == SIGNATURE else line.rstrip() for line in text.strip("\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


FILTERS = (
    ("wrap", wrap),
    ("underline", underline),
    ("long_date", long_date),
    ("labelled_url", labelled_url),
)
