"""The email on a phone, measured in Chromium with images on (each remote image answered with
a 3:2 photo): the lead's headline on the first screen, 44 px story links, 24 px footer links
8 px apart, no sideways scroll, thumbnails beside the text on a wide screen and on a phone,
tall photos kept short, and the dark logo in dark mode."""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_DATE, SAMPLE_SEED
from tests.support.browser import chromium
from tests.support.full_week import build_full_week, copy_full_week

FIRST_SCREEN_TOP = 450  # the lead's headline starts within a 375x667 screen, bars and all
STORY_LINK_PX = 44  # Apple's HIG tap target
FOOTER_LINK_PX = 24  # WCAG 2.5.8 target size (minimum)
FOOTER_GAP_PX = 8
FULL_WEEK_SECTIONS = ["Related", "World", "Science & climate", "Culture", "More headlines"]


def photo_png(width: int = 600, height: int = 400) -> bytes:
    """A real 3:2 PNG (one grey), what a phone with images on shows for any remote image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PHOTO = photo_png()

_MEASURE = """() => {
  const box = e => e.getBoundingClientRect();
  const h1 = document.querySelector('h1');
  const story = [...document.querySelectorAll('a.story-link, a.more, a.lone-link')].map(a => ({
      text: a.textContent.trim().slice(0, 40), h: box(a).height}));
  const footer = [...document.querySelectorAll('a.footer-link')].map(a => {
      const r = box(a); return {text: a.textContent.trim(), h: r.height,
                               left: r.left, right: r.right, top: r.top, bottom: r.bottom}});
  const thumbs = [...document.querySelectorAll('img.thumb')].map(i => {
      const r = box(i); const title = i.closest('.card').querySelector('.card-title');
      const summary = i.closest('.card').querySelector('.card-summary');
      return {w: r.width, h: r.height,
              beside: r.top < box(title).bottom && r.left > box(title).left,
              summary_below: summary ? box(summary).top >= r.bottom : null}});
  const px = (e, prop) => parseFloat(getComputedStyle(e)[prop]);
  const labels = [...document.querySelectorAll('h2.section-head')].map(h => ({
      text: h.textContent.trim(), size: px(h, 'fontSize'),
      upper: getComputedStyle(h).textTransform === 'uppercase'}));
  const titles = [...document.querySelectorAll('.item-title')].map(t => px(t, 'fontSize'));
  const cards = [...document.querySelectorAll('.card-title')].map(t => px(t, 'fontSize'));
  const measures = [...document.querySelectorAll('.item-summary, .card-summary')].map(e => {
      const r = document.createRange(); r.selectNodeContents(e);
      const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;
      return e.textContent.trim().length / lines});
  const foot = document.querySelector('.footer-block');
  const rule = foot ? px(foot, 'borderTopWidth') : 0;
  const hero = document.querySelector('img.hero-image');
  const times = [...document.querySelectorAll('p, span')].filter(
      e => e.children.length === 0 && /min read/.test(e.textContent)).map(
      e => ({text: e.textContent.trim(), lines: e.getClientRects().length,
             nowrap: getComputedStyle(e).whiteSpace === 'nowrap'}));
  return {h1: h1 ? box(h1).top + scrollY : null, story, footer, thumbs, times,
          hero: hero ? {w: box(hero).width, h: box(hero).height} : null, labels, titles, rule,
          cards, lead: h1 ? px(h1, 'fontSize') : null,
          measures,
          scroll: document.documentElement.scrollWidth};
}"""


def measure(
    html_path: Path, width: int, height: int, scheme: str = "light", photo: bytes = PHOTO
) -> dict:
    """Open the page at width x height with images on (each one `photo`) and measure what a
    reader meets."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
        page.route(
            re.compile(r"^https?://"),
            lambda route: (
                route.fulfill(status=200, content_type="image/png", body=photo)
                if route.request.resource_type == "image"
                else route.abort()
            ),
        )
        page.goto(html_path.as_uri(), wait_until="load")
        facts = page.evaluate(_MEASURE)
        facts["html"] = html_path.read_text("utf-8")
        facts["logos"] = page.evaluate(
            "() => [...document.querySelectorAll('img[class^=logo]')].map(i => "
            "[i.className, i.getBoundingClientRect().height > 0])"
        )
        page.close()
    return facts


