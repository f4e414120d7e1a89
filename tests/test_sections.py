"""Sections: [[sections]] in newsletter.toml group cards and headlines by source or tag."""

from __future__ import annotations

import pytest

from newsletter.assemble.sections import section_of
from newsletter.config import SectionSettings, settings_from_mapping
from newsletter.errors import ConfigError
from tests.support.digest_workspace import LEAD, build_in, make, rebuild_in, rss, story

SECTIONS = (
    SectionSettings("World", sources=("feeds/world.xml",)),
    SectionSettings("Local", sources=("seeds/local-*.md", "https://example.org/feed")),
    SectionSettings("Science", sources=("feeds/science/",), tags=("science",)),
    SectionSettings("Private", sources=("https://example.org/private?token=T0KEN",)),
)


@pytest.mark.parametrize(
    ("source", "tags", "expected"),
    [
        ("feeds/world.xml#3", (), "World"),
        ("seeds/local-market.md", (), "Local"),
        ("seeds/lead.md", (), ""),
        ("https://example.org/feed#2", (), "Local"),
        ("https://example.org/other#2", (), ""),
        ("feeds/science/space.xml#1", (), "Science"),
        ("seeds/x.txt:12", ("Science",), "Science"),
        ("feeds/world.xml#1", ("science",), "World"),
        ("https://example.org/private?token=***#1", (), "Private"),
    ],
    ids=["file", "glob", "none", "url", "other-url", "folder", "tag", "first-wins", "token"],
)
def test_section_of_matches_files_globs_folders_urls_and_tags(
    tmp_path, monkeypatch, source, tags, expected
):
    """An item goes under the first section naming its file, glob, folder, feed URL or a tag
    (a private feed's items name it with its token masked: sources/__init__.py)."""
    monkeypatch.chdir(tmp_path)
    assert section_of(source, tags, SECTIONS, tmp_path) == expected


TOML = """
related = 1
[[sections]]
name = "World"
sources = ["feeds/world.xml"]

[[sections]]
name = "Culture"
tags = ["culture"]

[[sections]]
name = "Sport"
sources = ["feeds/sport.xml"]
"""


@pytest.fixture
def ws(tmp_path, monkeypatch):
    """A flood lead, a world feed, a culture story and a loose feed; the Sport section has nothing."""
    monkeypatch.chdir(tmp_path)
    return make(
        tmp_path,
        {
            "seeds/lead.md": LEAD,
            "seeds/museum.md": story(
                "The museum reopens its doors", "Visitors queued.", tags="[culture]"
            ),
            "feeds/world.xml": rss(
                ("River floods close the valley roads", "https://example.org/w1", "Roads shut."),
                ("Elections called in the north", "https://example.org/w2", "A vote in May."),
                ("Trade talks resume", "https://example.org/w3", "Ministers meet."),
            ),
            "feeds/loose.xml": rss(("A cat is elected mayor", "https://example.org/l1", "Purr.")),
        },
        toml=TOML,
    )


def test_items_are_grouped_in_section_order_after_related_and_empty_sections_are_left_out(ws):
    """World holds its headlines (Sport and Culture, empty, are left out); Related comes first,
    right under the lead and before the card, the loose item is in More, and the card tagged for
    Culture stays a card (not under a Culture heading)."""
    result = build_in(ws, "seeds", "feeds")
    issue = result.issue
    assert [h.title for h in issue.related] == ["River floods close the valley roads"]
    assert [s.name for s in issue.sections] == ["World"]
    (world,) = issue.sections
    assert {h.title for h in world.headlines} == {
        "Elections called in the north",
        "Trade talks resume",
    }
    assert [c.title for c in issue.stories] == ["The museum reopens its doors"]
    assert [h.title for h in issue.more] == ["A cat is elected mayor"]
    text = (result.folder / "index.txt").read_text("utf-8")
    order = [text.index(h) for h in ("Related\n", "The museum", "World\n", "More headlines\n")]
    assert order == sorted(order) and "Sport" not in text and "Culture\n" not in text
    html = (result.folder / "index.html").read_text("utf-8")
    assert ">World</h2>" in html
    assert ">Sport</h2>" not in html
    assert '<h2 class="card-title"' in html  # a card under the lead is an h2


