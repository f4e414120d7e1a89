"""The list's own look from newsletter.toml's [brand]: contrast checks and the CSS it adds.

The accent colours links, rules and the masthead.  Links are text, so the accent must
keep WCAG AA contrast (4.5:1) on the card in light mode, and its dark-mode twin on the
dark card.  One colour cannot do both (a blue dark enough for white is too dark for
#161b22), so dark mode has its own accent: `accent_dark`, or, when not given, the light
accent lightened toward white until it passes.
"""

from __future__ import annotations

import re

LIGHT_BACKGROUND = "#ffffff"  # the card, light mode (templates/digest.mjml.j2)
DARK_BACKGROUND = "#161b22"  # the card, dark mode
AA_TEXT = 4.5  # WCAG 2.x AA for normal-size text
DEFAULT_ACCENT = "#0b57d0"
DEFAULT_ACCENT_DARK = "#79b8ff"
DEFAULT_FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# A font stack is names, quoted names and commas: nothing that could end the style attribute
# or the CSS rule it lands in, nor fetch anything (url(), @import).
FONT_STACK = re.compile(r"^[A-Za-z0-9 ,'\"_-]+$")


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """#rgb or #rrggbb as three 0-255 values."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in hex_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def lighten_until_readable(colour: str, background: str = DARK_BACKGROUND) -> str:
    """The colour mixed toward white in small steps until it reaches AA on `background`."""
    r, g, b = hex_rgb(colour)
    for step in range(0, 101, 2):
        t = step / 100
        mixed = "#{:02x}{:02x}{:02x}".format(*(round(v + (255 - v) * t) for v in (r, g, b)))
        if contrast_ratio(mixed, background) >= AA_TEXT:
            return mixed
    return "#ffffff"


def contrast_problem(colour: str, background: str, mode: str) -> str | None:
    """Why `colour` cannot be link text on `background` (naming the ratio), or None."""
    ratio = contrast_ratio(colour, background)
    if ratio >= AA_TEXT:
        return None
    advice = "darker" if mode == "light" else "lighter"
    return (
        f"{colour} on the {mode} background {background} has a contrast of {ratio:.2f}:1, "
        f"below the {AA_TEXT}:1 WCAG AA needs for text; choose a {advice} colour"
    )


def brand_css(accent: str) -> str:
    """The rules a [brand] accent adds after digest.css, for premailer to inline.

    Only links, the masthead's name and the rules: the font goes on MJML's own blocks
    (mj-all), not on every element, which would cost bytes per paragraph.
    """
    return (
        f"\na {{ color: {accent}; }}\n"
        f".masthead-name {{ color: {accent}; }}\n"
        f".masthead {{ border-bottom-color: {accent}; }}\n"
        f"h2 {{ border-top-color: {accent}; }}\n"
        f".note {{ border-left-color: {accent}; }}\n"
    )
