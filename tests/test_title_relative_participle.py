"""Round 33b of issue 20's derived titles: a reduced relative's participle is never the verb.

"Patients given the experimental drug …": a past participle after a noun describes it; put in
the active present ("Patients give …") it inverts what the story says, the verb after it takes
the number of the noun before it ("Patients … die", not "drug dies"), and a noun in "-ot" before
the clause's verb is no verb ("the new shot were", not "new shoots")."""

from __future__ import annotations

from newsletter.assemble.titles import chosen_title, derive_title


def test_a_participle_only_verb_is_never_printed():
    """A title whose only verb is "given" after a bare plural is not printed: the editor is
    asked, as for any title without a main verb."""
    lead = "Patients given the experimental drug in a trial at three hospitals, researchers said."
    assert chosen_title([lead]) == ("", "unchecked")
    assert "give " not in derive_title([lead])


def test_the_participle_never_turns_active():
    """ "Patients given the drug … recovered faster …" never reads "Patients give the drug"."""
    lead = (
        "Patients given the experimental drug in a trial at three hospitals recovered faster "
        "than those who received a placebo, researchers said on Tuesday."
    )
    assert not chosen_title([lead])[0].startswith("Patients give ")


def test_the_verb_agrees_with_the_noun_before_the_participle():
    """ "Patients given the experimental drug died within weeks": the verb takes the number of
    "Patients", never "drug dies"; a present the verb reader would not read keeps its past."""
    lead = "Patients given the experimental drug died within weeks."
    assert chosen_title([lead])[0] == "Patients given the experimental drug died within weeks"
    longer = (
        "Patients given the experimental drug in a trial at three hospitals died within weeks, "
        "according to the study published on Monday."
    )
    assert chosen_title([longer])[0].endswith("hospitals die within weeks")
    vaccinated = "Residents vaccinated with the new shot reported fewer infections, officials said."
    assert chosen_title([vaccinated])[0] == (
        "Residents vaccinated with the new shot reported fewer infections"
    )


def test_a_noun_before_the_verb_is_no_verb():
    """ "Children vaccinated with the new shot were less likely …": "shot" is the noun."""
    lead = (
        "Children vaccinated with the new shot were less likely to be admitted to hospital, the "
        "health ministry said."
    )
    assert "shoots" not in derive_title([lead])
    assert "new shot were" in derive_title([lead])


def test_an_active_past_still_takes_the_present():
    """ "Astronomers unveiled …" is the clause's verb and still reads "Astronomers unveil"."""
    lead = "Astronomers unveiled the largest map of the universe on Monday."
    assert chosen_title([lead])[0] == "Astronomers unveil the largest map of the universe"
