"""Whether an inline `style` hides its element from a reader of the page (docs/security.md).

A feed's HTML is an outsider's: text a browser would never show (a keyword list for the
ranker, a line for another reader) must not become the story.  `display:none` was the only
form read once; a page hides text in many more, each read here as a browser reads it:

- `display: none`, `visibility: hidden|collapse`, `opacity` (or `filter: opacity()`) near 0,
  `filter: blur()` of BLURRED px or more;
- a zero or near-zero size: `font-size` (or the `font` shorthand, `font: 0/0 a`) under
  TINY_FONT (4 px), or `height`/`max-height`/`width`/`max-width` (or their logical names,
  `block-size`, `inline-size`…) of at most 1 px with
  `overflow` hidden or clip;
- moved off the page: `position: absolute|fixed|relative` (never `sticky`, which stays in
  the flow) with `left`/`top`/`right`/`bottom` (or the `inset` shorthands and their logical
  names), or a `text-indent`, `margin-left`/`margin-top` (`margin-inline-start`,
  `margin-block-start`), `translate()` (`3d` too), a `matrix()`'s offsets or the
  `translate` property, of 500 px or more to the left or up, or
  `left`/`right` 5,000 px or more;
- shrunk past reading: `zoom`, the `scale` property, `scale()` or `matrix()` under a quarter
  (16 px text under TINY_FONT), a `rotateX()`/`rotateY()` (or `rotate: x …`) turning it edge
  on; `content-visibility: hidden`;
- clipped away: `clip: rect()` with no area, `clip-path: inset(50%)` or more, `circle(0)`, a
  `polygon()` with no area;
- a colour that does not show: `transparent`, an alpha near 0, or text whose contrast with
  its background (its own, an enclosing element's, else the page's white) is under 1.1:1
  (`unseen`; the caller knows the enclosing elements: sources/text.py).

The style is read as CSS reads it: comments are nothing (`display:/**/none`), escapes are
their characters (`n\\6f ne`), case and spaces do not matter, `!important` is read, and of two
declarations of one property the later wins unless the earlier alone is `!important`; a
`var()` is filled from the same style's custom properties (or its fallback), and `calc()`,
`min()`, `max()` and `clamp()` of numbers and lengths are computed (`_with_math`, one pass).
"""

from __future__ import annotations

import colorsys
import math
import re
from functools import cache, lru_cache

from newsletter.sources.css_split import split_outside

_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(.))", re.DOTALL)
_IMPORTANT = re.compile(r"!\s*important\s*$", re.IGNORECASE)
_LENGTH = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([a-z%]*)$")
# pixels per unit, as a browser at its default 16 px font reads them
_PIXELS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54,
           "mm": 96 / 25.4, "q": 96 / 101.6, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0,
           "%": 0.16, "vw": 12.0, "vh": 8.0, "vmin": 8.0, "vmax": 12.0}  # fmt: skip
OFF_PAGE = -500.0  # px: further left or up than this is off any page
TINY_FONT = 4.0  # px: text smaller than this is unreadable
BLURRED = 5.0  # px: text blurred this much is unreadable
LOW_CONTRAST = 1.1  # WCAG contrast ratio: #f5f5f5 on white is 1.09
Colour = tuple[float, float, float, float]  # red, green, blue, alpha: each 0 to 1
WHITE: Colour = (1.0, 1.0, 1.0, 1.0)


# The longest style remembered (`style_hides`, `weighed_declarations`): a feed's repeated
# styles are short; a long one is read each time, so the 1,024 remembered styles of a hostile
# feed's 10 KB each (10 MB) are never held by a long-running preview.
REMEMBERED_STYLE_CHARS = 512


def declarations(style: str) -> dict[str, str]:
    """A style attribute's declarations: property to value, lower case, comments and escapes
    read, `!important` taken off (and honoured)."""
    return {name: value for name, (value, _) in weighed_declarations(style).items()}


def weighed_declarations(style: str) -> dict[str, tuple[str, bool]]:
    """`declarations`, each value with whether it is `!important` (a style sheet's rule
    weighs it against the element's own style: css_sheet.py). Remembered for the last short
    styles read (not to be changed by the caller): one element's style is read by each of
    the questions asked of it, a dozen times; a long one (`REMEMBERED_STYLE_CHARS`) is read
    each time, so a long-running preview never holds a hostile feed's long styles."""
    if len(style) > REMEMBERED_STYLE_CHARS:
        return _weighed_declarations(style)
    return _remembered_declarations(style)


