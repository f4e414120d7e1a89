"""Tried from outside: the CLI as an attacker (or a careless file) meets it, one hole per test.

Each test here was a failing case when the workspace was attacked through the command line
(docs/security.md, "Tried from outside"): a traceback, a hang, or a file written outside the
workspace.  They run the commands in-process with Typer's runner, which raises on a traceback.
"""

from __future__ import annotations

import pytest

from newsletter.control_chars import without_bidi_formatting
from tests.support.cli_errors import one_error_line, run

NESTED_JSON = "[" * 100_000  # the C decoder recurses once per level: a RecursionError


@pytest.fixture
def built(workspace):
    """The sample workspace with its issue 2026-W48 built; returns the issue folder."""
    result = run("build", "--date", "2026-11-26")
    assert result.exit_code == 0, result.output
    return workspace / "issues" / "2026-W48"


@pytest.mark.parametrize("command", [("check",), ("send", "--dry-run", "--yes")])
def test_a_build_record_nested_100000_deep_is_one_error_naming_it(built, command):
    """built-with.json of 100,000 `[` gives check and send one line naming the file and the fix, no RecursionError."""
    (built / "built-with.json").write_text(NESTED_JSON, "utf-8")
    one_error_line(run(*command, str(built)), "issues/2026-W48/built-with.json", "newsletter build")


def test_an_archive_state_file_nested_100000_deep_renders_again(built):
    """site/.newsletter-archive.json of 100,000 `[` is unreadable state: the archive renders every page again."""
    assert run("archive", "--unsent").exit_code == 0
    state = built.parent.parent / "site" / ".newsletter-archive.json"
    state.write_text(NESTED_JSON, "utf-8")
    result = run("archive", "--unsent")
    assert result.exit_code == 0, result.output
    assert "1 rendered" in result.output
    assert state.read_text("utf-8").startswith("{")  # written anew, as the archive writes it


