"""Round 19's confidence gate for derived titles: a cut stands only when it dropped a part of
its own; otherwise the main clause up to its first certain boundary, whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.assemble.headline_grammar import ends_incomplete
from newsletter.assemble.title_gate import confident_cut, first_boundary
from newsletter.assemble.titles import TITLE_LIMIT, chosen_title, derive_title, printable_problems
from tests.support.title_records import (
    latest_title,
    latest_verdict,
    read_once_set,
    recorded_leads,
)

DATA = Path(__file__).parent / "data" / "titles"


@pytest.mark.parametrize(
    ("kept", "rest"),
    [
        # the orders' object (round 19's VOA lead)
        (
            "Millions of Americans are under orders from their state and local governments",
            " to stay home",
        ),
        # a verb's "as" complement (round 19's DOJ lead)
        (
            "Westbrook woman sentenced in U.S. District Court in Portland for serving",
            " as a “money mule”",
        ),
        # an age after a name, an adjective after an adjective, a list, a place's region
        ("Indictment unsealed charging Ping Li", ", 59, of Wesley Chapel, Florida"),
        (
            "Federal jury convicts former soldier for murder of pregnant",
            ", 19-year-old fellow soldier",
        ),
        (
            "Justice Department unseals charges for his role as creator",
            ", developer, and administrator",
        ),
        ("Federal jury in Pensacola", ", Florida, convicts a former U.S. Army soldier"),
        # "where" defines the noun kept: "affecting the same area | where an earthquake …"
        (
            "Strong earthquake hits western Afghanistan, affecting same area",
            " where an earthquake killed",
        ),
    ],
)
def test_a_cut_that_drops_a_complement_is_not_confident(kept, rest):
    """A cut before a complement, inside a noun phrase or a list, or before a defining "where"
    is not certain: the gate does not let it stand first."""
    assert not confident_cut(kept, rest)


@pytest.mark.parametrize(
    ("kept", "rest"),
    [
        # a clause after a comma and an opener (round 19's VOA lead)
        (
            "U.S. military carries out strikes against Houthi missiles near Yemen",
            ", as the Iran-backed militants continue",
        ),
        # a subordinate clause with its own verb (the sample seed)
        (
            "Peru to declare state of emergency on Chile border",
            " as growing numbers of migrants attempt to enter country",
        ),
        # a phrase of time or place, a trailing apposition, a second predicate
        (
            "Police arrest 26-year-old man in Pennsylvania",
            " in connection with killing of UnitedHealthcare chief executive",
        ),
        (
            "Shares of Nvidia plunge 17%, wiping nearly $600 billion off its market value",
            ", the largest one-day loss for any U.S. company",
        ),
        (
            "California regulators close Silicon Valley Bank",
            " and hand it to the Federal Deposit Insurance Corporation",
        ),
        # a role after a noun, a date after a bare comma, a second participle
        ("Hurricane Helene slams into Florida's Big Bend region", " as Category 4 storm"),
        ("Tropical Storm Harvey unleashes flooding in Houston", ", August 27 turning streets"),
        ("Lone gunman opens fire, killing at least eight people", ", and injuring seven others"),
        ("Fed cuts its key interest rate", ""),
    ],
)
def test_a_cut_that_drops_a_part_of_its_own_is_confident(kept, rest):
    """A cut before a clause, a second predicate, a trailing apposition, a role or a phrase of
    time or place dropped nothing the kept words need: the gate lets it stand."""
    assert confident_cut(kept, rest)


def test_the_first_boundary_is_a_comma_before_an_opener_not_a_bare_comma():
    """The main clause ends at ", affecting", ", as", a dash or a trailing apposition; not at
    the comma of a place, an age or a list."""
    quake = "Strong earthquake hits western Afghanistan, affecting the same area where …"
    assert quake[: first_boundary(quake)] == "Strong earthquake hits western Afghanistan"
    soldier = "Federal jury in Pensacola, Florida, convicts a former soldier for the murder"
    assert first_boundary(soldier) is None
    fed = "Fed cuts its benchmark interest rate by half a point, its first reduction since 2020"
    assert fed[: first_boundary(fed)] == "Fed cuts its benchmark interest rate by half a point"


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # round 19 (VOA): the cut dropped the orders' object; the clause keeps it
            "Millions of Americans are under orders Saturday from their state and local "
            "governments to stay home, venturing out only for essential needs, including trips "
            "to pharmacies, supermarkets, and gas stations, and solo exercise.",
            "Millions of Americans are under orders from their state and local governments to "
            "stay home",
        ),
        (  # round 19 (VOA): ", affecting the same area" was kept without what defines it
            "A strong earthquake hit western Afghanistan Wednesday, affecting the same area where "
            "an earthquake four days ago killed more than 2,000 people.",
            "Strong earthquake hits western Afghanistan",
        ),
        (  # round 19 (DOJ): "for serving" was kept without "as a money mule"
            "PORTLAND, Maine: A Westbrook woman was sentenced in U.S. District Court in Portland "
            "for serving as a “money mule” for someone she met online.",
            "Westbrook woman sentenced in U.S. District Court in Portland for serving as a “money "
            "mule” for someone she met online",
        ),
        (  # round 15 (held out then): "… accused of conspiring" without the plot
            'A jury on Tuesday convicted two men accused of conspiring to trigger "a second '
            'American revolution" by kidnapping Michigan Gov. Gretchen Whitmer, handing the U.S. '
            "government a victory in its second attempt to prosecute the case.",
            'Jury convicts two men accused of conspiring to trigger "a second American '
            'revolution" by kidnapping Whitmer',
        ),
    ],
)
def test_a_title_the_gate_doubts_gives_way_to_the_clause_whole(paragraph, title):
    """Real leads whose cut dropped an object or a complement are titled by a longer title
    that keeps it, within the limit, and pass the checks."""
    derived = derive_title([paragraph])
    assert derived.startswith(title)
    assert len(derived) <= TITLE_LIMIT
    assert printable_problems(derived) == []


def test_the_boundary_clause_is_chosen_only_when_no_cut_is_certain():
    """ "Strong earthquake hits western Afghanistan" was the "boundary" candidate: the short cut
    (", affecting same area") passed every check but was not certain.  Since round 37 the long
    cut fits whole ("more than 2,000" as "over 2,000") and stands first."""
    paragraph = (
        "A strong earthquake hit western Afghanistan Wednesday, affecting the same area where an "
        "earthquake four days ago killed more than 2,000 people."
    )
    assert chosen_title([paragraph]) == (
        "Strong earthquake hits western Afghanistan, affecting same area where earthquake four "
        "days ago killed over 2,000 people",
        "long",
    )


def _recorded_set(stem: str, size: int) -> list[dict]:
    """A held-out set's leads, checked to be what a read-once set must be: `size` of them, each
    with a source of its own (no other file's URL), a licence, a year outside 2004-2005 and an
    editor's verdict (with a reason for a reject) on the title read and the title now."""
    leads = read_once_set(stem, size)
    for lead in leads:
        assert lead["verdict_now"] == "keep" or lead["why_now"]
    return leads


def _kept(leads: list[dict]) -> dict[str, int]:
    """How many titles each recorded reading kept ("before", "read", "now", where present)."""
    return {
        when: sum(lead[f"verdict_{when}"] == "keep" for lead in leads)
        for when in ("before", "read", "now")
        if f"verdict_{when}" in leads[0]
    }


def test_round_19_titles_derive_as_recorded_now():
    """Every lead of round 19's set derives the title recorded as read with round 19's code
    (`title_now`) or round 22's where that changed it (`title_22`), so its counts (20 of 42
    before, 24 now, 24 with round 22's, 25 with round 33's, 26 with round 35's) stay true."""
    leads = recorded_leads("fresh_round19")
    for lead in leads:
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now"), lead["source"]
    assert (
        sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 27
    )  # round 37: 27


def test_round_19_set_is_recorded_as_read_once():
    """Round 19's set (42 leads of public-domain or openly licensed news, gathered and committed
    before round 19's code, none from another file's URL) keeps a source, a licence, a year
    outside 2004-2005 and an editor's verdict on each title: 20 printable with the start's
    code, read once, and 24 with round 19's."""
    leads = _recorded_set("fresh_round19", 42)
    assert _kept(leads) == {"read": 20, "now": 24}


def test_round_20_set_is_recorded_as_read_once():
    """Round 20's set (40 leads of openly licensed news, gathered after round 19's code and
    committed before it read them, none from another file's URL) keeps a source, a licence, a
    year outside 2004-2005 and an editor's verdict on each title: 23 of 40 printable with the
    code of round 19's start and 23 with round 19's (one title changed, rejected both times);
    30 with round 19b's (chosen on that reading); 31 with round 22's (an object's own
    complement kept), whose titles each lead derives."""
    leads = _recorded_set("fresh_round20", 40)
    for lead in leads:
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now"), lead["source"]
    assert _kept(leads) == {"before": 23, "read": 23, "now": 30}
    assert sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 31


@pytest.mark.parametrize(
    ("title", "fault"),
    [
        ("Braverman commits to mandatory reporting duty, subject", "needs what follows"),
        ("Passengers are closer to benefiting from faster", "comparative"),
        ("Justice Department files complaint against VIPD alleging", "participle"),
        ("Commission requests Austria, Belgium, Bulgaria, Cyprus, Czechia, Denmark", "list"),
    ],
)
def test_round_19b_self_check_names_a_phrase_cut_at_its_end(title, fault):
    """Round 20's rejects that passed the self-check are named now: an adjective that needs
    its "to", a comparative without its noun, an "-ing" after a name, a list cut before its end
    (a title that fails is never preferred to one that passes)."""
    assert any(fault in problem for problem in printable_problems(title)), title


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # a participle and "to" before a noun, then a modal: the modal is the verb
            "Elites linked to the Russian state can be excluded from entering the UK under new "
            "measures announced by the Home Secretary today.",
            "Elites linked to the Russian state can be excluded from entering the UK",
        ),
        (  # "will no longer" keeps its "will" (was "Afghan families separated be left in limbo")
            "Afghan families separated during the evacuation from Kabul in August 2021 will no "
            "longer be left in limbo as the government today confirms the expansion of the UK’s "
            "flagship Afghan resettlement scheme, the Afghan Citizens Resettlement Scheme (ACRS).",
            "Afghan families separated during the evacuation from Kabul in August 2021 will no longer "
            "be left in limbo",
        ),
        (  # an acronym replaces only the words it spells (was "FDA announces …")
            "The Justice Department and U.S. Food and Drug Administration (FDA) today announced "
            "the creation of a federal multi-agency task force to combat the illegal distribution "
            "and sale of e-cigarettes.",
            "Justice Department and FDA announce creation of federal multi-agency task force",
        ),
        (  # a name in apposition after a comma is not shortened into the court's name
            "The Prime Minister met the President of the European Court of Human Rights, Judge "
            "Síofra O’Leary, at the Council of Europe Summit in Iceland today.",
            "Prime Minister meets the President of the European Court of Human Rights, Judge "
            "Síofra O’Leary",
        ),
        (  # a given name before a title of rank: the title is the name (was "Peter reappointed")
            "Peter, Lord Hendy of Richmond Hill, has been reappointed as the Chair of Network "
            "Rail to serve a further 2 years, the Transport Secretary announced today (8 June "
            "2023).",
            "Lord Hendy of Richmond Hill reappointed as the Chair of Network Rail to serve a "
            "further 2 years",
        ),
    ],
)
def test_round_19b_reads_the_sentence_before_any_cut(paragraph, title):
    """Round 20's garbled titles, read right before any cut (UK government and DOJ releases)."""
    assert derive_title([paragraph]) == title
    assert printable_problems(title) == []


