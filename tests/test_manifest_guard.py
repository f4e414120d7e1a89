"""The manifest is the editor's: edits survive rebuilds, sent issues stay as sent, typos are errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.cli import app
from newsletter.errors import ManifestError
from newsletter.issue.manifest import read_manifest
from newsletter.send.journal import DeliveryJournal
from newsletter.subscribers.database import open_database
from tests.conftest import SAMPLE_DATE

OPTIONS = AssembleOptions(today=SAMPLE_DATE)
FOLDER = Path("issues/2026-W48")


def edit(path: Path, old: str, new: str) -> None:
    """Replace one piece of a file, as an editor would in their text editor."""
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def mark_sent(settings, issue_id: str = "2026-W48") -> None:
    """Record one delivered reader in the real journal, as `newsletter send` does."""
    conn = open_database(settings.path(settings.database))
    journal = DeliveryJournal(conn, issue_id)
    journal.record("reader@example.org", "sent", attempts=1, message_id="<x@example.org>")
    journal.close()


def cli(*args: str):
    """Run `newsletter …` in the current folder; returns the Click result."""
    return CliRunner().invoke(app, list(args))


def one_line_error(result, fragment: str) -> str:
    """The command failed with exit 1 and a single `error:` line containing `fragment`."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and fragment in errors[0], result.output
    assert "Traceback" not in result.output
    return errors[0]


def test_rebuilding_from_sources_over_an_edited_manifest_refuses_and_keeps_it(workspace, settings):
    """An edit to issue.toml makes a build from the sources refuse, naming the folder, and the file stays."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    edit(manifest, "\n[[related]]", "\n[[more]]")
    edited = manifest.read_bytes()
    with pytest.raises(
        ManifestError,
        match=r"issues/2026-W48/issue.toml: was edited.*newsletter build issues/2026-W48.*--force",
    ):
        build(["seeds"], settings, OPTIONS)
    assert manifest.read_bytes() == edited


def test_an_unedited_manifest_is_rebuilt_freely(workspace, settings):
    """Rebuilding from the sources twice without edits simply writes the issue again."""
    first = build(["seeds"], settings, OPTIONS)
    second = build(["seeds"], settings, OPTIONS)
    assert second.backup is None
    assert first.rendered.html == second.rendered.html
    assert not list((workspace / FOLDER).glob("issue.toml.~*"))


def test_force_overwrites_and_keeps_numbered_backups(workspace, settings):
    """--force rebuilds from the sources and keeps the edited manifest as issue.toml.~1~, then ~2~."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    edit(manifest, "title_derived = true", "title_derived = false")
    first_edit = manifest.read_bytes()
    result = build(["seeds"], settings, OPTIONS, force=True)
    assert result.backup == "issue.toml.~1~"
    assert (workspace / FOLDER / "issue.toml.~1~").read_bytes() == first_edit
    assert b"title_derived = true" in manifest.read_bytes()
    edit(manifest, "title_derived = true", "title_derived = false  # again")
    second_edit = manifest.read_bytes()
    build(["seeds"], settings, OPTIONS, force=True)
    assert (workspace / FOLDER / "issue.toml.~1~").read_bytes() == first_edit
    assert (workspace / FOLDER / "issue.toml.~2~").read_bytes() == second_edit


def test_a_manifest_without_the_build_record_is_treated_as_edited(workspace, settings):
    """With the hash record gone, a differing manifest may hold edits: the build refuses."""
    build(["seeds"], settings, OPTIONS)
    (workspace / FOLDER / ".manifest-hashes").unlink()
    edit(workspace / FOLDER / "issue.toml", "\n[[related]]", "\n[[more]]")
    with pytest.raises(ManifestError, match="may hold your edits"):
        build(["seeds"], settings, OPTIONS)


def test_rendering_the_edited_folder_then_rebuilding_from_sources_still_refuses(
    workspace, settings
):
    """Re-rendering an edited manifest does not make it the build's: a later source build refuses."""
    build(["seeds"], settings, OPTIONS)
    edit(workspace / FOLDER / "issue.toml", "\n[[related]]", "\n[[more]]")
    build([str(FOLDER)], settings, OPTIONS)
    with pytest.raises(ManifestError, match="was edited"):
        build(["seeds"], settings, OPTIONS)


def test_a_sent_issue_is_never_rebuilt_from_sources_without_force(workspace, settings):
    """With journal rows for the issue, a build from the sources under its id refuses; --force
    goes on, without a word when it gives what the readers got."""
    build(["seeds"], settings, OPTIONS)
    mark_sent(settings)
    with pytest.raises(ManifestError, match=r"issue 2026-W48 was already sent \(1 reader"):
        build(["seeds"], settings, OPTIONS)
    forced = build(["seeds"], settings, OPTIONS, force=True)  # what its reader got, again
    assert forced.issue.id == "2026-W48"
    assert not [w for w in forced.warnings if "already went to" in w], forced.warnings


