"""Checks of what the email says: size, the plain-text part, subject and preheader, leftovers.

Each function takes the reader's copy (`BuiltEmail`) and the settings and
yields one line per problem, saying where; registry.py gives each its id,
severity and fix, in the order they run.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterator

from newsletter.assemble.memory import repeated_note
from newsletter.check.email_facts import BuiltEmail, fold, urls_in
from newsletter.config import Settings
from newsletter.control_chars import quoted, shown_safely
from newsletter.issue.build_record import BUILD_RECORD_NAME, changed_settings
from newsletter.issue.freshness import sent_past_issues
from newsletter.render import GMAIL_CLIP_BYTES
from newsletter.render.length import MORE_PART, IssueLength, issue_length
from newsletter.render.merge_tags import WORD_JOINER

CLIP_WARNING_BYTES = 90 * 1024  # room left for what a relay or an ESP adds (tracking, footers)
MESSAGE_WARNING_BYTES = 1024 * 1024  # the whole message: phones download it all
SUBJECT_MAX_CHARS = 90  # past this, most clients cut the subject in the inbox list
PREHEADER_MAX_CHARS = 90  # phones show 30-55 characters of it, webmail up to about 120
# title.derived asks the editor to read the title, so it quotes the whole of it (a derived
# title runs to about 120 characters); past this, a hostile feed's, it is cut as any echo is.
DERIVED_TITLE_SHOWN = 200


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def html_clipped(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The HTML part is at or past Gmail's clipping limit."""
    size = len(email.html.encode("utf-8"))
    if size >= GMAIL_CLIP_BYTES:
        yield (
            f"{email.where('message.eml')}: HTML part is {_kb(size)}, Gmail clips at "
            f"{_kb(GMAIL_CLIP_BYTES)}"
        )