def test_round_21_set_is_recorded_as_read_once():
    """Round 21's set (32 leads of openly licensed news releases, gathered after round 19b's
    code and committed before it read them, none from another file's URL) keeps a source, a
    licence, a year outside 2004-2005 and an editor's verdict on each title: 11 of 32 printable
    with the code of round 19's start and 11 with round 19b's; 12 with round 19c's (chosen on
    that reading); 18 with round 22's (a name and its offices before "announced", "States" no
    attribution), whose titles each lead derives."""
    leads = _recorded_set("fresh_round21", 32)
    for lead in leads:
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now"), lead["source"]
    assert _kept(leads) == {"before": 11, "read": 11, "now": 12}
    assert (
        sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 21
    )  # round 22's code 18, round 26c 19, round 37 20, round 44 21 ("… acting as courier …")


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # a date's year goes with its leading phrase (was "2024, Deputy Attorney General …")
            "On August 1, 2024, Deputy Attorney General Lisa Monaco announced the launch of a new "
            "corporate whistleblower awards program.",
            "Deputy Attorney General Lisa Monaco announces the launch of a new corporate "
            "whistleblower awards program",
        ),
        (  # "Today," before a capital goes (was "Today, EPA and …")
            "DENVER (December 7, 2023) -- Today, EPA and the U.S. Department of Justice announced "
            "a settlement with Heritage-Crystal Clean.",
            "EPA and the U.S. Department of Justice announce a settlement with Heritage-Crystal "
            "Clean",
        ),
    ],
)
def test_round_19c_a_leading_time_goes_whole(paragraph, title):
    """Round 21's leading times read whole: a date with its year, "Today," before a name."""
    assert derive_title([paragraph]) == title


