"""Invisible characters (bidi controls, zero-width and soft hyphens, Hangul and braille fillers,
tag characters) in a feed, a Markdown story's front matter, a reader's name or the Subject:
one definition (control_chars.without_invisibles) cleans them everywhere, before a name or a
title is chosen by being there, so an outlet made of nothing falls back to the next one
(docs/security.md, "Invisible characters")."""

from __future__ import annotations

import json
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.control_chars import INVISIBLE_CLASS, visible, without_invisibles
from tests.support.build_json import build_json, publishers

pytest_plugins = ["tests.support.send_fixtures"]

runner = CliRunner()

# Each invisible a name was made of, as an outsider would try it.
NOTHING = {
    "bidi controls": "\u202e\u2066\u202c\u2069",
    "a zero-width joiner": "\u200d",
    "a soft hyphen": "\u00ad",
    "a Hangul filler": "\u3164",
    "tag characters": "\U000e0041\U000e0042\U000e007f",
    "a braille blank": "\u2800",
    "Hangul choseong and jungseong fillers": "\u115f\u1160",
    "a half-width Hangul filler": "\uffa0",
    "a zero-width non-joiner and a mark": "\u200c\u200f",
}
DROPPED_ANYWHERE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u00ad\u200b\u3164\u115f\u1160\uffa0\u2800\U000e0000-\U000e007f]"
)

STORY = """---
title: Baltimore's Key Bridge collapses after a cargo ship strikes it
url: https://example.org/stories/key-bridge
date: 2026-11-24
---

A container ship lost power and struck a support pier of the Francis Scott Key Bridge in
Baltimore early on Tuesday, and the bridge collapsed into the Patapsco River within seconds.

Divers searched the river for six construction workers who were filling potholes on the span.
"""


def write(workspace: Path, name: str, text: str) -> str:
    """Write a source file into the workspace; its name relative to it."""
    path = workspace / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return name


def feed(*items: str, title: str = "World desk") -> str:
    """An RSS feed of the items given, with Dublin Core declared."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{title}</title><link>https://agg.example/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>\n"
    )


def item(n: int, title: str, extra: str = "") -> str:
    """One RSS item linking to https://agg.example/N."""
    return f"<item><title>{title}</title><link>https://agg.example/{n}</link>{extra}</item>"


@pytest.mark.parametrize("kind", list(NOTHING))
def test_an_outlet_name_made_of_nothing_falls_back_to_the_next_name(workspace, kind):
    """An outlet named only with invisible characters is no name: the entry's dc:publisher is
    shown instead, and without one the feed's title (bidi controls left an empty publisher, the
    other invisibles were kept and shown as the outlet)."""
    nothing = NOTHING[kind]
    xml = feed(
        item(
            1,
            "Key Bridge in Baltimore collapses after ship collision",
            f'<source url="https://a.example/">{nothing}</source>'
            "<dc:publisher>Maryland Ledger</dc:publisher>",
        ),
        item(
            2,
            "Divers search Patapsco River for workers after Key Bridge collapse",
            f'<source url="https://b.example/">{nothing}</source>',
        ),
        item(3, "Port of Baltimore closed to ships", f"<dc:publisher>{nothing}</dc:publisher>"),
    )
    data = build_json(write(workspace, "stories/bridge.md", STORY), write(workspace, "f.xml", xml))
    assert publishers(data) == {
        "Key Bridge in Baltimore collapses after ship collision": "Maryland Ledger",
        "Divers search Patapsco River for workers after Key Bridge collapse": "World desk",
        "Port of Baltimore closed to ships": "World desk",
    }


