"""HTML post-processing after MJML: small named steps, each `str → str`, run in `HTML_STEPS` order.

MJML's output already carries its own reset and responsive CSS in <style>
blocks; those must stay as they are (inlining `table, td {…}` into every cell
would bloat the email).  So the blocks are fenced off from premailer, which
then inlines only the template's own digest.css.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_STYLE_OPEN = re.compile(r"<style(?![^>]*data-premailer)([^>]*)>", re.I)
_DOCTYPE = re.compile(r"^\s*<!doctype html>", re.I)


def fence_mjml_styles(html: str) -> str:
    """Mark MJML's <style> blocks so premailer keeps them untouched (it drops the mark)."""
    return _STYLE_OPEN.sub(r'<style\1 data-premailer="ignore">', html)


def make_inline_css(css: str) -> Callable[[str], str]:
    """A step inlining `css` into matching elements with premailer, never touching the network."""

    def inline_css(html: str) -> str:
        """Inline the template's CSS into style attributes (premailer, offline)."""
        import logging

        from newsletter.render.premailer_import import Premailer

        return Premailer(
            html,
            css_text=css,
            allow_network=False,
            allow_loading_external_files=False,
            disable_link_rewrites=True,
            strip_important=False,
            remove_classes=False,
            cssutils_logging_level=logging.CRITICAL,
        ).transform(pretty_print=False)

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


def html_steps(css: str) -> tuple[Callable[[str], str], ...]:
    """The post-processing pipeline, in order."""
    return (
        fence_mjml_styles,
        make_inline_css(css),
        unfence_styles,
        ensure_doctype,
        main_landmark,
        drop_empty_lines,
    )


def run_steps(html: str, steps: tuple[Callable[[str], str], ...]) -> str:
    """Apply each step in turn."""
    for step in steps:
        html = step(html)
    return html