@lru_cache(maxsize=256)
def _remembered_declarations(style: str) -> dict[str, tuple[str, bool]]:
    return _weighed_declarations(style)


def _weighed_declarations(style: str) -> dict[str, tuple[str, bool]]:
    text = _ESCAPE.sub(_unescape, _COMMENT.sub(" ", style))
    found: dict[str, tuple[str, bool]] = {}
    for part in split_outside(text, ";"):
        name, colon, value = part.partition(":")
        name = name.strip().lower()
        if not colon or not name:
            continue
        important = bool(_IMPORTANT.search(value))
        value = " ".join(_IMPORTANT.sub("", value).split()).lower()
        if name in found and found[name][1] and not important:
            continue
        found[name] = (value, important)
    if any("(" in value for value, _ in found.values()):
        custom = {name: value for name, (value, _) in found.items() if name.startswith("--")}
        found = {
            name: (_with_math(_with_custom(value, custom)), important)
            for name, (value, important) in found.items()
        }
    return found


# `var(--x)` or `var(--x, fallback)`, the fallback holding no function
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)")


def _with_custom(value: str, custom: dict[str, str]) -> str:
    """`value` with each `var()` the custom properties of the same style (or its fallback)
    fill in, once; one neither fills stays (and is read as nothing)."""
    if "var(" not in value:
        return value
    return _VAR.sub(lambda m: custom.get(m[1]) or (m[2] or "").strip() or m[0], value)


# A math function's start, and what it is made of: a number and its unit, another function
# or a bracket opening, an operator, a comma or a closing bracket.
_MATH_START = re.compile(r"(?<![\w-])(?:calc|min|max|clamp)\(")
_OPERAND = re.compile(
    r"\s*(?:(?P<fn>calc|min|max|clamp)\(|(?P<open>\()"
    r"|(?P<num>[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(?P<unit>[a-z%]*))"
)
_OPERATOR = re.compile(r"\s*([-+*/,)])")
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
Quantity = tuple[float, str]  # a number and its unit ("" for none)


class _NotMath(ValueError):
    """A math function this reader does not compute (a unit it does not know, `env()`)."""


def _with_math(value: str) -> str:
    """`value` with each `calc()`, `min()`, `max()` and `clamp()` of numbers and lengths
    computed (`calc(-1 * 9999px)` is `-9999px`), in one pass: one not computed stays as
    written, and what it holds is not read again."""
    if "(" not in value:
        return value
    out, at = [], 0
    while (m := _MATH_START.search(value, at)) is not None:
        out.append(value[at : m.start()])
        try:
            result, at = _computed(value, m.start())
        except _NotMath as failed:
            end = max(failed.args[0], m.end())
            out.append(value[m.start() : end])
            at = end
            continue
        out.append(f"{result[0]:.6g}{result[1]}")
    return "".join(out) + value[at:]


def _computed(text: str, start: int) -> tuple[Quantity, int]:
    """The math function starting at `start`, computed with two stacks (no recursion), and
    where it ends; raises _NotMath with where reading stopped."""
    values: list[Quantity] = []
    ops: list[str | list[object]] = []  # operators, and each open bracket: [name, arguments]
    at, operand = start, True
    while True:
        m = (_OPERAND if operand else _OPERATOR).match(text, at)
        if m is None:
            raise _NotMath(at)
        at = m.end()
        if operand and m["num"] is not None:
            values.append((float(m["num"]), m["unit"]))
            operand = False
        elif operand:
            ops.append([m["fn"] or "calc", 1])
        elif m[1] in _PRECEDENCE:
            while ops and isinstance(top := ops[-1], str) and _PRECEDENCE[top] >= _PRECEDENCE[m[1]]:
                _apply(str(ops.pop()), values, at)
            ops.append(m[1])
            operand = True
        else:  # `,` or `)`
            while ops and isinstance(ops[-1], str):
                _apply(str(ops.pop()), values, at)
            if not ops:
                raise _NotMath(at)
            bracket = ops[-1]
            assert isinstance(bracket, list)
            if m[1] == ",":
                bracket[1] = int(str(bracket[1])) + 1
                operand = True
                continue
            ops.pop()
            count = int(str(bracket[1]))
            if len(values) < count:
                raise _NotMath(at)
            arguments = values[len(values) - count :]
            del values[len(values) - count :]
            values.append(_function(str(bracket[0]), arguments, at))
            if not ops:
                return values[-1], at


