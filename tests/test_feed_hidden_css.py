"""Text a feed's HTML hides by CSS (or an unclosed `hidden`) reaches no reader and no story's
body, and the visible text around it is kept (sources/css_hiding.py, sources/text.py,
docs/security.md, *Text a feed hides*)."""

from __future__ import annotations

import html

import pytest

from newsletter.sources.feeds import parse_feed

VISIBLE = " ".join(["The council met on Tuesday and voted for the new bridge."] * 12)

HIDING = {
    "visibility": '<span style="visibility:hidden">SECRET</span>',
    "opacity": '<span style="opacity:0">SECRET</span>',
    "opacity percent": '<span style="opacity: 0%">SECRET</span>',
    "comment": '<span style="display:/**/none">SECRET</span>',
    "important": '<span style="display : none !important">SECRET</span>',
    "escape": '<span style="display:n\\6f ne">SECRET</span>',
    "entity": '<span style="display&#58;none">SECRET</span>',
    "colour on its background": '<span style="color:#fff;background-color:#fff">SECRET</span>',
    "white on the page": '<span style="color:white">SECRET</span>',
    "near white": '<span style="color:#fafafa">SECRET</span>',
    "on the enclosing background": (
        '<div style="background-color:#123456"><span style="color:#123456">SECRET</span></div>'
    ),
    "transparent": '<span style="color:rgba(0,0,0,0)">SECRET</span>',
    "height": '<div style="height:0;overflow:hidden">SECRET</div>',
    "off the page": '<div style="position:absolute;left:-9999px">SECRET</div>',
    "text-indent": '<div style="text-indent:-9999px">SECRET</div>',
    "clip": '<div style="position:absolute;clip:rect(0 0 0 0)">SECRET</div>',
    "clip-path": '<div style="clip-path: inset(50%)">SECRET</div>',
    "font shorthand": '<span style="font:0/0 a">SECRET</span>',
    "scale": '<span style="transform:scale(0)">SECRET</span>',
    "template": "<template>SECRET</template>",
    "unquoted": "<span style=display:none>SECRET</span>",
    "font colour": '<font color="#ffffff">SECRET</font>',
    "bgcolor": '<table bgcolor="navy"><tr><td><font color="navy">SECRET</font></td></tr></table>',
    "video fallback": "<video>SECRET</video>",
    "closed dialog": "<dialog>SECRET</dialog>",
    "datalist": "<datalist><option>SECRET</option></datalist>",
    "title in the body": "<title>SECRET</title>",
    "noembed": "<noembed>SECRET</noembed>",
    "alpha near 0": '<span style="color:rgba(0,0,0,0.01)">SECRET</span>',
    "hsl white": '<span style="color:hsl(0, 0%, 100%)">SECRET</span>',
    "text fill": '<span style="color:#000;-webkit-text-fill-color:transparent">SECRET</span>',
    "left -100%": '<div style="position:absolute;left:-100%">SECRET</div>',
    "margin shorthand": '<div style="margin:0 0 0 -9999px">SECRET</div>',
    "translate": '<div style="transform:translateX(-10000px)">SECRET</div>',
    "a zero font inherited": '<div style="font-size:0"><span style="font-size:2em">SECRET</span></div>',
    "a tiny font": '<span style="font-size:0.2em">SECRET</span>',
    "blur": '<span style="filter:blur(8px)">SECRET</span>',
    "visibility inherited": '<div style="visibility:hidden"><b>SECRET</b></div>',
}


