"""Reading a built .eml back: the build's own shape is read directly, anything else by the email package.

`parse_email` is what the send gate, `check`, `--status` and the archive read an issue's
message through; a send pays for it before its first message.  The direct reading must
give what the email package gives, or fall back to it.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.config import load_settings
from newsletter.issue.layout import _read_as_built, _read_with_email_package, parse_email
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
    """The sample built with one case's settings; (issue folder, expects the direct reading)."""
    toml = workspace / "newsletter.toml"
    text = toml.read_text()
    for old, new in CASES[request.param].items():
        assert old in text
        text = text.replace(old, new)
    toml.write_text(text)
    settings, _ = load_settings(workspace)
    return build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE)).folder


@pytest.mark.parametrize("name", ["message.eml", "merge.eml"])
def test_the_direct_reading_gives_what_the_email_package_gives(built, name):
    """A built message is read directly, with the same parts and headers as the email package
    reads (Date kept as written rather than re-formatted)."""
    raw = (built / name).read_bytes()
    direct = _read_as_built(raw)
    headers, html, text = _read_with_email_package(raw)
    assert direct is not None, "the build's own shape went to the slow parser"
    assert direct[1:] == (html, text)
    assert [n for n, _ in direct[0]] == [n for n, _ in headers]
    assert [h for h in direct[0] if h[0] != "Date"] == [h for h in headers if h[0] != "Date"]


def test_an_encoded_from_name_is_read_by_the_email_package(workspace):
    """A From whose name is RFC 2047-encoded goes to the email package (it re-quotes the
    name), so what the checks show is unchanged."""
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
    assert _read_as_built(raw) is None
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


@pytest.mark.parametrize(
    "change",
    ["base64 parts", "a preamble", "LF line ends", "a third part"],
)
def test_a_message_not_as_built_goes_to_the_email_package(change):
    """A message edited by hand or by another program is still read right, by the email package."""
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
    assert _read_as_built(raw) is None
    headers, html, text = parse_email(raw)
    assert ("Subject", "Edited by hand") in headers
    assert html == "<p>Grüße, the HTML part.</p>\n"
    assert text == "Grüße, the text part.\n"


def test_a_built_message_with_a_part_cut_short_goes_to_the_email_package(built):
    """A built message whose closing boundary is gone is not read directly."""
    raw = (built / "message.eml").read_bytes()
    cut = raw[: raw.rindex(b"\r\n--")] + b"\r\n"
    assert _read_as_built(cut) is None
    _, html, text = parse_email(cut)
    assert text and html is not None
