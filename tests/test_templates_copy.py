"""`newsletter templates copy`: the default templates into ./templates/, never overwriting one."""

from __future__ import annotations

from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.render.template_copy import TEMPLATE_FILES, copy_default_templates
from newsletter.render.templates import default_templates_dir
from tests.conftest import ROOT
from tests.support.digest_workspace import LEAD, build_in, make


def test_copy_writes_the_three_defaults(tmp_path):
    """A workspace without templates/ gets the three default files, byte for byte."""
    result = copy_default_templates(tmp_path)
    assert [p.name for p in result.copied] == list(TEMPLATE_FILES) and result.kept == ()
    for name in TEMPLATE_FILES:
        assert (tmp_path / "templates" / name).read_bytes() == (
            default_templates_dir() / name
        ).read_bytes()


def test_copy_never_overwrites_an_edited_template(tmp_path):
    """A template already there is kept as the editor left it; only the missing ones are written."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "digest.css").write_text("a { color: #111111; }\n")
    result = copy_default_templates(tmp_path)
    assert [p.name for p in result.kept] == ["digest.css"]
    assert (tmp_path / "templates" / "digest.css").read_text() == "a { color: #111111; }\n"
    assert sorted(p.name for p in result.copied) == [
        "digest.mjml.j2",
        "digest.txt.j2",
        "welcome.mjml.j2",
        "welcome.txt.j2",
    ]
    assert not [p for p in (tmp_path / "templates").iterdir() if p.name.startswith(".")]


def test_the_cli_says_what_it_copied_and_kept(tmp_path, monkeypatch):
    """`newsletter templates copy` lists copied and kept files, then what to do next."""
    monkeypatch.chdir(tmp_path)
    make(tmp_path, {"seeds/lead.md": LEAD})
    first = CliRunner().invoke(app, ["templates", "copy"])
    assert first.exit_code == 0 and "copied   templates/digest.mjml.j2" in first.output
    second = CliRunner().invoke(app, ["templates", "copy"])
    assert second.exit_code == 0
    assert "kept     templates/digest.css (already there, not overwritten)" in second.output
    assert "Next: edit the files in templates/" in second.output


def test_an_edited_copy_is_what_the_build_uses(tmp_path, monkeypatch):
    """After copying, an edit to the workspace's template shows in the next build."""
    monkeypatch.chdir(tmp_path)
    ws = make(tmp_path, {"seeds/lead.md": LEAD})
    copy_default_templates(ws)
    text = ws / "templates" / "digest.txt.j2"
    text.write_text(
        text.read_text("utf-8").replace('"Read the full story"', '"Keep reading"'), "utf-8"
    )
    assert "Keep reading: https://example.org/floods" in (
        build_in(ws).folder / "index.txt"
    ).read_text("utf-8")


def test_in_the_repository_itself_there_is_nothing_to_copy():
    """Where templates/ are the defaults themselves, the copy writes nothing."""
    result = copy_default_templates(ROOT)
    assert result.is_default and result.copied == ()


def test_a_templates_path_that_is_a_file_is_one_clear_error(tmp_path):
    """When ./templates is a file, the copy stops with one line naming it and writes nothing."""
    import pytest

    from newsletter.errors import TemplateError

    (tmp_path / "templates").write_text("not a folder")
    with pytest.raises(TemplateError, match=r"templates/: cannot create"):
        copy_default_templates(tmp_path)
    assert (tmp_path / "templates").read_text() == "not a folder"
