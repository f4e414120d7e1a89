"""What an error line quotes back of what it was given: at most 60 characters (then `…`), on one
line, control characters escaped, a password never (newsletter/control_chars.py `quoted`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from newsletter.control_chars import ECHOED, quoted
from newsletter.sources.feeds import parse_feed
from tests.support.cli_errors import one_error_line, run

LONG = "x" * 995 + "\x1b[2J"  # a pasted screenful, ending in a terminal escape


def quoted_parts(line: str) -> list[str]:
    """Every '…' a line quotes."""
    return re.findall(r"'([^']*)'", line)


def test_quoted_cuts_escapes_and_folds():
    """Short values are quoted whole; long ones cut to 60 with …; controls (a line break too)
    shown escaped."""
    assert quoted("Lima") == "'Lima'"
    assert quoted("a\nb\x1b") == "'a\\x0ab\\x1b'"
    cut = quoted("y" * 1000)
    assert len(cut) == ECHOED + 2 and cut.endswith("…'")


@pytest.mark.parametrize(
    "args",
    [
        ("build", "--date", LONG),
        ("archive", "--since", LONG),
        ("subscribers", "list", "--status", LONG),
        ("subscribers", "add", "a@example.org", "--field", LONG),
        ("subscribers", "add", LONG + "@example.org"),
    ],
    ids=["--date", "--since", "--status", "--field", "address"],
)
def test_a_long_bad_option_is_quoted_cut_short(workspace, args):
    """A 1,000-character bad value: one error line quoting at most 60 characters of it and no
    escape sequence."""
    result = run(*args)
    line = one_error_line(result)
    assert "\x1b" not in result.output
    assert len(line) < 400, line
    assert any(part.endswith("…") and len(part) <= ECHOED for part in quoted_parts(line)), line


def test_a_long_unknown_key_in_newsletter_toml_is_quoted_cut_short(workspace):
    """An unknown key 1,000 characters long: named in at most 60 characters."""
    toml = workspace / "newsletter.toml"
    toml.write_text(f'"{"k" * 1000}" = 1\n' + toml.read_text("utf-8"), "utf-8")
    line = one_error_line(run("build", "seeds"), "unknown key")
    assert len(line) < 400 and "k" * ECHOED not in line


def test_a_long_unknown_key_in_a_table_is_quoted_cut_short_too(workspace):
    """An unknown key 1,000 characters long inside [welcome]: its table named, the key quoted in
    at most 60 characters, as at the top of the file."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8")
    toml.write_text(re.sub(r"(?m)^\[welcome\].*$", f'[welcome]\n"{"k" * 1000}" = 1', text), "utf-8")
    line = one_error_line(run("build", "seeds"), "welcome: unknown key 'kkk")
    assert len(line) < 400 and "k" * ECHOED not in line


def test_a_feed_link_of_100_kb_is_warned_about_in_one_short_line():
    """A feed entry whose link is 100 KB of junk: left out, the warning quoting 60 characters."""
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        f"<title>Peru</title><link>javascript:{'a' * 100_000}</link></item></channel></rss>"
    )
    (warning,) = parse_feed(feed.encode(), "feed.xml").warnings
    assert warning.startswith("feed.xml#1: link 'javascript:aaa") and len(warning) < 200


def test_a_database_url_is_cut_after_its_password_is_masked(workspace, monkeypatch):
    """A long URL holding a password: refused, the password never shown, the URL cut short."""
    url = "postgresql://news:hunter2secret@db.example.org/" + "d" * 500 + "?x=1 2"
    monkeypatch.setenv("NEWSLETTER_DATABASE_URL", url)
    result = run("subscribers", "count")
    line = one_error_line(result)
    assert "hunter2secret" not in result.output and len(line) < 400


def test_a_file_name_that_is_not_utf8_is_written_and_shown_escaped(workspace):
    """`subscribers export` to a name holding the byte 0xff (the installed command, as a shell
    runs it): the file is written and named as o\\udcff.csv, exit 0, no UnicodeEncodeError."""
    run("subscribers", "add", "a@example.org")
    name = os.fsdecode(b"o\xff.csv")
    done = subprocess.run(
        [sys.executable, "-m", "newsletter", "subscribers", "export", name],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Exported 1 subscriber(s) to o\\udcff.csv." in done.stdout + done.stderr
    assert (workspace / name).read_text("utf-8").startswith("email,")


BIDI = "\u202e\u2066\u200f\u061c\u200b\ufeff"  # override, isolate, marks, zero-width space, BOM


@pytest.mark.parametrize(
    "args",
    [
        ("build", "--date", f"2026-{BIDI}12-03"),
        ("build", f"seeds/evil{BIDI}lmx.txt"),
    ],
    ids=["--date", "file-name"],
)
def test_bidi_overrides_and_invisible_characters_in_an_error_line_are_escaped(workspace, args):
    """A right-to-left override (U+202E), an isolate, the bidi marks and zero-width characters
    in a value or a file name are shown escaped (`\\u202e`): raw, they made the terminal show
    the error line reordered, so it named something other than what was given."""
    result = run(*args)
    line = one_error_line(result)
    assert not any(c in result.output for c in BIDI), ascii(line)
    assert "\\u202e\\u2066\\u200f\\u061c\\u200b\\ufeff" in line, ascii(line)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("score = ", 'words = "' + "A" * 5000 + '\\u001b[2J"\nscore = '),
        ('title = "', 'title = ["' + "A" * 5000 + '"]\n# "'),
    ],
    ids=["words-not-a-number", "title-not-text"],
)
def test_a_huge_wrong_value_in_a_manifest_is_quoted_cut_short(workspace, old, new):
    """A 5,000-character value of the wrong type written into issue.toml (a `words` that is
    text, a `title` that is a list): one error line naming the line, quoting at most 60
    characters of it (it used to echo all 5,000), no escape sequence."""
    assert run("build", "seeds").exit_code == 0
    (manifest,) = workspace.glob("issues/*/issue.toml")
    text = manifest.read_text("utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), "utf-8")
    line = one_error_line(run("build", str(manifest.parent)), "issue.toml:")
    assert len(line) < 400, line[:400]
    assert "\x1b" not in line


def test_a_huge_smtp_host_is_quoted_cut_short(workspace):
    """A 3,000-character `[smtp] host` with a space and an escape sequence: one error line
    naming newsletter.toml's line and quoting at most 60 characters of it (it was echoed whole)."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8")
    assert 'host = "localhost"' in text
    toml.write_text(text.replace('host = "localhost"', f'host = "{"h" * 3000} \\u001b[2J"', 1))
    line = one_error_line(run("build", "seeds"), "newsletter.toml:", "smtp.host")
    assert len(line) < 400, line[:400]
    assert "\x1b" not in line


@pytest.mark.parametrize("encoding", ["\udcff\udcfe\x1b[2J", "utf\x00-8"], ids=["bytes", "nul"])
def test_an_encoding_name_that_is_not_text_is_one_line(workspace, encoding):
    """`subscribers import --encoding` given bytes that are not UTF-8 (as a shell passes them)
    or a NUL: one line naming the option, escaped; it was a UnicodeEncodeError traceback."""
    (workspace / "list.csv").write_text("email\nreader@example.org\n", "utf-8")
    line = one_error_line(run("subscribers", "import", "list.csv", "--encoding", encoding))
    assert "--encoding" in line and "unknown encoding" in line
    assert "\x1b" not in line and "\x00" not in line
