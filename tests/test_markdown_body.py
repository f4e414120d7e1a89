"""A Markdown story's plain text keeps its links' addresses and its lists."""

from __future__ import annotations

import pytest

from newsletter.render.markdown_body import markdown_text
from newsletter.sources.markdown_reading import first_image, reference_problem


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        (
            "Read [the report](https://example.org/r) today.",
            "Read the report <https://example.org/r> today.",
        ),
        ("See <https://example.org/a>.", "See https://example.org/a."),
        ("[https://example.org/a](https://example.org/a)", "https://example.org/a"),
        ("Write to [us](mailto:desk@example.org).", "Write to us <mailto:desk@example.org>."),
        ("- one\n- two\n- three", "* one\n* two\n* three"),
        ("1. first\n2. second", "1. first\n2. second"),
        ("3. third\n4. fourth", "3. third\n4. fourth"),
        ("- a\n  - nested\n- b", "* a\n  * nested\n* b"),
        ("Before.\n\n- item\n\nAfter.", "Before.\n\n* item\n\nAfter."),
        ("- one\n\n- two", "* one\n\n* two"),
        ("> quoted words", "> quoted words"),
        ("Text ![a map](https://example.org/m.png) more.", "Text more."),
        ("**bold** and _em_", "bold and em"),
    ],
    ids=[
        "link",
        "autolink",
        "url-as-text",
        "mailto",
        "bullets",
        "numbers",
        "start-number",
        "nested",
        "list-between-paragraphs",
        "loose-list",
        "quote",
        "image-dropped",
        "marks",
    ],
)
def test_markdown_text_keeps_urls_and_lists(markdown, text):
    """Links become `text <url>`, lists keep their bullets and numbers, marks and images go."""
    assert markdown_text(markdown) == text


def test_long_list_items_wrap_under_their_text():
    """A list item longer than 78 columns wraps with its continuation indented under the text."""
    item = "- " + " ".join(["border"] * 20)
    lines = markdown_text(item).split("\n")
    assert lines[0].startswith("* border") and all(
        line.startswith("  border") for line in lines[1:]
    )
    assert max(map(len, lines)) <= 78


def test_first_image_is_lifted_out_of_the_body():
    """The first image leaves the body (it becomes the hero); the text around it stays."""
    found = first_image("Intro.\n\n![Map of the border](https://example.org/m.png)\n\nMore text.")
    assert (found.src, found.alt) == ("https://example.org/m.png", "Map of the border")
    assert found.body == "Intro.\n\n\n\nMore text."


def test_reference_problem_reports_the_line_of_the_element():
    """A bad image on the third line of a paragraph is reported on that line (0-based)."""
    assert reference_problem("Para\n\none\ntwo\n![x](rel.png)")[0] == 4
    assert (
        reference_problem("All [good](https://example.org) ![fine](https://example.org/i.png)")
        is None
    )