def _same_unit(quantities: list[Quantity], at: int) -> list[Quantity]:
    """The quantities in one unit: theirs when they share it (a bare 0 goes with any), else
    pixels; raises _NotMath when a unit is not a length."""
    units = {unit for number, unit in quantities if unit or number != 0}
    if len(units) <= 1:
        unit = next(iter(units), "")
        return [(number, unit) for number, _ in quantities]
    if not units <= _PIXELS.keys():
        raise _NotMath(at)
    return [(number * _PIXELS[unit], "px") for number, unit in quantities]


def _apply(op: str, values: list[Quantity], at: int) -> None:
    if len(values) < 2:
        raise _NotMath(at)
    b, a = values.pop(), values.pop()
    if op in "+-":
        (x, unit), (y, _) = _same_unit([a, b], at)
        values.append((x + y if op == "+" else x - y, unit))
    elif op == "*" and (not a[1] or not b[1]):
        values.append((a[0] * b[0], a[1] or b[1]))
    elif op == "/" and not b[1] and b[0] != 0:
        values.append((a[0] / b[0], a[1]))
    else:
        raise _NotMath(at)


def _function(name: str, arguments: list[Quantity], at: int) -> Quantity:
    same = _same_unit(arguments, at)
    unit = same[0][1]
    numbers = [number for number, _ in same]
    if name == "calc" and len(numbers) == 1:
        return numbers[0], unit
    if name in ("min", "max") and numbers:
        return (min(numbers) if name == "min" else max(numbers)), unit
    if name == "clamp" and len(numbers) == 3:
        return max(numbers[0], min(numbers[1], numbers[2])), unit
    raise _NotMath(at)


def unescaped(text: str) -> str:
    """CSS text with its escapes read as the characters they stand for (`\\78` is `x`)."""
    return _ESCAPE.sub(_unescape, text)


