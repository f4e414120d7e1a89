"""Derived titles taken from a later sentence (title_elsewhere, round 36) and shortened over the
limit (title_style.compressed, round 37) attacked from outside: a story's words may not make the
title name the wrong person or state a claim as a fact, nor stall the assembly.

The names are made up."""

from __future__ import annotations

import pytest

from newsletter.assemble.title_style import compressed
from newsletter.assemble.titles import chosen_title


@pytest.mark.parametrize(
    "paragraphs",
    [
        # the one name is where it happened; a sentence between brings the suspect
        [
            "There was a shooting on Monday at the home of Alder Quince in Brookfield. Police"
            " said a 30-year-old man entered the house. He was charged with murder on Tuesday."
        ],
        # the one name is where it happened, the next sentence's "He" someone else
        [
            "There was a shooting on Monday at the home of Alder Quince in Brookfield.",
            "He was arrested and charged with murder.",
        ],
        # the one name owns the place
        ["There was a fire on Monday at Alder Quince's farm.", "He was arrested for arson."],
    ],
)
def test_a_pronoun_is_not_given_a_victim_or_a_place_s_name(paragraphs):
    """ "He" was given the first sentence's one name wherever it stood: the victim of a
    shooting became `Alder Quince charged with murder`.  Now only a name that is no place or
    owner, read in the very next sentence, stands for "He"."""
    title, kind = chosen_title(paragraphs)
    assert "Alder Quince charged" not in title
    assert "Alder Quince arrested" not in title, (title, kind)


def test_a_teaser_s_one_person_still_gives_the_next_sentence_its_name():
    """The round's own case stays: the verdict "for" the one person, then "He was found
    guilty" is that person's."""
    title, kind = chosen_title(
        [
            "A jury has delivered the verdict for Alder Quince. He was found guilty of two"
            " counts of fraud late this afternoon."
        ]
    )
    assert (title, kind.split()[0]) == (
        "Alder Quince found guilty of two counts of fraud",
        "elsewhere",
    )


@pytest.mark.timeout(60)  # a hang guard, not a speed test: unfixed, 40 capitals took years
def test_a_long_capitalised_word_in_a_teaser_does_not_stall_the_title():
    """ "(?:[A-Z][\\w.&'-]*\\s?)+" before ", which" split a run of capitals every way there is:
    22 capitals took a second, each one more doubled it."""
    for tail in (", which burned", " today", ""):
        title, _ = chosen_title([f"There was a fire in {'A' * 48}{tail}.", "Crews came."])
        assert title
    title, _ = chosen_title(
        [f"Fans were stunned when the mayor, {'B' * 48} {'C' * 10}x, resigned at dawn."]
    )
    assert title


@pytest.mark.parametrize(
    ("sentence", "start"),
    [
        # the description's finite verb was read as one of its words: the allegation was
        # printed as the title's fact
        pytest.param(
            "Prosecutors say tech firm Acme Systems knowingly defrauded more than 4,000 small"
            " investors across three states in a decade-long scheme run from offices in"
            " Brookfield and Milltown, court papers filed on Monday show.",
            "Prosecutors say Acme Systems knowingly defrauded",
            id="allegation",
        ),
        # a verb tagged as a noun: `Acme Holdings of all fraud charges …`
        pytest.param(
            "Court clears former firm Acme Holdings of all fraud charges brought by state"
            " prosecutors in Brookfield after a three-year investigation into its accounts,"
            " lawyers said.",
            "Court clears Acme Holdings of all fraud charges",
            id="verb-tagged-as-noun",
        ),
    ],
)
def test_a_description_never_takes_the_verb_before_it(sentence, start):
    """ "Prosecutors say tech firm Acme Systems defrauded …", over the limit, lost "Prosecutors
    say" with the description; "Court clears former firm Acme …" lost its subject and verb.
    Now only the description goes."""
    title, _ = chosen_title([sentence])
    assert title.startswith(start), title


def test_a_short_claim_keeps_its_verb_before_a_description():
    """ "Investors claim rival company Borden Group …" compressed: the description goes, the
    claim's subject and verb stay."""
    assert compressed("Investors claim rival company Borden Group hid losses") == (
        "Investors claim Borden Group hid losses"
    )
