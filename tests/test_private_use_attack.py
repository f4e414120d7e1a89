"""Private-use characters (U+E000-U+F8FF, planes 15 and 16) in a feed and a Markdown story,
through `newsletter build` (docs/security.md, *Feeds, reports, relays and serve, a third round
from outside*): U+F8FF is Apple's logo on Apple devices and a box elsewhere, so the sources
drop them as they drop invisible characters, and no Subject, headline or summary carries one."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from newsletter.control_chars import source_text
from tests.support.build_json import build_json

PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")

STORY = """---
title: "\uf8ff Apple cuts iPhone prices in China as sales fall \U000f0041"
url: https://example.org/stories/iphone-china
date: 2026-11-24
---

Apple cut the price of its newest \uf8ff iPhone models in China by up to 15 percent on
Tuesday &#xF8FF; after a third quarter of falling sales in the country.

Analysts said the cut \U0010fffd followed discounts by Huawei and Xiaomi.
"""

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tech \ue000 desk</title><link>https://agg.example/</link>
<description>d</description>
<item><title>\uf8ff Apple shares slip after the China price cut</title>
<link>https://agg.example/1</link>
<description>Shares of Apple &#xF8FF; fell 2 percent \ue0ff in early trading.</description></item>
<item><title>Huawei answers &#xF8FF; with discounts of its own \U0010fffd</title>
<link>https://agg.example/2</link>
<source url="https://b.example/">\uf8ff Daily</source></item>
</channel></rss>
"""


def test_private_use_characters_reach_no_subject_headline_or_summary(workspace: Path):
    """U+F8FF, U+E000, U+E0FF and plane 15-16 characters, raw and as references, in a Markdown
    story's title and body and a feed's titles, description, outlet and channel title: none
    is in the email's HTML, text part, manifest or Subject, one space left where they sat."""
    (workspace / "stories").mkdir()
    (workspace / "stories" / "iphone.md").write_text(STORY, "utf-8")
    (workspace / "tech.xml").write_text(FEED, "utf-8")
    data = build_json("stories/iphone.md", "tech.xml")
    issue = workspace / data["issue_dir"]
    for name in ("index.html", "index.txt", "issue.toml", "message.eml"):
        text = (issue / name).read_text("utf-8")
        assert not PRIVATE_USE.search(text), (name, PRIVATE_USE.findall(text))
        assert "Apple shares slip after the China price cut" in text, name
        assert "newest  iPhone" not in text, name
    message = BytesParser(policy=policy.default).parsebytes((issue / "message.eml").read_bytes())
    assert message["Subject"].endswith("Apple cuts iPhone prices in China as sales fall")
    assert not PRIVATE_USE.search(message.get_body(("plain",)).get_content())


def test_source_text_drops_each_private_use_plane_and_keeps_the_rest():
    """The one cleaning every source's text goes through: private-use characters of the BMP and
    planes 15 and 16 dropped (one space where a run sat between two), invisibles too, and
    emoji, an emoji flag and the noncharacters' neighbours left alone."""
    assert source_text("\uf8ff Apple \ue000 iPhone\U000f0000\U0010fffd") == " Apple iPhone"
    assert source_text("a\u200bb \U0001f34e") == "ab \U0001f34e"
    assert source_text("\udfff\uf900\U000effff") == "\udfff\uf900\U000effff"