def test_round_22_set_is_recorded_as_read_once():
    """Round 22's set (42 leads of varied real news: wire copy, arrests, funding announcements,
    tennis finals, earthquakes, science releases, city budgets, house fires; committed before
    round 19c's code read them, none from another file's URL) keeps a source, a licence, a year
    outside 2004-2005 and an editor's verdict on each title: 27 of 42 printable, read once;
    32 with round 22's code (chosen on that reading), 33 with round 26's ("Serena Williams
    wins her …"), 34 with round 26g's (a scene with no one in it gives way to its event), whose
    titles each lead derives."""
    leads = _recorded_set("fresh_round22", 42)
    for lead in leads:
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now"), lead["source"]
    assert _kept(leads) == {"read": 27, "now": 32}
    assert (
        sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 35
    )  # round 37: 35


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # a name, its office and a second minister before "announced" (round 21)
            "Today, the Honourable Jonathan Wilkinson, Minister of Energy and Natural Resources "
            "and the Honourable Mike Moyes, Manitoba Environment and Climate Change Minister, "
            "announced a federal investment of approximately $7.9 million toward the Oil to Heat "
            "Pump Affordability program (OHPA) to support climate action in Manitoba.",
            "Jonathan Wilkinson announces federal investment of approximately $7.9 million",
        ),
        (  # offices with "who is responsible for" (round 21)
            "Today, the Honourable Steven Guilbault, Minister of Canadian Culture and Identity, "
            "Parks Canada and Quebec Lieutenant, who is responsible for the Department for Women "
            "and Gender Equality, announced up to $1.4 million for four organizations.",
            "Steven Guilbault announces up to $1.4 million for four organizations",
        ),
        (  # three names, each with its offices, before "unveiled" (round 21)
            "Today, Prime Minister Justin Trudeau, the Deputy Prime Minister and Minister of "
            "Finance, Chrystia Freeland, and the Minister of Housing, Infrastructure and "
            "Communities, Sean Fraser, unveiled Canada’s Housing Plan, which responds to the "
            "significant housing challenges Canada faces.",
            "Trudeau unveils Canada’s Housing Plan",
        ),
    ],
)
def test_round_22_a_name_and_its_offices_are_the_name(paragraph, title):
    """A release's subject of names and offices (capitalised words, "of", "and", "on behalf
    of") before a verb of announcing is its first name: the title has its verb and object."""
    assert derive_title([paragraph]) == title
    assert printable_problems(title) == []