def _unescape(m: re.Match[str]) -> str:
    if m.group(1):
        code = int(m.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return m.group(2)


def style_hides(style: str) -> bool:
    """`_style_hides`, remembered for the last styles asked when short (a feed's elements
    repeat a few styles, each asked by the sanitizer and by sources/text.py)."""
    if len(style) > REMEMBERED_STYLE_CHARS:
        return _style_hides(style)
    return _remembered_style_hides(style)


@lru_cache(maxsize=1024)
def _remembered_style_hides(style: str) -> bool:
    return _style_hides(style)


def _style_hides(style: str) -> bool:
    """Whether an element with this inline style shows a reader nothing inside it, whatever
    its content says (module docstring). What a child can undo is read by the caller with the
    enclosing elements: the colours (`unseen`), the font size (`font_size`) and `visibility`
    (`visible`): `<div style="font-size:0"><span style="font-size:16px">` shows the span."""
    d = declarations(style)
    if d.get("display", "").startswith("none") or d.get("content-visibility") == "hidden":
        return True
    return (
        _transparent(d)
        or _boxed_away(d)
        or _off_page(d)
        or _clipped(d)
        or _blurred(d)
        or _shrunk(d)
    )


SHRUNK = TINY_FONT / 16  # a scale or zoom under this makes a 16 px text unreadable


def _shrunk(d: dict[str, str]) -> bool:
    """`zoom` (0 is read as 1, as browsers do), a `scale` property or a `scale()` or
    `matrix()` transform that makes text smaller than TINY_FONT."""
    zoom = _number(d.get("zoom", ""))
    factors: list[float | None] = [zoom] if zoom else []
    factors += [_number(f) for f in d.get("scale", "").split()]
    transform = d.get("transform", "")
    for m in re.finditer(r"scale([xyz3d]*)\(([^()]*)\)", transform):
        factors += [_number(f) for f in m[2].split(",")[: 1 if m[1] in ("x", "y") else 2]]
    for m in re.finditer(r"matrix\(([^()]*)\)", transform):
        a, b, c, d_, *_ = [*(_number(v) or 0.0 for v in m[1].split(",")), 0.0, 0.0, 0.0, 0.0]
        factors += [abs(a) + abs(b), abs(c) + abs(d_)]  # each axis's length, near enough
    # turned about the x or y axis: text edge on (90deg) is a line, its height the cosine
    turns = [m[1] for m in re.finditer(r"rotate[xy]\(([^()]*)\)", transform)]
    axis, _, angle = d.get("rotate", "").partition(" ")
    if axis in ("x", "y"):
        turns.append(angle)
    factors += [None if (r := _radians(t)) is None else math.cos(r) for t in turns]
    return any(f is not None and abs(f) < SHRUNK for f in factors)


_ANGLE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(deg|rad|grad|turn)$")
_RADIANS = {"deg": math.pi / 180, "rad": 1.0, "grad": math.pi / 200, "turn": 2 * math.pi}


def _radians(value: str) -> float | None:
    """A CSS angle in radians; None if not one (nor finite: `1e400deg` is no angle a page
    turns text by, and its cosine raised, a traceback out of the feed's reading)."""
    m = _ANGLE.match(value.strip())
    angle = float(m[1]) * _RADIANS[m[2]] if m else math.nan
    return angle if math.isfinite(angle) else None


# font-size keywords, in pixels at a browser's default 16 px
_FONT_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0,
                  "large": 18.0, "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0}  # fmt: skip
_RELATIVE = {"em": 1.0, "%": 0.01, "ex": 0.5, "ch": 0.5}  # times the enclosing font size


def font_size(style: str, enclosing: float) -> float:
    """The font size in pixels text gets with this style inside text of `enclosing` pixels:
    `font-size` (or the `font` shorthand's size), relative units and `smaller`/`larger`
    read against the enclosing size; the enclosing size when the style sets none."""
    d = declarations(style)
    value = d.get("font-size", "")
    if not value and (font := d.get("font")):
        m = re.search(
            r"(?:^|\s)([+-]?[\d.]+[a-z%]*|[a-z-]*small|medium|[a-z-]*large)(?:\s*/|\s+\S)", font
        )
        value = m.group(1) if m else ""
    return _font_pixels(value, enclosing)


def _font_pixels(value: str, enclosing: float) -> float:
    if value in _FONT_KEYWORDS:
        return _FONT_KEYWORDS[value]
    if value in ("smaller", "larger"):
        return enclosing * (5 / 6 if value == "smaller" else 1.2)
    m = _LENGTH.match(value)
    if m is not None and m.group(2) in _RELATIVE:
        return float(m.group(1)) * _RELATIVE[m.group(2)] * enclosing
    size = _pixels(value)
    return enclosing if size is None or size < 0 else size


def visible(style: str, enclosing: bool) -> bool:
    """Whether text with this style inside text that is `enclosing` visible is visible:
    `visibility: hidden` hides it, `visible` shows it again (a child can undo a parent's)."""
    value = declarations(style).get("visibility")
    if value is None or value not in ("hidden", "collapse", "visible"):
        return enclosing
    return value == "visible"


# A function's argument is read as `[^()]*`, never `[^)]*`: from every `opacity(` of a style
# with no `)` the latter read to the end (20,000 of them: 43 s); the former stops at the next
# `(`, and a nested call (`blur(calc(5px))`) was never read as a length either way.


def _blurred(d: dict[str, str]) -> bool:
    m = re.search(r"blur\(\s*([^()]*)\)", d.get("filter", ""))
    return m is not None and (_pixels(m.group(1).strip()) or 0.0) >= BLURRED


def _transparent(d: dict[str, str]) -> bool:
    opacity = _number(d.get("opacity", ""))
    if opacity is not None and opacity <= FAINT:
        return True
    m = re.search(r"opacity\(\s*([^()]*)\)", d.get("filter", ""))
    return m is not None and (_number(m.group(1)) or 0.0) <= FAINT


FAINT = 0.05  # an opacity (or alpha) at most this shows nothing


def opacity_of(style: str) -> float:
    """The opacity a style gives its element, 0 to 1 (1 when it sets none): `opacity` times
    `filter: opacity()`. A child's multiplies its parent's: 0.2 inside 0.2 is 0.04."""
    d = declarations(style)
    m = re.search(r"opacity\(\s*([^()]*)\)", d.get("filter", ""))
    found = [_number(d.get("opacity", "")), _number(m.group(1)) if m else None]
    product = 1.0
    for value in found:
        product *= 1.0 if value is None else min(max(value, 0.0), 1.0)
    return product


_BOX_SIZES = ("height", "max-height", "width", "max-width", "block-size", "max-block-size",
              "inline-size", "max-inline-size")  # fmt: skip


def _boxed_away(d: dict[str, str]) -> bool:
    """A box of at most 1 px that cuts off what overflows it."""
    overflow = {d.get(k, "") for k in ("overflow", "overflow-x", "overflow-y")}
    if not overflow & {"hidden", "clip"} and not any(
        o.startswith(("hidden ", "clip ")) for o in overflow
    ):
        return False
    sizes = (_pixels(d.get(k, "")) for k in _BOX_SIZES)
    return any(s is not None and s <= 1.0 for s in sizes)


def _off_page(d: dict[str, str]) -> bool:
    moved = [d.get("text-indent", ""), d.get("margin-left", ""), d.get("margin-top", "")]
    moved += [d.get("margin-inline-start", ""), d.get("margin-block-start", "")]
    moved += [d.get(k, "").split(" ")[0] for k in ("margin-inline", "margin-block")]
    margins = d.get("margin", "").split()
    if 1 <= len(margins) <= 4:  # top, then left: the last of 1, 2, 2 and 4 values
        moved += [margins[0], margins[(0, 1, 1, 3)[len(margins) - 1]]]
    # not "sticky": a sticky element stays in the flow, its offset only says where it would stick
    if d.get("position") in ("absolute", "fixed", "relative"):
        box = _offsets(d)
        moved += box.values()  # right: -9999px
        if any((_pixels(box[k]) or 0.0) >= -OFF_PAGE * 10 for k in ("left", "right")):
            return True  # 5000px or more from an edge: past the page
    transform = d.get("transform", "")
    moved += [m.group(1) for m in re.finditer(r"translate(?:[xy]|3d)?\(\s*([^(),]*)", transform)]
    for m in re.finditer(r"matrix\(([^()]*)\)", transform):  # its last two: x and y, in px
        moved += [f"{v.strip()}px" for v in m[1].split(",")[4:6]]
    moved += d.get("translate", "").split()[:2]
    return any(_far_back(value.strip()) for value in moved)


# The logical names of the offsets, in a left-to-right, top-to-bottom page.
_LOGICAL_OFFSETS = {"inset-block-start": "top", "inset-inline-end": "right",
                    "inset-block-end": "bottom", "inset-inline-start": "left"}  # fmt: skip


def _offsets(d: dict[str, str]) -> dict[str, str]:
    """`top`, `right`, `bottom` and `left` of a positioned element, from the `inset`
    shorthand (1 to 4 values, as `margin`), `inset-block`/`inset-inline` and the logical
    names, each overridden by the longhand written out (the order written is not kept)."""
    box = dict.fromkeys(("top", "right", "bottom", "left"), "")
    inset = d.get("inset", "").split()
    if 1 <= len(inset) <= 4:
        for side, i in zip(
            box,
            ((0, 0, 0, 0), (0, 1, 0, 1), (0, 1, 2, 1), (0, 1, 2, 3))[len(inset) - 1],
            strict=True,
        ):
            box[side] = inset[i]
    for name, sides in (("inset-block", ("top", "bottom")), ("inset-inline", ("left", "right"))):
        values = d.get(name, "").split()
        if 1 <= len(values) <= 2:
            box[sides[0]], box[sides[1]] = values[0], values[-1]
    for name, side in _LOGICAL_OFFSETS.items():
        box[side] = d.get(name, box[side])
    return {side: d.get(side, value) for side, value in box.items()}


def _far_back(value: str) -> bool:
    """Whether an offset moves text off the page to the left or up: 500 px or more, or a
    whole width or height (-100%)."""
    if value.endswith("%"):
        return (_number(value) or 0.0) <= -1.0
    return (_pixels(value) or 0.0) <= OFF_PAGE


def _clipped(d: dict[str, str]) -> bool:
    m = re.search(r"rect\(([^()]*)\)", d.get("clip", ""))
    if m:
        edges = [_pixels(v) for v in re.split(r"[\s,]+", m.group(1).strip()) if v]
        if len(edges) == 4 and None not in edges:
            top, right, bottom, left = (e or 0.0 for e in edges)
            if bottom <= top or right <= left:
                return True
    path = d.get("clip-path", "")
    inset = re.search(r"inset\(\s*([\d.]+)%", path)
    if inset and float(inset.group(1)) >= 50:
        return True
    polygon = re.search(r"polygon\(([^()]*)\)", path)
    if polygon and _no_area(polygon[1]):
        return True
    return bool(re.search(r"(?:circle|ellipse)\(\s*0*\.?0*(?:px|%)?\s*[)a-z]", path))


def _no_area(points: str) -> bool:
    """Whether a `polygon()`'s points (`x y, x y, …`, a fill rule first perhaps) enclose
    nothing: fewer than three, or an area of zero (lengths and percentages read alike)."""
    corners = []
    for point in points.split(","):
        xy = point.split()
        if len(xy) == 1 and xy[0] in ("nonzero", "evenodd"):
            continue
        if len(xy) != 2:
            return False  # not read: it may show
        x, y = (_number(v) if v.endswith("%") else _pixels(v) for v in xy)
        if x is None or y is None:
            return False
        corners.append((x, y))
    pairs = zip(corners, corners[1:] + corners[:1], strict=True)
    return len(corners) < 3 or sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs) == 0


