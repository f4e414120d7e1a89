"""The preview in a real headless Chromium: views, keyboard, widths, dark mode, reloads, errors."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from newsletter.assemble.meaning import RELATED_BAR
from newsletter.issue.manifest import read_manifest
from tests.conftest import ROOT
from tests.support.browser import (
    DESKTOP_VIEWPORT,
    chromium,
    expect,
    frame,
    make_workspace,
    open_page,
    running_preview,
    screenshot,
)

pytestmark = pytest.mark.browser

VIEWS = ["desktop", "phone", "dark", "text", "headers", "checks", "ranking", "send"]
HEADERS = (
    "Preheader",
    "Subject",
    "From",
    "Reply-To",
    "To",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """A preview of the sample seeds that no test in this module changes."""
    workspace = make_workspace(tmp_path_factory.mktemp("preview") / "workspace")
    with running_preview(workspace) as running:
        yield running


@pytest.fixture(scope="module")
def context(browser):
    """One browser context (cookies, storage) for the tests that only look."""
    opened = browser.new_context(viewport=DESKTOP_VIEWPORT)
    yield opened
    opened.close()


@pytest.fixture
def page(context, preview):
    """A fresh page on the shared preview."""
    opened = open_page(context, preview.url)
    yield opened
    opened.close()


def luminance(css_color: str) -> float:
    """Relative luminance (0 black … 1 white) of an `rgb(...)`/`rgba(...)` colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_color)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_page_loads_with_the_issue(page, preview):
    """The page shows the subject, a good build, the size against Gmail's clip and the email."""
    issue = read_manifest(preview.snapshot.folder / "issue.toml")
    assert issue.subject == "{title}"  # the manifest keeps the template: it follows the lead
    assert page.inner_text("h1") == issue.lead.title
    assert page.get_attribute("#status", "data-state") == "ok"
    assert re.fullmatch(r"\d+(\.\d)? KB of 102 KB \(\d+%\)", page.inner_text("#size-text"))
    assert page.is_hidden("#error")
    assert issue.lead.title in frame(page, "light-desktop").inner_text("h1")
    assert page.console_errors == []
    screenshot(page, "desktop")


def test_every_view_switches_on_click_and_shows_its_content(page, preview):
    """Each tab shows its panel alone, puts its name in the URL hash and shows the right content."""
    issue = read_manifest(preview.snapshot.folder / "issue.toml")
    first_related = issue.related[0]
    expected = {
        "desktop": lambda: issue.lead.title in frame(page, "light-desktop").inner_text("body"),
        "phone": lambda: issue.lead.title in frame(page, "light-phone").inner_text("body"),
        "dark": lambda: issue.lead.title in frame(page, "dark-phone").inner_text("body"),
        "text": lambda: (
            "Related" in page.inner_text("#plain-text")
            and issue.lead.title in page.inner_text("#plain-text")
        ),
        "headers": lambda: all(name in page.inner_text("#panel-headers") for name in HEADERS),
        "ranking": lambda: (
            first_related.title in page.inner_text("#panel-ranking")
            and f"{first_related.score:.3f}" in page.inner_text("#panel-ranking")
            and all(term in page.inner_text("#panel-ranking") for term in first_related.matched)
        ),
        "checks": lambda: "sender.dkim" in page.inner_text("#panel-checks"),
        "send": lambda: page.is_visible("#send-address") and page.is_visible("#send-button"),
    }
    for view in [*VIEWS[1:], VIEWS[0]]:
        page.click(f"#tab-{view}")
        for other in VIEWS:
            selected = page.get_attribute(f"#tab-{other}", "aria-selected")
            assert selected == str(other == view).lower()
            assert page.is_visible(f"#panel-{other}") == (other == view)
        assert page.evaluate("location.hash") == f"#{view}"
        assert expected[view](), view
    page.click("#tab-text")
    screenshot(page, "text")


def test_the_ranking_view_lists_each_card_with_its_score_and_terms(browser, tmp_path):
    """A story that did not lead is a card: the Ranking view lists it under "Story cards",
    beside the headlines, with its score and the terms it matched, as issue.toml has them."""
    workspace = make_workspace(tmp_path / "workspace")
    shutil.copy(ROOT / "samples" / "border-towns.md", workspace / "seeds" / "border-towns.md")
    with running_preview(workspace) as running:
        (card,) = read_manifest(running.snapshot.folder / "issue.toml").stories
        assert card.matched  # the sample story shares terms with the lead
        page = open_page(browser, running.url, view="ranking")
        section = page.locator("#panel-ranking section", has=page.locator("#rank-stories"))
        section.get_by_text(card.title).wait_for(timeout=5000)
        assert section.locator("h2").inner_text() == "Story cards (1)"
        (row,) = section.locator("tbody tr").all()
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == "1" and card.title in cells[1] and card.source in cells[1]
        assert cells[2] == f"{card.score:.3f}"
        assert cells[3].split() == list(card.matched)
        assert page.console_errors == []
        page.close()


