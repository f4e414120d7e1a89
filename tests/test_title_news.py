"""Round 26: a first sentence that states rather than reports gives way to the later sentence
that reports the news (`assemble/title_news.py`), read from real leads."""

from __future__ import annotations

import pytest

from newsletter.assemble.title_news import list_end, reports, states, tagged_verb
from newsletter.assemble.titles import chosen_title, derive_title

# fresh_round23's golf final and fresh_round24's judge (both rejected when read once)
MORIKAWA = [
    "Collin Morikawa is the champion golfer of the year.",
    "Morikawa captured The Open on Sunday for his second major title in two years. It was his "
    "first time playing The Open, just like it was his first time playing the PGA Championship "
    "when he won at Harding Park last year.",
]
JUDGE = [
    "(LibertySociety.com) – Judges are supposed to be the people who walk between a civilized "
    "society and lawlessness. They’re the men and women who uphold the laws of the land. But "
    "what happens when one of those justices is dirty?",
    "On Tuesday, December 8, Alabama Attorney General Steve Marshall announced a former "
    "district judge will serve at least four years in prison. The sentence came more than a "
    "month after former judge Douglas Lee Patterson pleaded guilty to three felony counts.",
]


@pytest.mark.parametrize(
    ("paragraphs", "title"),
    [
        (MORIKAWA, "Morikawa captures The Open for his second major title in two years"),
        (
            JUDGE,
            "Alabama Attorney General Steve Marshall announces a former district judge will "
            "serve at least four years in prison",
        ),
    ],
)
def test_a_first_sentence_that_states_gives_way_to_the_one_that_reports(paragraphs, title):
    """A copula with no time or number ("is the champion golfer of the year", "are supposed to
    be") gives way to the next sentence with a name, a time and a verb of its own."""
    assert chosen_title(paragraphs) == (title, "reported whole")


@pytest.mark.parametrize(
    "sentence",
    [
        "Collin Morikawa is the champion golfer of the year.",
        "Judges are supposed to be the people who walk between a civilized society and "
        "lawlessness.",
        "Volunteering to be part of a medical research study has risks and benefits.",
        "Deliberating and ultimately approving our budget is easily the single most important "
        "duty City Council faces each year.",
    ],
)
def test_a_copula_or_possession_without_time_or_number_states(sentence):
    """A main verb "be" or "have" before a noun phrase, an adverb and a noun phrase, or
    "supposed", with no time or number, states."""
    assert states(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        # news in a copula: a number, a state with its cause, an auxiliary
        "Eight people are dead following the collapse of a pedestrian bridge in South Florida.",
        "Airline travel, banking, and other public and private services were in disarray when a "
        "CrowdStrike cybersecurity software update caused computers to crash.",
        "The U.S. Supreme Court has struck down a California law.",
        "Police in Bessemer, Alabama have just arrested a man after a four hour standoff.",
        "A couple were found dead at their residence this morning.",
    ],
)
def test_news_told_with_be_or_have_does_not_state(sentence):
    """A count, a time, a clause with its own event or an auxiliary before a participle makes
    the sentence a report, so it keeps its title."""
    assert not states(sentence)


def test_a_later_sentence_reports_only_with_a_name_a_time_and_an_action():
    """ "The scene is at 4634 West Cavalier." (a copula) and a sentence with no time do not
    report; "Morikawa captured The Open on Sunday" does."""
    assert reports("Morikawa captured The Open on Sunday for his second major title.")
    assert not reports("The scene is at 4634 West Cavalier.")
    assert not reports("They’re the men and women who uphold the laws of the land.")


def test_a_reported_title_needs_a_verb_the_tagger_reads_as_one():
    """ "About 40% of volunteers participating in medical research" (round 24's study) has no
    verb: "volunteers" is a noun to the tagger, so the first sentence keeps its title."""
    assert not tagged_verb("About 40% of volunteers participating in medical research")
    assert tagged_verb("Morikawa captures The Open")


def test_a_first_sentence_that_states_keeps_its_title_when_nothing_reports():
    """With no later sentence that reports, the stating sentence is titled as before (round
    22's budget teaser has none)."""
    paragraph = (
        "Deliberating and ultimately approving our budget is easily the single most important "
        "duty City Council faces each year."
    )
    assert derive_title([paragraph]).startswith("Deliberating and ultimately approving")


def test_a_leading_day_takes_its_date():
    """ "On Tuesday, December 8," before a name goes whole (was left as "December 8, …")."""
    paragraph = (
        "On Tuesday, December 8, Alabama Attorney General Steve Marshall announced a former "
        "district judge will serve at least four years in prison."
    )
    assert derive_title([paragraph]).startswith("Alabama Attorney General Steve Marshall")


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # fresh_round22 (was "Serena Williams win her …")
            "Serena Williams won her third-successive WTA Finals title and fifth overall by "
            "beating Simona Halep 6-3, 6-0 on Sunday, avenging an embarrassing group-stage loss "
            "to the Romanian player.",
            "Serena Williams wins her third-successive WTA Finals title and fifth overall by "
            "beating Simona Halep 6-3, 6-0",
        ),
        (  # fresh_round25 (was "Hot shoots crew … arrived …")
            "CROWN KING, Ariz. (AP) — A hot shot crew with additional firefighters and support "
            "equipment arrived Sunday to battle a wildfire that’s forced evacuations in small "
            "mountain communities about 80 miles (129 kilometers) north of Phoenix.",
            # round 32: the crew's description goes before its verb
            "Hot shot crew arrives to battle wildfire that’s forced evacuations",
        ),
        (  # fresh_round24 (was "… when trying to silence man heads for prison")
            "On Tuesday, one judge in Ohio used some questionable methods when trying to silence "
            "a man headed for prison.",
            "One judge in Ohio used some questionable methods",
        ),
    ],
)
def test_round_26_parts_of_speech_read_by_the_tagger(paragraph, title):
    """A name with "her" after its verb is one person ("wins", not "win"); a past form the
    tagger reads as a noun between an adjective and a noun ("hot shot crew") is no verb; a
    short "-ed" the tagger reads as a past ("used") is the verb, not a later participle."""
    assert derive_title([paragraph]) == title