def test_round_22_offices_with_a_verb_of_their_own_stay():
    """A clause between commas with a lower-case verb of its own is no run of offices: the
    sentence is left to the earlier rules."""
    from newsletter.assemble.title_clause import _without_offices

    assert _without_offices("Smith, who fled the scene, announced a plan.") is None
    assert (
        _without_offices("Smith, Mayor of Exeter, announced a plan.") == "Smith announced a plan."
    )


def test_round_22_the_united_states_is_no_attribution():
    """ "to the United States to face charges" does not end the clause as if "States" were a
    verb of saying (round 21: the title was "Rodrigo Paez-Quintero, a Mexican national")."""
    title = derive_title(
        [
            "Rodrigo Paez-Quintero, a Mexican national, has been extradited from Mexico to the "
            "United States to face charges related to drug trafficking."
        ]
    )
    assert title == (
        "Rodrigo Paez-Quintero extradited from Mexico to the United States to face charges "
        "related to drug trafficking"
    )


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # "review | into oversight of …" (round 20: was "Government announces new independent
            # review")
            "The government has announced a new independent review into oversight of Integrated "
            "Care Systems (ICSs) to reduce disparities and improve health outcomes across the "
            "country, following record investment in health and social care.",
            "Government announces new independent review into oversight of Integrated Care Systems",
        ),
        (  # "convicts … | on 20 of 21 … counts" (round 18)
            "NEW ORLEANS A federal jury convicted former Mayor Ray Nagin on 20 of 21 public "
            "corruption counts Wednesday after deliberating for more than six hours over two days.",
            "Federal jury convicts former Mayor Ray Nagin on 20 of 21 public corruption counts",
        ),
    ],
)
def test_round_22_an_objects_own_complement_stays_with_it(paragraph, title):
    """The object's first complement after it ("against", "with", "on", "from", "over",
    "into") is part of its phrase: no strict cut falls before it when the phrase fits."""
    assert derive_title([paragraph]) == title


def test_round_22_a_complement_too_long_is_left_to_the_cut():
    """An object with a complement longer than the title limit is not kept out of the cuts: the
    title ends at the object, not inside it (round 21: not "… issues permanent"); since round
    37 the description before the name goes, so the object's complement fits."""
    paragraph = (
        "The U.S. District Court for the Southern District of Florida has issued a permanent "
        "injunction against Miami tax return preparer Richard Louis, prohibiting him from "
        "preparing federal income tax returns."
    )
    assert derive_title([paragraph]) == (
        "U.S. District Court for the Southern District of Florida issues permanent injunction "
        "against Richard Louis"
    )


def test_round_22_a_relative_clauses_verb_does_not_shorten_the_subject():
    """ "… earthquake in 25 years, a 7.4 magnitude tremor that shook …": the verb after "that"
    is no main verb, so the subject is not cut to "Taiwan struck by its strongest earthquake
    shook island’s eastern coast" (round 22)."""
    title = derive_title(
        [
            "Taiwan was struck by its strongest earthquake in 25 years on Wednesday, a 7.4 "
            "magnitude tremor that shook the island’s eastern coast, bringing down multiple "
            "buildings, triggering landslides and killing at least four people."
        ]
    )
    assert "earthquake shook" not in title
    assert title.startswith("Taiwan struck by its strongest earthquake in 25 years")


