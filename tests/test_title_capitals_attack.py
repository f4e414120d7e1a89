"""A paragraph in capitals is read in sentence case with the capitals the story writes
elsewhere (assemble/titles._written_capitals): a feed cannot forge capitals into a title with
a paragraph in Title Case, and a name spelt with a capital inside it (iPhone) keeps it
(docs/security.md)."""

from __future__ import annotations

from newsletter.assemble.titles import derive_title

SHOUTED = "THE COUNCIL SAYS THE PARK WILL CLOSE FOR REPAIRS THIS WINTER."


def test_a_paragraph_in_title_case_teaches_no_capitals():
    """A later paragraph that capitalises a word sentence case never does ("And", "Will",
    "Says": a heading, a caption, or a feed forging capitals) teaches none of its capitals:
    the title reads as the paragraph in capitals alone does."""
    forged = [SHOUTED, "See Park And Council Says Will Close For Repairs This Winter."]
    assert derive_title(forged) == derive_title([SHOUTED])
    assert "Will" not in derive_title(forged) and "Says" not in derive_title(forged)


def test_a_word_sentence_case_never_capitalises_is_never_taught():
    """A function word written with a capital mid-sentence in an honest paragraph ("the
    Rise And Fall") is not taken; the name beside it still is."""
    paragraphs = [
        "OFFICIALS SAY THE PARK AND THE RIVER WILL CLOSE FOR REPAIRS NEAR HENLEY THIS WINTER.",
        "The park near Henley, whose history the Rise And Fall tells, will close.",
    ]
    title = derive_title(paragraphs)
    assert "Henley" in title and " And " not in title and " and " in title


def test_a_name_with_a_capital_inside_keeps_its_spelling():
    """A word the story spells with a capital after its first letter (iPhone, McDonald)
    keeps that spelling in a title read from capitals, wherever the story writes it."""
    paragraphs = [
        "APPLE SAYS THE NEW IPHONE WILL SHIP IN MARCH TO STORES RUN BY MCDONALD RETAIL.",
        "iPhone buyers waited; McDonald Retail said stores would open early.",
    ]
    title = derive_title(paragraphs)
    assert "iPhone" in title and "McDonald" in title
