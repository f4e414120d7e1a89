"""Helpers for the preview's tests: a sample workspace, a running preview, a real headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Playwright (never a
downloaded one).  Without it the browser tests skip, unless
NEWSLETTER_REQUIRE_BROWSER=1 (set by CI), when they fail instead.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SAMPLE_DATE, SAMPLE_SEED

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
DESKTOP_VIEWPORT = {"width": 1280, "height": 900}


def require_chromium() -> None:
    """Skip (fail, when NEWSLETTER_REQUIRE_BROWSER=1) without Debian's Chromium and Playwright."""
    required = os.environ.get("NEWSLETTER_REQUIRE_BROWSER") == "1"
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium fonts-dejavu-core)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "Playwright for Python is not installed (pip install -e '.[test]')"
    if missing and required:
        pytest.fail(f"browser tests required (NEWSLETTER_REQUIRE_BROWSER=1) but {missing}")
    if missing:
        pytest.skip(f"browser tests skipped: {missing}")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium, closed afterwards."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def expect(target: Any) -> Any:
    """Playwright's auto-waiting assertions (imported late: the module loads without Playwright)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def make_workspace(folder: Path) -> Path:
    """A workspace with the sample newsletter.toml, seed and its own copy of the templates."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    (folder / "seeds").mkdir(exist_ok=True)
    shutil.copy(SAMPLE_SEED, folder / "seeds" / SAMPLE_SEED.name)
    shutil.copytree(ROOT / "templates", folder / "templates", dirs_exist_ok=True)
    return folder


@contextmanager
def running_preview(
    workspace: Path, source: Path | None = None, day: dt.date = SAMPLE_DATE
) -> Iterator[Any]:
    """A preview of the workspace's seeds (or of `source`) on 127.0.0.1, any free port."""
    from newsletter.preview import open_preview

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
        sources = [str(source or workspace / "seeds")]
        preview = open_preview(sources, workspace=workspace, today=day, port=0)
        try:
            yield preview
        finally:
            preview.close()


def open_page(browser_or_context: Any, url: str, view: str | None = None) -> Any:
    """A fresh page on the preview once it has drawn its first state; console errors collected."""
    page = browser_or_context.new_page(
        **({"viewport": DESKTOP_VIEWPORT} if hasattr(browser_or_context, "new_context") else {})
    )
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.goto(url + (f"#{view}" if view else ""))
    page.wait_for_selector("body[data-generation]")
    return page


def frame(page: Any, name: str) -> Any:
    """The Playwright frame of one email view: light- or dark-, desktop or phone."""
    selector = f'iframe[data-frame="{name}"][data-generation]'
    handle = page.wait_for_selector(selector, state="attached")
    content = handle.content_frame()
    content.wait_for_load_state()
    return content


def wait_until(condition: Callable[[], bool], timeout: float = 5.0, step: float = 0.02) -> float:
    """Poll until `condition()` holds; return the seconds it took, or fail the test."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not true after {timeout} s: {condition.__doc__ or condition}")
        time.sleep(step)
    return time.monotonic() - started


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot in tests/artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"preview-{name}.png"
    page.screenshot(path=str(path))
    return path
