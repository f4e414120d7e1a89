"""A story that does not lead and is listed as a line (in Related, More or a section) with a
title derived from its first sentence keeps `title_derived = true` in the manifest, and
`check` asks the editor about it wherever it sits (issue/manifest.py, check/content_checks.py;
docs/security.md, *A derived title wherever it sits*)."""

from __future__ import annotations

from typer.testing import CliRunner

from newsletter.cli import app
from tests.support.build_json import build_json
from tests.test_title_headline import FED, write

EDITORS = "---\ntitle: The Fed cuts its rate\n---\n\n" + "\n\n".join(FED["paragraphs"]) + "\n"
BRIDGE = (
    "The harbour board closed the old swing bridge on Monday after inspectors found cracks "
    "in two of its steel girders.\n\n"
    "Ferries will run every twenty minutes until a temporary crossing opens in the spring, "
    "the board said.\n"
)


def _built(workspace) -> tuple[dict, str]:
    settings = workspace / "newsletter.toml"
    settings.write_text(settings.read_text("utf-8").replace("\nstories = 3", "\nstories = 0"))
    data = build_json(
        write(workspace, "seeds/fed.md", EDITORS), write(workspace, "seeds/bridge.txt", BRIDGE)
    )
    return data, (workspace / data["issue_dir"] / "issue.toml").read_text("utf-8")


def test_a_story_listed_as_a_line_keeps_its_derived_mark(workspace):
    """With no cards, the untitled bridge story is a line; its derived title is marked in
    `build --json` and in the manifest right under its title (it had no mark at all)."""
    data, manifest = _built(workspace)
    (line,) = [h for h in data["related"] + data["more"] if "bridge" in h["title"].lower()]
    assert line["title_derived"] is True
    lines = manifest.splitlines()
    at = lines.index(f'title = "{line["title"]}"')
    assert lines[at + 1] == "title_derived = true"


def test_check_asks_about_a_derived_line_until_the_editor_clears_it(workspace):
    """`check` warns about the line's derived title (it said nothing), and stops once the
    editor sets title_derived = false and rebuilds from the manifest."""
    data, manifest = _built(workspace)
    (line,) = [h for h in data["related"] + data["more"] if "bridge" in h["title"].lower()]
    runner = CliRunner()
    checked = runner.invoke(app, ["check", data["issue_dir"]])
    expected = f"the title '{line['title']}' was derived from the story's first sentence"
    assert expected in checked.output, checked.output
    path = workspace / data["issue_dir"] / "issue.toml"
    path.write_text(manifest.replace("title_derived = true", "title_derived = false"), "utf-8")
    rebuilt = runner.invoke(app, ["build", data["issue_dir"]])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "was derived" not in runner.invoke(app, ["check", data["issue_dir"]]).output


def test_a_card_the_editor_pushes_to_more_keeps_its_mark_and_the_warning(workspace):
    """The editor moves the untitled bridge card into [[more]] (its table renamed, its lines
    kept): the manifest reads (`title_derived` was an unknown key there, so the move was an
    error, or lost the mark) and `check` still asks about the derived title."""
    data = build_json(
        write(workspace, "seeds/fed.md", EDITORS), write(workspace, "seeds/bridge.txt", BRIDGE)
    )
    (card,) = data["stories"]
    path = workspace / data["issue_dir"] / "issue.toml"
    path.write_text(path.read_text("utf-8").replace("[[stories]]", "[[more]]"), "utf-8")
    runner = CliRunner()
    rebuilt = runner.invoke(app, ["build", data["issue_dir"]])
    assert rebuilt.exit_code == 0, rebuilt.output
    checked = runner.invoke(app, ["check", data["issue_dir"]]).output
    assert f"the title '{card['title']}' was derived from the story's first sentence" in checked
