"""issues/<id>/issue.toml: everything the render needs, editable by hand.

`manifest_text` writes an Issue; `read_manifest` reads one back, checking every
value and naming the file, line and key of anything wrong.  Building from an
issue folder renders from the manifest as the editor left it: no re-ranking.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from newsletter.errors import ManifestError, display_path
from newsletter.models import FollowedIssue, Headline, Issue, Lead, RepeatedHeadline, ScoredHeadline

MANIFEST_NAME = "issue.toml"
ISSUE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_HEADER = """\
# The manifest of issue {id}: edit it, then run `newsletter build {folder}`.
# Rebuilding renders from this file as it is: nothing is re-ranked.
#  - retitle the lead or a headline; title_derived = true means the title was made
#    from the story's first sentence: check it, then set it to false;
#  - reorder headlines, delete them, or move them between [[related]] and [[more]];
#  - score and matched show why each headline was ranked where it was;
#  - [[repeated]] lists headlines an earlier issue carried (left out unless built with
#    --repeat); follows names the earlier issue whose lead this one continues.
"""


def manifest_text(issue: Issue, folder: str) -> str:
    """The manifest of an issue as TOML, with a short guide for the editor on top."""
    lines = [_HEADER.format(id=issue.id, folder=folder)]
    lines += [
        f"id = {_string(issue.id)}",
        f"date = {issue.date.isoformat()}",
        f"subject = {_string(issue.subject)}",
        f"preheader = {_string(issue.preheader)}",
        *_memory_keys(issue),
        "",
        "[lead]",
    ]
    lead = issue.lead
    lines.append(f"title = {_string(lead.title)}")
    lines.append(f"title_derived = {'true' if lead.title_derived else 'false'}")
    if lead.url:
        lines.append(f"url = {_string(lead.url)}")
    lines += [
        f"source = {_string(lead.source)}",
        f"format = {_string(lead.format)}",
        f"body = {_multiline(lead.body)}",
    ]
    for section, items in (("related", issue.related), ("more", issue.more)):
        for item in items:
            lines += ["", f"[[{section}]]", f"title = {_string(item.title)}"]
            if item.url:
                lines.append(f"url = {_string(item.url)}")
            lines.append(f"score = {item.score:.3f}")
            lines.append(f"matched = [{', '.join(map(_string, item.matched))}]")
            if item.headline.source:
                lines.append(f"source = {_string(item.headline.source)}")
            if item.merged:
                lines.append(f"also = [{', '.join(_string(h.title) for h in item.merged)}]")
    for item in issue.repeated:
        lines += ["", "[[repeated]]", f"title = {_string(item.title)}"]
        if item.url:
            lines.append(f"url = {_string(item.url)}")
        lines += [f"issue = {_string(item.issue)}", f"score = {item.score:.3f}"]
        if item.headline.source:
            lines.append(f"source = {_string(item.headline.source)}")
    return "\n".join(lines) + "\n"


def _memory_keys(issue: Issue) -> list[str]:
    """Memory across issues, top level: the earlier issue this lead follows."""
    if issue.follows is None:
        return []
    return [
        f"follows = {_string(issue.follows.id)}",
        f"follows_title = {_string(issue.follows.title)}",
    ]


def _string(value: str) -> str:
    # A JSON string with raw Unicode is a valid TOML basic string (same escapes).
    return json.dumps(value, ensure_ascii=False)


def _multiline(value: str) -> str:
    body = value.strip().replace("\\", "\\\\").replace('"""', '""\\"')
    body = "".join(c if c in "\n\t" or ord(c) >= 0x20 else f"\\u{ord(c):04x}" for c in body)
    return f'"""\n{body}\n"""'