def _number(value: str) -> float | None:
    """A CSS number or percentage; None if not one: Python's float() also reads `nan`, `inf`
    and `infinity`, which no CSS number is (`rgb(nan,0,0)` made a colour channel NaN and its
    int() raised, a traceback out of the feed's reading)."""
    value = value.strip()
    if value.lstrip("+-").lower().startswith(("nan", "inf")):
        return None
    try:
        return float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        return None


def _pixels(value: str) -> float | None:
    """A CSS length in pixels (roughly: relative units at a 16 px font); None if not one."""
    m = _LENGTH.match(value.strip().split(" ")[0]) if value.strip() else None
    if m is None or m.group(2) not in _PIXELS:
        return None
    return float(m.group(1)) * _PIXELS[m.group(2)]


# ---- colours -------------------------------------------------------------------------------


def background_of(style: str) -> Colour | None:
    """The solid background colour a style paints, if any (an image or gradient: None)."""
    d = declarations(style)
    for key in ("background-color", "background"):
        value = d.get(key, "")
        if not value or "url(" in value or "gradient" in value:
            continue
        for token in _colour_tokens(value):
            colour = parse_colour(token)
            if colour is not None and colour[3] > 0.5:
                return colour
    return None


def text_colour(style: str) -> Colour | None:
    """The text colour a style sets (None: inherited): `-webkit-text-fill-color`, which
    every browser paints text with over `color`, else `color`."""
    d = declarations(style)
    return parse_colour(d.get("-webkit-text-fill-color", "")) or parse_colour(d.get("color", ""))


