"""The editor's note: a `kind: note` Markdown source or [note] in the manifest, after the lead."""

from __future__ import annotations

import pytest

from newsletter.errors import SourceError
from tests.support.digest_workspace import LEAD, build_in, make, rebuild_in, write

NOTE = """\
---
kind: note
signoff: "— The desk"
---
Hello again. This week the water came up faster than anyone expected, and we followed it.

Write back with what you saw.
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A workspace with a lead and a note in seeds/."""
    monkeypatch.chdir(tmp_path)
    return make(tmp_path, {"seeds/lead.md": LEAD, "seeds/note.md": NOTE})


def test_a_note_source_renders_under_the_lead_with_its_signoff(ws):
    """The note's text and sign-off come after the lead, in HTML and in text, so the lead's
    headline stays on the first screen however long the note is."""
    result = build_in(ws)
    assert result.issue.note is not None and result.issue.note.signoff == "— The desk"
    html = (result.folder / "index.html").read_text("utf-8")
    text = (result.folder / "index.txt").read_text("utf-8")
    for part in (html.split('class="masthead"', 1)[1], text):  # after <title> and the preheader
        assert (
            part.index("River floods force") < part.index("Hello again.") < part.index("— The desk")
        )
    assert 'class="note"' in html and 'class="signoff"' in html


def test_the_note_is_not_a_story(ws):
    """A note never leads and never becomes a headline or a card."""
    result = build_in(ws)
    assert result.issue.lead.title == "River floods force thousands from their homes"
    titles = [h.title for h in (*result.issue.related, *result.issue.more)]
    assert not any("Hello again" in t for t in titles) and result.issue.stories == ()


def test_the_preheader_comes_from_the_note(ws):
    """The {summary} preheader is the note's first sentence, its greeting left out, in 90 characters."""
    result = build_in(ws)
    assert result.issue.preheader == (
        "This week the water came up faster than anyone expected, and we followed it."
    )


def test_without_a_note_the_preheader_comes_from_the_lead(ws):
    """Without a note, the preheader is the lead's sentence, as before."""
    (ws / "seeds" / "note.md").unlink()
    result = build_in(ws)
    assert result.issue.note is None
    assert result.issue.preheader.startswith("The river burst its banks")


def test_rebuilding_from_the_manifest_keeps_the_note(ws):
    """The note is written to [note] and a rebuild renders it from there, edited or not."""
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    assert "[note]" in text and 'signoff = "— The desk"' in text
    manifest.write_text(text.replace("Hello again.", "Hello, readers."), "utf-8")
    again = rebuild_in(ws, result.folder)
    assert again.issue.note.body.startswith("Hello, readers.")
    assert "Hello, readers." in (result.folder / "index.html").read_text("utf-8")


def test_a_note_written_only_in_the_manifest_renders(ws):
    """An editor may add [note] by hand to an issue built without one."""
    (ws / "seeds" / "note.md").unlink()
    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8").replace(
        "\n[lead]\n", '\n[note]\nbody = """\nA word from the *editor*.\n"""\n\n[lead]\n', 1
    )
    manifest.write_text(text, "utf-8")
    again = rebuild_in(ws, result.folder)
    assert again.issue.note.signoff == ""
    assert "A word from the <em>editor</em>." in (result.folder / "index.html").read_text("utf-8")
    assert "A word from the editor." in (result.folder / "index.txt").read_text("utf-8")


def test_an_empty_manifest_note_is_refused_with_its_line(ws):
    """[note] with an empty body is an error naming the manifest's line."""
    from newsletter.errors import ManifestError

    result = build_in(ws)
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    start = text.index('body = """\nHello')
    end = text.index('"""', start + 10) + 3
    manifest.write_text(text[:start] + 'body = ""' + text[end:], "utf-8")
    with pytest.raises(ManifestError, match=r"issue\.toml:\d+: note\.body: is empty"):
        rebuild_in(ws, result.folder)


def test_two_notes_are_refused_naming_both(ws):
    """A second `kind: note` file is an error naming both files."""
    write(ws / "seeds" / "note2.md", NOTE)
    with pytest.raises(
        SourceError, match=r"note2\.md: a second editor's note \(the first is .*note\.md\)"
    ):
        build_in(ws)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("note.txt", "---\nkind: note\n---\nHello.\n", r"note\.txt:1: kind: note is for Markdown"),
        (
            "note.md",
            "---\nkind: notes\n---\nHello.\n",
            r"note\.md:2: front matter 'kind': 'notes' must be one of story, note",
        ),
        (
            "note.md",
            "---\nkind: note\ntitle: Hi\n---\nHello.\n",
            r"note\.md:1: front matter 'title': a note has none",
        ),
        ("note.md", "---\nkind: note\n---\n\n", r"note\.md:\d+: the note has no text"),
        (
            "note.md",
            "---\nkind: note\n---\nSee [this](/x).\n",
            r"note\.md:4: link '/x' is not an absolute",
        ),
    ],
    ids=["text-file", "unknown-kind", "title", "empty", "relative-link"],
)
def test_a_bad_note_is_one_error_with_file_and_line(tmp_path, monkeypatch, name, text, message):
    """Each mistake in a note source names the file and line and says what to do."""
    monkeypatch.chdir(tmp_path)
    ws = make(tmp_path, {"seeds/lead.md": LEAD})
    write(ws / "seeds" / name, text)
    with pytest.raises(SourceError, match=message):
        build_in(ws)