def test_round_22_a_paragraph_in_capitals_is_read_in_sentence_case():
    """A radio station's copy in capitals gives a title in sentence case, not "CITY" (round
    22); a paragraph with a few capitals is left as it is."""
    title = derive_title(
        [
            "THE CITY COUNCIL HAS ADVANCED THE PROPOSED CITY OPERATING BUDGET FOR THE NEXT FISCAL "
            "YEAR TO THE NEXT STEP."
        ]
    )
    assert title == (
        "City council advances the proposed city operating budget for the next fiscal year to "
        "the next step"
    )
    assert printable_problems(title) == []


def test_round_22_sentence_case_keeps_months_and_dotted_abbreviations():
    """A paragraph in capitals read in sentence case keeps what is always capitalised: a
    month (but the verb "may"), "U.S." (whose full stops end no sentence: "U.s. Senate ...
    in may" was printed)."""
    title = derive_title(
        ["THE U.S. SENATE HAS PASSED THE INFRASTRUCTURE BILL ON TUESDAY AFTER A DEBATE IN MAY."]
    )
    assert title == "U.S. senate passes the infrastructure bill after a debate in May"
    modal = derive_title(["THE CITY COUNCIL MAY VOTE ON THE NEW OPERATING BUDGET IN MARCH 2025."])
    assert modal.startswith("City council may vote on the new operating budget in March")


@pytest.mark.parametrize(
    "title",
    [
        "Johnson announces 300-million-pound fund for hospitals across England to help",
        "Commission hosts new pan-European matchmaking event to accelerate",
    ],
)
def test_round_22_a_purpose_verb_never_ends_a_title(title):
    """A verb that always takes an object ("help", "accelerate", "improve" …) after "to" is a
    cut purpose, whatever word precedes "to" (rounds 20 and 22)."""
    assert any("without its object" in problem for problem in printable_problems(title))


def test_round_23_set_is_recorded_as_read_once():
    """Round 23's set (20 leads: golf finals, job cuts, hurricanes, recalls; gathered after
    round 22's code and committed before it read them, none from another file's URL) keeps a
    source, a licence, a year outside 2004-2005 and an editor's verdict on each title: 14 of 20
    printable with round 22's code, read once, and the same 20 titles with round 19c's; 15
    with round 22e's ("a bit" keeps its "a"), 16 with round 22f's (a result after how it was
    won; both chosen on that reading), 17 with round 26's (Morikawa's win)."""
    leads = _recorded_set("fresh_round23", 20)
    for lead in leads:
        assert lead["title_read"] == lead["title_before"]
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now")
    assert _kept(leads) == {"before": 14, "read": 14, "now": 16}
    assert sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 17  # round 26


@pytest.mark.parametrize(
    ("paragraph", "kept"),
    [
        (  # round 23 (was "Rapid pace of layoffs slows bit")
            "The rapid pace of layoffs slowed a bit as Corporate America — with its record "
            "November for job cuts just past — plans to ring out 2008.",
            "slows a bit",
        ),
        (  # round 22 (was "Americans throw out lot more food")
            "Americans throw out a lot more food than they expect they will, food waste that is "
            "likely driven in part by ambiguous date labels on packages, a new study has found.",
            "throw out a lot more food",
        ),
    ],
)
def test_round_22_an_idiom_keeps_its_a(paragraph, kept):
    """ "a bit", "a lot more", "a number of" are amounts, not articles a headline drops."""
    assert kept in derive_title([paragraph])


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # round 23 (was "Tiger Woods easily fended off his challengers")
            "Tiger Woods easily fended off his challengers to capture the PGA Tour Championship "
            "by eight strokes and collect US$11.2 million in prize money on Sunday.",
            "Tiger Woods captures the PGA Tour Championship by eight strokes and collects "
            "US$11.2 million in prize money",
        ),
        (  # round 22 (was "American Madison Keys overcame late leads by Svetlana Kuznetsova")
            "American Madison Keys overcame late leads by Svetlana Kuznetsova in both sets to "
            "defeat the Russian for the Cincinnati Masters title on Sunday.",
            "American Madison Keys defeats the Russian for the Cincinnati Masters title",
        ),
    ],
)
def test_round_22_a_result_after_how_it_was_won_is_the_news(paragraph, title):
    """ "fended off his challengers to capture …": the result after "to" is the title's verb,
    in the singular for a player's name ("Woods", "Keys")."""
    assert derive_title([paragraph]) == title


@pytest.mark.parametrize(
    "paragraph",
    [
        # the scorer's team won (unseen #101, #102): the result is someone else's
        "Phil Foden scored twice to help Manchester City come from behind to beat city rivals "
        "Manchester United 3-1 in a thrilling derby on Sunday.",
        "Jay Rodriguez netted a brace as Southampton came from behind to win 3-1 at Bournemouth "
        "in the Premier League's south coast derby on Sunday.",
        # a copula: being the first is the news (round 9)
        "Tesfaye Jifar became the first Ethiopian to win the New York City marathon on Sunday.",
    ],
)
def test_round_22_a_result_that_may_be_another_s_stays_where_it_is(paragraph):
    """A result after "as", "to help" or a copula is not made the subject's own."""
    from newsletter.assemble.title_clause import _result_over_manner

    assert _result_over_manner(paragraph) == paragraph


