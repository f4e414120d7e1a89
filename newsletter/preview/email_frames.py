"""The email as the preview's iframes show it: small named steps, each `str → str`.

The preview never shows a re-rendered email: each view is the built index.html
passed through a few of these steps, in the order `FRAME_STEPS` gives.

Dark mode is emulated by rewriting the email's own `prefers-color-scheme`
media queries.  A browser answers `(prefers-color-scheme: dark)` inside an
iframe from the operating system's setting, not from the iframe's CSS
`color-scheme`, so a page cannot switch one frame to dark and leave the other
light.  Rewriting `(prefers-color-scheme: dark)` to a query that always
matches (and `light` to one that never does) makes the frame apply exactly the
dark styles the template wrote, as Apple Mail and other clients that honour
the reader's setting do.  (Clients that invert colours on their own, such as
the Gmail and Outlook apps, are not emulated.)
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DARK_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.I)
_LIGHT_QUERY = re.compile(r"\(\s*prefers-color-scheme\s*:\s*light\s*\)", re.I)
_HEAD_OPEN = re.compile(r"<head\b[^>]*>", re.I)
_HEAD_CLOSE = re.compile(r"</head\s*>", re.I)
_BASE_TAG = re.compile(r"<base\b", re.I)
_SCHEME_META = re.compile(r"<meta\b[^>]*name=[\"']?(?:supported-)?color-scheme[\"']?[^>]*>", re.I)

ALWAYS = "(min-width: 0px)"  # true for every frame
NEVER = "(max-width: 0px)"  # false for every frame the preview shows (none is 0 px wide)


def force_dark_scheme(html: str) -> str:
    """Make the email's dark-mode media queries match and its light-mode ones not."""
    return _LIGHT_QUERY.sub(NEVER, _DARK_QUERY.sub(ALWAYS, html))


def dark_canvas(html: str) -> str:
    """Give an email that declares dark support a dark canvas, as a dark-mode client would."""
    declared = " ".join(_SCHEME_META.findall(html)).lower()
    if "dark" not in declared:
        return html  # a client shows an email without dark support as it is
    return _insert_in_head(html, "<style>:root { color-scheme: dark; }</style>", at_end=True)


def open_links_in_new_tab(html: str) -> str:
    """Send clicks on the email's links to a new tab instead of navigating the frame away."""
    if _BASE_TAG.search(html):
        return html
    return _insert_in_head(html, '<base target="_blank">', at_end=False)


def hide_scrollbars(html: str) -> str:
    """Hide the frame's scrollbar, as phones do, so the email gets the device's full width."""
    return _insert_in_head(html, "<style>html { scrollbar-width: none; }</style>", at_end=True)


def _insert_in_head(html: str, markup: str, *, at_end: bool) -> str:
    match = (_HEAD_CLOSE if at_end else _HEAD_OPEN).search(html)
    if match is None:
        return markup + html
    cut = match.start() if at_end else match.end()
    return html[:cut] + markup + html[cut:]


FrameStep = Callable[[str], str]

# The four frames the page shows, and the steps that make each from index.html, in order.
FRAME_STEPS: dict[str, tuple[FrameStep, ...]] = {
    "light-desktop": (open_links_in_new_tab,),
    "light-phone": (open_links_in_new_tab, hide_scrollbars),
    "dark-desktop": (open_links_in_new_tab, force_dark_scheme, dark_canvas),
    "dark-phone": (open_links_in_new_tab, force_dark_scheme, dark_canvas, hide_scrollbars),
}


def email_frames(html: str) -> dict[str, str]:
    """Every frame of the email, by name."""
    frames = {}
    for name, steps in FRAME_STEPS.items():
        result = html
        for step in steps:
            result = step(result)
        frames[name] = result
    return frames
