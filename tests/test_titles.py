"""Derived titles for untitled leads: a headline an editor would keep, from the first sentence."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.assemble.titles import (
    FALLBACK_WORDS,
    TITLE_LIMIT,
    derive_title,
    first_sentence,
    printable_problems,
    sentences,
    title_problems,
    without_dateline,
)

DATA = Path(__file__).parent / "data"
SAMPLE = tomllib.loads((DATA / "labelled" / "01_peru_border_seed.toml").read_text("utf-8"))
LEADS = [
    lead
    for path in sorted((DATA / "titles").glob("*.toml"))
    for lead in tomllib.loads(path.read_text("utf-8"))["lead"]
]
# Measured on tests/data/titles (179 real leads): how many derived titles pass every rule of
# printable_problems (title_problems at TITLE_LIMIT and the self-check of title_check).  A change
# that lowers it fails; raise it when titles get better.
PASSING_RULES = 176


def test_sample_seed_title_is_a_headline():
    """The sample seed's title is written like a headline, shorter than its first sentence."""
    title = derive_title(SAMPLE["paragraphs"])
    assert title == "Peru to declare state of emergency on Chile border"
    assert len(title) < len(first_sentence(SAMPLE["paragraphs"][0]))


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "The Senate passed the budget bill late on Thursday, Majority Leader John Thune said.",
            "Senate passes the budget bill",
        ),
        (
            "According to Peruvian police General Arturo Valverde, at least 100 foreign nationals "
            "are gathered at the border.",
            "At least 100 foreign nationals gathered at the border",
        ),
        (
            "Officials said on Friday that the border crossing at Tacna would reopen next week.",
            "Border crossing at Tacna to reopen next week",
        ),
        (
            "Floodwaters rose across Valencia, according to the regional government.",
            "Floodwaters rise across Valencia",
        ),
        (
            "The Egyptian government has resigned, state television announced on Saturday, hours "
            "after President Hosni Mubarak said amid nationwide protests that a new cabinet would "
            "be appointed during the day.",
            "Egyptian government resigns",
        ),
    ],
)
def test_attribution_is_dropped(paragraph, title):
    """Attributions at the end, at the start ("According to X,", "officials said that") and in
    the middle (", state television announced on Saturday,") are dropped."""
    assert derive_title([paragraph]) == title


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "BANDAR SERI BEGAWAN, Brunei (AP) — A new criminal law that could include penalties "
            "like amputation for theft and stoning for adultery will be enforced for Muslims in "
            "Brunei in six months, its ruling sultan announced.",
            "New criminal law to be enforced for Muslims in Brunei in six months",
        ),
        (
            "JAKARTA: Five people were killed and a child was critically injured when a powerful "
            "earthquake struck off the coast of northern Indonesia on Wednesday.",
            # round 10: a clause of casualties keeps its event ("when … struck")
            "Five people killed and child critically injured when powerful earthquake struck "
            "off the coast of northern Indonesia",
        ),
        (
            "OSLO — The Nobel committee awarded the prize to two journalists.",
            "Nobel committee awards the prize to two journalists",
        ),
    ],
)
def test_datelines_are_removed(paragraph, title):
    """ "MANILA (AP) —", "OSLO —" and "JAKARTA:" datelines never reach the title."""
    assert derive_title([paragraph]) == title


def test_a_long_unnamed_speaker_goes_after_the_news():
    """ "The governor of the region hit by the quake says 15 were killed" puts the news first."""
    paragraph = (
        "WELLINGTON, New Zealand — The governor of the central Papua New Guinea region hit by "
        "an earthquake this week says at least 15 people were killed and the toll may rise."
    )
    title = derive_title([paragraph])
    assert title == "At least 15 people killed and toll may rise, governor says"
    assert title_problems(title) == []


def test_a_scene_setting_first_sentence_gives_way_to_the_news():
    """ "It was a night few will forget. Argentina beat France …" is titled from the second
    sentence, not "It was night few in stadium will forget"."""
    paragraph = (
        "It was a night few in the stadium will forget. Argentina beat France on penalties in "
        "Sunday's World Cup final in Lusail after a 3-3 draw, giving Lionel Messi the one trophy "
        "that had eluded him."
    )
    title = derive_title([paragraph])
    assert title.startswith("Argentina beat")
    assert title_problems(title) == []


