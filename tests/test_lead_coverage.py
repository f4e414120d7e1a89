"""The lead is the story the week's sources cover most, and the Ranking tab says why."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from newsletter.assemble import AssembleOptions, assemble_issue, split_related
from newsletter.assemble.lead import choose_lead, coverage, lead_choice, rank_for_lead, why_lead
from newsletter.config import Settings
from newsletter.models import Headline, Sources, Story
from tests.support.model_questions import results_asked

MAIN = Story(
    title="Drought forces farmers to abandon a third of their fields",
    body=(
        "Farmers across the plains have left a third of their fields unplanted this spring as "
        "the drought enters its second year, agricultural officials said on Tuesday. Wells "
        "have run dry in dozens of villages and the river that feeds the irrigation canals is "
        "at its lowest level in half a century.\n\n"
        "The ministry of agriculture estimates that the wheat harvest will fall by 40 per cent. "
        "Growers who kept planting say they are spending more on diesel for pumps than they "
        "will earn from the crop, and many are selling livestock they can no longer water.\n\n"
        "Aid groups warn that food prices in the region's markets have already doubled since "
        "the autumn. The government has promised emergency payments to farming families and "
        "says it will truck water to the worst-hit villages, but farmers' unions call the "
        "measures too little and too late for a season that is already lost."
    ),
    source="stories/drought.md",
    format="markdown",
)
SHORT = Story(
    title="A family bakery opens its doors to a third generation",
    body=(
        "The bakery on Mill Street has a new owner: the founder's granddaughter, who becomes "
        "the third generation to run it. She plans to keep the recipes and the early opening "
        "hours, and to add a small café where the storeroom used to be."
    ),
    source="stories/bakery.md",
    format="markdown",
)
FESTIVAL = Story(
    title="The town's summer festival announces its programme",
    body=(
        "Concerts, a food market and an open-air cinema fill the programme of this year's "
        "summer festival, which runs for ten days in the old harbour."
    ),
    source="stories/festival.md",
    format="markdown",
)


def test_one_common_word_does_not_choose_the_lead():
    """With Markdown stories only, the long main story leads over a short piece that shares
    only the word "third" with it (a third of the fields, a third generation)."""
    for order in ((SHORT, MAIN, FESTIVAL), (MAIN, SHORT, FESTIVAL), (FESTIVAL, SHORT, MAIN)):
        assert choose_lead(order, (), None) is MAIN
    assert coverage(SHORT, (SHORT, MAIN, FESTIVAL), ()) == ()


def test_the_story_several_feeds_cover_leads():
    """Headlines from two feeds about the drought make it the lead over an equally long
    festival story that one headline mentions."""
    headlines = (
        Headline("Wheat harvest set to fall as drought grips the plains", source="feeds/a.xml#1"),
        Headline("Farmers sell livestock as wells run dry", source="feeds/a.xml#2"),
        Headline("Food prices double in drought-hit region", source="feeds/b.xml#1"),
        Headline("Festival programme announced for the old harbour", source="feeds/b.xml#2"),
    )
    stories = (Story(FESTIVAL.title, FESTIVAL.body, FESTIVAL.source), MAIN)
    assert choose_lead(stories, headlines, None) is MAIN
    found = coverage(MAIN, stories, headlines)
    assert {h.title for h in found} >= {h.title for h in headlines[:3]}
    assert headlines[3].title not in {h.title for h in found}


DROUGHT_LINES = (  # three headlines on MAIN's drought, from two feeds
    Headline("Wheat harvest set to fall as drought grips the plains", source="feeds/a.xml#1"),
    Headline("Farmers sell livestock as wells run dry", source="feeds/a.xml#2"),
    Headline("Food prices double in drought-hit region", source="feeds/b.xml#1"),
)


def test_why_the_lead_counts_headlines_and_sources():
    """The Ranking tab's line counts the covering headlines and the files or feeds they come from."""
    found = coverage(MAIN, (MAIN,), DROUGHT_LINES)
    assert why_lead(found) == "3 headlines from 2 sources cover this story"
    assert why_lead(found[:1]) == "1 headline from 1 source covers this story"
    assert why_lead(()) == "no other headline this week covers this story"


