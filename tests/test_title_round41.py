"""Round 41 of derived titles (issue 20, part 6): a headline drops an article only where
headlines do; every one after a preposition or a copula, and in an amount, stays
(`title_style._without_articles`), and a cut made on the clause with the fewest gets back those
it can fit (`title_style.with_kept_articles`)."""

from __future__ import annotations

import re

from newsletter.assemble.titles import derive_title
from tests.support.title_records import (
    Lead,
    changed_in_round,
    latest_title,
    latest_verdict,
    lead_paragraphs,
)


def _verdict_before(lead: Lead) -> str | None:
    """The verdict recorded for `lead` before round 41, None when it was never read."""
    first = next(
        (k for k in ("verdict_16e", "verdict_now", "verdict", "verdict_read") if k in lead), None
    )
    earlier = [k for k in lead if re.fullmatch(r"verdict_(\d+)", k) and int(k[8:]) <= 40]
    if first is None and not earlier:
        return None
    return latest_verdict(lead, first or "verdict_read", upto=40)


def test_the_articles_readers_missed_are_kept():
    """Round 40's "across country" and "through night" keep their articles."""
    assert derive_title(lead_paragraphs("fresh_round40", 7)) == (
        "Heavy rain causes flash flooding across the country"
    )
    assert derive_title(lead_paragraphs("fresh_round40", 8)).startswith(
        "Emergency crews work through the night to rescue"
    )


def test_rejects_for_a_lost_article_are_now_kept():
    """The four titles rejected for an article a phrase needs ("from goal down", "are subject
    of recall", "on part of", "on first day") derive with it and are kept."""
    for stem, index, title in (
        ("fresh_round30", 20, "Phoenix bounces back from a goal down to complete impressive"),
        ("fresh_round33", 4, "Over 7 million pounds of hot dogs and sausages are the subject of a"),
        ("fresh_round9", 25, "Monsanto management accepts improved offer on the part of the"),
        ("unseen", 111, "Tens of thousands of workers walk out on the first day of Britain's"),
    ):
        assert derive_title(lead_paragraphs(stem, index)).startswith(title)


def test_a_cut_gets_back_the_articles_it_fits():
    """A title cut from a long sentence keeps "for the first time"; an article left for a
    consonant once the time between went ("in an early Sunday morning crash") goes."""
    sentence = (
        "The central bank raised its key rate for the first time in a decade on Tuesday,"
        " surprising markets that had expected a pause until the spring after a run of weak data."
    )
    assert "rate for the first time in a decade" in derive_title([sentence])
    assert derive_title(
        [
            "A man was injured in an early Sunday morning crash on the harbour road near"
            " Millbrook, county police said."
        ]
    ) == ("Man injured in crash on the harbour road near Millbrook")


def test_every_changed_title_was_read_and_none_kept_was_lost():
    """The 185 read titles round 41 changed derive as read (`title_41`): 116 kept before and
    after, 4 rejects now kept, 53 rejected before and after, 12 read first now (kept); none
    kept before is rejected now."""
    changed = changed_in_round(41)
    assert len(changed) == 185
    moves = {}
    for lead in changed:
        assert derive_title(lead["paragraphs"]) == latest_title(lead), lead["source"]
        assert lead["verdict_41"] == "keep" or lead["why_41"]
        move = (_verdict_before(lead), lead["verdict_41"])
        moves[move] = moves.get(move, 0) + 1
    assert moves == {
        ("keep", "keep"): 116,
        ("reject", "keep"): 4,
        ("reject", "reject"): 53,
        (None, "keep"): 12,
    }