def test_a_plural_speaker_keeps_a_plural_verb():
    """ "Scientists … said they had found" gives "Scientists … find", never "Scientists … finds"."""
    paragraph = (
        "Scientists at CERN said on Wednesday they had found a new particle consistent with the "
        "long-sought Higgs boson, a discovery that could explain why matter has mass."
    )
    title = derive_title([paragraph])
    assert title.startswith("Scientists at CERN find a new particle")


def test_a_pronoun_subject_is_resolved_to_the_named_speaker():
    """ "Lavrov said Friday he was optimistic" gives "Lavrov is …", never "He is …"."""
    paragraph = (
        "Russian Foreign Minister Sergei Lavrov said Friday he was “cautiously optimistic” about "
        "talks on Iran’s nuclear program despite statements from France that negotiations had "
        "failed to yield progress."
    )
    assert derive_title([paragraph]) == (
        "Lavrov is “cautiously optimistic” about talks on Iran’s nuclear program"
    )
    trailing = (
        "He is increasingly optimistic about the talks, Secretary of State Antony Blinken said."
    )
    assert (
        derive_title([trailing])
        == "Secretary of State Antony Blinken is increasingly optimistic about the talks"
    )
    long = (
        "U.S. Secretary of State Antony Blinken said on Monday he was increasingly optimistic "
        "about a ceasefire agreement between the two countries before the end of the month."
    )
    assert derive_title([long]).startswith("Blinken is increasingly optimistic about a ceasefire")


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "After topping the box office for two consecutive weeks, Teenage Mutant Ninja Turtles "
            "barely lost the race this time, yet it held well in its own right.",
            "Teenage Mutant Ninja Turtles barely lose race this time",
        ),
        (
            "Amid protests of up to 200,000 over the weekend, the government withdrew the bill.",
            "Government withdraws the bill",
        ),
        (
            "Embattled Ukrainian President Viktor Yanukovych, facing massive anti-government "
            "protests in Kyiv and regional capitals, has agreed to re-shuffle his government and "
            "amend controversial new anti-protest laws.",
            "Yanukovych agrees to re-shuffle his government and amend controversial new "
            "anti-protest laws",
        ),
    ],
)
def test_a_leading_phrase_or_an_aside_without_a_main_clause_goes(paragraph, title):
    """A title is the main clause: no opening "After …," or "Amid …," and no aside before the verb."""
    assert derive_title([paragraph]) == title


def test_long_sentence_cut_at_a_clause_never_mid_word():
    """A long first sentence is cut before a subordinate clause, within the limit, on a word."""
    paragraph = (
        "Shares of Nvidia plunged on Monday, wiping nearly $600 billion off its market value, "
        "after Chinese startup DeepSeek released a cheaper artificial intelligence model."
    )
    # round 44: a share move keeps its cause, cut at the cause's own boundary (within 120)
    assert derive_title([paragraph], max_chars=60) == (
        "Shares of Nvidia plunge after Chinese startup DeepSeek released a cheaper artificial "
        "intelligence model"
    )
    long_word = derive_title(["Unbreakable promises " * 20], max_chars=40)
    assert len(long_word) <= 40 and long_word.endswith("Unbreakable")
    # a cut of one word is no title at all: the lead is left untitled for the editor
    assert derive_title(["Unbreakable " * 20], max_chars=40) == ""


def test_the_cut_never_stops_mid_phrase():
    """The length cut ends on a complete phrase, not on an adjective or a preposition."""
    paragraph = (
        "The leaders of twelve nations began the creation of an international economic forum "
        "for the region on Tuesday in a ceremony at the old palace of the city."
    )
    title = derive_title([paragraph], max_chars=60, limit=60)
    assert title_problems(title, max_chars=60) == [], title
    assert not title.endswith(("economic", "international", "of", "an"))


