"""The simple rules of a piece of HTML's `<style>` blocks, as the style they give an element.

feedparser's sanitizer drops a `<style>` element, so `<style>.x{display:none}</style>` then
`<span class="x">` left the span's words shown in our email (docs/security.md).  The rules
read here are those whose selectors are a type (`span`), a class (`.x`), an id (`#x`), or a
comma list of those; each element then gets the declarations of the rules it matches (type,
then class, then id, each in the order written, its own style attribute after them: the
cascade, without `!important` in the sheet), which css_hiding judges as it judges an inline
style.  Any other rule (descendant and attribute selectors, `@media`) is not applied; when its
declarations would hide text, `unread_hiding` says so, so that the build warns.

Linear in the HTML: the blocks are found with one forward search each, the CSS is split at
braces in one pass, and only the declarations css_hiding reads are kept, each value bounded,
so an element's style is bounded however many rules match it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsletter.sources.css_hiding import (
    TINY_FONT,
    background_of,
    declarations,
    font_size,
    style_hides,
    text_colour,
    unseen,
    visible,
)

_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_SIMPLE = re.compile(r"([.#]?)(-?[A-Za-z_][\w-]*)")
_BRACE = re.compile(r"[{}]")
# the properties css_hiding reads: the rest of a rule's declarations change nothing here
_READ = frozenset(
    """display visibility opacity filter font-size font height max-height width max-width
    overflow overflow-x overflow-y position left top right bottom text-indent margin
    margin-left margin-top transform clip clip-path color -webkit-text-fill-color
    background-color background""".split()  # noqa: SIM905
)
LONGEST_VALUE = 200  # characters: no value that hides text is longer
# Ends a sanitized fragment a rule not read here would hide text of (feed_sanitizer.py)
UNREAD_MARK = "<!--newsletter: a style rule not read hides text-->"


def hides_text(style: str) -> bool:
    """Whether a style hides the text of its element: what css_hiding judges in the element
    alone, or with the page's defaults (a tiny font, `visibility: hidden`, an unseen colour)."""
    if style_hides(style) or font_size(style, 16.0) < TINY_FONT or not visible(style, True):
        return True
    return unseen(text_colour(style), background_of(style))


@dataclass(slots=True)
class Sheet:
    """The read rules' declarations by selector (`span`, `.x`, `#x`), and whether a rule not
    read would hide text."""

    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    unread_hiding: bool = False

    def style(self, tag: str, attributes: dict[str, str]) -> str:
        """The declarations the sheet gives an element (to be read before its own style)."""
        if not self.rules:
            return ""
        keys = [tag.lower()]
        keys += ["." + c for c in attributes.get("class", "").split()]
        if attributes.get("id"):
            keys.append("#" + attributes["id"])
        found: dict[str, str] = {}
        for key in keys:
            found.update(self.rules.get(key, {}))
        return "; ".join(f"{name}: {value}" for name, value in found.items())


def sheet_of(fragment: str) -> Sheet:
    """The rules of every `<style>` block in `fragment` (before or after the elements)."""
    sheet = Sheet()
    lower = fragment.lower()
    at = 0
    while (start := lower.find("<style", at)) >= 0:
        opened = lower.find(">", start)
        if opened < 0:
            break
        end = lower.find("</style", opened)
        _read_css(fragment[opened + 1 : end if end >= 0 else len(fragment)], sheet)
        if end < 0:
            break
        at = end + 7
    return sheet


def _read_css(css: str, sheet: Sheet) -> None:
    """Each rule of a style sheet: one at the top level is read (`_rule`); one inside an
    at-rule's block (`@media`) is only judged, for `unread_hiding`."""
    css = _COMMENT.sub(" ", css)
    depth, start, prelude = 0, 0, ""
    for brace in _BRACE.finditer(css):
        text = css[start : brace.start()]
        start = brace.end()
        if brace.group() == "{":
            prelude = text
            depth += 1
        elif depth > 0:
            depth -= 1
            _rule(prelude, text, sheet, depth == 0)
            prelude = ""


def _rule(prelude: str, body: str, sheet: Sheet, top: bool) -> None:
    """One rule: its declarations under each of its selectors when all are simple and it is
    at the top level, else only whether it hides (an at-rule's own prelude is no rule)."""
    selectors = [s.strip() for s in prelude.rsplit(";", 1)[-1].split(",")]
    kept = {
        name: value
        for name, value in declarations(body).items()
        if name in _READ and len(value) <= LONGEST_VALUE
    }
    if not kept:
        return
    simple = top and all(_SIMPLE.fullmatch(s) and "\\" not in s for s in selectors)
    if simple:
        for selector in selectors:
            key = selector.lower() if selector[0] not in ".#" else selector
            sheet.rules.setdefault(key, {}).update(kept)
    elif not sheet.unread_hiding:
        style = "; ".join(f"{name}: {value}" for name, value in kept.items())
        sheet.unread_hiding = hides_text(style)
