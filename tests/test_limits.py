"""Limits instead of silence: huge texts, long header words, stylesheet fetches, unreadable files."""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
import time

import pytest
from typer.testing import CliRunner

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.cli import app
from newsletter.errors import SourceError, TemplateError
from newsletter.mail.headers import HARD_LIMIT, header_line
from tests.conftest import ROOT, SAMPLE_DATE

OPTIONS = AssembleOptions(today=SAMPLE_DATE)


def test_a_story_over_the_text_limit_is_an_error_naming_it_and_its_size(workspace, settings):
    """A 12 MB story is refused with its file and size, where premailer would have emptied the HTML."""
    word = "migration "
    (workspace / "seeds" / "huge.txt").write_text(
        "A huge story. " + word * 1_200_000 + "\n", "utf-8"
    )
    with pytest.raises(
        SourceError,
        match=r"^seeds/huge.txt: the story is 12\.0 MB, over the 1\.0 MB limit .*limits\.text_bytes",
    ):
        build(["seeds/huge.txt"], settings, OPTIONS)
    assert not (workspace / "issues").exists()


def test_the_text_limit_is_configurable(workspace, settings):
    """limits.text_bytes lowers the cap: the sample story (about 2 KB) fails under 1,000 bytes."""
    small = dataclasses.replace(
        settings, limits=dataclasses.replace(settings.limits, text_bytes=1000)
    )
    with pytest.raises(
        SourceError, match=r"the story is 2,\d{3} bytes, over the 1,000 bytes limit"
    ):
        build(["seeds"], small, OPTIONS)