def test_a_cut_that_takes_the_place_gives_it_back_only_from_where_it_happened():
    """A title left without a place gets the one the cut took ("in central Turkey"), never
    one from a clause about something else ("as unrest inspired by uprisings in Egypt")."""
    quake = (
        "A huge earthquake killed at least 1,700 people and injured thousands more on Monday in "
        "central Turkey and northwest Syria, flattening apartment blocks."
    )
    assert derive_title([quake]).endswith("thousands more in Turkey")
    yemen = (
        "SANA, Yemen — Tens of thousands of protesters Thursday staged unprecedented "
        "demonstrations against Yemen's autocratic president, a key U.S. ally in battling "
        "Islamic militants, as unrest inspired by uprisings in Egypt and Tunisia spread further."
    )
    assert "Egypt" not in derive_title([yemen])


def test_relative_clause_after_the_subject_is_dropped_keeping_the_place():
    """ "A fire that tore through towers in X has killed…" keeps its verb: "Fire in X has killed…"."""
    paragraph = (
        "A fire that tore through several high-rise residential towers in Hong Kong's Tai Po "
        "district has killed at least 44 people, authorities said on Thursday, making it the "
        "city's deadliest blaze in decades."
    )
    assert (
        derive_title([paragraph]) == "Fire in Hong Kong's Tai Po district kills at least 44 people"
    )
    short = "The company that makes the app said it would cut 500 jobs."
    # round 30: the main verb is "said", not the relative clause's "makes": it takes the present
    assert derive_title([short]) == "Company that makes app says it would cut 500 jobs"


def _week_story(name: str) -> list[str]:
    """An untitled story's paragraphs from the real weeks of tests/data/weeks/."""
    text = (DATA / "weeks" / name).read_text("utf-8")
    return [p for p in text.split("---", 2)[2].split("\n\n") if p.strip()]


def test_a_participle_and_its_agent_before_the_verb_are_an_aside():
    """ "Shares of First Republic Bank, battered by fears that it would be the next lender to
    fail, jumped …": the participle's phrase is an aside, not the verb (it gave a title with no
    verb, ending on "next lender")."""
    title = derive_title(_week_story("svb-2023/week1/seeds/04-first-republic.md"))
    # round 44: the share move keeps its cause
    assert title == (
        "Shares of First Republic Bank jump 10% after eleven of the country's largest banks "
        "agreed to deposit $30 billion with it"
    )
    assert title_problems(title, max_chars=TITLE_LIMIT) == []


def test_a_cut_keeps_the_first_predicate_whole_not_the_second_cut_short():
    """ "closed Silicon Valley Bank and handed it to the Federal Deposit Insurance Corporation,
    after …": the cut goes before the second predicate, never after its object pronoun
    ("… and hand it")."""
    title = derive_title(_week_story("svb-2023/week1/seeds/01-svb.md"))
    assert title == "California regulators close Silicon Valley Bank"
    assert title_problems(title) == []


def test_a_plural_noun_before_an_irregular_past_is_the_subject():
    """ "Israeli forces shot dead four Palestinians …": "forces" read as the verb left the
    title in the past tense; two finite verbs never stand side by side, so "shot" is the verb."""
    title = derive_title(_week_story("svb-2023/week1/seeds/03-jenin.md"))
    assert title.startswith("Israeli forces shoot dead four Palestinians")
    assert title_problems(title) == []


