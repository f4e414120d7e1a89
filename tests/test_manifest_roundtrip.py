"""The manifest round trip: any Issue `manifest_text` writes is read back as it was, by
`read_manifest` and, for memory across issues, by the line scanner and tomllib alike."""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.assemble import AssembleOptions
from newsletter.build import build
from newsletter.config import load_settings
from newsletter.control_chars import visible, without_invisibles
from newsletter.issue.manifest import manifest_text, parse_manifest
from newsletter.issue.past_issues import _past_issue, _scanned
from newsletter.models import Headline, Issue, ScoredHeadline
from tests.conftest import ROOT, SAMPLE_DATE, SAMPLE_SEED

PATH = Path("issues/2026-W48/issue.toml")


@functools.cache
def sample_issue() -> Issue:
    """The sample issue as built (once per test run), read back from its manifest."""
    root = Path(tempfile.mkdtemp(prefix="nl-roundtrip-"))
    try:
        shutil.copy(ROOT / "newsletter.toml", root / "newsletter.toml")
        (root / "seeds").mkdir()
        shutil.copy(SAMPLE_SEED, root / "seeds" / SAMPLE_SEED.name)
        settings_, _ = load_settings(root)
        folder = build([str(root / "seeds")], settings_, AssembleOptions(today=SAMPLE_DATE)).folder
        text = (folder / "issue.toml").read_text("utf-8")
        return parse_manifest(text, PATH)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# Text an editor or a feed may bring: any character the reader takes as text (control
# characters are refused, naming the field: tests/test_hostile_sources.py), quotes,
# backslashes, TOML's own syntax; tabs and line breaks in a body.  Unicode's noncharacters
# (U+FDD0-U+FDEF, U+FFFE, U+FFFF...) are refused like control characters (they stop MJML).
_NONCHARACTERS = "".join(map(chr, range(0xFDD0, 0xFDF0))) + "".join(
    chr(plane + end) for plane in range(0, 0x110000, 0x10000) for end in (0xFFFE, 0xFFFF)
)
_TEXT = dict(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters=_NONCHARACTERS)
_LINE = st.text(st.characters(**_TEXT), max_size=80).filter(visible)
_BODY = st.text(st.characters(**_TEXT, include_characters="\n\t"), max_size=300).filter(visible)


def _retitled(item: ScoredHeadline, title: str) -> ScoredHeadline:
    return item._replace(headline=replace(item.headline, title=title))


@settings(max_examples=120, deadline=None)
@given(
    lead_title=_LINE,
    body=_BODY,
    titles=st.lists(_LINE, min_size=1, max_size=4),
    subject=_LINE.filter(lambda s: "{" not in s and "}" not in s),  # not a template
)
def test_any_issue_is_read_back_as_written(lead_title, body, titles, subject):
    """Titles, a body and a subject with any characters survive the manifest (invisible
    characters dropped, a lead's title and body stripped, a headline's spaces folded, as the
    reader does), and the scanner reads what tomllib reads."""
    issue = sample_issue()
    related = tuple(
        _retitled(issue.related[i % len(issue.related)], t) for i, t in enumerate(titles)
    )
    written = replace(
        issue,
        subject=subject,
        lead=replace(issue.lead, title=lead_title, body=body, format="text"),
        related=related,
    )
    text = manifest_text(written, "issues/2026-W48")
    back = parse_manifest(text, PATH)
    assert back.lead.title == without_invisibles(lead_title).strip()
    assert back.lead.body == without_invisibles(body).strip()
    assert back.subject == without_invisibles(subject)
    assert [h.title for h in back.related] == [
        " ".join(without_invisibles(t).split()) for t in titles
    ]
    assert back.more == written.more and back.date == written.date
    assert parse_manifest(manifest_text(back, "issues/2026-W48"), PATH) == back
    scanned = _scanned(text)
    assert scanned is None or scanned == _past_issue(PATH, text)
    assert _past_issue(PATH, text).lead_title == " ".join(without_invisibles(lead_title).split())


def test_the_scanner_reads_the_builds_own_shape():
    """The sample's manifest is in the shape the scanner reads (the fast path is taken)."""
    text = manifest_text(sample_issue(), "issues/2026-W48")
    assert _scanned(text) == _past_issue(PATH, text) is not None
    assert _past_issue(PATH, text).date == dt.date(2026, 11, 26)
    assert isinstance(sample_issue().related[0].headline, Headline)