def shown_declarations(style: str) -> str:
    """What a child can undo of a style's hiding, written plainly (or ""): its text colour
    and background as `rgba()`, its font size and its visibility.

    feedparser's sanitizer keeps `color` and `background-color` only when written in the few
    forms it reads: `rgba(0,0,0,0.01)` and `hsl(0,0%,100%)` lost the whole style (text
    that did not show was shown), and `-webkit-text-fill-color` and `visibility` were
    dropped; written here as what they are, they reach sources/text.py."""
    d = declarations(style)
    found = [f"font-size: {d['font-size']}"] if _LENGTH.match(d.get("font-size", "")) else []
    if "font" in d and "font-size" not in d:
        found.append(f"font-size: {font_size(style, 16.0):.3g}px")
    if d.get("visibility") in ("hidden", "collapse", "visible"):
        found.append(f"visibility: {d['visibility']}")
    if (opacity := opacity_of(style)) < 1.0:
        found.append(f"opacity: {opacity:.3g}")
    colour, background = text_colour(style), background_of(style)
    for name, value in (("color", colour), ("background-color", background)):
        if value is not None:
            red, green, blue = (round(c * 255) for c in value[:3])
            found.append(f"{name}: rgba({red},{green},{blue},{value[3]:.3g})")
    return "; ".join(found)


