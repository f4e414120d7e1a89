"""Each HTML post-processing step alone, input → expected, and the pipeline's order."""

from __future__ import annotations

import pytest

from newsletter.render.html_steps import (
    drop_empty_lines,
    ensure_doctype,
    fence_mjml_styles,
    html_steps,
    main_landmark,
    make_inline_css,
    run_steps,
    unfence_styles,
)


@pytest.mark.parametrize(
    ("step", "given", "expected"),
    [
        (
            fence_mjml_styles,
            '<style type="text/css">p{}</style>',
            '<style type="text/css" data-premailer="ignore">p{}</style>',
        ),
        (
            fence_mjml_styles,
            '<style data-premailer="ignore">p{}</style>',
            '<style data-premailer="ignore">p{}</style>',
        ),
        (
            unfence_styles,
            '<!--[if mso]><style data-premailer="ignore">x</style><![endif]-->',
            "<!--[if mso]><style>x</style><![endif]-->",
        ),
        (ensure_doctype, "<html></html>", "<!DOCTYPE html>\n<html></html>"),
        (ensure_doctype, "<!doctype html><html></html>", "<!doctype html><html></html>"),
        (
            main_landmark,
            '<div role="article" aria-roledescription="email">',
            '<div role="main" aria-roledescription="email">',
        ),
        (drop_empty_lines, "<p>a</p>   \n\n  \n<p>b</p>", "<p>a</p>\n<p>b</p>\n"),
    ],
)
def test_step_turns_input_into_expected(step, given, expected):
    """A step does exactly its one job on a small input."""
    assert step(given) == expected


def test_inline_css_inlines_rules_and_leaves_fenced_styles_alone():
    """premailer inlines the given CSS; a fenced <style> block and its media query stay as written."""
    html = (
        '<html><head><style data-premailer="ignore">@media (max-width:1px){p{color:red}}</style>'
        '</head><body><p class="x">t</p><a href="%%unsubscribe_url%%">u</a></body></html>'
    )
    out = make_inline_css(".x { color: #123456; }")(html)
    assert '<p class="x" style="color:#123456">t</p>' in out
    assert "@media (max-width:1px){p{color:red}}" in out
    assert 'href="%%unsubscribe_url%%"' in out  # merge tags are not rewritten as links


def test_pipeline_order_gives_a_standards_mode_document_without_marks():
    """The whole pipeline keeps MJML's styles, inlines ours, and starts with the doctype."""
    mjml_like = (
        '<!doctype html><html><head><style type="text/css">table{border:0}</style></head>'
        '<body><div role="article"><h1>T</h1></div></body></html>'
    )
    out = run_steps(mjml_like, html_steps("h1 { font-size: 26px; }"))
    assert out.startswith("<!DOCTYPE html>\n")
    assert "table{border:0}" in out and "data-premailer" not in out
    assert '<h1 style="font-size:26px">T</h1>' in out and 'role="main"' in out
