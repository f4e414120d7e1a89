"""The preview's Checks tab in a real Chromium: the report of `newsletter check`, on every rebuild."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from newsletter.check import check_issue
from newsletter.config import load_settings
from tests.support.browser import (
    chromium,
    expect,
    make_workspace,
    open_page,
    running_preview,
    screenshot,
)

pytestmark = pytest.mark.browser


def test_checks_tab_shows_the_report_and_follows_each_rebuild(tmp_path):
    """The tab lists what `check` finds; breaking the postal address shows an error after the save."""
    workspace = make_workspace(tmp_path / "ws")
    with running_preview(workspace) as preview, chromium() as browser:
        expected = check_issue(preview.snapshot.folder, load_settings(workspace)[0])
        page = open_page(browser, preview.url, "checks")
        rows = page.locator("#checks-body tr")
        expect(rows).to_have_count(len(expected.findings))
        assert [rows.nth(i).get_attribute("data-check") for i in range(rows.count())] == [
            f.check for f in expected.findings
        ]
        expect(page.locator("#checks-summary")).to_have_text("Checks: 0 errors, 3 warnings")
        expect(page.locator("#checks-verdict")).to_contain_text("ready to send")
        generation = preview.snapshot.generation
        config = workspace / "newsletter.toml"
        config.write_text(re.sub(r"^postal_address = .*$", "", config.read_text(), flags=re.M))
        preview.rebuilder.wait_for(generation, timeout=10)
        error_row = page.locator('#checks-body tr[data-check="postal.address"]')
        expect(error_row).to_have_count(1)
        expect(error_row).to_contain_text("postal_address is not set")
        expect(page.locator("#checks-summary")).to_have_text("Checks: 1 error, 3 warnings")
        expect(page.locator("#checks-verdict")).to_contain_text("newsletter send refuses")
        assert page.get_attribute("#checks-summary", "data-state") == "error"
        page.click("#checks-summary")  # the header's summary opens the tab from any view
        assert page.is_visible("#panel-checks")
        screenshot(page, "checks")
        assert page.console_errors == []
        with urllib.request.urlopen(preview.url + "api/state") as response:
            state = json.loads(response.read())
        assert state["issue"]["checks"]["errors"] == 1
