"""Ranking by meaning: the model's cosine and the concepts combined, and where the cut falls."""

from __future__ import annotations

from pathlib import Path

from newsletter.assemble.meaning import (
    MEANING_FLOOR,
    RELATED_BAR,
    WEEK_BAR,
    combine,
    lead_text,
    rank_by_meaning,
)
from newsletter.assemble.relevance import lead_profile
from newsletter.models import Headline
from tests.support.model_questions import results_asked

TITLE = "Valencia floods: death toll rises to 95 as rescuers search for missing"
PARAGRAPHS = (
    "Torrential rain unleashed flash floods in the Valencia region of eastern Spain, killing "
    "at least 95 people and leaving dozens missing, officials said on Wednesday.",
    "Rescuers used helicopters to lift residents from rooftops in towns south of the city of "
    "Valencia, where a year's worth of rain fell in eight hours.",
)
ABOUT = (
    "Dozens still missing after Spain's deadliest floods in decades",
    "Valencia CF match postponed after floods",
    "Spain declares three days of mourning after floods",
)
CITY_ONLY = (
    "Valencia beat Sevilla 2-1 to climb to fourth",
    "Chelsea sign Valencia striker",
    "Valencia's new mayor unveils budget",
)


def _ranked(titles):
    profile = lead_profile(TITLE, PARAGRAPHS)
    return rank_by_meaning(lead_text(TITLE, PARAGRAPHS), profile, [Headline(t) for t in titles])


def test_a_sport_result_sharing_only_the_city_stays_out_of_related():
    """Headlines that share only the city's name score under the Related bar; every headline
    about the floods scores over it, and above all of them."""
    scores = {s.title: s.score for s in _ranked(ABOUT + CITY_ONLY)}
    assert all(scores[t] < RELATED_BAR for t in CITY_ONLY)
    assert min(scores[t] for t in ABOUT) > RELATED_BAR


def test_a_synonym_the_concepts_miss_is_found_by_meaning():
    """A headline in other words ("deluge", "eastern Spain") that shares no concept with the
    lead still ranks above an unrelated one by the model's cosine."""
    ranked = _ranked(["Deluge in eastern Spain leaves scores dead", "Parliament passes budget"])
    assert ranked[0].title.startswith("Deluge") and ranked[0].score > ranked[1].score


def test_weak_evidence_counts_less_than_a_topic():
    """A concept score of a name or place alone (at most 0.5) counts 0.4 of itself."""
    assert combine(0.5, 0.0) < combine(0.6, 0.0) / 2
    assert combine(1.4, 0.2) == combine(1.0, 0.2)
    assert combine(0.0, -0.3) == 0.0


def test_a_result_with_a_score_reads_as_a_result():
    """A game's result is read from a score and "beat", a result's noun ("shutout") or a score
    in a title the model reads as sport ("demolishes ... 7-1", "held 1-1 by Millwall"): the
    Guardians' eclipse-day shutout scored the Related bar under the eclipse; a vote's tally, a
    ruling's, a poll's and a year range are no result (nor is a margin with no score: a
    headline sharing only the city, as the cricket result does, is the place rule's)."""
    from newsletter.assemble.meaning import reads_as_result

    for title in (
        "Birmingham held 1-1 by Millwall as Stansfield rescues a point",
        "Baltimore beats Los Angeles 13-4 as Rodriguez strikes out nine",
        "Guardians follow eclipse with shutout of White Sox, 4-0 in home opener",
        "World Cup Semis: Germany Demolishes Brazil 7-1",  # no result word: the model reads sport
        "Westburg's walk-off home run lifts the Orioles past the Royals 6-4",
    ):
        assert reads_as_result(title), title
    for title in (
        "Senate votes 51-49 to confirm the nominee",
        "Kennedy Confirmed as Health Secretary in 52-48 Senate Vote",
        "Supreme Court rules 6-3 that the president has immunity",
        "Poll puts Labour ahead 45-30",
        "Labour wins the by-election by 10 points",
        "Council held a public meeting on the 2023-24 budget",
        "Birmingham City Council declares effective bankruptcy",
    ):
        assert not reads_as_result(title), title


def test_a_result_word_with_no_score_reads_as_a_result_when_the_model_reads_sport():
    """A result word with no score is a game's result when the model reads the title as sport
    surely ("Aston Villa beat Birmingham City in the second city derby", 0.542 under
    Birmingham's section 114 notice with nothing but the city); a prize, a primary or a bid
    that "wins" is none."""
    from newsletter.assemble.meaning import results_among

    sport = [
        "Aston Villa beat Birmingham City in the second city derby",
        "Birmingham Bears win the T20 Blast quarter-final at Edgbaston",
        "Eagles Beat Chiefs to Win the Super Bowl",
    ]
    other = [
        "Arcade Fire win Album of the Year",
        "Clinton Expected to Win in WV; Obama Looks to November",
        "U.S., Canada, Mexico win joint-bid to host 2026 World Cup",
        "Labour wins the by-election by 10 points",
    ]
    assert results_among([*sport, *other]) == [True] * len(sport) + [False] * len(other)


