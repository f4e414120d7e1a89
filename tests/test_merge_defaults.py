"""Merge fields with defaults render per reader, in both parts, from a few renders cached per issue."""

from __future__ import annotations

import re
import shutil
from email import policy
from email.parser import BytesParser

import pytest

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.errors import TemplateError
from newsletter.issue.built import read_built_issue
from newsletter.mail.personalize import Recipient, prepare_mailing
from newsletter.render import MAX_TESTED_FIELDS
from tests.conftest import ROOT, SAMPLE_DATE

OPTIONS = AssembleOptions(today=SAMPLE_DATE)
GREETING_HTML = '<p class="greeting">Hi {{ subscriber.name or "there" }},{% if subscriber.fields.city %} greetings to {{ subscriber.fields.city }}{% endif %}</p>'
GREETING_TEXT = 'Hi {{ subscriber.name or "there" }},{% if subscriber.fields.city %} greetings to {{ subscriber.fields.city }}{% endif %}'


def parts(data: bytes) -> tuple[str, str]:
    """The (text, html) bodies of a message, decoded."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


@pytest.fixture
def greeting_workspace(workspace):
    """The sample workspace with templates that greet each reader, with defaults."""
    shutil.copytree(ROOT / "templates", workspace / "templates")
    mjml = workspace / "templates" / "digest.mjml.j2"
    mjml.write_text(
        mjml.read_text("utf-8").replace("<h1>", GREETING_HTML + "\n          <h1>", 1), "utf-8"
    )
    text = workspace / "templates" / "digest.txt.j2"
    lines = text.read_text("utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if not line.startswith(("{#", " ")))
    text.write_text("\n".join([*lines[:at], GREETING_TEXT, "", *lines[at:]]), "utf-8")
    return workspace


@pytest.mark.parametrize(
    ("recipient", "greeting"),
    [
        (Recipient("ana@example.org", "Ana", {"city": "Lima"}), "Hi Ana, greetings to Lima"),
        (Recipient("bo@example.org", "", {"city": "Quito"}), "Hi there, greetings to Quito"),
        (Recipient("cy@example.org", "Cy"), "Hi Cy,"),
        (Recipient("di@example.org", "  ", {"city": ""}), "Hi there,"),
    ],
    ids=["name-and-city", "no-name", "no-city", "blank-values"],
)
def test_defaults_and_conditions_follow_each_reader_in_both_parts(
    greeting_workspace, settings, recipient, greeting
):
    """`or "there"` and `{% if %}` give each reader their own greeting in the text and the HTML part."""
    result = build(["seeds"], settings, OPTIONS)
    built = read_built_issue(result.folder)  # what `send` reads: merge.eml and its variants
    mailing = prepare_mailing(built.rendered, built.issue.id, settings)
    text, html = parts(mailing.message_for(recipient).data)
    for part in (text, html):
        assert re.findall(r"Hi [^<\r\n]*", part) == [greeting]
    assert "Hi ," not in text and "Hi ," not in html


def test_one_render_per_combination_of_empty_fields_never_per_reader(greeting_workspace, settings):
    """Two tested fields make four variants in the folder; a thousand readers reuse them."""
    result = build(["seeds"], settings, OPTIONS)
    names = sorted(p.name for p in result.folder.glob("merge*.eml"))
    assert names == [
        "merge.eml",
        "merge.empty=field.city+name.eml",
        "merge.empty=field.city.eml",
        "merge.empty=name.eml",
    ]
    assert result.rendered.tested == frozenset({"name", "field.city"})
    mailing = prepare_mailing(result.rendered, result.issue.id, settings)
    templates = {
        id(
            mailing.template_for(
                {"name": f"R{i}" if i % 2 else "", "field.city": "Lima" if i % 3 else ""}
            )
        )
        for i in range(1000)
    }
    assert len(templates) == 4


def test_the_web_version_greets_nobody_by_name(greeting_workspace, settings):
    """index.html and index.txt are the variant for a reader with no values: "Hi there,"."""
    folder = build(["seeds"], settings, OPTIONS).folder
    assert "Hi there," in (folder / "index.html").read_text("utf-8")
    assert "Hi there," in (folder / "index.txt").read_text("utf-8")


def test_stale_variants_do_not_survive_a_template_change(greeting_workspace, settings):
    """When the templates stop testing a field, the variants of the previous build are gone."""
    folder = build(["seeds"], settings, OPTIONS).folder
    assert len(list(folder.glob("merge.empty=*.eml"))) == 3
    shutil.copy(
        ROOT / "templates" / "digest.mjml.j2", greeting_workspace / "templates" / "digest.mjml.j2"
    )
    shutil.copy(
        ROOT / "templates" / "digest.txt.j2", greeting_workspace / "templates" / "digest.txt.j2"
    )
    build([str(folder)], settings, OPTIONS)
    assert list(folder.glob("merge.empty=*.eml")) == []


def test_templates_without_conditions_render_once(workspace, settings):
    """The default templates test no merge field: one merge.eml, no variants."""
    result = build(["seeds"], settings, OPTIONS)
    assert result.rendered.variants == () and result.rendered.tested == frozenset()
    assert [p.name for p in result.folder.glob("merge*.eml")] == ["merge.eml"]


def test_too_many_tested_fields_is_a_template_error(greeting_workspace, settings):
    """Testing more than MAX_TESTED_FIELDS fields for emptiness is refused (2**n renders)."""
    mjml = greeting_workspace / "templates" / "digest.mjml.j2"
    tests = "".join(
        f"{{% if subscriber.fields.f{i} %}}x{{% endif %}}" for i in range(MAX_TESTED_FIELDS)
    )
    mjml.write_text(mjml.read_text("utf-8").replace("<h1>", f"<p>{tests}</p><h1>", 1), "utf-8")
    with pytest.raises(
        TemplateError, match=rf"test {MAX_TESTED_FIELDS + 2} merge fields for emptiness"
    ):
        build(["seeds"], settings, OPTIONS)
