"""Public copies (the web version, the archive's pages, feed.xml, feed.json) show the
reader-less variant of every per-reader part: no merge field leaves a scar in public."""

from __future__ import annotations

import shutil

import pytest

from newsletter.archive import write_archive
from newsletter.config import load_settings
from tests.conftest import ROOT
from tests.support.full_week import build_full_week, full_week  # noqa: F401

# The greeting example from the docs, with a condition on a CSV column.
GREETING = (
    'Hi {{ subscriber.name or "there" }},{% if subscriber.fields.city %} here is your '
    "week in {{ subscriber.fields.city }}.{% endif %}"
)
# The same with the first name (`name` is the full name).
FIRST_NAME_GREETING = GREETING.replace("subscriber.name", "subscriber.first_name")


@pytest.fixture(params=[GREETING, FIRST_NAME_GREETING], ids=["name", "first_name"])
def greeted(full_week, request):  # noqa: F811
    """The full-week sample with its own copy of the templates, greeting in both parts, built."""
    greeting = request.param
    templates = full_week / "templates"
    shutil.copytree(ROOT / "templates", templates)
    mjml = templates / "digest.mjml.j2"
    text = mjml.read_text("utf-8")
    assert text.count("<h1>") == 1
    mjml.write_text(text.replace("<h1>", f'<p class="greeting">{greeting}</p>\n<h1>', 1), "utf-8")
    plain = templates / "digest.txt.j2"
    text = plain.read_text("utf-8")
    anchor = "{{ issue.lead.title | wrap }}\n"
    assert text.count(anchor) == 1
    plain.write_text(text.replace(anchor, f"{greeting}\n\n{anchor}", 1), "utf-8")
    return build_full_week(full_week)


def test_the_web_version_greets_nobody_by_a_made_up_name(greeted):
    """index.html and index.txt say "Hi there," with no city clause and no merge tag."""
    for name in ("index.html", "index.txt"):
        page = (greeted.folder / name).read_text("utf-8")
        assert "Hi there," in page and "here is your week" not in page, name
        assert "%%" not in page and "Hi reader" not in page, name


def test_the_archive_and_its_feeds_carry_no_merge_field_scar(greeted, full_week):  # noqa: F811
    """After `archive`, no file under site/ says "Hi reader", " in ." or holds a %% tag."""
    settings, _ = load_settings(full_week)
    write_archive(settings, unsent=True)  # built, not sent: the public copy is the same
    site = full_week / "site"
    files = [p for p in sorted(site.rglob("*")) if p.is_file()]
    names = {str(p.relative_to(site)) for p in files}
    assert {"feed.xml", "feed.json", "index.html", "2026-W48/index.html"} <= names
    for path in files:
        text = path.read_text("utf-8")
        assert "Hi reader" not in text, path
        assert " in ." not in text and "week in <" not in text, path
        assert "%%" not in text, path
    page = (site / "2026-W48" / "index.html").read_text("utf-8")
    assert "Hi there," in page
    assert "Hi there," in (site / "feed.xml").read_text("utf-8")
    assert "Hi there," in (site / "feed.json").read_text("utf-8")
