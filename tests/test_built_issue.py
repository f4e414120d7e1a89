"""What is sent is what was built and checked: the build's hashes, and a folder read back once.

A folder whose issue.toml or merge.eml changed since the build is refused by `check`, the
send gate and `send` alike, naming the file and the fix; a sent issue's manifest, restored
after a forced re-render, renders again; a folder never built says so and how to build it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.cli import app
from newsletter.errors import ManifestError
from newsletter.issue.built import read_built_issue
from newsletter.preview.rebuilder import Rebuilder
from newsletter.preview.target import PreviewTarget
from tests.conftest import SAMPLE_DATE
from tests.test_manifest_guard import edit, mark_sent

FOLDER = Path("issues/2026-W48")
OPTIONS = AssembleOptions(today=SAMPLE_DATE)


def run(*args: str):
    """`newsletter ARGS` in the workspace; the Click result."""
    return CliRunner().invoke(app, list(args))


def refused(result, *fragments: str) -> str:
    """Exit 1 with one `error:` line holding every fragment, and no traceback."""
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert all(f in errors[0] for f in fragments), errors[0]
    assert "Traceback" not in result.output
    return errors[0]


@pytest.fixture
def built_ws(workspace, settings, monkeypatch):
    """The sample issue built, one reader on the list, a secret for the unsubscribe links."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")
    build(["seeds"], settings, OPTIONS)
    assert run("subscribers", "add", "reader@example.org").exit_code == 0
    return workspace


def test_the_build_records_the_hash_of_what_a_send_goes_by(built_ws):
    """built-with.json holds the SHA-256 of issue.toml and merge.eml as the build wrote them."""
    import hashlib

    record = json.loads((built_ws / FOLDER / "built-with.json").read_text("utf-8"))
    assert sorted(record["files"]) == ["issue.toml", "merge.eml"]
    for name, sha in record["files"].items():
        assert hashlib.sha256((built_ws / FOLDER / name).read_bytes()).hexdigest() == sha


@pytest.mark.parametrize("command", [("check",), ("send", "--dry-run"), ("send", "--yes")])
def test_a_manifest_edited_but_not_rebuilt_is_refused(built_ws, command):
    """A retitled lead not rebuilt would send the old title without a word: refused, with the fix."""
    edit(built_ws / FOLDER / "issue.toml", 'title = "', 'title = "Retitled: ')
    line = refused(
        run(*command[:1], str(FOLDER), *command[1:]),
        "issues/2026-W48/issue.toml: changed since the build",
        "`newsletter build issues/2026-W48`",
    )
    assert "not rebuilt" in line
    assert not (built_ws / FOLDER / "outbox").exists()


@pytest.mark.parametrize(
    "command", [("check",), ("send", "--dry-run"), ("send", "--force", "--yes")]
)
def test_a_merge_eml_without_its_unsubscribe_slots_is_refused(built_ws, command):
    """merge.eml edited to drop the unsubscribe link is refused, even by a forced send."""
    merge = built_ws / FOLDER / "merge.eml"
    data = merge.read_bytes()
    assert b"%%unsubscribe_url%%" in data
    merge.write_bytes(data.replace(b"%%unsubscribe_url%%", b"https://example.org/"))
    refused(
        run(*command[:1], str(FOLDER), *command[1:]),
        "issues/2026-W48/merge.eml: changed since the build",
        "newsletter build issues/2026-W48",
    )
    assert not (built_ws / FOLDER / "outbox").exists()


def test_rebuilding_makes_the_folder_sendable_again(built_ws, settings):
    """After the refusal, the fix it names (rebuild) gives a folder check and send accept."""
    edit(built_ws / FOLDER / "issue.toml", 'title = "', 'title = "Retitled: ')
    assert run("build", str(FOLDER)).exit_code == 0
    assert read_built_issue(FOLDER).issue.lead.title.startswith("Retitled: ")
    result = run("send", str(FOLDER), "--dry-run")
    assert result.exit_code == 0, result.output
    assert len(list((built_ws / FOLDER / "outbox").glob("*.eml"))) == 1


def test_a_folder_holding_only_its_manifest_was_never_built(built_ws):
    """issue.toml alone: check and send say the issue was never built and how to build it."""
    lone = built_ws / "issues" / "special"
    lone.mkdir()
    (lone / "issue.toml").write_bytes((built_ws / FOLDER / "issue.toml").read_bytes())
    for command in (("check",), ("send", "--dry-run")):
        line = refused(
            run(*command[:1], "issues/special", *command[1:]),
            "issues/special: never built",
            "`newsletter build issues/special`",
        )
        assert "older version" not in line


def test_restoring_the_sent_manifest_after_a_forced_rerender_renders_again(built_ws, settings):
    """The guard compares with what readers got, not with the last (forced) render."""
    manifest = built_ws / FOLDER / "issue.toml"
    as_sent = manifest.read_bytes()
    mark_sent(settings)
    edit(manifest, 'title = "', 'title = "Corrected: ')
    build([str(FOLDER)], settings, OPTIONS, force=True)
    manifest.write_bytes(as_sent)
    build([str(FOLDER)], settings, OPTIONS)  # refused before: "changed since it was sent"
    assert not read_built_issue(FOLDER).issue.lead.title.startswith("Corrected: ")
    assert manifest.read_bytes() == as_sent
    edit(manifest, 'title = "', 'title = "Another: ')
    with pytest.raises(ManifestError, match="changed since issue 2026-W48 was rendered and sent"):
        build([str(FOLDER)], settings, OPTIONS)
    manifest.write_bytes(as_sent)
    build([str(FOLDER)], settings, OPTIONS)


