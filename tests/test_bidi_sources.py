"""Bidi embeddings, overrides and isolates in a feed's, a Markdown story's or a seed's text are
dropped where sources are loaded, so `newsletter build` writes none into the email's HTML and
text parts, while Arabic text, its right-to-left mark and emoji joiners stay
(control_chars.without_bidi_formatting; docs/security.md)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from newsletter.control_chars import without_bidi_formatting
from tests.support.build_json import build_json

runner = CliRunner()

RLO, LRO, RLE, LRE, PDF = "\u202e", "\u202d", "\u202b", "\u202a", "\u202c"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
RLM, ZWJ, ZWNJ = "\u200f", "\u200d", "\u200c"
ARABIC = "انهيار جسر في بالتيمور"  # "a bridge collapses in Baltimore"
FAMILY = f"👩{ZWJ}👩{ZWJ}👧"
PERSIAN = f"می{ZWNJ}رود"  # "goes": its non-joiner keeps the two letters apart
BIDI_FORMATTING = re.compile("[\u202a-\u202e\u2066-\u2069]")

FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Harbor {RLE}Desk</title>
    <link>https://harbor.example/</link>
    <description>Port news</description>
    <item>
      <title>Key Bridge collapses {RLO}after ship collision</title>
      <link>https://harbor.example/2026/11/bridge</link>
      <description>Divers search the river {LRO}for six workers{PDF} and {RLI}the port closes.</description>
      <pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate>
    </item>
    <item>
      <title>{RLM}{ARABIC} {PERSIAN} {FAMILY}</title>
      <link>https://harbor.example/2026/11/arabic</link>
      <description>{ARABIC}{RLM} — {FSI}Patapsco river{PDI}</description>
      <pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>
"""

STORY = f"""---
title: Baltimore's Key Bridge {LRE}collapses after a cargo ship strikes it
summary: The bridge fell {RLO}into the Patapsco River
date: 2026-11-24
---

A container ship lost power and struck a support pier of the {RLO}Francis Scott Key Bridge in
Baltimore early on Tuesday, and the bridge collapsed into the river within seconds.

Divers searched the river for six construction workers {LRI}who were filling potholes.
"""

SEED = f"Port of Baltimore {RLI}closed to ships after bridge collapse https://harbor.example/port\n"


def write(workspace: Path, name: str, text: str) -> str:
    """Write a source file into the workspace; its name relative to it."""
    path = workspace / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return name


def test_a_built_issue_holds_no_bidi_override_and_keeps_arabic_text(workspace):
    """A feed, a Markdown story and a seed each carrying unclosed overrides, embeddings and
    isolates build an issue whose HTML, text part and message hold none of them, with the
    Arabic headline, its mark, the emoji's joiners and the non-joiner intact."""
    sources = (
        write(workspace, "stories/bridge.md", STORY),
        write(workspace, "feeds/harbor.xml", FEED),
        write(workspace, "seeds/port.txt", SEED),
    )
    issue_dir = workspace / build_json(*sources)["issue_dir"]
    written = {
        p.name: p.read_text("utf-8")
        for p in issue_dir.iterdir()
        if p.suffix in (".html", ".txt", ".eml", ".toml")
    }
    assert {"index.html", "index.txt"} <= written.keys()
    for name, text in written.items():
        assert not BIDI_FORMATTING.search(text), name
    for name in ("index.html", "index.txt"):
        text = written[name]
        assert "Key Bridge collapses after ship collision" in text  # the override's place: gone
        assert "Port of Baltimore closed to ships" in text  # the seed's headline
        assert f"{RLM}{ARABIC} {PERSIAN} {FAMILY}" in text  # right-to-left text untouched
        assert "Divers search the river for six workers and the port closes." in text


def test_only_the_explicit_formatting_characters_go():
    """Embeddings, overrides, isolates and their terminators go; marks, ZWJ, ZWNJ and the
    letters of both directions stay, and a clean text comes back as the same object."""
    text = f"{RLE}a{PDF} {LRO}b{PDF} {RLI}c{PDI} {LRI}{FSI}{RLO}"
    assert without_bidi_formatting(text) == "a b c "
    kept = f"{RLM}{ARABIC}\u200e {FAMILY} שלום\u061c{ZWNJ}"
    assert without_bidi_formatting(kept) is kept


def test_a_story_file_of_nothing_but_bidi_controls_is_an_empty_file(workspace):
    """A seed or Markdown file holding only overrides and isolates is refused as empty, in one
    line naming it, and no issue is written (it built an issue with an empty subject)."""
    from tests.support.cli_errors import one_error_line, run

    for name in ("only.txt", "only.md"):
        seeds = workspace / "bidi-only"
        seeds.mkdir(exist_ok=True)
        for old in seeds.iterdir():
            old.unlink()
        (seeds / name).write_text("\u202e\u2066\n\u202c\u2069\n", "utf-8")
        one_error_line(run("build", "bidi-only"), name, "the file is empty")
        assert not (workspace / "issues").exists()
