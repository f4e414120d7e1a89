"""Rendering: golden files for the sample, the email's must-haves, size limits, templates and their errors."""

from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.errors import TemplateError
from newsletter.models import Headline, Issue, Lead, ScoredHeadline
from newsletter.render import render_issue
from newsletter.render.merge_tags import SubscriberPlaceholders, fill_merge_tags
from newsletter.render.text_format import labelled_url, wrap
from tests.conftest import ROOT, SAMPLE_DATE

GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture
def sample(workspace, settings):
    """The sample seed built into issues/2026-W48 of a fresh workspace."""
    return build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE))


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


@pytest.mark.parametrize("name", ["index.html", "index.txt"])
def test_sample_matches_golden_file(sample, update_golden, name):
    """The sample's web version and text match tests/golden/ (rewrite with --update-golden, review the diff)."""
    golden = GOLDEN / f"sample.{name.split('.')[1]}"
    actual = (sample.folder / name).read_text("utf-8")
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, "utf-8")
    assert actual == golden.read_text("utf-8"), (
        f"output differs from {golden}; run pytest --update-golden and review"
    )


def test_sample_html_is_small_and_has_the_email_essentials(sample):
    """The sample HTML is under 40 KB with lang, title, preheader, colour-scheme meta and dark styles."""
    html_path = sample.folder / "index.html"
    raw = html_path.read_text("utf-8")
    assert len(raw.encode()) <= 40 * 1024
    assert raw.startswith("<!DOCTYPE html>")
    doc = soup_of(html_path)
    assert doc.html["lang"] == "en"
    assert doc.title.get_text() == sample.issue.subject
    assert doc.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"
    assert "@media (prefers-color-scheme: dark)" in raw
    hidden = doc.find("div", style=re.compile("display:none"))
    preheader, padding = hidden.get_text().split("\u200c", 1)
    assert preheader == sample.issue.preheader and len(preheader) <= 90
    assert set(padding) == {"\u200c", "\xa0"}  # &zwnj;&nbsp;: no body text spills into the inbox
    assert (
        "color:#ffffff" not in hidden["style"]
    )  # hidden text coloured like its background is a spam sign


def test_headings_are_headings_and_lead_title_is_h1(sample):
    """The lead's title is the only h1; Related and More headlines are h2 sections of list items."""
    doc = soup_of(sample.folder / "index.html")
    assert [h.get_text(" ", strip=True) for h in doc.find_all("h1")] == [sample.issue.lead.title]
    assert [h.get_text() for h in doc.find_all("h2")] == ["Related", "More headlines"]
    items = [li.get_text(" ", strip=True) for li in doc.find_all("li")]
    assert items == [h.title for h in (*sample.issue.related, *sample.issue.more)]


def test_all_links_absolute_and_footer_complete(sample, settings):
    """Every link is absolute; the footer has the web-version link, unsubscribe and the postal address."""
    doc = soup_of(sample.folder / "index.html")
    hrefs = [a["href"] for a in doc.find_all("a")]
    assert hrefs and all(re.match(r"^(https://|mailto:)", h) for h in hrefs)
    assert "https://news.example.org/2026-W48/" in hrefs
    assert "https://news.example.org/unsubscribe" in hrefs
    assert settings.postal_address in doc.get_text()


def test_css_is_inlined_but_media_queries_stay(sample):
    """premailer inlines digest.css into elements and leaves the media queries in <style>."""
    doc = soup_of(sample.folder / "index.html")
    assert "font-size:26px" in doc.find("h1")["style"].replace(" ", "")
    styles = " ".join(s.get_text() for s in doc.find_all("style"))
    assert "prefers-color-scheme" in styles and "max-width: 480px" in styles
    assert "data-premailer" not in str(doc)


def test_text_version_carries_every_headline_and_wraps_at_78(sample):
    """The text part has the lead, every headline and link, lines of at most 78 columns, no markup."""
    text = (sample.folder / "index.txt").read_text("utf-8")
    flat = " ".join(text.split())
    for item in (*sample.issue.related, *sample.issue.more):
        assert item.title in flat
    assert (
        "https://news.example.org/2026-W48/" in text
        and "https://news.example.org/unsubscribe" in text
    )
    assert max(len(line) for line in text.splitlines()) <= 78
    assert not re.search(r"</?[a-z]+[^>]*>|&[a-z]+;|&#\d+;", text)
    assert "José Jerí" in flat and "“generate tranquility" in flat


def test_build_never_touches_the_network(workspace, settings, monkeypatch):
    """A build works with every socket connection refused: no font links, no fetched stylesheets."""

    def refuse(*args, **kwargs):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE))
    html = (result.folder / "index.html").read_text("utf-8")
    assert "fonts.googleapis" not in html and "<link" not in html


