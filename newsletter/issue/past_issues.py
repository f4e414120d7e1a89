"""Read what the workspace's earlier issues carried, for memory across issues.

Every folder of issues/ with an issue.toml dated before the issue being built, or on the same
day under another id, is an earlier issue (folders starting with "." are a build in progress and
skipped, and so is the issue being rebuilt).  The same day counts: an issue sent this morning
and built again under another id (`--id`, as the "already sent" refusal suggests) is last
issue's news, not this one's: without it every story it carried came back, none listed.
Only what memory needs is read: the lead's title, URL and body (the fuller account of the story
a later lead may follow), every card's and headline's title and URL, each card's summary (the
opening its readers saw: a story under a like title over a new one is a new development), and
the editor's note's body.  A manifest that cannot be read
stops the build with its path, as any bad input does: skipping it silently would bring its
headlines back.

Speed: tomllib takes about 1 ms for one manifest, 180-440 ms for 200 past issues, four times
the budget of the whole lookup (bench/bench_issue_readers.py).  A manifest in the shape the
build writes it (manifest.py: one `key = value` a line, strings as the writer quotes them) is
read by a line scanner in 19-34 ms; any line the scanner does not know (a hand edit in another
TOML style) sends that manifest to tomllib, so an edited manifest is read exactly as TOML
says.  tests/test_memory.py and tests/test_manifest_roundtrip.py (Hypothesis) check that the
scanner reads what tomllib reads.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from newsletter.assemble.memory import PastIssue
from newsletter.config import LimitsSettings
from newsletter.control_chars import control_character, quoted, without_invisibles
from newsletter.errors import ManifestError, display_path
from newsletter.issue.manifest import ISSUE_ID, MANIFEST_NAME
from newsletter.toml_lines import parse_toml

TEXT_BYTES = LimitsSettings().text_bytes  # the default of `limits.text_bytes`


def read_past_issues(
    issues_dir: Path, before: dt.date, skip: str | None = None, *, text_bytes: int = TEXT_BYTES
) -> list[PastIssue]:
    """The issues in `issues_dir` dated on or before `before`, except the one with id `skip`;
    one holding a text over `text_bytes` (`limits.text_bytes`) is refused (`_check`)."""

    try:
        with os.scandir(issues_dir) as entries:
            names = sorted(e.name for e in entries if not e.name.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ManifestError(
            f"{display_path(issues_dir)}: cannot list ({e.strerror}); check the folder"
        ) from None
    past = []
    base = str(issues_dir)
    for name in names:
        file = os.path.join(base, name, MANIFEST_NAME)  # plain strings: pathlib costs 200 x
        try:
            with open(file, encoding="utf-8") as f:
                text = f.read()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except (OSError, UnicodeDecodeError) as e:
            path = Path(file)
            raise ManifestError(
                f"{display_path(path)}: cannot read this earlier issue ({e}); fix or move it"
            ) from None
        issue = _scanned(text) or _past_issue(Path(file), text)
        _check(issue, Path(file), text_bytes)
        if issue.date <= before and issue.id != skip:
            past.append(issue)
    return past


def _check(issue: PastIssue, path: Path, text_bytes: int) -> None:
    """Refuse, naming the file and key, what the build would carry out of an earlier issue
    but could never have written: an id that is no issue id (`../../x`: it becomes this
    issue's `follows` and the "Previously" link) or a control character in its text (a
    title with `\\u0000` reached this issue's "Previously" line, and MJML, which blamed the
    template), or a text over `text_bytes` (a 2 MB lead title became this issue's
    "Previously" line: 17 s, past Gmail's clip; 10 MB, 74 s and an error blaming the
    template).  Both paths read it so: the scanner takes a raw control character tomllib
    refuses."""
    shown = display_path(path)
    if not ISSUE_ID.match(issue.id):
        raise ManifestError(
            f"{shown}: id: {quoted(issue.id)} is no issue id (letters, digits, '.', '-' or "
            "'_'); fix it or move it out of issues/"
        )
    texts = [("lead.title", issue.lead_title), ("note.body", issue.note)]
    texts += [("a headline's title", title) for title, _ in issue.headlines]
    texts += [("a card's summary", summary) for _, summary in issue.card_summaries]
    texts.append(("lead.body", issue.lead_body))
    for key, text in texts:
        if len(text) > text_bytes or len(text.encode("utf-8", "surrogatepass")) > text_bytes:
            raise ManifestError(
                f"{shown}: {key}: more than limits.text_bytes ({text_bytes:,} bytes), which no "
                "issue was built with; fix it or move it out of issues/"
            )
        found = control_character(text, multiline=key == "lead.body")
        if found:
            raise ManifestError(
                f"{shown}: {key}: holds the control character {found} (not text); fix it or "
                "move it out of issues/"
            )


# The build's own shape: every line a table header, `key = value` (no multi-line value),
# a comment or blank; the keys memory needs in the order the writer puts them, their strings
# without escapes.  A manifest in any other shape is read by tomllib.
_SHAPE = re.compile(r"(?:(?:\[\[?\w+\]\]?|\w+ = (?!\"\"\"|\'\'\')[^\n]*|#[^\n]*|[ \t]*)(?:\n|\Z))*")
_PLAIN = r'"([^"\\\n]*)"'
# The lead's format, the line before its body (manifest.py writes them so).
_FORMAT = re.compile(r'\nformat = "(text|markdown)"\n')
_TOP = re.compile(rf"^id = {_PLAIN}\ndate = (\d{{4}}-\d\d-\d\d)$", re.MULTILINE)
_LEAD = re.compile(
    rf"^\[lead\]\ntitle = {_PLAIN}\ntitle_derived = (?:true|false)\n(?:url = {_PLAIN}\n)?",
    re.MULTILINE,
)
# Starting on a literal newline lets the engine skip ahead: twice as fast as "^" and MULTILINE.
_HEADLINE = re.compile(
    rf"\n\[\[(?:related|more|stories)\]\]\n(?:section = {_PLAIN}\n)?title = {_PLAIN}\n"
    rf"(?:section = {_PLAIN}\n)?(?:url = {_PLAIN}\n)?"
)

# A card's title and summary (the opening its readers saw), the lines between them its own.
_CARD = re.compile(
    rf"\n\[\[stories\]\]\ntitle = {_PLAIN}\n(?:(?![\[\n])[^\n]*\n)*?"
    r'summary = "((?:[^"\\\n]|\\.)*)"\n'
)


def _basic_string(raw: str) -> str:
    """A TOML basic string's text (its quotes off): as written, or read by tomllib when it
    holds an escape (a quotation in a card's summary)."""
    if "\\" not in raw:
        return raw
    value = tomllib.loads(f'v = "{raw}"')["v"]
    return value if isinstance(value, str) else ""


def _scanned(text: str) -> PastIssue | None:
    """A manifest in the build's own shape, read by regular expressions; None for any other
    (and for one with an editor's note, whose body tomllib reads)."""
    if "\n[note]\n" in text:
        return None
    start = text.find('\nbody = """')
    body, body_format = "", "text"
    if start >= 0:  # the lead's body: cut out whole (the writer escapes any \"\"\" inside)
        end = text.find('\n"""', start + 11)
        form = _FORMAT.match(text, text.rfind("\n", 0, start))
        if end < 0 or form is None or form.end() != start + 1:
            return None
        body, body_format = _lead_body(text[start + 1 : end + 4]), form[1]
        text = text[:start] + text[end + 4 :]
    if _SHAPE.fullmatch(text) is None or text.count("\n[lead]\n") != 1:
        return None
    top, lead = _TOP.search(text), _LEAD.search(text)
    if top is None or lead is None:
        return None
    headlines = [(title, url) for _, title, _, url in _HEADLINE.findall(text)]
    tables = sum(text.count(f"\n[[{t}]]\n") for t in ("related", "more", "stories"))
    if len(headlines) != tables:
        return None  # a headline whose title or url the writer would not have written so
    cards = _CARD.findall(text)
    if len(cards) != text.count("\n[[stories]]\n"):
        return None  # a card without its summary line: tomllib reads what it has
    try:
        day = dt.date.fromisoformat(top[2])
    except ValueError:
        return None
    return PastIssue(
        id=top[1],
        date=day,
        lead_title=_folded(lead[1]),
        # Folded as tomllib's path folds them (tests/test_manifest_roundtrip.py).
        headlines=tuple((_folded(title), url or None) for title, url in headlines),
        lead_url=lead[2] or None,
        lead_body=body,
        lead_format="markdown" if body_format == "markdown" else "text",
        card_summaries=tuple(
            (_folded(title), _folded(_basic_string(summary))) for title, summary in cards
        ),
    )


def _lead_body(line: str) -> str:
    """The lead's `body = \"\"\"\n...\n\"\"\"` as tomllib reads it: without a backslash
    (the writer escapes with one) the text between the quotes, its first newline trimmed, as
    TOML trims it; else read by tomllib (0.3 ms a body: 55 ms over 200 issues)."""
    if "\\" not in line:
        return line[len('body = """\n') : -3]
    value = tomllib.loads(line)["body"]
    return value if isinstance(value, str) else ""


def _past_issue(path: Path, text: str) -> PastIssue:
    shown = display_path(path)
    data = parse_toml(text, shown, ManifestError, kind=" in this earlier issue")
    day = data.get("date")
    if isinstance(day, dt.datetime):
        day = day.date()
    lead = data.get("lead")
    issue_id = data.get("id")
    if not isinstance(issue_id, str) or not isinstance(day, dt.date) or not isinstance(lead, dict):
        raise ManifestError(
            f"{shown}: an earlier issue needs id, date and [lead]; fix it or move it out of issues/"
        )
    headlines = []
    cards = []
    # Its cards, Related, sections and More; [[repeated]] it left out: it did not carry them.
    for section in ("stories", "related", "more"):
        for item in _tables(data.get(section, []), shown, section):
            title = _text(item, "title", shown, section)
            headlines.append((title, _url(item, shown, section)))
            summary = item.get("summary")
            if section == "stories" and isinstance(summary, str):
                cards.append((title, _folded(summary)))
    note = data.get("note")
    body = note.get("body") if isinstance(note, dict) else None
    lead_body = lead.get("body")
    return PastIssue(
        id=issue_id,
        date=day,
        lead_title=_text(lead, "title", shown, "lead"),
        headlines=tuple(headlines),
        lead_url=_url(lead, shown, "lead"),
        note=_folded(body) if isinstance(body, str) else "",
        lead_body=lead_body if isinstance(lead_body, str) else "",
        lead_format="markdown" if lead.get("format") == "markdown" else "text",
        card_summaries=tuple(cards),
    )


def _tables(items: Any, shown: str, section: str) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ManifestError(f"{shown}: {section}: write each headline as a [[{section}]] table")
    return items


def _text(item: dict[str, Any], key: str, shown: str, section: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise ManifestError(f"{shown}: {section}.{key}: must be text in quotes")
    return _folded(value)


def _folded(value: str) -> str:
    """A title or note as the manifest's reader takes it: invisible characters dropped
    (control_chars.without_invisibles) and spaces folded, so memory matches what was shown."""
    return " ".join(without_invisibles(value).split())


def _url(item: dict[str, Any], shown: str, section: str) -> str | None:
    value = item.get("url")
    if value is not None and not isinstance(value, str):
        raise ManifestError(f"{shown}: {section}.url: must be text in quotes")
    return value or None
