"""HTML post-processing after MJML: small named steps, each `str → str`, run in `HTML_STEPS` order.

MJML's output already carries its own reset and responsive CSS in <style>
blocks; those must stay as they are (inlining `table, td {…}` into every cell
would bloat the email).  So the blocks are fenced off from premailer, which
then inlines only the template's own digest.css.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newsletter.control_chars import quoted
from newsletter.errors import TemplateError
from newsletter.render.premailer_import import Premailer

_STYLE_OPEN = re.compile(r"<style(?![^>]*data-premailer)([^>]*)>", re.I)
_DOCTYPE = re.compile(r"^\s*<!doctype html>", re.I)
_IMG = re.compile(r"<img\b([^>]*?)\s*/?>", re.I)
_ATTR = re.compile(r'\s([a-zA-Z-]+)(?:\s*=\s*("[^"]*"|\'[^\']*\'|[^\s>]+))?')
_HREF = re.compile(r'<a\b[^>]*?\shref\s*=\s*("[^"]*"|\'[^\']*\'|[^\s>]+)', re.I)
_ABSOLUTE = re.compile(r"^(https?://[^/\s?#]+|mailto:)", re.I)
COLUMN_PX = 552  # the 600 px column less the text's 24 px padding on each side
THUMB_PX = 120  # a card's thumbnail: at most 120x120 beside its text (96x96 on a phone)
PHOTO_MAX_HEIGHT_PX = 400  # a photo in the column is never taller: a 3:2 photo at 600 px is 368
IMAGE_STYLE = "display:block;max-width:100%;height:auto"


def fence_mjml_styles(html: str) -> str:
    """Mark MJML's <style> blocks so premailer keeps them untouched (it drops the mark)."""
    return _STYLE_OPEN.sub(r'<style\1 data-premailer="ignore">', html)


def make_inline_css(css: str) -> Callable[[str], str]:
    """A step inlining `css` into matching elements with premailer, never touching the network."""

    def inline_css(html: str) -> str:
        """Inline the template's CSS into style attributes (premailer, offline)."""
        import logging

        inlined: str = Premailer(
            html,
            css_text=css,
            allow_network=False,
            allow_loading_external_files=False,
            disable_link_rewrites=True,
            strip_important=False,
            remove_classes=False,
            cssutils_logging_level=logging.CRITICAL,
            # cssutils' validation only logs (silenced above), never changes the output, and
            # compiles a regex per CSS property on first sight: ~45 ms of every cold build.
            disable_validation=True,
        ).transform(pretty_print=False)
        return inlined

    return inline_css


def unfence_styles(html: str) -> str:
    """Remove the marks premailer left (inside Outlook conditionals and media-only blocks)."""
    return html.replace(' data-premailer="ignore"', "")


def main_landmark(html: str) -> str:
    """Make MJML's wrapper the page's main landmark, so screen readers can jump to the email."""
    return html.replace('role="article"', 'role="main"', 1)


def drop_empty_lines(html: str) -> str:
    """Drop blank lines and trailing spaces left by the templates (bytes count toward the clip)."""
    return "\n".join(line.rstrip() for line in html.split("\n") if line.strip()) + "\n"


def ensure_doctype(html: str) -> str:
    """Start with <!DOCTYPE html> (premailer drops MJML's), so browsers use standards mode."""
    return html if _DOCTYPE.match(html) else "<!DOCTYPE html>\n" + html


def _positive(value: str) -> int:
    """The attribute as a positive whole number of pixels, or 0."""
    return int(value) if value.isdigit() and int(value) > 0 else 0


