"""Round 38 of issue 20's derived titles, read once on `fresh_round38.toml` (23 leads gathered
and committed before the code read them: 11 of 23), then two rules chosen on that reading.

A subject cut inside its own relative clause ("Wind-blown wildfire that has forced evacuation of
hundreds of homes south", the main verb "prompted" after "Jackson, Wyoming,") has no main verb:
the sentence without that clause is tried first.  A named time of day ("just after midnight
today") goes when a clause is over the limit, as a clock time does.  Every title of every set
was derived before and after: 5 changed, 3 recorded (`title_38`), 2 of the weeks' seeds below."""

from __future__ import annotations

from pathlib import Path

from newsletter.assemble.title_style import compressed, cut_inside_relative
from newsletter.assemble.titles import derive_title
from tests.support.title_records import (
    changed_in_round,
    latest_title,
    lead_paragraphs,
    recorded_leads,
)

WEEKS = Path(__file__).parent / "data" / "weeks"


def _seed(path: str) -> list[str]:
    body = (WEEKS / path).read_text("utf-8").split("---", 2)[2]
    return [" ".join(p.split()) for p in body.strip().split("\n\n") if p.strip()]


WILDFIRE = (
    "A wind-blown wildfire that has forced the evacuation of hundreds of homes south of the "
    "resort town of Jackson, Wyoming, prompted officials on Sunday to close 50 miles of a key "
    "highway traveled by tourists to reach Grand Teton and Yellowstone national parks."
)


def test_a_subject_cut_inside_its_relative_clause_has_no_main_verb():
    assert cut_inside_relative(
        "Wind-blown wildfire that has forced evacuation of hundreds of homes south", WILDFIRE
    )
    # the main verb kept, or rewritten ("prompts"): a verb of its own
    assert not cut_inside_relative(
        "Wind-blown wildfire that has forced evacuation of hundreds of homes prompts officials",
        WILDFIRE,
    )
    # two verbs in the clause's group: "died" is the main verb, whatever the tagger says
    measles = (
        "A school-aged child who had not been vaccinated died of measles in West Texas on "
        "Tuesday night, state health officials said on Wednesday."
    )
    assert not cut_inside_relative(
        "School-aged child who had not been vaccinated died of measles in West Texas", measles
    )


def test_the_wildfire_keeps_its_main_verb():
    assert derive_title(lead_paragraphs("fresh_round38", 15)) == (
        "Wind-blown wildfire prompts officials to close 50 miles of key highway traveled by tourists"
    )


def test_a_named_time_of_day_goes_when_the_clause_is_too_long():
    assert compressed(
        "ran aground and sank off Canada's Pacific coast just after midnight today"
    ) == ("ran aground and sank off Canada's Pacific coast")
    assert compressed("stormed the building shortly before dawn, police said") == (
        "stormed the building, police said"
    )
    assert derive_title(lead_paragraphs("fresh_round38", 2)) == (
        "Ferry carrying 101 passengers and crew runs aground and sinks in bad weather off "
        "Canada's Pacific coast"
    )


def test_the_weeks_seeds_that_changed_stay_whole():
    """Read: both kept before and after, each without a time of day no digest needs."""
    assert derive_title(_seed("heatwave-2025/week2/seeds/04-texas-floods.md")) == (
        "Torrential rain on the Fourth of July sends the Guadalupe River up more than twenty feet"
    )
    assert derive_title(_seed("texas-measles-2025/week2/seeds/04-tariffs.md")) == (
        "President Donald Trump's tariffs on Canada and Mexico take effect"
    )
    assert derive_title(_seed("texas-measles-2025/week1/seeds/01-measles-death.md")) == (
        "School-aged child who had not been vaccinated died of measles in West Texas"
    )


def test_every_changed_title_was_read_and_none_kept_was_lost():
    """The 3 recorded titles round 38 changed derive as read (`title_38`): 1 reject now kept
    (the ferry), 2 rejected before and after; no kept title was lost."""
    changed = changed_in_round(38)
    assert len(changed) == 3
    for lead in changed:
        assert derive_title(lead["paragraphs"]) == lead["title_38"], lead["source"]
        assert lead["verdict_38"] == "keep" or lead["why_38"]
    assert sum(lead["verdict_38"] == "keep" for lead in changed) == 1


def test_the_held_out_reading_is_recorded():
    leads = recorded_leads("fresh_round38")
    assert len(leads) == 23
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 11
    for lead in leads:
        assert not 2004 <= lead["year"] <= 2005  # that period belongs to a hidden set
        assert derive_title(lead["paragraphs"]) == latest_title(lead), lead["source"]
