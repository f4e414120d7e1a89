"""An untitled story's card: its derived title, then what comes after the sentence the title
was made from, not that sentence again (a new user's card read the same sentence twice)."""

from __future__ import annotations

import tomllib

from tests.support.digest_workspace import LEAD, build_in, make

UNTITLED = """\
---
url: https://example.org/bug
---
The software company blamed a bug in its own test software for the update that crashed millions of computers.

Engineers said a check meant to catch bad files had itself been faulty, and that the company would now release updates in stages.
"""

ONE_SENTENCE = """\
---
url: https://example.org/short
---
The software company blamed a bug in its own test software for the update that crashed millions of computers.
"""


def card(folder, url):
    manifest = tomllib.loads((folder / "issues" / "2026-W48" / "issue.toml").read_text())
    return next(c for c in manifest["stories"] if c["url"] == url)


def test_an_untitled_cards_summary_goes_on_after_the_sentence_its_title_came_from(tmp_path):
    """The title says the first sentence; the summary is the next paragraph."""
    folder = make(tmp_path, {"seeds/lead.md": LEAD, "seeds/bug.md": UNTITLED}, "stories = 2\n")
    build_in(folder)
    bug = card(folder, "https://example.org/bug")
    assert bug["title_derived"] is True
    assert "test software" in bug["title"]
    assert bug["summary"].startswith("Engineers said a check"), bug["summary"]
    assert "blamed a bug" not in bug["summary"]


def test_a_card_of_one_sentence_keeps_it_as_its_summary(tmp_path):
    """Nothing after the title's sentence: the card still shows it (never an empty card)."""
    folder = make(
        tmp_path, {"seeds/lead.md": LEAD, "seeds/short.md": ONE_SENTENCE}, "stories = 2\n"
    )
    build_in(folder)
    short = card(folder, "https://example.org/short")
    assert short["summary"].startswith("The software company blamed a bug"), short["summary"]


BRIDGE = """\
---
url: https://example.org/bridge
---
The city council voted on Tuesday to close the old harbour bridge to cars from January, after engineers found cracks in two of its supports.

Buses and bicycles will still cross while repairs go on, and a ferry will run every twenty minutes.
"""


def test_a_sentence_saying_more_than_its_title_stays_on_the_card(tmp_path):
    """The title made from the first sentence left out why ("after engineers found cracks in
    two of its supports"): that sentence stays as the card's summary, or the card went on
    with "while repairs go on" and never said what broke."""
    folder = make(tmp_path, {"seeds/lead.md": LEAD, "seeds/bridge.md": BRIDGE}, "stories = 2\n")
    build_in(folder)
    bridge = card(folder, "https://example.org/bridge")
    assert "harbour bridge" in bridge["title"] and "cracks" not in bridge["title"]
    assert "engineers found cracks" in bridge["summary"], bridge["summary"]