def test_one_feed_of_several_outlets_counts_each_outlet():
    """Headlines the editor collected into one local feed, each linking to its outlet, count
    as coverage from each outlet (by link host, "www." aside), not as one source: the lead's
    bonus for coverage by several outlets works with one feed, and the Ranking tab says
    "from 3 sources"; entries linking to one site still count once."""
    headlines = (
        Headline(
            "Wheat harvest set to fall as drought grips the plains",
            url="https://www.farmnews.example/wheat",
            source="feeds/wires.xml#1",
        ),
        Headline(
            "Farmers sell livestock as wells run dry",
            url="https://plainsdaily.example/livestock",
            source="feeds/wires.xml#2",
        ),
        Headline(
            "Food prices double in drought-hit region",
            url="https://markets.example.org/prices",
            source="feeds/wires.xml#3",
        ),
    )
    found = coverage(MAIN, (MAIN,), headlines)
    assert len(found) == 3
    assert why_lead(found) == "3 headlines from 3 sources cover this story"
    one_site = tuple(
        r._replace(headline=replace(r.headline, url=f"https://farmnews.example/{i}"))
        for i, r in enumerate(found)
    )
    assert why_lead(one_site) == "3 headlines from 1 source cover this story"


def test_the_coverage_line_counts_a_card_as_a_story_not_a_headline():
    """A card of the editor's at the Related bar covers the lead too, but it is no Related
    line: the Ranking tab and `build --json` say "2 headlines and 1 story", so a new user
    counting the issue's Related lines finds the number the line says (it said "3 headlines"
    over 2 lines: tests/data/weeks/kakhovka-2023)."""
    found = coverage(MAIN, (MAIN,), DROUGHT_LINES)
    assert why_lead(found, stories=1) == "2 headlines and 1 story from 2 sources cover this story"
    assert why_lead(found[:1], stories=1) == "1 story from 1 source covers this story"
    assert why_lead(found, stories=0) == "3 headlines from 2 sources cover this story"


FESTIVAL_DAILY = (  # one outlet's eight items on the festival, each scoring 0.79-0.91
    "Summer festival programme: concerts, food market and open-air cinema",
    "Open-air cinema returns to the old harbour for the summer festival",
    "Festival food market to fill the old harbour for ten days",
    "Ten days of concerts: the summer festival line-up",
    "Summer festival: what to see at the harbour concerts",
    "Festival organisers promise the biggest open-air cinema yet",
    "Old harbour gets ready for ten days of summer festival",
    "Summer festival tickets go on sale for harbour concerts",
)


def test_one_outlets_many_items_do_not_outvote_two_outlets():
    """A feed of eight items from one outlet about the festival does not make it the lead over
    the drought, which three headlines from two other outlets cover: each further item of one
    outlet counts half the one before (summed whole, the eight chose the festival)."""
    spam = tuple(
        Headline(t, url=f"https://festival-daily.example/{i}", source=f"feeds/fest.xml#{i}")
        for i, t in enumerate(FESTIVAL_DAILY)
    )
    drought = (
        Headline(
            "Wheat harvest set to fall as drought grips the plains",
            url="https://farmnews.example/wheat",
            source="feeds/wires.xml#1",
        ),
        Headline(
            "Farmers sell livestock as wells run dry",
            url="https://plainsdaily.example/livestock",
            source="feeds/wires.xml#2",
        ),
        Headline(
            "Food prices double in drought-hit region",
            url="https://plainsdaily.example/prices",
            source="feeds/wires.xml#3",
        ),
    )
    stories = (FESTIVAL, MAIN)
    assert len(coverage(FESTIVAL, stories, spam + drought)) == len(spam)
    assert len(coverage(MAIN, stories, spam + drought)) == len(drought)
    for order in (spam + drought, drought + spam):
        assert choose_lead(stories, order, None) is MAIN
    # The same eight items from eight outlets are eight outlets' coverage, and lead.
    spread = tuple(replace(h, url=f"https://outlet{i}.example/fest") for i, h in enumerate(spam))
    assert choose_lead(stories, spread + drought, None) is FESTIVAL


# Three outlets' headlines on the festival, one of them (0.33) between the shipped bar and the
# highest a learnt one may be (0.38); two outlets' on the drought, both far over either bar.
WEEK = (
    Headline("Farmers across the plains", source="feeds/a.xml#1"),
    Headline("Wheat harvest set to fall as drought grips the plains", source="feeds/b.xml#1"),
    Headline("Ten days of summer in town", source="feeds/c.xml#1"),
    Headline("Town council approves summer budget", source="feeds/d.xml#1"),
    Headline("Summer events across the region", source="feeds/e.xml#1"),
)


