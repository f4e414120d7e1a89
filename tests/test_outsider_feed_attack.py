"""What an outsider's feed and a hostile Markdown story reach, tried from outside through
`newsletter build`: the Subject as a reader's mail program shows it (docs/security.md,
*An outsider's feed, attacked again*)."""

from __future__ import annotations

import email
import email.policy
import html

import pytest

from tests.support.build_json import build_json
from tests.test_title_headline import write

BODY = " ".join(["The council met on Tuesday and voted for the new bridge."] * 12)
SPOOFS = [
    "Council votes =?utf-8?q?=E2=80=AEdrowssap_ruoy_teseR?=",  # a bidi override, encoded
    "Council votes =?UTF-8?B?WW91ciBhY2NvdW50IGlzIHN1c3BlbmRlZA==?=",  # other words
    "Council votes =?utf-8?q?=0D=0ABcc:_all=40evil.example?=",  # a line break and a header
]


def _subjects(folder) -> list[str]:
    shown = []
    for name in ("message.eml", "merge.eml"):
        raw = (folder / name).read_bytes()
        shown.append(str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"]))
    return shown


@pytest.mark.parametrize("title", SPOOFS)
def test_an_encoded_word_in_a_feed_title_reads_back_as_typed_in_the_subject(workspace, title):
    """A feed story's title holding RFC 2047 syntax led the issue and went into the Subject as
    written, so mail programs decoded it and showed other words (a bidi override, a lure, a
    line break) than the issue's title; encoded whole, the Subject reads back as typed."""
    feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>{html.escape(title)}</title><link>https://wire.example/a</link>
<description>{html.escape(f"<p>{BODY}</p>")}</description></item></channel></rss>"""
    data = build_json(write(workspace, "feeds/wire.xml", feed))
    assert data["lead"]["title"] == title
    for subject in _subjects(workspace / data["issue_dir"]):
        assert subject == title


def _headlines(*items: tuple[str, str]):
    from newsletter.sources.feeds import parse_feed

    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link>"
        "<description>Short.</description></item>"
        for t, u in items
    )
    feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
{entries}</channel></rss>"""
    return parse_feed(feed.encode(), "feeds/wire.xml")


def test_a_headline_showing_another_sites_address_loses_its_link():
    """A feed headline reading "https://www.paypal.com/verify-your-account" (or one word of it
    another site's address) linked to the feed's own site: the digest carried a deceptive link
    to its readers (spam filters score it as phishing). Its link is now left out, with a
    warning naming both hosts; an address of the link's own site, and plain words, keep it."""
    sources = _headlines(
        ("https://www.paypal.com/verify-your-account", "https://evil.example/a"),
        ("Confirm your details at www.paypal.com today", "https://evil.example/b"),
        ("Read it at https://www.bbc.co.uk/news", "https://www.bbc.co.uk/news/1"),
        ("Amazon.com shares fall", "https://wire.example/c"),
    )
    links = [h.url for h in sources.headlines]
    assert links == [None, None, "https://www.bbc.co.uk/news/1", "https://wire.example/c"]
    assert (
        "feeds/wire.xml#1: the title shows the address paypal.com but links to evil.example; "
        "link left out"
    ) in sources.warnings


def test_a_headline_writing_a_scheme_with_no_host_keeps_its_link():
    """A headline that writes "https://..." or "www." followed by punctuation shows no
    address: its link is kept, where an empty host read as another site's dropped it with a
    warning naming no host."""
    sources = _headlines(
        ("Typing https://... into a browser", "https://wire.example/a"),
        ("Why www.) still matters", "https://wire.example/b"),
    )
    assert [h.url for h in sources.headlines] == [
        "https://wire.example/a",
        "https://wire.example/b",
    ]
    assert not any("shows the address" in w for w in sources.warnings), sources.warnings


def test_an_encoded_word_in_the_lists_name_is_refused_where_the_settings_are_read(workspace):
    """`name = "Brief =?utf-8?q?=0D=0ABcc:_x@evil.example?="` passed the line-break check, and
    Python's mail headers decode an encoded-word when it is assigned: the confirmation email's
    Subject ("Confirm your subscription to <name>") carried a CR LF and a `Bcc:` line. The
    name is now refused in one line naming the key, as a line break is."""
    from newsletter.config import load_settings
    from newsletter.errors import ConfigError

    path = workspace / "newsletter.toml"
    text = path.read_text("utf-8")
    name = next(line for line in text.splitlines() if line.startswith("name = "))
    path.write_text(text.replace(name, 'name = "Brief =?utf-8?q?=0D=0ABcc:_x@evil.example?="'))
    with pytest.raises(ConfigError, match=r"name: .* holds an encoded-word"):
        load_settings(workspace)


def test_invisible_characters_written_as_entities_in_markdown_never_reach_the_email(workspace):
    """A Markdown story writing `&#x202E;` (and a zero-width space, a BOM, a soft hyphen, a
    tag character, a line separator) as entities passed the invisible-character rule at load
    (they are ASCII there) and markdown-it decoded them into the email's HTML and text parts:
    an override reversed the rest of the line (and an autolink's shown address decoded
    `%E2%80%AE` into one). They are cleaned as any source's text now, in the prose, a link's
    title, an image's alt text and a link's shown address."""
    story = write(
        workspace,
        "seeds/entities.md",
        "---\ntitle: Entities\n---\n\n"
        "Council &#x202E;drowssap ruoy teser&#x202C; votes &#8203;x&#xFEFF;y, &shy;soft "
        '&#xE0041;tag &#x2028;line [link](https://example.org/a "t&#x202E;itle").\n\n'
        "![a&#x202E;lt](https://example.org/map.png)\n\n"
        "Get it at <https://example.org/%E2%80%AEexe.txt>\n",
    )
    data = build_json(story)
    raw = (workspace / data["issue_dir"] / "message.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for kind in ("html", "plain"):
        body = message.get_body((kind,)).get_content()
        assert "Council drowssap ruoy teser votes xy, soft tag" in " ".join(body.split())
        for invisible in ("\u202e", "\u202c", "\u200b", "\ufeff", "\u00ad", "\U000e0041", "\u2028"):
            assert invisible not in body, (kind, ascii(invisible))


def test_entities_in_a_markdown_story_reach_the_subject_and_preheader_decoded(workspace):
    """An untitled Markdown story writing `&amp;`: its derived title (so the Subject) said
    "Council &amp; the mayor …", and a titled one's preheader `&amp;` and `&#x202E;`, as
    written, while the body showed "&"; each now says what the body shows, cleaned."""
    untitled = write(
        workspace,
        "seeds/amp.md",
        "The council &amp; the mayor agreed on Tuesday to fund the new bridge, officials "
        "said.\n\nThe vote was close.\n",
    )
    data = build_json(untitled)
    assert "&amp;" not in data["subject"] and "Council & the mayor" in data["subject"]
    titled = write(
        workspace,
        "seeds/titled.md",
        "---\ntitle: Bridge funded\n---\n\nThe council &amp; the mayor &#x202E;agreed on "
        "Tuesday to fund the bridge.\n",
    )
    data = build_json(titled)
    assert data["preheader"] == "The council & the mayor agreed on Tuesday to fund the bridge."
