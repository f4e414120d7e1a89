"""Words to concepts: normalisation, variants, places and the lazily loaded vocabulary."""

from __future__ import annotations

import pytest

from newsletter.assemble import terms
from newsletter.assemble.terms import Term


def concepts(text: str) -> list[str]:
    return [term.concept for term in terms.terms(text)]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Venezuelans", "Venezuelan"),
        ("Venezuelan", "Venezuela"),
        ("Caracas", "Venezuela"),
        ("migrants", "immigration"),
        ("migration", "immigrants"),
        ("deported", "repatriation"),
        ("voters", "election"),
        ("levies", "tariffs"),
        ("quake", "earthquake"),
        ("Spanish", "Madrid"),
        ("South Koreans", "Seoul"),
        ("truce", "ceasefire"),
    ],
)
def test_variants_share_a_concept(a, b):
    """Inflections, variant families and place names map to one concept."""
    assert concepts(a) == concepts(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("border", "migrants"), ("Peru", "Chile"), ("South Sudan", "Sudan"), ("fire", "wildfire")],
)
def test_different_words_stay_apart(a, b):
    """Unrelated words, neighbouring countries and ambiguous words are not conflated."""
    assert concepts(a) != concepts(b)


def test_possessives_and_curly_apostrophes_are_stripped():
    """ "Chile’s" and "Chile's" are the word chile, and a plural possessive loses its apostrophe."""
    assert concepts("Chile’s") == concepts("Chile's") == concepts("Chile")
    assert terms.terms("migrants' rights")[0] == Term("migrants", "~migration")


def test_dash_compounds_split_unless_a_word():
    """ "Peru-Chile" and "Rwanda–Congo" split into two places; "cease-fire" stays one word."""
    assert concepts("Peru-Chile") == ["@peru", "@chile"]
    assert concepts("Rwanda–Congo") == ["@rwanda", "@congo"]
    assert concepts("cease-fire") == concepts("ceasefire") == ["~ceasefire"]


def test_a_dashed_compound_is_one_word_when_joined_it_inflects_an_english_word():
    """ "Start-ups" joined is "startups", the plural of the English word "startup": one term,
    as "start-up" and "startups" are (it was split into "start" and "ups"), while
    "world-record" and "Notre-Dame", which join into no English word, still split."""
    assert concepts("Start-ups") == concepts("startups") == concepts("start-up") == ["startup"]
    assert terms.terms("Start-ups scramble")[0].word == "startups"
    assert concepts("world-record") == ["world", "record"]
    assert concepts("Notre-Dame") == concepts("Notre Dame")


def test_a_closed_compound_the_vocabulary_lacks_reads_as_its_two_words():
    """ "heatwave" (no word of the frequency table) is read as itself and as "heat-wave" is: heat
    and wave, so it matches a headline's "heat" (in the heatwave week it never did) and another
    "heatwave" as one word; a word of the table ("carpet", "weekend"), a family's spelling
    ("wildfires") and a capitalised name ("Crowdstrike") stay whole, and a split needs two
    common words of 4 letters or more."""
    assert concepts("heatwave") == [concepts("heatwave")[0], *concepts("heat-wave")]
    assert concepts("heat-wave") == ["heat", "wave"]
    assert concepts("heatwaves")[1:] == ["heat", "wave"]
    assert concepts("thunderstorms")[1] == "thunder"
    assert concepts("carpet") == ["carpet"]
    assert concepts("weekend") == ["weekend"]
    assert concepts("wildfires") == ["~wildfire"]
    assert concepts("Crowdstrike") == ["crowdstrik"]
    assert concepts("characterised") == [terms.terms("characterised")[0].concept]
    assert len(concepts("characterised")) == 1  # not "character" + "ised"


def test_accents_do_not_matter_for_matching_but_stay_readable():
    """ "Jerí" matches "Jeri" and is shown with its accent."""
    assert concepts("Jerí") == concepts("Jeri")
    assert terms.terms("Hernández")[0].word == "hernández"
    assert terms.plain("José Jerí") == "jose jeri"


def test_capital_us_is_a_place_and_lower_case_us_a_stopword():
    """ "U.S." and "US" are the United States; "us" is a pronoun and dropped."""
    assert concepts("U.S.") == concepts("US") == ["@united states"]
    assert concepts("join us") == ["join"]


def test_multi_word_places_and_phrases():
    """ "El Salvador", "New Orleans" and "artificial intelligence" match as wholes."""
    assert concepts("El Salvador") == ["@el salvador"]
    assert concepts("New Orleans police") == ["@louisiana", "polic"]
    assert concepts("artificial intelligence") == concepts("AI") == ["~ai"]


def test_stopwords_contractions_and_numbers():
    """Stopwords and contractions vanish; numbers and ordinals are marked as numbers."""
    assert concepts("they said you’ll leave") == ["leav"]
    assert concepts("266 migrants in the 73rd minute") == ["#266", "~migration", "#73rd", "minut"]
    assert terms.is_number("#266") and not terms.is_number("~migration")


def test_frequencies_and_name_likeness():
    """Common words are frequent, names travel abroad, unknown words count as rare."""
    assert terms.zipf("the") > 7 > terms.zipf("border") > terms.zipf("repatriation")
    assert terms.zipf("Hegsethxyz") == terms.DEFAULT_ZIPF
    assert terms.is_name_like("Trump") and terms.is_name_like("Putin")
    assert not terms.is_name_like("border") and not terms.is_name_like("police")


def test_empty_and_odd_text():
    """Empty, punctuation-only and non-Latin text give no crash."""
    assert terms.terms("") == []
    assert terms.terms("— … !!") == []
    assert isinstance(terms.terms("Привет мир 你好"), list)


def test_organisations_match_their_short_forms():
    """UN, U.N. and United Nations are one concept, as are WHO (in capitals) and its full name."""
    assert concepts("UN chief") == concepts("U.N. chief") == concepts("United Nations chief")
    assert concepts("WHO raises alert")[0] == concepts("World Health Organization")[0]
    assert concepts("Who will win") == ["win"]  # the pronoun is still a stopword
    assert concepts("Fed cuts") == ["~federal reserve", "cut"] == concepts("Federal Reserve cuts")


def test_compass_initial_stands_for_the_compass_word():
    """ "S Korea" and "N Korea" are South and North Korea; a lone initial elsewhere is no place."""
    assert concepts("S Korea") == concepts("South Korea") == ["@south korea"]
    assert concepts("N Korea fires") == ["@north korea", "fire"]
    assert concepts("S. Africa") == ["@south africa"]
    assert not any(terms.is_place(c) for c in concepts("Plan S"))