def test_invisibles_leave_titles_outlets_and_the_subject_with_one_space_where_they_sat(workspace):
    """Soft hyphens, fillers, tag characters and bidi controls inside a feed's titles and
    outlets and a story's title go from the email's HTML, text part, manifest and Subject; a
    control between two spaces leaves one space, not two; an emoji flag's tag sequence and
    joiners stay."""
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    xml = feed(
        item(
            1,
            "Key Bridge \u202e in Baltimore col\u00adlapses after ship\u3164 collision",
            '<source url="https://a.example/">The \u2066 Harbor\U000e0041 Times</source>',
        ),
        item(2, f"Divers search Patapsco River {england} after Key Bridge collapse"),
    )
    story = STORY.replace("cargo ship", "cargo \u2067 ship\u2800")
    data = build_json(write(workspace, "stories/bridge.md", story), write(workspace, "f.xml", xml))
    assert publishers(data)["Key Bridge in Baltimore collapses after ship collision"] == (
        "The Harbor Times"
    )
    issue = workspace / data["issue_dir"]
    for name in ("index.html", "index.txt", "issue.toml", "message.eml"):
        text = (issue / name).read_text("utf-8")
        assert not DROPPED_ANYWHERE.search(text.replace(england, "")), name
        assert "Bridge  in" not in text and "Bridge in Baltimore collapses" in text, name
    assert f"River {england} after" in (issue / "index.txt").read_text("utf-8")
    message = BytesParser(policy=policy.default).parsebytes((issue / "message.eml").read_bytes())
    assert "Baltimore's Key Bridge collapses after a cargo ship strikes it" in message["Subject"]


def test_front_matter_escapes_are_cleaned_after_yaml_unescapes_them(workspace):
    """A Markdown story whose front matter writes invisibles as YAML escapes ("\\u202e",
    "\\u00ad", "\\u3164") in its title, summary, source, image alt and tags: none reaches the
    email; its url carries them percent-encoded (visible); a title of only a joiner is no
    title (the story's first sentence is used)."""
    story = """---
title: "Key Bridge \\u202e collapses after a cargo\\u00ad ship strikes it"
summary: "The bridge \\u2066fell\\u2069 into the \\u3164Patapsco River"
source: "\\u202eHarbor Times\\U000E0041"
image: "https://example.org/bridge.jpg"
image_alt: "The \\u202ebridge\\u200b in the river"
tags: ["\\u202e", "bridge\\u00ad"]
url: "https://example.org/key\\u202ebridge"
date: 2026-11-24
---

A container ship lost power and struck a support pier of the Francis Scott Key Bridge in
Baltimore early on Tuesday, and the bridge collapsed into the Patapsco River within seconds.
"""
    data = build_json(write(workspace, "stories/bridge.md", story))
    issue = workspace / data["issue_dir"]
    html = (issue / "index.html").read_text("utf-8")
    text = (issue / "index.txt").read_text("utf-8")
    for name, written in (("html", html), ("text", text)):
        assert not DROPPED_ANYWHERE.search(written), name
    assert "Key Bridge collapses after a cargo ship strikes it" in text
    assert "The bridge fell into the Patapsco River" in text
    assert 'alt="The bridge in the river"' in html
    assert "https://example.org/key%E2%80%AEbridge" in html
    assert data["lead"]["title"] == "Key Bridge collapses after a cargo ship strikes it"

    untitled = story.replace(
        'title: "Key Bridge \\u202e collapses after a cargo\\u00ad ship strikes it"',
        'title: "\\u200d"',
    )
    write(workspace, "stories/bridge.md", untitled)
    again = build_json("stories/bridge.md")
    assert "Francis Scott Key Bridge" in again["lead"]["title"]  # derived from its body