def test_the_ranking_view_says_what_was_learnt(context, preview):
    """The Ranking view says what the build learnt from earlier issues' edits (here: nothing
    yet, at the shipped Related bar)."""
    page = open_page(context, preview.url, view="ranking")
    panel = page.locator("#panel-ranking")
    panel.get_by_text("Learnt from your edits").wait_for(timeout=5000)
    assert (
        f"nothing learnt yet: no earlier issue was edited (Related bar {RELATED_BAR:.2f})"
        in panel.inner_text()
    )
    page.close()


def test_keyboard_moves_between_views(page):
    """Arrows (wrapping), Home and End move the selection along the tabs; Tab leaves the list."""
    page.focus("#tab-desktop")
    steps = [
        ("ArrowRight", "phone"),
        ("ArrowRight", "dark"),
        ("End", "send"),
        ("ArrowRight", "desktop"),
        ("ArrowLeft", "send"),
        ("Home", "desktop"),
        ("ArrowLeft", "send"),
        ("ArrowLeft", "ranking"),
    ]
    for key, view in steps:
        page.keyboard.press(key)
        assert page.evaluate("document.activeElement.id") == f"tab-{view}", key
        assert page.get_attribute(f"#tab-{view}", "aria-selected") == "true"
        assert page.is_visible(f"#panel-{view}")
    tab_stops = page.eval_on_selector_all('[role="tab"]', "tabs => tabs.map(t => t.tabIndex)")
    assert sorted(tab_stops) == [-1] * (len(VIEWS) - 1) + [0]  # one tab stop for the whole tab list
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "panel-ranking"
    assert page.get_attribute("#panel-ranking", "aria-labelledby") == "tab-ranking"


def test_view_survives_a_reload(page, preview):
    """A reload of the page opens the view it showed (kept in the URL hash)."""
    page.click("#tab-headers")
    page.reload()
    page.wait_for_selector("body[data-generation]")
    assert page.get_attribute("#tab-headers", "aria-selected") == "true"
    assert page.is_visible("#panel-headers")


