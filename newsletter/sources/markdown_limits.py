"""How much Markdown one body may hold, so that a story built to be slow cannot stall a build.

markdown-it reads CommonMark in linear time, but in pure Python, and every block, link and
mark it makes is carried on through the HTML, the CSS inliner and the plain text: 400 KB of
`1. a` lines, `*a` pairs, `<x:y>` autolinks or `![[` took 7-25 s to build.  A body is
therefore measured before it is parsed: its lines, its marks, and the other signs where the
parser stops to look (markdown-it's "terminator" characters), by counts made in C (a few
milliseconds for 1 MB).  It is refused at the line where it goes past a bound; what passes
builds in well under a second (bench/bench_markdown.py).  An email story is far inside them:
a long read of 8,000 words is about 150 lines and a few hundred marks.

Nesting has a bound too, checked on the parsed blocks: markdown-it stops reading a body nested
20 levels deep and silently drops the rest of it (a story whose lists go 10 deep lost its
ending), so quotes and lists deeper than `MAX_DEPTH` are refused instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice
from typing import Any

MAX_LINES = 2_000  # lines with text in one body: every one is a block or a line break
MAX_MARKS = 4_000  # marks that open inline syntax: links, images, emphasis, code, entities
MAX_STOPS = 20_000  # other punctuation the parser stops at: 400 KB of `a-b: ` took 2.5 s
MAX_DEPTH = 8  # quotes and lists nested in one another

_TEXT_LINE = re.compile(r"^[ \t]*[^ \t\n]", re.MULTILINE)
_MARKS = re.compile(r"[`*_\[\]!<&\\]")
_MARKS_SHOWN = "` * _ [ ] ! < & \\"
_STOPS = re.compile(r"[#$%+\-:=>@^{}~]")
_STOPS_SHOWN = "# $ % + - : = > @ ^ { } ~"
_CONTAINERS = {
    "blockquote_open": 1,
    "blockquote_close": -1,
    "list_item_open": 1,
    "list_item_close": -1,
}


def size_problem(body: str) -> tuple[int, str] | None:
    """The first bound a body goes past, before it is parsed: (0-based line, why), or None."""
    for pattern, limit, what in (
        (_TEXT_LINE, MAX_LINES, "lines of text"),
        (_MARKS, MAX_MARKS, f"Markdown marks ({_MARKS_SHOWN})"),
        (_STOPS, MAX_STOPS, f"of the signs {_STOPS_SHOWN}"),
    ):
        past = next(islice(pattern.finditer(body), limit, None), None)
        if past is not None:
            return body.count("\n", 0, past.start()), (
                f"more than {limit:,} {what} in one Markdown body; an email story has far "
                "fewer: split it, or link to the full text"
            )
    return None


def depth_problem(blocks: Iterable[Any]) -> tuple[int, str] | None:
    """The first block nested deeper than `MAX_DEPTH` quotes and lists: (0-based line, why)."""
    depth = 0
    for block in blocks:
        depth += _CONTAINERS.get(block.type, 0)
        if depth > MAX_DEPTH:
            line = block.map[0] if block.map else 0
            return line, (
                f"quotes and lists nested more than {MAX_DEPTH} deep; an email cannot show "
                "them (each level narrows the column): flatten them"
            )
    return None
