"""Another event of the same kind elsewhere (assemble/story_places.py), on real headlines of
the labelled leads and holdout3-4 (read as dev since)."""

from __future__ import annotations

import pytest

from newsletter.assemble import story_places as sp
from newsletter.assemble import terms as t
from newsletter.assemble.meaning import WEEK_BAR, lead_text
from newsletter.assemble.relevance import lead_profile
from newsletter.models import Headline
from tests.support import labelled as lb


def _lead(folder, stem: str) -> lb.LabelledLead:
    return next(ld for ld in lb.load_leads(folder) if ld.name == stem)


def _judged(lead: lb.LabelledLead, reports: set[str] | None = None) -> set[str]:
    """The lead's headlines `elsewhere` judges, every headline of `reports` (default: the
    grade-2 ones) scoring the week bar before the judgement and the rest under it."""
    titles = [title for title, _ in lead.headlines]
    reports = {t for t, g in lead.headlines if g == 2} if reports is None else reports
    candidates = [Headline(title) for title in titles]
    whole = lead_text(lead.title, lead.paragraphs)[1]
    profile = lead_profile(lead.title, lead.paragraphs)

    def before(i: int) -> float:
        return 1.0 if titles[i] in reports else 0.0

    window = range(len(titles))
    return {titles[i] for i in sp.elsewhere(whole, profile, candidates, window, before, WEEK_BAR)}


def test_a_bridge_that_collapsed_in_miami_is_elsewhere_under_genoas():
    """Under Genoa's motorway bridge, the Miami pedestrian bridge said to have fallen "in Miami"
    or "near Florida International University" is another event; none of Genoa's reports is."""
    lead = _lead(lb.HOLDOUT4, "80_genoa_bridge_collapse_2018")
    judged = _judged(lead)
    assert {
        "Multiple people injured, unknown number killed in pedestrian bridge collapse at "
        "university in Miami",
        "Miami Pedestrian Bridge Collapses Near Florida International University",
    } <= judged
    assert not judged & {title for title, grade in lead.headlines if grade == 2}


def test_a_crash_in_texas_is_elsewhere_under_a_us_grounding_though_it_names_boeing():
    """The United States holds Texas (the gazetteer's states): a cargo jet that "crashes in
    Texas" is elsewhere under the 737 MAX grounding, its shared "Boeing" notwithstanding."""
    lead = _lead(lb.HOLDOUT4, "84_boeing_737_max_grounded_2019")
    judged = _judged(lead)
    assert "Boeing 767 Cargo Jetliner Crashes in Texas, No Survivors" in judged
    assert "Cargo jet with three on board crashes near Houston airport" in judged
    assert not judged & {title for title, grade in lead.headlines if grade == 2}


def test_an_earthquake_in_afghanistan_is_elsewhere_under_moroccos():
    """Morocco's earthquake: the two Afghan earthquakes are judged, no report of Morocco's."""
    lead = _lead(lb.HOLDOUT3, "70_morocco_earthquake_2023")
    judged = _judged(lead)
    assert "6.3 magnitude earthquake kills 15, injures 40 in Afghanistan" in judged
    assert "Earthquake in Afghanistan: over 2 thousand dead and 10 thousand injured" in judged
    assert not judged & {title for title, grade in lead.headlines if grade == 2}


def test_a_country_as_the_actor_is_not_where_an_event_happened():
    """ "Guatemala Agrees to Take More Deportees" (graded related under the deportations to El
    Salvador) names Guatemala as its subject, not as where: it is not judged."""
    lead = next(ld for ld in lb.load_leads() if ld.name == "02_alien_enemies_deportations")
    assert "Guatemala Agrees to Take More Deportees From Other Countries" not in _judged(lead)


def test_a_lead_that_names_no_gazetteer_place_judges_nothing():
    """Sichuan's earthquake names Sichuan only, and its reports say "China": where the story
    happens is not known to the gazetteer, so no headline of its week is elsewhere."""
    lead = next(ld for ld in lb.load_leads() if ld.name == "24_sichuan_quake_rescuers")
    assert _judged(lead) == set()


def test_a_place_that_holds_the_leads_is_not_elsewhere():
    """California holds Los Angeles: its wildfires' insurance claims are no other event."""
    lead = next(ld for ld in lb.load_leads() if ld.name == "05_los_angeles_wildfires")
    assert "Insurers Face Billions in Claims From California Wildfires" not in _judged(lead)


@pytest.mark.parametrize(
    ("title", "where"),
    [
        ("Thailand: 13 bodies found in Phuket boat accident", {"phuket"}),
        ("Sen. Bob Menendez of New Jersey indicted over gifts", {"@new jersey"}),
        ("Guatemala Agrees to Take More Deportees From Other Countries", set()),
        ("Immigration Lawyers Challenge Use of 1798 Wartime Law in Court", set()),
        ("Biden: Stay Off Subways During Swine Flu Panic", set()),
        ("New human species found in S.African cave", set()),
    ],
)
def test_where_is_a_place_right_after_a_preposition_of_place(title, where):
    """A title says where with a place after "in", "of", "near", "off"...; a Title Case
    title's common word ("in Court", "Off Subways") and a short form with a dot are no place."""
    assert sp.places_in(title, where=True) == where


def test_every_place_of_the_containment_table_is_the_gazetteers():
    """Each place `_INSIDE` and `UNPLACED` name is one of data/places.txt's, so the table
    cannot drift from the gazetteer."""
    names = {*sp._INSIDE, *sp._INSIDE.values(), *sp.UNPLACED}
    for name in names:
        pairs = t.concept_pairs(name)
        assert len(pairs) == 1 and pairs[0][1] == f"{t.PLACE}{name}", name


def test_the_afghan_earthquakes_leave_moroccos_related_when_built():
    """Through the build's own assembler, Morocco's Related keeps its 11 reports and no Afghan
    earthquake (both were in it, 0.49, before story_places.py)."""
    lead = _lead(lb.HOLDOUT3, "70_morocco_earthquake_2023")
    score = lb.score_lead(lead, lb.build_output(lead))
    assert score.related_grades.count(0) == 0
    assert score.related_grades.count(2) == 11