@pytest.mark.parametrize("where", ["outside", "up"])
def test_build_out_outside_the_workspace_is_refused(workspace, tmp_path_factory, where):
    """`build --out` to a folder outside the workspace (absolute, or `../`) writes nothing there and says why."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    out = str(elsewhere / "x") if where == "outside" else "../escaped"
    result = run("build", "--date", "2026-11-26", "--out", out)
    one_error_line(result, "--out", "outside the workspace")
    assert not (elsewhere / "x").exists() and not (workspace.parent / "escaped").exists()


def test_rebuild_out_outside_the_workspace_is_refused(built, tmp_path_factory):
    """Re-rendering an issue folder with `--out` outside its workspace writes nothing there."""
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "copy"
    one_error_line(run("build", str(built), "--out", str(elsewhere)), "outside the workspace")
    assert not elsewhere.exists()


def test_build_out_inside_the_workspace_still_works(workspace):
    """`--out issues/special` (inside the workspace) is built as before."""
    result = run("build", "--date", "2026-11-26", "--out", "issues/special")
    assert result.exit_code == 0, result.output
    assert (workspace / "issues" / "special" / "merge.eml").is_file()


PATHOLOGICAL_MARKDOWN = {
    "nested brackets": "[" * 100_000 + "x" + "]" * 100_000,
    "unclosed links": "[x](" * 100_000,
    "a long run of marks": "*" * 100_000 + "x",
    "unclosed images": "![" * 100_000 + "x](https://example.org/i.png)",
}


@pytest.mark.timeout(60)  # a hang guard, not a speed test: the quadratic patterns took hours
@pytest.mark.parametrize("body", PATHOLOGICAL_MARKDOWN.values(), ids=PATHOLOGICAL_MARKDOWN)
def test_markdown_built_to_defeat_the_patterns_is_read_in_one_pass(body):
    """A Markdown body of brackets, unclosed links or marks gives its paragraphs and lead image without a quadratic scan."""
    from newsletter.models import body_paragraphs
    from newsletter.sources.markdown_reading import first_image

    (paragraph,) = body_paragraphs(body + "\n\nSecond.", "markdown")[:1]
    assert paragraph  # what is left of the marks is text
    assert body_paragraphs(body + "\n\nSecond.", "markdown")[-1] == "Second."
    assert first_image("![x" * 20_000 + "\n\n![a map](https://example.org/m.png)") is not None


BODY = "The river burst its banks after three days of rain in the valley. Rescue teams used boats."
DEEP_FRONT_MATTER = {
    "a flow list": "title: " + "[" * 5000,
    "a flow map": "title: " + "{a: " * 5000,
    "block lists": "title: x\nz:\n" + "".join(" " * i + "- \n" for i in range(3000)),
}


@pytest.mark.parametrize("front", DEEP_FRONT_MATTER.values(), ids=DEEP_FRONT_MATTER)
def test_front_matter_nested_thousands_deep_is_one_error_naming_the_file(tmp_path, front):
    """YAML front matter nested 3,000-5,000 deep is a SourceError naming the story, not a RecursionError."""
    from newsletter.errors import SourceError
    from tests.support.digest_workspace import build_in, make

    ws = make(tmp_path / "ws", {"seeds/deep.md": f"---\n{front}\n---\n{BODY}\n"})
    with pytest.raises(SourceError, match=r"seeds/deep\.md:1: front matter nested too deeply"):
        build_in(ws)


NOT_TEXT = {
    "U+FFFF in a title": (
        'title: "Floods \\uFFFF reach"',
        "seeds/story.md:2: front matter 'title'",
    ),
    "U+FFFE in a title": (
        'title: "Floods \\uFFFE reach"',
        "seeds/story.md:2: front matter 'title'",
    ),
    "a lone surrogate": ('title: "Floods \\uD800 reach"', "seeds/story.md:2: front matter 'title'"),
    "U+FFFF in the body": ("title: Floods\n---\nWater \uffff rises", "seeds/story.md:4"),
}


@pytest.mark.parametrize(("front", "where"), NOT_TEXT.values(), ids=NOT_TEXT)
def test_noncharacters_and_surrogates_are_refused_naming_file_and_line(tmp_path, front, where):
    """U+FFFF, U+FFFE or a lone surrogate in a story is refused at its line, never blamed on the template nor a traceback."""
    from newsletter.errors import SourceError
    from tests.support.digest_workspace import build_in, make

    text = f"---\n{front}\n---\n{BODY}\n" if "---" not in front else f"---\n{front}\n{BODY}\n"
    ws = make(tmp_path / "ws", {"seeds/story.md": text})
    with pytest.raises(SourceError) as caught:
        build_in(ws)
    message = str(caught.value)
    assert where in message and "template" not in message, message


def test_a_feed_noncharacter_becomes_a_space():
    """A feed entry's `&#xFFFF;` reaches no text: the parser's noncharacters become spaces, like control characters."""
    from newsletter.sources.feeds import parse_feed

    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Floods &amp;#xFFFF; reach</title><link>https://example.org/a</link>"
        "<description>Water &amp;#xFFFE; rises</description></item></channel></rss>"
    )
    (headline,) = parse_feed(feed.encode(), "news.xml").headlines
    assert "\uffff" not in headline.title and "\ufffe" not in headline.summary
    assert headline.title.startswith("Floods") and headline.summary.startswith("Water")


@pytest.mark.parametrize("template", ["{title:>300000000}", "{summary:.{related_count}}"])
def test_a_subject_template_with_a_huge_width_is_refused_before_it_is_filled(workspace, template):
    """`subject = "{title:>300000000}"` would build a 300 MB subject: refused naming newsletter.toml and the key."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8")
    toml.write_text(text.replace('subject = "{title}"', f'subject = "{template}"'), "utf-8")
    one_error_line(run("build", "--date", "2026-11-26"), "newsletter.toml", "subject")
    assert not (workspace / "issues").exists()


