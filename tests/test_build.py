"""Building an issue folder: whole or not at all, rebuilt from the manifest with the editor's edits kept."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from newsletter.assemble import AssembleOptions
from newsletter.build import build, fill_text_templates
from newsletter.errors import ManifestError, OutputError, SourceError, TemplateError
from newsletter.issue.built import read_built_issue
from newsletter.issue.layout import ISSUE_FILES
from newsletter.issue.manifest import read_manifest
from tests.conftest import SAMPLE_DATE

OPTIONS = AssembleOptions(today=SAMPLE_DATE)


def test_build_writes_every_issue_file_under_the_iso_week(workspace, settings):
    """Building the sample writes issues/2026-W48/ with the manifest, web files and both messages."""
    result = build(["seeds"], settings, OPTIONS)
    assert result.folder == workspace / "issues" / "2026-W48"
    assert sorted(p.name for p in result.folder.iterdir()) == sorted(ISSUE_FILES)
    assert not [p for p in (workspace / "issues").iterdir() if p.name.startswith(".")]


def test_manifest_lists_every_candidate_in_rank_order_with_scores(workspace, settings):
    """issue.toml holds the lead and every candidate with score and matched terms: Related best
    first, then More in the seed's own order."""
    result = build(["seeds"], settings, OPTIONS)
    issue = fill_text_templates(read_manifest(result.folder / "issue.toml"), settings)
    assert issue == result.issue
    assert len(issue.related) + len(issue.more) == 17
    scores = [h.score for h in issue.related]
    assert scores == sorted(scores, reverse=True)
    assert min(scores) >= max(h.score for h in issue.more)
    lines = [int(h.headline.source.rsplit(":", 1)[1]) for h in issue.more]
    assert lines == sorted(lines)
    assert issue.lead.title_derived is True
    assert all(h.matched for h in issue.related)


def test_rebuild_from_manifest_keeps_the_editors_edits(workspace, settings):
    """Retitling, reordering and deleting in issue.toml shows in the rebuilt email; nothing is re-ranked."""
    first = build(["seeds"], settings, OPTIONS)
    manifest = first.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    text = text.replace(
        f'title = "{first.issue.lead.title}"', 'title = "Peru Readies Border Emergency"', 1
    )
    blocks = text.split("\n[[")
    head, tables = blocks[0], ["[[" + b for b in blocks[1:]]
    related = [t for t in tables if t.startswith("[[related]]")]
    more = [t for t in tables if t.startswith("[[more]]")]
    edited = (
        head + "\n" + "\n".join([related[1], related[0], *related[2:], *more[1:]])
    )  # swap two, drop one
    manifest.write_text(edited + "\n", "utf-8")
    second = build([str(first.folder)], settings, OPTIONS)
    assert second.from_manifest
    assert manifest.read_text("utf-8") == edited + "\n"  # the editor's file is kept byte for byte
    assert second.issue.lead.title == "Peru Readies Border Emergency"
    assert [h.title for h in second.issue.related] == [
        first.issue.related[1].title,
        first.issue.related[0].title,
        *(h.title for h in first.issue.related[2:]),
    ]
    assert len(second.issue.more) == len(first.issue.more) - 1
    html = (first.folder / "index.html").read_text("utf-8")
    assert "Peru Readies Border Emergency</h1>" in html
    assert first.issue.more[0].title not in html


def test_building_unchanged_sources_twice_writes_the_same_bytes(workspace, settings):
    """A rebuild of unchanged sources repeats every file, message.eml included (git-friendly)."""
    first = build(["seeds"], settings, OPTIONS)
    before = {p.name: p.read_bytes() for p in first.folder.iterdir()}
    build(["seeds"], settings, OPTIONS)
    assert {p.name: p.read_bytes() for p in first.folder.iterdir()} == before
    assert b"Date: Thu, 26 Nov 2026 00:00:00 GMT" in before["message.eml"]


def test_rebuild_in_place_leaves_the_live_manifest_file_alone(workspace, settings):
    """Re-rendering in place moves the editor's issue.toml over as the same file (inode, mtime)."""
    first = build(["seeds"], settings, OPTIONS)
    manifest = first.folder / "issue.toml"
    before = manifest.stat()
    build([str(first.folder)], settings, OPTIONS)
    after = manifest.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    copy = build([str(first.folder)], settings, OPTIONS, out=workspace / "issues" / "copy")
    assert (copy.folder / "issue.toml").read_bytes() == manifest.read_bytes()


def test_rebuild_keeps_files_the_build_does_not_make(workspace, settings):
    """A rebuild replaces the issue files but carries over other content, such as a dry run's outbox."""
    first = build(["seeds"], settings, OPTIONS)
    (first.folder / "outbox").mkdir()
    (first.folder / "outbox" / "1.eml").write_text("kept", "utf-8")
    build([str(first.folder)], settings, OPTIONS)
    assert (first.folder / "outbox" / "1.eml").read_text("utf-8") == "kept"


def test_out_and_id_choose_the_folder(workspace, settings):
    """--out and --id decide where the issue goes and what it is called."""
    result = build(
        ["seeds"],
        settings,
        AssembleOptions(today=SAMPLE_DATE, issue_id="special-1"),
        out=workspace / "issues" / "special",
    )
    assert result.folder == workspace / "issues" / "special"
    assert read_manifest(result.folder / "issue.toml").id == "special-1"


