"""Round 42 of issue 20 (part 6): an apposition after a name goes whole, its relative clause
opened by "that" included, and a date after the day of a reporting verb goes with the day.

Read on the FTX week (tests/data/weeks/ftx-2022, a new user's week) built with its titles
removed: BlockFi's card was titled "BlockFi, a US crypto lender had rescued in summer with $400
million credit line, said, 10 November" (the apposition cut at its "that FTX", then the time
left as ", 10 November")."""

from __future__ import annotations

from newsletter.assemble.titles import derive_title
from tests.conftest import ROOT
from tests.support.title_records import built_titles, seed_paragraphs

FTX = ROOT / "tests" / "data" / "weeks" / "ftx-2022" / "week1"
BLOCKFI = FTX / "seeds" / "02-blockfi.md"
TITLE = "BlockFi could not operate as usual and was pausing client withdrawals"


def test_an_apposition_with_its_relative_clause_goes_whole():
    """ "BlockFi, a US crypto lender that FTX had rescued in the summer …, said late on Thursday,
    10 November, that it could not operate …": the title is what BlockFi said, with no word of
    the apposition and no date left behind the reporting verb."""
    title = derive_title(seed_paragraphs(BLOCKFI))
    assert title == TITLE
    # the same with "which" and "who", and a date written month first
    for relative, verb, date in (
        ("which", "FTX rescued", "10 November"),
        ("who", "FTX rescued", "November 10"),
    ):
        paragraph = (
            f"BlockFi, a US crypto lender {relative} {verb} in the summer, said late on Thursday, "
            f"{date}, that it could not operate as usual and was pausing client withdrawals."
        )
        assert derive_title([paragraph]) == TITLE, (relative, date)


def test_the_ftx_week_untitled_titles_blockfi_by_its_news(workspace):
    """`newsletter build` on a copy of the FTX week with every `title:` removed: BlockFi's card
    is titled by its news, with none of the apposition and no "said, 10 November"."""
    titles = built_titles(workspace, FTX / "seeds", "2022-11-11", untitled=True)
    assert TITLE in titles, titles
    assert not any("10 November" in title or "had rescued" in title for title in titles), titles
