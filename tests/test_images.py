"""Images made for email: they fit the column, lead as a hero, and bad ones stop the build."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.errors import ManifestError, SourceError, TemplateError
from newsletter.render.html_steps import check_images_and_links, fit_images
from newsletter.sources import load_sources
from tests.conftest import SAMPLE_DATE
from tests.support.browser import chromium

OPTIONS = AssembleOptions(today=SAMPLE_DATE)
BIG = "https://images.example.org/big-photo.png"

STORY = f"""\
---
title: Border towns wait
lead: true
---

![A queue of trucks at the border crossing]({BIG})

For the towns on either side of the border, the crossing is how people get to
work. Local traders describe longer queues and fewer customers this month.

Another paragraph, with a [link](https://example.org/queues).
"""


def png(width: int, height: int) -> bytes:
    """A real PNG of the given size (one grey colour), made without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x88" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def write_story(workspace: Path, text: str = STORY, name: str = "story.md") -> Path:
    path = workspace / "seeds" / name
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (
            '<img src="https://x.org/a.png" alt="A">',
            '<img src="https://x.org/a.png" alt="A" width="552" style="display:block;max-width:100%;height:auto;width:auto;max-height:400px">',
        ),
        (
            '<img src="https://x.org/a.png" alt="A" width="1600" height="900">',
            '<img src="https://x.org/a.png" alt="A" width="552" height="310" style="display:block;max-width:100%;height:auto;width:100%">',
        ),
        (
            '<img class="thumb" src="https://x.org/a.png" alt="A" width="600" height="400">',
            '<img class="thumb" src="https://x.org/a.png" alt="A" width="120" height="80" style="display:block;max-width:100%;height:auto">',
        ),
        (
            '<img src="https://x.org/a.png" alt="A" style="display:none">',
            '<img src="https://x.org/a.png" alt="A" width="552" style="display:none;display:block;max-width:100%;height:auto;width:auto;max-height:400px;display:none">',
        ),
        (
            '<img src="https://x.org/a.png" alt="A" width="1200" height="1800">',
            '<img src="https://x.org/a.png" alt="A" width="267" height="400" style="display:block;max-width:100%;height:auto">',
        ),
        (
            '<img class="thumb" src="https://x.org/a.png" alt="A" width="400" height="1600">',
            '<img class="thumb" src="https://x.org/a.png" alt="A" width="30" height="120" style="display:block;max-width:100%;height:auto">',
        ),
        (
            '<img class="thumb" src="https://x.org/a.png" alt="A">',
            '<img class="thumb" src="https://x.org/a.png" alt="A" width="120" style="display:block;max-width:100%;height:auto;width:auto;max-height:120px;max-width:120px">',
        ),
        (
            '<img src="https://x.org/a.png" alt="A" width="120" style="border:0">',
            '<img src="https://x.org/a.png" alt="A" width="120" style="border:0;display:block;max-width:100%;height:auto">',
        ),
    ],
    ids=[
        "no-width",
        "too-wide",
        "thumbnail",
        "hidden-kept-hidden",
        "tall-shrunk-to-400",
        "tall-thumbnail-in-its-box",
        "unknown-thumbnail-in-its-box",
        "small-kept",
    ],
)
def test_fit_images_gives_every_image_a_column_width(tag, expected):
    """Each <img> gets a width of at most 552 px (a thumbnail 120), a height scaled to it when
    its size is known, at most 400 px tall (a thumbnail 120) and max-width:100%;height:auto;
    an image of unknown size keeps its ratio in that box by CSS; a hidden image stays hidden."""
    assert fit_images(f"<p>{tag}</p>") == f"<p>{expected}</p>"


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ('<img src="images/map.png" alt="Map">', "image 'images/map.png' is not an absolute"),
        ('<img src="https://x.org/a.png">', "image https://x.org/a.png has no alt text"),
        ('<img src="https://x.org/a.png" alt=" ">', "has no alt text"),
        ('<a href="/archive">x</a>', "link '/archive' is not absolute"),
    ],
)
def test_template_images_and_links_must_be_absolute_and_described(html, message):
    """An image or link a template adds without alt text or an absolute address is an error."""
    with pytest.raises(TemplateError, match=message):
        check_images_and_links(html)


def test_merge_tag_links_and_mailto_pass_the_check():
    """The unsubscribe merge tag and mailto: links are fine where an absolute URL is wanted."""
    html = '<a href="%%unsubscribe_url%%">u</a><a href="mailto:a@example.org">m</a>'
    assert check_images_and_links(html) == html


def test_markdown_first_image_leads_as_a_hero_under_the_title(workspace, settings):
    """A Markdown story's first image becomes the hero under the lead title, fitted to the
    column and at most 400 px tall (its size unknown, by CSS), once."""
    write_story(workspace)
    result = build(["seeds"], settings, OPTIONS)
    html = result.rendered.html
    hero = html.index(f'src="{BIG}"')
    assert hero > html.index("<h1")
    assert html.count(BIG) == 1
    assert re.search(
        r'width="552" style="[^"]*display:block;max-width:100%;height:auto;width:auto;max-height:400px"',
        html,
    )
    assert result.issue.lead.image == BIG
    assert result.issue.lead.image_alt == "A queue of trucks at the border crossing"


def test_hero_image_survives_the_manifest(workspace, settings):
    """The lead image is written to issue.toml and rendered again from it."""
    write_story(workspace)
    folder = build(["seeds"], settings, OPTIONS).folder
    manifest = (folder / "issue.toml").read_text("utf-8")
    assert f'image = "{BIG}"' in manifest and 'image_alt = "A queue of trucks' in manifest
    again = build([str(folder)], settings, OPTIONS)
    assert again.rendered.html.index(BIG) > again.rendered.html.index("<h1")


