"""Docs cannot drift: every command has help and appears in the CLI reference and the README's
table; the README is short and opens with the two commands; the generated pages are current."""

from __future__ import annotations

import os
import re

import pytest
import typer
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT
from tools import gen_docs

README = (ROOT / "README.md").read_text("utf-8")
CLI_PAGE = (ROOT / "docs" / "cli.md").read_text("utf-8")


def all_commands() -> list[tuple[str, ...]]:
    """Every command path of the CLI, sub-commands included, e.g. ("subscribers", "import")."""
    return gen_docs.command_paths(typer.main.get_command(app))


def commands_table() -> str:
    """The README's commands table: the lines of its `## Commands` section that are rows."""
    section = README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("| `newsletter"))


def test_readme_opens_with_demo_and_test_commands():
    """The README's first code block is `make demo` then `make test`."""
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_readme_is_short_and_links_every_page():
    """The README fits in 150 lines and links each docs page (the task pages and the house)."""
    assert len(README.splitlines()) <= 150
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in README, f"README.md does not link docs/{page.name}"


def test_readme_has_no_unfilled_placeholders():
    """No section of the README is left as a placeholder."""
    assert not re.search(r"\b[A-Z]+_(SECTION|TABLE|NOTES|SUMMARY)\b", README)


@pytest.mark.parametrize("path", all_commands(), ids=" ".join)
def test_every_command_has_help_and_is_documented(path):
    """Each command answers --help with a description, and has a heading in docs/cli.md; each
    leaf command has a row in the README's commands table."""
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    description = result.output.split("Usage:", 1)[1].split("\n\n", 2)[1].strip()
    assert description and not description.startswith("Options")
    name = f"newsletter {' '.join(path)}"
    assert f"\n## {name}\n" in CLI_PAGE, f"`{name}` missing from docs/cli.md"
    command = typer.main.get_command(app)
    for part in path:
        command = command.commands[part]  # type: ignore[attr-defined]
    if not hasattr(command, "commands"):  # a group (`subscribers`) has no row of its own
        assert f"| `{name}" in commands_table(), f"`{name}` missing from the README's table"


def test_the_generated_pages_are_current():
    """docs/cli.md and docs/configuration.md are what tools/gen_docs.py writes from the code."""
    assert gen_docs.cli_page() == CLI_PAGE, "run `make docs-gen`"
    assert gen_docs.config_page() == (ROOT / "docs" / "configuration.md").read_text("utf-8")


def test_the_configuration_page_has_every_key():
    """Every key newsletter.toml may hold, in every table, has a row in docs/configuration.md."""
    import dataclasses

    from newsletter import config

    page = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    for key in config._TOP_KEYS:
        assert f"\n| `{key}` |" in page
    for table, cls in config._TABLES.items():
        section = page.split(f"\n## [{table}]\n", 1)[1].split("\n## ", 1)[0]
        for f in dataclasses.fields(cls):
            assert f"\n| `{f.name}` |" in section, f"{table}.{f.name}"


def test_a_setting_without_a_comment_stops_the_generator():
    """A field with no comment beside or above it has no description, so the page is refused."""
    source = (
        "class SmtpSettings:\n"
        "    host: str = 'x'  # the relay\n"
        "    #: a description above\n"
        "    #: on two lines\n"
        "    port: int = 1\n"
        "    user: str = ''\n"
    )
    comments = gen_docs.field_comments(source)
    assert comments[("SmtpSettings", "host")] == "the relay"
    assert comments[("SmtpSettings", "port")] == "a description above on two lines"
    assert comments[("SmtpSettings", "user")] == ""
    with pytest.raises(SystemExit, match=r"SmtpSettings.user has no comment"):
        gen_docs._row("user", "", "", "SmtpSettings.user")


@pytest.mark.slow
def test_lint_fails_when_a_generated_page_is_stale(tmp_path, monkeypatch, capsys):
    """`gen_docs.py --check` exits 1 naming a page that differs from what the code gives."""
    stale = tmp_path / "cli.md"
    stale.write_text("# old\n", "utf-8")
    fresh = tmp_path / "configuration.md"
    fresh.write_text(gen_docs.config_page(), "utf-8")
    monkeypatch.setattr(gen_docs, "ROOT", tmp_path)
    monkeypatch.setattr(gen_docs, "CLI_PAGE", stale)
    monkeypatch.setattr(gen_docs, "CONFIG_PAGE", fresh)
    modules = tmp_path / "modules.md"
    modules.write_text(gen_docs.modules_page(), "utf-8")
    monkeypatch.setattr(gen_docs, "MODULES_PAGE", modules)
    assert gen_docs.main(["--check"]) == 1
    assert "error: cli.md is stale" in capsys.readouterr().err
    assert stale.read_text("utf-8") == "# old\n"  # --check never writes
    assert gen_docs.main([]) == 0 and gen_docs.main(["--check"]) == 0


def test_the_module_map_lists_every_module_in_the_order_data_flows():
    """docs/modules.md has a row for every module of the package, with its docstring's first
    sentence, and the stages run from the shared values up to the command line."""
    page = (ROOT / "docs" / "modules.md").read_text("utf-8")
    assert gen_docs.modules_page() == page, "run `make docs-gen`"
    for path in (ROOT / "newsletter").rglob("*.py"):
        name = path.relative_to(ROOT / "newsletter").as_posix()
        if name != "__init__.py" and "__pycache__" not in name:
            assert f"| `{name}` | " in page, name
    assert "| `assemble/title_gate.py` | A derived title's confidence gate" in page
    order = [page.index(f"## `{stage}`") for stage in ("config", "sources", "assemble", "render")]
    assert order == sorted(order) and page.index("## `cli`") > page.index("## `send`")


def test_a_module_without_a_docstring_stops_the_module_map(tmp_path, monkeypatch):
    """A module that does not say what it does stops the generator, naming the file."""
    package = tmp_path / "newsletter" / "assemble"
    package.mkdir(parents=True)
    (package / "mystery.py").write_text("X = 1\n", "utf-8")
    (tmp_path / ".importlinter").write_text(
        "[importlinter:contract:layers]\nlayers =\n    newsletter.assemble\n", "utf-8"
    )
    monkeypatch.setattr(gen_docs, "SOURCE", tmp_path)
    with pytest.raises(SystemExit, match=r"newsletter/assemble/mystery\.py has no docstring"):
        gen_docs.modules_page()


@pytest.mark.slow
def test_the_strict_docs_build_fails_on_a_broken_anchor(tmp_path):
    """`mkdocs build --strict` (what `make docs` runs) builds the site, and fails naming a bad link."""
    pytest.importorskip(
        "mkdocs", reason="the `docs` extra is not installed (make docs installs it)"
    )
    import shutil
    import subprocess
    import sys

    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    (tmp_path / "bench").mkdir()
    for name in ("mkdocs.yml", "newsletter.toml", "bench/README.md"):
        shutil.copy(ROOT / name, tmp_path / name)

    def build() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "out"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            timeout=120,
        )

    assert build().returncode == 0
    assert (tmp_path / "out" / "configuration" / "index.html").exists()
    page = tmp_path / "docs" / "security.md"
    page.write_text(
        page.read_text("utf-8") + "\nSee [nowhere](audience.md#no-such-part).\n", "utf-8"
    )
    failed = build()
    assert failed.returncode != 0 and "#no-such-part" in failed.stderr