def footer_gaps(links: list[dict]) -> list[float]:
    """The space between each pair of footer links, side by side or one above the other."""
    gaps = []
    for i, a in enumerate(links):
        for b in links[i + 1 :]:
            horizontal = max(b["left"] - a["right"], a["left"] - b["right"])
            vertical = max(b["top"] - a["bottom"], a["top"] - b["bottom"])
            gaps.append(max(horizontal, vertical))
    return gaps


def build_root_sample(folder: Path) -> Path:
    """The repository's own sample (a seed without a URL) built into `folder`."""
    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.config import load_settings

    folder.mkdir(parents=True)
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    (folder / "seeds").mkdir()
    shutil.copy(SAMPLE_SEED, folder / "seeds" / SAMPLE_SEED.name)
    settings, _ = load_settings(folder)
    return build([str(folder / "seeds")], settings, AssembleOptions(today=SAMPLE_DATE)).folder


LONG_NOTE = (
    "This week we read everything about the river so you do not have to. " * 30
    + "\n\n[Tell us what you think](https://brief.example.org/survey)\n\n"
    + "- [Last week's issue](https://brief.example.org/2026-W47/)\n"
    + "- [The archive](https://brief.example.org/)\n"
)
LONG_TITLE = (
    "After five days above its banks the Danube begins to fall, and the towns from the "
    "Austrian border to the Hungarian plain count what the water took from them this week"
)


def build_hard_week(folder: Path) -> Path:
    """The full-week sample at its worst: a 400-word note ending in links of its own, a
    160-character title, a publisher beside "Read the full story", a tall lead photo of known
    size, the widest logo and a dark logo."""
    import dataclasses

    from newsletter.config import load_settings

    copy_full_week(folder)
    note = folder / "seeds" / "00-note.md"
    note.write_text(note.read_text("utf-8") + "\n" + LONG_NOTE + "\n", "utf-8")
    lead = folder / "seeds" / "01-danube-floods.md"
    text = lead.read_text("utf-8").replace(
        "title: Danube towns count the cost as the floodwaters recede", f"title: {LONG_TITLE}"
    )
    text = text.replace(
        "lead: true",
        "lead: true\nsource: The Independent\nimage: https://brief.example.org/tall.jpg\n"
        "image_alt: A tall photo\n"
        "image_width: 1200\nimage_height: 1800",
    )
    lead.write_text(text, "utf-8")
    settings, _ = load_settings(folder)
    brand = dataclasses.replace(
        settings.brand, logo_width=552, logo_dark="https://brief.example.org/logo-dark.png"
    )
    return build_full_week(folder, brand=brand).folder


@pytest.fixture(scope="module")
def weeks(tmp_path_factory) -> dict[str, Path]:
    """Three built issues: the root sample, the full-week sample and the hard week."""
    root = tmp_path_factory.mktemp("phone")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
        patch.chdir(root)
        sample = build_root_sample(root / "sample")
        patch.chdir(copy_full_week(root / "full-week"))
        full = build_full_week(root / "full-week").folder
        patch.chdir(root)
        hard_root = root / "hard"
        hard_root.mkdir()
        patch.chdir(hard_root)
        hard = build_hard_week(hard_root)
    return {"sample": sample, "full-week": full, "hard": hard}


