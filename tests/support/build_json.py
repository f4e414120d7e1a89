"""`newsletter build … --json` run in-process, for tests that read what a build chose: the
printed issue as a dict, and each headline's publisher in it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from newsletter.cli import app

runner = CliRunner()


def build_json(*sources: str) -> dict:
    """`newsletter build SOURCES --date 2026-11-26 --json --no-learn` in the working directory:
    the printed issue (exit 0 asserted, with the output shown when it is not)."""
    result = runner.invoke(
        app,
        ["build", *sources, "--date", "2026-11-26", "--json", "--no-learn"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def publishers(data: dict) -> dict[str, str]:
    """Each line's title and its publisher, Related and More alike."""
    return {item["title"]: item["publisher"] for item in data["related"] + data["more"]}
