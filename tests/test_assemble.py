"""Assembling an issue: lead choice, the Related cut, ids, subject and preheader."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from newsletter.assemble import (
    AssembleOptions,
    assemble_issue,
    iso_week_id,
    lead_from_story,
    lead_summary,
    split_related,
)
from newsletter.assemble.candidates import candidate_headlines
from newsletter.assemble.lead import choose_lead
from newsletter.errors import ConfigError, SourceError
from newsletter.models import Headline, ScoredHeadline, Sources, Story
from newsletter.sources import load_sources
from tests.conftest import SAMPLE_DATE

PERU = Story(
    title=None,
    source="seeds/peru.txt",
    body=(
        "Peru is preparing to declare a state of emergency along its border with Chile as growing numbers of "
        "migrants attempt to enter the country, President José Jerí announced on Friday. Officials said the "
        "measure targets unauthorized crossings.\n\nMigrants, mostly Venezuelans, are gathered at the border."
    ),
)
BAKING = Story(
    title="A Guide to Sourdough Bread",
    source="seeds/bread.md",
    format="markdown",
    body="Sourdough bread needs a starter, flour, water and salt. Bake it in a hot oven.",
)
HEADLINES = (
    Headline("U.S. Repatriation Flight Carrying 266 Venezuelan Migrants Lands in Caracas"),
    Headline("New Orleans Immigration Crackdown Sparks Fear as Federal Arrests Intensify"),
    Headline("Chile Tightens Border Controls Ahead of Presidential Runoff"),
)


def test_lead_is_the_story_the_headlines_are_about():
    """Without an editor's choice, the story most related to the week's headlines leads."""
    assert choose_lead([BAKING, PERU], HEADLINES, None) is PERU


def test_editor_choice_wins_by_file_or_title(tmp_path):
    """--lead picks a story by its source file or by its title, whatever the scores say."""
    assert choose_lead([PERU, BAKING], HEADLINES, "seeds/bread.md") is BAKING
    assert choose_lead([PERU, BAKING], HEADLINES, "a guide to sourdough bread") is BAKING
    with pytest.raises(
        SourceError,
        match=r"--lead 'seeds/none.txt': no such story among the sources; give a story's file",
    ):
        choose_lead([PERU, BAKING], HEADLINES, "seeds/none.txt")


def test_front_matter_lead_true_forces_the_lead_and_two_are_an_error():
    """`lead: true` forces one story; two stories claiming it are reported by name."""
    forced = dataclasses.replace(BAKING, forced_lead=True)
    assert choose_lead([PERU, forced], HEADLINES, None) is forced
    with pytest.raises(
        SourceError, match=r"2 stories say 'lead: true' \(seeds/peru.txt, seeds/bread.md\)"
    ):
        choose_lead([dataclasses.replace(PERU, forced_lead=True), forced], HEADLINES, None)


def test_headlines_without_any_story_cannot_lead():
    """Sources with headlines only give a clear error saying what to add."""
    with pytest.raises(
        SourceError, match=r"no story can lead this issue.*add a seed or Markdown story"
    ):
        choose_lead([], HEADLINES, None)


def test_untitled_lead_gets_a_derived_title_marked_derived():
    """An untitled story leads under a short derived title, flagged for the editor to check."""
    lead = lead_from_story(PERU)
    assert lead.title_derived is True
    assert 20 <= len(lead.title) <= 90
    assert lead.title.startswith("Peru")
    assert not lead.title.endswith((".", ","))
    assert "announced" not in lead.title
    titled = lead_from_story(BAKING)
    assert (titled.title, titled.title_derived) == ("A Guide to Sourdough Bread", False)


def test_other_stories_join_the_candidates_and_the_leads_title_does_not():
    """Stories that do not lead are headline candidates; a headline repeating the lead's title is dropped."""
    titled_peru = dataclasses.replace(PERU, title="Peru Declares Border Emergency")
    pool = candidate_headlines(
        titled_peru, [titled_peru, BAKING], [*HEADLINES, Headline("peru declares border emergency")]
    )
    titles = [h.title for h in pool]
    assert "A Guide to Sourdough Bread" in titles
    assert all(t.casefold() != "peru declares border emergency" for t in titles)


def _scored(*scores: float) -> tuple[ScoredHeadline, ...]:
    return tuple(ScoredHeadline(Headline(f"h{i}"), s) for i, s in enumerate(scores))


@pytest.mark.parametrize(
    ("scores", "limit", "related"),
    [
        ((0.9, 0.8, 0.7, 0.1), 5, 3),
        ((0.9, 0.8, 0.7, 0.6), 2, 2),
        ((0.1, 0.05), 5, 0),
        ((0.3, 0.3), 5, 2),
        ((), 5, 0),
    ],
)
def test_related_is_the_best_few_above_the_threshold(scores, limit, related):
    """Related takes at most `limit` headlines at or above the threshold (`stretch` 1: none
    past it, whatever their score); More keeps the rest in order."""
    ranked = _scored(*scores)
    got_related, got_more = split_related(ranked, limit, bar=0.3, week_bar=0.3, stretch=1)
    assert len(got_related) == related
    assert got_related + got_more == ranked


