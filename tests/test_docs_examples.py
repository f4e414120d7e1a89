"""Every `newsletter …` example in the README's and the docs pages' `sh` blocks runs as written.

Each page runs in a workspace of its own, made by `newsletter init` in a temporary folder
(what a new user has), through the CLI in-process, its commands in page order; so nothing
an example writes (`issues/special`, `mydigest/`, `out.csv`, `public/`) lands in the
repository.  A line may chain steps with `&&`; `cd DIR` changes folder, other programs
(`rsync`, `make`) are not run.  A page that starts from a built issue or a subscriber gets
that first (PRELUDES), said here rather than hidden in the page.  After each `init`, the
sample story is copied from samples/ into seeds/: the step the README writes as a comment
("put this week's stories in seeds/"), since a new workspace's seeds/ starts empty.

Two things cannot be real here and are swapped for local stand-ins, nothing else: the feed
URL (https://example.org/world.rss) is served from 127.0.0.1 with the sample feed, and the
SMTP relay is an in-process server on 127.0.0.1 (every workspace's newsletter.toml [smtp]
points at it; a `--smtp-host` example has its host and port replaced).  `newsletter
preview` and `newsletter serve` run until Ctrl-C, so they are only checked to parse
(`--help`); tests/test_preview_* and tests/test_serve_* run them (`serve --print-form`
prints and exits: it runs). `> FILE` writes what a command printed into FILE.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from tests.conftest import ROOT
from tests.support.smtp_server import PASSWORD, Server, smtp_server
from tests.support.web_page import serving_page

FEED_URL = "https://example.org/world.rss"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BUILT = ["build", "seeds/", "--date", "2026-11-26"]
# What a page assumes was done before it, as the page itself says in its prose.
PRELUDES: dict[str, list[list[str]]] = {
    "checks.md": [BUILT],
    "sending.md": [BUILT],
    "archive.md": [BUILT],
    "audience.md": [BUILT, ["subscribers", "add", "reader@example.org"]],
}


def shell_lines(page: Path) -> list[str]:
    """Every line of the page's ```sh blocks that runs `newsletter`, comments removed."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", page.read_text("utf-8"), re.S):
        for line in block.splitlines():
            line = re.sub(r"(^|\s+)#\s.*$", "", line).strip()
            if re.search(r"(^|&&\s*)newsletter ", line):
                lines.append(line)
    return lines


def pages_with_examples() -> list[Path]:
    """The pages that have at least one `newsletter` example."""
    return [page for page in PAGES if shell_lines(page)]


def test_the_docs_have_examples_of_every_kind():
    """The examples the next test runs are the pages', not an empty list."""
    every = [line for page in PAGES for line in shell_lines(page)]
    assert len(every) >= 40
    names = {page.name for page in pages_with_examples()}
    assert {"README.md", "editing.md", "checks.md", "sending.md", "archive.md"} <= names
    assert {"audience.md", "email-design.md", "index.md"} <= names
    assert any(FEED_URL in line for line in every)
    assert any("samples/world.xml" in line for line in every)


@pytest.fixture(scope="module")
def feed_url() -> Iterator[str]:
    """The sample feed, served on 127.0.0.1 in place of FEED_URL."""
    feed = (ROOT / "samples" / "world.xml").read_bytes()

    with serving_page(lambda: feed, "application/rss+xml") as url:
        yield f"{url}/world.rss"


def put_stories(workspace: Path) -> None:
    """The editor's first step after `init`: this week's stories (the sample's) into seeds/."""
    for story in (workspace / "samples").glob("*.txt"):
        shutil.copy(story, workspace / "seeds" / story.name)


def point_at(workspace: Path, relay: Server) -> None:
    """The workspace's [smtp] sends to the local relay, in the clear (it is on 127.0.0.1), and
    its feed URLs may reach 127.0.0.1 (`limits.private_hosts`), where the stand-in feed is."""
    config = workspace / "newsletter.toml"
    text = config.read_text("utf-8").replace("private_hosts = false", "private_hosts = true")
    text = text.replace('host = "localhost"', f'host = "{relay.host}"')
    text = text.replace("port = 587", f"port = {relay.port}")
    config.write_text(text.replace('security = "starttls"', 'security = "none"'), "utf-8")


def run_page(page: Path, relay: Server, local_feed: str, runner: CliRunner) -> int:
    """Run the page's examples in the current folder (a fresh workspace); return how many ran."""
    for args in PRELUDES.get(page.name, []):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"{page.name} prelude {args} failed:\n{result.output}"
    ran = 0
    for line in shell_lines(page):
        line = line.replace(FEED_URL, local_feed).replace("mail.example.org", relay.host)
        line = line.replace("--smtp-port 587", f"--smtp-port {relay.port}")
        for step in (s.strip() for s in line.split("&&")):
            words = shlex.split(step)
            if words[0] == "cd":
                os.chdir(words[1])
                continue
            if words[0] != "newsletter":
                continue
            args, into = words[1:], None
            if ">" in args:  # `newsletter … > FILE`: what it prints goes into the file
                args, into = args[: args.index(">")], args[args.index(">") + 1]
            if args[0] in ("preview", "serve") and "--print-form" not in args:
                args = [*args, "--help"]  # they run until Ctrl-C
            result = runner.invoke(app, args, input="y\n")
            where = f"{page.relative_to(ROOT)}: `{step}`"
            assert result.exit_code == 0, f"{where} failed:\n{result.output}"
            if into is not None:
                Path(into).write_text(result.stdout, "utf-8")
            assert "Traceback" not in result.output, where
            if args[0] == "init":
                point_at(Path(args[1]) if len(args) > 1 else Path("."), relay)
                put_stories(Path(args[1]) if len(args) > 1 else Path("."))
            ran += 1
    return ran


@pytest.mark.slow
@pytest.mark.parametrize("page", pages_with_examples(), ids=lambda p: p.name)
def test_every_example_runs_as_written(page, tmp_path, monkeypatch, feed_url):
    """From `newsletter init` in a temporary folder, each of the page's commands exits 0, in order."""
    before = _repository_files()
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["init", "ws"]).exit_code == 0
    monkeypatch.chdir(tmp_path / "ws")
    monkeypatch.setenv("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    put_stories(tmp_path / "ws")
    (tmp_path / "ws" / "bounces.mbox").write_bytes(b"")  # the mailbox `bounces process` reads
    with smtp_server(auth=True) as relay:
        point_at(tmp_path / "ws", relay)
        ran = run_page(page, relay, feed_url, runner)
        if any(
            "newsletter send " in line and "--dry-run" not in line for line in shell_lines(page)
        ):
            assert relay.received, f"{page.name}: the send examples mailed nobody"
    assert ran == sum(line.count("newsletter ") for line in shell_lines(page))
    assert _repository_files() == before, "an example wrote into the repository"


def _repository_files() -> list[str]:
    """The names at the repository's root, less coverage's per-process data files.

    `make test` measures coverage in every process the tests start (`patch = ["subprocess"]`);
    each leaves a `.coverage.<host>.<pid>.*` file here until the run combines them.
    """
    return sorted(p.name for p in ROOT.iterdir() if not p.name.startswith(".coverage"))
