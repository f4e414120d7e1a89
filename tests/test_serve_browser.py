"""The pages of `newsletter serve` in the real Chromium: they work from the keyboard and pass an accessibility check."""

from __future__ import annotations

import pytest

from newsletter.mail.unsubscribe import sign_token
from tests.support.browser import chromium, expect

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIST_ID = "the-test-brief.example.org"


def accessibility_problems(page) -> list[str]:
    """A sanity check of the page as assistive technology sees it; [] when it passes."""
    return page.evaluate(
        """() => {
        const problems = [];
        const lang = document.documentElement.getAttribute('lang');
        if (!lang) problems.push('no lang on <html>');
        if (!document.title.trim()) problems.push('no <title>');
        if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one <h1>');
        if (!document.querySelector('main')) problems.push('no <main> landmark');
        for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
          if (el.closest('[aria-hidden=true]')) continue;
          const label = el.id && document.querySelector(`label[for="${el.id}"]`);
          if (!label && !el.getAttribute('aria-label')) problems.push(`unlabelled ${el.name}`);
        }
        for (const b of document.querySelectorAll('button, a[href]')) {
          if (!b.textContent.trim()) problems.push('a button or link without text');
        }
        const vw = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth > vw + 1) problems.push('horizontal scroll');
        // Contrast of body text and buttons (WCAG AA, 4.5:1).
        const lum = (rgb) => {
          const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map(Number).map(v => {
            v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
          return (x + 0.05) / (y + 0.05); };
        const bodyBg = getComputedStyle(document.body).backgroundColor;
        for (const el of document.querySelectorAll('p, label, h1, button')) {
          const s = getComputedStyle(el);
          let bg = s.backgroundColor;
          if (bg === 'rgba(0, 0, 0, 0)') bg = bodyBg;
          if (ratio(s.color, bg) < 4.5) problems.push(`low contrast: ${el.tagName} "${el.textContent.trim().slice(0, 20)}"`);
        }
        return problems;
      }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_unsubscribe_page_works_by_keyboard_and_offers_resubscribe(own_origin_audience, scheme):
    """A reader opens their link, presses Enter on Unsubscribe, then can resubscribe; no CSP errors."""
    audience = own_origin_audience  # Chromium posts its forms with this Origin
    audience.ws.add("reader@example.org")
    link = f"{audience.url}/unsubscribe?token={sign_token('reader@example.org', b'test-secret-0123456789abcdef', LIST_ID)}"
    with chromium() as browser:
        page = browser.new_page(color_scheme=scheme, viewport={"width": 360, "height": 740})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe?")
        assert accessibility_problems(page) == []
        assert audience.status("reader@example.org") == "active"  # opening it changed nothing
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Unsubscribe")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
        assert audience.status("reader@example.org") == "unsubscribed"
        assert accessibility_problems(page) == []
        page.get_by_role("button", name="Resubscribe").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Subscribed again")
        assert audience.status("reader@example.org") == "active"
        assert errors == []  # the CSP allowed the page's own style and nothing else was needed


def test_signing_up_and_confirming_in_the_browser(own_origin_audience):
    """The form is labelled and usable by keyboard; the honeypot is hidden; the mailed link confirms."""
    audience = own_origin_audience  # Chromium posts its forms with this Origin
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{audience.url}/subscribe")
        assert accessibility_problems(page) == []
        assert page.get_by_role("textbox").count() == 3  # email, name, first name; trap hidden
        page.keyboard.press("Tab")
        expect(page.get_by_label("Email address")).to_be_focused()
        page.keyboard.type("browser.reader@example.org")
        page.keyboard.press("Tab")
        expect(page.get_by_role("textbox", name="Name (optional)", exact=True)).to_be_focused()
        page.keyboard.type("Browser Reader")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
        assert accessibility_problems(page) == []
        (link,) = audience.confirmation_links()
        page.goto(audience.local(link))
        assert accessibility_problems(page) == []
        page.get_by_role("button", name="Confirm my subscription").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
        assert audience.status("browser.reader@example.org") == "active"
        page.go_back()
        page.get_by_role("button", name="Confirm my subscription").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
        assert errors == []


def test_a_typo_in_the_form_is_announced_and_tied_to_the_field(own_origin_audience):
    """An invalid address comes back with an alert linked to the email field."""
    audience = own_origin_audience  # Chromium posts its forms with this Origin
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{audience.url}/subscribe")
        page.get_by_label("Email address").fill("not an address")
        page.get_by_role("button", name="Subscribe").click()
        expect(page.get_by_role("alert")).to_contain_text("Please enter an email address")
        field = page.get_by_label("Email address")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", "form-error")
        assert accessibility_problems(page) == []
