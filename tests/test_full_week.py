"""The full-week sample (samples/full-week/): golden files, the issue's budget, its checks,
the manifest round trip, and a real Chromium at 375 and 640 px in light and dark mode."""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest
from bs4 import BeautifulSoup

from newsletter.brand import contrast_ratio
from newsletter.check.run import check_issue
from newsletter.config import load_settings
from tests.conftest import ROOT
from tests.support.browser import chromium
from tests.support.full_week import FULL_WEEK, build_full_week, full_week, rebuild  # noqa: F401

GOLDEN = ROOT / "tests" / "golden"
BUDGET_BYTES = 40 * 1024


@pytest.fixture
def built(full_week):  # noqa: F811
    """The full-week sample built into issues/2026-W48 of a fresh copy."""
    return build_full_week(full_week)


@pytest.mark.parametrize("name", ["index.html", "index.txt"])
def test_full_week_matches_golden_file(built, update_golden, name):
    """The full-week web version and text match tests/golden/ (rewrite with --update-golden)."""
    golden = GOLDEN / f"full-week.{name.split('.')[1]}"
    actual = (built.folder / name).read_text("utf-8")
    if update_golden:
        golden.write_text(actual, "utf-8")
    assert actual == golden.read_text("utf-8"), (
        f"output differs from {golden}; run pytest --update-golden and review"
    )


def test_committed_sample_issue_is_what_the_sources_build(built):
    """samples/full-week/issues/2026-W48 is what `make demo` builds today (rebuild it if not)."""
    committed = FULL_WEEK / "issues" / "2026-W48"
    for name in ("index.html", "index.txt", "issue.toml"):
        assert (built.folder / name).read_bytes() == (committed / name).read_bytes(), name


def test_full_week_has_every_part_the_issue_asks_for(built):
    """A note, 3 cards with images under the lead, 5+ Related with summaries, 3 sections, and
    the whole within the length budget (20 items, 1,000 words): a digest is finishable."""
    from newsletter.render.length import issue_length

    issue = built.issue
    cards = (*issue.stories, *(c for s in issue.sections for c in s.stories))
    assert issue.note is not None and issue.note.signoff == "— The editors"
    assert len(cards) == 3 and all(c.image and c.image_alt for c in cards)
    assert issue.stories == cards  # under the lead, where the editor put them
    assert len(issue.related) >= 5 and all(h.headline.summary for h in issue.related)
    assert [s.name for s in issue.sections] == ["World", "Science & climate", "Culture"]
    length = issue_length(issue, more_summaries=True)
    assert length.items <= 20 and length.words <= 1000


def test_full_week_stays_within_budget(built):
    """The HTML is at most 40 KB, and every link and image is absolute and described."""
    html = (built.folder / "index.html").read_text("utf-8")
    assert len(html.encode("utf-8")) <= BUDGET_BYTES
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.find_all("img")) == 5  # the logo, the lead's photo, three cards
    assert all(img.get("alt") for img in soup.find_all("img"))
    assert all(a["href"].startswith(("https://", "mailto:")) for a in soup.find_all("a"))


def test_text_part_carries_the_note_every_card_summary_and_headline(built):
    """The plain text holds the note, the sign-off, each card, each summary and headline, each URL."""
    text = " ".join((built.folder / "index.txt").read_text("utf-8").split())
    issue = built.issue
    assert "This was the week the Danube came over its banks" in text
    assert "— The editors" in text
    cards = (*issue.stories, *(c for s in issue.sections for c in s.stories))
    headlines = (*issue.related, *(h for s in issue.sections for h in s.headlines), *issue.more)
    for card in cards:
        assert card.title in text and card.summary in text and f"Read more: {card.url}" in text
    for item in headlines:
        assert item.title in text and item.url in text
        assert item.headline.summary in text  # more_summaries = true in the sample
    for section in issue.sections:
        assert f"{section.name} {'=' * len(section.name)}" in text
    assert "\n\nRead the full story: " in (built.folder / "index.txt").read_text("utf-8")
    assert "\n-- \n" in (built.folder / "index.txt").read_text("utf-8")


# What the full-week sample shows, top to bottom: the lead, then Related (more on the lead's
# story), the editor's note, the three cards, the [[sections]], More headlines.
READING_ORDER = [
    "Danube towns count the cost as the floodwaters recede",
    "Related",
    "Good morning.",
    "The village that raised its own levee, and stayed dry",
    "World",
    "Science & climate",
    "Culture",
    "More headlines",
]


def _positions(text: str, parts: list[str]) -> list[int]:
    return [text.index(part) for part in parts]


def test_related_comes_right_under_the_lead_in_both_versions(built):
    """HTML and text read the lead, its Related list, the note, the cards, then the sections
    and More: nothing unrelated to the lead sits between it and its Related list."""
    soup = BeautifulSoup((built.folder / "index.html").read_text("utf-8"), "html.parser")
    blocks = soup.select("h1, h2, .note")
    shown = [" ".join(b.get_text(" ").split()) for b in blocks]
    assert shown[0] == READING_ORDER[0] and shown[1] == "Related"
    assert shown[2].startswith("Good morning.")
    assert [b.name for b in blocks[3:6]] == ["h2", "h2", "h2"]  # the three cards
    assert all("card-title" in b["class"] for b in blocks[3:6])
    assert shown[6:] == READING_ORDER[4:]
    text = (built.folder / "index.txt").read_text("utf-8")
    headings = [READING_ORDER[0], "Related\n===", *READING_ORDER[2:4]]
    headings += [f"{h}\n{'=' * len(h)}" for h in READING_ORDER[4:]]
    assert _positions(text, headings) == sorted(_positions(text, headings))