def test_a_forced_source_build_of_a_sent_issue_says_the_rest_of_the_list_gets_it(
    workspace, settings
):
    """`build --force` over an issue its readers got in another form warns that the rest of the
    list gets this build, naming the backup that holds what they got (tried as a new user: it
    said only "kept your previous manifest", and the next send mailed the new content), and
    again at a second forced build."""
    build(["seeds"], settings, OPTIONS)
    edit(workspace / FOLDER / "issue.toml", "\n[[related]]", "\n[[more]]")
    build([str(FOLDER)], settings, OPTIONS)
    mark_sent(settings)
    result = build(["seeds"], settings, OPTIONS, force=True)
    said = [w for w in result.warnings if "already went to 1 reader(s)" in w]
    assert len(said) == 1, result.warnings
    assert "the rest of the list gets this build" in said[0]
    assert "issue.toml.~1~" in said[0] and "--id" in said[0]
    again = build(["seeds"], settings, OPTIONS, force=True)
    said = [w for w in again.warnings if "already went to 1 reader(s)" in w]
    assert len(said) == 1 and "issue.toml.~1~" in said[0], again.warnings


def test_a_sent_issue_re_renders_only_an_unchanged_manifest(workspace, settings):
    """A sent issue re-renders from the manifest it was sent with, but not from an edited one."""
    build(["seeds"], settings, OPTIONS)
    mark_sent(settings)
    build([str(FOLDER)], settings, OPTIONS)  # unchanged since the render readers got: fine
    edit(workspace / FOLDER / "issue.toml", "\n[[related]]", "\n[[more]]")
    before = (workspace / FOLDER / "index.html").read_bytes()
    with pytest.raises(ManifestError, match="changed since issue 2026-W48 was rendered and sent"):
        build([str(FOLDER)], settings, OPTIONS)
    assert (workspace / FOLDER / "index.html").read_bytes() == before
    build([str(FOLDER)], settings, OPTIONS, force=True)


def test_sending_on_a_sent_issue_whose_manifest_was_edited_says_restore_not_rebuild(
    workspace, settings
):
    """The send of a sent issue whose issue.toml was edited says to restore it as sent, not
    to rebuild (which refuses a sent issue: the editor went round in a loop); restored, the
    send goes on."""
    build(["seeds"], settings, OPTIONS)
    mark_sent(settings)
    manifest = workspace / FOLDER / "issue.toml"
    as_sent = manifest.read_bytes()
    edit(manifest, "\n[[related]]", "\n[[more]]")
    for mode in (["--yes"], ["--dry-run"], ["--to", "editor@example.org"]):
        line = one_line_error(cli("send", str(FOLDER), *mode), "restore the manifest as sent")
        assert "changed since issue 2026-W48 was rendered and sent (1 reader(s)" in line
        assert "newsletter build" not in line
    assert cli("send", str(FOLDER), "--status").exit_code == 0  # reads any manifest
    manifest.write_bytes(as_sent)
    assert cli("send", str(FOLDER), "--dry-run").exit_code == 0


def test_the_sent_check_creates_no_database(workspace, settings):
    """Checking whether an issue was sent never creates newsletter.db."""
    build(["seeds"], settings, OPTIONS)
    build(["seeds"], settings, OPTIONS)
    assert not settings.path(settings.database).exists()


@pytest.mark.parametrize(
    ("old", "new", "expected", "on_line"),
    [
        (
            "\n[[related]]",
            "\n[[relatd]]",
            r"issue.toml:(\d+): unknown table 'relatd' \(did you mean 'related'\?\)",
            "[[relatd]]",
        ),
        (
            "[lead]\ntitle = ",
            "[lead]\ntitel = ",
            r"issue.toml:(\d+): lead: unknown key 'titel' \(did you mean 'title'\?\)",
            "titel = ",
        ),
        (
            "score = ",
            "scroe = ",
            r"issue.toml:(\d+): related\[1\]: unknown key 'scroe' \(did you mean 'score'\?\)",
            "scroe = ",
        ),
        (
            "\n[lead]",
            '\nsubjet = "x"\n\n[lead]',
            r"issue.toml:(\d+): unknown key 'subjet' \(did you mean 'subject'\?\)",
            "subjet = ",
        ),
        (
            "\n[lead]",
            '\n[extras]\nnote = "x"\n\n[lead]',
            r"issue.toml:(\d+): unknown table 'extras'",
            "[extras]",
        ),
    ],
    ids=["table", "lead-key", "headline-key", "top-key", "unknown-table"],
)
def test_typos_in_the_manifest_are_errors_with_line_and_suggestion(
    workspace, settings, old, new, expected, on_line
):
    """A misspelt key or table in issue.toml stops the build, naming its line and the nearest name."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    edit(manifest, old, new)
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    m = re.search(expected, str(caught.value))
    assert m, str(caught.value)
    assert on_line in manifest.read_text("utf-8").split("\n")[int(m.group(1)) - 1]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("later = 3", r"later: write each story as a \[\[later\]\] table"),
        ("repeated = [1]", r"repeated\[1\]: write each headline as a \[\[repeated\]\] table"),
        (  # the entries are read in order: the first one's missing title before the second
            'repeated = [{issue = "2026-W47"}, 5]',
            r"repeated\[1\]\.title: missing; add it",
        ),
        (
            'later = [{title = "The crossings reopen"}, "tomorrow"]',
            r"later\[2\]: write each story as a \[\[later\]\] table",
        ),
    ],
    ids=["later-no-array", "repeated-no-table", "in-order", "later-second-no-table"],
)
def test_an_array_of_tables_written_otherwise_is_refused_naming_it(
    workspace, settings, written, expected
):
    """[[later]] or [[repeated]] written as a value, or with an entry that is no table, stops the
    read at the first entry wrong, naming it and saying to write each as a table."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    edit(manifest, 'preheader = "{summary}"\n', f'preheader = "{{summary}}"\n{written}\n')
    with pytest.raises(ManifestError, match=expected):
        read_manifest(manifest)