EIFFEL = "Eiffel Tower summit closes as Paris braces for 40C"
EIFFEL_TEXT = (  # tests/data/weeks/heatwave-2025/week1/seeds/01-eiffel.md
    "The top of the Eiffel Tower was shut to visitors on Tuesday and Wednesday as a heatwave "
    "pushed Paris towards 40C, and Météo-France put the capital and the rest of Île-de-France "
    "on red alert.",
    "Nearly 1,900 schools across France closed, up from about 200 on Monday. Paris kept its "
    "parks open overnight so people could cool off, Marseille made its public pools free and "
    "Orléans opened its air-conditioned museums to all.",
    "The tower's lower floors stayed open; visitors with summit tickets were refunded and asked "
    "to come back on Thursday, when cooler air was forecast.",
)
RECORD = Headline("Germany sets a new heat record as Spain swelters above 40C", source="rec.md")
RECORD_TEXT = (
    "Thermometers on the Rhine reached 38.9C, the highest temperature ever measured in Germany, "
    "while Madrid stayed above 40C for four days running."
)


def test_a_topic_the_leads_clear_coverage_shares_is_core():
    """The lead says "heatwave" once (heat a passing word); the editor's story that clearly
    covers it has "heat" in its title, so "heat" becomes core: a headline naming only the heat
    reaches Related with that feedback and not without it, and a word the story only passes
    ("stayed") is not raised: a headline sharing it scores as before."""
    heat = Headline("Brussels Atomium shortens its hours in the heat")
    stays = Headline("Orléans museum stays closed for repairs")
    profile = lead_profile(EIFFEL, EIFFEL_TEXT)
    lead, texts = lead_text(EIFFEL, EIFFEL_TEXT), {"rec.md": RECORD_TEXT}

    def scores(feedback: bool) -> dict[str, float]:
        ranked = rank_by_meaning(lead, profile, [RECORD, heat, stays], texts, feedback=feedback)
        return {s.title: s.score for s in ranked}

    before, after = scores(False), scores(True)
    assert before[RECORD.title] >= 0.45  # the clear coverage
    assert before[heat.title] < RELATED_BAR <= after[heat.title]
    assert after[stays.title] == before[stays.title]  # "stayed": not core in the story


def test_the_ranking_with_feedback_reads_no_title_twice(monkeypatch):
    """Ranked again with its coverage's feedback, the week reuses what the first ranking read:
    the model is asked whether the lead and each title read as a game's result once each."""
    heat = Headline("Brussels Atomium shortens its hours in the heat")
    stays = Headline("Orléans museum stays closed for repairs")
    lead, texts = lead_text(EIFFEL, EIFFEL_TEXT), {"rec.md": RECORD_TEXT}
    with results_asked(monkeypatch) as asked:
        ranked = rank_by_meaning(
            lead, lead_profile(EIFFEL, EIFFEL_TEXT), [RECORD, heat, stays], texts
        )
    assert {s.title: s.score for s in ranked}[heat.title] >= RELATED_BAR  # the feedback ran
    assert lead[0] in asked and heat.title in asked
    assert len(asked) == len(set(asked))


BAN = "Australia bans children under 16 from social media, a world first"
BAN_TEXT = [
    "Australia's Senate passed a law on Thursday that will bar children under 16 from holding "
    "accounts on social media, the first ban of its kind anywhere. It passed by 34 votes to 19, "
    "a day after the House of Representatives approved it by 102 votes to 13.",
    "Platforms will have a year to keep younger users off or face fines; the law forbids them "
    "to demand a passport as proof of age. The companies called the law rushed.",
]
DYING = Headline("MPs back a bill to legalise assisted dying in England and Wales", source="d.md")
DYING_TEXT = (
    "Britain's House of Commons voted by 330 to 275 on Friday to pass the second reading of a "
    "bill that would let terminally ill adults end their lives with medical help. MPs voted on "
    "conscience. The bill must also clear the House of Lords before it can become law."
)


