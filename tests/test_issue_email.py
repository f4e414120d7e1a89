"""Reading a built .eml back: the build's own shape beside its writer, anything else by the email
package.

merge.eml is what a send goes by: `parse_message_template` loads it byte for byte and
`MessageTemplate.bodies` reads its two parts (the archive pays that once per issue);
message.eml, which `check` and the send gate read as a reader gets it, is read the same way
when the build wrote it (`read_built_message`).  Both must give what the standard parser
gives, whatever the text; anything else goes to that parser (`parse_email`).
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.config import load_settings
from newsletter.issue.eml import _read_with_email_package, parse_email
from newsletter.mail.template import (
    TemplateFileError,
    build_message_template,
    parse_message_template,
    read_built_message,
)
from tests.conftest import SAMPLE_DATE

# newsletter.toml lines replaced for each case: the headers the build may write.
CASES = {
    "the sample": {},
    "a non-ASCII subject, encoded and folded": {
        'subject = "{title}"': 'subject = "Café crème — {title}: naïve Übersicht, señor"'
    },
    "a subject over one line": {
        'subject = "{title}"': 'subject = "{title} ' + "and more " * 12 + '"'
    },
    "a word too long for a line (encoded to be split)": {
        'subject = "{title}"': 'subject = "{title} ' + "x" * 1100 + '"'
    },
    "a comma in the From name (quoted)": {
        'from = "The Weekly Brief <digest@example.org>"': (
            'from = "\\"Brief, The\\" <digest@example.org>"'
        )
    },
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def built(request, workspace):
    """The sample built with one case's settings; its issue folder."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text()
    for old, new in CASES[request.param].items():
        assert old in text
        text = text.replace(old, new)
    toml.write_text(text)
    settings, _ = load_settings(workspace)
    return build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE)).folder


def _standard(raw: bytes) -> tuple[str, str]:
    """The text and HTML parts as the email package reads them."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")


def test_merge_eml_reads_as_the_email_package_reads_it(built):
    """A built merge.eml's parts, read beside their writer, are what the standard parser reads."""
    raw = (built / "merge.eml").read_bytes()
    template = parse_message_template(raw)
    assert template.bodies() == _standard(raw)
    assert "%%unsubscribe_url%%" in template.bodies()[1]


@pytest.mark.parametrize("name", ["message.eml", "merge.eml"])
def test_the_direct_reading_gives_what_the_email_package_gives(built, name):
    """A built message is read beside its writer, with the same parts and headers as the email
    package reads (Date kept as written rather than re-formatted)."""
    raw = (built / name).read_bytes()
    direct = read_built_message(raw)
    headers, html, text = _read_with_email_package(raw)
    assert direct is not None, "the build's own shape went to the slow parser"
    assert direct[1:] == (html, text)
    assert [n for n, _ in direct[0]] == [n for n, _ in headers]
    assert [h for h in direct[0] if h[0] != "Date"] == [h for h in headers if h[0] != "Date"]


def test_an_encoded_from_name_is_read_as_written(workspace):
    """A From whose name needed encoding reads back as the name, quoted."""
    toml = workspace / "newsletter.toml"
    toml.write_text(
        toml.read_text().replace(
            'from = "The Weekly Brief <digest@example.org>"',
            'from = "Le Café, Brief <digest@example.org>"',
        )
    )
    settings, _ = load_settings(workspace)
    folder = build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE)).folder
    raw = (folder / "message.eml").read_bytes()
    assert read_built_message(raw) is None  # the email package re-quotes the name
    headers, html, text = parse_email(raw)
    assert ("From", '"Le Café, Brief" <digest@example.org>') in headers
    assert html and "<html" in html and text


def _hand_made(**parts: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Edited by hand"
    message["From"] = "editor@example.org"
    message.set_content(parts.get("text", "The text part, edited.\n"))
    message.add_alternative(parts.get("html", "<p>The HTML part, edited.</p>\n"), subtype="html")
    return message


@pytest.mark.parametrize("change", ["base64 parts", "a preamble", "LF line ends", "a third part"])
def test_a_message_not_as_built_is_read_by_check_and_refused_as_a_template(change):
    """A message edited by hand or by another program: `check` reads it right; a send refuses it."""
    message = _hand_made(text="Grüße, the text part.\n", html="<p>Grüße, the HTML part.</p>\n")
    if change == "base64 parts":
        for part in message.iter_parts():
            payload = part.get_content()
            part.set_content(payload, subtype=part.get_content_subtype(), cte="base64")
    elif change == "a preamble":
        message.preamble = "This is a multi-part message in MIME format."
    elif change == "a third part":
        message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf")
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    if change == "LF line ends":
        raw = raw.replace(b"\r\n", b"\n")
    assert read_built_message(raw) is None
    headers, html, text = parse_email(raw)
    assert ("Subject", "Edited by hand") in headers
    assert html == "<p>Grüße, the HTML part.</p>\n"
    assert text == "Grüße, the text part.\n"
    with pytest.raises(TemplateFileError):
        parse_message_template(raw).bodies()


def test_a_merge_eml_with_a_part_cut_short_is_refused(built):
    """A merge.eml whose closing boundary is gone is not read as one."""
    raw = (built / "merge.eml").read_bytes()
    with pytest.raises(TemplateFileError):
        parse_message_template(raw[: raw.rindex(b"\r\n--")] + b"\r\n").bodies()


_TAGS = st.sampled_from(["%%name%%", "%%email%%", "%%unsubscribe_url%%", "%%field.city%%"])
_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
_BODY = st.lists(st.one_of(_TEXT, _TAGS), max_size=6).map("".join)
_HEAD = b"From: The Brief <digest@example.org>\r\nSubject: A property\r\n"


@settings(max_examples=150, deadline=None)
@given(text=_BODY, html=_BODY)
def test_merge_eml_round_trips_for_any_text(text, html):
    """Any bodies, merge tags among them, written as merge.eml come back as written (line ends
    as LF), as the email package reads them, and fill back to the same bytes."""
    written = build_message_template(_HEAD, text, html)
    raw = bytes(written.fill(b"", {tag: f"%%{tag}%%" for tag in written.tags}))
    template = parse_message_template(raw)
    lf = [body.replace("\r\n", "\n").replace("\r", "\n") for body in (text, html)]
    assert template.bodies() == tuple(lf) == _standard(raw)
    assert bytes(template.fill(b"", {tag: f"%%{tag}%%" for tag in template.tags})) == raw
    assert template.tags == written.tags
