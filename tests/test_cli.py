"""The CLI as a user meets it: Typer's CliRunner in-process, and real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_build_reports_what_it_made_and_what_to_do_next(workspace):
    """`newsletter build` writes issues/<id>/ and says where it is and what to do next."""
    result = run("build", "seeds/", "--date", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert "Issue 2026-W48 built: issues/2026-W48/" in result.output
    assert "title derived from the story" in result.output
    assert "Next:" in result.output
    assert (workspace / "issues" / "2026-W48" / "index.html").exists()


def test_build_json_is_the_full_ranking(workspace):
    """--json prints one object: issue_dir, id, subject, preheader, lead, note, stories, sections, related + more as the ranking, the length and what was learnt."""
    result = run("build", "seeds/", "--date", "2026-11-26", "--related", "3", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {
        "issue_dir",
        "id",
        "subject",
        "preheader",
        "lead",
        "note",
        "stories",
        "related",
        "sections",
        "more",
        "repeated",
        "later",
        "follows",
        "length",
        "learnt",
    }
    assert data["later"] == []  # no story dated after the issue
    assert data["learnt"]["on"] is True and data["learnt"]["from_issues"] == []
    assert data["length"]["items"] == 1 + len(data["related"]) + len(data["more"])
    assert (data["length"]["budget_items"], data["length"]["budget_words"]) == (20, 1000)
    assert data["note"] is None and data["stories"] == [] and data["sections"] == []
    assert data["repeated"] == [] and data["follows"] is None  # no earlier issue in issues/
    assert data["issue_dir"] == "issues/2026-W48" and data["id"] == "2026-W48"
    assert (
        set(data["lead"])
        == {"title", "title_derived", "title_from", "title_line", "also", "url", "publisher", "why"}
        and data["lead"]["title_derived"] is True
        and data["lead"]["also"] == []  # the sample's feed carries no copy of the lead
        and data["lead"]["title_from"] == ""  # the sample's derived title is certain
    )
    ranking = data["related"] + data["more"]
    assert len(ranking) == 17 and len(data["related"]) <= 3
    assert all(
        set(item) == {"title", "title_derived", "url", "publisher", "score", "matched", "also"}
        for item in ranking
    )
    related = [i["score"] for i in data["related"]]
    assert related == sorted(related, reverse=True)  # Related best first; More in seed order
    assert all(i["score"] <= min(related, default=1.0) for i in data["more"])


def test_build_with_lead_out_and_feed(workspace):
    """--lead, --out and a feed file among the sources work together."""
    (workspace / "feeds").mkdir()
    (workspace / "feeds" / "world.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><link>https://example.org/</link>'
        "<description>d</description><item><title>Chile Votes in Presidential Runoff</title>"
        "<link>https://example.org/chile</link></item></channel></rss>",
        "utf-8",
    )
    seed = "seeds/000_42a246ca27ba598a.txt"
    result = run(
        "build",
        "feeds/world.xml",
        "seeds/",
        "--lead",
        seed,
        "--out",
        "issues/special",
        "--json",
        "--date",
        "2026-11-26",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["issue_dir"] == "issues/special"
    titles = [i["title"] for i in data["related"] + data["more"]]
    assert "Chile Votes in Presidential Runoff" in titles
    assert (workspace / "issues" / "special" / "message.eml").exists()


def test_build_json_shows_folded_near_duplicates(workspace):
    """A second source's copy of a Related headline is folded into it: --json lists it under
    that line's `also`, not as a line of its own."""
    (workspace / "feeds").mkdir()
    (workspace / "feeds" / "wire.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        "<link>https://example.org/</link><description>d</description><item>"
        "<title>Repatriation flight carrying 266 Venezuelan migrants lands in Caracas</title>"
        "<link>https://example.org/wire/flight</link></item></channel></rss>",
        "utf-8",
    )
    result = run("build", "seeds/", "feeds/wire.xml", "--date", "2026-11-26", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    lines = data["related"] + data["more"]
    assert "https://example.org/wire/flight" not in [i["url"] for i in lines]
    (holder,) = [i for i in data["related"] if "Venezuelan Migrants" in i["title"]]
    assert holder["also"] == [
        {
            "title": "Repatriation flight carrying 266 Venezuelan migrants lands in Caracas",
            "url": "https://example.org/wire/flight",
        }
    ]


def test_rebuild_from_issue_folder(workspace):
    """`newsletter build issues/<id>` re-renders from the manifest and says so."""
    run("build", "--date", "2026-11-26")
    result = run("build", "issues/2026-W48")
    assert result.exit_code == 0
    assert "re-rendered from its manifest" in result.output


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        (["build", "missing/"], {}, "error: missing: no such file or folder; check the path"),
        (
            ["build", "seeds/bad.txt"],
            {"seeds/bad.txt": b"\xff\xfe\x00\x01"},
            "error: seeds/bad.txt: looks like a binary file",
        ),
        (
            ["build", "seeds/"],
            {"seeds/z.txt": "\n\n\nonly headlines\n"},
            "error: seeds/z.txt:1: no story found",
        ),
        (["build", "--date", "26/11/2026"], {}, "error: --date '26/11/2026': use YYYY-MM-DD"),
        # the option is checked before the sources are read: a new user's mistyped date came
        # out under a warning about the feeds/ folder, as if the two were one problem
        (
            ["build", "--date", "27/03/2021"],
            {"feeds/world.xml": "<rss/>"},
            "error: --date '27/03/2021': use YYYY-MM-DD",
        ),
        (["build", "--id", "../x"], {}, "error: --id '../x': use letters, digits"),
        # `$` would let a trailing line break through (the id is checked with \Z)
        (["build", "--id", "x\n"], {}, "error: --id 'x\\x0a': use letters, digits"),
        (
            ["build", "seeds/"],
            {"seeds/z.txt": "A story with a bell \x07 in it.\n"},
            "error: seeds/z.txt:1: holds the control character U+0007",
        ),
        (
            ["build"],
            {"newsletter.toml": "related = 'x'\n"},
            "error: newsletter.toml:1: related: expected int",
        ),
        (["build"], {"templates/digest.mjml.j2": "{% if %}"}, "error: templates/digest.mjml.j2:1:"),
    ],
)
def test_bad_input_is_one_line_exit_1_no_traceback(workspace, args, files, message):
    """Every kind of bad input ends with one `error:` line on stderr, exit code 1 and no traceback."""
    for name, content in files.items():
        path = workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not (workspace / "issues").exists() or not any((workspace / "issues").iterdir())


