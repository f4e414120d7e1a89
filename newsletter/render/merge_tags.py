"""Merge tags: per-recipient values left as placeholders in the rendered issue.

Templates write `{{ subscriber.name }}`, `{{ subscriber.unsubscribe_url }}`,
`{{ subscriber.fields.city }}`; the render leaves `%%name%%`,
`%%unsubscribe_url%%`, `%%field.city%%` in place, and `fill_merge_tags` (or the
sender's byte-level equivalent) substitutes each recipient's values, escaped for
HTML where the part is HTML.  The issue is never re-rendered per recipient.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from markupsafe import Markup

MERGE_TAG = re.compile(r"%%(email|name|unsubscribe_url|field\.[A-Za-z0-9_-]+)%%")
STANDARD_KEYS = ("email", "name", "unsubscribe_url")


def merge_tag(key: str) -> Markup:
    """The placeholder for one value; safe to autoescape (it holds no markup characters)."""
    return Markup(f"%%{key}%%")


class _Fields:
    """`subscriber.fields.<name>`: any merge field from the subscriber list."""

    def __getattr__(self, name: str) -> Markup:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise AttributeError(name)
        return merge_tag(f"field.{name}")

    __getitem__ = __getattr__


class SubscriberPlaceholders:
    """What templates see as `subscriber`: every attribute renders as a merge tag."""

    email = merge_tag("email")
    name = merge_tag("name")
    unsubscribe_url = merge_tag("unsubscribe_url")
    fields = _Fields()


def fill_merge_tags(text: str, values: Mapping[str, str], *, escape_html: bool) -> str:
    """Replace every merge tag with its value ("" when missing), HTML-escaped if asked."""

    def value(m: re.Match[str]) -> str:
        v = values.get(m.group(1), "")
        return html.escape(v, quote=True) if escape_html else v

    return MERGE_TAG.sub(value, text)