def _big_issue(count: int) -> Issue:
    headlines = tuple(
        ScoredHeadline(
            Headline(
                title=f"Headline number {i} about a long running story with many words in it",
                url=f"https://news.example.org/2026/11/26/world/story-number-{i}-with-a-long-slug",
            ),
            0.5,
            ("story",),
        )
        for i in range(count)
    )
    lead = Lead(
        title="A lead story",
        body="\n\n".join(["A paragraph of the lead story. " * 12] * 6),
        url="https://news.example.org/lead",
    )
    return Issue(
        id="2026-W48",
        date=SAMPLE_DATE,
        subject="A lead story",
        preheader="Preheader",
        lead=lead,
        related=headlines[:5],
        more=headlines[5:],
    )


def test_thirty_headline_digest_stays_under_90_kb(settings):
    """A digest with 30 linked headlines and a long lead renders well under Gmail's 102 KB clip."""
    rendered = render_issue(_big_issue(30), settings)
    assert len(rendered.html.encode()) < 90 * 1024
    assert rendered.html.count("<li") == 30


def test_merge_tags_survive_rendering_and_are_filled_escaped(settings):
    """Per-recipient values stay as merge tags through MJML and premailer, then fill HTML-escaped."""
    rendered = render_issue(_big_issue(3), settings)
    assert 'href="%%unsubscribe_url%%"' in rendered.html
    assert "Unsubscribe: %%unsubscribe_url%%" in rendered.text
    filled = fill_merge_tags(
        '<p>%%name%%</p><a href="%%unsubscribe_url%%">',
        {"name": "<b>Ana & Co</b>", "unsubscribe_url": "https://x.org/u?a=1&b=2"},
        escape_html=True,
    )
    assert filled == '<p>&lt;b&gt;Ana &amp; Co&lt;/b&gt;</p><a href="https://x.org/u?a=1&amp;b=2">'


def test_subscriber_placeholders_cover_merge_fields():
    """Templates may use any CSV column as subscriber.fields.<name>."""
    subscriber = SubscriberPlaceholders()
    assert str(subscriber.fields.city) == "%%field.city%%"
    assert str(subscriber.name) == "%%name%%"


def test_lead_with_url_shows_its_summary_and_read_the_story(settings):
    """A lead with a URL links its title and shows its first paragraph, then 'Read the full story →'."""
    issue = _big_issue(1)
    rendered = render_issue(issue, settings)
    doc = BeautifulSoup(rendered.html, "html.parser")
    assert doc.find("h1").find("a")["href"] == "https://news.example.org/lead"
    read_on = doc.find("a", class_="more")
    assert read_on.get_text() == "Read the full story"  # the words of the text part
    assert read_on.find_next_sibling("span").get_text() == "\xa0→"
    assert read_on["href"] == "https://news.example.org/lead"
    assert doc.get_text().count("A paragraph of the lead story.") == 12  # one paragraph of six
    assert "\nRead the full story: https://news.example.org/lead" in rendered.text
    assert " ".join(rendered.text.split()).count("A paragraph of the lead story.") == 12


@pytest.mark.parametrize(
    ("publisher", "line"),
    [
        ("Ahram Online", "Read the full story → Ahram Online · 2-min read"),
        ("", "Read the full story → 2-min read"),
    ],
    ids=["publisher", "time-only"],
)
def test_the_read_on_line_names_where_and_how_long_after_its_arrow(settings, publisher, line):
    """After "Read the full story →" come the lead's publisher and reading time, with no "·"
    straight after the arrow (it read "→ · 2-min read", a stray mark between the two)."""
    issue = _big_issue(1)
    lead = dataclasses.replace(issue.lead, publisher=publisher, body="word " * 400)
    rendered = render_issue(dataclasses.replace(issue, lead=lead), settings)
    read_on = BeautifulSoup(rendered.html, "html.parser").find("p", class_="read-on")
    assert " ".join(read_on.get_text().replace("\xa0", " ").split()) == line


@pytest.mark.parametrize(
    "lead_change",
    [{"url": None}, {"full": True}],
    ids=["no-url", "full"],
)
def test_a_lead_without_url_or_with_full_shows_its_whole_body(settings, lead_change):
    """The whole body shows when the email is the only place to read it, or the editor says `full`."""
    issue = _big_issue(1)
    issue = dataclasses.replace(issue, lead=dataclasses.replace(issue.lead, **lead_change))
    rendered = render_issue(issue, settings)
    doc = BeautifulSoup(rendered.html, "html.parser")
    assert doc.get_text().count("A paragraph of the lead story.") == 72
    assert " ".join(rendered.text.split()).count("A paragraph of the lead story.") == 72
    assert (doc.find("a", class_="more") is None) == (issue.lead.url is None)
    assert ("Read the full story:" in rendered.text) == (issue.lead.url is not None)


