"""The first run matches the README: init from the package (even from a wheel), --version, help."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import newsletter
from newsletter.cli import app
from newsletter.config import load_settings
from newsletter.workspace import skeleton_dir, skeleton_files
from tests.conftest import ROOT

pytest_plugins = ["tests.support.send_fixtures"]


def test_the_skeleton_is_the_repository_sample():
    """newsletter/skeleton/ holds the repository root's newsletter.toml and samples; its sample
    story sits in samples/, where the root keeps it in seeds/ (a new workspace's seeds/ is empty)."""
    files = skeleton_files()
    seed = "000_42a246ca27ba598a.txt"
    assert sorted(map(str, files)) == [
        "newsletter.toml",
        f"samples/{seed}",
        "samples/border-towns.md",
        "samples/subscribers.csv",
        "samples/world.xml",
    ]
    for rel, data in files.items():
        root_copy = ROOT / "seeds" / seed if rel.name == seed else ROOT / rel
        assert root_copy.read_bytes() == data, f"{rel} differs from the repository's copy"


def test_init_reads_only_the_package(tmp_path, monkeypatch):
    """init copies from inside the package, so moving the repository's sample changes nothing."""
    assert skeleton_dir().is_relative_to(Path(newsletter.__file__).parent)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "ws"])
    assert result.exit_code == 0, result.output
    for rel, data in skeleton_files().items():
        assert (tmp_path / "ws" / rel).read_bytes() == data


