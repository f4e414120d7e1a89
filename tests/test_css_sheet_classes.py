"""The style sheet reader's character classes, written as the ASCII characters they leave out
(cheap to compile), take exactly the characters of the classes they stand for."""

from __future__ import annotations

import re

import pytest

from newsletter.sources import css_sheet

# each class as CSS reads it, with the range of every non-ASCII character
WRITTEN_OUT = [
    (css_sheet._NAME_START, r"[A-Za-z_\x80-\U0010ffff]"),
    (css_sheet._NAME_CHARACTER, r"[-\w\x80-\U0010ffff]"),
    (css_sheet._SELECTOR_CHARACTERS.pattern[:-1], r"[-\w\s.#*>+~:()\[\]=^$|\"',\\\x80-\U0010ffff]"),
]


@pytest.mark.parametrize(("short", "plain"), WRITTEN_OUT)
def test_class_takes_the_same_characters(short: str, plain: str) -> None:
    """Every code point, U+0000 to U+10FFFF, is in both classes or in neither."""
    every = "".join(map(chr, range(0x110000)))
    assert re.sub(short, "", every) == re.sub(plain, "", every)
    assert len(re.sub(short, "", every)) < 128  # and the class leaves out only ASCII
