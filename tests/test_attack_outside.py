"""Tried from outside: the CLI as an attacker (or a careless file) meets it, one hole per test.

Each test here was a failing case when the workspace was attacked through the command line
(docs/security.md, "Tried from outside"): a traceback, a hang, or a file written outside the
workspace.  They run the commands in-process with Typer's runner, which raises on a traceback.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsletter.cli import app

runner = CliRunner()
NESTED_JSON = "[" * 100_000  # the C decoder recurses once per level: a RecursionError


def run(*args: str):
    """The command's result; a traceback raises here instead of being caught."""
    return runner.invoke(app, list(args), catch_exceptions=False)


def one_error_line(result, *fragments: str) -> str:
    """Exit 1, exactly one `error:` line holding every fragment, and no traceback."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert all(f in errors[0] for f in fragments), result.output
    assert "Traceback" not in result.output
    return errors[0]


@pytest.fixture
def built(workspace):
    """The sample workspace with its issue 2026-W48 built; returns the issue folder."""
    result = run("build", "--date", "2026-11-26")
    assert result.exit_code == 0, result.output
    return workspace / "issues" / "2026-W48"


@pytest.mark.parametrize("command", [("check",), ("send", "--dry-run", "--yes")])
def test_a_build_record_nested_100000_deep_is_one_error_naming_it(built, command):
    """built-with.json of 100,000 `[` gives check and send one line naming the file and the fix, no RecursionError."""
    (built / "built-with.json").write_text(NESTED_JSON, "utf-8")
    one_error_line(run(*command, str(built)), "issues/2026-W48/built-with.json", "newsletter build")


def test_an_archive_state_file_nested_100000_deep_renders_again(built):
    """site/.newsletter-archive.json of 100,000 `[` is unreadable state: the archive renders every page again."""
    assert run("archive").exit_code == 0
    state = built.parent.parent / "site" / ".newsletter-archive.json"
    state.write_text(NESTED_JSON, "utf-8")
    result = run("archive")
    assert result.exit_code == 0, result.output
    assert "1 rendered" in result.output
    assert state.read_text("utf-8").startswith("{")  # written anew, as the archive writes it


@pytest.mark.parametrize("where", ["outside", "up"])
def test_build_out_outside_the_workspace_is_refused(workspace, tmp_path_factory, where):
    """`build --out` to a folder outside the workspace (absolute, or `../`) writes nothing there and says why."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    out = str(elsewhere / "x") if where == "outside" else "../escaped"
    result = run("build", "--date", "2026-11-26", "--out", out)
    one_error_line(result, "--out", "outside the workspace")
    assert not (elsewhere / "x").exists() and not (workspace.parent / "escaped").exists()


def test_rebuild_out_outside_the_workspace_is_refused(built, tmp_path_factory):
    """Re-rendering an issue folder with `--out` outside its workspace writes nothing there."""
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "copy"
    one_error_line(run("build", str(built), "--out", str(elsewhere)), "outside the workspace")
    assert not elsewhere.exists()


def test_build_out_inside_the_workspace_still_works(workspace):
    """`--out issues/special` (inside the workspace) is built as before."""
    result = run("build", "--date", "2026-11-26", "--out", "issues/special")
    assert result.exit_code == 0, result.output
    assert (workspace / "issues" / "special" / "merge.eml").is_file()


PATHOLOGICAL_MARKDOWN = {
    "nested brackets": "[" * 100_000 + "x" + "]" * 100_000,
    "unclosed links": "[x](" * 100_000,
    "a long run of marks": "*" * 100_000 + "x",
    "unclosed images": "![" * 100_000 + "x](https://example.org/i.png)",
}


@pytest.mark.timeout(60)  # a hang guard, not a speed test: the quadratic patterns took hours
@pytest.mark.parametrize("body", PATHOLOGICAL_MARKDOWN.values(), ids=PATHOLOGICAL_MARKDOWN)
def test_markdown_built_to_defeat_the_patterns_is_read_in_one_pass(body):
    """A Markdown body of brackets, unclosed links or marks gives its paragraphs and lead image without a quadratic scan."""
    from newsletter.models import body_paragraphs
    from newsletter.sources.markdown_reading import first_image

    (paragraph,) = body_paragraphs(body + "\n\nSecond.", "markdown")[:1]
    assert paragraph  # what is left of the marks is text
    assert body_paragraphs(body + "\n\nSecond.", "markdown")[-1] == "Second."
    assert first_image("![x" * 20_000 + "\n\n![a map](https://example.org/m.png)") is not None