def test_lead_format_is_text_or_markdown(workspace, settings):
    """`format` in [lead] must be "text" or "markdown": another value is an error naming the key."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    edit(manifest, 'format = "text"', 'format = "markdown"')
    assert read_manifest(manifest).lead.format == "markdown"
    edit(manifest, 'format = "markdown"', 'format = "html"')
    with pytest.raises(
        ManifestError, match=r"lead\.format.*'html' must be \"text\" or \"markdown\""
    ):
        read_manifest(manifest)


def test_retitling_the_lead_moves_subject_and_title(workspace, settings):
    """A new lead title in the manifest becomes the Subject header and the HTML <title>."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    old_title = read_manifest(manifest).lead.title
    edit(manifest, f'title = "{old_title}"', 'title = "Peru declares a border emergency"')
    result = build([str(FOLDER)], settings, OPTIONS)
    assert result.issue.subject == "Peru declares a border emergency"
    assert "<title>Peru declares a border emergency</title>" in result.rendered.html
    message = (workspace / FOLDER / "message.eml").read_bytes()
    assert b"Subject: Peru declares a border emergency\r\n" in message


def test_an_edited_subject_is_kept_whatever_the_lead_title(workspace, settings):
    """A subject the editor wrote stays as written, even when the lead is retitled afterwards."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    edit(manifest, 'subject = "{title}"', 'subject = "This week: the border"')
    old_title = read_manifest(manifest).lead.title
    edit(manifest, f'title = "{old_title}"', 'title = "Another title"')
    result = build([str(FOLDER)], settings, OPTIONS)
    assert result.issue.subject == "This week: the border"
    assert "<title>This week: the border</title>" in result.rendered.html


def test_a_subject_with_an_unknown_field_names_its_line(workspace, settings):
    """`subject = "{titel}"` in the manifest is an error naming the line and the known fields."""
    build(["seeds"], settings, OPTIONS)
    manifest = workspace / FOLDER / "issue.toml"
    edit(manifest, 'subject = "{title}"', 'subject = "{titel}"')
    with pytest.raises(ManifestError, match=r"issue.toml:\d+: subject: unknown field \{titel\}"):
        read_manifest(manifest)


def test_cli_refusal_is_one_line_and_force_reports_the_backup(workspace):
    """The CLI says in one line why it refused, and with --force where the old manifest went."""
    assert cli("build", "--date", "2026-11-26").exit_code == 0
    edit(workspace / FOLDER / "issue.toml", "\n[[related]]", "\n[[more]]")
    one_line_error(cli("build", "--date", "2026-11-26"), "issues/2026-W48/issue.toml: was edited")
    forced = cli("build", "--date", "2026-11-26", "--force")
    assert forced.exit_code == 0, forced.output
    assert "kept     your previous manifest as issues/2026-W48/issue.toml.~1~" in forced.output
    edit(workspace / FOLDER / "issue.toml", "score = ", "scroe = ")
    one_line_error(cli("build", str(FOLDER)), "did you mean 'score'?")


def test_rebuilding_into_another_folder_never_overwrites_its_edits(workspace, settings):
    """`build ISSUE --out OTHER` refuses when OTHER's manifest holds edits; --force keeps a backup."""
    build(["seeds"], settings, OPTIONS)
    other = workspace / "issues" / "special"
    build([str(FOLDER)], settings, OPTIONS, out=other)
    edit(other / "issue.toml", "\n[[related]]", "\n[[more]]")
    edited = (other / "issue.toml").read_bytes()
    with pytest.raises(ManifestError, match=r"issues/special/issue\.toml: was edited"):
        build([str(FOLDER)], settings, OPTIONS, out=other)
    result = build([str(FOLDER)], settings, OPTIONS, out=other, force=True)
    assert result.backup == "issue.toml.~1~" and (other / "issue.toml.~1~").read_bytes() == edited
