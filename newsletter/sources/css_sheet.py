"""The simple rules of a piece of HTML's `<style>` blocks, as the style they give an element.

feedparser's sanitizer drops a `<style>` element, so `<style>.x{display:none}</style>` then
`<span class="x">` left the span's words shown in our email (docs/security.md).  The rules
read here are those whose selectors are a type (`span`), a class (`.x`), an id (`#x`), or a
comma list holding those; each element then gets the declarations of the rules it matches,
weighed as the cascade weighs them (`!important` first, then id over class over type, then
the later rule), before its own style attribute, and css_hiding judges the whole as it judges
an inline style.  A rule is read where a browser showing the page on a screen applies it: at
the top of the sheet or inside `@media screen` or `all`; one for print, in a `<style>` of
another type, inside a CSS string, or in a `<style>` written inside a comment, an attribute
or a script applies nowhere.  Any other rule (descendant and attribute selectors, other
at-rules) is not applied; when its declarations would hide text, `unread_hiding` says so, so
that the build warns.

The CSS is read as a browser tokenizes it: strings and comments first (a `{` or `/*` inside a
string is text), `<!--` and `-->` are nothing, and a block left open at the end of the sheet is
closed there.  Linear in the HTML: the blocks are found by sources/text.py's one-pass reader
(`text.sheet_of`),
the CSS is split into tokens in one pass, and only the declarations css_hiding reads are kept,
each value bounded (a longer one has its numbers written short first: `0000…` is `0`), so an
element's style is bounded however many rules match it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from newsletter.sources.css_hiding import (
    TINY_FONT,
    background_of,
    font_size,
    style_hides,
    text_colour,
    unescaped,
    unseen,
    visible,
    weighed_declarations,
)
from newsletter.sources.css_split import split_outside

# A CSS string (to its quote, a line's end or the text's end), a comment, `<!--`, `-->`, or a
# brace or semicolon; each alternative is read forwards only, so a failed match is short.
_TOKEN = re.compile(
    r""""(?:[^"\\\n]|\\(?:.|\Z))*(?:"|(?=\n)|\Z)|'(?:[^'\\\n]|\\(?:.|\Z))*(?:'|(?=\n)|\Z)"""
    r"|/\*.*?(?:\*/|\Z)|<!--|-->|[{};]",
    re.DOTALL,
)
# A class, id or type name: CSS's identifier, escapes included; atomic groups, so a name
# that does not match fails in one pass.  The classes that take every non-ASCII character are
# written as the ASCII characters they leave out: `re` compiles a range such as
# `\x80-\U0010ffff` by visiting each of the 65,000 characters below U+FFFF in Python, about
# 4 ms of every cold build a range (tests/test_css_sheet_classes.py keeps them the same).
_NAME_START = r"[^\x00-@\[-^`{-\x7f]"  # [A-Za-z_\x80-\U0010ffff]
_NAME_CHARACTER = r"[^\x00-,./:-@\[-^`{-\x7f]"  # [-\w\x80-\U0010ffff]
_ESCAPED = r"(?>\\(?:[0-9a-fA-F]{1,6}[ \t\n\r\f]?|[^\n\r\f0-9a-fA-F]))"
_NAME = rf"(?>-?(?:{_NAME_START}|{_ESCAPED})(?:{_NAME_CHARACTER}|{_ESCAPED})*)"
_SIMPLE = re.compile(rf"(?:\*?([.#])|)({_NAME})")
# what a selector that browsers read may be made of; a list holding anything else (`%`, `!`,
# `&`, `@`) is invalid, and a browser applies none of it
# (`[-\w\s.#*>+~:()\[\]=^$|"',\\\x80-\U0010ffff]`, written as what it leaves out, as above)
_SELECTOR_CHARACTERS = re.compile(r"[^\x00-\x08\x0e-\x1b!%&/;<?@`{}\x7f]*")
_NUMBER = re.compile(r"(?<![\w#.])[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?")
# the properties css_hiding reads: the rest of a rule's declarations change nothing here
_READ = frozenset(
    """display visibility opacity filter font-size font height max-height width max-width
    overflow overflow-x overflow-y position left top right bottom text-indent margin
    margin-left margin-top transform clip clip-path color -webkit-text-fill-color
    background-color background content-visibility zoom translate scale""".split()  # noqa: SIM905
)
LONGEST_VALUE = 200  # characters: no value that hides text is longer
# Ends a sanitized fragment a rule not read here would hide text of (feed_sanitizer.py)
UNREAD_MARK = "<!--newsletter: a style rule not read hides text-->"
# Where a rule applies: on a screen ("read"), perhaps ("judged": not applied, but warned of
# when it hides), or nowhere ("never": print, keyframes, fonts).
READ, JUDGED, NEVER = "read", "judged", "never"
_SCREEN = frozenset({"", "all", "screen", "only screen", "only all"})
_NOT_SCREEN = frozenset({"print", "only print", "speech", "only speech"})
_NO_RULES = ("@keyframes", "@-webkit-keyframes", "@font-face", "@page", "@counter-style")


