"""A follow-up of last week's lead, in a week whose feed holds only last week's items: the
fuller account of the running story leads over a short unrelated story, and follows the
earlier issue.  Built and sent through the real build and send, as an editor meets it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.cli import app
from newsletter.send import MemoryTransport, SendOptions, send_issue
from newsletter.subscribers.store import open_store

LAST_WEEK = dt.date(2026, 11, 19)
THIS_WEEK = dt.date(2026, 11, 26)

FERRY = """\
---
title: "Ferry runs aground off Kestrel Point with 140 passengers aboard"
url: https://example.org/news/ferry-aground
---
The island ferry Marrowby Star ran aground on a sandbank off Kestrel Point on Thursday evening \
with 140 passengers and crew aboard, the harbour authority said. Lifeboats from two stations \
took everyone ashore by midnight; four passengers were treated for cold.

The ferry operator, Tarn Isles Shipping, said the vessel lost steering in a squall as it \
approached the harbour mouth. Salvage crews will try to refloat it on the next high tide.
"""

FOLLOW_UP = """\
---
title: "Inquiry finds ferry's steering failed twice before Kestrel Point grounding"
url: https://example.org/news/ferry-inquiry
---
The steering of the island ferry Marrowby Star had failed twice in the month before it ran \
aground off Kestrel Point, the marine accident inquiry said on Tuesday in its first report. \
Both faults were logged by the crew but the vessel kept sailing while a spare part was on \
order.

Tarn Isles Shipping, the ferry's operator, said it had grounded the rest of its fleet for \
checks and would run a smaller chartered boat on the island route until the spring. \
Salvage crews refloated the Marrowby Star on Saturday and towed it to the harbour, where \
divers found a gash in its hull.

Islanders who depend on the crossing for work and school said the timetable had been cut \
to three sailings a day. The inquiry expects to publish its full findings next year.
"""

ORCHARDS = """\
---
title: "Orchards on the island bring in a record apple harvest"
url: https://example.org/news/orchards
---
Growers on the island have picked a record apple harvest after a mild spring and a warm, wet \
summer, the growers' cooperative said. Cold stores are full, and some farms are pressing the \
surplus into juice and cider. Pickers who come over for the season said the work had run \
into November this year.
"""

FEED = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Coast desk</title><link>https://example.net/</link>
<description>Fictional news for a test.</description>
{items}
</channel></rss>
"""

LAST_WEEKS_ITEMS = (
    ("Lifeboats bring ferry passengers ashore after grounding", "ferry-lifeboats"),
    ("Island ferry loses steering in squall off Kestrel Point", "ferry-squall"),
    ("Salvage crews wait for high tide to refloat stranded ferry", "ferry-salvage"),
    ("Harbour market adds a Sunday fish stall", "fish-stall"),
    ("Council votes to resurface the coast road", "coast-road"),
)


def _feed(workspace: Path) -> None:
    items = "\n".join(
        f"<item><title>{title}</title><link>https://example.net/{slug}</link>"
        f"<pubDate>Tue, 17 Nov 2026 09:00:00 GMT</pubDate></item>"
        for title, slug in LAST_WEEKS_ITEMS
    )
    (workspace / "seeds" / "coast.xml").write_text(FEED.format(items=items), "utf-8")


def _stories(workspace: Path, **stories: str) -> None:
    for old in (workspace / "seeds").iterdir():
        old.unlink()
    for name, text in stories.items():
        (workspace / "seeds" / f"{name}.md").write_text(text, "utf-8")
    _feed(workspace)


def _build(day: dt.date) -> dict:
    result = CliRunner().invoke(app, ["build", "seeds/", "--date", day.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _send(settings, folder: Path) -> None:
    with open_store(settings.path(settings.database)) as store:
        store.upsert("reader@example.org", "Reader", {})
    assert send_issue(folder, settings, SendOptions(transport=MemoryTransport())).sent == 1


@pytest.fixture
def secret(monkeypatch):
    """The unsubscribe key a send signs its links with."""
    monkeypatch.setenv("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret-0123456789abcdef")


def test_the_longer_follow_up_of_last_weeks_lead_leads_over_a_short_other_story(
    workspace, settings, secret
):
    """Last week's ferry grounding led and went out; this week the feed holds only last week's
    items, and the 135-word inquiry follow-up leads over the 54-word orchards story, following
    last week's issue (the orchards story led on the follow-up's coverage of it, which held its passing words
    "island", "spring" and "run" while it scored under the bar against the follow-up)."""
    _stories(workspace, ferry=FERRY)
    first = _build(LAST_WEEK)
    assert first["lead"]["title"].startswith("Ferry runs aground")
    _send(settings, Path(first["issue_dir"]))

    _stories(workspace, inquiry=FOLLOW_UP, orchards=ORCHARDS)
    second = _build(THIS_WEEK)
    assert {h["title"] for h in second["repeated"]} >= {t for t, _ in LAST_WEEKS_ITEMS}
    assert second["lead"]["title"].startswith("Inquiry finds")
    assert second["follows"]["id"] == "2026-W47"
    assert [c["title"] for c in second["stories"]] == [
        "Orchards on the island bring in a record apple harvest"
    ]
