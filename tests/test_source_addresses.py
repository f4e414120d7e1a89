"""A source or a feed link given as a URL that is not http(s) is named exactly as it was written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    """A fresh workspace from `newsletter init`, as the current folder."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init", "ws"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    return tmp_path / "ws"


def test_a_file_url_on_the_command_line_is_named_as_written(ws):
    """`newsletter build file:///etc/passwd`: one line naming the URL with its three slashes
    and the path to give instead; exit 1, nothing built."""
    result = CliRunner().invoke(app, ["build", "file:///etc/passwd", "--date", "2026-11-26"])
    assert result.exit_code == 1
    assert result.output == (
        "error: file:///etc/passwd: only http:// and https:// feeds are fetched; for a file on "
        "this machine give its path (/etc/passwd)\n"
    )
    assert not (ws / "issues" / "2026-W48").exists()


def test_a_file_url_in_newsletter_toml_sources_is_named_at_its_line(ws):
    """`sources = ["seeds/", "file:///etc/passwd"]`: the error names newsletter.toml's line and
    the URL exactly as written."""
    config = ws / "newsletter.toml"
    lines = config.read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("sources ="))
    lines[number - 1] = 'sources = ["samples/", "file:///etc/passwd"]'
    config.write_text("\n".join(lines) + "\n", "utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert result.exit_code == 1
    assert result.output == (
        f"error: newsletter.toml:{number}: sources: 'file:///etc/passwd': only http:// and "
        "https:// feeds are fetched; for a file on this machine give its path (/etc/passwd)\n"
    )


def test_a_feed_links_file_url_is_warned_about_as_written(ws):
    """A feed entry linking `file:///etc/passwd` is left out with a warning that shows the link
    with its three slashes (feedparser hands it over as `file://etc/passwd`)."""
    (ws / "feeds").mkdir()
    (ws / "feeds" / "world.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>W</title>\n'
        "<item><title>Peru declares an emergency</title><link>file:///etc/passwd</link></item>\n"
        "<item><title>Chile tightens checks</title>"
        "<link>  https:///example.org/a?x=1&amp;y=2</link></item>\n"
        "</channel></rss>\n",
        "utf-8",
    )
    result = CliRunner().invoke(
        app,
        ["build", "feeds/world.xml", "samples/border-towns.md", "--date", "2026-11-26"],
    )
    assert result.exit_code == 0, result.output
    assert (
        "warning: feeds/world.xml#1: link 'file:///etc/passwd' is not an absolute http(s) URL; "
        "left out\n"
    ) in result.output
    assert "feeds/world.xml#2" not in result.output  # feedparser's repair of https:/// stands


def test_preview_of_a_file_url_is_named_as_written(ws):
    """`newsletter preview file:///etc/passwd` stops before serving, naming the URL as written."""
    result = CliRunner().invoke(app, ["preview", "file:///etc/passwd", "--no-open"])
    assert result.exit_code == 1
    assert result.output.startswith("error: file:///etc/passwd: only http:// and https://")
