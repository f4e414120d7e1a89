"""Another outlet's report of a Related story: a line of its own only when Related has room,
it scores the bar alone, and it says something no listed line says (assemble/reports.py)."""

from __future__ import annotations

import dataclasses

from newsletter.assemble import split_related
from newsletter.assemble.reports import fold_reports, list_other_reports
from newsletter.models import Headline, ScoredHeadline
from tests.support import labelled as lb

LEADER = Headline("Race is on to find quake survivors in Turkey, Syria", url="https://a.example/1")
NEW_ANGLE = Headline(
    "Race to find survivors as quake aid pours into Turkey, Syria", url="https://b.example/2"
)
SAME_WORDS = Headline("Quake survivors: race is on in Syria, Turkey", url="https://c.example/3")
OTHER = Headline("Aid convoys reach northern Syria after quake", url="https://d.example/4")


def _line(headline: Headline, score: float, *reports: ScoredHeadline) -> ScoredHeadline:
    return ScoredHeadline(
        headline, score, (), tuple(r.headline for r in reports), merged_scored=reports
    )


def test_a_report_saying_more_takes_a_spare_slot_under_its_story():
    """With room in Related, a folded report that scores the bar and adds "aid pours in" is a
    line of its own, marked as a report of its story and no longer in that story's `also`."""
    new_angle, same_words = ScoredHeadline(NEW_ANGLE, 0.79), ScoredHeadline(SAME_WORDS, 0.8)
    related = (_line(LEADER, 0.81, new_angle, same_words), ScoredHeadline(OTHER, 0.5))
    lines = list_other_reports(related, 8, 0.28)
    assert [line.title for line in lines] == [LEADER.title, NEW_ANGLE.title, OTHER.title]
    assert lines[1].report_of is LEADER and lines[1].score == 0.79
    assert lines[0].merged == (SAME_WORDS,)  # the same words again stay folded
    assert fold_reports(lines)[0].merged == (SAME_WORDS, NEW_ANGLE)


def test_no_report_takes_a_slot_a_distinct_story_needs_or_scores_under_the_bar():
    """A full Related lists no report; a report scoring under the bar alone stays folded; one
    with the URL of a listed line is the same article."""
    report = ScoredHeadline(NEW_ANGLE, 0.79)
    full = (_line(LEADER, 0.81, report), ScoredHeadline(OTHER, 0.5))
    assert list_other_reports(full, 2, 0.28) == full
    weak = (_line(LEADER, 0.81, ScoredHeadline(NEW_ANGLE, 0.2)),)
    assert list_other_reports(weak, 8, 0.28) == weak
    same_url = ScoredHeadline(dataclasses.replace(NEW_ANGLE, url=LEADER.url), 0.79)
    again = (_line(LEADER, 0.81, same_url),)
    assert list_other_reports(again, 8, 0.28) == again


def test_the_related_cut_lists_reports_only_after_every_story_over_the_bar():
    """split_related takes every distinct headline over the bar first; the report fills the
    room left, and Related stays in order of relevance."""
    ranked = (
        _line(LEADER, 0.81, ScoredHeadline(NEW_ANGLE, 0.79)),
        ScoredHeadline(OTHER, 0.5),
        ScoredHeadline(Headline("Stocks slip"), 0.1),
    )
    related, more = split_related(ranked, 3, bar=0.3, week_bar=0.45)
    assert [line.score for line in related] == [0.81, 0.79, 0.5]
    assert [line.title for line in more] == ["Stocks slip"]
    related, _ = split_related(ranked, 2, bar=0.3, week_bar=0.45, stretch=1)
    assert [line.title for line in related] == [LEADER.title, OTHER.title]


def test_a_report_scoring_the_week_bar_goes_past_a_full_related():
    """Past a full Related, another outlet's report scoring the week bar is still a line of its
    own (clear coverage is never cut for length); one scoring only the Related bar stays folded."""
    clear = (_line(LEADER, 0.81, ScoredHeadline(NEW_ANGLE, 0.79)), ScoredHeadline(OTHER, 0.5))
    related, _ = split_related(clear, 2, bar=0.3, week_bar=0.45)
    assert [line.title for line in related] == [LEADER.title, NEW_ANGLE.title, OTHER.title]
    weak = (_line(LEADER, 0.81, ScoredHeadline(NEW_ANGLE, 0.4)), ScoredHeadline(OTHER, 0.5))
    related, _ = split_related(weak, 2, bar=0.3, week_bar=0.45)
    assert [line.title for line in related] == [LEADER.title, OTHER.title]
    assert related[0].merged == (NEW_ANGLE,)


def test_a_real_week_lists_another_outlets_report_of_the_resignation():
    """On the real dev lead of Liz Truss's resignation, "UK Prime Minister Liz Truss announces
    resignation" (graded about it) is a Related line of its own, not only an `also`."""
    lead = next(ld for ld in lb.load_leads() if ld.name == "36_liz_truss_resigns")
    output = lb.build_output(lead)
    titles = [title for title, _ in output.related]
    assert "UK Prime Minister Liz Truss announces resignation" in titles
    assert len(titles) == len(set(titles)) <= 2 * lb.RELATED_SLOTS