def test_sections_are_in_the_manifest_and_moving_a_headline_or_a_card_renders(ws):
    """[[sections]] and each headline's `section` are written; the editor's `section` moves a
    headline, and a card, under that heading."""
    result = build_in(ws, "seeds", "feeds")
    manifest = result.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    assert '[[sections]]\nname = "World"' in text and 'section = "World"' in text
    assert "Sport" not in text  # empty: left out
    text = text.replace(
        '[[more]]\ntitle = "A cat is elected mayor"',
        '[[more]]\nsection = "World"\ntitle = "A cat is elected mayor"',
    ).replace(
        '[[stories]]\ntitle = "The museum reopens its doors"',
        '[[stories]]\nsection = "World"\ntitle = "The museum reopens its doors"',
    )
    manifest.write_text(text, "utf-8")
    again = rebuild_in(ws, result.folder)
    (world,) = again.issue.sections
    assert "A cat is elected mayor" in [h.title for h in world.headlines]
    assert again.issue.more == () and again.issue.stories == ()
    assert [c.title for c in world.stories] == ["The museum reopens its doors"]
    assert "More headlines" not in (result.folder / "index.txt").read_text("utf-8")
    assert '<h3 class="card-title"' in (result.folder / "index.html").read_text("utf-8")


def test_a_section_the_manifest_does_not_list_is_refused_with_its_line(ws):
    """A `section` naming no [[sections]] entry is an error naming the line and the known names."""
    from newsletter.errors import ManifestError

    result = build_in(ws, "seeds", "feeds")
    manifest = result.folder / "issue.toml"
    manifest.write_text(
        manifest.read_text("utf-8").replace('\nsection = "World"\n', '\nsection = "Wrold"\n', 1),
        "utf-8",
    )
    with pytest.raises(
        ManifestError,
        match=r"issue\.toml:\d+: more\[1\]\.section: 'Wrold' is not a \[\[sections\]\] name \(known: 'World'\)",
    ):
        rebuild_in(ws, result.folder)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            [{"name": "World", "source": ["x"]}],
            r"sections\[1\]: unknown key 'source' \(did you mean 'sources'\?\)",
        ),
        ([{"sources": ["x"]}], r"sections\[1\]\.name: missing"),
        ([{"name": "World"}], r"sections\[1\] \('World'\): give its sources"),
        (
            [{"name": "World", "tags": "a"}, {"name": "world", "tags": "b"}],
            r"sections\[2\]\.name: 'world' is already a section",
        ),
        ([{"name": "World", "sources": [1]}], r"sections\[1\]\.sources: expected a list of text"),
        ({"name": "World"}, r"sections: write each one as a \[\[sections\]\] table"),
    ],
    ids=["typo", "no-name", "nothing-in-it", "twice", "not-text", "not-array"],
)
def test_bad_sections_in_newsletter_toml_are_one_clear_error(sections, message):
    """Each mistake in [[sections]] names newsletter.toml, the entry and the key."""
    with pytest.raises(ConfigError, match=r"^newsletter\.toml: " + message):
        settings_from_mapping({"sections": sections})


def test_sections_load_from_newsletter_toml():
    """[[sections]] becomes the settings' sections in order, a single string accepted as a list."""
    settings = settings_from_mapping(
        {"sections": [{"name": "A", "sources": "feeds/a.xml"}, {"name": "B", "tags": ["b"]}]}
    )
    assert settings.sections == (
        SectionSettings("A", ("feeds/a.xml",), ()),
        SectionSettings("B", (), ("b",)),
    )


def test_a_feed_entry_s_category_is_a_tag_sections_can_name(tmp_path, monkeypatch):
    """An RSS <category> is a tag: the entry goes under the section that names it."""
    monkeypatch.chdir(tmp_path)
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>A poetry prize is awarded</title><link>https://example.org/p</link>"
        "<category>Culture</category><description>Verse.</description></item>"
        "<item><title>Rates are held</title><link>https://example.org/r</link>"
        "<description>Money.</description></item></channel></rss>"
    )
    ws = make(
        tmp_path,
        {"seeds/lead.md": LEAD, "feeds/wires.xml": feed},
        toml='related = 0\n[[sections]]\nname = "Culture"\ntags = ["culture"]\n',
    )
    result = build_in(ws, "seeds", "feeds")
    [culture] = result.issue.sections
    assert [h.title for h in culture.headlines] == ["A poetry prize is awarded"]
    assert [h.title for h in result.issue.more] == ["Rates are held"]