def html_near_clip(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The HTML part is close to Gmail's clipping limit."""
    size = len(email.html.encode("utf-8"))
    if CLIP_WARNING_BYTES <= size < GMAIL_CLIP_BYTES:
        yield (
            f"{email.where('message.eml')}: HTML part is {_kb(size)}, close to Gmail's "
            f"{_kb(GMAIL_CLIP_BYTES)} clip"
        )


def message_heavy(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The whole message (both parts, headers) is heavy."""
    if email.message_bytes >= MESSAGE_WARNING_BYTES:
        yield f"{email.where('message.eml')}: the message is {_kb(email.message_bytes)}"


def text_missing(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """No plain-text part, or an empty one."""
    if email.text is None:
        yield f"{email.where('message.eml')}: has no text/plain part"
    elif not email.text.strip():
        yield f"{email.where('message.eml')}: the text/plain part is empty"


def _headlines(email: BuiltEmail) -> list[str]:
    """The HTML's headings and the manifest's headlines that the HTML shows."""
    issue = email.issue
    shown = email.facts.visible_text
    titles = [issue.lead.title, *(h.title for h in issue.related), *(h.title for h in issue.more)]
    found = [*email.facts.headings, *(fold(t) for t in titles if fold(t) in shown)]
    return list(dict.fromkeys(h for h in found if h))


def text_lacks_headlines(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A headline of the HTML is not in the plain text."""
    if not email.text or not email.text.strip():
        return

    text = fold(email.text.replace(WORD_JOINER, ""))
    for headline in _headlines(email):
        if headline not in text:
            yield f"{email.where('index.txt')}: lacks the headline {quoted(headline)}"


def text_lacks_links(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A link of the HTML (http, https or mailto) is not in the plain text."""
    if not email.text or not email.text.strip():
        return
    in_text = urls_in(email.text)
    seen: set[str] = set()
    for link in email.facts.links:
        href = link.href
        if href in seen or not href.startswith(("http://", "https://", "mailto:")):
            continue
        seen.add(href)
        bare = href.split("?", 1)[0] if href.startswith("mailto:") else href
        if href not in in_text and bare not in in_text:
            yield f"{email.where('index.txt')}: lacks the link {href} ({quoted(link.text)})"


def subject_missing(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """No subject."""
    if not email.subject.strip():
        yield f"{email.where('message.eml')}: the Subject is empty"


def subject_too_long(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A subject longer than an inbox shows."""
    n = len(email.subject)
    if n > SUBJECT_MAX_CHARS:
        yield f"{email.where('issue.toml')}: the subject is {n} characters"


def subject_shouting(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """An all-capitals subject."""
    letters = [c for c in email.subject if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        yield f"{email.where('issue.toml')}: the subject is all capitals: {quoted(email.subject)}"


def preheader_missing(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """No preheader: clients show the first words of the body instead."""
    if not email.issue.preheader.strip():
        yield f"{email.where('issue.toml')}: the preheader is empty"


def preheader_too_long(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A preheader past 90 characters: phones show 30-55, webmail up to about 120."""
    size = len(email.issue.preheader)
    if size > PREHEADER_MAX_CHARS:
        yield (
            f"{email.where('issue.toml')}: the preheader is {size} characters, over "
            f"{PREHEADER_MAX_CHARS}: {quoted(email.issue.preheader)}"
        )


def over_budget(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The issue is longer than its [limits] items or words: a digest is finishable."""

    length, limits = issue_length(email.issue, settings.more_summaries), settings.limits
    for key, size, limit in (
        ("items", length.items, limits.items),
        ("words", length.words, limits.words),
    ):
        if size > limit:
            parts = ", ".join(f"{p.name} ({getattr(p, key):,})" for p in length.to_cut(key))
            yield (
                f"{email.where('issue.toml')}: {size:,} {key}, over the budget of {limit:,} "
                f"([limits] {key} in newsletter.toml); the largest parts: {parts}"
                + _dropping_more(length, key)
            )


def _dropping_more(length: IssueLength, key: str) -> str:
    """What `more_headlines = false` would cut, when the issue has More headlines: the one
    part a setting drops whole (the budget named the largest parts, never the setting)."""
    more = length.part(MORE_PART)
    if more is None or not getattr(more, key):
        return ""
    return (
        f"; more_headlines = false in newsletter.toml (or build --no-more) drops {MORE_PART} "
        f"({getattr(more, key):,} {key})"
    )


def preheader_repeats_subject(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The preheader says what the subject says."""
    pre, subject = _words(email.issue.preheader), _words(email.subject)
    if pre and subject and (pre == subject or pre.startswith(subject) or subject.startswith(pre)):
        yield f"{email.where('issue.toml')}: the preheader repeats the subject"


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


# Template leftovers: Jinja or merge-tag syntax, or a Python None printed into the copy.
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}|%%")
_NONE = re.compile(r"(?:^|[>:=\"'(\[]\s*)None(?=\s*(?:$|[<\"')\],.]))", re.M)


def leftovers(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """Unfilled merge tags or template syntax in what a reader receives."""
    places: list[tuple[str, int | None, str]] = [("message.eml (Subject)", None, email.subject)]
    if email.text:
        places += [
            ("message.eml (text part)", n, line) for n, line in enumerate(email.text.split("\n"), 1)
        ]
    places += [("index.html", line, value) for value, line in email.facts.attribute_text]
    for name, line, value in places:
        hit = _LEFTOVER.search(value) or _NONE.search(value)
        if hit:
            shown = f"{email.where(name)}:{line}" if line else email.where(name)
            yield f"{shown}: {quoted(_around(value, hit.start()))}"
    text = email.facts.visible_text
    for hit in (*_LEFTOVER.finditer(text), *_NONE.finditer(text)):
        yield f"{email.where('index.html')}: {quoted(_around(text, hit.start()))}"
        break


def built_with_other_settings(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The shared settings (From, List-Id, base_url...) changed since the build: send refuses."""

    changed = changed_settings(email.record, settings)
    if changed:
        yield f"built with other settings ({', '.join(changed)} changed in newsletter.toml since)"


def merge_slots_not_the_templates(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A merge file whose slots are not those the templates made (an older build, or edited).

    Only the templates make merge slots; the build records them (built-with.json).  A slot
    anywhere else, say in an image URL a feed wrote, would fill each reader's address or
    unsubscribe token into it; a slot missing would send copies without their link.
    """

    recorded = email.record.slots
    if recorded is None:
        yield f"{email.where(BUILD_RECORD_NAME)}: records no merge slots (an older build)"
        return
    for name in sorted(set(email.merge_slots) | set(recorded)):
        found, wanted = email.merge_slots.get(name), recorded.get(name)
        if found is None or wanted is None:
            yield f"{email.where(name)}: {'not made' if wanted is None else 'missing'} by the build"
        elif found != wanted:
            extra = ", ".join(sorted((Counter(found) - Counter(wanted)).elements())) or "none"
            lost = ", ".join(sorted((Counter(wanted) - Counter(found)).elements())) or "none"
            yield (
                f"{email.where(name)}: merge slots the templates did not make ({extra}), "
                f"or made and are gone ({lost})" + ("" if extra != lost else ": in another order")
            )


def _around(text: str, at: int) -> str:
    return " ".join(text[max(0, at - 20) : at + 30].split())


def title_still_derived(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A title the build made from an untitled story's first sentence (the lead's, a card's,
    or a story's line in Related, More or a section) that nobody has said reads well: the
    manifest still marks it title_derived = true."""
    issue = email.issue
    cards = (*issue.stories, *(c for s in issue.sections for c in s.stories))
    lines_of = (*issue.related, *(h for s in issue.sections for h in s.headlines), *issue.more)
    lead = issue.lead
    titles = [(lead.title, lead.title_from)] if lead.title_derived else []
    titles += [(c.title, "") for c in cards if c.title_derived]
    titles += [(h.title, "") for h in lines_of if h.headline.title_derived]
    lines = email.manifest_text.splitlines()
    marked = [n for n, line in enumerate(lines, 1) if line.strip() == "title_derived = true"]
    for title, taken_from in titles:
        # Each mark follows its title's line, in the manifest's order.
        line = next((n for n in marked if n > 1 and _title_on(lines[n - 2]) == title), None)
        how = (
            f"was taken from the headline of {quoted(taken_from)} about the same event"
            if taken_from  # an untitled lead's unsure title (assemble/title_headline.py)
            else "was derived from the story's first sentence"
        )
        shown = shown_safely(title, DERIVED_TITLE_SHOWN)
        yield f"{email.where('issue.toml', line)}: the title '{shown}' {how}"


def note_repeated(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """The editor's note is word for word the one an earlier issue went out with: last week's
    `kind: note` file left in seeds/ (the build warns once; the send gate must too, or it says
    "ready to send" over last week's voice)."""
    issue = email.issue
    if issue.note is None:
        return
    carried = repeated_note(issue.note.body, sent_past_issues(settings, issue.date, issue.id))
    if carried is not None:
        line = _line_of(email.manifest_text, "[note]")
        yield (
            f"{email.where('issue.toml', line)}: the editor's note is the one issue "
            f"{carried.id} went out with, word for word"
        )


def stories_dated_later(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """A story the sources held dated after the issue's date, left out of it and listed as
    [[later]] in issue.toml (assemble/later_stories.py): the build said so once; the gate
    says it again, so a story left out for a mistyped date is not lost unnoticed."""
    issue = email.issue
    lines = email.manifest_text.splitlines()
    tables = [n for n, line in enumerate(lines, 1) if line.strip() == "[[later]]"]
    for n, story in enumerate(issue.later):
        where_ = email.where("issue.toml", tables[n] if n < len(tables) else None)
        dated = f"dated {story.date.isoformat()}, " if story.date else ""
        yield (
            f"{where_}: {story.source or quoted(story.title)} ({dated}after this issue's date "
            f"{issue.date.isoformat()}) is left out: {quoted(story.title)}"
        )


def _title_on(line: str) -> str | None:
    """The title a manifest line `title = "..."` holds, or None."""
    if not line.startswith("title = "):
        return None
    try:
        return str(tomllib.loads(line)["title"])
    except tomllib.TOMLDecodeError:
        return None


def no_story_linked(email: BuiltEmail, settings: Settings) -> Iterator[str]:
    """Nothing in the issue links to a story: no lead URL, no card or headline with one, so a
    reader cannot read any of it in full."""
    issue = email.issue
    cards = (*issue.stories, *(c for s in issue.sections for c in s.stories))
    headlines = (*issue.related, *issue.more, *(h for s in issue.sections for h in s.headlines))
    if issue.lead.url or any(c.url for c in cards) or any(h.url for h in headlines):
        return
    yield f"{email.where('issue.toml')}: the issue links to no story (lead, cards and headlines)"


def _line_of(document: str, text: str) -> int | None:
    """The first line of the document holding `text` (None when absent)."""
    lines = document.splitlines()
    return next((n for n, line in enumerate(lines, 1) if line.strip() == text), None)