def test_init_then_the_readme_commands_build_the_samples(tmp_path, monkeypatch):
    """In a fresh workspace, the sample feed and Markdown story build as the README shows."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["init", "ws"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    result = runner.invoke(
        app,
        [
            "build",
            "samples/world.xml",
            "samples/border-towns.md",
            "samples/000_42a246ca27ba598a.txt",
            "--lead",
            "samples/border-towns.md",
            "--date",
            "2026-11-26",
        ],
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "ws" / "issues" / "2026-W48" / "index.txt").read_text("utf-8")
    # The lead links to its story: the email shows its first paragraph (links kept) and the link.
    assert "longer queues <https://example.org/stories/border-queues>" in text
    assert "\n\nRead the full story: https://example.org/stories/border-towns\n" in text
    assert "Chile tightens checks at its northern border crossings" in text


@pytest.mark.slow
def test_init_works_from_a_wheel_in_a_fresh_venv(tmp_path):
    """Built as a wheel and installed in a new venv, `newsletter init` then `build` work far from the repository."""
    from importlib.metadata import version

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    run = lambda *args, cwd=tmp_path: subprocess.run(  # noqa: E731
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )
    wheels = tmp_path / "wheels"
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--disable-pip-version-check",
        "-w",
        wheels,
        ROOT,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("newsletter-*.whl"))
    fresh = tmp_path / "fresh"
    assert run(sys.executable, "-m", "venv", "--without-pip", fresh).returncode == 0
    python = fresh / "bin" / "python"
    target = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip()
    )
    installed = run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        "--disable-pip-version-check",
        wheel,
    )
    assert installed.returncode == 0, installed.stderr
    # The dependencies come from the test venv, through a plain path line: its .pth files (the
    # editable install among them) are not processed, so `newsletter` is the wheel's.
    (target / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n", "utf-8")
    where = run(python, "-c", "import newsletter; print(newsletter.__file__)")
    assert where.stdout.strip().startswith(str(target)), where.stdout + where.stderr
    script = fresh / "bin" / "newsletter"
    assert run(script, "--version").stdout == f"newsletter {version('newsletter')}\n"
    init = run(script, "init", "ws")
    assert init.returncode == 0, init.stderr
    assert "created  ws/samples/world.xml" in init.stdout
    suggested = re.search(r"\(try `cd ws && newsletter build ([^`]+)`", init.stdout)
    assert suggested, init.stdout
    ws = tmp_path / "ws"
    build = run(script, "build", *suggested.group(1).split(), "--date", "2026-11-26", cwd=ws)
    assert build.returncode == 0, build.stderr
    assert (ws / "issues" / "2026-W48" / "index.html").stat().st_size > 5000


def test_version_prints_the_package_version():
    """`newsletter --version` prints the installed version and exits 0."""
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"newsletter {version('newsletter')}\n"


def _commands(group=None, path=()):
    group = group or typer.main.get_command(app)
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        yield (*path, name), sub
        yield from _commands(sub, (*path, name))


@pytest.mark.parametrize("path", [p for p, _ in _commands()], ids=" ".join)
def test_help_uses_readable_metavars(path):
    """No help shows a type name like `<str>` or a `{ISSUE}` usage: it reads like the README."""
    output = CliRunner().invoke(app, [*path, "--help"]).output
    assert not re.search(r"<(str|int|float|path)[^>]*>|\{[A-Z]+\}", output), output


def test_the_command_list_is_never_cut_off():
    """`newsletter --help` and `newsletter subscribers --help` show every summary whole, no '...'."""
    for path, command in _commands():
        parent = path[:-1]
        output = "".join(CliRunner().invoke(app, [*parent, "--help"]).output.split())
        summary = "".join((command.help or "").split("\n\n")[0].split())
        assert summary in output, f"{' '.join(path)}: {summary!r}"  # whitespace aside (wrapping)


def test_help_names_files_issues_and_addresses():
    """The metavars the README uses appear in the help: FILE|TITLE, ISSUE, ADDRESS, YYYY-MM-DD."""
    assert "--lead FILE|TITLE" in CliRunner().invoke(app, ["build", "--help"]).output
    send = CliRunner().invoke(app, ["send", "--help"]).output
    assert "Usage: root send [OPTIONS] ISSUE" in send and "--to ADDRESS" in send


def test_send_to_takes_several_addresses(send_ws, smtpd, monkeypatch):
    """`send --to a --to b` mails one test copy to each, not only the last."""
    monkeypatch.chdir(send_ws.root)
    result = CliRunner().invoke(
        app,
        [
            "send",
            "issues/2026-W48",
            *smtpd.send_flags,
            "--to",
            "a@example.org",
            "--to",
            "b@example.org",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(r.rcpt_tos for r in smtpd.received) == [("a@example.org",), ("b@example.org",)]
    assert result.output.count("test copy of 2026-W48 sent to") == 2


def test_init_on_a_file_says_it_is_a_file(tmp_path, monkeypatch):
    """`newsletter init notes.txt` where notes.txt is a file: one line saying so, exit 1,
    the file untouched (it said "cannot create (File exists)" of a path inside it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine\n", "utf-8")
    result = CliRunner().invoke(app, ["init", "notes.txt"])
    assert result.exit_code == 1
    assert result.output == (
        "error: notes.txt: a file, not a folder; give a new or existing folder for the workspace\n"
    )
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine\n"


def test_the_database_line_of_a_new_workspace_shows_a_server_url_it_accepts(tmp_path, monkeypatch):
    """The `database` line `init` writes names both choices, and the server URL its comment
    shows, written as the value, is read as a PostgreSQL server (it said "(SQLite)" only, so a
    new user sharing a list between two folders had to find the URL's form in the docs)."""
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init", "ws"]).exit_code == 0
    toml = tmp_path / "ws" / "newsletter.toml"
    (line,) = [x for x in toml.read_text("utf-8").splitlines() if x.startswith("database =")]
    (example,) = re.findall(r'"(postgresql://[^"]+)"', line)
    toml.write_text(toml.read_text("utf-8").replace(line, f'database = "{example}"'), "utf-8")
    settings, _ = load_settings(tmp_path / "ws")
    server = settings.database_server
    assert server is not None and server.where == "db.example.org:5432/letters"


def test_the_commented_related_key_does_not_promise_a_hard_cap():
    """A new editor's newsletter.toml says Related may run past `related` when the coverage is
    clear (up to RELATED_STRETCH times it): a week of 9 Related lines under `related = 8`, the
    comment reading "at most this many", looked like a bug to the first new user."""
    from newsletter.assemble.meaning import RELATED_STRETCH

    toml = skeleton_files()[Path("newsletter.toml")].decode("utf-8")
    line = next(x for x in toml.splitlines() if x.startswith("related ="))
    assert RELATED_STRETCH == 2
    assert "at most" not in line and "twice" in line, line