def test_templates_copied_before_related_moved_keep_their_order(full_week):  # noqa: F811
    """A workspace whose templates/ holds the digest templates as copied before (Related after
    the cards) still builds, in that order: the editor's file, not rewritten."""
    old = ROOT / "tests" / "data" / "templates-related-after-cards"
    (full_week / "templates").mkdir()
    for name in ("digest.mjml.j2", "digest.txt.j2"):
        shutil.copy(old / name, full_week / "templates" / name)
    built = build_full_week(full_week)
    card = "The village that raised its own levee, and stayed dry"
    for name in ("index.html", "index.txt"):
        text = (built.folder / name).read_text("utf-8")
        assert text.index("Good morning.") < text.index(card) < text.index("Related")
        assert text.index("Related") < text.index("More headlines")


def test_the_checks_pass_on_the_full_week(built):
    """`newsletter check` finds no error on the sample; SpamAssassin, where installed, scores < 1."""
    settings, _ = load_settings(built.folder.parent.parent)
    spam = shutil.which("spamassassin") is not None
    report = check_issue(built.folder, settings, spamassassin=spam)
    assert [f for f in report.findings if f.severity == "error"] == []
    if spam:
        assert report.spam_score is not None and float(report.spam_score["score"]) < 1.0


def test_preheader_comes_from_the_note(built):
    """With an editor's note, the preheader is the note's opening, its greeting left out, cut
    at a word within 90 characters."""
    assert built.issue.preheader == (
        "This was the week the Danube came over its banks, and we spent most of it reading…"
    )
    assert built.issue.preheader in (built.folder / "index.html").read_text("utf-8")


def test_manifest_round_trip_keeps_edits_to_a_card_a_summary_and_a_section(built):
    """Editing a card's summary, deleting a summary and moving a headline to a section all render."""
    manifest = built.folder / "issue.toml"
    text = manifest.read_text("utf-8")
    data = tomllib.loads(text)
    card = data["stories"][0]
    related = data["related"][0]
    loose = next(m for m in data["more"] if "section" not in m)
    text = text.replace(f"summary = {_q(card['summary'])}", 'summary = "An edited card summary."')
    text = text.replace(f"summary = {_q(related['summary'])}\n", "")
    text = text.replace(
        f"[[more]]\ntitle = {_q(loose['title'])}",
        f'[[more]]\nsection = "World"\ntitle = {_q(loose["title"])}',
    )
    manifest.write_text(text, "utf-8")
    result = rebuild(built.folder)
    issue = result.issue
    assert issue.stories[0].summary == "An edited card summary."
    assert issue.related[0].headline.summary == ""
    world = next(s for s in issue.sections if s.name == "World")
    assert loose["title"] in [h.title for h in world.headlines]
    assert loose["title"] not in [h.title for h in issue.more]
    html = (built.folder / "index.html").read_text("utf-8")
    assert "An edited card summary." in html and card["summary"] not in html
    assert related["summary"] not in html
    assert manifest.read_text("utf-8") == text  # the editor's file is never rewritten
    assert result.issue.note is not None  # the note survives the rebuild


def _q(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 640])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_full_week_in_chromium(built, width, scheme):
    """No horizontal scroll, images inside the screen, AA-contrast text and no serious axe finding."""
    html_path = built.folder / "index.html"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page.route("**/*", _offline)
        page.goto(html_path.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        widest = page.evaluate(
            "Math.max(...[...document.images].map(i => i.getBoundingClientRect().right))"
        )
        assert widest <= width
        facts = page.evaluate(_COLOURS)
        serious = _axe_serious(page)
        page.close()
    assert serious == []
    card = facts["card"]
    assert card == ("rgb(22, 27, 34)" if scheme == "dark" else "rgb(255, 255, 255)")
    for colour in facts["links"]:
        assert contrast_ratio(_hex(colour), _hex(card)) >= 4.5, colour
    for colour in facts["texts"]:
        assert contrast_ratio(_hex(colour), _hex(card)) >= 4.5, colour


def _axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: n node(s)"."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {len(v['nodes'])} node(s)"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def _offline(route):
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()  # remote images: the email must hold up with images off


_COLOURS = """() => {
  const cardCell = document.querySelector('.nl-card');
  const links = [...document.querySelectorAll('.nl-card a')].map(a => getComputedStyle(a).color);
  const texts = [...document.querySelectorAll('.nl-card p, .nl-card li, .nl-card span, .nl-card h1, .nl-card h2, .nl-card h3')]
    .map(e => getComputedStyle(e).color);
  return {card: getComputedStyle(cardCell).backgroundColor,
          links: [...new Set(links)], texts: [...new Set(texts)]};
}"""


def _hex(rgb: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"