# First sentences of real reports from the weeks in tests/data/weeks/ (short excerpts quoted
# for evaluation; each source's address in tests/data/weeks/*/SOURCES.md), whose derived titles
# an editor could not print before: no verb, a dateline kept, a clause cut before its verb,
# the object's complement cut.
WEEK_LEDES = [
    (  # channelnewsasia.com, 11 April 2019
        "LONDON: WikiLeaks founder Julian Assange's nearly seven-year stay at Ecuador's embassy "
        "in London came to an abrupt end on Thursday when police entered the building and "
        "arrested him after Ecuador withdrew his asylum.",
        "WikiLeaks founder Julian Assange's nearly seven-year stay comes to an abrupt end",
    ),
    (  # loyaltylobby.com, 17 April 2019
        "Jet Airways today announced that it would cease all flight activity effective tonight "
        "because the airline has not been able to acquire necessary funding to pay for "
        "operations such as fuel.",
        "Jet Airways to cease all flight activity",
    ),
    (  # vclip.net (video report), 17 March 2023
        "The International Criminal Court on Friday announced an arrest warrant for Russian "
        "President Vladimir Putin on the war crime accusation of unlawfully deporting Ukrainian "
        "children.",
        "International Criminal Court announces arrest warrant for Putin",
    ),
    (  # thenews.com.pk, 19 April 2019
        "CANIÇO: Portugal and Germany mourned on Thursday after 29 German tourists died when "
        "their bus tumbled down a slope and crashed into a house on the tourist island of Madeira.",
        "Portugal and Germany mourn after 29 German tourists died",
    ),
    (  # marketscreener.com (Reuters), 12 March 2023
        "March 12 (Reuters) - State regulators closed New York-based Signature Bank on Sunday, "
        "just two days after California authorities shuttered Silicon Valley Bank, in a collapse "
        "that roiled global markets.",
        "State regulators close New York-based Signature Bank",
    ),
    (  # rappler.com, 17 April 2019
        "Former Peru president Alan Garcia died in hospital on Wednesday after shooting himself "
        "in the head at his home as police were about to arrest him in a graft investigation, a "
        "party official said.",
        "Garcia dies in hospital after shooting himself in the head at his home",
    ),
]


@pytest.mark.parametrize(("paragraph", "title"), WEEK_LEDES)
def test_real_week_ledes_give_printable_titles(paragraph, title):
    """A long subject loses its place, not its verb; a clause is never cut before its verb; an
    accented or date-first dateline goes; a name after the verb takes its surname."""
    assert derive_title([paragraph]) == title


def test_a_place_in_apposition_is_not_a_clause_boundary():
    """The commas of "in Belém, Brazil," do not cut the title before its verb."""
    paragraph = (
        "Negotiators at the United Nations climate summit in Belém, Brazil, agreed on Saturday "
        "to a deal that calls for tripling finance to help poor countries adapt to a warming planet."
    )
    assert derive_title([paragraph]).endswith("Brazil, agree to a deal")


def test_skips_blank_paragraphs_and_handles_empty():
    """Blank paragraphs are skipped and no text gives an empty title."""
    assert derive_title(["", "  ", "Peru closes its border."]) == "Peru closes its border"
    assert derive_title([]) == ""


def test_sentences_split_at_ends_not_abbreviations_and_keep_closing_quotes():
    """A paragraph splits into sentences; "U.S." ends none and a closing quote stays with its own."""
    text = "U.S. officials met Gen. Valverde. “We leave,” he said. Talks went on"
    assert sentences(text) == [
        "U.S. officials met Gen. Valverde.",
        "“We leave,” he said.",
        "Talks went on",
    ]


def test_first_sentence_keeps_abbreviations():
    """Abbreviations and initials such as "U.S." or "Gen." do not end a sentence."""
    assert first_sentence("The U.S. Senate voted. Then it adjourned.") == "The U.S. Senate voted."


def test_title_problems_names_each_broken_rule():
    """Each rule an editor holds a headline to is reported when broken, and a good title has none."""
    assert title_problems("Peru to declare state of emergency on Chile border") == []
    assert "opens on the pronoun 'He'" in title_problems(
        "He is increasingly optimistic about talks"
    )
    assert any(
        "no finite verb" in p for p in title_problems("After two weekends of box office domination")
    )
    assert any(
        "opens on 'Amid'" in p
        for p in title_problems("Amid protests of up to 200,000 over the bill")
    )
    assert any(
        "incomplete" in p
        for p in title_problems("Leaders began the creation of an international economic")
    )
    assert any("dateline" in p for p in title_problems("OSLO — The committee awarded the prize"))
    sentence = (
        "Peru is preparing to declare a state of emergency along its border with Chile today."
    )
    assert any("not shorter" in p for p in title_problems(sentence.rstrip("."), sentence))


def test_capitalising_never_lengthens_the_title():
    """A title opening on "ß" is not capitalised to "SS" past the limit (a hypothesis find)."""
    title = derive_title(["ß000000000 ß00000000"], max_chars=20)
    assert len(title) <= 20 and title == "ß000000000 ß00000000"


