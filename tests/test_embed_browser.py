"""The embeddable form in the real Chromium: docs/audience.md's plain page, served from other origins."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from typing import Any

import pytest

from newsletter.serve.runner import running_server
from tests.support.browser import chromium, expect
from tests.support.web_page import serving_page
from tests.test_embed_form import docs_page

pytest_plugins = ["tests.support.send_fixtures", "tests.support.serve_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@contextmanager
def website(page: dict[str, str]) -> Iterator[str]:
    """A plain website on 127.0.0.1 (a port of its own: an origin of its own) serving page["html"]."""
    with serving_page(lambda: page["html"].encode()) as url:
        yield url


def pending(ws: Any) -> list[str]:
    """The addresses of the sign-ups waiting for confirmation."""
    with sqlite3.connect(ws.database) as conn:
        return [row[0] for row in conn.execute("SELECT email FROM signups WHERE used = ''")]


def submit(browser: Any, site: str) -> Any:
    """Open the site's page, fill in the form by its labels and press Subscribe."""
    tab = browser.new_page()
    tab.goto(f"{site}/join.html")
    # What assistive technology gets: three named text boxes (the trap is hidden from it).
    names = ["Email address", "Name (optional)", "First name (optional, for the greeting)"]
    assert tab.get_by_role("textbox").count() == 3
    for name in names:
        expect(tab.get_by_role("textbox", name=name, exact=True)).to_be_visible()
    tab.get_by_label("Email address").fill("site.reader@example.org")
    tab.get_by_label("First name (optional, for the greeting)").fill("Ada")
    tab.get_by_role("button", name="Subscribe").click()
    return tab


def test_the_docs_page_signs_up_from_an_allowed_origin_and_is_refused_from_another(
    send_ws, smtpd, audience_app
):
    """From the allowed site the sign-up is pending and mailed; from an unlisted one, 403 and nothing."""
    page: dict[str, str] = {}
    with website(page) as allowed_site, website(page) as other_site, chromium() as browser:
        app = audience_app(send_ws, smtpd, allowed_origins=(allowed_site,))[0]
        with running_server(app) as serve:
            # The page as the docs show it, posting to this serve in place of news.example.org.
            page["html"] = docs_page().replace(
                "https://news.example.org/subscribe", f"{serve.url}/subscribe"
            )
            refused = submit(browser, other_site)
            expect(refused.get_by_role("heading", level=1)).to_have_text("Not allowed")
            assert "own page or the sites it names" in unescape(refused.content())
            assert refused.url == f"{serve.url}/subscribe"
            assert pending(send_ws) == [] and smtpd.received == []

            accepted = submit(browser, allowed_site)
            expect(accepted.get_by_role("heading", level=1)).to_have_text("Check your inbox")
            assert pending(send_ws) == ["site.reader@example.org"]
            (mail,) = smtpd.received
            assert b"site.reader@example.org" in mail.data
            accepted.get_by_role("link", name=f"Back to {allowed_site.split('//')[1]}").click()
            expect(accepted).to_have_url(f"{allowed_site}/")
