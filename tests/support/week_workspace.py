"""A workspace on a weekly schedule (Thursday 07:00, Lisbon) with three readers, for `run` tests.

The clock is the test's: `week_minutes` yields every minute of the week of 2026-11-30, and
`run_at` calls `newsletter run`'s library function at one of them; nothing sleeps.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from newsletter.config import Settings, load_settings
from newsletter.subscribers.store import open_store
from newsletter.week.run import RunEvent, RunOptions, run_week
from tests.conftest import SAMPLE_SEED

LISBON = ZoneInfo("Europe/Lisbon")
MONDAY = dt.datetime(2026, 11, 30, 0, 0, tzinfo=LISBON)
SEND_TIME = dt.datetime(2026, 12, 3, 7, 0, tzinfo=LISBON)  # Thursday of 2026-W49
ISSUE = "2026-W49"
READERS = ("ana@example.org", "bruno@example.org", "carla@example.org")
REVIEWER = "editor@example.org"

SETTINGS = """\
name = "The Test Brief"
from = "The Test Brief <digest@example.org>"
base_url = "https://news.example.org"
postal_address = "The Test Brief, 1 Example Street, Springfield"
sources = ["seeds/"]

[schedule]
cadence = "weekly"
day = "thursday"
time = "07:00"
timezone = "Europe/Lisbon"
reviewers = ["editor@example.org"]

[unsubscribe]
url = "https://news.example.org/unsubscribe"
secret_env = "NEWSLETTER_TEST_UNSUBSCRIBE_SECRET"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5.0
connections = 1
processes = 1
retry_delay = 0.01
max_attempts = 3
"""


def make_week_workspace(root: Path, port: int) -> Settings:
    """newsletter.toml on the schedule, the sample seed (written this week), three readers."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "newsletter.toml").write_text(SETTINGS.replace("{port}", str(port)), "utf-8")
    (root / "seeds").mkdir()
    seed = root / "seeds" / SAMPLE_SEED.name
    shutil.copy(SAMPLE_SEED, seed)
    stamp = MONDAY.timestamp()
    os.utime(seed, (stamp, stamp))
    settings, _ = load_settings(root)
    with open_store(settings.path(settings.database)) as store:
        for reader in READERS:
            store.upsert(reader, "", {})
    return settings


def week_minutes(start: dt.datetime = MONDAY, days: int = 7) -> Iterator[dt.datetime]:
    """Every minute from `start` for `days` days."""
    for minute in range(days * 24 * 60):
        yield start + dt.timedelta(minutes=minute)


def run_at(settings: Settings, now: dt.datetime, events: list[RunEvent], **options) -> int:
    """`newsletter run` at `now`; its events appended to `events`; the exit code."""
    return run_week(settings, RunOptions(now=now, on_event=events.append, **options))
