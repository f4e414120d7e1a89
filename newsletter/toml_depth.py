"""How deeply a TOML text nests its arrays and inline tables, before tomllib reads it.

tomllib reads nested values recursively: `x = [[[[…]]]]` 5,000 deep is a RecursionError,
a traceback where the editor expects one line.  Neither newsletter.toml nor a manifest
nests more than three levels, so `too_deep` finds the first line past `MAX_DEPTH`, and its
reader refuses the file naming that line.  Brackets inside strings and comments are text.
"""

from __future__ import annotations

import re

MAX_DEPTH = 32  # arrays and inline tables inside one another; the files here use 3 at most

# What changes the depth or starts text in which brackets do not count, in one pass.
_TOKEN = re.compile(r'"""|\'\'\'|"|\'|#|[\[\]{}]')
_ENDS = {  # the rest of a string or comment, written as unrolled loops (no per-character branch)
    '"""': re.compile(r'[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.S),
    "'''": re.compile(r"[^']*(?:'(?!'')[^']*)*'''"),
    '"': re.compile(r'[^"\\\n]*(?:\\.[^"\\\n]*)*"'),
    "'": re.compile(r"[^'\n]*'"),
    "#": re.compile(r"[^\n]*"),
}


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where nesting first goes past `limit`, or None.

    A string left open ends the scan: tomllib reports that itself, with its line.
    """
    if text.count("[") + text.count("{") <= limit:
        return None  # not enough brackets to go that deep, wherever they are
    depth, at = 0, 0
    while (m := _TOKEN.search(text, at)) is not None:
        token, at = m.group(0), m.end()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return text.count("\n", 0, at) + 1
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
        else:
            end = _ENDS[token].match(text, at)
            if end is None:
                return None
            at = end.end()
    return None
