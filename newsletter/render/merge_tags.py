"""Merge tags: per-recipient values left as placeholders in the rendered issue.

Templates write `{{ subscriber.name }}` (the full name), `{{ subscriber.first_name }}`,
`{{ subscriber.unsubscribe_url }}`,
`{{ subscriber.fields.city }}`; the render leaves `%%name%%`,
`%%unsubscribe_url%%`, `%%field.city%%` in place, and `fill_merge_tags` (or the
sender's byte-level equivalent) substitutes each recipient's values, escaped for
HTML where the part is HTML.  The issue is never re-rendered per recipient.

Defaults work too: `{{ subscriber.name or "there" }}` and `{% if subscriber.name %}`
ask whether a value is empty, which only the reader knows.  Each placeholder
records that it was asked (`MergeState.tested`); the render then renders the issue
once per combination of those fields being empty (`MergeState.empty`), and each
reader gets the variant that matches which of their values are empty.  A handful
of renders per issue, cached as files, never one per reader.

Only the templates make merge tags.  Text from sources (a feed's title, summary or image
URL) and from the manifest is literal: a feed writing `%%email%%` must not harvest every
reader's address.  So a render writes the templates' placeholders with a secret nonce
(`%%~<nonce>~email%%`) that no source can know; `seal_merge_tags` then turns those into
merge tags and breaks every other `%%` in the output (`&#37;` in HTML, a word joiner in
text), whatever filters, Markdown or HTML steps the source text went through.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

MERGE_KEY = r"email|first_name|name|unsubscribe_url|field\.[A-Za-z0-9_-]+"  # one place: mail too
_KEY = MERGE_KEY
MERGE_TAG = re.compile(rf"%%({_KEY})%%")
STANDARD_KEYS = ("email", "name", "first_name", "unsubscribe_url")


@dataclass
class MergeState:
    """One rendering's view of the merge fields: which count as empty, which were tested."""

    empty: frozenset[str] = frozenset()
    tested: set[str] = field(default_factory=set)
    nonce: str = ""  # the render's secret: its placeholders are `%%~<nonce>~key%%` until sealed


class MergeField(Markup):
    """A placeholder (`%%name%%`) whose truth says whether this rendering has the value."""

    key: str
    state: MergeState

    def __new__(cls, key: str, state: MergeState) -> MergeField:
        shown = f"%%~{state.nonce}~{key}%%" if state.nonce else f"%%{key}%%"
        obj = super().__new__(cls, shown)
        obj.key, obj.state = key, state
        return obj

    def __bool__(self) -> bool:  # `if`, `or`, `default(..., true)`: a test of emptiness
        self.state.tested.add(self.key)
        return self.key not in self.state.empty


def merge_tag(key: str) -> Markup:
    """The placeholder for one value; safe to autoescape (it holds no markup characters)."""
    return Markup(f"%%{key}%%")


class _Fields:
    """`subscriber.fields.<name>`: any merge field from the subscriber list."""

    def __init__(self, state: MergeState) -> None:
        self._state = state

    def __getattr__(self, name: str) -> Markup:
        if name.startswith("_") or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise AttributeError(name)
        return MergeField(f"field.{name}", self._state)

    __getitem__ = __getattr__


class SubscriberPlaceholders:
    """What templates see as `subscriber`: every attribute renders as a merge tag."""

    def __init__(self, state: MergeState | None = None) -> None:
        self.state = state or MergeState()
        self.email = MergeField("email", self.state)
        self.name = MergeField("name", self.state)  # the full name
        self.first_name = MergeField("first_name", self.state)
        self.unsubscribe_url = MergeField("unsubscribe_url", self.state)
        self.fields = _Fields(self.state)


def empty_keys(tested: frozenset[str], values: Mapping[str, str]) -> frozenset[str]:
    """Which of the tested fields a reader's values leave empty: the variant they get."""
    return frozenset(k for k in tested if not str(values.get(k, "")).strip())


def fill_merge_tags(text: str, values: Mapping[str, str], *, escape_html: bool) -> str:
    """Replace every merge tag with its value ("" when missing), HTML-escaped if asked."""

    def value(m: re.Match[str]) -> str:
        v = values.get(m.group(1), "")
        return html.escape(v, quote=True) if escape_html else v

    return MERGE_TAG.sub(value, text)


_ADJACENT_PERCENT = re.compile(r"%(?=%)")
WORD_JOINER = "\u2060"  # invisible: what breaks a `%%` of source text in the text part
_INERT = {True: "&#37;", False: "%" + WORD_JOINER}  # HTML: a character reference


def render_nonce() -> str:
    """A fresh secret for one render's placeholders (64 random bits, never in any source)."""
    return os.urandom(8).hex()


def seal_merge_tags(rendered: str, nonce: str, *, html: bool) -> str:
    """The templates' placeholders as merge tags; every other `%%` in the output made inert.

    Every `%` followed by another `%` outside a placeholder is broken (HTML: `&#37;`, which a
    browser shows and fetches as `%`; text: `%` and a word joiner), so no text between the
    templates' placeholders, nor one joined to a placeholder, reads as a merge tag.
    """
    if not nonce:
        return rendered
    pieces = re.split(rf"%%~{re.escape(nonce)}~({_KEY})%%", rendered)
    inert = _INERT[html]
    return "".join(
        f"%%{piece}%%" if i % 2 else _ADJACENT_PERCENT.sub(inert, piece)
        for i, piece in enumerate(pieces)
    )