@pytest.mark.slow
@pytest.mark.parametrize("week", ["sample", "full-week", "hard"])
@pytest.mark.parametrize(("width", "height"), [(375, 667), (390, 844)])
def test_the_lead_headline_is_on_the_first_screen_and_every_link_is_a_tap_target(
    weeks, week, width, height
):
    """The h1 starts within 450 px; story links (and a note's links standing on their own) are
    44 px tall, footer links 24 px and 8 px apart; the preheader is at most 90 characters; a
    reading time ("· 1-min read") is never split over two lines."""
    facts = measure(weeks[week] / "index.html", width, height)
    hidden = re.search(r'<div style="display:none[^>]*>([^<]*)</div>', facts["html"])
    assert hidden is not None
    preheader = hidden.group(1).split("\u200c", 1)[0]
    assert 0 < len(preheader) <= 90, preheader
    if week == "hard":
        assert (
            sum(a["text"] in ("The archive", "Tell us what you think") for a in facts["story"]) == 2
        )
    assert facts["h1"] is not None and facts["h1"] <= FIRST_SCREEN_TOP, facts["h1"]
    assert facts["scroll"] <= width
    short = [a for a in facts["story"] if a["h"] < STORY_LINK_PX]
    assert short == []
    assert len(facts["footer"]) == 2
    assert all(a["h"] >= FOOTER_LINK_PX for a in facts["footer"]), facts["footer"]
    assert min(footer_gaps(facts["footer"])) >= FOOTER_GAP_PX
    # The reading time keeps together wherever the line falls (on a phone "read" was left
    # alone on the next line); the root sample has no story link, so shows none.
    assert week == "sample" or facts["times"], facts["times"]
    assert all(t["lines"] == 1 and t["nowrap"] for t in facts["times"]), facts["times"]


@pytest.mark.slow
def test_thumbnails_sit_beside_the_text_on_a_wide_screen_and_on_a_phone(weeks):
    """Card photos are thumbnails beside the title: 120 px wide at 640 px, 96 px at 375 px."""
    wide = measure(weeks["full-week"] / "index.html", 640, 900)
    phone = measure(weeks["full-week"] / "index.html", 375, 667)
    assert len(wide["thumbs"]) == 3
    assert all(t["w"] == 120 and t["beside"] for t in wide["thumbs"])
    assert all(t["w"] == 96 and t["beside"] for t in phone["thumbs"]), phone["thumbs"]
    # on a phone the summary starts under the photo, not in a sliver beside it
    assert all(t["summary_below"] for t in phone["thumbs"]), phone["thumbs"]
    assert not any(t["summary_below"] for t in wide["thumbs"]), wide["thumbs"]


@pytest.mark.slow
@pytest.mark.parametrize("week", ["sample", "full-week"])
def test_section_names_read_as_labels_and_a_rule_sets_the_footer_apart(weeks, week):
    """Related, each [[sections]] name and More headlines are small capitals, smaller than the
    headlines under them (a label, not one more headline); a rule sits over the footer."""
    facts = measure(weeks[week] / "index.html", 375, 667)
    names = {"sample": ["Related", "More headlines"], "full-week": FULL_WEEK_SECTIONS}[week]
    assert [label["text"] for label in facts["labels"]] == names
    assert all(label["upper"] for label in facts["labels"])
    assert max(label["size"] for label in facts["labels"]) < min(facts["titles"])
    assert facts["rule"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 640])
def test_a_storys_title_reads_a_size_above_the_headline_lists(weeks, width):
    """A card's title (another story of the week) is at least 3 px larger than the headlines
    of Related and the sections (17 px) and smaller than the lead's: at 18 px it read as one
    more Related headline, where a digest's stories stand above its lists of links."""
    facts = measure(weeks["full-week"] / "index.html", width, 900)
    assert len(facts["cards"]) == 3
    assert min(facts["cards"]) >= max(facts["titles"]) + 3, (facts["cards"], facts["titles"])
    assert max(facts["cards"]) < facts["lead"]


_LIST_GAPS = """() => {
  const text = e => { const r = document.createRange(); r.selectNodeContents(e);
                      return r.getBoundingClientRect(); };
  const gaps = [];
  for (const li of document.querySelectorAll('ul.items li')) {
    const next = li.nextElementSibling, source = li.querySelector('.meta');
    if (!next || !source || li.querySelector('.item-summary')) continue;
    gaps.push({above: text(source).top - text(li.querySelector('.item-title')).bottom,
               below: text(next.querySelector('.item-title')).top - text(source).bottom});
  }
  return gaps;
}"""