def test_the_running_preview_recovers_when_the_manifest_changes_back(built_ws, settings):
    """A refused edit of a sent issue shows its error; saving the sent manifest back clears it."""
    manifest = built_ws / FOLDER / "issue.toml"
    as_sent = manifest.read_bytes()
    mark_sent(settings)
    edit(manifest, 'title = "', 'title = "Corrected: ')
    build([str(FOLDER)], settings, OPTIONS, force=True)
    target = PreviewTarget.for_sources([str(FOLDER)], built_ws, SAMPLE_DATE)
    rebuilder = Rebuilder(target)
    assert rebuilder.build_now().ok
    rebuilder.start()
    try:
        steps = [
            (as_sent, None),
            (as_sent.replace(b'title = "', b'title = "Another: ', 1), "rendered and sent"),
            (as_sent, None),
        ]
        for content, error in steps:
            generation = rebuilder.snapshot.generation
            manifest.write_bytes(content)
            rebuilder.request()
            snapshot = rebuilder.wait_for(generation, timeout=30)
            assert snapshot.generation == generation + 1
            if error is None:
                assert snapshot.ok, snapshot.error
                assert snapshot.files["issue.toml"] == as_sent
            else:
                assert error in (snapshot.error or "")
    finally:
        rebuilder.stop()


def test_a_dry_run_reads_each_file_of_the_folder_once(built_ws, monkeypatch):
    """One BuiltIssue per command: the record, the manifest and merge.eml are read once for the
    drift check, the gate, the counts and the send together (four and two reads before)."""
    import pathlib
    from collections import Counter

    reads: Counter[str] = Counter()
    for method in ("read_bytes", "read_text"):
        original = getattr(pathlib.Path, method)

        def counted(self, *args, _original=original, **kwargs):
            reads[self.name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, method, counted)
    result = run("send", str(FOLDER), "--dry-run")
    assert result.exit_code == 0, result.output
    assert reads["built-with.json"] == reads["issue.toml"] == reads["merge.eml"] == 1, reads


@pytest.mark.slow
def test_the_preview_server_recovers_when_the_sent_manifest_is_saved_back(tmp_path):
    """The running preview (watcher and all) of a sent issue re-rendered with --force: saving
    the manifest as sent renders it, a further edit shows the refusal, and saving the sent
    manifest back clears it, without a restart."""
    from newsletter.config import load_settings
    from tests.support.browser import make_workspace, running_preview, wait_until

    workspace = make_workspace(tmp_path / "ws")
    settings, _ = load_settings(workspace)
    folder = build([str(workspace / "seeds")], settings, OPTIONS).folder
    manifest = folder / "issue.toml"
    as_sent = manifest.read_bytes()
    mark_sent(settings)
    manifest.write_bytes(as_sent.replace(b'title = "', b'title = "Corrected: ', 1))
    build([str(folder)], settings, OPTIONS, force=True)
    with running_preview(workspace, source=folder) as preview:
        assert preview.snapshot.ok, preview.snapshot.error
        for content, error in (
            (as_sent, None),
            (as_sent.replace(b'title = "', b'title = "Another: ', 1), "rendered and sent"),
            (as_sent, None),
        ):
            manifest.write_bytes(content)
            if error is None:
                wait_until(
                    lambda: preview.snapshot.ok and preview.snapshot.files["issue.toml"] == as_sent,
                    timeout=20,
                )
            else:
                wait_until(lambda e=error: e in (preview.snapshot.error or ""), timeout=20)


def test_readers_that_send_nothing_take_an_edited_manifest(built_ws, settings):
    """`send --status` and the archive show the issue as built, whatever was saved in
    issue.toml since; a merge.eml changed since is refused by them too."""
    from newsletter.archive import write_archive

    edit(built_ws / FOLDER / "issue.toml", 'title = "', 'title = "Retitled: ')
    result = run("send", str(FOLDER), "--status")
    assert result.exit_code == 0, result.output
    assert 'Issue 2026-W48: "' in result.output
    write_archive(settings, unsent=True)
    assert (built_ws / "site" / "2026-W48" / "index.html").is_file()
    merge = built_ws / FOLDER / "merge.eml"
    merge.write_bytes(merge.read_bytes().replace(b"%%unsubscribe_url%%", b"x", 1))
    refused(run("send", str(FOLDER), "--status"), "merge.eml: changed since the build")


def test_a_folder_built_before_the_hashes_is_rebuilt_even_once_sent(built_ws, settings):
    """A record without file hashes (an older version's) is refused with the rebuild, and the
    rebuild goes through though the issue was sent: its manifest is the one its readers got."""
    record_file = built_ws / FOLDER / "built-with.json"
    record = json.loads(record_file.read_text("utf-8"))
    del record["files"]
    record_file.write_text(json.dumps(record), "utf-8")
    mark_sent(settings)
    refused(run("check", str(FOLDER)), "no file hashes (built by an older version)", "build")
    assert run("build", str(FOLDER)).exit_code == 0
    assert run("check", str(FOLDER)).exit_code == 0