def test_round_24_set_is_recorded_as_read_once():
    """Round 24's set (14 leads: train derailments, mayoral elections, medical research, a
    judge's sentence; gathered after round 22f's code and committed before it read them, none
    from another file's URL) keeps a source, a licence, a year outside 2004-2005 and an
    editor's verdict on each title: 4 of 14 printable with round 22f's code, read once, and the
    same 14 titles with round 19c's; 5 with round 22g's ("This afternoon," goes; chosen on that
    reading), 6 with round 26's (a first sentence that states gives way to one that reports),
    7 with round 26d's ("A total of" keeps its "A")."""
    leads = _recorded_set("fresh_round24", 14)
    for lead in leads:
        assert lead["title_read"] == lead["title_before"]
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now")
    assert _kept(leads) == {"before": 4, "read": 4, "now": 5}
    assert sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 8  # round 36


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (  # round 24 (was "This afternoon announces the Preliminary Results …")
            "This afternoon, the City announced the Preliminary Results of the Special Election "
            "for Office of Mayor.",
            "City announces the Preliminary Results of the Special Election for Office of Mayor",
        ),
        (  # round 23 (was "Category 1 storm, reports indicate")
            "Since Hurricane Florence made landfall over North Carolina Friday morning as a "
            "Category 1 storm, reports indicate that in cities across the state, hundreds of "
            "people have been rescued.",
            "Reports indicate that in cities across the state, hundreds of people have been "
            "rescued",
        ),
    ],
)
def test_round_22g_a_leading_time_or_clause_goes_before_its_subject(paragraph, title):
    """ "This afternoon," is a time before the subject like "Today,"; after a leading "Since …,"
    clause, a plural noun and its verb ("reports indicate") are the subject and verb."""
    assert derive_title([paragraph]) == title


def test_round_25_set_is_recorded_as_read_once():
    """Round 25's set (15 leads: wildfire evacuations, buybacks, superintendents; gathered after
    round 22g's code and committed before it read them, none from another file's URL) keeps a
    source, a licence, a year outside 2004-2005 and an editor's verdict on each title: 11 of 15
    printable with round 22g's code, read once, and the same 15 titles with round 19c's; 12 with
    round 26's ("Hot shot crew …")."""
    leads = _recorded_set("fresh_round25", 15)
    for lead in leads:
        assert lead["title_read"] == lead["title_before"]
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now")
    assert _kept(leads) == {"before": 11, "read": 11, "now": 11}
    assert sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 12  # round 26


def test_round_26_set_is_recorded_as_read_once():
    """Round 26's set (15 leads: library contracts, the 2007 Minneapolis bridge collapse,
    airline strikes, stolen paintings recovered; gathered after round 26d's code and committed
    before it read them, none from another file's URL) keeps a source, a licence, a year
    outside 2004-2005 and an editor's verdict on each title: 6 of 15 printable with round 26d's
    code, read once, and the same 15 titles with the code of round 26's start; 8 with round
    26e's (a time after a dropped relative clause goes, a speaker in commas before "said" is an
    attribution; chosen on that reading); 10 with round 26f's (a leading date goes whole);
    11 with round 26h's (a code that spells nothing of the name leaves the name)."""
    leads = _recorded_set("fresh_round26", 15)
    for lead in leads:
        assert lead["title_read"] == lead["title_before"]
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now")
    assert _kept(leads) == {"before": 6, "read": 6, "now": 6}
    assert sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 11


def test_round_27_set_is_recorded_as_read_once():
    """Round 27's set (15 leads: giraffe births, ships aground, tech layoffs, winter storms;
    gathered after round 26h's code and committed before it read them, none from another file's
    URL) keeps a source, a licence, a year outside 2004-2005 and an editor's verdict on each
    title: 8 of 15 printable with round 26h's code, read once, and 8 with the code of round
    26's start (one title differs: round 26g's scene rule; both kept)."""
    leads = _recorded_set("fresh_round27", 15)
    for lead in leads:
        # round 33 read again what it changed (`title_33`: the participle's phrase gone)
        # round 35 too (`title_35`: the ferry's place kept)
        assert derive_title(lead["paragraphs"]) == latest_title(lead)
    assert sum(lead["title_read"] != lead["title_before"] for lead in leads) == 1
    assert _kept(leads) == {"before": 8, "read": 8, "now": 8}