def read_manifest(path: Path) -> Issue:
    """Read and check an issue.toml; any problem is a ManifestError with file, line and key."""
    import tomllib

    shown = display_path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ManifestError(
            f"{shown}: no manifest here; build the issue from its sources first"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{shown}: cannot read ({e}); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(f"{shown}: invalid TOML: {e}; fix that line") from None
    return _ManifestReader(shown, text).issue(data)


class _ManifestReader:
    """Checks a parsed manifest value by value, so each error names its key and line."""

    def __init__(self, shown: str, text: str) -> None:
        self.shown = shown
        self.lines = text.split("\n")

    def fail(self, key: str, why: str, table: str | None = None, index: int = 0) -> ManifestError:
        line = self._line_of(key.rsplit(".", 1)[-1].split("[")[0], table, index)
        where_ = f"{self.shown}:{line}" if line else self.shown
        return ManifestError(f"{where_}: {key}: {why}")

    def _line_of(self, key: str, table: str | None, index: int) -> int | None:
        """Best effort: the line of `key` in the index-th [table] or [[table]] (top level: None)."""
        start, seen = 0, -1
        if table is not None:
            for n, line in enumerate(self.lines):
                if re.match(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*$", line):
                    seen += 1
                    if seen == index:
                        start = n + 1
                        break
            else:
                return None
        for n in range(start, len(self.lines)):
            line = self.lines[n]
            if n > start and table is not None and line.lstrip().startswith("["):
                break
            if re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return n + 1
        return None

    def text(
        self,
        data: dict[str, Any],
        key: str,
        label: str,
        table: str | None = None,
        index: int = 0,
        required: bool = True,
    ) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail(label, "missing; add it", table, index)
            return None
        if not isinstance(value, str):
            raise self.fail(label, f"must be text in quotes, got {value!r}", table, index)
        return value

    def issue(self, data: dict[str, Any]) -> Issue:
        issue_id = self.text(data, "id", "id")
        assert issue_id is not None
        if not ISSUE_ID.match(issue_id):
            raise self.fail("id", f"'{issue_id}' must be letters, digits, '.', '-' or '_'")
        day = data.get("date")
        if isinstance(day, dt.datetime):
            day = day.date()
        if not isinstance(day, dt.date):
            raise self.fail("date", "must be a date like 2026-11-26 (no quotes)")
        lead_data = data.get("lead")
        if not isinstance(lead_data, dict):
            raise self.fail("lead", "missing [lead] table")
        return Issue(
            id=issue_id,
            date=day,
            subject=self.text(data, "subject", "subject") or "",
            preheader=self.text(data, "preheader", "preheader", required=False) or "",
            lead=self.lead(lead_data),
            related=self.headlines(data, "related"),
            more=self.headlines(data, "more"),
            repeated=self.repeated(data),
            follows=self.follows(data),
        )

    def follows(self, data: dict[str, Any]) -> FollowedIssue | None:
        issue_id = self.text(data, "follows", "follows", required=False)
        if issue_id is None:
            return None
        if not ISSUE_ID.match(issue_id):
            raise self.fail("follows", f"'{issue_id}' must be the id of an earlier issue")
        title = self.text(data, "follows_title", "follows_title", required=False)
        if not title or not title.strip():
            raise self.fail(
                "follows_title", "missing; add the earlier lead's title or delete follows"
            )
        return FollowedIssue(issue_id, " ".join(title.split()))

    def repeated(self, data: dict[str, Any]) -> tuple[RepeatedHeadline, ...]:
        items = data.get("repeated", [])
        if not isinstance(items, list):
            raise self.fail("repeated", "write each headline as a [[repeated]] table")
        result = []
        for i, item in enumerate(items):
            label = f"repeated[{i + 1}]"
            if not isinstance(item, dict):
                raise self.fail(label, "write each headline as a [[repeated]] table")
            title = " ".join(
                (self.text(item, "title", f"{label}.title", "repeated", i) or "").split()
            )
            issue_id = self.text(item, "issue", f"{label}.issue", "repeated", i) or ""
            score = item.get("score", 0.0)
            if isinstance(score, bool) or not isinstance(score, int | float):
                raise self.fail(f"{label}.score", "must be a number", "repeated", i)
            headline = Headline(
                title=title,
                url=self.url(item, f"{label}.url", "repeated", i),
                source=str(item.get("source", "")),
            )
            result.append(RepeatedHeadline(headline, issue_id, float(score)))
        return tuple(result)

    def lead(self, data: dict[str, Any]) -> Lead:
        title = (self.text(data, "title", "lead.title", "lead") or "").strip()
        if not title:
            raise self.fail("lead.title", "is empty; write the lead's title", "lead")
        body = (self.text(data, "body", "lead.body", "lead") or "").strip()
        fmt = self.text(data, "format", "lead.format", "lead", required=False) or "text"
        if fmt not in ("text", "markdown"):
            raise self.fail("lead.format", f'\'{fmt}\' must be "text" or "markdown"', "lead")
        derived = data.get("title_derived", False)
        if not isinstance(derived, bool):
            raise self.fail("lead.title_derived", "must be true or false", "lead")
        url = self.url(data, "lead.url", "lead", 0)
        source = self.text(data, "source", "lead.source", "lead", required=False) or ""
        return Lead(
            title=title, body=body, format=fmt, title_derived=derived, url=url, source=source
        )  # type: ignore[arg-type]

    def url(self, data: dict[str, Any], label: str, table: str, index: int) -> str | None:
        url = self.text(data, "url", label, table, index, required=False)
        if url is not None and not re.match(r"^https?://[^/\s]+\S*$", url.strip()):
            raise self.fail(label, f"'{url}' must be an absolute http(s) URL", table, index)
        return url.strip() if url else None

    def headlines(self, data: dict[str, Any], section: str) -> tuple[ScoredHeadline, ...]:
        items = data.get(section, [])
        if not isinstance(items, list):
            raise self.fail(section, f"write each headline as a [[{section}]] table")
        result = []
        for i, item in enumerate(items):
            label = f"{section}[{i + 1}]"
            if not isinstance(item, dict):
                raise self.fail(label, f"write each headline as a [[{section}]] table")
            title = " ".join((self.text(item, "title", f"{label}.title", section, i) or "").split())
            if not title:
                raise self.fail(f"{label}.title", "is empty", section, i)
            score = item.get("score", 0.0)
            if isinstance(score, bool) or not isinstance(score, int | float):
                raise self.fail(f"{label}.score", "must be a number", section, i)
            matched = item.get("matched", [])
            if not isinstance(matched, list) or not all(isinstance(m, str) for m in matched):
                raise self.fail(f"{label}.matched", "must be a list of words", section, i)
            also = item.get("also", [])
            if not isinstance(also, list) or not all(isinstance(m, str) for m in also):
                raise self.fail(f"{label}.also", "must be a list of titles", section, i)
            headline = Headline(
                title=title,
                url=self.url(item, f"{label}.url", section, i),
                source=str(item.get("source", "")),
            )
            result.append(
                ScoredHeadline(
                    headline, float(score), tuple(matched), tuple(Headline(title=t) for t in also)
                )
            )
        return tuple(result)
