"""[brand]: a logo, an accent colour kept readable in light and dark mode, a font stack."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from newsletter.brand import (
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    contrast_ratio,
    lighten_until_readable,
)
from newsletter.config import settings_from_mapping
from newsletter.errors import ConfigError
from tests.support.digest_workspace import LEAD, build_in, make


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),
        ("#767676", "#fff", 4.54),
    ],
)
def test_contrast_ratio_is_wcag_s(a, b, ratio):
    """The ratio is WCAG 2's, whichever colour is given first."""
    assert contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(b, a) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize(
    ("brand", "message"),
    [
        (
            {"accent": "#ffcc00"},
            r"brand\.accent: #ffcc00 on the light background #ffffff has a contrast of 1\.51:1, below the 4\.5:1 WCAG AA needs for text; choose a darker colour",
        ),
        (
            {"accent": "#0b57d0", "accent_dark": "#333333"},
            r"brand\.accent_dark: #333333 on the dark background #161b22 has a contrast of 1\.37:1, .*choose a lighter colour",
        ),
        ({"accent": "#777777"}, r"brand\.accent: #777777 .* contrast of 4\.48:1"),
        ({"accent": "red"}, r"brand\.accent: 'red' is not a colour like \"#0b57d0\""),
        ({"accent_dark": "#79b8ff"}, r"brand\.accent_dark: set accent too"),
        (
            {"logo": "http://example.org/logo.png", "logo_alt": "X"},
            r"brand\.logo: .* must be an absolute https:// URL",
        ),
        ({"logo": "https://example.org/logo.png"}, r"brand\.logo_alt: missing"),
        ({"logo_width": 900}, r"brand\.logo_width: 900 is out of range"),
        (
            {"font": "Georgia; background:url(https://x.example/t)"},
            r"brand\.font: .* is not a font stack",
        ),
        ({"colour": "#000000"}, r"brand: unknown key 'colour'"),
    ],
    ids=[
        "light-fails",
        "dark-fails",
        "just-below",
        "not-hex",
        "dark-alone",
        "http-logo",
        "no-alt",
        "wide-logo",
        "font-injection",
        "typo",
    ],
)
def test_a_brand_that_cannot_work_is_refused_naming_why(brand, message):
    """Each [brand] value that would hurt readers or break the email is one error with its ratio or rule."""
    with pytest.raises(ConfigError, match=r"^newsletter\.toml: " + message):
        settings_from_mapping({"brand": brand})


@pytest.mark.parametrize("accent", ["#0b57d0", "#a4262c", "#000000", "#1a7f37", "#6f42c1"])
def test_the_derived_dark_accent_is_readable_on_the_dark_card(accent):
    """Without accent_dark, the light accent is lightened until it passes AA on the dark card."""
    assert contrast_ratio(accent, LIGHT_BACKGROUND) >= 4.5
    dark = settings_from_mapping({"brand": {"accent": accent}}).brand.dark_accent
    assert dark == lighten_until_readable(accent)
    assert contrast_ratio(dark, DARK_BACKGROUND) >= 4.5


BRAND = """
[brand]
logo = "https://example.org/logo.png"
logo_alt = "Test Digest"
logo_width = 140
accent = "#a4262c"
font = "Georgia, 'Times New Roman', serif"
"""


def test_the_brand_shows_in_the_email(tmp_path, monkeypatch):
    """The logo (alt, width), the accent on links and in dark mode, and the font stack all render."""
    monkeypatch.chdir(tmp_path)
    ws = make(tmp_path, {"seeds/lead.md": LEAD}, toml=BRAND)
    result = build_in(ws)
    html = (result.folder / "index.html").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    logo = soup.find("img", src="https://example.org/logo.png")
    assert logo["alt"] == "Test Digest" and logo["width"] == "140"
    link = soup.find("a", class_="more")
    assert "color:#a4262c" in link["style"].replace(" ", "")
    dark = lighten_until_readable("#a4262c")
    assert (
        f".nl-card a, .nl-card .more, .nl-card .masthead-name {{ color: {dark} !important; }}"
        in html
    )
    assert "font-family:Georgia, 'Times New Roman', serif" in html


def test_without_a_brand_the_email_keeps_its_default_look(tmp_path, monkeypatch):
    """No [brand]: no logo, the default link colour and the system fonts."""
    monkeypatch.chdir(tmp_path)
    ws = make(tmp_path, {"seeds/lead.md": LEAD})
    html = (build_in(ws).folder / "index.html").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("img") is None
    assert "color:#0b57d0" in soup.find("a", class_="more")["style"].replace(" ", "")
    assert "font-family:-apple-system" in html
