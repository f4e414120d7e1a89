"""Round 35 of issue 20's derived titles: the old rejects of rounds 19-34 as the dev set.

Of the 181 leads rejected when their round read them, 119 were still rejected with the code
of round 34.  The classes that recur across rounds are a complement cut, the news elsewhere
and the place lost; the rules here are general (a cut completed in the clause it was cut from,
a cause of its own, a place kept, a colon dateline before a figure, a full stop with no space)
and changed no title an editor kept into one rejected."""

from __future__ import annotations

from newsletter.assemble.title_gate import completions, confident_cut
from newsletter.assemble.titles import derive_title
from tests.support.title_records import lead_paragraphs


def test_a_cut_from_the_shortened_clause_is_completed_in_it():
    """A cut made from the clause with its subject's place dropped ("causes thousands of
    people | to be evacuated …") is completed in that clause; the source's "homes.Immediately"
    ends the sentence."""
    title = derive_title(lead_paragraphs("fresh_round32", 8))
    assert title == (
        "Major volcano eruption from Mount Ruang causes thousands of people to be evacuated "
        "from their homes"
    ), title


def test_a_cause_after_the_complement_is_a_part_of_its_own():
    """ "accusing hospital of contributing | to death of … patient | due to malpractice": the
    complement is kept and the cause may go."""
    assert confident_cut("suit of patient", " due to malpractice, saying")
    title = derive_title(lead_paragraphs("fresh_round31", 6))
    assert title.endswith("of contributing to the death of a gastric sleeve surgery patient"), title


def test_a_list_under_way_is_not_completed_at_a_comma():
    """ "for taking clothes, Rolex watches | , loan payments and cash": a comma inside a list
    leaves the list cut, so no completion ends there."""
    kept = "Langford sentenced to 15 years in federal prison"
    clause = kept + " for taking clothes, Rolex watches, loan payments and cash worth $240,000"
    assert not confident_cut(kept + " for taking clothes, Rolex watches", clause[83:])
    assert all(not c.endswith("Rolex watches") for c in completions(kept, clause, 120))


def test_a_title_that_names_nothing_keeps_the_place():
    """A title with no name ("Fourteen people killed and one injured in fire at underwear
    factory", "Millions forced to leave their homes") keeps the phrase that names the place."""
    assert derive_title(lead_paragraphs("fresh_round32", 7)) == (
        "Fourteen people killed and one injured in a fire at an underwear factory in south China’s "
        "Guangdong Province"
    )
    assert derive_title(lead_paragraphs("fresh_round19", 5)) == (
        "Millions forced to leave their homes as flooding continues across parts of India and "
        "other areas of South Asia"
    )


def test_a_place_and_a_colon_before_a_figure_is_a_dateline():
    """ "Beijing: 38 people died …": the place and its colon go, as before "The"."""
    title = derive_title(lead_paragraphs("fresh_round32", 6))
    assert title == "38 people die as a result of the fire in the Chinese factory", title