def test_real_leads_pass_the_rules_at_the_measured_level():
    """On the real first paragraphs the derived titles pass the rules at least as often as measured."""
    failing = []
    for lead in LEADS:
        paragraphs = lead["paragraphs"]
        title = derive_title(paragraphs)
        problems = printable_problems(title)
        if problems:
            failing.append((title, problems))
    assert len(LEADS) >= 30
    assert len(LEADS) - len(failing) >= PASSING_RULES, failing


def test_real_leads_are_their_first_sentence_only_when_short_enough_to_print():
    """A derived title repeats the first sentence whole only when that sentence is short enough
    to print as a headline (at most FALLBACK_WORDS words and TITLE_LIMIT characters)."""
    for lead in LEADS:
        sentence = first_sentence(without_dateline(lead["paragraphs"][0])).rstrip(".")
        if derive_title(lead["paragraphs"]) == sentence:
            assert len(sentence.split()) <= FALLBACK_WORDS and len(sentence) <= TITLE_LIMIT


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=3), st.integers(min_value=20, max_value=120))
def test_any_text_gives_a_short_clean_title(paragraphs, max_chars):
    """Any text gives a title within the limit and without trailing punctuation."""
    title = derive_title(paragraphs, max_chars=max_chars, limit=max_chars)
    assert len(title) <= max_chars
    assert len(derive_title(paragraphs, max_chars=max_chars)) <= max(max_chars, TITLE_LIMIT)
    assert title == title.strip()
    assert not title or title[-1] not in ".,;:!?"


# A small grammar of wire-style first sentences: the pieces vary, the rules must hold.
_SUBJECTS = st.sampled_from(
    [
        "The government",
        "Peru",
        "The European Commission",
        "Police in Lima",
        "A court in Oslo",
        "The central bank",
        "Chile's president",
        "Thousands of farmers",
    ]
)
_VERBS = st.sampled_from(
    [
        "has approved",
        "rejected",
        "is preparing to sign",
        "will close",
        "announced",
        "won",
        "has banned",
    ]
)
_OBJECTS = st.sampled_from(
    ["a new law", "the border crossing", "the budget", "a deal with unions", "fuel subsidies"]
)
_TAILS = st.lists(
    st.sampled_from(
        [
            "on Friday",
            "in the capital",
            "after weeks of protests",
            "as prices rose across the region",
            "despite warnings from economists",
            "for the first time in a decade",
            "with the support of the opposition",
        ]
    ),
    max_size=4,
)
_DATELINES = st.sampled_from(
    ["", "LIMA (AP) — ", "OSLO — ", "JAKARTA: ", "WELLINGTON, New Zealand — "]
)
_LEADING = st.sampled_from(["", "After two weeks of talks, ", "Amid protests of up to 200,000, "])
_ATTRIBUTIONS = st.sampled_from(
    ["", ", officials said", ", the minister announced on Friday", ", according to Reuters"]
)


