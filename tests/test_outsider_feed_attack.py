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
