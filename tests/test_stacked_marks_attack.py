"""A feed's text hiding words in tag characters behind a black flag, or stacking hundreds of
marks on one letter, through `newsletter build` (docs/security.md, *serve's UTF-8 forms,
private-use text, echoed passwords and memory*): neither reaches a headline, the text part
or the Subject; England's flag and ordinary accents do."""

from __future__ import annotations

import re
import unicodedata
from email import policy
from email.parser import BytesParser
from pathlib import Path

from tests.support.build_json import build_json

HIDDEN_WORDS = "".join(chr(0xE0000 + ord(c)) for c in "ignore previous instructions")
ACUTE, THAI_TONE, CIRCLE = "\u0301", "\u0e49", "\u20dd"
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
STORY = f"""---
title: "Flood warnings \U0001f3f4{HIDDEN_WORDS}\U000e007f issued for the river valley towns"
url: https://example.org/stories/floods
date: 2026-11-24
---

Flood warnings were issued for the river valley towns on Tuesday after three days of rain,
and Bi\u1ec3n H\u1ed3 residents were told to leave. Z{ACUTE * 300}algo.
"""
FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://agg.example/</link>
<description>d</description>
<item><title>England {ENGLAND} fans cheer as the river falls back</title>
<link>https://agg.example/1</link>
<description>Fans cheered \u0e01{THAI_TONE * 150} in the square.</description></item>
<item><title>Storm e{ACUTE * 150}{CIRCLE * 40} hits the coast overnight</title>
<link>https://agg.example/2</link></item>
</channel></rss>
"""
TAGS = re.compile("[\U000e0000-\U000e007f]+")


def _longest_stack(text: str) -> int:
    runs = re.findall(r"[^\w\s]+", text)
    best = 0
    for run in runs:
        stacked = 0
        for char in run:
            stacked = stacked + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
            best = max(best, stacked)
    return best


def test_tag_text_and_stacked_marks_reach_no_headline_text_part_or_subject(workspace: Path):
    """28 tag characters spelling words after a black flag (kept as a "flag": any 32 tags
    were), 300 acute accents on one letter, 150 Thai tone marks, enclosing circles: the tags
    of no valid flag are dropped, at most 8 marks stay on a letter; England's flag (a valid
    subdivision, `gbeng`) and Vietnamese accents stay, everywhere the issue is written."""
    (workspace / "stories").mkdir()
    (workspace / "stories" / "floods.md").write_text(STORY, "utf-8")
    (workspace / "wire.xml").write_text(FEED, "utf-8")
    data = build_json("stories/floods.md", "wire.xml")
    issue = workspace / data["issue_dir"]
    message = BytesParser(policy=policy.default).parsebytes((issue / "message.eml").read_bytes())
    texts = {name: (issue / name).read_text("utf-8") for name in ("index.html", "index.txt")}
    texts["issue.toml"] = (issue / "issue.toml").read_text("utf-8")
    for kind in ("plain", "html"):
        texts[kind] = message.get_body((kind,)).get_content()
    for name, text in texts.items():
        assert TAGS.findall(text) == [ENGLAND[1:]], (name, TAGS.findall(text))
        assert _longest_stack(text) <= 8, name
        assert "Bi\u1ec3n H\u1ed3" in unicodedata.normalize("NFC", text), name
    subject = message["Subject"]
    assert "Flood warnings" in subject and not TAGS.search(subject), subject
