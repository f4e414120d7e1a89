"""Text a feed item's `<style>` block hides by a simple rule (type, .class, #id, a comma list
of those) reaches no reader, as inline styles' does; a hiding rule whose selector is not read
here is warned of, never silently shown (sources/css_sheet.py, docs/security.md)."""

from __future__ import annotations

import html
import json
import time

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.sources.feeds import parse_feed
from tests.test_title_headline import FED, write

VISIBLE = "".join(f"<p>{p}</p>" for p in FED["paragraphs"]) * 2


def _wire(description: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<description>A wire</description>
<item><title>Fed story from the wire</title><link>https://wire.example/a</link>
<description>{html.escape(description)}</description></item>
</channel></rss>
"""


def _build(workspace, description: str) -> tuple[str, str]:
    """`newsletter build` of one feed file: the built index.txt and issue.toml, and stderr."""
    feed = write(workspace, "feeds/wire.xml", _wire(description))
    result = CliRunner().invoke(
        app, ["build", feed, "--date", "2026-11-26", "--json", "--no-learn"]
    )
    assert result.exit_code == 0, result.output
    folder = workspace / json.loads(result.stdout)["issue_dir"]
    body = (folder / "index.txt").read_text("utf-8") + (folder / "issue.toml").read_text("utf-8")
    return body, result.stderr


SHEETS = {
    "class": "<style>.x{display:none}</style>",
    "id": "<style>#kw { visibility: hidden }</style>",
    "type": "<style>span{font-size:0}</style>",
    "comma list": "<style>h6, .y, .x{opacity:0}</style>",
    "white on white": "<style>.x{color:#fff;background:#fff}</style>",
    "off the page": "<style>.x{position:absolute;left:-9999px}</style>",
    "after the element": "",  # the sheet is written after the span: browsers apply it too
}


@pytest.mark.parametrize("sheet", SHEETS.values(), ids=SHEETS.keys())
def test_a_style_blocks_hiding_rule_keeps_its_text_from_the_built_issue(workspace, sheet):
    """A built issue from a feed whose item hides a span by a `<style>` rule (feedparser drops
    the `<style>` element, so the span's words were the story's) prints none of its words,
    keeps the visible ones, and warns of the hidden words."""
    span = '<span class="x" id="kw"><b>Hiddenword keywords a reader never sees</b></span>'
    after = "<style>.x{display:none}</style>" if not sheet else ""
    body, stderr = _build(workspace, sheet + VISIBLE + span + "<p>Real news.</p>" + after)
    assert "Hiddenword" not in body
    assert "Real news." in body and FED["paragraphs"][0][:40] in body
    assert "feeds/wire.xml#1:" in stderr and "hides from readers" in stderr


def test_an_inline_style_still_wins_over_the_sheet(workspace):
    """An element the sheet hides but its own style shows again (`display:inline`) shows, as
    in a browser; a rule that hides nothing hides nothing."""
    sheet = "<style>.x{display:none} .z{color:navy}</style>"
    spans = '<span class="x" style="display:inline">Shownword</span><span class="z">Navyword</span>'
    body, _ = _build(workspace, sheet + VISIBLE + spans)
    assert "Shownword" in body and "Navyword" in body


UNREAD = {
    "descendant": "<style>div .x{display:none}</style>",
    "attribute": '<style>[class="x"]{display:none}</style>',
    "media": "<style>@media (max-width: 600px){.x{display:none}}</style>",
}


@pytest.mark.parametrize("sheet", UNREAD.values(), ids=UNREAD.keys())
def test_a_hiding_rule_with_a_selector_not_read_is_warned_of_once(workspace, sheet):
    """A rule that hides text under a selector not read here (descendant, attribute, a media
    query) leaves the text shown, with one warning naming the feed's item."""
    span = '<div><span class="x">Unreadword</span></div>'
    body, stderr = _build(workspace, sheet + sheet + VISIBLE + span)
    said = [line for line in stderr.splitlines() if "<style>" in line]
    assert len(said) == 1, stderr
    assert "Unreadword" in body  # not read: shown, as said
    assert "<!--" not in body and "not read" not in body  # the sanitizer's marker is no text
    assert "feeds/wire.xml#1: " in said[0]


def test_a_style_block_that_hides_nothing_says_nothing():
    """A sheet of colours and fonts that show (and an unread selector that hides nothing)
    gives no warning and keeps every word."""
    sheet = "<style>p{color:#333} div > .x{font-weight:bold}</style>"
    sources = parse_feed(_wire(sheet + VISIBLE + "<p>Lastword</p>").encode(), "feeds/wire.xml")
    assert sources.warnings == ()
    assert "Lastword" in sources.stories[0].body


@pytest.mark.slow
def test_a_200_kb_style_block_is_read_in_linear_time():
    """200 KB of hostile CSS (unclosed braces, 20,000 rules for one class, commas, comments
    and `<style` openings) with 10,000 elements it applies to is read without hanging: a hang
    guard, not a speed test (about 1.7 s here; a quadratic read took minutes), so the bound
    is 60 s."""
    hostile = (
        "<style>"
        + ".x{display:none;color:red}" * 4000
        + "a," * 20000
        + "{" * 20000
        + "/*"
        + "</style>"
    )
    spans = '<span class="x">w</span>' * 10000
    data = _wire(hostile + "<style" * 10000 + ">" + VISIBLE + spans).encode()
    start = time.monotonic()
    parse_feed(data, "feeds/wire.xml")
    assert time.monotonic() - start < 60.0