def test_a_huge_note_or_headline_written_into_the_manifest_names_the_manifest(workspace):
    """A 2 MB [note] or [[more]] headline the editor wrote by hand names issue.toml, not "the manifest"."""
    runner = CliRunner()
    assert runner.invoke(app, ["build", "--date", "2026-11-26"]).exit_code == 0
    manifest = workspace / "issues" / "2026-W48" / "issue.toml"
    original = manifest.read_text("utf-8")
    manifest.write_text(original + '\n[note]\nbody = "' + "x" * 2_000_000 + '"\n', "utf-8")
    result = runner.invoke(app, ["build", "issues/2026-W48"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: issues/2026-W48/issue.toml: note.body is 2.0 MB, over the 1.0 MB limit"
    )
    headline = '\n[[more]]\ntitle = "' + "y" * 2_000_000 + '"\nurl = "https://example.org/y"\n'
    manifest.write_text(original + headline, "utf-8")
    result = runner.invoke(app, ["build", "issues/2026-W48"])
    assert result.exit_code == 1
    assert result.output.startswith("error: issues/2026-W48/issue.toml: headline #")


def test_a_huge_lead_title_written_into_the_manifest_names_the_manifest_not_the_seed(workspace):
    """A 2 MB lead title typed into issue.toml names issue.toml and lead.title, though the lead came from a seed."""
    runner = CliRunner()
    assert runner.invoke(app, ["build", "--date", "2026-11-26"]).exit_code == 0
    manifest = workspace / "issues" / "2026-W48" / "issue.toml"
    text = manifest.read_text("utf-8")
    assert 'source = "seeds/' in text  # the lead's source is a seed
    text = re.sub(r'^title = ".*"$', 'title = "' + "t" * 2_000_000 + '"', text, count=1, flags=re.M)
    manifest.write_text(text, "utf-8")
    result = runner.invoke(app, ["build", "issues/2026-W48"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: issues/2026-W48/issue.toml: lead.title is 2.0 MB, over the 1.0 MB limit"
    ), result.output


def test_a_huge_subject_on_the_command_line_is_one_line(workspace):
    """A 2 MB subject written into the manifest gives one error line, exit 1, no traceback."""
    runner = CliRunner()
    assert runner.invoke(app, ["build", "--date", "2026-11-26"]).exit_code == 0
    manifest = workspace / "issues" / "2026-W48" / "issue.toml"
    text = manifest.read_text("utf-8").replace(
        'subject = "{title}"', 'subject = "' + "x" * 2_000_000 + '"'
    )
    manifest.write_text(text, "utf-8")
    result = runner.invoke(app, ["build", "issues/2026-W48"])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "error: issues/2026-W48/issue.toml: subject is 2.0 MB, over the 1.0 MB limit for one text (limits.text_bytes in newsletter.toml); shorten it"
    )


def test_an_unbroken_subject_word_over_998_characters_is_encoded_within_the_limit():
    """A subject word too long to fold at a space is RFC 2047-encoded: every line ≤ 998 octets, text intact."""
    from email import message_from_bytes, policy

    subject = "Weekly " + "x" * 1500 + " brief"
    raw = header_line("Subject", subject)
    assert max(len(line) for line in raw.split(b"\r\n")) <= HARD_LIMIT
    assert message_from_bytes(raw + b"\r\n", policy=policy.default)["Subject"] == subject


def test_a_long_subject_word_goes_through_a_whole_build(workspace, settings):
    """Built end to end, a 1,200-character word in the subject leaves no line over 998 in message.eml."""
    long = dataclasses.replace(settings, subject="{title} " + "y" * 1200)
    folder = build(["seeds"], long, OPTIONS).folder
    data = (folder / "message.eml").read_bytes()
    assert max(len(line) for line in data.split(b"\r\n")) <= HARD_LIMIT


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def own_templates(workspace):
    """The workspace's own copy of the default templates, to edit."""
    import shutil

    shutil.copytree(ROOT / "templates", workspace / "templates")
    return workspace / "templates"


@pytest.mark.parametrize(
    ("file", "line_text"),
    [
        ("digest.css", "@import url(http://127.0.0.1:{port}/remote.css);"),
        ("digest.css", "h1 {{ background: url(http://127.0.0.1:{port}/bg.png); }}"),
        (
            "digest.mjml.j2",
            '<mj-raw><link rel="stylesheet" href="http://127.0.0.1:{port}/x.css"></mj-raw>',
        ),
        ("digest.mjml.j2", "<mj-style>@import url(http://127.0.0.1:{port}/y.css);</mj-style>"),
    ],
    ids=["css-import", "css-url", "mjml-link", "mjml-import"],
)
def test_a_template_that_would_fetch_a_stylesheet_is_refused_without_waiting(
    workspace, settings, silent_server, file, line_text
):
    """@import, url() or <link> in a template is an error at its line; the silent server is never asked."""
    port, accepted = silent_server
    templates = own_templates(workspace)
    path = templates / file
    lines = path.read_text("utf-8").split("\n")
    at = (  # before the first rule, outside the file's opening comments, whatever their length
        next(n for n, row in enumerate(lines) if row.startswith("h1 "))
        if file == "digest.css"
        else next(n for n, row in enumerate(lines) if "<mj-head>" in row) + 1
    )
    lines.insert(at, line_text.format(port=port))
    path.write_text("\n".join(lines), "utf-8")
    started = time.monotonic()
    with pytest.raises(TemplateError, match=rf"templates/{file}:{at + 1}: .*over the network"):
        build(["seeds"], settings, OPTIONS)
    assert time.monotonic() - started < 5
    assert accepted == []


def test_a_comment_mentioning_url_in_css_is_fine(workspace, settings):
    """A CSS comment that mentions @import is not a fetch: the build goes on."""
    templates = own_templates(workspace)
    css = templates / "digest.css"
    css.write_text("/* never @import url(x) here */\n" + css.read_text("utf-8"), "utf-8")
    assert build(["seeds"], settings, OPTIONS).html_bytes > 0


def test_a_file_the_build_cannot_read_is_a_warning_naming_it(workspace):
    """story.html in seeds/ is skipped with a warning that names it; dotfiles and _notes stay silent."""
    (workspace / "seeds" / "story.html").write_text("<p>A story</p>", "utf-8")
    (workspace / "seeds" / "_notes.html").write_text("notes", "utf-8")
    (workspace / "seeds" / ".hidden").write_text("x", "utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-11-26"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: seeds/story.html: not a story source (.txt, .md, .markdown, .xml, .rss, .atom); skipped"
    ]


def test_a_huge_feed_file_is_refused_before_it_is_read(workspace):
    """A feed file over limits.feed_bytes is refused by its size, naming it: memory never balloons."""
    feeds = workspace / "feeds"
    feeds.mkdir()
    with (feeds / "huge.xml").open("wb") as f:
        f.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>')
        f.truncate(11_000_000)  # a sparse 11 MB file: cheap to make, as big as any to read
    result = CliRunner().invoke(app, ["build", "feeds/huge.xml", "seeds", "--date", "2026-11-26"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: feeds/huge.xml: the feed is 11.0 MB, larger than 10 MB; refused"
    )
