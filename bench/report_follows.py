"""Report: which week-2 leads say they follow the sent week-1 issue (`follows`), on the real
weeks of tests/data/weeks, through the CLI.

For each week with a week2/: week 1 built (`newsletter build seeds/ feeds/ --date ...`) and
sent to one reader (what makes an issue memory), week 2's sources added, then week 2 built
once as labelled (no --lead) and once for every week-2 item as its lead (`--lead`, each under
its own --id): a week-2 Markdown story as it is, a feed item made a story of its own title,
link and the fixture's one-sentence summary (nothing added).  Each line says whether the issue
`follows` week 1's.

Two readings of what should follow:
- labelled before the tool ran: a week's `follow_up` in labels.toml (a feed item on the sent
  lead's story), and its week-2 `lead` (every one another story, but suez-2021's: the Ever
  Given refloated, a week after it blocked the canal, as its SOURCES.md tells);
- read after the tool ran (READ_AS_FOLLOW_UP, by the `places` helper who wrote this): every
  other week-2 item an editor would call a new development of week 1's lead.

Run:  .venv/bin/python bench/report_follows.py [WEEK ...]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from newsletter.cli import app  # noqa: E402
from newsletter.config import load_settings  # noqa: E402
from newsletter.send import MemoryTransport, SendOptions, send_issue  # noqa: E402
from newsletter.subscribers.store import open_store  # noqa: E402

WEEKS = ROOT / "tests" / "data" / "weeks"
# The weeks without labels.toml: their dates as tests/test_real_weeks.py builds them.
DATES = {"notre-dame-2019": ("2019-04-19", "2019-04-26"), "svb-2023": ("2023-03-18", "2023-03-25")}
# Read after the tool ran: week-2 items (besides the labelled ones) that tell a new development
# of week 1's lead, by title.
READ_AS_FOLLOW_UP = {
    "birmingham-2023": {"£100m Oracle bill contributed to Birmingham City Council bankruptcy"},
    "boj-2024": {"Yen sinks to 34-year low near 152 vs dollar as BOJ to remain dovish"},
    "eclipse-2024": {"Google searches about 'hurt eyes' spiked following the eclipse"},
    "heatwave-2025": {
        "Heat-related deaths tripled during the heatwave because of climate change, study shows"
    },
    "key-bridge-2024": {
        "First vessels pass through a temporary channel beside the Key Bridge wreckage"
    },
    "milei-2023": {
        "Milei meets Biden's adviser Jake Sullivan at the White House before his inauguration"
    },
    "notre-dame-2019": {
        "What started the Notre-Dame fire?",
        "Notre Dame investigators find cigarette butts on the scaffolding",
    },
    "rugby-world-cup-2019": {
        "First group of Springboks arrive home",
        "Watch: Thousands greet Springboks on return to South Africa",
        "Springboks tour reels in young and old fans in JHB",
    },
    "social-media-ban-2024": {
        "Australia PM fires back at Elon Musk's 'backdoor to internet control' remark on social"
        " media ban"
    },
    "suez-2021": {
        "Ever Given refloated in Suez Canal",
        "Suez Canal traffic prepares to resume as giant container ship Ever Given moves again",
    },
    "texas-measles-2025": {"Measles cases in Lea County rise to 30, with one adult death"},
}


def _add(workspace: Path, week: Path) -> None:
    for folder in ("seeds", "feeds"):
        (workspace / folder).mkdir(exist_ok=True)
        if (week / folder).is_dir():
            for path in (week / folder).iterdir():
                shutil.copy(path, workspace / folder / path.name)


def _built(args: list[str]) -> dict:
    result = CliRunner().invoke(app, ["build", *args, "--json"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return json.loads(result.stdout)


def _items(week: Path) -> list[tuple[str, str | None, str, str]]:
    """Week 2's items: (title, Markdown text to write as a story or None for a story file, file,
    link)."""
    found: list[tuple[str, str | None, str, str]] = []
    for path in sorted((week / "week2" / "seeds").glob("*.md")):
        lines = path.read_text("utf-8").splitlines()
        title = next((x[7:] for x in lines if x.startswith("title: ")), path.name)
        url = next((x[5:] for x in lines if x.startswith("url: ")), "")
        found.append((title.strip().strip('"'), None, path.name, url.strip()))
    for feed in sorted((week / "week2" / "feeds").glob("*.xml")):
        for n, item in enumerate(ET.parse(feed).getroot().iter("item")):
            title = item.findtext("title") or ""
            quoted = title.replace("\\", "\\\\").replace('"', '\\"')
            text = (
                f'---\ntitle: "{quoted}"\nurl: {item.findtext("link")}\n---\n'
                f"{item.findtext('description') or title}\n"
            )
            found.append((title, text, f"zz-item-{feed.stem}-{n}.md", ""))
    return found


def report(name: str) -> list[tuple[str, str, str, bool]]:
    """(kind, title, expected, follows) for every week-2 build of one week."""
    week = WEEKS / name
    labels = (
        tomllib.loads((week / "labels.toml").read_text("utf-8"))
        if (week / "labels.toml").exists()
        else {}
    )
    first_day, second_day = DATES.get(name) or (labels["build"], labels["week2"]["build"])
    workspace = Path(tempfile.mkdtemp(prefix="follows-"))
    shutil.copy(ROOT / "newsletter.toml", workspace / "newsletter.toml")
    os.chdir(workspace)
    _add(workspace, week / "week1")
    first = _built(["seeds/", "feeds/", "--date", first_day])
    settings, _ = load_settings(workspace)
    with open_store(settings.path(settings.database)) as store:
        store.upsert("reader@example.org", "Reader", {})
    send_issue(Path(first["issue_dir"]), settings, SendOptions(transport=MemoryTransport()))
    _add(workspace, week / "week2")
    rows = []
    as_labelled = _built(["seeds/", "feeds/", "--date", second_day, "--id", "labelled"])
    lead, lead_url = as_labelled["lead"]["title"], as_labelled["lead"]["url"]
    rows.append(
        ("lead", lead, "yes" if name == "suez-2021" else "no", bool(as_labelled["follows"]))
    )
    follow_up = labels.get("week2", {}).get("follow_up")
    for n, (title, text, file, url) in enumerate(_items(week)):
        if title == lead or (url and url == lead_url):
            continue
        if text is not None:
            (workspace / "seeds" / file).write_text(text, "utf-8")
        args = ["seeds/", "feeds/", "--date", second_day, "--id", f"item-{n}"]
        shown = _built([*args, "--lead", f"seeds/{file}"])
        if text is not None:
            (workspace / "seeds" / file).unlink()
        if title == follow_up:
            kind, expected = "follow_up", "yes"
        else:
            kind, expected = "item", "yes*" if title in READ_AS_FOLLOW_UP.get(name, ()) else "no"
        rows.append((kind, title, expected, bool(shown["follows"])))
    shutil.rmtree(workspace, ignore_errors=True)
    return rows


def main() -> None:
    os.environ.setdefault("NEWSLETTER_UNSUBSCRIBE_SECRET", "report-follows-0123456789abcdef")
    os.environ.pop("NEWSLETTER_DATABASE_URL", None)
    names = sys.argv[1:] or sorted(p.parent.name for p in WEEKS.glob("*/week2"))
    totals: dict[tuple[bool, str], list[int]] = {}
    for name in names:
        for kind, title, expected, follows in report(name):
            mark = "FOLLOWS" if follows else "-"
            print(f"{name:22} {kind:9} {expected:4} {mark:7} {title[:80]}")
            key = (kind != "item", expected.rstrip("*"))
            totals.setdefault(key, [0, 0])
            totals[key][0] += follows
            totals[key][1] += 1
    for labelled in (True, False):
        found, of = totals.get((labelled, "yes"), [0, 0])
        wrong, others = totals.get((labelled, "no"), [0, 0])
        which = "labelled before the tool ran" if labelled else "read after it ran (items)"
        print(f"{which}: follow-ups found {found} of {of}; wrong follows {wrong} of {others}")


if __name__ == "__main__":
    main()
