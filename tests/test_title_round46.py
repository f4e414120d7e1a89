"""Round 46 of issue 20 (part 6, "titles an editor keeps"), a held-out measurement.

`fresh_round46.toml` (22 leads of Voice of America, Wikinews and US Department of Justice news)
was gathered and committed before any code read it, then read once with round 45's code: 16 of
22 printable.  The code before round 45 derives the same 22 titles, so this is the first
held-out reading of round 45's mechanisms, and none of them changed a title here.  No title
code was changed in the round."""

from __future__ import annotations

from newsletter.assemble.titles import derive_title
from tests.support.title_records import latest_title, read_once_set


def test_the_round_46_set_is_recorded_as_read_once():
    """fresh_round46: 22 leads from URLs no other set holds, read once with round 45's code
    (16 of 22 printable); every title derives as recorded, one of them empty (no candidate
    passes, the editor writes it)."""
    leads = read_once_set("fresh_round46", 22)
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 16
    for lead in leads:
        assert derive_title(lead["paragraphs"]) == latest_title(lead), lead["source"]
    assert sum(lead["title_read"] == "" for lead in leads) == 1