def test_out_refuses_a_folder_that_is_not_an_issue(workspace, settings):
    """Building into a non-empty folder without a manifest (say, seeds/) is refused and changes nothing."""
    before = sorted(p.name for p in (workspace / "seeds").iterdir())
    with pytest.raises(OutputError, match=r"seeds: exists and is not an issue folder"):
        build(["seeds"], settings, OPTIONS, out=workspace / "seeds")
    assert sorted(p.name for p in (workspace / "seeds").iterdir()) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder_is_a_clear_error(workspace, settings):
    """An output folder that cannot be written gives one line naming it."""
    locked = workspace / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputError, match=r"locked: cannot write here"):
        build(["seeds"], settings, OPTIONS, out=locked / "issue")


def test_output_under_a_file_is_a_clear_error(workspace, settings):
    """An --out below a regular file cannot be created: one clear line, no partial folder."""
    (workspace / "afile").write_text("x", "utf-8")
    with pytest.raises(OutputError, match=r"afile is a file, not a folder; choose another --out"):
        build(["seeds"], settings, OPTIONS, out=workspace / "afile" / "issue")


def test_a_failure_while_writing_leaves_the_previous_issue_whole(workspace, settings, monkeypatch):
    """If writing fails midway, the earlier build stays as it was and no temporary folder is left."""
    first = build(["seeds"], settings, OPTIONS)
    before = {p.name: p.read_bytes() for p in first.folder.iterdir()}
    real_write = Path.write_bytes
    calls = {"n": 0}

    def flaky(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky)
    with pytest.raises(
        OutputError, match=r"issues/2026-W48: cannot write the issue \(No space left on device\)"
    ):
        build(["seeds"], settings, OPTIONS)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in first.folder.iterdir()} == before
    assert [p.name for p in (workspace / "issues").iterdir()] == ["2026-W48"]


def test_a_failed_render_writes_nothing(workspace, settings):
    """A template error stops the build before any folder appears."""
    (workspace / "templates").mkdir()
    (workspace / "templates" / "digest.txt.j2").write_text("{{ broken", "utf-8")
    with pytest.raises(TemplateError, match=r"digest.txt.j2:1"):
        build(["seeds"], settings, OPTIONS)
    assert not (workspace / "issues").exists() or not any((workspace / "issues").iterdir())


def test_built_issue_reads_back_with_merge_tags(workspace, settings):
    """read_built_issue returns the manifest and the email with its merge tags, for the sender."""
    result = build(["seeds"], settings, OPTIONS)
    built = read_built_issue(result.folder)
    assert built.issue.lead == result.issue.lead and built.issue.related == result.issue.related
    assert built.rendered.subject == result.issue.subject  # the manifest holds "{title}"
    assert built.rendered.html == result.rendered.html
    assert built.rendered.text == result.rendered.text
    assert "%%unsubscribe_url%%" in built.rendered.html


def test_manifest_errors_name_file_line_and_key(workspace, settings):
    """A manifest edited into nonsense gives an error naming issue.toml, the line and the key."""
    result = build(["seeds"], settings, OPTIONS)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    bad = re.sub(r"(\[\[more\]\]\ntitle = )\"[^\"]*\"", r"\1 42", text, count=1)
    manifest.write_text(bad, "utf-8")
    line = bad.split("\n").index("title =  42") + 1
    with pytest.raises(ManifestError, match=rf"issue.toml:{line}: more\[1\].title: must be text"):
        build([str(result.folder)], settings, OPTIONS)
    manifest.write_text(text.replace("date = 2026-11-26", 'date = "soon"'), "utf-8")
    with pytest.raises(ManifestError, match=r"issue.toml:\d+: date: must be a date"):
        build([str(result.folder)], settings, OPTIONS)
    manifest.write_text(text + "\n[[related]\n", "utf-8")
    line = len(text.split("\n")) + 1
    with pytest.raises(ManifestError, match=rf"issue.toml:{line}: invalid TOML: .*line {line}"):
        build([str(result.folder)], settings, OPTIONS)


@pytest.mark.parametrize("others", [["seeds"], []])
def test_an_issue_folder_among_sources_is_refused_not_read_as_a_story(workspace, settings, others):
    """`newsletter build issues/2026-W48 seeds/` (or the folder twice) is one line naming the
    issue folder and what to run, and writes nothing: its index.txt was read as a seed story
    and an issue of today's week led with "The Weekly Brief · 26 November 2026 18 stories …"."""
    first = build(["seeds"], settings, OPTIONS).folder
    before = sorted(p.name for p in (workspace / "issues").iterdir())
    given = "issues/2026-W48"
    with pytest.raises(SourceError) as caught:
        build([given, *others, *([] if others else [given])], settings, OPTIONS)
    message = str(caught.value)
    assert message.startswith(f"{given}: an issue folder, not a source")
    assert f"newsletter build {given}" in message and "\n" not in message
    assert sorted(p.name for p in (workspace / "issues").iterdir()) == before
    assert first.is_dir()