FORMAT_CHARACTERS = {
    "a decomposed accent": "Jose\u0301 Jeri\u0301",
    "an emoji with joiners": "Family \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "a Persian non-joiner": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    "a right-to-left override": "Photo \u202egnp.exe\u202c",
}


@pytest.mark.parametrize("alt", FORMAT_CHARACTERS.values(), ids=FORMAT_CHARACTERS)
def test_image_alt_text_keeps_its_characters_through_mjml(tmp_path, alt):
    """An alt text with a no-break space, a combining accent or a joiner reaches the HTML as
    those characters, not as `\\u{a0}`; a bidi override is dropped as the sources are read."""
    import html
    import json
    import re

    from tests.support.digest_workspace import build_in, make

    quoted = json.dumps(alt, ensure_ascii=False)  # YAML reads a JSON string as it is
    lead = f"---\ntitle: Floods\nimage: https://example.org/map.png\nimage_alt: {quoted}\nlead: true\n---\n{BODY}\n"
    ws = make(tmp_path / "ws", {"seeds/lead.md": lead})
    page = (build_in(ws).folder / "index.html").read_text("utf-8")
    alts = [html.unescape(a) for a in re.findall(r'alt="([^"]*)"', page)]
    # Bidi overrides, embeddings and isolates are dropped where sources are read (an
    # unclosed one reverses the rest of a line); every other character stays.
    assert without_bidi_formatting(alt) in alts, alts
    assert "\\u{" not in page


LONG_ADDRESS = "a" * 64 + "@" + ".".join(c * 60 for c in "bcd") + ".com"  # 251: valid


def test_a_dry_run_writes_a_copy_for_a_valid_251_character_address(built):
    """A valid address too long for a file name still gets its outbox copy; forget removes it."""
    assert run("subscribers", "add", "reader@example.com").exit_code == 0
    assert run("subscribers", "add", LONG_ADDRESS).exit_code == 0
    result = run("send", str(built), "--dry-run", "--yes")
    assert result.exit_code == 0, result.output
    assert "2 message(s) written" in result.output
    copies = sorted((built / "outbox").iterdir())
    assert len(copies) == 2 and LONG_ADDRESS.encode() in copies[1].read_bytes()
    assert run("subscribers", "forget", LONG_ADDRESS).exit_code == 0
    assert len(list((built / "outbox").iterdir())) == 1


def test_a_dry_run_that_stops_says_so_and_exits_1(built, monkeypatch):
    """A dry run whose outbox write fails ends with one `error:` line and exit 1, never "written" alone."""
    from newsletter.errors import OutputError
    from newsletter.send import outbox

    assert run("subscribers", "add", "reader@example.com").exit_code == 0

    def full_disk(self, envelope_from, recipient, data, at_end=None):
        raise OutputError(
            "issues/2026-W48/outbox/00001-x.eml: cannot write (No space left on device)"
        )

    monkeypatch.setattr(outbox.FileTransport, "send", full_disk)
    one_error_line(run("send", str(built), "--dry-run", "--yes"), "No space left on device")


@pytest.mark.timeout(60)  # unfixed, the FIFO waits for a writer and /dev/zero never ends
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_source_that_is_a_fifo_or_a_device_is_refused_before_it_is_read(workspace, kind):
    """`build story.txt` where it is a FIFO, or `build /dev/zero`: one error naming it, no wait, no endless read."""
    import os

    if kind == "fifo":
        os.mkfifo(workspace / "seeds" / "story.txt")
        source = "seeds/story.txt"
    else:
        source = "/dev/zero"
    one_error_line(run("build", source, "--date", "2026-11-26"), source, "not a regular file")


