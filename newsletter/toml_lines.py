"""Where a key sits in a TOML text, so an error about a setting can name its line.

tomllib gives values, not positions.  A settings error names its key the way the editor reads
it (`related`, `smtp.port`, `sections[2].name`, a table `[brand]`); this finds the line that
key was written on by reading the text's table headers and `key =` lines, which is all a
settings file holds.  Not a TOML parser: a key it cannot place (a multi-line value's inside,
an inline table) gives None and the error keeps its key without a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from newsletter.control_chars import quoted
from newsletter.errors import NewsletterError
from newsletter.toml_depth import MAX_DEPTH, too_deep

_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""\s*("?)([A-Za-z0-9_.\-]+)\1\s*=""")
_PATH = re.compile(r"([A-Za-z0-9_\-]+)(?:\[(\d+)\])?(?:\.([A-Za-z0-9_.\-]+))?$")


def key_line(text: str, path: str) -> int | None:
    """The 1-based line of `path` in `text`: `key`, `table.key`, `table[n].key` (the n-th
    `[[table]]`, from 1) or a table's name (its header); None when it is not written there."""
    m = _PATH.match(path)
    if m is None:
        return None
    first, index, rest = m.group(1), int(m.group(2) or 0), m.group(3)
    table, seen = "", 0  # the table the lines are in, and which [[first]] it is
    header_line: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            table = header.group(2).strip()
            seen += table == first and header.group(1) == "[["
            if rest is None and table == first and index in (0, seen) and header_line is None:
                header_line = number
        elif key := _KEY.match(line):
            name = key.group(2)
            if index and (table, seen, name) == (first, index, rest):
                return number
            if not index and (f"{table}.{name}" if table else name) == path:
                return number
    return header_line


def with_line(message: str, shown: str, text: str) -> str:
    """`newsletter.toml: smtp.port: …` as `newsletter.toml:41: smtp.port: …` when the key is
    found in `text`; the message as it was otherwise."""
    prefix = f"{shown}: "
    if not message.startswith(prefix):
        return message
    rest = message[len(prefix) :]
    unknown = re.match(r"(?:([A-Za-z0-9_.\-\[\]]+): )?unknown key '([^']+)'", rest)
    bracketed = re.match(r"\[([A-Za-z0-9_\-]+)\]", rest)
    if unknown:  # `unknown key 'k'` at the top, `smtp: unknown key 'k'` in a table
        path = ".".join(p for p in unknown.groups() if p)
    elif bracketed:
        path = bracketed.group(1)
    else:
        path = re.split(r"[:\s(]", rest, maxsplit=1)[0]
    line = key_line(text, path)
    return message if line is None else f"{shown}:{line}: {rest}"


def parse_toml(
    text: str,
    shown: str,
    error: Callable[[str], NewsletterError],
    *,
    kind: str = "",
    nesting: str = "",
) -> dict[str, Any]:
    """`text` as tomllib reads it, its depth measured first (tomllib recurses): one nested too
    deep or not TOML raises `error` naming `shown:line` and what to do.  `kind` follows the
    problem (" in this earlier issue"); `nesting` says how deep the file's own kind nests.
    newsletter.toml, an issue.toml and an earlier issue's are read through it."""
    import tomllib  # 2 ms: `--help`, and commands that read no TOML, are spared

    if (deep := too_deep(text)) is not None:
        too_far = f"nested more than {MAX_DEPTH} levels deep{kind}"
        raise error(f"{shown}:{deep}: {too_far}; {nesting}fix that line")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        advice = toml_error_advice(e, text)
        raise error(
            f"{shown}:{toml_error_line(e, text)}: invalid TOML{kind}: {e}; {advice}"
        ) from None


def toml_error_line(error: Exception, text: str) -> int:
    """The line a tomllib error is on: its `at line N`, or the text's last line for one found
    "at end of document" (an unclosed `[[table` or string), so the error can say `file:line`."""
    m = re.search(r"at line (\d+)", str(error))
    return int(m.group(1)) if m else max(1, len(text.splitlines()))


def toml_error_advice(error: Exception, text: str) -> str:
    """What to do about a tomllib error: for a key written twice (tomllib says "Cannot
    overwrite a value"), where it was first set; else "fix that line"."""
    if "Cannot overwrite a value" in str(error):
        line = toml_error_line(error, text)
        lines = text.splitlines()
        key = _KEY.match(lines[line - 1]) if 0 < line <= len(lines) else None
        table = ""
        for above in lines[: line - 1]:
            if header := _HEADER.match(above):
                table = header.group(2).strip() if header.group(1) == "[" else "\0"
        if key is not None and table != "\0":  # an array of tables: no single place to name
            path = f"{table}.{key.group(2)}" if table else key.group(2)
            first = key_line(text, path)
            if first is not None and first < line:
                return f"{quoted(path)} is already set at line {first}: keep one of the two"
    return _slip_advice(str(error), text) or "fix that line"


# A bare word where a value goes (`more_headlines = yes`, `name = My Brief`) and a string
# whose closing quote is missing are an editor's usual slips; tomllib calls them "Invalid
# value" and "Illegal character '\n'", which say nothing to someone who does not write TOML.
_BARE_WORD = re.compile(r"""\s*[A-Za-z0-9_.\-"]+\s*=\s*([A-Za-z][^#"'\[{]*?)\s*(?:#.*)?$""")
_YES_NO = frozenset({"yes", "no", "on", "off", "y", "n", "True", "False", "TRUE", "FALSE"})


def _slip_advice(error: str, text: str) -> str:
    """Advice for a bare word as a value or a string left open, from the line tomllib named;
    "" for any other error."""
    m = re.search(r"at line (\d+)", error)
    lines = text.splitlines()
    if m is None or not 0 < int(m.group(1)) <= len(lines):
        return ""
    line = lines[int(m.group(1)) - 1]
    if error.startswith("Illegal character '\\n'") and line.count('"') % 2 == 1:
        return 'the closing " of its text is missing: end the text on that line with "'
    if error.startswith("Invalid value") and (bare := _BARE_WORD.match(line)):
        word = bare.group(1)
        if word in _YES_NO:
            return f"write true or false (lower case, no quotes) instead of {word}"
        return f'text goes in quotes: "{word}"'
    return ""