def test_a_lead_summary_from_the_manifest_replaces_the_first_paragraph(settings):
    """The lead's `summary` is what the email shows of a lead with a URL."""
    issue = _big_issue(1)
    lead = dataclasses.replace(issue.lead, summary="What happened, in one sentence.")
    rendered = render_issue(dataclasses.replace(issue, lead=lead), settings)
    assert "What happened, in one sentence." in rendered.html
    assert "What happened, in one sentence." in rendered.text
    assert "A paragraph of the lead story." not in rendered.text


def test_markdown_lead_renders_without_raw_html(settings):
    """A Markdown lead becomes HTML; raw HTML in it is escaped, not passed through."""
    issue = dataclasses.replace(
        _big_issue(1),
        lead=Lead(
            title="T",
            body="Some **bold** and a [link](https://example.org).\n\n<script>alert(1)</script>",
            format="markdown",
        ),
    )
    rendered = render_issue(issue, settings)
    assert "<strong>bold</strong>" in rendered.html
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "Some bold and a link <https://example.org>." in " ".join(rendered.text.split())


def test_wrap_never_breaks_urls():
    """Wrapping folds words at 78 columns but keeps a long URL whole on its own line."""
    url = "https://example.org/" + "a" * 90
    lines = wrap(f"See {url} for more words that follow here").split("\n")
    assert url in lines
    assert all(len(line) <= 78 for line in lines if line != url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/boats", "Read more: https://example.org/boats"),
        (
            "https://example.org/" + "a" * 47,  # "Read more: " and the URL: 78 columns, fits
            "Read more: https://example.org/" + "a" * 47,
        ),
        ("https://example.org/" + "a" * 48, "Read more:\nhttps://example.org/" + "a" * 48),
    ],
)
def test_a_labelled_url_moves_under_its_label_only_when_the_line_would_pass_78(url, expected):
    """`labelled_url` keeps `label: url` on one line up to 78 columns, else puts the URL on a
    line of its own, so the only lines past 78 are URLs no one could fold."""
    assert labelled_url(url, "Read more") == expected


# --- templates: the workspace overrides the defaults; errors name file and line -----------------


def test_workspace_template_overrides_default_file_by_file(workspace, settings):
    """A workspace's templates/digest.txt.j2 replaces the default text template; the HTML stays default."""
    (workspace / "templates").mkdir()
    (workspace / "templates" / "digest.txt.j2").write_text(
        "Custom {{ issue.lead.title }}\n", "utf-8"
    )
    rendered = render_issue(_big_issue(1), settings)
    assert rendered.text == "Custom A lead story\n"
    assert "<h1" in rendered.html


@pytest.mark.parametrize(
    ("template", "source", "message"),
    [
        (
            "digest.txt.j2",
            "line one\n{{ issue.lead.title\n",
            r"templates/digest.txt.j2:2: .*; fix the template",
        ),
        ("digest.txt.j2", "a\nb\n{{ issue.nope }}\n", r"templates/digest.txt.j2:3: .*'nope'"),
        (
            "digest.txt.j2",
            "{% for x in issue.related %}\n{{ x.title | nosuchfilter }}\n{% endfor %}\n",
            r"digest.txt.j2:2: .*nosuchfilter",
        ),
        (
            "digest.mjml.j2",
            "<mjml><mj-body><mj-section>\n",
            r"digest.mjml.j2: MJML does not compile",
        ),
        (
            "digest.txt.j2",
            '{% include "missing.j2" %}\n',
            r"template 'missing.j2' not found in .*templates.*templates",
        ),
    ],
)
def test_template_errors_name_file_and_line(workspace, settings, template, source, message):
    """A broken template is a TemplateError naming the template file and line."""
    (workspace / "templates").mkdir()
    (workspace / "templates" / template).write_text(source, "utf-8")
    with pytest.raises(TemplateError, match=message):
        render_issue(_big_issue(1), settings)


def test_dark_mode_rules_cover_outlook_com_as_well_as_prefers_color_scheme(sample):
    """Each dark colour rule is also written for Outlook.com: [data-ogsc] for text colours,
    [data-ogsb] for backgrounds, with the same colours."""
    raw = (sample.folder / "index.html").read_text("utf-8")
    media = raw.split("@media (prefers-color-scheme: dark) {", 1)[1].split("\n      }", 1)[0]
    rules = [line.strip() for line in media.strip().split("\n")]
    assert len(rules) >= 8
    for rule in rules:
        prefix = "[data-ogsb] " if "background-color" in rule else "[data-ogsc] "
        selectors, body = rule.split(" { ", 1)
        outlook = ", ".join(prefix + s for s in selectors.split(", ")) + " { " + body
        assert outlook in raw, rule