def _fitted(width: int, height: int, thumb: bool) -> tuple[int, int, str]:
    """The width, height (0 when unknown) and style an image gets.

    Known size: scaled to fit the column (a thumbnail: a THUMB_PX box) and, when tall, shrunk
    until it is no taller than the cap, so a portrait photo never fills the screen; every
    client (Outlook too) reads the attributes.  Unknown size: the image keeps its own ratio
    inside the same box by CSS (`width:auto` with max-width and max-height), so a tall photo
    from a feed shrinks instead of stretching the email over several screens, and one that
    fails to load claims no width.  A width alone (a logo) is kept when it fits.
    """
    limit = THUMB_PX if thumb else COLUMN_PX
    cap = THUMB_PX if thumb else PHOTO_MAX_HEIGHT_PX
    if width and height:
        fitted = min(width, limit)
        scaled = max(1, round(height * fitted / width))
        if scaled > cap:
            fitted, scaled = max(1, round(width * cap / height)), cap
        return fitted, scaled, IMAGE_STYLE + (";width:100%" if fitted == COLUMN_PX else "")
    if width:
        fitted = min(width, limit)
        return fitted, 0, IMAGE_STYLE + (";width:100%" if fitted == COLUMN_PX else "")
    box = f";width:auto;max-height:{cap}px" + (f";max-width:{limit}px" if thumb else "")
    return limit, 0, IMAGE_STYLE + box


def fit_images(html: str) -> str:
    """Give every image a width that fits the column, a height when its size is known, and
    let it shrink on a phone; no photo is taller than PHOTO_MAX_HEIGHT_PX (a thumbnail THUMB_PX).

    Outlook reads only the width attribute; other clients honour `max-width:100%;height:auto`,
    so a 1,600 px photo never makes the email wider than the screen.  A column-wide image of
    known width also gets `width:100%`: inside MJML's tables a fixed-width image that has not
    loaded (images off, offline) still claims its 552 px and pushes a phone screen sideways
    (one of unknown size gets `width:auto`, which claims nothing).  A `thumb` image fits a
    THUMB_PX box.  With both width and height known, the height is scaled to the fitted width,
    so the page keeps the photo's space while it loads.  An image the template hides
    (`display:none`, the dark-mode logo) stays hidden.
    """

    def fit(m: re.Match[str]) -> str:
        attrs = {k.lower(): v for k, v in _ATTR.findall(m.group(1))}
        width = _positive(attrs.pop("width", "").strip("\"'"))
        height = _positive(attrs.pop("height", "").strip("\"'"))
        style = attrs.pop("style", "").strip("\"'").rstrip("; ")
        thumb = "thumb" in attrs.get("class", "").strip("\"'").split()
        fitted, scaled, fitted_style = _fitted(width, height, thumb)
        style = f"{style};{fitted_style}" if style else fitted_style
        if "display:none" in style.replace(" ", ""):
            style += ";display:none"
        sized = f' height="{scaled}"' if scaled else ""
        rest = "".join(f" {k}={v}" if v else f" {k}" for k, v in attrs.items())
        return f'<img{rest} width="{fitted}"{sized} style="{style}">'

    return _IMG.sub(fit, html)


def check_images_and_links(html: str) -> str:
    """Refuse an image without alt text or an absolute src, and a link that is not absolute.

    Stories are checked where they are read, with their file and line; this catches what a
    template itself adds.
    """

    for m in _IMG.finditer(html):
        attrs = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(m.group(1))}
        src = attrs.get("src", "")
        if not _ABSOLUTE.match(src) or src.lower().startswith("mailto:"):
            raise TemplateError(
                f"the email template: image {quoted(src)} is not an absolute https:// URL; "
                "mail programs cannot load it"
            )
        if not attrs.get("alt", "").strip():
            raise TemplateError(f'the email template: image {src} has no alt text; add alt="…"')
    for m in _HREF.finditer(html):
        href = m.group(1).strip("\"'")
        if not (_ABSOLUTE.match(href) or href.startswith("%%")):
            raise TemplateError(
                f"the email template: link {quoted(href)} is not absolute; links in an email must "
                "be full https:// URLs"
            )
    return html


def html_steps(css: str) -> tuple[Callable[[str], str], ...]:
    """The post-processing pipeline, in order."""
    return (
        fence_mjml_styles,
        make_inline_css(css),
        unfence_styles,
        ensure_doctype,
        main_landmark,
        fit_images,
        check_images_and_links,
        drop_empty_lines,
    )


def run_steps(html: str, steps: tuple[Callable[[str], str], ...]) -> str:
    """Apply each step in turn."""
    for step in steps:
        html = step(html)
    return html