def test_the_coverage_promotes_no_measure_and_reweighs_no_core_topic():
    """Another parliament's bill, the editor's short story, shares the law's vocabulary
    ("votes", "passed", "House", "law") and scores as clear coverage; its feedback used to make
    "votes" (the lead's "34 votes to 19": a measure) core at 1.0, putting "MPs vote in favour of
    assisted dying bill" in Related (0.521, tests/data/weeks/social-media-ban-2024).  A measure
    is never promoted and a topic the lead already treats as core keeps its own weight: the
    headline scores as it does without feedback, under the bar."""
    vote = Headline("MPs vote in favour of assisted dying bill")
    profile = lead_profile(BAN, BAN_TEXT)
    lead, texts = lead_text(BAN, BAN_TEXT), {"d.md": DYING_TEXT}

    def scores(feedback: bool) -> dict[str, float]:
        ranked = rank_by_meaning(lead, profile, [DYING, vote], texts, feedback=feedback)
        return {s.title: s.score for s in ranked}

    before, after = scores(False), scores(True)
    assert before[DYING.title] >= WEEK_BAR  # taken for the lead's clear coverage
    assert after[vote.title] == before[vote.title] < RELATED_BAR


PARADE = "Car driven into fans at a football club's title parade injures dozens"
PARADE_TEXT = (
    "Hundreds of thousands of supporters lined the streets of Liverpool on Monday to watch the "
    "Premier League champions carry the trophy through the city on an open-top bus, until a car "
    "was driven into the crowd as it left the waterfront.",
    "Paramedics took 27 people to hospital. Police arrested the driver, a local man, and said "
    "the collision was not terrorism.",
)
MATCH = Headline(
    "Champions Liverpool 1-1 Crystal Palace",
    summary="A late equaliser earned ten-man Liverpool a draw at Anfield before the trophy "
    "was presented.",
)
CRASH = Headline("Several hurt as car crashes into fans during Liverpool FC parade")


def test_a_match_result_under_a_lead_about_no_match_stays_out_of_related():
    """Under a crash at a club's title parade, the club's last match ("1-1"), near it in
    meaning (the model's cosine 0.44: Liverpool, champions, the trophy), scores under the
    Related bar: a match's likeness counts weakly, as its concepts do; the crash's report stays
    far over it."""
    lead, profile = lead_text(PARADE, PARADE_TEXT), lead_profile(PARADE, PARADE_TEXT)
    scores = {s.title: s.score for s in rank_by_meaning(lead, profile, [MATCH, CRASH])}
    assert scores[MATCH.title] < RELATED_BAR < WEEK_BAR < scores[CRASH.title]


def test_a_match_result_under_a_final_ranks_as_before():
    """Under a lead that is itself a match's result, a result of the same competition is
    news of it and keeps the model's likeness in full (a 51-49 vote's "victory" is no match)."""
    from newsletter.assemble.meaning import reads_as_sport

    final = "Liverpool held 1-1 by Crystal Palace as the champions lift the trophy at Anfield"
    text = ("Ten-man Liverpool drew with Crystal Palace on the last day of the season.",)
    ranked = rank_by_meaning(lead_text(final, text), lead_profile(final, text), [MATCH])
    assert ranked[0].parts is not None and ranked[0].parts[1] > 0.5
    assert reads_as_sport([MATCH.title, "Senate passes budget 51-49 in narrow victory"]) == [
        True,
        False,
    ]


def test_a_cards_words_in_another_sense_do_not_carry_it_over_the_bar():
    """Under Hurricane Milton's landfall near Siesta Key, the editor's story of New Zealand's
    central bank cutting its key rate by half a point shares "cuts", "key" and "half" with the
    lead, each in another sense, and the model reads its whole text far from the storm (under
    MEANING_FLOOR): as a card it scores above 0 but under the Related bar (it scored 0.290),
    while the story of the tornadoes ahead of the storm keeps its score over the week bar."""
    from newsletter.assemble.candidates import story_headline, story_text
    from newsletter.sources import load_sources

    seeds = Path(__file__).parent / "data" / "weeks" / "hurricane-milton-2024" / "week1" / "seeds"
    lead, rate, tornadoes = (
        load_sources([seeds / name]).stories[0]
        for name in ("01-milton-landfall.md", "02-rbnz.md", "03-tornadoes.md")
    )
    cards = (rate, tornadoes)
    ranked = rank_by_meaning(
        lead_text(lead.title, lead.paragraphs),
        lead_profile(lead.title, lead.paragraphs),
        [story_headline(card) for card in cards],
        {card.source: story_text(card) for card in cards},
    )
    scores = {item.title: item for item in ranked}
    card = scores[rate.title]
    assert card.parts[1] < MEANING_FLOOR and 0 < card.score < RELATED_BAR, card
    assert scores[tornadoes.title].score >= WEEK_BAR, scores
