"""The steps that turn index.html into the preview's frames, and the page's summary of an issue."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest

from newsletter.models import Headline, Issue, Lead, ScoredHeadline
from newsletter.preview.email_frames import (
    ALWAYS,
    FRAME_STEPS,
    NEVER,
    dark_canvas,
    email_frames,
    force_dark_scheme,
    hide_scrollbars,
    open_links_in_new_tab,
)
from newsletter.preview.issue_summary import GMAIL_CLIP_BYTES, summarize_issue

EMAIL = """<!DOCTYPE html><html lang="en"><head><title>T</title>
<style>@media (prefers-color-scheme: dark) { .card { background: #111 !important; } }</style>
<meta name="color-scheme" content="light dark"></head><body><a href="https://example.org/">x</a></body></html>"""


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("@media (prefers-color-scheme: dark) {", f"@media {ALWAYS} {{"),
        ("@media (prefers-color-scheme:dark){", f"@media {ALWAYS}{{"),
        ("@media ( PREFERS-COLOR-SCHEME : Dark ) {", f"@media {ALWAYS} {{"),
        (
            "@media screen and (prefers-color-scheme: dark) and (max-width: 480px) {",
            f"@media screen and {ALWAYS} and (max-width: 480px) {{",
        ),
        ("@media (prefers-color-scheme: light) {", f"@media {NEVER} {{"),
        ("@media not all and (prefers-color-scheme: light) {", f"@media not all and {NEVER} {{"),
        ('<style media="(prefers-color-scheme: dark)">', f'<style media="{ALWAYS}">'),
        (
            "@media only screen and (max-width: 480px) {",
            "@media only screen and (max-width: 480px) {",
        ),
    ],
)
def test_force_dark_scheme_rewrites_only_the_colour_scheme_queries(css, expected):
    """Dark queries become always-true and light ones never-true; other media queries stay."""
    assert force_dark_scheme(css) == expected


def test_dark_canvas_only_for_emails_that_declare_dark_support():
    """An email declaring `color-scheme: light dark` gets a dark canvas; one that does not stays."""
    assert ":root { color-scheme: dark; }</style></head>" in dark_canvas(EMAIL)
    plain = EMAIL.replace('<meta name="color-scheme" content="light dark">', "")
    assert dark_canvas(plain) == plain


def test_links_open_in_a_new_tab_once():
    """A `<base target="_blank">` goes first in the head, and never twice."""
    framed = open_links_in_new_tab(EMAIL)
    assert '<head><base target="_blank"><title>' in framed
    assert open_links_in_new_tab(framed) == framed


def test_hide_scrollbars_goes_in_the_head():
    """The phone frames hide the scrollbar from inside the email's own head."""
    assert "scrollbar-width: none; }</style></head>" in hide_scrollbars(EMAIL)


def test_steps_cope_with_a_document_without_head():
    """A fragment without <head> gets the markup in front instead of being dropped."""
    assert hide_scrollbars("<p>x</p>").endswith("<p>x</p>")
    assert open_links_in_new_tab("<p>x</p>").startswith('<base target="_blank">')


def test_email_frames_are_the_four_views():
    """Light and dark, desktop and phone: only the dark ones rewrite the media queries."""
    frames = email_frames(EMAIL)
    assert (
        set(frames)
        == set(FRAME_STEPS)
        == {"light-desktop", "light-phone", "dark-desktop", "dark-phone"}
    )
    assert "prefers-color-scheme: dark" in frames["light-desktop"]
    assert "prefers-color-scheme" not in frames["dark-phone"]
    assert "scrollbar-width" in frames["light-phone"]
    assert "scrollbar-width" not in frames["dark-desktop"]


def _issue() -> Issue:
    scored = ScoredHeadline(
        Headline("Border crossings rise", source="seeds/a.txt:9"),
        1.25,
        ("crossings~crossing",),
        (Headline("Crossings rise at the border"),),
    )
    return Issue(
        id="2026-W48",
        date=dt.date(2026, 11, 26),
        subject="Subject",
        preheader="Pre",
        lead=Lead(title="Lead", body="Body", title_derived=True),
        related=(scored,),
    )


def _files(html: str) -> dict[str, bytes]:
    message = EmailMessage()
    message["Date"] = "Thu, 26 Nov 2026 09:00:00 +0000"
    message["List-Id"] = "Brief <brief.example.org>"
    message["Subject"] = "Subject"
    message["From"] = "Brief <digest@example.org>"
    message.set_content("text")
    message.add_alternative(html, subtype="html")
    return {"message.eml": bytes(message), "index.html": html.encode(), "index.txt": b"text\n"}


def test_summary_puts_key_headers_first_and_measures_the_html_part():
    """Subject and From lead the headers; the size is the HTML part's, against 102 KB."""
    html = "<p>" + "é" * 1000 + "</p>"
    summary = summarize_issue(_issue(), _files(html))
    assert [name for name, _ in summary["headers"]][:3] == ["Subject", "From", "Date"]
    assert summary["size"]["html_bytes"] == len(html.encode()) + 1  # the part ends with a newline
    assert summary["size"]["limit_bytes"] == GMAIL_CLIP_BYTES == 104448
    assert summary["text"] == "text\n"


def test_summary_keeps_why_each_headline_was_chosen():
    """Each ranked headline carries its score, matched terms, source and merged duplicates."""
    related = summarize_issue(_issue(), _files("<p>x</p>"))["ranking"]["related"]
    assert related == [
        {
            "title": "Border crossings rise",
            "url": None,
            "score": 1.25,
            "matched": ["crossings~crossing"],
            "source": "seeds/a.txt:9",
            "also": ["Crossings rise at the border"],
        }
    ]
