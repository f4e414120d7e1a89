"""What the editor changed in earlier issues' rankings: the build's record against issue.toml now.

A build from the sources writes `.built-ranking.json` beside the manifest: the cut it made
(the concepts' share, the Related bar, Related's length), and each card, Related and More
item (sections' headlines too) with its score and the two evidences the score mixes, by a key
(its `source`, else its URL, else its title).  A re-render from the manifest never
rewrites it (the folder keeps files a build does not make), so it stays what was built; the
manifest is what the editor made of it.  The difference is the editor's choices, which
assemble/learn.py turns into this workspace's cut.

    {"version": 2, "id": "2026-W48", "bar": 0.28, "share": 0.4, "length": 8,
     "related": [["seeds/x.txt:3", 0.52, 0.61, 0.46], ...], "more": [...],
     "cards": [["stories/a.md", 0.4, 0.3, 0.47]]}

A row is [key, score, concepts' evidence, model's evidence].  Version 1 (before the
evidences were kept) has [key, score] rows and no share or length: it is still read, and
teaches the bar and the length but not the share.  A version-2 row of two items is read as
version 1's (the evidences are optional, so a later writer may leave them out).

Reading is forgiving where memory (past_issues.py) is strict: a record or a manifest that
cannot be read, or a record of another version, is skipped with a warning naming the file,
and the build goes on (learning is an aid; the issue does not depend on it).  A folder with
no record (built before learning existed, or written by hand) is skipped silently, and so
is one whose issue.toml still has the SHA-256 `.manifest-hashes` keeps for it as built (the
editor changed nothing: no TOML is parsed, so a workspace of many issues pays only for the
ones the editor edited).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from newsletter.assemble.learn import Cut, IssueEdits, judge_issue
from newsletter.errors import display_path
from newsletter.issue.guard import digest, read_record
from newsletter.issue.layout import RANKING_RECORD_NAME
from newsletter.issue.manifest import MANIFEST_NAME
from newsletter.models import Issue, ScoredHeadline, StoryCard

RECORD_VERSION = 2
READ_VERSIONS = (1, 2)  # version 1: rows without the two evidences


def item_key(source: str | None, url: str | None, title: str) -> str:
    """How an item is known across the build and the editor's manifest."""
    return source or url or " ".join(title.split()).casefold()