def unseen(
    colour: Colour | None,
    background: Colour | None,
) -> bool:
    """Whether text of `colour` (None: the page's black) on `background` (None: the page's
    white) does not show: transparent, or a contrast under LOW_CONTRAST."""
    if colour is None:
        return background is not None and contrast((0.0, 0.0, 0.0), background) < LOW_CONTRAST
    if colour[3] <= FAINT:
        return True
    return contrast(colour, background or WHITE) < LOW_CONTRAST


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG's contrast ratio of two colours (1 to 21)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _luminance(c: tuple[float, ...]) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])


def _colour_tokens(value: str) -> list[str]:
    return re.findall(r"#[0-9a-f]+|(?:rgba?|hsla?)\([^()]*\)|[a-z]+", value)


def parse_colour(value: str) -> Colour | None:
    """A CSS colour as red, green, blue and alpha from 0 to 1; None when not one read here."""
    value = value.strip().lower()
    if value == "transparent":
        return (0.0, 0.0, 0.0, 0.0)
    if value in _named():
        return _named()[value]
    if value.isalpha() and value not in _NOT_COLOURS:
        return _css_named(value)
    if value.startswith("#"):
        return _hex(value[1:])
    m = re.fullmatch(r"(rgba?|hsla?)\(([^)]*)\)", value)
    if m is None:
        return None
    parts = [p for p in re.split(r"[\s,/]+", m.group(2).strip()) if p]
    if len(parts) not in (3, 4):
        return None
    alpha = _number(parts[3]) if len(parts) == 4 else 1.0
    if alpha is None:
        return None
    if m.group(1).startswith("rgb"):
        rgb = [_channel(p) for p in parts[:3]]
        if None in rgb:
            return None
        r, g, b = (v or 0.0 for v in rgb)
        return (r, g, b, alpha)
    return _hsl(parts[:3], alpha)


def _channel(part: str) -> float | None:
    n = _number(part)
    if n is None:
        return None
    return min(max(n if part.endswith("%") else n / 255, 0.0), 1.0)


def _hex(digits: str) -> Colour | None:
    if not re.fullmatch(r"[0-9a-f]+", digits) or len(digits) not in (3, 4, 6, 8):
        return None
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    values = [int(digits[i : i + 2], 16) / 255 for i in range(0, len(digits), 2)]
    return (values[0], values[1], values[2], values[3] if len(values) == 4 else 1.0)


def _hsl(parts: list[str], alpha: float) -> Colour | None:
    hue = _number(parts[0].removesuffix("deg"))
    sat, light = _number(parts[1]), _number(parts[2])
    if hue is None or sat is None or light is None:
        return None
    r, g, b = colorsys.hls_to_rgb((hue / 360) % 1.0, min(max(light, 0), 1), min(max(sat, 0), 1))
    return (r, g, b, alpha)


_NOT_COLOURS = frozenset("none inherit initial unset revert currentcolor auto".split())  # noqa: SIM905


@cache
def _css_named(name: str) -> Colour | None:
    """Any of CSS's 148 named colours (`lightyellow`, `midnightblue`), from cssutils' table:
    imported here, only for a name off `_named`'s short list (a build's render loads it)."""
    from cssutils.css.colors import COLORS

    found = COLORS.get(name)
    return None if found is None else (found[0] / 255, found[1] / 255, found[2] / 255, found[3])


@cache
def _named() -> dict[str, Colour]:
    """The named colours a page hides text with most (white and its near relatives, black)."""
    names = {
        "white": "ffffff", "snow": "fffafa", "ivory": "fffff0", "ghostwhite": "f8f8ff",
        "whitesmoke": "f5f5f5", "floralwhite": "fffaf0", "mintcream": "f5fffa",
        "azure": "f0ffff", "aliceblue": "f0f8ff", "seashell": "fff5ee", "linen": "faf0e6",
        "black": "000000", "red": "ff0000", "green": "008000", "blue": "0000ff",
        "gray": "808080", "grey": "808080", "silver": "c0c0c0", "yellow": "ffff00",
        "navy": "000080", "maroon": "800000",
    }  # fmt: skip
    found = {name: _hex(digits) for name, digits in names.items()}
    return {name: c for name, c in found.items() if c is not None}