def test_no_config_works_with_one_warning(tmp_path, monkeypatch):
    """Without newsletter.toml the build runs on defaults and warns once on stderr."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "s.txt").write_text("A story about Peru.\n\n\nA headline\n", "utf-8")
    result = run("build", "--date", "2026-11-26")
    assert result.exit_code == 0
    assert result.stderr.count("warning: no newsletter.toml here") == 1


def test_a_command_in_a_folder_of_a_workspace_names_the_workspace_and_makes_nothing(
    tmp_path, monkeypatch
):
    """Run inside a workspace's seeds/, a command says where the workspace is, exit 1, and
    makes no second list there (it once warned, used defaults and made seeds/newsletter.db)."""
    monkeypatch.chdir(tmp_path)
    assert run("init", "digest").exit_code == 0
    monkeypatch.chdir(tmp_path / "digest" / "seeds")
    for args in (["subscribers", "add", "reader@example.org"], ["build"]):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.splitlines() == [
            f"error: no newsletter.toml here, but {tmp_path}/digest/newsletter.toml is a "
            f"workspace above this folder: run the command there (cd {tmp_path}/digest), so "
            "it reads that workspace's settings and list"
        ]
    assert list((tmp_path / "digest" / "seeds").iterdir()) == []


def test_init_creates_a_workspace_and_never_overwrites(tmp_path, monkeypatch):
    """`newsletter init DIR` lays out a workspace; run again, it keeps every existing file."""
    monkeypatch.chdir(tmp_path)
    result = run("init", "digest")
    assert result.exit_code == 0
    config = tmp_path / "digest" / "newsletter.toml"
    assert config.read_text("utf-8") == (ROOT / "newsletter.toml").read_text("utf-8")
    assert (tmp_path / "digest" / "samples" / "000_42a246ca27ba598a.txt").exists()
    assert list((tmp_path / "digest" / "seeds").iterdir()) == []  # the week's stories go here
    assert "put this week's stories in seeds/" in result.output
    config.write_text("# mine\n", "utf-8")
    again = run("init", "digest")
    assert again.exit_code == 0
    assert "kept     digest/newsletter.toml" in again.output
    assert config.read_text("utf-8") == "# mine\n"
    monkeypatch.chdir(tmp_path / "digest")
    config.unlink()
    run("init")
    empty = run("build", "--date", "2026-11-26")  # seeds/ is empty until the editor fills it
    assert empty.exit_code == 1 and "seeds/: no story sources" in empty.stderr
    shutil.copy("samples/000_42a246ca27ba598a.txt", "seeds/")
    assert run("build", "--date", "2026-11-26").exit_code == 0


def _subprocess(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


@pytest.mark.slow
def test_console_script_and_python_m_build_the_sample(workspace):
    """`newsletter build` and `python -m newsletter build` run as real processes."""
    script = Path(sys.executable).with_name("newsletter")
    done = _subprocess(str(script), "build", "--date", "2026-11-26", cwd=workspace)
    assert done.returncode == 0, done.stderr
    assert "Issue 2026-W48 built" in done.stdout
    again = _subprocess(
        sys.executable, "-m", "newsletter", "build", "issues/2026-W48", "--json", cwd=workspace
    )
    assert again.returncode == 0
    assert json.loads(again.stdout)["id"] == "2026-W48"


@pytest.mark.slow
def test_subprocess_error_has_no_traceback(workspace):
    """A failing build as a real process prints one error line and exits 1."""
    (workspace / "seeds" / "bad.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    done = _subprocess(sys.executable, "-m", "newsletter", "build", cwd=workspace)
    assert done.returncode == 1
    assert (
        done.stderr
        == "error: seeds/bad.txt:1: not valid UTF-8 (byte 0xe9 at column 4); save the file as UTF-8\n"
    )


def test_commands_about_an_issue_use_its_workspace_from_any_folder(
    workspace, tmp_path, monkeypatch
):
    """`check` and `build ISSUE` run from another folder read the issue's own newsletter.toml."""
    config = workspace / "newsletter.toml"
    config.write_text(
        config.read_text("utf-8").replace('name = "', 'name = "Elsewhere Weekly', 1), "utf-8"
    )
    assert run("build", "seeds/", "--date", "2026-11-26").exit_code == 0
    issue = workspace / "issues" / "2026-W48"
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.chdir(other)  # a folder with no newsletter.toml: defaults would warn
    rebuilt = runner.invoke(app, ["build", str(issue)])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "no newsletter.toml here" not in rebuilt.output
    assert "Elsewhere Weekly" in (issue / "message.eml").read_text("utf-8")
    checked = runner.invoke(app, ["check", str(issue)])
    assert "no newsletter.toml here" not in checked.output
    assert checked.exit_code == 0, checked.output
    assert not (other / "newsletter.db").exists()