def test_rebuilding_a_linked_issue_folder_leaves_the_linked_one_whole(built, tmp_path_factory):
    """`build issues/L` where L links to another workspace's issue is refused; that issue keeps every file."""
    import shutil

    other = tmp_path_factory.mktemp("other") / "2026-W48"
    shutil.copytree(built, other)
    before = sorted(p.name for p in other.iterdir())
    link = built.parent / "L"
    link.symlink_to(other)
    one_error_line(run("build", str(link)), "issues/L", "symbolic link")
    assert sorted(p.name for p in other.iterdir()) == before
    assert link.is_symlink() and not any(p.name.startswith(".L") for p in built.parent.iterdir())


def test_a_dry_run_never_deletes_or_writes_through_a_linked_outbox(built, tmp_path_factory):
    """`outbox` a link to a folder elsewhere: the dry run refuses; the .eml there stays and no copy lands there."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "keep.eml").write_text("precious", "utf-8")
    (built / "outbox").symlink_to(elsewhere)
    assert run("subscribers", "add", "reader@example.com").exit_code == 0
    one_error_line(run("send", str(built), "--dry-run", "--yes"), "outbox", "symbolic link")
    assert [p.name for p in elsewhere.iterdir()] == ["keep.eml"]
    assert run("subscribers", "forget", "reader@example.com").exit_code == 0
    assert [p.name for p in elsewhere.iterdir()] == ["keep.eml"]


def test_a_file_name_with_terminal_escapes_is_printed_escaped(workspace):
    """A Maildir FIFO named with ESC and BEL (a terminal title sequence) is warned about with `\\x1b`, never the raw bytes."""
    import os

    box = workspace / "box"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    os.mkfifo(box / "new" / "x\x1b]0;owned\x07")
    result = run("bounces", "process", str(box))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "x\\x1b]0;owned\\x07: a FIFO" in result.output


LONG_NUMBERS = {
    "5,000 digits": "image_width: " + "9" * 5000,
    "binary, 100,000 digits": "title: x\nimage_height: 0b" + "1" * 100_000,
    "sexagesimal, 8,000 parts": "title: 1" + ":59" * 8000,
}


@pytest.mark.parametrize("front", LONG_NUMBERS.values(), ids=LONG_NUMBERS)
def test_a_number_too_long_for_python_is_one_error_naming_its_line(tmp_path, front):
    """A front matter number past Python's 4,300 digits is a SourceError naming its line, not a ValueError."""
    from newsletter.errors import SourceError
    from tests.support.digest_workspace import build_in, make

    line = 2 + front.count("\n")
    ws = make(tmp_path / "ws", {"seeds/long.md": f"---\n{front}\n---\n{BODY}\n"})
    with pytest.raises(
        SourceError, match=rf"seeds/long\.md:{line}: invalid front matter: a number too long"
    ):
        build_in(ws)


@pytest.mark.parametrize("value", ["0", "30000", "-5", "[1, 2]", "{a: 1}", "1.5"])
def test_an_image_size_that_is_no_size_is_one_error_naming_its_line(tmp_path, value):
    """image_width of 0, 30000, a list, a map or a fraction is a SourceError naming its line."""
    from newsletter.errors import SourceError
    from tests.support.digest_workspace import build_in, make

    ws = make(tmp_path / "ws", {"seeds/size.md": f"---\nimage_width: {value}\n---\n{BODY}\n"})
    with pytest.raises(SourceError, match=r"seeds/size\.md:2: .*whole number of pixels"):
        build_in(ws)


@pytest.mark.parametrize("front", ["kind: 5", "kind: [a]", "date: 5", "date: [1]"])
def test_a_kind_or_date_that_is_no_text_is_one_error_naming_its_line(tmp_path, front):
    """`kind: 5` or `date: [1]` is a SourceError naming its line, not a TypeError."""
    from newsletter.errors import SourceError
    from tests.support.digest_workspace import build_in, make

    ws = make(tmp_path / "ws", {"seeds/odd.md": f"---\n{front}\n---\n{BODY}\n"})
    with pytest.raises(SourceError, match=r"seeds/odd\.md:2: front matter '(kind|date)': '"):
        build_in(ws)