def test_iso_week_id():
    """Issue ids default to the ISO week, with the ISO year at year ends."""
    assert iso_week_id(dt.date(2026, 11, 26)) == "2026-W48"
    assert iso_week_id(dt.date(2027, 1, 1)) == "2026-W53"
    assert iso_week_id(dt.date(2025, 12, 29)) == "2026-W01"


def test_sample_issue_has_subject_preheader_and_a_sensible_cut(settings):
    """The sample assembles with subject = derived title, a preheader from the next sentence, ≤ 5 related."""
    issue = assemble_issue(
        load_sources([settings.workspace / "seeds"]), settings, AssembleOptions(today=SAMPLE_DATE)
    )
    assert issue.id == "2026-W48"
    assert issue.subject == issue.lead.title
    assert issue.preheader.startswith("The decision comes amid heightened tensions")
    assert len(issue.preheader) <= 140
    assert 1 <= len(issue.related) <= 5
    assert len(issue.related) + len(issue.more) == 17


def test_no_more_drops_the_rest_and_related_limit_applies(settings):
    """With more_headlines off only Related remains; --related caps its length."""
    sources = load_sources([settings.workspace / "seeds"])
    issue = assemble_issue(
        sources, settings, AssembleOptions(today=SAMPLE_DATE, related=2, more_headlines=False)
    )
    assert len(issue.related) <= 2 and issue.more == ()


def test_subject_template_fields_and_errors(settings):
    """Subject/preheader templates fill {name} {title} {date} {id}; a bad one names the key."""
    sources = Sources(stories=(BAKING,), headlines=HEADLINES)
    custom = dataclasses.replace(settings, subject="{name} #{id}: {title}", preheader="{date}")
    issue = assemble_issue(sources, custom, AssembleOptions(today=SAMPLE_DATE))
    assert issue.subject == "The Weekly Brief #2026-W48: A Guide to Sourdough Bread"
    assert issue.preheader == "26 November 2026"
    broken = dataclasses.replace(settings, subject="{title")
    with pytest.raises(ConfigError, match=r"subject: cannot fill"):
        assemble_issue(sources, broken, AssembleOptions(today=SAMPLE_DATE))


def test_summary_does_not_stop_at_an_abbreviation():
    """The preheader sentence runs past "Gen." instead of ending there."""
    lead = lead_from_story(
        dataclasses.replace(BAKING, body="Bread is up. Gen. Valverde raised prices again.")
    )
    assert lead_summary(lead) == "Bread is up."
    untitled = lead_from_story(
        dataclasses.replace(BAKING, title=None, body="Bread is up. Gen. Valverde raised prices.")
    )
    assert lead_summary(untitled) == "Gen. Valverde raised prices."


def test_summary_is_trimmed_at_a_word_with_an_ellipsis():
    """A long preheader sentence is cut at a word boundary and ends with an ellipsis."""
    lead = lead_from_story(dataclasses.replace(BAKING, body="word " * 80 + "end."))
    summary = lead_summary(lead, limit=50)
    assert len(summary) <= 50 and summary.endswith("…") and "  " not in summary


def test_a_week_whose_best_headline_is_weak_has_no_related():
    """Headlines over the Related bar stay under More when the week's best is under the week bar."""
    ranked = _scored(0.4, 0.35, 0.1)
    assert split_related(ranked, 5, bar=0.3, week_bar=0.45) == ((), ranked)
    assert len(split_related(ranked, 5, bar=0.3, week_bar=0.4)[0]) == 2


def test_clear_coverage_goes_past_the_related_limit_while_weak_matches_stay_capped():
    """Past `limit`, a headline scoring the week bar is still Related (up to twice the limit);
    one over the Related bar only stays under More, and a limit of 0 lists nothing."""
    ranked = _scored(0.9, 0.8, 0.6, 0.5, 0.4, 0.35)
    related, more = split_related(ranked, 2, bar=0.3, week_bar=0.45)
    assert [h.score for h in related] == [0.9, 0.8, 0.6, 0.5]
    assert [h.score for h in more] == [0.4, 0.35]
    assert [h.score for h in split_related(ranked, 5, bar=0.3, week_bar=0.45)[0]] == [
        0.9,
        0.8,
        0.6,
        0.5,
        0.4,
    ]
    clear = _scored(0.9, 0.8, 0.7, 0.6, 0.55)
    assert len(split_related(clear, 2, bar=0.3, week_bar=0.45)[0]) == 4  # the ceiling: 2 x 2
    assert split_related(clear, 0, bar=0.3, week_bar=0.45) == ((), clear)