def ranking_record_bytes(issue: Issue, cut: Cut) -> bytes:
    """The record of the ranking as built (sorted keys: a same build writes the same bytes)."""

    def rows(items: Sequence[ScoredHeadline]) -> list[list[Any]]:
        return [
            [item_key(h.headline.source, h.url, h.title), h.score, *(h.parts or ())] for h in items
        ]

    def cards(items: Sequence[StoryCard]) -> list[list[Any]]:
        return [[item_key(c.source, c.url, c.title), c.score] for c in items]

    more = [*issue.more, *(h for s in issue.sections for h in s.headlines)]
    data = {
        "version": RECORD_VERSION,
        "id": issue.id,
        "bar": cut.bar,
        "share": cut.share,
        "length": cut.length,
        "related": rows(issue.related),
        "more": rows(more),
        "cards": cards((*issue.stories, *(c for s in issue.sections for c in s.stories))),
    }
    return (json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def without_evidences(issue: Issue) -> Issue:
    """The issue as its manifest holds it: the two evidences of each score (`parts`) are the
    ranking record's, not the manifest's, so the issue a build goes on with is the one a
    re-render reads back."""

    def strip(items: Sequence[ScoredHeadline]) -> tuple[ScoredHeadline, ...]:
        return tuple(
            h._replace(parts=None, merged_scored=strip(h.merged_scored))
            if h.parts or h.merged_scored
            else h
            for h in items
        )

    return replace(
        issue,
        related=strip(issue.related),
        more=strip(issue.more),
        sections=tuple(replace(s, headlines=strip(s.headlines)) for s in issue.sections),
    )


def read_editor_edits(
    issues_dir: Path, before: dt.date, skip: str | None = None
) -> tuple[tuple[IssueEdits, ...], tuple[str, ...]]:
    """The edits of every earlier issue (dated before `before`, not `skip`) that has a record,
    oldest first; and a warning for each one that could not be read."""
    try:
        names = sorted(e.name for e in os.scandir(issues_dir) if not e.name.startswith("."))
    except OSError:
        return (), ()
    found: list[tuple[dt.date, IssueEdits, str]] = []
    warnings: list[str] = []
    for name in names:
        folder = issues_dir / name
        record = folder / RANKING_RECORD_NAME
        if not record.is_file() or _as_built(folder):
            continue
        try:
            day, edits = _read_one(record, folder / MANIFEST_NAME)
        except _Unreadable as e:
            warnings.append(f"{e}; not learnt from (the build goes on)")
            continue
        if day < before and edits.issue != skip:
            found.append((day, edits, name))
    kept = _once_each(found, issues_dir, warnings)
    kept.sort(key=lambda entry: (entry[0], entry[1].issue))
    return tuple(edits for _, edits, _ in kept), tuple(warnings)


def _once_each(
    found: list[tuple[dt.date, IssueEdits, str]], issues_dir: Path, warnings: list[str]
) -> list[tuple[dt.date, IssueEdits, str]]:
    """One folder per issue id: the one named as the issue, else the first by name.  A copy
    (a backup `cp -r`, or a manifest claiming another issue's id) would count the same edits
    again, and copies confirm each other out of sample: one edited issue would move the cut."""
    by_issue: dict[str, list[tuple[dt.date, IssueEdits, str]]] = {}
    for entry in found:
        by_issue.setdefault(entry[1].issue, []).append(entry)
    kept = []
    for issue, entries in by_issue.items():
        entries.sort(key=lambda entry: (entry[2] != issue, entry[2]))
        kept.append(entries[0])
        if len(entries) > 1:
            extra = [display_path(issues_dir / entry[2]) for entry in entries[1:]]
            warnings.append(
                f"{', '.join(extra[:3])}{' …' if len(extra) > 3 else ''}: issue {issue} again "
                f"(as {display_path(issues_dir / entries[0][2])}); its edits are learnt from once"
            )
    return kept


def _as_built(folder: Path) -> bool:
    """True when issue.toml is byte for byte what the build wrote (.manifest-hashes): the
    editor changed nothing, so there is nothing to learn and no TOML to parse."""
    built = read_record(folder).get("built")
    try:
        return built is not None and digest((folder / MANIFEST_NAME).read_bytes()) == built
    except OSError:
        return False


class _Unreadable(Exception):
    """A record or manifest the learner cannot read: its message names the file."""


def _read_one(record: Path, manifest: Path) -> tuple[dt.date, IssueEdits]:
    shown = display_path(record)
    try:
        built = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise _Unreadable(f"{shown}: cannot read the ranking as built ({e})") from None
    except RecursionError:  # nested thousands deep: no build writes that
        raise _Unreadable(f"{shown}: nested too deeply to read") from None
    if not isinstance(built, dict) or built.get("version") not in READ_VERSIONS:
        raise _Unreadable(f"{shown}: a ranking record of an unknown version")
    try:
        now = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise _Unreadable(f"{display_path(manifest)}: cannot read ({e})") from None
    except RecursionError:  # tomllib recurses into nested arrays
        raise _Unreadable(f"{display_path(manifest)}: nested too deeply to read") from None
    day = now.get("date")
    if isinstance(day, dt.datetime):
        day = day.date()
    issue_id = now.get("id")
    if not isinstance(day, dt.date) or not isinstance(issue_id, str):
        raise _Unreadable(f"{display_path(manifest)}: no id or date")
    parts: dict[str, tuple[float, float]] = {}
    try:
        related, more, cards = (_rows(built, k, parts) for k in ("related", "more", "cards"))
        float(built["bar"])
    except (KeyError, TypeError, ValueError):
        raise _Unreadable(f"{shown}: not in the shape a build writes") from None
    edits = judge_issue(
        issue_id,
        related,
        more,
        set(_keys(now.get("related"))),
        cards=([k for k, _ in cards], _keys(now.get("stories"))),
        parts=parts,
    )
    return day, edits


def _rows(
    built: dict[str, Any], name: str, parts: dict[str, tuple[float, float]]
) -> list[tuple[str, float]]:
    """A record's rows as (key, score); the evidences of rows that keep them go to `parts`."""
    rows = built[name]
    if not isinstance(rows, list):
        raise TypeError(name)
    found = []
    for row in rows:
        if not isinstance(row, list) or len(row) not in (2, 4):
            raise TypeError(name)
        key, score = str(row[0]), float(row[1])
        if len(row) == 4:
            parts[key] = (float(row[2]), float(row[3]))
        found.append((key, score))
    return found


def _keys(tables: Any) -> list[str]:
    """The keys of a manifest's [[related]] or [[stories]] now (tables not in shape: none)."""
    if not isinstance(tables, list):
        return []
    keys = []
    for item in tables:
        if isinstance(item, dict) and isinstance(item.get("title"), str):
            source, url = item.get("source"), item.get("url")
            keys.append(
                item_key(
                    source if isinstance(source, str) else None,
                    url if isinstance(url, str) else None,
                    item["title"],
                )
            )
    return keys
