"""Round 36 of issue 20's derived titles: the news told after a teaser, a scene, a state or a
reaction.

Of the old rejects of rounds 19-34, the second biggest class holds the news back in its first
sentence ("A jury has delivered the verdict for …", "… broke down in tears when it was over",
"There was a fire …"); an editor takes the news from the clause or the later sentence that tells
it (`title_elsewhere`), and the title is derived from that only when it prints whole."""

from __future__ import annotations

import pytest

from newsletter.assemble.title_elsewhere import carries_event, news_elsewhere, teases
from newsletter.assemble.titles import chosen_title, derive_title
from tests.support.title_records import lead_paragraphs


@pytest.mark.parametrize(
    ("stem", "index", "expected"),
    [
        ("fresh_round30", 3, "Maurice McCarty found guilty of 2 counts of felony murder"),
        ("fresh_round31", 17, "Cameron Champ wins the Safeway Open for his second PGA Tour title"),
        (
            "fresh_round32",
            11,
            "Mike Johnston elected mayor of Denver, defeating Kelly Brough in runoff race",
        ),
        ("fresh_round30", 8, "SpaceX launches the AsiaSat 8 communication satellite into orbit"),
        ("fresh_round24", 7, "Incumbent Eric Adams officially ends his campaign"),
    ],
)
def test_the_news_after_a_teaser_is_the_title(stem, index, expected):
    """The verdict in the next sentence ("He" given the first sentence's one name), the win in
    the next paragraph, the winner after a runoff's teaser, the launch in the scene's ",
    which …" clause, the campaign's end in the "when" clause."""
    title, kind = chosen_title(lead_paragraphs(stem, index))
    assert (title, kind.split()[0]) == (expected, "elsewhere")


def test_what_is_announced_or_shown_is_the_news():
    """ "The discovery of … has just been announced" is the discovery; what a video shows
    happening is what happened."""
    assert derive_title(lead_paragraphs("fresh_round33", 18)) == (
        "Colorful little frog with an active nightlife in a South American cloud forest discovered"
    )
    assert derive_title(lead_paragraphs("fresh_round34", 2)) == (
        "Middle section of an under-construction rail bridge gives way and plunges into the "
        "Yellow River"
    )


def test_a_reaction_gives_way_to_its_cause_and_news_first_stays():
    """ "… was left pinching himself after booking …": the booking is the news; a first
    sentence that tells the news stays the title's."""
    title = derive_title(
        [
            "Harbour Town striker Ana Reyes was left pinching herself after winning the regional"
            " sprint title at the expense of two Olympians.",
        ]
    )
    assert title == (
        "Harbour Town striker Ana Reyes wins the regional sprint title at the expense of two "
        "Olympians"
    ), title
    # a first sentence that reports is no teaser, whatever follows; a teaser with no later
    # event (a quotation, a sentence naming no one) keeps the title derived as before
    assert not teases("Cameron Champ won the Safeway Open on Sunday for his second PGA title.")
    plain = [
        "Fire crews rescued 12 people from a burning tower block in Leeds on Monday.",
        "Mike Johnston has been elected mayor of Denver.",
    ]
    assert derive_title(plain).startswith("Fire crews rescue 12 people")
    assert (
        list(
            news_elsewhere(
                "There were heated moments at the meeting.",
                [
                    "“We won't stand for it,” said one resident.",
                    "Opponents created a petition.",
                ],
            )
        )
        == []
    )
    assert carries_event("Mike Johnston has been elected mayor of Denver.")
    assert not carries_event("The calf was born through the zoo's participation.")
