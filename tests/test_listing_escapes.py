"""What `subscribers list` and `subscribers show` print of a reader's own words: a name stored
by `serve` before it cleaned names (it only folded spaces) can hold terminal escape sequences,
which must reach the editor's terminal escaped, never as commands."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.support.cli_errors import run

HOSTILE = "x\x1b]0;pwned\x07\x1b[2J\u202eevil"  # retitle the terminal, clear it, reverse the line


@pytest.fixture
def listed(workspace):
    """A list whose one reader's name and first name hold escape sequences, as stored before."""
    assert run("subscribers", "add", "reader@example.org", "--name", "Reader").exit_code == 0
    with sqlite3.connect(workspace / "newsletter.db") as db:
        db.execute(
            "UPDATE subscribers SET name = ?, first_name = ? WHERE email = ?",
            (HOSTILE, HOSTILE, "reader@example.org"),
        )
    return workspace


@pytest.mark.parametrize(
    "args",
    [("subscribers", "list"), ("subscribers", "show", "reader@example.org")],
    ids=["list", "show"],
)
def test_a_stored_name_with_escape_sequences_is_printed_escaped(listed, args):
    """The name is shown as `x\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil`: no ESC, BEL or
    override reaches the terminal, and the reader's line is still one line."""
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output
    assert "x\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil" in result.output


def test_show_json_escapes_what_the_plain_output_escapes(workspace):
    """`subscribers show --json` writes a stored name's ESC, C1 CSI (U+009B), override, isolate
    and zero-width space as JSON escapes, like the plain `show`: none reaches the terminal raw,
    and the JSON still parses back to the name as stored."""
    name = "x\x1b[2J\x9b2J\u202eevil\u2066\u200b \u0645\u0631\u062d\u0628\u0627"
    assert run("subscribers", "add", "reader@example.org", "--name", "Reader").exit_code == 0
    with sqlite3.connect(workspace / "newsletter.db") as db:
        db.execute("UPDATE subscribers SET name = ? WHERE email = ?", (name, "reader@example.org"))
    result = run("subscribers", "show", "reader@example.org", "--json")
    assert result.exit_code == 0, result.output
    for raw in ("\x1b", "\x9b", "\u202e", "\u2066", "\u200b"):
        assert raw not in result.output
    assert "\\u009b2J\\u202eevil\\u2066\\u200b \u0645\u0631\u062d\u0628\u0627" in result.output
    assert json.loads(result.output)["name"] == name