@settings(max_examples=300, deadline=None)
@given(
    _DATELINES, _LEADING, _SUBJECTS, _VERBS, _OBJECTS, _TAILS, _ATTRIBUTIONS, st.integers(50, 100)
)
def test_wire_sentences_give_titles_that_pass_every_rule(
    dateline, leading, subject, verb, obj, tails, attribution, max_chars
):
    """Any wire-style first sentence gives a title that names its subject, keeps its verb, ends
    on a complete phrase and drops the dateline (it may be the sentence whole: complete over
    short)."""
    body = " ".join([subject, verb, obj, *tails])
    sentence = f"{leading}{body[0].lower() if leading else body[0]}{body[1:]}{attribution}."
    if leading and not subject.startswith(("Peru", "Police", "Chile", "Thousands", "A ")):
        sentence = f"{leading}{body[0].lower()}{body[1:]}{attribution}."
    title = derive_title([dateline + sentence, "A second paragraph."], max_chars, max_chars)
    assert title_problems(title, "", max_chars) == [], (sentence, title)
    named = subject.removeprefix("The ").removeprefix("A ").split()[0]
    assert title.split()[0].lower() == named.lower(), (sentence, title)
    assert obj.split()[-1] in title.split(), (sentence, title)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["Foreign Minister Ana Ruiz", "Governor Tomas Berg", "Mayor Lin Okafor"]),
    st.sampled_from(["said", "said on Monday", "told reporters"]),
    st.sampled_from(["he", "she"]),
    st.sampled_from(
        ["was optimistic about the talks", "would sign the deal next week", "had resigned"]
    ),
)
def test_a_pronoun_never_opens_the_title(speaker, said, pronoun, news):
    """ "X said he …" names X in the title, never the bare pronoun."""
    title = derive_title([f"{speaker} {said} {pronoun} {news}."])
    assert title.split()[0].lower() not in {"he", "she"}, title
    assert speaker.split()[-1] in title, title
    assert title_problems(title) == [], title


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # a noun that needs its "of": the whole clause fits within the limit, so it stays
            "As international aid rushes to the typhoon-ravaged Philippines, groups say rescue "
            "and relief efforts are being slowed by roadblocks caused by massive amounts of "
            "debris.",
            "Rescue and relief efforts slowed by roadblocks caused by massive amounts of debris",
        ),
        (  # round 16: the object's "for" complement stays, and with it its relative clause
            "The Food and Drug Administration has granted full approval to Pfizer-BioNTech’s "
            "COVID-19 vaccine for people who are 16 and older.",
            "Food and Drug Administration grants full approval to Pfizer-BioNTech’s COVID-19 "
            "vaccine for people who are 16 and older",
        ),
        (  # "released a statement saying" is what the club said, not that it released one
            "Just hours after La Liga refused to accept Neymar's transfer, Barcelona released "
            "a statement saying that the Brazilian striker's release clause had been paid.",
            "Barcelona says the Brazilian striker's release clause had been paid",
        ),
        (  # what was declared stays; the place between goes
            "The World Health Organization today has declared the Ebola outbreak in West Africa "
            "an international public health emergency that requires an extraordinary response "
            "in order to stop its spread.",
            "WHO declares the Ebola outbreak international public health emergency",
        ),
        (  # an irregular passive loses its auxiliary like a regular one
            "Donald Trump was shot in the ear at a campaign rally in Butler, Pennsylvania, on "
            "Saturday when a gunman opened fire from a nearby rooftop.",
            "Donald Trump shot in the ear at a campaign rally in Butler, Pennsylvania",
        ),
        (  # the subject's head decides the verb: a ceasefire takes, police arrest
            "A ceasefire between Israel and Hamas took effect in Gaza on Sunday after a delay of "
            "nearly three hours, and the militant group released three Israeli hostages.",
            "Ceasefire between Israel and Hamas takes effect in Gaza",
        ),
        (
            "Police arrested a 26-year-old man in Pennsylvania on Monday in connection with the "
            "killing of UnitedHealthcare chief executive Brian Thompson, ending a manhunt.",
            "Police arrest 26-year-old man in Pennsylvania",
        ),
    ],
)
def test_a_cut_keeps_the_claim_and_the_verb_agrees(paragraph, title):
    """A derived title never ends on a noun whose complement was cut, drops a passive's
    auxiliary, and makes its verb agree with the subject's head noun."""
    assert derive_title([paragraph]) == title
    assert printable_problems(title) == []


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "Airline travel, banking, and other public and private services were in disarray "
            "when a CrowdStrike cybersecurity software update caused computers to crash "
            "worldwide.",
            "CrowdStrike cybersecurity software update causes computers to crash worldwide",
        ),
        (
            "Residents were in shock after the storm, the mayor said.",
            "Residents were in shock after the storm",
        ),
        (
            "The city was at a standstill as protesters blocked roads on Monday.",
            "Protesters block roads",
        ),
    ],
)
def test_a_state_gives_way_to_the_event_that_caused_it(paragraph, title):
    """A main clause that is only a state ("were in disarray when …") gives way to the event
    that caused it, when that event is a clause of its own; a mere phrase keeps the state."""
    assert derive_title([paragraph]) == title
    assert title_problems(title) == []


