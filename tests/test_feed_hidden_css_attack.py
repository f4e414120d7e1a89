"""Inline CSS a browser reads as hiding, written in the forms an outsider reaches for to slip
past the reader (math functions, custom properties, relative offsets, 3D and matrix
transforms, a zero-area polygon, content-visibility, zoom, the full list of named colours),
hides its text from the email and the ranker; the same forms that show keep their text
(sources/css_hiding.py, docs/security.md)."""

from __future__ import annotations

import pytest

from tests.test_feed_hidden_css import VISIBLE, _all_text

# each form that hides, and the same form written to show (or not read), which shows
FORMS = {
    "calc() font size": ("font-size:calc(0px)", "font-size:calc(1px + 15px)"),
    "calc() of a product": ("font-size:calc(0 * 1px)", "font-size:calc(2 * 8px)"),
    "min() font size": ("font-size:min(0px, 10px)", "font-size:max(0px, 16px)"),
    "clamp() opacity": ("opacity:clamp(0, 0, 0)", "opacity:clamp(0.5, 0, 1)"),
    "calc() opacity": ("opacity:calc(1 - 1)", "opacity:calc(1 - 0.5)"),
    "a nested calc() offset": (
        "position:absolute;left:calc(-1 * calc(5000px + 4999px))",
        "font-size:calc(1px + env(x))",  # a function not read: shown
    ),
    "a custom property": ("--h:none;display:var(--h)", "--h:inline;display:var(--h, none)"),
    "a custom property's fallback": ("display:var(--nothing, none)", "display:var(--nothing)"),
    "a relative offset": ("position:relative;left:-9999px", "position:relative;left:-10px"),
    # a sticky element stays in the flow: its offset only says where it would stick
    "a sticky offset is no offset": (
        "position:absolute;top:-9999px",
        "position:sticky;top:-9999px",
    ),
    "the inset shorthand": (
        "position:absolute;inset:-9999px auto auto -9999px",
        "position:sticky;inset:-9999px",  # sticky: in the flow
    ),
    "a logical offset": ("position:fixed;inset-inline-start:-9999px", "position:absolute;inset:0"),
    "a logical margin": ("margin-inline-start:-9999px", "margin-inline-start:10px"),
    "a logical size": ("block-size:0;overflow:hidden", "block-size:0;overflow:visible"),
    "turned edge on": ("transform:rotateX(90deg)", "transform:rotateX(30deg)"),
    "the rotate property edge on": ("rotate:y 0.25turn", "rotate:y 10deg"),
    "translate3d()": ("transform:translate3d(-9999px, 0, 0)", "transform:translate3d(9px,0,0)"),
    "a small scale()": ("transform:scale(0.01)", "transform:scale(1)"),
    "scaleY() flat": ("transform:scaleY(0.05)", "transform:scaleY(1.5)"),
    "a zero matrix()": ("transform:matrix(0, 0, 0, 0, 0, 0)", "transform:matrix(1,0,0,1,0,0)"),
    "a matrix() off the page": ("transform:matrix(1, 0, 0, 1, -9999, 0)", "transform:none"),
    "the translate property": ("translate:-9999px", "translate:10px 10px"),
    "the scale property": ("scale:0", "scale:1.2"),
    "a zero-area polygon": (
        "clip-path:polygon(0 0, 0 0, 0 0)",
        "clip-path:polygon(0 0, 100% 0, 100% 100%)",
    ),
    "content-visibility": ("content-visibility:hidden", "content-visibility:auto"),
    "a small zoom": ("zoom:0.01", "zoom:0"),  # zoom 0 is read as 1
    "opacity multiplied down the elements": (
        'opacity:0.2"><span style="opacity:0.2',
        'opacity:0.6"><span style="opacity:0.6',  # inside the first, still open: 0.072
    ),
    "a light named colour": ("color:lightyellow", "color:darkslategray"),
    "a dark named colour on its background": (
        "color:midnightblue;background:midnightblue",
        "color:lightblue;background:midnightblue",
    ),
}