def test_a_paragraph_in_capitals_keeps_the_names_the_story_writes_with_capitals():
    """A name in a paragraph in capitals keeps its capital when a later paragraph (not in
    capitals) writes it capitalised mid-sentence; a word it also writes in lower case ("the
    River Warden", "the river") does not."""
    paragraphs = [
        "THE HENLEY RIVER WARDEN SAYS ON MONDAY THE TOWN WILL OPEN ITS SHELTERS NEAR THE THAMES.",
        "The shelters, which the Henley River Warden opened last winter near the Thames, hold 200.",
    ]
    title = derive_title(paragraphs)
    assert title == "Town to open its shelters near the Thames, Henley River Warden says"
    alone = derive_title(paragraphs[:1])
    assert alone == "Town to open its shelters near the thames, henley river warden says"
    both = [paragraphs[0], "The warden told the town that the Thames and the river would rise."]
    assert derive_title(both) == (
        "Town to open its shelters near the Thames, henley river warden says"
    )


def test_a_title_of_one_word_or_only_a_time_phrase_is_never_chosen():
    """A first sentence of nothing but a time phrase gives no title ("On" was chosen, kind
    "unchecked"): the lead is left untitled for the editor, as one with no text is."""
    title, kind = chosen_title(["On Tuesday, " * 30 + "…"])
    assert title == ""
    assert kind not in ("short", "long", "whole", "boundary", "score line")


def test_round_28_set_is_recorded_as_read_once():
    """Round 28's set (20 leads: city budgets, takeovers, floods, astronomy, a Supreme Court
    ruling, marathons and cup semi-finals, fraud and murder cases, a plant closure, a school
    bond, COVID-19 cases; gathered after a38b6a7 and committed before the code read them, none
    from another file's URL) keeps a source, a licence, a year outside 2004-2005 and an editor's
    verdict on each title: 10 of 20 printable with the code at a38b6a7, read once; 16 with
    round 28's rules, chosen on that reading."""
    leads = _recorded_set("fresh_round28", 20)
    for lead in leads:
        # round 36 read again what it changed (`title_36`: the cup final, not the reaction)
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now")
    assert _kept(leads) == {"read": 10, "now": 16}
    assert sum(latest_verdict(lead, "verdict_now") == "keep" for lead in leads) == 17
    assert sum(lead["title_read"] != lead["title_now"] for lead in leads) == 9


def test_round_28_changed_older_titles_as_recorded():
    """Round 28's rules changed 4 titles of the older sets, each read and recorded
    (`title_28`): 3 rejects now kept, 1 kept before and after, 1 scene rejected before and
    after; no kept title lost."""
    changed = [
        lead
        for path in sorted(DATA.glob("fresh_round*.toml"))
        for lead in recorded_leads(path.stem)
        if "title_28" in lead
    ]
    assert len(changed) == 4
    for lead in changed:
        assert derive_title(lead["paragraphs"]) == latest_title(lead), lead["source"]
    assert sum(lead["verdict_28"] == "keep" for lead in changed) == 3


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        # a company's name in "-s" is one company ("General Motors close" was read as a plural)
        (
            ["Northfield Motors closed its paint shop in Easton on Friday, ending 40 years there."],
            "Northfield Motors closes its paint shop in Easton, ending 40 years there",
        ),
        # a predicate noun keeps its "a" ("is step closer" read as an object lost)
        (
            [
                "Millbrook is a step closer to a new harbour wall after the town council voted"
                " on Tuesday night to approve the first reading of a plan to borrow the money."
            ],
            "Millbrook is a step closer to a new harbour wall",
        ),
        # a place's abbreviated region stays in the leading clause ("B.C." was the subject), and
        # "the town's" takes the place's name
        (
            [
                "After a storm flooded Lake Vale, B.C., the town’s fire chief ordered an"
                " evacuation of the lower streets on Sunday."
            ],
            "Lake Vale fire chief orders an evacuation of the lower streets",
        ),
        # a scene told with its subject after the verb is a teaser: the next sentence's news
        (
            [
                "Long ago in a valley far to the north was a mill that ground the county's"
                " flour. The county board on Monday voted to buy the mill and open it as a"
                " museum."
            ],
            "County board votes to buy the mill and open it as a museum",
        ),
        # a participle's phrase between commas leaves the subject ("called by …" was the verb)
        (
            [
                "The harbour master, Ned Vale, called by the port board the “keeper of the"
                " quays,” was sentenced today to five years in prison for fraud and bribery,"
                " officials said."
            ],
            "Harbour master Ned Vale sentenced to five years in prison for fraud and bribery",
        ),
        # a past progressive in the headline's present ("were clearing" kept the past)
        (
            [
                "Crews in the northern valley were clearing the roads of mud and fallen trees"
                " as the river slowly fell back below its banks."
            ],
            "Crews in the northern valley clear roads of mud and fallen trees",
        ),
        # first words in capitals that a later paragraph writes as a name stay a name
        (
            [
                "GREEN PARK matchwinner Tom Reed was left pinching himself after booking his"
                " side's place in the county cup final at the expense of Eastfield.",
                "Park skipper Reed set up the equaliser.",
            ],
            # round 36: the reaction gives way to its "after booking …" clause
            "Green Park matchwinner Tom Reed books his side's place in the county cup final at"
            " the expense of Eastfield",
        ),
    ],
)
def test_round_28_rules(paragraphs, expected):
    """Round 28's rules, each chosen on a reject of its reading, on made-up leads."""
    assert derive_title(paragraphs) == expected