def test_a_build_past_gmails_clip_warns_on_the_spot(workspace):
    """A build whose HTML is past Gmail's 102 KB clip says so as a warning line, not only as a share."""
    words = [
        "council",
        "market",
        "river",
        "school",
        "bridge",
        "ferry",
        "museum",
        "choir",
        "budget",
        "harvest",
        "storm",
        "train",
        "library",
        "festival",
        "hospital",
        "airport",
        "garden",
        "factory",
        "stadium",
        "election",
        "court",
        "bakery",
    ]
    titles = [
        f"{a.title()} and {b} {c} plans in town {i}"
        for i, (a, b, c) in enumerate(
            (a, b, c) for a in words for b in words for c in words[:3] if a != b
        )
    ]
    items = "".join(
        f"<item><title>{t}</title><link>https://example.org/w/{i}</link></item>"
        for i, t in enumerate(titles[:1200])
    )
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title>{items}</channel></rss>'
    )
    (workspace / "wire.xml").write_text(feed, "utf-8")
    result = CliRunner().invoke(app, ["build", "seeds", "wire.xml", "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "warning: issues/2026-W48/index.html is past Gmail's 102 KB clip" in result.output
    small = CliRunner().invoke(app, ["build", "seeds", "--id", "small", "--date", "2026-11-26"])
    # the same day's wire issue, never sent, is named as having led with the story too
    assert small.exit_code == 0 and "past Gmail's 102 KB clip" not in small.output


def test_a_manifest_cut_off_at_its_end_names_its_last_line(workspace):
    """A manifest whose last line is broken (`[[related` at the end of the file) names that line:
    tomllib says "at end of document", which is no line an editor can go to."""
    assert CliRunner().invoke(app, ["build", "--date", "2026-11-26"]).exit_code == 0
    manifest = workspace / "issues" / "2026-W48" / "issue.toml"
    text = manifest.read_text("utf-8") + "[[related"
    manifest.write_text(text, "utf-8")
    result = CliRunner().invoke(app, ["build", "issues/2026-W48"])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"error: issues/2026-W48/issue.toml:{len(text.splitlines())}: invalid TOML: "
    )
    assert result.output.count("\n") == 1


def test_a_setting_written_twice_names_both_lines(workspace):
    """`database` set twice in newsletter.toml: the error names the second line and says the
    first is where it is already set (tomllib says only "Cannot overwrite a value")."""
    config = workspace / "newsletter.toml"
    text = config.read_text("utf-8")
    first = text.splitlines().index(next(x for x in text.splitlines() if x.startswith("name =")))
    config.write_text('name = "Twice"\n' + text, "utf-8")
    result = CliRunner().invoke(app, ["subscribers", "count"])
    assert result.exit_code == 1
    line = first + 2
    assert result.output.startswith(f"error: newsletter.toml:{line}: invalid TOML: ")
    assert result.output.endswith("; 'name' is already set at line 1: keep one of the two\n")