def test_a_claim_too_long_for_its_named_speaker_is_titled_whole_without_them():
    """When no cut keeps a named speaker's claim whole, the title is the claim, kept whole;
    a claim that fits behind its speaker keeps the speaker."""
    paragraph = (
        "SINGAPORE - US President Donald Trump said North Korean leader Kim Jong Un gave his "
        '"unwavering commitment" to work towards denuclearisation during their historic summit '
        'in Singapore on Tuesday (June 12), and they are prepared to "write a new chapter" '
        "between their countries."
    )
    title = 'Kim Jong Un gives his "unwavering commitment" to work towards denuclearisation'
    assert derive_title([paragraph]) == title
    assert title_problems(title) == []
    short = "Donald Trump said Kim Jong Un gave his commitment to talks."
    assert derive_title([short]).startswith("Donald Trump says Kim Jong Un")


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "The city council voted on Monday to approve funding for a new public library "
            "proposed for the old railway yard near the river.",
            "City council votes to approve funding for a new public library proposed for the old "
            "railway yard near the river",
        ),
        (
            "The regional council granted approval on Friday to a $40 million plan to build a new "
            "ferry terminal, ending a decade of delays for the island's commuters.",
            "Regional council grants approval to a $40 million plan to build new ferry terminal, "
            "ending a decade of delays",
        ),
    ],
)
def test_round_16_a_cut_never_falls_inside_the_object_phrase(paragraph, title):
    """Round 16: no strict cut falls between the main verb and the end of its object phrase
    (the noun phrase the tagger reads after it, with its "of"/"for"/"to" complements):
    never "votes to approve funding" without what the funding is for, nor "grants approval"
    without the plan."""
    assert derive_title([paragraph]) == title
    assert printable_problems(title) == []


def test_round_16_the_object_phrase_is_read_by_the_tagger():
    """`_object_end` takes the infinitive after the verb, the noun phrase and its "to"
    complement ("a plan to build a terminal"), stops at a comma, and is the word after the
    verb when no noun phrase follows (nothing to keep)."""
    from newsletter.assemble import pos_tagger
    from newsletter.assemble.title_cuts import _object_end

    text = (
        "Council grants approval to a $40 million plan to build new ferry terminal, ending delays"
    )
    words = text.split(" ")
    assert _object_end(words, pos_tagger.word_tags(text), 1) == words.index("terminal,") + 1
    text = "Spain wins in Berlin"
    assert _object_end(text.split(" "), pos_tagger.word_tags(text), 1) == 2


def test_round_16_a_cut_inside_the_object_phrase_gets_the_rest_back():
    """Round 16: a cut that passes the checks but ends inside the main verb's object phrase
    is given the rest of that phrase ("declared winner" → "declared winner of county's
    mayoral election"); when that phrase does not fit, the cut is read after every other
    candidate, never replaced by one that fails the checks."""
    from newsletter.assemble.titles import _with_its_object

    sentence = (
        "Longtime council member Maria Keane was declared the winner of the county's mayoral "
        "election on Wednesday and shortly afterwards thanked her supporters and appealed to "
        "her rivals, who are already demanding a recount in the county's largest town."
    )
    kept = "Longtime council member Maria Keane declared winner"
    assert _with_its_object(kept, sentence, TITLE_LIMIT) == (
        "Longtime council member Maria Keane declared winner of county's mayoral election"
    )
    assert _with_its_object("Maria Keane thanks her supporters", sentence, TITLE_LIMIT) == (
        "Maria Keane thanks her supporters"
    )


def test_round_16_a_noun_phrase_before_a_finite_verb_opens_a_reported_clause():
    """The object phrase of "says the agency approved its treatment for a rare disease" runs
    to the clause's end: the noun phrase after "says" is the reported clause's subject, so no
    strict cut keeps it without its verb and object."""
    from newsletter.assemble import pos_tagger
    from newsletter.assemble.title_cuts import _object_end

    text = "Firm says the agency approved its treatment for rare disease, the company said"
    words = text.split(" ")
    assert _object_end(words, pos_tagger.word_tags(text), 1) == words.index("disease,") + 1
