"""Datelines, bylines and agency credits read by their shape, and time phrases with their date
(round 16e of the derived titles, issue 20 part 6)."""

from __future__ import annotations

import pytest

from newsletter.assemble.title_dateline import dateline_length
from newsletter.assemble.titles import derive_title, title_problems, without_dateline
from tests.support.title_records import every_lead, latest_title

READ_16E = [lead for _, lead in every_lead() if "title_16e" in lead]
SENTENCE = "The city council approved a $1.2 billion plan to build a new stadium downtown."
TITLE = "City council approves a $1.2 billion plan to build a new stadium downtown"


@pytest.mark.parametrize(
    "opening",
    [
        "LOS ANGELES, Sept 28 ",
        "Los Angeles, Sept. 28 ",
        "Washington, April 18 ",
        "Lagos, Nigeria, Oct 3 ",
        "GENEVA, Switzerland, 5 January — ",
        "NEW ORLEANS (AP) — ",
        "NEW ORLEANS ",
        "DETROIT Oct 10 ",
        "DHAKA, Bangladesh » ",
        "WASHINGTON, D.C. – ",
        "Chennai : ",
        "SYDNEY: ",
        "ST. LOUIS (AP) — ",
        "PORT-AU-PRINCE, Haiti — ",
        "Port Moresby, Papua New Guinea — ",
        "LONDON (Reuters) - ",
        "SYDNEY, Australia (AFP) ",
        "KATHMANDU, March 3 (Xinhua) -- ",
        "NEW YORK, May 5, 2021 /PRNewswire/ -- ",
        "SAN JOSE, Calif., Oct. 3, 2019 /PRNewswire/ -- ",
        "By Jane Smith, Staff Writer ",
        "By JANE SMITH ",
        "By Jane Smith and John Doe, Associated Press Writers WASHINGTON (AP) — ",
        "By Reuters Staff ",
        "By AFP ",
        "By Jane Smith, Reuters ",
        "By JOHN DOE Associated Press ",
        "By JANE SMITH and JOHN DOE ",
        "NEW YORK--(BUSINESS WIRE)--",
        "SAN FRANCISCO, May 5, 2021--(BUSINESS WIRE)--",
        "Tokyo, Japan – May 5, 2021 – ",
    ],
)
def test_a_dateline_of_any_place_goes_by_its_shape(opening):
    """A place of a few capitalised words, maybe a region, a date, an agency or a byline, then a
    separator or a capitalised sentence, never reaches the title, whatever the place."""
    assert derive_title([opening + SENTENCE]) == TITLE


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "LOS ANGELES, Sept 28 The Los Angeles City Council granted approval on Friday to a "
            "$1.2 billion plan to build a downtown football stadium, putting the nation's "
            "second-largest city closer than it has been in years to having a professional "
            "football team.",
            "Los Angeles City Council grants approval to a $1.2 billion plan to build downtown "
            "football stadium",
        ),
        (
            "NEW ORLEANS A federal jury convicted former Mayor Ray Nagin on 20 of 21 public "
            "corruption counts Wednesday after deliberating for more than six hours over two days.",
            "Federal jury convicts former Mayor Ray Nagin on 20 of 21 public corruption counts",
        ),
    ],
)
def test_round_18_datelines_without_a_separator_go(paragraph, title):
    """The two datelines round 18's held-out set kept ("LOS ANGELES, Sept 28 The …", "NEW
    ORLEANS A federal jury …") go."""
    assert derive_title([paragraph]) == title


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        ("NASA launches a new rocket to the Moon.", "NASA launches a new rocket to the Moon"),
        ("UK inflation rises to 3.2% in March.", "UK inflation rises to 3.2% in March"),
        ("EU agrees new sanctions on Russia.", "EU agrees new sanctions on Russia"),
        (
            "NATO Secretary General Jens Stoltenberg said the alliance would send more troops.",
            "NATO Secretary General Jens Stoltenberg says the alliance would send more troops",
        ),
        (
            "US President Joe Biden signs the bill into law.",
            "US President Joe Biden signs the bill into law",
        ),
        (
            "UK, France and Germany agree to a joint statement on Iran.",
            "UK, France and Germany agree to a joint statement on Iran",
        ),
        (
            "New York City Mayor Eric Adams said the city would cut its budget.",
            "New York City Mayor Eric Adams says the city would cut its budget",
        ),
    ],
)
def test_a_headline_opening_on_capitals_keeps_them(paragraph, title):
    """A real name in capitals or a capitalised subject opening the sentence ("NASA launches",
    "UK inflation", "EU agrees", "NATO Secretary General …") is no dateline."""
    assert derive_title([paragraph]) == title
    assert dateline_length(paragraph) == 0


