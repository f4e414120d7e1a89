"""A feed item's `<style>` block attacked from outside: a rule a browser applies hides its
text from the email and the ranker, and a rule a browser never applies (inside a string, an
HTML comment, an attribute, a script, a `<style>` of another type or for print) never drops
text a reader sees (sources/css_sheet.py, docs/security.md)."""

from __future__ import annotations

import html

import pytest

from newsletter.sources.feeds import parse_feed

SHOWN = "<p>Real news about the council vote this week, told in plain words.</p>"


def _wire(description: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<description>A wire</description>
<item><title>Council story from the wire</title><link>https://wire.example/a</link>
<description>{html.escape(description)}</description></item>
</channel></rss>
""".encode()


def _read(description: str) -> tuple[str, tuple[str, ...]]:
    """The item's text as the build reads it (a story's body or a headline's summary) and
    the feed's warnings."""
    sources = parse_feed(_wire(description), "feeds/wire.xml")
    texts = [s.body for s in sources.stories] + [h.summary for h in sources.headlines]
    return " ".join(texts), sources.warnings


APPLIED = {
    "sheet !important over the element's own style": (
        "<style>.x{display:none !important}</style>",
        '<span class="x" style="display:inline">Hiddenword</span>',
    ),
    "!important over a later rule": (
        "<style>.x{display:none!important} .x{display:inline}</style>",
        '<span class="x">Hiddenword</span>',
    ),
    "the later of two classes' rules, whatever the attribute's order": (
        "<style>.b{display:inline} .a{display:none}</style>",
        '<span class="a b">Hiddenword</span>',
    ),
    "a rule left open at the end of the sheet": (
        "<style>.x{display:none",
        '<span class="x">Hiddenword</span>',
    ),
    "a rule left open inside @media screen": (
        "<style>@media screen{.x{display:none</style>",
        '<span class="x">Hiddenword</span>',
    ),
    "a sheet inside an HTML comment's CDO and CDC": (
        "<style><!-- .x{display:none} --></style>",
        '<span class="x">Hiddenword</span>',
    ),
    "a comment opener inside an earlier string": (
        '<style>.q{content:"/*"} .x{display:none} /* */</style>',
        '<span class="x">Hiddenword</span>',
    ),
    "a brace inside an earlier string": (
        '<style>.q{content:"{"} .x{display:none}</style>',
        '<span class="x">Hiddenword</span>',
    ),
    "a simple selector in a list with one not read": (
        "<style>.x, div > .y{display:none}</style>",
        '<span class="x">Hiddenword</span>',
    ),
    "a `>` in the style tag's attribute": (
        '<style title="a>b">.x{display:none}</style>',
        '<span class="x">Hiddenword</span>',
    ),
    "@media screen": (
        "<style>@media screen { .x{visibility:hidden} }</style>",
        '<span class="x">Hiddenword</span>',
    ),
    "@media all": (
        "<style>@media all{.x{display:none}}</style>",
        '<span class="x">Hiddenword</span>',
    ),
    "an escaped class name": (
        "<style>.\\78 {display:none}</style>",
        '<span class="x">Hiddenword</span>',
    ),
    "*.x": ("<style>*.x{display:none}</style>", '<span class="x">Hiddenword</span>'),
    "a custom property in a rule": (
        "<style>.x{--h:none;display:var(--h)}</style>",
        '<span class="x">Hiddenword</span>',
    ),
    "zoom in a rule": ("<style>.x{zoom:0.01}</style>", '<span class="x">Hiddenword</span>'),
    "an alpha padded past 200 characters": (
        "<style>.x{color:rgba(255,255,255," + "0" * 300 + ")}</style>",
        '<span class="x">Hiddenword</span>',
    ),
}


@pytest.mark.parametrize(("sheet", "element"), APPLIED.values(), ids=APPLIED.keys())
def test_a_rule_a_browser_applies_hides_its_text(sheet, element):
    """Text a rule of the item's `<style>` hides in a browser is not in the item's text, and
    the build says words were hidden."""
    text, warnings = _read(SHOWN + element + sheet)
    assert "Hiddenword" not in text
    assert "Real news about the council vote" in text
    assert any("hides from readers" in w for w in warnings), warnings


NOT_APPLIED = {
    "a rule inside a string": ('<style>.q{content:"} .y{display:none} "}</style>', ""),
    "a sheet inside an HTML comment": ("<!-- <style>.y{display:none}</style> -->", ""),
    "a sheet inside an attribute": ('<p title="<style>p,.y{display:none}</style>">x</p>', ""),
    "a sheet inside a script": ('<script>s="<style>.y{display:none}</style>"</script>', ""),
    "a sheet inside a template": ("<template><style>.y{display:none}</style></template>", ""),
    "a sheet of another type": ('<style type="text/less">.y{display:none}</style>', ""),
    "a sheet for print": ('<style media="print">.y{display:none}</style>', ""),
    "a rule for print": ("<style>@media print{.y{display:none}}</style>", ""),
    "a rule after a stray brace": ("<style>} .y{display:none}</style>", ""),
    "a rule after a stray semicolon": ("<style>b; .y{display:none}</style>", ""),
}


@pytest.mark.parametrize(("sheet", "_"), NOT_APPLIED.values(), ids=NOT_APPLIED.keys())
def test_a_rule_a_browser_never_applies_drops_no_text(sheet, _):
    """Text a browser shows stays in the item's text however the feed forges a rule that
    would hide it where no browser reads one, and nothing is said to be hidden or unread."""
    text, warnings = _read(sheet + SHOWN + '<p class="y">Shownword stays.</p>')
    assert "Shownword" in text and "Real news about the council vote" in text
    assert warnings == ()


DROPPED_ELEMENTS = {
    "<mark> with display:none": '<mark style="display:none">Hiddenword</mark>',
    "<mark> with the hidden attribute": "<mark hidden>Hiddenword</mark>",
    "<mark> a sheet hides": '<style>.x{display:none}</style><mark class="x">Hiddenword</mark>',
    "<mark> a sheet hides by type": "<style>mark{font-size:0}</style><mark>Hiddenword</mark>",
    "<main> with visibility:hidden": '<main style="visibility:hidden">Hiddenword</main>',
    "an unknown element with opacity:0": '<kw style="opacity:0">Hiddenword</kw>',
    "<mark> in white": '<mark style="color:#fff;background:#fff">Hiddenword</mark>',
}


@pytest.mark.parametrize("element", DROPPED_ELEMENTS.values(), ids=DROPPED_ELEMENTS.keys())
def test_an_element_the_sanitizer_drops_keeps_what_hides_its_text(element):
    """An element feedparser's sanitizer drops keeping its text (`<mark>`, `<main>`, a name
    it does not know) still hides that text when its style, a sheet or `hidden` hides it,
    and the text after it shows."""
    text, warnings = _read(SHOWN + f"<p>{element} Afterword shows.</p>")
    assert "Hiddenword" not in text
    assert "Afterword shows." in text and "Real news about the council vote" in text
    assert any("hides from readers" in w for w in warnings), warnings


def test_the_feeds_own_copy_of_the_unread_rule_marker_says_nothing():
    """A feed that writes the sanitizer's marker comment itself gets no warning that a rule
    was not read (only a rule read here sets it), and its text is unchanged."""
    text, warnings = _read(SHOWN + "<!--newsletter: a style rule not read hides text-->")
    assert warnings == ()
    assert "Real news about the council vote" in text


def _item(title: str, source: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<description>A wire</description>
<item><title>{html.escape(title)}</title><link>https://wire.example/a</link>{source}
<description>{html.escape(SHOWN)}</description></item>
</channel></rss>
""".encode()


def test_a_style_block_in_a_title_hides_its_words_from_the_headline():
    """A feed title whose HTML hides words by a `<style>` rule (read as HTML once, never
    through the sanitizer) gives a headline without them: they were the headline's words,
    ranked and printed."""
    title = '<style>.k{display:none}</style>Council passes the budget <span class="k">Fed</span>'
    sources = parse_feed(_item(title), "feeds/wire.xml")
    titles = [s.title for s in sources.stories] + [h.title for h in sources.headlines]
    assert titles == ["Council passes the budget"]


def test_a_style_block_in_an_outlet_name_hides_its_words():
    """An item's `<source>` whose HTML hides words by a `<style>` rule names the outlet
    without them."""
    source = (
        '<source url="https://harbor.example/">'
        + html.escape('<style>.k{display:none}</style>Harbor <span class="k">Keyword</span>Times')
        + "</source>"
    )
    sources = parse_feed(_item("Council passes the budget", source), "feeds/wire.xml")
    names = [s.publisher for s in sources.stories] + [h.publisher for h in sources.headlines]
    assert names and all("Keyword" not in n and "Harbor" in n for n in names), names