def _feed(description: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>Bridge vote</title><link>https://wire.example/a</link>
<description>{html.escape(description)}</description></item>
</channel></rss>""".encode()


def _all_text(description: str) -> tuple[str, tuple[str, ...]]:
    sources = parse_feed(_feed(description), "feeds/wire.xml")
    texts = [h.summary for h in sources.headlines] + [s.body for s in sources.stories]
    texts += [s.summary or "" for s in sources.stories]
    return " ".join(texts), sources.warnings


@pytest.mark.parametrize("hidden", HIDING.values(), ids=HIDING.keys())
def test_css_that_hides_text_keeps_it_from_the_story(hidden):
    """Each way CSS hides text (through feedparser's sanitizer, which used to drop the hiding
    style and show the text) keeps it out of the story's body; the text after it is kept."""
    text, warnings = _all_text(f"<p>{VISIBLE}</p>{hidden}<p>Visible at the end.</p>")
    assert "SECRET" not in text
    assert "Visible at the end." in text and VISIBLE[:60] in text
    dropped_whole = ("<template", "<title", "<noembed")  # by feedparser (feed_sanitizer.py)
    if not hidden.startswith(dropped_whole):
        assert any("1 word its HTML hides from readers" in w for w in warnings), warnings


@pytest.mark.parametrize("hidden", HIDING.values(), ids=HIDING.keys())
def test_hiding_is_read_the_same_without_the_sanitizer(hidden):
    """The same HTML read directly (an outlet's name is not sanitized by feedparser) hides
    the same words."""
    from newsletter.sources.text import read_html

    read = read_html(f"Shown {hidden} too")
    assert (" ".join(read.text.split()), read.hidden_words) == ("Shown too", 1)


def test_an_unclosed_hidden_span_ends_with_the_paragraph_holding_it():
    """`<span hidden>` never closed hid the rest of the story (every later paragraph, silently);
    it ends where a browser ends it, with the paragraph holding it (or the next paragraph's start), and the editor is told."""
    text, warnings = _all_text(
        f"<p>{VISIBLE} <span hidden>SECRET words</p><p>After it.</p><p hidden>GONE<p>Shown"
    )
    assert "SECRET" not in text and "GONE" not in text
    assert "After it." in text and "Shown" in text
    assert any("3 words its HTML hides" in w for w in warnings), warnings


def test_visible_styles_and_colours_keep_their_text():
    """Styles that hide nothing keep their text: a dark grey, white on a dark background, a
    later `display` that undoes an earlier one, a small but readable font, a border, an open
    dialog, a style written inside another attribute's value, and a child that undoes its
    parent's zero font size or `visibility: hidden` (an email layout's `font-size:0`)."""
    shown = (
        '<span style="color:#333">one</span> '
        '<div style="color:white"><span style="background:#000">two</span></div> '
        '<span style="display:none; display:inline">three</span> '
        '<span style="font-size:11px;border:1px solid #fff">four</span> '
        '<span style="height:0">five</span> '
        '<dialog open>six</dialog> <span title="x style=display:none">seven</span> '
        '<div style="font-size:0"><span style="font-size:16px">eight</span></div> '
        '<div style="visibility:hidden"><span style="visibility:visible">nine</span></div>'
    )
    text, warnings = _all_text(f"<p>{VISIBLE}</p>{shown}")
    words = "one two three four five six seven eight nine"
    assert f"bridge. {words}" in " ".join(text.split())
    assert not any("hides" in w for w in warnings), warnings


@pytest.mark.slow
def test_deeply_nested_unclosed_elements_do_not_hang():
    """100,000 open <span> followed by 100,000 </div> (or <div>, which closes a <p>): closing
    an element searched the open ones from the top, so reading them took the square of their
    number (20,000 of each: 17 s; this: minutes); now it finishes well inside 60 s (a hang
    guard, not a speed test), and the text is read."""
    import subprocess
    import sys

    code = (
        "from newsletter.sources.text import read_html\n"
        "n = 100_000\n"
        "for fragment in ('<span>' * n + '</div>' * n + 'end', '<span>' * n + '<div>' * n + 'end'):\n"
        "    print(read_html(fragment).text)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["end", "end"], done.stderr


@pytest.mark.slow
def test_a_style_of_unclosed_functions_is_read_in_linear_time():
    """A style of 20,000 `opacity(` (or `blur(`, `rect(`, `rgb(`) with no `)`: each search
    for a function's `)` read to the end of the style from every opening, so one 160 KB style
    attribute in a feed cost the square of its length (opacity: 43 s); now all four finish
    well inside 30 s (a hang guard, not a speed test) and hide nothing."""
    import subprocess
    import sys

    code = (
        "from newsletter.sources.text import read_html\n"
        "n = 20_000\n"
        "for style in ('filter:' + 'opacity(' * n, 'filter:' + 'blur(' * n,\n"
        "              'clip:' + 'rect(' * n, 'background:' + 'rgb(' * n):\n"
        "    print(read_html(f'<p style=\"{style}\">shown</p>').text)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.split() == ["shown"] * 4, done.stderr


@pytest.mark.slow
def test_a_long_style_in_a_feed_is_sanitized_in_linear_time():
    """A 60 KB style attribute of one word, or of `url(` with no `)` (under the HTML bound,
    which weighs a style's bytes): feedparser's sanitizer searched from every position to the
    end (30,000 letters: 18 s; 100 KB: minutes); a style longer than any real one is now kept
    from it, so the feed parses well inside 30 s (a hang guard, not a speed test) and its
    text is read."""
    import subprocess
    import sys

    code = (
        "import html\n"
        "from newsletter.sources.feeds import parse_feed\n"
        "for style in ('a' * 60_000, 'url(' * 15_000):\n"
        "    d = html.escape(f'<p style=\"{style}\">shown words</p>')\n"
        "    feed = ('<rss version=\"2.0\"><channel><title>T</title><item><title>Bridge vote'\n"
        "            f'</title><link>https://example.org/a</link><description>{d}'\n"
        "            '</description></item></channel></rss>')\n"
        "    print(parse_feed(feed.encode(), 'f.xml').headlines[0].summary)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.stdout.split() == ["shown", "words"] * 2, done.stderr


def test_a_ruby_whose_rp_end_tags_are_left_out_keeps_the_text_after_it():
    """`<rp>(<rt>kan<rp>)</ruby>` (HTML5 lets an <rp>'s end tag be left out) in a description:
    the sanitizer, told to drop an <rp> with its content, waited for an `</rp>` that never
    came and dropped the whole rest of the story; the text after the ruby is now kept."""
    text, _ = _all_text(
        f"<p><ruby>漢<rp>(<rt>kan<rp>)</ruby> {VISIBLE}</p><p>The second paragraph stays.</p>"
    )
    assert "The council met on Tuesday" in text
    assert "The second paragraph stays." in text
