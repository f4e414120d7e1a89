"""Round 37 of issue 20's derived titles: a clause over the title limit is compressed before a
cut drops its complement.

The largest class of old rejects left after round 35 (42 of 114 in rounds 19-34) is a title
whose object or complement was cut because its whole clause is over 120 characters.  An editor
shortens the subject and the modifiers instead: a description before a name, an apposition, a
spare adverb, a clock time, a long figure (`title_style.compressed`).  Every title of every set
was derived before and after, and each of the 36 that changed was read (`title_37`)."""

from __future__ import annotations

from newsletter.assemble.headline_grammar import ends_incomplete
from newsletter.assemble.title_style import compressed
from newsletter.assemble.titles import derive_title
from tests.support.title_records import changed_in_round, latest_title, lead_paragraphs


def test_what_an_editor_shortens_is_the_subject_and_the_modifiers():
    assert (
        compressed(
            "British multinational tobacco company British American Tobacco agrees to pay almost "
            "USD 50 billion for control of US firm Reynolds American"
        )
        == "British American Tobacco agrees to pay almost USD 50 billion for control of Reynolds American"
    )
    assert compressed(
        "indictment unsealed charging Ping Li, 59, of Wesley Chapel, Florida, with spying"
    ) == ("indictment unsealed charging Ping Li with spying")
    assert (
        compressed("Austin City Council unanimously approves bid")
        == "Austin City Council approves bid"
    )
    assert compressed(
        "executive convicted a second time of fraud worth more than $750 million"
    ) == ("executive convicted again of fraud worth over $750 million")
    assert (
        compressed("ship that ran aground, at about 11:40 p.m. Pacific time")
        == "ship that ran aground"
    )
    assert compressed("test has been approved by the U.S. FDA") == "test approved by the FDA"
    assert compressed("federal grand jury in Houston has indicted Indian national for selling") == (
        "federal grand jury has indicted Indian national for selling"
    )


def test_a_description_stays_where_it_is_not_one_before_a_name():
    """ "Poland's No.2 telecoms group Netia", "chemical and pharmaceutical company Bayer", a
    quotation's words and a place that is the news ("Two climbers in Nepal") stay."""
    for text in (
        "Poland’s No.2 telecoms group Netia plans to buy back shares",
        "offer of German chemical and pharmaceutical company Bayer to acquire",
        "“The reforms will also provide a platform,” Azalina said",
        "Two climbers in Nepal died in avalanche",
    ):
        assert compressed(text) == text


def test_the_complement_is_kept_once_the_subject_is_short():
    assert derive_title(lead_paragraphs("fresh_round32", 15)) == (
        "British American Tobacco agrees to pay almost USD 50 billion for control of Reynolds American"
    )
    assert derive_title(lead_paragraphs("fresh_round32", 21)) == (
        "Former top executive of an Austin medical device company convicted again of orchestrating "
        "$750 million securities fraud"
    )
    assert derive_title(lead_paragraphs("fresh_round8", 23)) == (
        "U.S. judge sentences former chief executive of ArthroCare to 20 years in prison and its "
        "finance chief to 10 years"
    )


def test_worth_is_no_end():
    """ "… loan payments and cash worth": a title never ends on "worth" (its sum cut)."""
    assert ends_incomplete("Langford sentenced for taking cash worth")


def test_every_changed_title_was_read_and_none_kept_was_lost():
    """The 36 titles round 37 changed over every set derive as last read (`title_37`, or a
    later round's); 29 are kept (11 of them rejected before), 7 rejected before and after; no
    kept title was lost."""
    changed = changed_in_round(37)
    assert len(changed) == 36
    for lead in changed:
        assert derive_title(lead["paragraphs"]) == latest_title(lead), lead["source"]
        assert lead["verdict_37"] == "keep" or lead["why_37"]
    assert sum(lead["verdict_37"] == "keep" for lead in changed) == 29
