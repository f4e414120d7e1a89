"""split_outside: CSS text split at a separator outside brackets and quotes (sources/css_split.py)."""

from __future__ import annotations

import pytest

from newsletter.sources.css_split import split_outside


@pytest.mark.parametrize(
    ("text", "sep", "brackets", "parts"),
    [
        ("a:1; b:2", ";", "()", ["a:1", " b:2"]),
        ("background:url(a;b);color:red", ";", "()", ["background:url(a;b)", "color:red"]),
        ("content:'x;y';b:2", ";", "()", ["content:'x;y'", "b:2"]),
        ('content:"a\'b;c";d:1', ";", "()", ['content:"a\'b;c"', "d:1"]),
        ("a:1);b:2", ";", "()", ["a:1)", "b:2"]),  # an unmatched `)` is passed over
        ("a:[1;2];b", ";", "()", ["a:[1", "2]", "b"]),  # `[` is no bracket unless named
        ('span, [title="a,b"], :is(p, q)', ",", "()[]", ["span", ' [title="a,b"]', " :is(p, q)"]),
        ("", ",", "()[]", [""]),
        ("a,", ",", "()[]", ["a", ""]),
    ],
)
def test_split_outside_splits_only_where_the_separator_stands_outside(text, sep, brackets, parts):
    """Each part ends at a separator outside quotes and the named brackets, kept as written."""
    assert split_outside(text, sep, brackets) == parts
