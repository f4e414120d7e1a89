"""Small hostile inputs: control characters, deep TOML, ids with a line break. One line each, naming the file."""

from __future__ import annotations

import pytest

from newsletter.config import load_settings
from newsletter.control_chars import control_character, without_controls
from newsletter.errors import ConfigError, ManifestError, SourceError
from newsletter.issue.manifest import ISSUE_ID
from newsletter.sources.feeds import parse_feed
from newsletter.toml_depth import too_deep
from tests.support.digest_workspace import LEAD, build_in, make, rebuild_in


def built(tmp_path):
    """A workspace with one issue built from a Markdown lead; returns (workspace, issue folder)."""
    ws = make(tmp_path / "ws", {"seeds/lead.md": LEAD})
    return ws, build_in(ws).folder


def test_a_control_character_in_a_manifest_title_names_the_file_line_and_key(tmp_path):
    """`title = "…\\u0007"` in issue.toml is refused at its line as lead.title, never blamed on the template."""
    ws, folder = built(tmp_path)
    manifest = folder / "issue.toml"
    text = manifest.read_text("utf-8")
    old = 'title = "River floods force thousands from their homes"'
    line = 1 + text.split("\n").index(old)
    manifest.write_text(text.replace(old, old[:-1] + '\\u0007"'), "utf-8")
    with pytest.raises(ManifestError) as caught:
        rebuild_in(ws, folder)
    message = str(caught.value)
    assert f"issue.toml:{line}: lead.title: holds the control character U+0007" in message
    assert "template" not in message and "\x07" not in message


def test_a_control_character_in_front_matter_names_the_file_and_key(tmp_path):
    """YAML's "\\x1b" in a story's title is refused naming seeds/story.md, its line and 'title'."""
    ws = make(
        tmp_path / "ws", {"seeds/story.md": '---\ntitle: "Red \\x1b[31m alert"\n---\nBody.\n'}
    )
    with pytest.raises(
        SourceError,
        match=r"seeds/story\.md:2: front matter 'title': holds the control character U\+001B",
    ):
        build_in(ws)


def test_escaped_control_characters_in_a_feed_never_reach_its_text():
    """An Atom entry's HTML title and summary with `&#x1b;` and `&#7;` give text without any control character."""
    feed = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>t</title><id>x</id><updated>2026-11-26T00:00:00Z</updated><entry><id>a</id>
<title type="html">Floods &amp;#x1b;[31m reach</title><link href="https://example.org/a"/>
<updated>2026-11-26T00:00:00Z</updated><summary type="html">Water &amp;#7; rises</summary>
</entry></feed>"""
    (headline,) = parse_feed(feed.encode(), "news.xml").headlines
    for text in (headline.title, headline.summary):
        assert control_character(text) is None, repr(text)


def test_a_control_character_that_reaches_feed_text_becomes_a_space():
    """What feedparser lets through is cleaned, not refused: the feed is not the editor's to fix."""
    assert without_controls("Floods\x9b reach\tthe\nvalley") == (
        "Floods  reach\tthe\nvalley",
        "U+009B",
    )
    assert without_controls("clean text") == ("clean text", None)


@pytest.mark.parametrize("opening", ["[", "{a = "])
def test_toml_nested_5000_deep_is_one_error_naming_the_line(tmp_path, opening):
    """A manifest nesting arrays or inline tables 5,000 deep is refused at its line; tomllib never recurses into it."""
    ws, folder = built(tmp_path)
    manifest = folder / "issue.toml"
    closing = "]" if opening == "[" else "}"
    deep = "x = " + opening * 5000 + ("1" if opening != "[" else "") + closing * 5000
    text = manifest.read_text("utf-8").replace("\nid = ", f"\n{deep}\nid = ", 1)
    line = 1 + text.split("\n").index(deep)
    manifest.write_text(text, "utf-8")
    with pytest.raises(
        ManifestError, match=rf"issue\.toml:{line}: nested more than 32 levels deep"
    ):
        rebuild_in(ws, folder)


def test_newsletter_toml_nested_5000_deep_is_one_error(tmp_path):
    """The same in newsletter.toml: a ConfigError naming its line, no RecursionError."""
    ws = make(tmp_path / "ws", {}, toml="x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match=r"newsletter\.toml:\d+: nested more than 32 levels deep"):
        load_settings(ws)


def test_brackets_in_strings_and_comments_are_not_nesting():
    """Brackets inside basic, literal and multi-line strings and comments do not count toward the depth."""
    text = 'a = "[[[[[["\nb = \'{{{{\'\n# [[[[[[[[[[\nc = """\n[[[[[[\n"""\nd = [[1], [2]]\n'
    assert too_deep(text, limit=2) is None
    assert too_deep("x = [[[1]]]\n", limit=2) == 1


@pytest.mark.parametrize("issue_id", ["x\n", "../x", ".hidden", "a/b", "x" * 65])
def test_issue_ids_are_one_name_with_nothing_after(issue_id):
    """An id is checked with \\Z: a trailing line break, a slash or a leading dot is no id."""
    assert ISSUE_ID.match(issue_id) is None
