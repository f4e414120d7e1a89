"""Markdown built to be slow: refused at its line before it is parsed, or built whole.

A 400 KB story of `1. a` lines, `*a` pairs or autolinks took 7-25 s to build; quotes and lists
nested past markdown-it's 20 levels silently lost the rest of the story.  What a build costs
is measured in bench/bench_markdown.py, never here: these tests assert the refusal (one line,
the file and line, the bound) and that what passes is built whole.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.errors import ManifestError, SourceError
from newsletter.sources.markdown_limits import (
    MAX_DEPTH,
    MAX_LINES,
    MAX_MARKS,
    MAX_STOPS,
    size_problem,
)
from tests.support.digest_workspace import build_in, make, rebuild_in, story

FIRST = "Rain fell on the valley for three days and the river rose.\n\n"
# The story file: front matter (title) on lines 1-3, the body from line 4.
BODY_LINE = 4

HOSTILE = {  # 400 KB of each, and the body line where the bound is passed
    "numbered items": ("1. a\n" * 80_000, BODY_LINE + 2 + MAX_LINES - 1),
    "paragraphs": ("a\n\n" * 133_000, BODY_LINE + 2 + 2 * (MAX_LINES - 1)),
    "emphasis pairs": ("*a" * 200_000, BODY_LINE + 2),
    "autolinks": ("<https://example.org> " * 18_000, BODY_LINE + 2),
    "unclosed images": ("![" * 200_000, BODY_LINE + 2),
    "hyphens and colons": ("a-b: " * 80_000, BODY_LINE + 2),
}


@pytest.mark.parametrize(("body", "line"), HOSTILE.values(), ids=HOSTILE)
def test_a_400_kb_story_built_to_be_slow_is_refused_at_its_line(tmp_path, body, line):
    """400 KB of lines, marks or links is one SourceError naming the file, the line and the bound."""
    ws = make(tmp_path / "ws", {"seeds/slow.md": story("Floods", FIRST + body)})
    with pytest.raises(SourceError) as caught:
        build_in(ws)
    message = str(caught.value)
    assert message.startswith(f"{ws}/seeds/slow.md:{line}: more than "), message
    assert any(f"{n:,} " in message for n in (MAX_LINES, MAX_MARKS, MAX_STOPS)), message
    assert not (ws / "issues").exists()  # nothing half-written


def test_the_build_command_says_it_in_one_line_with_exit_1(workspace):
    """`newsletter build` on such a story prints one `error:` line, exits 1, no traceback."""
    (workspace / "seeds" / "slow.md").write_text(story("Floods", FIRST + "*a" * 200_000), "utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: seeds/slow.md:{BODY_LINE + 2}: more than {MAX_MARKS:,} Markdown marks "
        "(` * _ [ ] ! < & \\) in one Markdown body; an email story has far fewer: split it, "
        "or link to the full text"
    ], result.output
    assert "Traceback" not in result.output


def test_a_story_just_inside_the_bounds_is_built_whole(tmp_path):
    """A list of as many items as the line bound allows, each with a link, is built with its last item."""
    items = MAX_LINES - 2  # the first paragraph and the item with its ending
    per_item = "1. item {n} at [a link](https://example.org/{n})\n"  # two marks: `[`, `]`
    body = FIRST + "".join(per_item.format(n=n) for n in range(items)) + "1. the ending\n"
    assert size_problem(body) is None
    ws = make(tmp_path / "ws", {"seeds/long.md": story("Floods", body)})
    result = build_in(ws)
    assert "the ending" in result.rendered.html
    assert f"https://example.org/{items - 1}" in result.rendered.html


def nested_list(levels: int) -> str:
    """A list nested `levels` deep, then a last paragraph."""
    return FIRST + "".join("  " * i + "- level\n" for i in range(levels)) + "\nThe ending.\n"


def test_lists_nested_past_the_bound_are_refused_instead_of_losing_the_ending(tmp_path):
    """A list 12 deep (markdown-it dropped the story's ending after 10) is refused at its 9th level."""
    ws = make(tmp_path / "ws", {"seeds/deep.md": story("Floods", nested_list(12))})
    with pytest.raises(SourceError) as caught:
        build_in(ws)
    assert str(caught.value).startswith(
        f"{ws}/seeds/deep.md:{BODY_LINE + 2 + MAX_DEPTH}: quotes and lists nested more than "
        f"{MAX_DEPTH} deep"
    )


def test_quotes_10000_deep_are_refused_at_their_line(tmp_path):
    """A line of 10,000 `>` is refused naming its line, not parsed 20 levels and cut."""
    ws = make(tmp_path / "ws", {"seeds/deep.md": story("Floods", FIRST + ">" * 10_000)})
    with pytest.raises(SourceError, match=rf"deep\.md:{BODY_LINE + 2}: quotes and lists nested"):
        build_in(ws)


def test_lists_as_deep_as_the_bound_keep_their_ending(tmp_path):
    """A list exactly MAX_DEPTH deep is built with every level and the paragraph after it."""
    ws = make(tmp_path / "ws", {"seeds/deep.md": story("Floods", nested_list(MAX_DEPTH))})
    html = build_in(ws).rendered.html
    assert "The ending." in html
    assert html.count("level") >= MAX_DEPTH


def test_a_manifest_lead_body_past_the_bound_names_the_manifest_line(tmp_path):
    """Marks pasted into a Markdown lead's body in issue.toml are refused at the manifest's line."""
    ws = make(tmp_path / "ws", {"seeds/lead.md": story("Floods", FIRST + "More rain.")})
    folder = build_in(ws).folder
    manifest = folder / "issue.toml"
    text = manifest.read_text("utf-8")
    assert 'format = "markdown"' in text
    manifest.write_text(text.replace("More rain.", "More rain. " + "*a" * 5_000), "utf-8")
    line = next(
        n for n, row in enumerate(manifest.read_text("utf-8").split("\n"), 1) if "*a" in row
    )
    with pytest.raises(ManifestError, match=rf"issue\.toml:{line}: lead\.body: more than "):
        rebuild_in(ws, folder)


def test_the_bounds_name_the_line_they_are_passed_on():
    """size_problem gives the 0-based line of the first text line or mark past the bound."""
    assert size_problem("a\n\n" * (MAX_LINES - 1) + "b") is None
    assert size_problem("a\n\n" * MAX_LINES + "b") == (2 * MAX_LINES, size_problem("a\n" * 9999)[1])
    assert size_problem("x\n" * 5 + "_" * (MAX_MARKS + 1))[0] == 5
    assert size_problem("_" * MAX_MARKS) is None
    assert size_problem("text - with: hyphens # and > signs " * 4_000) is None  # 16,000 signs
    assert size_problem("a-b: " * 80_000)[1].startswith(f"more than {MAX_STOPS:,} of the signs #")