def hides_text(style: str) -> bool:
    """Whether a style hides the text of its element: what css_hiding judges in the element
    alone, or with the page's defaults (a tiny font, `visibility: hidden`, an unseen colour)."""
    if style_hides(style) or font_size(style, 16.0) < TINY_FONT or not visible(style, True):
        return True
    return unseen(text_colour(style), background_of(style))


Weighed = tuple[str, bool, int]  # a value, whether `!important`, the rule's place in the sheet


@dataclass(slots=True)
class Sheet:
    """The read rules' declarations by selector (`span`, `.x`, `#x`), and whether a rule not
    read would hide text."""

    rules: dict[str, dict[str, Weighed]] = field(default_factory=dict)
    unread_hiding: bool = False
    count: int = 0  # rules read so far: each one's place in the sheet

    def add(self, key: str, kept: dict[str, tuple[str, bool]], order: int) -> None:
        """A rule's declarations under one selector: a later one wins, unless only the
        earlier is `!important`."""
        found = self.rules.setdefault(key, {})
        for name, (value, important) in kept.items():
            if name not in found or important or not found[name][1]:
                found[name] = (value, important, order)

    def style(self, tag: str, attributes: dict[str, str]) -> str:
        """The declarations the sheet gives an element (to be read before its own style):
        of each property the most weighty (`!important`, then id, class, type, then the
        later rule), `!important` written on it, so that it beats the element's own style."""
        if not self.rules:
            return ""
        keys = [(0, tag.lower())]
        keys += [(1, "." + c) for c in attributes.get("class", "").split()]
        if attributes.get("id"):
            keys.append((2, "#" + attributes["id"]))
        found: dict[str, tuple[bool, int, int, str]] = {}
        for weight, key in keys:
            for name, (value, important, order) in self.rules.get(key, {}).items():
                weighed = (important, weight, order, value)
                if name not in found or weighed[:3] > found[name][:3]:
                    found[name] = weighed
        return "; ".join(
            f"{name}: {value}{' !important' if important else ''}"
            for name, (important, _, _, value) in found.items()
        )


def sheet_from(blocks: Iterable[tuple[dict[str, str], str]]) -> Sheet:
    """The rules of `<style>` blocks (each its attributes and its CSS, as text.style_blocks
    finds them, before or after the elements) that a browser reads as CSS for a screen."""
    sheet = Sheet()
    for attributes, css in blocks:
        if attributes.get("type", "").strip().lower() not in ("", "text/css"):
            continue  # not CSS: a browser applies none of it
        where = media_applies(attributes.get("media", ""))
        if where != NEVER:
            _read_css(css, sheet, where)
    return sheet


def media_applies(query: str) -> str:
    """Whether a media query list applies on a screen: READ (`screen`, `all`, none, or a
    list holding one), NEVER (only print or speech), or JUDGED (a width, a feature...)."""
    parts = {" ".join(part.lower().split()) for part in query.split(",")}
    if parts & _SCREEN:
        return READ
    return NEVER if parts <= _NOT_SCREEN else JUDGED