def test_round_26c_a_list_cut_inside_gets_its_end_back():
    """fresh_round21's bridge: a title cut after a list's second item ("in red, green") gets the
    rest of the list (", and yellow") when it fits; a title with no list is left alone."""
    paragraph = (
        "Montréal, Quebec, February 4, 2023 — On February 5, the Samuel De Champlain Bridge will "
        "be lit up in red, green, and yellow from sunset to 1 a.m. to celebrate Black History "
        "Month."
    )
    assert derive_title([paragraph]) == (
        "Samuel De Champlain Bridge to be lit up in red, green, and yellow"
    )
    assert (
        list_end("Tennessee man pleads guilty to fraud", "A man pleaded guilty to fraud.") is None
    )
    assert (
        list_end(
            "Man pleads guilty to sex trafficking by force, fraud",
            "A Tennessee man pleaded guilty today to sex trafficking by force, fraud, or coercion.",
        )
        == ", or coercion"
    )


def test_round_26d_a_leading_amount_keeps_its_a():
    """fresh_round24's derailment: a leading "A total of" keeps its "A" ("Total of 13 coaches"
    was no headline), as "a total of" inside a title did; a leading "The" still goes."""
    paragraph = (
        "Chennai, Oct 11 (IANS) A total of 13 coaches of the Mysore-Darbhanga Bagmati Express "
        "derailed on Friday at Kavaraipettai near Chennai after ramming into a stationary goods "
        "train, an official said, adding that three coaches of the train caught fire after the "
        "derailment."
    )
    assert derive_title([paragraph]).startswith("A total of 13 coaches of the Mysore-Darbhanga")
    assert derive_title(["The council voted on Monday to close two schools."]).startswith(
        "Council votes"
    )


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # fresh_round26 (was "Vincent van Gogh painting in March 2020 recovered and returned")
            "A Vincent van Gogh painting that was stolen from a Dutch museum in March 2020 has been "
            "recovered and returned.",
            "Vincent van Gogh painting recovered and returned",
        ),
        (  # fresh_round26 (was "… in 2020 during a Covid-19 lockdown recovered, the institution …")
            "A painting by Vincent Van Gogh that was stolen from a small Dutch museum in 2020 during "
            "a Covid-19 lockdown has been recovered, the institution which owns the artwork, said "
            "on Tuesday.",
            "Painting by Vincent Van Gogh recovered",
        ),
    ],
)
def test_round_26e_a_dropped_relative_clause_takes_its_time_with_it(paragraph, title):
    """A relative clause dropped between a subject and its verb keeps its last phrase only when
    that is a place, not a time ("in March 2020"); a speaker in commas before "said" goes."""
    assert derive_title([paragraph]) == title


@pytest.mark.parametrize(
    ("paragraph", "start"),
    [
        (  # fresh_round26 (was "On August 4 City Council awards …")
            "On August 4 City Council awarded the general contract for the Library Improvement "
            "Project to Brennan Company of Mankato, MN.",
            "City Council awards the general contract",
        ),
        (  # fresh_round26 (was "2010 City Council meeting, approval given …")
            "At the Feb. 1, 2010 City Council meeting, approval was given for an extra $6 million "
            "for the City Centre Library.",
            "Approval given for an extra $6 million",
        ),
    ],
)
def test_round_26f_a_leading_date_goes_whole(paragraph, start):
    """A leading "On August 4" before a capital goes, and a leading phrase with a date takes
    the date's year with it ("At the Feb. 1, 2010 City Council meeting,")."""
    assert derive_title([paragraph]).startswith(start)


def test_round_26g_a_scene_with_no_one_in_it_gives_way_to_its_event():
    """fresh_round22's house fire: a subject with no name and no number and a verb with only a
    place ("Smoke swirled in the frigid air") give way to the "as" clause that names a place;
    a subject with a name in it keeps its clause."""
    paragraph = (
        "BECKET — Smoke swirled in the frigid air Saturday afternoon as a structure fire "
        "destroyed a two-story single-family home on Quarry Road, according to Fire Chief Paul "
        "Mikaniewicz."
    )
    assert derive_title([paragraph]) == (
        "Structure fire destroys a two-story single-family home on Quarry Road"
    )
    named = "Firefighters from Becket worked in the frigid air as a fire destroyed a home on Quarry Road."
    assert derive_title([named]).startswith("Firefighters from Becket")


def test_round_26h_a_code_that_spells_nothing_of_the_name_leaves_the_name():
    """fresh_round26's strike: "Finnair (AY)" is titled "Finnair", not "AY"; an acronym that
    spells the name's last words ("NASA's Transiting Exoplanet Survey Satellite (TESS)") still
    stands for them."""
    paragraph = (
        "Finnair (AY) will cancel around 100 flights from its primary hub, Helsinki Airport "
        "(HEL), due to a labor strike by the Finnish Aviation Union (IAU)."
    )
    # round 35: the hub kept (a title that names nothing keeps its place)
    title = "Finnair to cancel around 100 flights from its primary hub, Helsinki Airport"
    assert derive_title([paragraph]) == title
    tess = "NASA's Transiting Exoplanet Survey Satellite (TESS) has found eight planets."
    assert derive_title([tess]).startswith("TESS finds")