@pytest.fixture(scope="module")
def suez_week(tmp_path_factory) -> Path:
    """The Suez week built with the root sample's newsletter.toml: summaries under Related
    only, so its 19 More headlines are each a title and the site it links to."""
    import datetime as dt

    from newsletter.assemble import AssembleOptions
    from newsletter.build import build
    from newsletter.config import load_settings

    folder = tmp_path_factory.mktemp("suez")
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    for part in ("seeds", "feeds"):
        shutil.copytree(
            ROOT / "tests" / "data" / "weeks" / "suez-2021" / "week1" / part, folder / part
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
        patch.chdir(folder)
        settings, _ = load_settings(folder)
        options = AssembleOptions(today=dt.date(2021, 3, 27))
        return build(["seeds", "feeds"], settings, options).folder


@pytest.mark.slow
def test_a_headlines_source_sits_under_it_not_between_two(suez_week):
    """In a list without summaries each source line is at most 12 px under its own title and
    at least twice that from the next one (it sat 16 px from its title and 25 px from the
    next, and read as either's), every title still a 44 px tap target."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 375, "height": 667})
        page.goto((suez_week / "index.html").as_uri())
        gaps = page.evaluate(_LIST_GAPS)
        page.close()
    facts = measure(suez_week / "index.html", 375, 667)
    # More headlines: 18 (the Cairo card's own article is folded under it), the last has
    # none after it
    assert len(gaps) >= 17, gaps
    assert all(g["above"] <= 12 and g["below"] >= 2 * g["above"] for g in gaps), gaps
    assert [a for a in facts["story"] if a["h"] < STORY_LINK_PX] == []


@pytest.mark.slow
def test_summaries_keep_a_readable_line_length_on_a_wide_screen(weeks):
    """At 640 px a summary's lines hold at most about 75 characters (30em), as a book's or
    Ghost's excerpts do, not the 90 and more of the whole 552 px column."""
    facts = measure(weeks["full-week"] / "index.html", 640, 900)
    assert len(facts["measures"]) == 17  # 14 headline summaries and 3 cards'
    assert max(facts["measures"]) <= 75, facts["measures"]


_PROSE_LINES = """() => {
  // The characters on each full line (the last, short one aside) of the lead's and the note's
  // paragraphs, counted a character at a time by where it is drawn.
  return [...document.querySelectorAll('h1 ~ p, h1 ~ div p, .note p')].filter(
      p => !p.closest('ul.items, .card') && !p.matches('.hero, .read-on, .previously, .meta, .signoff')
  ).map(p => {
    const lines = new Map(), walk = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      for (let i = 0; i < n.length; i++) {
        const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
        const box = r.getClientRects()[0];
        if (box) lines.set(Math.round(box.top), (lines.get(Math.round(box.top)) || 0) + 1);
      }
    }
    return [...lines.entries()].sort((a, b) => a[0] - b[0]).map(e => e[1]).slice(0, -1);
  }).filter(lines => lines.length > 0);
}"""


@pytest.mark.slow
@pytest.mark.parametrize("week", ["sample", "full-week"])
def test_the_lead_and_the_note_keep_a_readable_line_length_on_a_wide_screen(weeks, week):
    """At 640 px no full line of the lead's or the note's paragraphs passes 75 characters (a
    book's measure, 28em): across the whole 552 px column they ran to 85, and the eye lost
    its way back to the next line."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 640, "height": 900})
        page.goto((weeks[week] / "index.html").as_uri())
        paragraphs = page.evaluate(_PROSE_LINES)
        page.close()
    # the sample's lead is its whole story (no URL), the full week's a summary and the note
    assert len(paragraphs) >= {"sample": 5, "full-week": 2}[week], paragraphs
    assert max(max(lines) for lines in paragraphs) <= 75, paragraphs
    assert min(max(lines) for lines in paragraphs) >= 50, paragraphs


_HEADLINE_LINES = """(selector) => [...document.querySelectorAll(selector)].map(title => {
  // the text's own boxes, one a line (not the boxes of a block link around it)
  const lines = new Map();
  const walk = document.createTreeWalker(title, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const r = document.createRange(); r.selectNodeContents(n);
    for (const box of r.getClientRects()) {
      const top = Math.round(box.top);
      lines.set(top, (lines.get(top) || 0) + box.width);
    }
  }
  return [...lines.entries()].sort((a, b) => a[0] - b[0]).map(e => Math.round(e[1]));
})"""


def headline_lines(html_path: Path, width: int, selector: str) -> list[list[int]]:
    """The width of each line of each element matching `selector`, at `width` px."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(html_path.as_uri())
        lines = page.evaluate(_HEADLINE_LINES, selector)
        page.close()
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("week", ["sample", "full-week", "hard"])
@pytest.mark.parametrize("width", [375, 640])
def test_the_lead_headline_wraps_in_balanced_lines(weeks, week, width):
    """The lead's headline breaks into lines of even length, as a printed front page sets it:
    at 640 px the sample's ended with "border" alone on its second line."""
    (lines,) = headline_lines(weeks[week] / "index.html", width, "h1")
    assert len(lines) >= 2, lines
    assert min(lines) >= 0.6 * max(lines), lines


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 640])
def test_story_and_list_titles_wrap_in_balanced_lines(weeks, suez_week, width):
    """A card's or a list's title over two lines or more leaves no word alone on its last
    line: at 375 px the full week's "Satellites tracked the Danube flood hour by" had "hour"
    under it, as a printed digest never sets a headline."""
    titles = [
        lines
        for folder in (weeks["full-week"], suez_week)
        for lines in headline_lines(folder / "index.html", width, ".card-title, .item-title")
    ]
    assert len(titles) > 40
    wrapped = [lines for lines in titles if len(lines) > 1]
    assert wrapped, titles
    assert [lines for lines in wrapped if min(lines) < 0.5 * max(lines)] == []


