"""An earlier issue's issue.toml edited or corrupted, read by memory (`follows`, repeats)
through `newsletter build` (docs/security.md, *serve's UTF-8 forms, private-use text, echoed
passwords and memory*): what it could carry into this issue but the build never writes is
one error line naming the file and key, never a traceback or another file's fault."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.test_memory import FOLLOW_UP, _week, last_week, secret  # noqa: F401 (fixtures)


@pytest.mark.usefixtures("last_week")
@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        # An escape tomllib reads as NUL: it reached the "Previously" line and MJML, which
        # blamed the template (`digest.mjml.j2: MJML does not compile`).
        (
            '[lead]\ntitle = "',
            '[lead]\ntitle = "\\u0000',
            "lead.title: holds the control character U+0000",
        ),
        # A raw bell the line scanner took (tomllib refuses it).
        (
            '[lead]\ntitle = "',
            '[lead]\ntitle = "\x07',
            "lead.title: holds the control character U+0007",
        ),
        # An id no issue has: it became this issue's `follows` and its "Previously" link.
        ('id = "2026-W47"', 'id = "../../x"', "id: '../../x' is no issue id"),
        # 2 MB of title, more than any text of an issue (limits.text_bytes): it became this
        # issue's "Previously" line (17 s, past Gmail's clip; 10 MB: an error blaming MJML).
        (
            '[lead]\ntitle = "',
            '[lead]\ntitle = "' + "Peru troops " * 170_000,
            "lead.title: more than limits.text_bytes (1,000,000 bytes)",
        ),
    ],
    ids=["nul-escape", "raw-bell", "path-id", "2-MB-title"],
)
def test_an_earlier_issue_carrying_what_no_build_writes_is_one_line_naming_it(
    workspace, old, new, said
):
    """A week whose lead continues last week's, over last week's issue.toml edited: exit 1,
    one `error:` line naming issues/2026-W47/issue.toml and the key, nothing built."""
    _week(workspace, FOLLOW_UP)
    manifest = workspace / "issues" / "2026-W47" / "issue.toml"
    text = manifest.read_text("utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), "utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"error: issues/2026-W47/issue.toml: {said}"), result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
    assert not (workspace / "issues" / "2026-W48").exists()
