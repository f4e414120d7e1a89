"""Derived titles for untitled leads: the first sentence's main clause, short and clean."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.assemble.titles import derive_title, first_sentence, sentences

SAMPLE = tomllib.loads(
    (Path(__file__).parent / "data" / "labelled" / "01_peru_border_seed.toml").read_text("utf-8")
)


def test_sample_seed_title():
    """The sample seed gives its main clause, without the subordinate clause and attribution."""
    assert derive_title(SAMPLE["paragraphs"]) == (
        "Peru is preparing to declare a state of emergency along its border with Chile"
    )


@pytest.mark.parametrize(
    ("paragraph", "title"),
    [
        (
            "The Senate passed the budget bill late on Thursday, Majority Leader John Thune said.",
            "The Senate passed the budget bill late on Thursday",
        ),
        (
            "According to Peruvian police General Arturo Valverde, at least 100 foreign nationals "
            "are gathered at the border.",
            "At least 100 foreign nationals are gathered at the border",
        ),
        (
            "Officials said on Friday that the border crossing at Tacna would reopen next week.",
            "The border crossing at Tacna would reopen next week",
        ),
        (
            "Floodwaters rose across Valencia, according to the regional government.",
            "Floodwaters rose across Valencia",
        ),
        (
            "Gen. Valverde said the border was calm. He added more.",
            "Gen. Valverde said the border was calm",
        ),
    ],
)
def test_attribution_is_dropped(paragraph, title):
    """Trailing attributions, leading "According to X," and "officials said that" are dropped."""
    assert derive_title([paragraph]) == title


def test_long_sentence_cut_at_a_clause_never_mid_word():
    """A long first sentence is cut before a subordinate clause, within the limit, on a word."""
    paragraph = (
        "Shares of Nvidia plunged on Monday, wiping nearly $600 billion off its market value, "
        "after Chinese startup DeepSeek released a cheaper artificial intelligence model."
    )
    title = derive_title([paragraph], max_chars=60)
    assert title == "Shares of Nvidia plunged on Monday"
    long_word = derive_title(["Unbreakable " * 20], max_chars=40)
    assert len(long_word) <= 40 and long_word.endswith("Unbreakable")


def test_relative_clause_after_the_subject_is_dropped_keeping_the_place():
    """ "A fire that tore through towers in X has killed…" keeps its verb: "A fire in X has killed…"."""
    paragraph = (
        "A fire that tore through several high-rise residential towers in Hong Kong's Tai Po "
        "district has killed at least 44 people, authorities said on Thursday, making it the "
        "city's deadliest blaze in decades."
    )
    assert derive_title([paragraph]) == "A fire in Hong Kong's Tai Po district has killed at least 44 people"
    short = "The company that makes the app said it would cut 500 jobs."
    assert derive_title([short]) == "The company that makes the app said it would cut 500 jobs"


def test_a_place_in_apposition_is_not_a_clause_boundary():
    """The commas of "in Belém, Brazil," do not cut the title before its verb."""
    paragraph = (
        "Negotiators at the United Nations climate summit in Belém, Brazil, agreed on Saturday "
        "to a deal that calls for tripling finance to help poor countries adapt to a warming planet."
    )
    assert derive_title([paragraph]).endswith("Brazil, agreed")


def test_skips_blank_paragraphs_and_handles_empty():
    """Blank paragraphs are skipped and no text gives an empty title."""
    assert derive_title(["", "  ", "Peru closes its border."]) == "Peru closes its border"
    assert derive_title([]) == ""


def test_sentences_split_at_ends_not_abbreviations_and_keep_closing_quotes():
    """A paragraph splits into sentences; "U.S." ends none and a closing quote stays with its own."""
    text = "U.S. officials met Gen. Valverde. “We leave,” he said. Talks went on"
    assert sentences(text) == ["U.S. officials met Gen. Valverde.", "“We leave,” he said.", "Talks went on"]


def test_first_sentence_keeps_abbreviations():
    """Abbreviations and initials such as "U.S." or "Gen." do not end a sentence."""
    assert first_sentence("The U.S. Senate voted. Then it adjourned.") == "The U.S. Senate voted."


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=3), st.integers(min_value=20, max_value=120))
def test_any_text_gives_a_short_clean_title(paragraphs, max_chars):
    """Any text gives a title within the limit and without trailing punctuation."""
    title = derive_title(paragraphs, max_chars=max_chars)
    assert len(title) <= max_chars
    assert title == title.strip()
    assert not title or title[-1] not in ".,;:!?"