def test_phone_view_has_no_horizontal_scroll(page):
    """At the phone's 375 px the email fits: nothing is wider than the screen."""
    page.click("#tab-phone")
    phone = frame(page, "light-phone")
    width, scroll_width = phone.evaluate(
        "[document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert width == 375
    assert scroll_width <= width
    widest = phone.evaluate(
        "Math.max(...[...document.querySelectorAll('body *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= width + 0.5
    screenshot(page, "phone")


PHONE_SCREEN = {"width": 375, "height": 667}

# Where each email frame and each tab is drawn on the page, and the page's own width.
_LAYOUT = """() => ({
  pageWidth: document.documentElement.scrollWidth,
  frames: Object.fromEntries([...document.querySelectorAll('iframe[data-frame]')]
    .filter(f => f.offsetParent !== null)
    .map(f => { const r = f.getBoundingClientRect();
                return [f.dataset.frame, [r.left, r.right, r.height]]; })),
  captions: [...document.querySelectorAll('.device figcaption')]
    .filter(c => c.offsetParent !== null).map(c => c.textContent.trim()),
  tabs: [...document.querySelectorAll('[role=tab]')]
    .map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right, r.height]; }),
})"""


def test_on_a_phone_every_frame_fits_the_screen_at_its_true_width(browser, preview):
    """Opened on a 375 px phone, each view's frames are drawn whole inside the screen (scaled
    down, the caption saying how much) while the email inside still lays out at 640 or 375 px;
    every tab is on the screen, 44 px tall, and works."""
    context = browser.new_context(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
    page = open_page(context, preview.url)
    try:
        for view, frames, inner in (
            ("desktop", ["light-desktop"], [640]),
            ("phone", ["light-phone"], [375]),
            ("dark", ["dark-desktop", "dark-phone"], [640, 375]),
        ):
            page.click(f"#tab-{view}")
            layout = page.evaluate(_LAYOUT)
            assert layout["pageWidth"] <= 375, view
            assert sorted(layout["frames"]) == sorted(frames)
            for name, width in zip(frames, inner, strict=True):
                left, right, height = layout["frames"][name]
                assert left >= 0 and right <= 375, (name, left, right)
                assert height >= 400, name  # still a screenful of email, not a sliver
                inside = frame(page, name).evaluate("window.innerWidth")
                assert width - 2 <= inside <= width, (name, inside)  # less the frame's 1 px border
            assert all(" · shown at " in caption for caption in layout["captions"]), layout
            screenshot(page, f"on-a-phone-{view}")
        for left, right, height in layout["tabs"]:
            assert left >= 0 and right <= 375 and height >= 44
        page.click("#tab-send")
        assert page.is_visible("#send-address")
        page.set_viewport_size(DESKTOP_VIEWPORT)  # turned into a wide window: true size again
        page.click("#tab-desktop")
        left, right, _ = page.evaluate(_LAYOUT)["frames"]["light-desktop"]
        assert right - left == 640
        assert page.console_errors == []
    finally:
        context.close()


def test_desktop_view_is_at_desktop_width(page):
    """The desktop frame is 640 px wide and the email's 600 px column fits inside it."""
    desktop = frame(page, "light-desktop")
    width, scroll_width = desktop.evaluate(
        "[window.innerWidth, document.documentElement.scrollWidth]"
    )
    assert 600 <= width <= 640
    assert scroll_width <= width


def test_dark_view_shows_the_emails_dark_styles(page):
    """The dark frames apply the template's prefers-color-scheme: dark rules; the light one not."""
    page.click("#tab-dark")
    colours = {}
    for name in ("light-desktop", "dark-desktop", "dark-phone"):
        colours[name] = frame(page, name).evaluate("""() => {
            const style = (selector) => getComputedStyle(document.querySelector(selector));
            return {card: style('.nl-card').backgroundColor,
                    page: style('.nl-body').backgroundColor,
                    text: style('h1 ~ .prose p').color, heading: style('h1').color};
        }""")
    light, dark = colours["light-desktop"], colours["dark-desktop"]
    assert luminance(light["card"]) > 0.8 and luminance(light["text"]) < 0.1
    for dark in (colours["dark-desktop"], colours["dark-phone"]):
        assert luminance(dark["card"]) < 0.05 and luminance(dark["page"]) < 0.05
        assert luminance(dark["text"]) > 0.6 and luminance(dark["heading"]) > 0.6
    screenshot(page, "dark")


def test_editing_a_seed_reloads_the_page_and_keeps_the_view(browser, tmp_path):
    """Saving a seed pushes a rebuilt issue within about a second, in the same view and scroll."""
    workspace = make_workspace(tmp_path / "workspace")
    seed = next((workspace / "seeds").iterdir())
    with running_preview(workspace) as running:
        page = open_page(browser, running.url, view="phone")
        generation = int(page.get_attribute("body", "data-generation"))
        navigations = page.evaluate("performance.getEntriesByType('navigation').length")
        frame(page, "light-phone").evaluate("window.scrollTo(0, 300)")
        text = seed.read_text("utf-8")
        assert "announced on Friday" in text
        seed.write_text(text.replace("announced on Friday", "announced on Saturday"), "utf-8")
        saved = time.monotonic()
        phone = page.frame_locator('iframe[data-frame="light-phone"]')
        phone.get_by_text("announced on Saturday").wait_for(timeout=5000)
        assert time.monotonic() - saved < 2.0  # about a second, with room for a slow machine
        assert int(page.get_attribute("body", "data-generation")) > generation
        page.wait_for_selector(
            'iframe[data-frame="light-phone"]'
            f'[data-generation="{running.snapshot.good_generation}"]'
        )
        assert frame(page, "light-phone").evaluate("window.scrollY") == 300  # still reading there
        assert page.get_attribute("#tab-phone", "aria-selected") == "true"
        assert page.evaluate("location.hash") == "#phone"
        assert page.evaluate("performance.getEntriesByType('navigation').length") == navigations
        assert page.console_errors == []
        page.context.close()


def test_template_error_is_shown_then_cleared(browser, tmp_path):
    """A broken template shows its file and line above the last good email; the fix clears it."""
    workspace = make_workspace(tmp_path / "workspace")
    template = workspace / "templates" / "digest.mjml.j2"
    good = template.read_text("utf-8")
    lines = good.split("\n")
    line = next(n for n, text in enumerate(lines, 1) if "{{ issue.subject }}" in text)
    with running_preview(workspace) as running:
        page = open_page(browser, running.url)
        lead_title = frame(page, "light-desktop").inner_text("h1")
        template.write_text(good.replace("{{ issue.subject }}", "{{ issue.subject ", 1), "utf-8")
        page.wait_for_selector("#error:not([hidden])", timeout=5000)
        message = page.inner_text("#error-text")
        assert f"digest.mjml.j2:{line}" in message
        assert page.get_attribute("#status", "data-state") == "error"
        # the last good build stays on show
        assert frame(page, "light-desktop").inner_text("h1") == lead_title
        screenshot(page, "error")
        template.write_text(good, "utf-8")
        page.wait_for_selector("#error", state="hidden", timeout=5000)
        assert page.get_attribute("#status", "data-state") == "ok"
        page.context.close()


def test_editing_the_manifest_rerenders_the_issue_folder(browser, tmp_path):
    """Previewing an issue folder re-renders it from issue.toml on save, keeping the edit."""
    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.config import load_settings
    from tests.conftest import SAMPLE_DATE

    workspace = make_workspace(tmp_path / "workspace")
    settings, _ = load_settings(workspace)
    folder = build([str(workspace / "seeds")], settings, AssembleOptions(today=SAMPLE_DATE)).folder
    manifest = folder / "issue.toml"
    with running_preview(workspace, source=folder) as running:
        page = open_page(browser, running.url, view="ranking")
        first = read_manifest(manifest).related[0].title
        edited = manifest.read_text("utf-8").replace(
            f'title = "{first}"', 'title = "Retitled by the editor"', 1
        )
        manifest.write_text(edited, "utf-8")
        page.locator("#panel-ranking").get_by_text("Retitled by the editor").wait_for(timeout=5000)
        desktop = page.frame_locator('iframe[data-frame="light-desktop"]')
        desktop.get_by_text("Retitled by the editor").wait_for(state="attached", timeout=5000)
        assert manifest.read_text("utf-8") == edited
        assert "Retitled by the editor" in Path(folder / "index.html").read_text("utf-8")
        page.context.close()


def test_send_a_test_copy_from_the_page(browser, tmp_path):
    """The form sends one copy through the workspace's relay (a real SMTP server on 127.0.0.1)."""
    from tests.support.smtp_server import smtp_server

    workspace = make_workspace(tmp_path / "workspace")
    config = workspace / "newsletter.toml"
    with smtp_server() as relay:
        text = config.read_text("utf-8")
        text = re.sub(r'(?m)^host = "localhost"', 'host = "127.0.0.1"', text)
        text = re.sub(r"(?m)^port = 587", f"port = {relay.port}", text)
        text = re.sub(r'(?m)^security = "starttls"', 'security = "none"', text)
        config.write_text(text, "utf-8")
        with running_preview(workspace) as running:
            page = open_page(browser, running.url, view="send")
            result = page.locator("#send-result")
            page.fill("#send-address", "not an address")  # refused by the page itself
            page.click("#send-button")
            assert result.inner_text() == "Enter an email address, like you@example.org."
            page.fill("#send-address", "editor@localhost")  # refused by the sender: no dot
            page.click("#send-button")
            expect(result).to_have_text(re.compile(r"^Not sent: "))
            assert "editor@localhost" in result.inner_text()
            page.fill("#send-address", "editor@example.org")
            page.keyboard.press("Enter")
            expect(result).to_have_text(re.compile(r"^Sent: "), timeout=10000)
            assert result.inner_text().startswith("Sent: test copy of 2026-W48")
            page.context.close()
        assert len(relay.received) == 1
        received = relay.received[0]
        assert received.rcpt_tos == ("editor@example.org",)
        assert received.message()["Subject"] == running.snapshot.summary["subject"]


def test_a_page_left_open_follows_a_restarted_preview(browser, tmp_path):
    """When `newsletter preview` is stopped and started again, an open page notices and reloads."""
    from newsletter.preview import open_preview
    from tests.conftest import SAMPLE_DATE

    workspace = make_workspace(tmp_path / "workspace")
    with running_preview(workspace) as first:
        port = first.server.port
        page = open_page(browser, first.url, view="ranking")
        old_token = page.get_attribute('meta[name="preview-token"]', "content")
    expect(page.locator("#status")).to_have_attribute("data-state", "offline", timeout=5000)
    sources = [str(workspace / "seeds")]
    with open_preview(sources, workspace=workspace, today=SAMPLE_DATE, port=port) as second:
        assert second.server.port == port
        expect(page.locator('meta[name="preview-token"]')).not_to_have_attribute(
            "content", old_token, timeout=10000
        )
        page.wait_for_selector("body[data-generation]")
        assert page.get_attribute("#status", "data-state") == "ok"
        assert page.get_attribute("#tab-ranking", "aria-selected") == "true"
        page.context.close()