def test_round_28_a_claim_after_in_what_is_kept():
    """ "… in what once would have been an unthinkable time" is the claim, not a phrase of
    place: the title never ends on "in what", nor is the phrase dropped."""
    title = derive_title(
        [
            "The river warden on Sunday rowed the Tamar estuary in what once would have been"
            " an unthinkable time: just under two hours."
        ]
    )
    assert "in what once would have been an unthinkable time" in title


@pytest.mark.parametrize(
    "title", ["Runner wins the race in what", '"If we had gone down that road, we"']
)
def test_round_28_no_title_ends_on_what_or_a_subject_pronoun(title):
    """ "… in what", "…, we": a word that opens what was cut never ends a title."""
    assert ends_incomplete(title)


def test_round_29_set_is_recorded_as_read_once():
    """Round 29's set (20 leads: shootings with datelines and attribution tails, storms and
    power cuts, a plant closure told as a reaction, hospital units, takeovers, a black hole
    image, a teaser, a council meeting's scene; gathered after 1da0b2e and committed before the
    code read them, none from another file's URL) keeps a source, a licence, a year outside
    2004-2005 and an editor's verdict on each title: 13 of 20 printable with the code at
    1da0b2e, read once; 15 with round 29's self-check, which changed 3 of its titles."""
    leads = _recorded_set("fresh_round29", 20)
    for lead in leads:
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_now"), lead["source"]
    assert _kept(leads) == {"read": 13, "now": 15}
    assert sum(lead["title_read"] != lead["title_now"] for lead in leads) == 3


def test_round_29_changed_older_titles_as_recorded():
    """Round 29's self-check changed 1 title of the older sets (of 776), read and recorded
    (`title_29`): rejected before and after, no longer with mixed tenses; no kept title lost."""
    changed = [
        lead
        for path in sorted(DATA.glob("fresh_round*.toml"))
        if path.stem != "fresh_round29"
        for lead in recorded_leads(path.stem)
        if "title_29" in lead
    ]
    assert len(changed) == 1
    for lead in changed:
        assert derive_title(lead["paragraphs"]) == lead["title_29"], lead["source"]
    assert sum(lead["verdict_29"] == "keep" for lead in changed) == 0


_ROUND_29_FAULTS = ("keeps 'an'", "opens on 'There'", "coordinates")


@pytest.mark.parametrize(
    ("garbled", "fault", "whole"),
    [
        (
            "Man hurt in an crash on the harbour road",
            "keeps 'an' before",
            "Man hurt in an hour-long crash and an FBI agent and an MP called",
        ),
        (
            "There loud scenes at the Millbrook council meeting",
            "opens on 'There'",
            "There are loud scenes at the Millbrook council meeting",
        ),
        (
            "Pilot ejects from an crash over the desert",
            "keeps 'an' before",
            "Pilot ejects from an F-16 over the desert and an X-ray finds no break",
        ),
        (
            "There 40 hostages in the tunnels",
            "opens on 'There'",
            "There remain 40 hostages in the tunnels",
        ),
        (
            "There a vote on the budget",
            "opens on 'There'",
            "There must be a vote on the budget",
        ),
        (
            "Club closes its old Easton hall and selling the land to the town",
            "coordinates",
            "Storm cuts a swath across the valley, snarling traffic and cutting power",
        ),
    ],
)
def test_round_29_self_check_sees_a_cuts_garbles(garbled, fault, whole):
    """A cut's garbles inside a title whose ends read whole: "an" left before a consonant when
    the words between were cut, "There" without its verb, a verb in "-s" coordinated with a bare
    "-ing" (the progressive's "is" dropped); its whole twin ("an hour", "an FBI", "an MP",
    "There are", a participle's clause after a comma) shows none of these faults."""
    assert any(fault in problem for problem in printable_problems(garbled))
    problems = " ".join(printable_problems(whole))
    assert not any(f in problems for f in _ROUND_29_FAULTS)


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            [
                "A man was injured in an early Sunday morning crash on the harbour road near"
                " Millbrook, county police said."
            ],
            "Man injured in crash on the harbour road near Millbrook",
        ),
        (
            [
                "EASTFIELD -- The rowing club announced Monday it is closing its decade-old"
                " Eastfield boathouse and selling the land to the town."
            ],
            "Rowing club is closing its decade-old Eastfield boathouse and selling the land to"
            " the town",
        ),
    ],
)
def test_round_29_a_garbled_cut_gives_way(paragraphs, expected):
    """With the self-check seeing a cut's garble, the derivation takes its next candidate (the
    cut without its articles, the sentence whole) instead of printing the garble."""
    assert derive_title(paragraphs) == expected
