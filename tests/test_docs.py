"""Docs cannot drift: every command has help and appears in the README, which opens with the two commands."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


def all_commands() -> list[tuple[str, ...]]:
    """Every command path of the CLI, sub-commands included, e.g. ("subscribers", "import")."""
    group = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []

    def walk(command, path: tuple[str, ...]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            found.append((*path, name))
            walk(sub, (*path, name))

    walk(group, ())
    return found


def test_readme_opens_with_demo_and_test_commands():
    """The README's first code block is `make demo` then `make test`."""
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_readme_has_no_unfilled_placeholders():
    """No section of the README is left as a placeholder."""
    assert not re.search(r"\b[A-Z]+_(SECTION|TABLE|NOTES|SUMMARY)\b", README)


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_every_command_has_help_and_is_in_the_readme(path):
    """Each command answers --help with a description and appears in the README as `newsletter …`."""
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    description = result.output.split("Usage:", 1)[1].split("\n\n", 2)[1].strip()
    assert description and not description.startswith("Options")
    assert f"newsletter {' '.join(path)}" in README, (
        f"`newsletter {' '.join(path)}` missing from README.md"
    )