def test_front_matter_image_is_the_hero(workspace, settings):
    """`image:` with `image_alt:` in front matter leads the story."""
    write_story(
        workspace,
        STORY.replace(
            "lead: true",
            "lead: true\nimage: https://images.example.org/f.jpg\nimage_alt: A harbour at dawn",
        ),
    )
    html = build(["seeds"], settings, OPTIONS).rendered.html
    assert html.index('alt="A harbour at dawn"') > html.index("<h1")


def test_front_matter_image_without_alt_is_an_error_naming_the_line(workspace):
    """An `image:` without `image_alt:` stops the build at that front-matter line."""
    path = write_story(
        workspace,
        STORY.replace("lead: true", "lead: true\nimage: https://images.example.org/f.jpg"),
    )
    with pytest.raises(
        SourceError, match=r"seeds/story.md:4: front matter 'image': has no image_alt"
    ):
        load_sources([path])


@pytest.mark.parametrize(
    ("image", "line", "message"),
    [
        ("![Map](images/map.png)", 6, "image 'images/map.png' is not an absolute https:// address"),
        (f"![]({BIG})", 6, f"image {BIG} has no alt text"),
        ("[the map](map.html)", 6, "link 'map.html' is not an absolute"),
    ],
    ids=["relative-src", "no-alt", "relative-link"],
)
def test_bad_markdown_images_and_links_name_file_and_line(workspace, image, line, message):
    """A relative src, a missing alt or a relative link is an error at its line in the story."""
    path = write_story(
        workspace, STORY.replace(f"![A queue of trucks at the border crossing]({BIG})", image)
    )
    with pytest.raises(SourceError) as caught:
        load_sources([path])
    assert str(caught.value).startswith(f"seeds/story.md:{line}: {message}")


def test_bad_image_later_in_a_story_names_its_own_line(workspace):
    """The line reported is the image's own, counted in the file, front matter and title included."""
    path = write_story(
        workspace, "# A title\n\nFirst paragraph.\n\nSecond one,\nwith ![x](pic.png) here.\n"
    )
    with pytest.raises(SourceError, match=r"^seeds/story.md:6: image 'pic.png'"):
        load_sources([path])


def test_a_relative_image_edited_into_the_manifest_names_its_line(workspace, settings):
    """A relative image written into a Markdown lead's body in issue.toml is an error at its line."""
    write_story(workspace)
    folder = build(["seeds"], settings, OPTIONS).folder
    manifest = folder / "issue.toml"
    text = manifest.read_text("utf-8")
    manifest.write_text(
        text.replace("Another paragraph", "![Map](map.png) Another paragraph"), "utf-8"
    )
    line = next(
        n for n, row in enumerate(manifest.read_text("utf-8").split("\n"), 1) if "map.png" in row
    )
    with pytest.raises(ManifestError, match=rf"issue.toml:{line}: lead.body: image 'map.png'"):
        build([str(folder)], settings, OPTIONS)


def test_preheader_never_comes_from_alt_text(workspace, settings):
    """A story that opens with an image gets its preheader from its text, not the image's alt."""
    write_story(workspace, STORY.replace("title: Border towns wait\n", ""))
    result = build(["seeds"], settings, OPTIONS)
    assert "queue of trucks" not in result.issue.preheader
    assert "queue of trucks" not in result.issue.lead.title
    assert result.issue.preheader.startswith(("For the towns", "Local traders"))


def test_feed_enclosure_and_media_content_lead_as_hero(workspace, settings):
    """A feed entry carrying its full story and an image (enclosure or media:content) leads with it."""
    body = " ".join(["The border towns wait for news of the crossing."] * 30)
    feed = f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>W</title>
<item><title>Border towns wait</title><link>https://example.org/a</link>
<description>short</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>{body}</p>]]></content:encoded>
<media:content url="https://images.example.org/m.jpg" medium="image"/>
</item></channel></rss>"""
    (workspace / "seeds" / "world.xml").write_text(feed, "utf-8")
    loaded = load_sources([workspace / "seeds" / "world.xml"])
    assert loaded.stories[0].image == "https://images.example.org/m.jpg"
    assert loaded.stories[0].image_alt == "Border towns wait"
    enclosure = feed.replace(
        '<media:content url="https://images.example.org/m.jpg" medium="image"/>',
        '<enclosure url="https://images.example.org/e.jpg" type="image/jpeg" length="1"/>',
    )
    (workspace / "seeds" / "world.xml").write_text(enclosure, "utf-8")
    result = build([str(workspace / "seeds" / "world.xml")], settings, OPTIONS)
    assert result.rendered.html.index(
        "https://images.example.org/e.jpg"
    ) > result.rendered.html.index("<h1")


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 640])
def test_a_1600_px_image_never_overflows_the_screen(workspace, settings, width):
    """In Chromium at 375 and 640 px, a 1,600 px photo shrinks to fit: no horizontal scroll."""
    write_story(workspace)
    folder = build(["seeds"], settings, OPTIONS).folder
    photo = png(1600, 400)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.route(
            BIG, lambda route: route.fulfill(status=200, content_type="image/png", body=photo)
        )
        page.goto((folder / "index.html").as_uri())
        page.wait_for_function(
            "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
        )
        natural, shown = page.evaluate(
            f"() => {{ const i = [...document.images].find(i => i.src === '{BIG}'); "
            "return [i.naturalWidth, i.getBoundingClientRect().width]; }"
        )
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        text_right = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('p')].map(p => p.getBoundingClientRect().right))"
        )
    assert natural == 1600
    assert shown <= min(width, 552)
    assert overflow <= 0
    assert text_right <= width
