"""Merge tags: per-recipient values left as placeholders in the rendered issue.

Templates write `{{ subscriber.name }}`, `{{ subscriber.unsubscribe_url }}`,
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
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from markupsafe import Markup

MERGE_TAG = re.compile(r"%%(email|name|unsubscribe_url|field\.[A-Za-z0-9_-]+)%%")
STANDARD_KEYS = ("email", "name", "unsubscribe_url")


@dataclass
class MergeState:
    """One rendering's view of the merge fields: which count as empty, which were tested."""

    empty: frozenset[str] = frozenset()
    tested: set[str] = field(default_factory=set)


class MergeField(Markup):
    """A placeholder (`%%name%%`) whose truth says whether this rendering has the value."""

    key: str
    state: MergeState

    def __new__(cls, key: str, state: MergeState) -> MergeField:
        obj = super().__new__(cls, f"%%{key}%%")
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
        self.name = MergeField("name", self.state)
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
