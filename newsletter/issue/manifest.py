"""issues/<id>/issue.toml: everything the render needs, editable by hand.

`manifest_text` writes an Issue; `read_manifest` reads one back, checking every
value and naming the file, line and key of anything wrong.  Building from an
issue folder renders from the manifest as the editor left it: no re-ranking.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from newsletter.config import check_text_template
from newsletter.control_chars import (
    ECHOED,
    control_character,
    quoted,
    shown_safely,
    without_invisibles,
)
from newsletter.errors import ConfigError, ManifestError, display_path
from newsletter.models import (
    BodyFormat,
    FollowedIssue,
    Headline,
    Issue,
    IssueSection,
    Lead,
    Note,
    RepeatedHeadline,
    ScoredHeadline,
    StoryCard,
)
from newsletter.sources.markdown_reading import reference_problem
from newsletter.toml_lines import parse_toml
from newsletter.web_address import AddressError, web_address

# Keys holding text readers read: their invisible characters (an override, a zero-width
# space, a filler) go when the manifest is read, as from every source's text.
_READ_TEXT = frozenset(
    {
        "subject",
        "preheader",
        "title",
        "summary",
        "body",
        "image_alt",
        "signoff",
        "source",
        "name",
        "section",
        "follows_title",
        "publisher",
    }
)

MANIFEST_NAME = "issue.toml"
_BODY_FORMATS: dict[str, BodyFormat] = {"text": "text", "markdown": "markdown"}
RECORD_NAME = ".manifest-hashes"  # what the build wrote and rendered (see issue/guard.py)
# \Z: no trailing newline.  "welcome" is the welcome email's name in the delivery journal
# (newsletter/welcome/): an issue of that name would share its rows.
ISSUE_ID = re.compile(r"\A(?!(?i:welcome)\Z)[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")

_HEADER = """\
# The manifest of issue {id}: edit it, then run `newsletter build {folder}`.
# Rebuilding renders from this file as it is: nothing is re-ranked.
#  - retitle the lead or a headline; title_derived = true means the title was made
#    from the story's first sentence: check it, then set it to false;
#  - subject and preheader are templates filled from [lead] at every build ({{title}} is
#    the lead's title, {{summary}} a sentence of [note], or of the lead's body without one):
#    retitle the lead and they follow;
#    write your own text instead and it is kept as you wrote it;
#  - reorder headlines, delete them, or move them between [[related]] and [[more]];
#  - score and matched show why each headline was ranked where it was;
#  - [note] is your word after the lead and Related (add one by hand if the sources had none);
#  - [[stories]] are the cards under the lead; edit a card's summary, or delete it;
#  - a summary under a headline is yours to edit or delete;
#  - section = "World" puts a card or a [[more]] headline under that [[sections]] heading.
#  - [[repeated]] lists headlines an earlier issue carried (left out unless built with
#    --repeat); follows names the earlier issue whose lead this one continues.
# A build from the sources never overwrites this file once you edit it (unless --force,
# which keeps your version as issue.toml.~1~).
"""

# Every key the manifest may hold, table by table: a new key is one entry here (and its
# reading below).  Anything else is an error with its line and the nearest known name.
TOP_KEYS = ("id", "date", "subject", "preheader", "follows", "follows_title")
IMAGE_KEYS = ("image", "image_alt", "image_width", "image_height")
LEAD_KEYS = (
    "title",
    "title_derived",
    "url",
    *IMAGE_KEYS,
    "summary",
    "full",
    "publisher",
    "title_from",
    "also",
    "source",
    "format",
    "body",
)
HEADLINE_KEYS = (
    "title",
    "title_derived",
    "url",
    "summary",
    "publisher",
    "outlet",
    "words",
    "score",
    "matched",
    "source",
    "also",
)
MORE_KEYS = (*HEADLINE_KEYS, "section")
NOTE_KEYS = ("body", "signoff", "source")
STORY_KEYS = (
    "title",
    "title_derived",
    "url",
    *IMAGE_KEYS,
    "summary",
    "publisher",
    "outlet",
    "words",
    "section",
    "score",
    "matched",
    "source",
    "also",
)
SECTION_KEYS = ("name",)
TABLES: dict[str, tuple[bool, tuple[str, ...]]] = {  # name: (an array of tables?, its keys)
    "note": (False, NOTE_KEYS),
    "lead": (False, LEAD_KEYS),
    "stories": (True, STORY_KEYS),
    "related": (True, HEADLINE_KEYS),
    "sections": (True, SECTION_KEYS),
    "more": (True, MORE_KEYS),
    "repeated": (True, ("title", "url", "issue", "score", "source")),
    "later": (True, ("title", "url", "date", "source")),
}


def manifest_text(
    issue: Issue, folder: str, *, subject: str | None = None, preheader: str | None = None
) -> str:
    """The manifest of an issue as TOML, with a short guide for the editor on top.

    `subject` and `preheader` are the templates they were made from (newsletter.toml's):
    written instead of their filled text, so that they follow a retitled lead.
    """
    lines = [_HEADER.format(id=issue.id, folder=folder)]
    lines += [
        f"id = {_string(issue.id)}",
        f"date = {issue.date.isoformat()}",
        f"subject = {_string(issue.subject if subject is None else subject)}",
        f"preheader = {_string(issue.preheader if preheader is None else preheader)}",
        *_memory_keys(issue),
    ]
    if issue.note is not None:
        lines += ["", "[note]", f"body = {_multiline(issue.note.body)}"]
        if issue.note.signoff:
            lines.append(f"signoff = {_string(issue.note.signoff)}")
        if issue.note.source:
            lines.append(f"source = {_string(issue.note.source)}")
    lines += ["", "[lead]"]
    lead = issue.lead
    lines.append(f"title = {_string(lead.title)}")
    lines.append(f"title_derived = {'true' if lead.title_derived else 'false'}")
    lines += _url_image_lines(lead.url, lead.image, lead.image_alt)
    lines += _size_lines(lead.image, lead.image_width, lead.image_height)
    if lead.summary:
        lines.append(f"summary = {_string(lead.summary)}")
    if lead.full:
        lines.append("full = true")
    if lead.publisher:
        lines.append(f"publisher = {_string(lead.publisher)}")
    if lead.title_from:
        # an untitled lead titled with this publisher's headline about the same event
        lines.append(f"title_from = {_string(lead.title_from)}")
    lines += _also_lines(lead.merged)  # the lead's own article from other sources
    lines += [
        f"source = {_string(lead.source)}",
        f"format = {_string(lead.format)}",
        f"body = {_multiline(lead.body)}",
    ]
    cards = (*issue.stories, *(c for s in issue.sections for c in s.stories))
    for card in cards:
        lines += _card_lines(card)
    lines += _headline_lines("related", issue.related)
    for section in issue.sections:
        lines += ["", "[[sections]]", f"name = {_string(section.name)}"]
        lines += _headline_lines("more", section.headlines, section.name)
    if issue.sections and issue.more:
        lines += ["", "# More headlines: the [[more]] below name no section"]
    lines += _headline_lines("more", issue.more)
    for item in issue.repeated:
        lines += ["", "[[repeated]]", f"title = {_string(item.title)}"]
        if item.url:
            lines.append(f"url = {_string(item.url)}")
        lines += [f"issue = {_string(item.issue)}", f"score = {item.score:.3f}"]
        if item.headline.source:
            lines.append(f"source = {_string(item.headline.source)}")
    return "\n".join([*lines, *_later_lines(issue.later)]) + "\n"


def _later_lines(later: tuple[Headline, ...]) -> list[str]:
    """[[later]]: each story left out for its date (assemble/later_stories.py)."""
    lines: list[str] = []
    if later:
        lines += [
            "",
            "# [[later]]: stories dated after this issue's date, left out: they wait for a later",
            "# issue (to carry one here, correct its date, or build with a later --date).",
        ]
    for story in later:
        lines += ["", "[[later]]", f"title = {_string(story.title)}"]
        if story.url:
            lines.append(f"url = {_string(story.url)}")
        if story.date is not None:
            lines.append(f"date = {story.date.isoformat()}")
        lines.append(f"source = {_string(story.source)}")
    return lines


def _memory_keys(issue: Issue) -> list[str]:
    """Memory across issues, top level: the earlier issue this lead follows."""
    if issue.follows is None:
        return []
    return [
        f"follows = {_string(issue.follows.id)}",
        f"follows_title = {_string(issue.follows.title)}",
    ]


def _url_image_lines(url: str | None, image: str | None, image_alt: str) -> list[str]:
    """The url, image and image_alt keys of a lead or card, each only when it has one."""
    lines = [f"url = {_string(url)}"] if url else []
    if image:
        lines += [f"image = {_string(image)}", f"image_alt = {_string(image_alt)}"]
    return lines


def _size_lines(image: str | None, width: int, height: int) -> list[str]:
    """image_width and image_height, when the image's size is known."""
    if not (image and width and height):
        return []
    return [f"image_width = {width}", f"image_height = {height}"]


def _about_lines(publisher: str, words: int, outlet: str = "") -> list[str]:
    """Who published a story, the outlet its feed entry named (as the lead's coverage counts
    it), and its length in words, each when known."""
    lines = [f"publisher = {_string(publisher)}"] if publisher else []
    lines += [f"outlet = {_string(outlet)}"] if outlet else []
    return lines + ([f"words = {words}"] if words else [])


def _card_lines(card: StoryCard) -> list[str]:
    lines = ["", "[[stories]]", f"title = {_string(card.title)}"]
    if card.title_derived:
        lines.append("title_derived = true")
    if card.section:
        lines.append(f"section = {_string(card.section)}")
    lines += _url_image_lines(card.url, card.image, card.image_alt)
    lines += _size_lines(card.image, card.image_width, card.image_height)
    lines.append(f"summary = {_string(card.summary)}")
    lines += _about_lines(card.publisher, card.words, card.outlet)
    lines.append(f"score = {card.score:.3f}")
    lines.append(f"matched = [{', '.join(map(_string, card.matched))}]")
    if card.source:
        lines.append(f"source = {_string(card.source)}")
    return lines + _also_lines(card.merged)


def _also_lines(merged: Sequence[Headline]) -> list[str]:
    """`also`: the near-duplicates folded into a line or a card, by title."""
    return [f"also = [{', '.join(_string(h.title) for h in merged)}]"] if merged else []


def _headline_lines(table: str, items: Sequence[ScoredHeadline], section: str = "") -> list[str]:
    lines: list[str] = []
    for item in items:
        lines += ["", f"[[{table}]]"]
        if section:
            lines.append(f"section = {_string(section)}")
        lines.append(f"title = {_string(item.title)}")
        if item.headline.title_derived:  # an untitled story's line: `check` asks the editor
            lines.append("title_derived = true")
        if item.url:
            lines.append(f"url = {_string(item.url)}")
        if item.headline.summary:
            lines.append(f"summary = {_string(item.headline.summary)}")
        lines += _about_lines(item.headline.publisher, item.headline.words, item.headline.outlet)
        lines.append(f"score = {item.score:.3f}")
        lines.append(f"matched = [{', '.join(map(_string, item.matched))}]")
        if item.headline.source:
            lines.append(f"source = {_string(item.headline.source)}")
        lines += _also_lines(item.merged)
    return lines


def _string(value: str) -> str:
    # A JSON string with raw Unicode is a valid TOML basic string (same escapes), but for
    # DEL, which TOML wants escaped (found by tests/test_manifest_roundtrip.py).
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _multiline(value: str) -> str:
    body = value.strip().replace("\\", "\\\\").replace('"""', '""\\"')
    body = "".join(c if c in "\n\t" or 0x20 <= ord(c) != 0x7F else f"\\u{ord(c):04x}" for c in body)
    return f'"""\n{body}\n"""'


def read_manifest(path: Path) -> Issue:
    """Read and check an issue.toml; any problem is a ManifestError with file, line and key."""
    shown = display_path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ManifestError(
            f"{shown}: no manifest here; build the issue from its sources first"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"{shown}: cannot read ({e}); save it as UTF-8") from None
    return parse_manifest(text, path)


def parse_manifest(text: str, path: Path) -> Issue:
    """The Issue in a manifest's text, read from `path` (which its errors name)."""
    shown = display_path(path)
    data = parse_toml(text, shown, ManifestError, nesting="a manifest nests three at most: ")
    return _ManifestReader(shown, text).issue(data)


class _ManifestReader:
    """Checks a parsed manifest value by value, so each error names its key and line."""

    def __init__(self, shown: str, text: str) -> None:
        self.shown = shown
        self.lines = text.split("\n")

    def fail(self, key: str, why: str, table: str | None = None, index: int = 0) -> ManifestError:
        line = self._line_of(key.rsplit(".", 1)[-1].split("[")[0], table, index)
        if line is None and table is not None:  # a missing key: point at its table
            line = self._header_line(table, index)
        return self.fail_at(line, f"{key}: {why}")

    def _header_line(self, table: str, index: int) -> int | None:
        """The line of the index-th [table] or [[table]] header."""
        seen = -1
        for n, line in enumerate(self.lines):
            if re.match(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*$", line):
                seen += 1
                if seen == index:
                    return n + 1
        return None

    def fail_at(self, line: int | None, message: str) -> ManifestError:
        where_ = f"{self.shown}:{line}" if line else self.shown
        return ManifestError(f"{where_}: {message}")

    def check_known(self, data: dict[str, Any]) -> None:
        """Every key and table must be one the manifest knows (see TABLES): a typo is an error."""
        for key, value in data.items():
            if key in TABLES:
                is_array, keys = TABLES[key]
                items = value if is_array and isinstance(value, list) else [value]
                for index, item in enumerate(items):
                    if not isinstance(item, dict):
                        continue  # the readers below say how to write it
                    for inner in item:
                        if inner not in keys:
                            label = f"{key}[{index + 1}]" if is_array else key
                            raise self.fail_at(
                                self._line_of(inner, key, index),
                                f"{label}: unknown key {quoted(inner)}{_suggest(inner, keys)}",
                            )
            elif key not in TOP_KEYS:
                table = isinstance(value, dict) or (
                    isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
                )
                line = self._line_of_table(key) if table else None
                kind = "table" if table else "key"
                raise self.fail_at(
                    line or self._line_of(key, None, 0),
                    f"unknown {kind} {quoted(key)}{_suggest(key, [*TOP_KEYS, *TABLES])}",
                )

    def _line_of_table(self, table: str) -> int | None:
        for n, line in enumerate(self.lines):
            if re.match(rf"^\s*\[\[?\s*{re.escape(table)}\s*[\].]", line):
                return n + 1
        return None

    def template(self, data: dict[str, Any], key: str) -> str:
        """A subject or preheader: text, where {title}-style fields are filled at build time."""

        value = self.text(data, key, key, required=key == "subject") or ""
        try:
            check_text_template(value, key)
        except ConfigError as e:
            raise self.fail(key, str(e).split(": ", 1)[1]) from None
        return value

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
            raise self.fail(label, f"must be text in quotes, got {_shown(value)}", table, index)
        bad = control_character(value, multiline=key == "body")
        if bad:
            raise self.fail(
                label,
                f"holds the control character {bad}; delete it (it is not text)",
                table,
                index,
            )
        if key in _READ_TEXT:  # as every source text (control_chars.without_invisibles)
            return without_invisibles(value)
        return value  # an id, a URL, a format: refused or checked as written

    def issue(self, data: dict[str, Any]) -> Issue:
        self.check_known(data)
        issue_id = self.text(data, "id", "id")
        assert issue_id is not None
        if not ISSUE_ID.match(issue_id):
            raise self.fail(
                "id", f"{quoted(issue_id)} must be letters, digits, '.', '-' or '_' (not 'welcome')"
            )
        day = data.get("date")
        if isinstance(day, dt.datetime):
            day = day.date()
        if not isinstance(day, dt.date):
            raise self.fail("date", "must be a date like 2026-11-26 (no quotes)")
        lead_data = data.get("lead")
        if not isinstance(lead_data, dict):
            raise self.fail("lead", "missing [lead] table")
        names = self.section_names(data)
        cards = self.cards(data, names)
        more = self.headlines(data, "more", names)
        sections = tuple(
            IssueSection(
                name=name,
                stories=tuple(c for c in cards if c.section == name),
                headlines=tuple(h for h, home in more if home == name),
            )
            for name in names
        )
        return Issue(
            id=issue_id,
            date=day,
            subject=self.template(data, "subject"),
            preheader=self.template(data, "preheader"),
            lead=self.lead(lead_data),
            related=tuple(h for h, _ in self.headlines(data, "related", names)),
            more=tuple(h for h, home in more if not home),
            note=self.note(data),
            stories=tuple(c for c in cards if not c.section),
            sections=tuple(s for s in sections if s.stories or s.headlines),
            repeated=self.repeated(data),
            later=self.later(data),
            follows=self.follows(data),
        )

    def note(self, data: dict[str, Any]) -> Note | None:
        """[note]: the editor's word after the lead and Related, Markdown, and a sign-off."""
        note = data.get("note")
        if note is None:
            return None
        if not isinstance(note, dict):
            raise self.fail("note", 'write it as a [note] table with body = """..."""')
        body = (self.text(note, "body", "note.body", "note") or "").strip()
        if not body:
            raise self.fail("note.body", "is empty; write the note, or delete [note]", "note")
        self.check_markdown(body, "note")
        signoff = self.text(note, "signoff", "note.signoff", "note", required=False) or ""
        source = self.text(note, "source", "note.source", "note", required=False) or ""
        return Note(body=body, signoff=" ".join(signoff.split()), source=source)

    def section_names(self, data: dict[str, Any]) -> tuple[str, ...]:
        """[[sections]]: the headings, in order; cards and headlines name theirs by `section`."""
        items = data.get("sections", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.fail("sections", "write each section as a [[sections]] table")
        names: list[str] = []
        for i, item in enumerate(items):
            label = f"sections[{i + 1}].name"
            name = " ".join((self.text(item, "name", label, "sections", i) or "").split())
            if not name:
                raise self.fail(label, "is empty; give the section a heading", "sections", i)
            if name in names:
                raise self.fail(label, f"{quoted(name)} is already a section", "sections", i)
            names.append(name)
        return tuple(names)

    def section(
        self, item: dict[str, Any], label: str, table: str, index: int, names: Sequence[str]
    ) -> str:
        name = self.text(item, "section", f"{label}.section", table, index, required=False)
        name = " ".join((name or "").split())
        if name and name not in names:
            known = ", ".join(repr(n) for n in names) or "none: add a [[sections]] table"
            raise self.fail(
                f"{label}.section",
                f"{quoted(name)} is not a [[sections]] name (known: {known})",
                table,
                index,
            )
        return name

    def scored(
        self, item: dict[str, Any], label: str, table: str, i: int
    ) -> tuple[float, tuple[str, ...]]:
        score = item.get("score", 0.0)
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise self.fail(f"{label}.score", "must be a number", table, i)
        matched = item.get("matched", [])
        if not isinstance(matched, list) or not all(isinstance(m, str) for m in matched):
            raise self.fail(f"{label}.matched", "must be a list of words", table, i)
        return float(score), tuple(matched)

    def cards(self, data: dict[str, Any], names: Sequence[str]) -> tuple[StoryCard, ...]:
        """[[stories]]: the cards, in order, each with its title, summary and image."""
        items = data.get("stories", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.fail("stories", "write each card as a [[stories]] table")
        cards = []
        for i, item in enumerate(items):
            label = f"stories[{i + 1}]"
            title = self.title(item, label, "stories", i)
            if not title:
                raise self.fail(f"{label}.title", "is empty", "stories", i)
            summary = self.text(item, "summary", f"{label}.summary", "stories", i, required=False)
            image = self.url(item, f"{label}.image", "stories", i, key="image")
            alt = self.text(item, "image_alt", f"{label}.image_alt", "stories", i, required=False)
            if image and not (alt or "").strip():
                raise self.fail(
                    f"{label}.image_alt",
                    "missing: describe the image for readers who cannot see it",
                    "stories",
                    i,
                )
            score, matched = self.scored(item, label, "stories", i)
            derived = item.get("title_derived", False)
            if not isinstance(derived, bool):
                raise self.fail(f"{label}.title_derived", "must be true or false", "stories", i)
            cards.append(
                StoryCard(
                    title=title,
                    summary=" ".join((summary or "").split()),
                    url=self.url(item, f"{label}.url", "stories", i),
                    image=image,
                    image_alt=" ".join((alt or "").split()),
                    source=str(item.get("source", "")),
                    score=score,
                    matched=matched,
                    section=self.section(item, label, "stories", i, names),
                    publisher=self.outlet_name(item, label, "stories", i),
                    outlet=self.outlet_name(item, label, "stories", i, "outlet"),
                    words=self.count(item, f"{label}.words", "stories", i, "words"),
                    image_width=self.count(item, f"{label}.image_width", "stories", i),
                    image_height=self.count(item, f"{label}.image_height", "stories", i),
                    title_derived=derived,
                    merged=self.also(item, label, "stories", i),
                )
            )
        return tuple(cards)

    def tables(
        self, data: dict[str, Any], table: str, what: str
    ) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """[[table]]'s entries in order, each with its index and its label (`table[N]`); the
        array, or an entry, that is no table is refused as it comes: write each `what` as one."""
        items = data.get(table, [])
        if not isinstance(items, list):
            raise self.fail(table, f"write each {what} as a [[{table}]] table")
        for i, item in enumerate(items):
            label = f"{table}[{i + 1}]"
            if not isinstance(item, dict):
                raise self.fail(label, f"write each {what} as a [[{table}]] table")
            yield i, label, item

    def title(self, item: dict[str, Any], label: str, table: str, index: int) -> str:
        """An entry's `title` (required), on one line."""
        return " ".join((self.text(item, "title", f"{label}.title", table, index) or "").split())

    def also(
        self, item: dict[str, Any], label: str, table: str, index: int
    ) -> tuple[Headline, ...]:
        """`also`: the titles of the near-duplicates folded into a line or a card."""
        also = item.get("also", [])
        if not isinstance(also, list) or not all(isinstance(m, str) for m in also):
            raise self.fail(f"{label}.also", "must be a list of titles", table, index)
        return tuple(Headline(title=t) for t in also)

    def follows(self, data: dict[str, Any]) -> FollowedIssue | None:
        issue_id = self.text(data, "follows", "follows", required=False)
        if issue_id is None:
            return None
        if not ISSUE_ID.match(issue_id):
            raise self.fail("follows", f"{quoted(issue_id)} must be the id of an earlier issue")
        title = self.text(data, "follows_title", "follows_title", required=False)
        if not title or not title.strip():
            raise self.fail(
                "follows_title", "missing; add the earlier lead's title or delete follows"
            )
        return FollowedIssue(issue_id, " ".join(title.split()))

    def repeated(self, data: dict[str, Any]) -> tuple[RepeatedHeadline, ...]:
        result = []
        for i, label, item in self.tables(data, "repeated", "headline"):
            title = self.title(item, label, "repeated", i)
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

    def later(self, data: dict[str, Any]) -> tuple[Headline, ...]:
        """[[later]]: the stories left out for a date after the issue's."""
        result = []
        for i, label, item in self.tables(data, "later", "story"):
            title = self.title(item, label, "later", i)
            day = item.get("date")
            if isinstance(day, dt.datetime):
                day = day.date()
            if day is not None and not isinstance(day, dt.date):
                raise self.fail(
                    f"{label}.date", "must be a date like 2026-11-26 (no quotes)", "later", i
                )
            source = self.text(item, "source", f"{label}.source", "later", i, required=False)
            result.append(
                Headline(
                    title=title,
                    url=self.url(item, f"{label}.url", "later", i),
                    date=day,
                    source=source or "",
                )
            )
        return tuple(result)

    def lead(self, data: dict[str, Any]) -> Lead:
        title = (self.text(data, "title", "lead.title", "lead") or "").strip()
        if not title:
            raise self.fail("lead.title", "is empty; write the lead's title", "lead")
        body = (self.text(data, "body", "lead.body", "lead") or "").strip()
        fmt = self.text(data, "format", "lead.format", "lead", required=False) or "text"
        body_format = _BODY_FORMATS.get(fmt)
        if body_format is None:
            raise self.fail("lead.format", f'{quoted(fmt)} must be "text" or "markdown"', "lead")
        derived = data.get("title_derived", False)
        if not isinstance(derived, bool):
            raise self.fail("lead.title_derived", "must be true or false", "lead")
        url = self.url(data, "lead.url", "lead", 0)
        source = self.text(data, "source", "lead.source", "lead", required=False) or ""
        image = self.url(data, "lead.image", "lead", 0, key="image")
        image_alt = (
            self.text(data, "image_alt", "lead.image_alt", "lead", required=False) or ""
        ).strip()
        if image and not image_alt:
            raise self.fail(
                "lead.image_alt",
                "missing: describe the image for readers who cannot see it",
                "lead",
            )
        if body_format == "markdown":
            self.check_markdown(str(data.get("body", "")))
        full = data.get("full", False)
        if not isinstance(full, bool):
            raise self.fail("lead.full", "must be true or false", "lead")
        summary = self.text(data, "summary", "lead.summary", "lead", required=False) or ""
        title_from = self.text(data, "title_from", "lead.title_from", "lead", required=False)
        return Lead(
            title=title,
            body=body,
            format=body_format,
            title_derived=derived,
            title_from=" ".join((title_from or "").split()),
            url=url,
            source=source,
            image=image,
            image_alt=image_alt,
            image_width=self.count(data, "lead.image_width", "lead", 0),
            image_height=self.count(data, "lead.image_height", "lead", 0),
            summary=" ".join(summary.split()),
            full=full,
            publisher=self.outlet_name(data, "lead", "lead", 0),
            merged=self.also(data, "lead", "lead", 0),
        )

    def outlet_name(
        self, item: dict[str, Any], label: str, table: str, index: int, key: str = "publisher"
    ) -> str:
        """A story's `publisher` (who published it, as the email's source line shows it) or
        `outlet` (the outlet its feed entry named, as the lead's coverage counts it): text
        on one line."""
        text = self.text(item, key, f"{label}.{key}", table, index, required=False)
        return " ".join((text or "").split())

    def count(self, item: dict[str, Any], label: str, table: str, index: int, key: str = "") -> int:
        """A whole number of pixels or words (image_width, image_height, words); 0 if absent."""
        key = key or label.rsplit(".", 1)[-1]
        value = item.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
            raise self.fail(label, f"must be a whole number, got {_shown(value)}", table, index)
        return value

    def check_markdown(self, body: str, table: str = "lead") -> None:
        """Images and links in a Markdown body must be absolute and images described."""

        problem = reference_problem(body)
        if problem is not None:
            offset, why = problem
            start = self._line_of("body", table, 0)  # body = """ then the text on the next line
            raise self.fail_at(start + 1 + offset if start else None, f"{table}.body: {why}")

    def url(
        self, data: dict[str, Any], label: str, table: str, index: int, key: str = "url"
    ) -> str | None:
        url = self.text(data, key, label, table, index, required=False)
        if url is None or not url.strip():
            return None
        try:
            address = web_address(url, image=key == "image")
        except AddressError as e:
            raise self.fail(label, str(e), table, index) from None
        if address != url.strip():
            raise self.fail(
                label,
                f"{quoted(url.strip())} holds characters a link cannot carry as they are (a space, "
                f"a quote, a lone %...): write it as '{address}'",
                table,
                index,
            )
        return address

    def headlines(
        self, data: dict[str, Any], section: str, names: Sequence[str] = ()
    ) -> tuple[tuple[ScoredHeadline, str], ...]:
        """[[related]] or [[more]]: each headline, with the section a [[more]] one names."""
        result = []
        for i, label, item in self.tables(data, section, "headline"):
            title = self.title(item, label, section, i)
            if not title:
                raise self.fail(f"{label}.title", "is empty", section, i)
            score, matched = self.scored(item, label, section, i)
            also = self.also(item, label, section, i)
            summary = self.text(item, "summary", f"{label}.summary", section, i, required=False)
            derived = item.get("title_derived", False)
            if not isinstance(derived, bool):
                raise self.fail(f"{label}.title_derived", "must be true or false", section, i)
            headline = Headline(
                title=title,
                url=self.url(item, f"{label}.url", section, i),
                source=str(item.get("source", "")),
                summary=" ".join((summary or "").split()),
                publisher=self.outlet_name(item, label, section, i),
                outlet=self.outlet_name(item, label, section, i, "outlet"),
                words=self.count(item, f"{label}.words", section, i, "words"),
                title_derived=derived,
            )
            home = self.section(item, label, section, i, names) if section == "more" else ""
            result.append(
                (
                    ScoredHeadline(headline, score, matched, also),
                    home,
                )
            )
        return tuple(result)


def _suggest(key: str, known: Sequence[str]) -> str:

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean {quoted(close[0])}?)" if close else f" (known: {', '.join(known)})"


def _shown(value: object) -> str:
    """A value of the wrong type as an error line shows it: its repr, at most ECHOED characters."""
    return shown_safely(repr(value), ECHOED)
