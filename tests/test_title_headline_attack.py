"""A feed's headline crafted from the lead's own words, said otherwise (negated, its subject
swapped, a bidi override inside), never becomes the lead's title or the email's subject
(assemble/title_headline.py; docs/security.md, *Feed headlines and whole descriptions*)."""

from __future__ import annotations

import pytest

from tests.support.build_json import build_json
from tests.test_title_headline import AXIOS, FED, SEED, _feed, _item, write

DERIVED_CUT_IS_KEPT = "the derived title stays, flagged for the editor"


def _build_with(workspace, headline: str) -> dict:
    seed = write(workspace, "seeds/fed.txt", SEED)
    feed = write(
        workspace,
        "feeds/business.xml",
        _feed(_item(headline, "https://news.example/fed", "Example", "https://news.example/")),
    )
    return build_json(seed, feed)


@pytest.mark.parametrize(
    "headline",
    [
        "Fed does not cut interest rates for the first time since 2008",
        "Fed never cuts interest rates for the first time since 2008",
        "Fed won't cut interest rates for the first time since 2008",
        "Trump cuts interest rates for the first time since 2008",
        "Interest rates cut the Fed for the first time since 2008",
    ],
)
def test_a_headline_saying_the_opposite_in_the_leads_words_is_not_its_title(workspace, headline):
    """Every word of the headline is in the story's news sentence, but negated or with another
    subject it says something else: the lead keeps its derived title, the line stays listed."""
    data = _build_with(workspace, headline)
    assert data["lead"]["title_from"] == "", data["lead"]["title"]
    assert data["lead"]["title"] != headline
    assert data["lead"]["title_derived"] is True


def test_a_bidi_override_in_a_headline_never_reaches_the_subject(workspace):
    """A right-to-left override inside an otherwise safe headline is not printed in the lead's
    title or the subject (it would show the rest of the line reversed)."""
    data = _build_with(workspace, "Fed cuts interest rates \u202efor the first time since 2008")
    assert "\u202e" not in data["lead"]["title"]
    assert "\u202e" not in data["subject"]


def test_the_safe_headline_is_still_taken(workspace):
    """The premise: Axios's own headline, in its words and order, is still the title."""
    seed = write(workspace, "seeds/fed.txt", SEED)
    feed = write(workspace, "feeds/business.xml", _feed(AXIOS))
    assert build_json(seed, feed)["lead"]["title_from"] == "Axios"
    assert FED["paragraphs"]


@pytest.mark.slow
def test_a_long_first_paragraph_with_a_headline_about_it_does_not_hang():
    """An untitled lead whose first paragraph is 450 KB of one repeated sentence and a feed
    headline made of its words: reading the headline read the whole paragraph's news sentence
    (the title itself reads its first 2,000 characters) and each word's preceding text, so
    choosing the title took minutes; now it finishes well inside 60 s (a hang guard, not a
    speed test)."""
    import subprocess
    import sys

    code = (
        "from newsletter.assemble.title_headline import borrowed_title\n"
        "from newsletter.models import Headline\n"
        "body = 'Officials said the Harbor Board Closes The Bridge today, ' * 8000\n"
        "print(borrowed_title([body], [(Headline('Harbor Board Closes The Bridge'), 0.9)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


def test_an_added_order_or_superlative_word_is_no_minor_word():
    """ "… for the last time since 2008" under a story that says "for the first time": the one
    word it adds, "last", is common but turns the fact; an ordinal or a superlative is never
    the word a headline may add (the Luxon headline's "new" still is: test_title_headline)."""
    from newsletter.assemble.title_headline import borrowed_title
    from newsletter.models import Headline

    for said in ("last", "final", "biggest", "only"):
        headline = Headline(f"Fed cuts interest rates for the {said} time since 2008")
        assert borrowed_title(FED["paragraphs"], [(headline, 0.9)]) is None, said