@pytest.mark.slow
def test_tall_photos_of_unknown_size_stay_short_and_keep_their_shape(tmp_path, monkeypatch):
    """A feed's 1:4 photo (no size given) is at most 400 px tall as the lead and fits the
    thumbnail's box as a card, its ratio kept, with no sideways scroll, on a phone and wide."""
    from tests.support.full_week import rebuild

    monkeypatch.delenv("NEWSLETTER_UNSUBSCRIBE_SECRET", raising=False)
    monkeypatch.chdir(copy_full_week(tmp_path / "tall"))
    folder = build_full_week(tmp_path / "tall").folder
    manifest = folder / "issue.toml"
    manifest.write_text(manifest.read_text("utf-8").replace("/photos/", "/photos/tall-"), "utf-8")
    rebuild(folder)
    tall = photo_png(100, 400)
    for width, box in ((375, 96), (640, 120)):
        facts = measure(folder / "index.html", width, 667, photo=tall)
        assert facts["hero"] == {"w": 100, "h": 400}, facts["hero"]
        assert len(facts["thumbs"]) == 3
        assert all(t["h"] == box and t["w"] == box / 4 and t["beside"] for t in facts["thumbs"])
        assert facts["scroll"] == width


@pytest.mark.slow
def test_the_dark_logo_shows_only_in_dark_mode(weeks):
    """[brand] logo_dark: the light logo in light mode, the dark one in dark mode."""
    light = measure(weeks["hard"] / "index.html", 375, 667, "light")
    dark = measure(weeks["hard"] / "index.html", 375, 667, "dark")
    assert dict(light["logos"]) == {"logo-light": True, "logo-dark": False}
    assert dict(dark["logos"]) == {"logo-light": False, "logo-dark": True}
