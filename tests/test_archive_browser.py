"""The archive as a reader sees it: served by a plain static server, opened in the real Chromium."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsletter.archive import write_archive
from newsletter.config import load_settings
from tests.support.archive_workspace import add_issues
from tests.support.browser import chromium, expect
from tests.support.check_workspace import make_sample_workspace

pytestmark = pytest.mark.browser


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_index_pages_and_feeds_open_in_chromium(tmp_path):
    """From the index to an issue page and back, at desktop and phone width, with no error."""
    root = make_sample_workspace(tmp_path / "ws")
    add_issues(root, 2)
    write_archive(load_settings(root)[0], unsent=True)  # pages, not which issues went out
    handler = functools.partial(_Quiet, directory=str(root / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base)
            expect(page.locator("h1")).to_have_text("The Weekly Brief")
            links = page.locator("main li > a")
            expect(links).to_have_count(3)
            expect(links.nth(1)).to_contain_text("Week 1: Peru to declare")
            links.first.click()
            page.wait_for_url(base + "2026-W48/")
            expect(page.locator("h1").first).to_contain_text("Peru to declare state of emergency")
            nav = page.get_by_role("navigation", name="Archive")
            expect(nav).to_be_visible()
            nav.get_by_role("link", name="All issues of The Weekly Brief").click()
            page.wait_for_url(base)
            page.set_viewport_size({"width": 360, "height": 740})
            for url in (base, base + "2026-W47/"):
                page.goto(url)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, (url, width)
            assert errors == []
            for feed, kind in (("feed.xml", "xml"), ("feed.json", "json")):
                # (a feed has no <link rel="icon">: the browser asks for /favicon.ico here)
                response = page.goto(base + feed)
                assert response.status == 200 and kind in response.headers["content-type"]
                assert "https://news.example.org/2026-W48/" in response.text()
    finally:
        server.shutdown()
        server.server_close()
    shutil.rmtree(root)
