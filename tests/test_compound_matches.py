"""A word written closed that the vocabulary lacks is read as its two words too ("boathouse":
boat, house); a match on one of them names the headline's own word, not a word it never said."""

from __future__ import annotations

from newsletter.assemble.relevance import lead_profile, rank_headlines
from newsletter.models import Headline

LEAD_TITLE = "Island ferry route to run a smaller chartered boat until spring"
LEAD_BODY = (
    "The ferry operator will run a smaller chartered boat on the island route until the "
    "spring while its own vessels are checked after the grounding off the point.",
)


def test_a_compound_part_is_shown_as_the_headlines_word_with_the_leads():
    """The market card in the old boathouse matched "boat": it reads "boathouse~boat", the
    form the editor knows from "immigration~migrants", so the card's own word is shown; it
    scores as the boat shed does, whose "boat" is the lead's own word and is shown so."""
    profile = lead_profile(LEAD_TITLE, LEAD_BODY)
    closed, open_ = rank_headlines(
        profile,
        [Headline("Winter market opens in the old boathouse"), Headline("Market in the boat shed")],
    )
    assert closed.matched == ("boathouse~boat",)
    assert open_.matched == ("boat",)
    assert closed.score == open_.score > 0