@pytest.mark.parametrize(
    "paragraph",
    [
        "In Sept 2020 the council approved the budget.",
        "Amazon.com Inc (AMZN) Chief Executive Jeff Bezos said the company would hire.",
        "By Friday, the council had approved the budget.",
        "Tel Aviv / Jerusalem - The council approved the budget.",
        "Red Cross: 50K Dead in Devastated Haiti",
        "Target: 40M card accounts may be breached",
        "Aaron Mokoena: ‘Mum dressed me as a girl to save me from killers’",
    ],
)
def test_what_only_looks_like_a_dateline_is_not_read_as_one(paragraph):
    """A phrase opening on a function word, a company and its ticker before a capitalised
    title, "By" and a day, places joined by a slash (the label patterns' job) and a speaker in
    title case before a colon and a number or a quotation are no dateline to the shape."""
    assert dateline_length(paragraph) == 0


def test_without_dateline_takes_the_longest_of_the_patterns_and_the_shape():
    """`without_dateline` removes a dateline the old patterns only half read."""
    assert without_dateline("Lagos, Nigeria, Oct 3 The council met.") == "The council met."


def test_a_title_opening_on_a_dateline_is_a_problem():
    """The rules name a dateline of the new shapes too."""
    assert "keeps a dateline" in title_problems("LOS ANGELES, Sept 28 The council approves plan")


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "SYDNEY: Australian police on Sunday (May 11) said they seized more than a tonne of "
            "cocaine which was allegedly retrieved from a small vessel off the coast of New South "
            "Wales (NSW).",
            "Australian police seize more than a tonne of cocaine",
        ),
        (
            "California’s Public Utilities Commission (CPUC) voted on Thursday, April 16, to "
            "approve the merger of wireless carriers T-Mobile and Sprint, marking the final "
            "approval for a US$23 billion deal which closed on April 1.",
            "CPUC votes to approve merger of wireless carriers T-Mobile and Sprint",
        ),
        (
            "The prime minister resigned on Monday, May 12, 2025, after losing a confidence vote.",
            "Prime minister resigns after losing a confidence vote",
        ),
        (
            "By Friday, the council had approved the budget for the new school year.",
            "Council had approved the budget for the new school year",
        ),
    ],
)
def test_a_time_phrase_goes_with_its_date(paragraph, title):
    """A day goes with the date after it ("on Sunday (May 11)", "on Thursday, April 16,"), and
    a leading "By Friday," is a phrase without a main clause."""
    assert derive_title([paragraph]) == title


def test_a_date_the_cuts_need_stays_as_it_was():
    """A date not closed by a comma ("on Sunday, August 27 turning streets") keeps the comma a
    cut falls at, so the labelled lead keeps its title."""
    paragraph = (
        "HOUSTON: Tropical Storm Harvey unleashed flooding in Houston on Sunday, August 27 turning "
        "streets in Texas’ largest city into raging rivers as trapped residents climbed to higher "
        "floors and the death toll rose."
    )
    assert derive_title([paragraph]) == "Tropical Storm Harvey unleashes flooding in Houston"


def test_the_titles_round_16e_changed_are_those_read():
    """Every title of the sets that round 16e changed is recorded with its reading (6: 3 rejects
    now kept, 1 kept before and after, 2 rejected before and after), and derives as read (or
    as read again where round 22's code changed it: `title_22`)."""
    assert len(READ_16E) == 6
    assert sum(lead["verdict_16e"] == "keep" for lead in READ_16E) == 4
    for lead in READ_16E:
        assert lead["why_16e"]
        assert derive_title(lead["paragraphs"]) == latest_title(lead, "title_16e")