def _inside(prelude: str, enclosing: str) -> str:
    """Where the rules inside a block apply: an `@media`'s by its query, an at-rule that
    holds no rules for elements nowhere, any other (`@supports`, a rule nested in a rule)
    perhaps."""
    head = prelude.strip().lower()
    if enclosing == NEVER or head.startswith(_NO_RULES):
        return NEVER
    if head.startswith("@media"):
        where = media_applies(head.removeprefix("@media"))
        return where if enclosing == READ or where == NEVER else JUDGED
    return JUDGED


def _read_css(css: str, sheet: Sheet, where: str) -> None:
    """Each rule of a style sheet, read where it applies (`_rule`), in one pass of tokens."""
    preludes: list[tuple[str, str]] = []  # each open block's prelude, and where its rules apply
    pieces: list[str] = []  # the text since the last brace (or top-level at-rule's `;`)
    head = ""  # its first character that is no space (`@`: a statement at-rule)
    at = 0
    for token in _TOKEN.finditer(css):
        before, kind, at = css[at : token.start()], token.group(), token.end()
        head = head or before.lstrip()[:1]
        if kind == "{":
            enclosing = preludes[-1][1] if preludes else where
            prelude = "".join(pieces) + before
            preludes.append((prelude, _inside(prelude, enclosing)))
        elif kind == "}" and preludes:
            prelude, _ = preludes.pop()
            _rule(prelude, "".join(pieces) + before, sheet, preludes[-1][1] if preludes else where)
        elif kind == ";" and not preludes and head == "@":
            pass  # the end of a statement at-rule (`@import url(x);`): no rule
        else:  # a string, a comment; a stray `}` or a `;` at the top: no selector holds one
            pieces.append(before + _kept(kind))
            head = head or _kept(kind).strip()[:1]
            continue
        pieces, head = [], ""
    if preludes:  # the end of the sheet closes what is open: the innermost holds the rest
        prelude, _ = preludes.pop()
        _rule(prelude, "".join(pieces) + css[at:], sheet, preludes[-1][1] if preludes else where)


def _kept(token: str) -> str:
    """A token as the text of a prelude or body: a comment, `<!--` and `-->` are a space."""
    return " " if token.startswith(("/*", "<!--", "-->")) else token


def _rule(prelude: str, body: str, sheet: Sheet, where: str) -> None:
    """One rule: its declarations under each of its simple selectors when it applies (READ),
    and whether the rest would hide text (an at-rule's own prelude is no rule)."""
    prelude = prelude.strip()
    if where == NEVER or prelude.startswith("@"):
        return
    kept = {}
    for name, (value, important) in weighed_declarations(body).items():
        if name in _READ:
            short = value if len(value) <= LONGEST_VALUE else _short_numbers(value)
            if len(short) <= LONGEST_VALUE:
                kept[name] = (short, important)
    if not kept:
        return
    selectors = _selectors(prelude.rsplit(";", 1)[-1] if where != READ else prelude)
    keys = [key for s in selectors if (key := _simple(s))] if where == READ else []
    sheet.count += 1
    for key in keys:
        sheet.add(key, kept, sheet.count)
    if len(keys) < len(selectors) and not sheet.unread_hiding:
        style = "; ".join(f"{name}: {value}" for name, (value, _) in kept.items())
        sheet.unread_hiding = hides_text(style)


def _selectors(prelude: str) -> list[str]:
    """A selector list's selectors, split at commas outside parentheses, brackets and
    quotes; none when it holds what no selector may (a browser then drops the rule)."""
    if not _SELECTOR_CHARACTERS.fullmatch(prelude):
        return []
    return [s.strip() for s in split_outside(prelude, ",", "()[]")]


def _simple(selector: str) -> str:
    """The key of a selector read here (`span`, `.x`, `#x`; `*.x` is `.x`), or ""."""
    m = _SIMPLE.fullmatch(selector)
    if m is None:
        return ""
    mark, name = m.group(1) or "", unescaped(m.group(2)).strip()
    return mark + name if mark else name.lower()


def _short_numbers(value: str) -> str:
    """A long value with each number written short (`0000…0` is `0`, `0.000…1` is `1e-300`)."""
    return _NUMBER.sub(lambda m: f"{float(m.group()):.6g}", value)