@pytest.mark.parametrize(("hides", "shows"), FORMS.values(), ids=FORMS.keys())
def test_css_written_to_slip_past_the_reader_still_hides_its_text(hides, shows):
    """Text under a style a browser hides it with is no story's text, and is counted as
    hidden; the same form written to show keeps its text, and so does the text around."""
    text, warnings = _all_text(
        f'<p>{VISIBLE} <span style="{hides}">SECRET</span> <span style="{shows}">Shownword'
        "</span> After.</p>"
    )
    assert "SECRET" not in text
    assert "Shownword" in text and "After." in text and VISIBLE[:40] in text
    assert any("hides from readers" in w for w in warnings), warnings


SVG_AND_MATHML = {
    "an SVG text's style": '<svg><text style="display:none">SECRET</text></svg>',
    "a sheet's rule on an SVG text": (
        '<style>.k{opacity:0}</style><svg><text class="k">SECRET</text></svg>'
    ),
    "SVG display": '<svg><text display="none">SECRET</text></svg>',
    "SVG visibility": '<svg><g visibility="hidden"><text>SECRET</text></g></svg>',
    "SVG opacity": '<svg><text opacity="0">SECRET</text></svg>',
    "SVG fill": '<svg><text fill="white">SECRET</text></svg>',
    "SVG font size": '<svg><text font-size="0">SECRET</text></svg>',
    "an SVG of no size": '<svg width="0" height="0"><text>SECRET</text></svg>',
    "SVG defs": "<svg><defs><text>SECRET</text></defs></svg>",
    "SVG desc and metadata": "<svg><desc>SECRET</desc><metadata>SECRET</metadata></svg>",
    "a MathML style": '<math><mtext style="display:none">SECRET</mtext></math>',
    "MathML mathcolor": '<math><mtext mathcolor="#fff">SECRET</mtext></math>',
    "MathML mathsize": '<math><mtext mathsize="0">SECRET</mtext></math>',
    "MathML mphantom": "<math><mphantom><mtext>SECRET</mtext></mphantom></math>",
    "an iframe's content (never drawn)": "<iframe>SECRET</iframe>",
    "MathML annotation": (
        "<math><semantics><mi>x</mi><annotation>SECRET</annotation></semantics></math>"
    ),
}


@pytest.mark.parametrize("hidden", SVG_AND_MATHML.values(), ids=SVG_AND_MATHML.keys())
def test_text_svg_or_mathml_hides_is_no_storys_text(hidden):
    """Text inside SVG or MathML that a browser does not show (a style the sanitizer drops
    there, a presentation attribute, an element never rendered, a drawing of no size), or in
    an iframe (whose content no browser draws), is no story's text; SVG text that shows keeps
    its words."""
    text, warnings = _all_text(
        f"<p>{VISIBLE} {hidden} <svg><text>Shownword</text></svg> After.</p>"
    )
    assert "SECRET" not in text
    assert "Shownword" in text and "After." in text
    if not hidden.startswith("<iframe"):  # dropped whole by feedparser (feed_sanitizer.py)
        assert any("hides from readers" in w for w in warnings), warnings


@pytest.mark.parametrize(
    "style",
    [
        "transform: rotateX(1e400deg)",
        "rotate: x 1e999deg",
        "transform: rotateY(-1e400turn)",
        "color: rgb(nan,0,0)",
        "background: rgb(nan nan nan)",
        "opacity: nan",
        "color: rgba(255,255,255,NaN); background: #fff",
        "color: hsl(0, Infinity%, 100%)",
    ],
)
def test_an_angle_past_any_number_is_no_angle_and_no_traceback(style):
    """A turn of `1e400deg` is infinite as a float, and its cosine raised ValueError out of
    the feed's reading: one item stopped the whole build with a traceback. It is read as no
    angle: the text shows, as a browser that cannot turn it by that shows it. So is `nan` (or
    `inf`) for a colour's channel or an opacity, which no CSS number is: its int() raised, and
    `rgba(…, nan)` hid the text a browser shows (it drops the declaration)."""
    text, _ = _all_text(f'<p>{VISIBLE}</p><p><span style="{style}">Shownword</span></p>')
    assert "Shownword" in text
