"""Round 45 of issue 20 (part 6, "titles an editor keeps"), a clean experiment.

`fresh_round45.toml` (22 leads of Voice of America, Wikinews, US Department of Justice,
European Commission and UK government news) was gathered and committed before any code read it,
then read once with the code before the round: 8 of 22 printable.  The round's code was chosen
on that reading, as mechanisms of the issue's own words ("one main verb and its object, never
ending on an adverb or a noun whose complement was cut, never a participle for the verb"): a
bare participle after "are … and" shares that "be"; a clause left open, an aside for an object,
a question word or an adverb for a subject fail the self-check; a cut never stops after a
gerund's own preposition or an adverb of what follows, nor inside a clause opened after a
comma; and when nothing passes, the sentence's subject, verb and whole object stand in
(`title_core`).  Every title of every set was derived before and after: only round 45's
changed (`title_45`)."""

from __future__ import annotations

from newsletter.assemble.title_check import drops_complement, headline_faults
from newsletter.assemble.title_core import core_sentence
from newsletter.assemble.title_tense import harmonized
from newsletter.assemble.titles import derive_title
from tests.support.title_records import (
    changed_in_round,
    latest_title,
    latest_verdict,
    lead_paragraphs,
    read_once_set,
)


def test_a_participle_after_are_and_shares_its_be():
    """ "At least four people are dead and 23 others injured after …": "injured" is the
    participle of "[are] injured", never made the verb "injure"."""
    title = (
        "At least four people are dead and 23 others injured after strong earthquake struck "
        "southwest China"
    )
    assert harmonized(title) == title
    # a past with its own "were" still takes the headline's passive
    assert harmonized("Two people are dead and five were injured in the blast") == (
        "Two people are dead and five injured in the blast"
    )


def test_an_open_clause_an_aside_for_an_object_or_no_subject_fails_the_self_check():
    """A subordinate clause with no verb, an aside where the object should be, a question word
    or a connective adverb opening on its verb: the title is no clause an editor prints."""
    for title in (
        "European Commission opens formal antitrust investigation to assess whether Deutsche Börse",
        "European Commission approves, under EU State aid rules",
        "What do a 12 - meter- tall tree hiding in plain sight",
        "Therefore be granted by Hungary",
    ):
        assert headline_faults(title), title
    for title in (
        "Ford recalls more than 300,000 of its 2017 Ford Explorer vehicles because of a sharp "
        "seat frame edge",
        "World Championships in Athletics end, at which three world records were broken",
        "WHO officially declares the outbreak of novel coronavirus disease, COVID-19, a pandemic",
        "Small boat capsized, resulting in three fatalities and leaving four individuals injured",
        "Ever Given floats free, almost a week after it ran aground across the Suez Canal",
    ):
        assert not headline_faults(title), title


def test_a_cut_never_stops_after_a_gerund_s_preposition_an_adverb_or_inside_a_clause():
    """ "for participating | in a cartel", "as well | as the trade association", ", which means
    by the end of | today …" drop what the sentence goes on with; "floats free | on Monday"
    does not."""
    sentence = lead_paragraphs("fresh_round45", 15)[0].split(". ")[0]
    assert drops_complement(
        "Commission fines 15 major car manufacturers and ACEA a total of around €458 million "
        "for participating",
        sentence,
    )
    sentence = lead_paragraphs("fresh_round45", 16)[0].split(". ")[0]
    assert drops_complement(
        "European Commission fines three automotive starter battery manufacturers, Exide, FET "
        "and Rombat, as well",
        sentence,
    )
    sentence = lead_paragraphs("fresh_round45", 21)[0]
    assert drops_complement(
        "Truss announces over 370 more Russian and Belarussian sanctions, which means by the end "
        "of the UK will have designated",
        sentence,
    )
    assert not drops_complement(
        "Ever Given floats free",
        "The Ever Given floated free on Monday, almost a week after it ran aground.",
    )


def test_the_core_is_subject_verb_and_whole_object_or_nothing():
    """The aside after the verb goes and the object is read to its last noun; a relative
    clause's verb, an object in a list, a bare noun or one the sentence goes on from give no
    core."""
    sentence = lead_paragraphs("fresh_round45", 12)[0].split(". ")[0] + "."
    assert core_sentence(sentence) == (
        "The European Commission has approved an estimated €3 billion German scheme."
    )
    assert (
        core_sentence("A wildfire that has forced the evacuation of homes prompted a ban.") is None
    )
    assert (
        core_sentence("The Commission has requested Austria, Belgium, Bulgaria to reply.") is None
    )
    assert core_sentence("The Justice Department filed a complaint against the VIPD.") is None
    assert core_sentence("Thailand's central bank left its key interest rate unchanged.") is None


def test_every_changed_title_was_read_and_none_kept_was_lost():
    """Every title derived before and after round 45 (1,150 of the older sets, the labelled and
    held-out sets and the weeks' seeds, and round 45's 22): only round 45's changed, 8 titles,
    read again (`title_45`): 6 rejects now kept, 2 rejected before and after."""
    changed = changed_in_round(45)
    assert len(changed) == 8
    for lead in changed:
        assert derive_title(lead["paragraphs"]) == latest_title(lead), lead["source"]
        assert lead["source"] in {other["source"] for other in read_once_set("fresh_round45", 22)}
        assert not (lead["verdict_read"] == "keep" and lead["verdict_45"] == "reject")
        assert lead["verdict_45"] == "keep" or lead["why_45"]
    assert sum(lead["verdict_45"] == "keep" for lead in changed) == 6


def test_the_round_45_set_is_recorded_as_read_once():
    """fresh_round45: 22 leads from URLs no other set holds, read once with the code before the
    round (8 of 22 printable); with round 45's code, chosen on that reading, 14 of 22."""
    leads = read_once_set("fresh_round45", 22)
    assert sum(lead["verdict_read"] == "keep" for lead in leads) == 8
    for lead in leads:
        assert derive_title(lead["paragraphs"]) == latest_title(lead), lead["source"]
    assert sum(latest_verdict(lead) == "keep" for lead in leads) == 14
