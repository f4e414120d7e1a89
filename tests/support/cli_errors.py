"""The CLI's manners for bad input, as the tests that drive it in-process assert them."""

from __future__ import annotations

from typer.testing import CliRunner

from newsletter.cli import app

runner = CliRunner()


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