def test_the_lead_is_chosen_at_the_bar_related_is_cut_with():
    """At the shipped bar three festival headlines make the festival the lead; at a learnt bar
    of 0.38 one of them no longer covers it, and the drought, which Related at that bar would
    cover more, leads: in choose_lead and in the build (a learnt bar in the options)."""
    stories = (FESTIVAL, MAIN)
    assert choose_lead(stories, WEEK, None) is FESTIVAL
    assert len(coverage(FESTIVAL, stories, WEEK, bar=0.38)) == 2
    assert choose_lead(stories, WEEK, None, bar=0.38) is MAIN
    options = AssembleOptions(today=dt.date(2026, 12, 3), related_bar=0.38)
    issue = assemble_issue(Sources(stories, WEEK), Settings(), options)
    assert issue.lead.source == MAIN.source
    shipped = assemble_issue(Sources(stories, WEEK), Settings(), replace(options, related_bar=None))
    assert shipped.lead.source == FESTIVAL.source


def test_the_lead_is_ranked_once_and_as_the_build_ranks_it():
    """The ranking choose_lead made of the lead it chose is the one the build cuts Related from
    (the same scores, in the same order, at a learnt share too), so the build reuses it."""
    stories = (FESTIVAL, MAIN)
    for share in (None, 0.2):
        chosen = lead_choice(stories, WEEK, None, share=share)
        assert chosen.ranking is not None
        assert chosen.ranking == rank_for_lead(chosen.story, Sources(stories, WEEK), share)
        related, _ = split_related(chosen.ranking[1], 8)
        assert related


def test_choosing_the_lead_ranks_each_story_once_and_the_lead_once_more(monkeypatch):
    """The lead's ranking with feedback goes on from the first ranking that chose it: each
    story's opening is read once (the model asked whether it reads as a game's result), not a
    third time for the lead."""
    from newsletter.assemble import meaning

    stories = (FESTIVAL, MAIN)
    with results_asked(monkeypatch) as asked:
        chosen = lead_choice(stories, WEEK, None)
    openings = [meaning.lead_text(s.title, s.paragraphs)[0] for s in stories]
    assert [asked.count(o) for o in openings] == [1, 1]
    assert chosen.ranking == rank_for_lead(chosen.story, Sources(stories, WEEK))


def _filler_entry(index: int) -> Story:
    """A full-text feed entry of pseudo-words (almost none a real word) no other item uses."""
    rng = random.Random(index)
    words = [
        "".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(3))
        for _ in range(80)
    ]
    return Story(" ".join(words[:4]), " ".join(words), f"feeds/long.xml#{index}")


def test_a_feed_of_many_full_text_entries_ranks_only_so_many_as_the_lead(monkeypatch):
    """Among 60 full-text feed entries, only FEED_CONTENDERS of them and every editor's story get
    ranked as the lead (the cost is no longer the square of the entries); the one entry the
    week's headlines are about, last in the feed, is among them, and the lead is the one chosen
    without the other 59."""
    from newsletter.assemble import lead

    ranked: list[str] = []
    real = lead._first_for_lead

    def counted(story, sources, share):
        ranked.append(story.source)
        return real(story, sources, share)

    monkeypatch.setattr(lead, "_first_for_lead", counted)
    drought = replace(MAIN, source="feeds/long.xml#60", format="text")
    entries = (*(_filler_entry(i) for i in range(1, 60)), drought)
    chosen = lead_choice((FESTIVAL, *entries, SHORT), WEEK, None)
    assert len(ranked) == len(set(ranked)) == lead.FEED_CONTENDERS + 2
    assert {FESTIVAL.source, SHORT.source, drought.source} <= set(ranked)
    assert chosen.story is lead_choice((FESTIVAL, drought, SHORT), WEEK, None).story
    assert lead_choice((drought, *entries[:-1]), WEEK, None).story is drought
    ranked.clear()
    lead_choice((FESTIVAL, *entries[-lead.FEED_CONTENDERS :]), WEEK, None)
    assert len(ranked) == lead.FEED_CONTENDERS + 1  # no more entries than that: all ranked
