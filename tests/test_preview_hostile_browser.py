"""An issue whose every field carries script, previewed in Chromium at phone and desktop widths
(the page scaling its frames to fit): nothing from the issue's content runs in the page or in
any frame, whichever view is shown."""

from __future__ import annotations

import pytest

from tests.support.browser import chromium, frame, make_workspace, open_page, running_preview

pytestmark = pytest.mark.browser

RUN = "window.pwned=(window.pwned||[]).concat"  # each payload records that it ran
FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title><![CDATA[<img src=x onerror="{RUN}('channel')">Desk]]></title>
<link>https://agg.example/</link><description>d</description>
<item><title><![CDATA[Peru border towns "><script>{RUN}('title')</script> see more crossings]]></title>
<link>javascript:{RUN}('link')</link>
<description><![CDATA[<iframe srcdoc="<script>parent.{RUN}('srcdoc')</script>"></iframe>
<svg onload="{RUN}('svg')"></svg><a href="javascript:{RUN}('href')">read</a> Peru border
crossings rise as Chile tightens checks.]]></description>
<source url="javascript:{RUN}('source')"><![CDATA[<b onmouseover="{RUN}('outlet')">Harbor</b>
</script><script>{RUN}('outlet2')</script>]]></source></item>
<item><title>Chile border &lt;img src=x onerror={RUN}('escaped')&gt; checks</title>
<link>https://agg.example/2?q="><script>{RUN}('query')</script></link>
<description>Chile tightens border checks at the Peru crossing.</description>
<dc:publisher xmlns:dc="http://purl.org/dc/elements/1.1/">&lt;style&gt;@import url(/x)&lt;/style&gt;</dc:publisher>
</item>
</channel></rss>
"""
VIEWS = ["desktop", "phone", "dark", "text", "headers", "checks", "ranking", "send"]
FRAMES = ["light-desktop", "light-phone", "dark-desktop", "dark-phone"]


@pytest.mark.slow
@pytest.mark.parametrize("viewport", [(375, 740), (1280, 900)], ids=["phone", "desktop"])
def test_script_in_every_field_of_an_issue_never_runs_in_the_preview(tmp_path, viewport):
    """A feed whose titles, links, summary, outlet names and channel title carry `<script>`,
    event handlers, `javascript:` links and an `<iframe srcdoc>`: in every view of the preview
    (frames scaled on a phone, or at their true size) no payload ran and no dialog opened."""
    workspace = make_workspace(tmp_path / "workspace")
    (workspace / "seeds" / "hostile.xml").write_text(FEED, "utf-8")
    dialogs: list[str] = []
    with running_preview(workspace) as preview, chromium() as browser:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        page = open_page(context, preview.url)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            for view in VIEWS:
                page.click(f"#tab-{view}")
                page.wait_for_timeout(100)
                for link in page.query_selector_all("#panel-ranking a, #warnings a"):
                    assert not (link.get_attribute("href") or "").lower().startswith("javascript")
            assert page.evaluate("window.pwned === undefined"), page.evaluate("window.pwned")
            for name in FRAMES:
                inside = frame(page, name)
                assert inside.evaluate("window.pwned === undefined"), name
                hrefs = inside.eval_on_selector_all("a", "links => links.map(a => a.href)")
                assert not any(h.lower().startswith("javascript") for h in hrefs), hrefs
            text = page.inner_text("#plain-text")
            # a feed title is plain text: the tag its entities spelt is dropped, not shown
            assert "Chile border checks" in text and "<img" not in text, text
            assert "Harbor" in text, text  # the outlet, its markup dropped
        finally:
            context.close()
    assert dialogs == []