@pytest.fixture
def cli(send_ws, monkeypatch):
    """Run `newsletter …` in the sending workspace; returns the Click result."""
    monkeypatch.chdir(send_ws.root)
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_a_readers_name_of_invisibles_reaches_no_header_or_greeting(cli, send_ws):
    """A reader whose stored name carries an override, a zero-width space and a Hangul filler
    gets `To: Reader One <…>` and "Dear Reader One" in the dry run's copy; a name of nothing
    but invisibles is no name (the To: line is the bare address)."""
    send_ws.add(
        ("one@example.org", "\u202eReader\u200b One\u3164"),
        ("two@example.org", "\u200d\u3164\u2066"),
        fields={"city": "Lima"},
    )
    result = cli("send", "issues/2026-W48", "--dry-run")
    assert result.exit_code == 0, result.output
    files = sorted((send_ws.issue / "outbox").glob("*.eml"))
    one, two = (BytesParser(policy=policy.default).parsebytes(f.read_bytes()) for f in files)
    assert one["To"] == "Reader One <one@example.org>"
    assert "Dear Reader One in Lima" in one.get_body(("plain",)).get_content()
    assert two["To"] == "two@example.org"


def test_one_definition_of_invisible():
    """Every character the class names is dropped or, for joiners, marks and variation
    selectors, kept but not visible on its own; letters of every script stay."""
    pattern = re.compile(f"[{INVISIBLE_CLASS}]")
    invisibles = [chr(c) for c in range(0x110000) if pattern.match(chr(c))]
    assert len(invisibles) > 200
    for ch in invisibles:
        assert not visible(f" {ch} {ch}"), f"U+{ord(ch):04X}"
    assert without_invisibles("a \u202e b") == "a b"
    assert without_invisibles("a\u202eb") == "ab"
    kept = "انهيار\u200f می\u200cرود 👩\u200d👧 ❤\ufe0f"
    assert without_invisibles(kept) is kept


def test_the_terminal_escapes_every_invisible_and_json_stays_parseable():
    """What the CLI prints escapes soft hyphens and tag characters as it does overrides, and
    `--json` writes a character past U+FFFF as a surrogate pair that parses back to it (a
    `\\ue0041` escape would have read as U+E004 and a "1")."""
    from newsletter.cli.app import json_safe, terminal_safe

    assert terminal_safe("Re\u00adader\U000e0041") == "Re\\xadader\\U000e0041"
    value = {"name": "Reader\U000e0041\u202e\u00ad"}
    shown = json_safe(json.dumps(value, ensure_ascii=False))
    assert not DROPPED_ANYWHERE.search(shown) and json.loads(shown) == value


@pytest.mark.parametrize(
    "ch",
    [
        "\u2065",
        "\u2060",
        "\u206f",
        "\U000e0000",
        "\U000e0080",
        "\U000e00ff",
        "\U000e01f0",
        "\U000e0200",
        "\U000e0fff",
    ],
)
def test_every_default_ignorable_format_character_is_dropped(ch):
    """The whole of U+2060-U+206F and U+E0000-U+E0FFF (unassigned ones included: they draw
    nothing once assigned either) is invisible and dropped from text."""
    assert not visible(ch) and not visible(f" {ch}{ch} ")
    assert without_invisibles(f"Key{ch} Bridge") == "Key Bridge"


def test_variation_selectors_and_a_flag_s_tags_stay():
    """The supplementary variation selectors (U+E0100-U+E01EF) and an emoji flag's tag
    sequence are kept inside text, around the newly dropped ranges."""
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    kept = f"\u845b\U000e0100 {england}"
    assert without_invisibles(kept) == kept
    assert not visible("\U000e0100\U000e01ef")


def test_the_terminal_keeps_emoji_and_joiners_but_escapes_what_text_drops():
    """Warnings and `--json` show an emoji with its variation selector, a family joined by ZWJ,
    a flag's tag sequence and Persian with ZWNJ as they are (the email keeps them too), and
    still escape overrides, soft hyphens and stray tag characters."""
    from newsletter.cli.app import json_safe, terminal_safe

    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    kept = f"❤\ufe0f 👩\u200d👧 {england} می\u200cرود \u845b\U000e0100"
    assert terminal_safe(kept) == kept
    dumped = json.dumps({"t": kept}, ensure_ascii=False)
    assert json_safe(dumped) == dumped
    assert terminal_safe("a\u202eb\u2065c\U000e0041") == "a\\u202eb\\u2065c\\U000e0041"
