"""The place probes (tests/data/weeks/place_probes.toml) scored through the build's assembler.

Each probe is added alone to its week's sources (the week's Markdown stories and feed), as a
feed entry with no summary, and the issue is assembled with the week's labelled lead: the probe's
score, and whether it reached Related (as a line or folded under one).  tests/test_place_probes.py
asserts on these; `python -m tests.support.place_probes` prints them.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import NamedTuple

from newsletter.assemble import AssembleOptions, assemble_issue
from newsletter.config import load_settings
from newsletter.models import Headline, Sources
from newsletter.sources import load_sources

ROOT = Path(__file__).resolve().parents[2]
WEEKS = ROOT / "tests" / "data" / "weeks"
PROBES = WEEKS / "place_probes.toml"


class Probe(NamedTuple):
    """One probe headline's outcome under its week's lead."""

    week: str
    title: str
    on_topic: bool  # names the place AND the story's topic (else the place only)
    origin: str  # "real" (the event happened) or "realistic"
    score: float
    related: bool
    matched: tuple[str, ...]


def probes() -> dict[str, dict[str, list[list[str]]]]:
    """The frozen probe set, by week."""
    return tomllib.loads(PROBES.read_text("utf-8"))


@cache
def _week(name: str) -> tuple[Sources, str, dt.date]:
    folder = WEEKS / name
    labels = tomllib.loads((folder / "labels.toml").read_text("utf-8"))
    week1 = folder / "week1"
    sources = load_sources([week1 / "seeds", week1 / "feeds"])
    return sources, labels["lead"], dt.date.fromisoformat(labels["build"])


def score_probe(week: str, title: str) -> tuple[float, bool, tuple[str, ...]]:
    """The probe's score, whether it is Related, and its matched terms, added alone to `week`."""
    sources, lead, today = _week(week)
    settings, _ = load_settings(ROOT)
    probe = Headline(
        title=title, url="https://probe.example.org/item", source="probe.xml", outlet="probe"
    )
    issue = assemble_issue(
        replace(sources, headlines=(*sources.headlines, probe)),
        settings,
        AssembleOptions(today=today, lead=lead, related_given=True),
    )
    for item in issue.related:
        if item.title == title or any(m.title == title for m in item.merged):
            return item.score, True, item.matched
    for item in (*issue.more, *(h for s in issue.sections for h in s.headlines)):
        if item.title == title:
            return item.score, False, item.matched
    return 0.0, False, ()


def run() -> list[Probe]:
    """Every probe of every week, scored."""
    found = []
    for week, groups in probes().items():
        for key in ("off", "on"):
            for title, origin in groups[key]:
                score, related, matched = score_probe(week, title)
                found.append(Probe(week, title, key == "on", origin, score, related, matched))
    return found


def main() -> None:
    """Print each probe's outcome and the counts that matter."""
    found = run()
    for p in found:
        wrong = p.related != p.on_topic
        mark = "WRONG" if wrong else "ok"
        kind = "on " if p.on_topic else "off"
        print(f"{mark:5s} {p.week[:10]:10s} {kind} {p.score:.3f} {p.title[:70]:70s} {p.matched}")
    off = [p for p in found if not p.on_topic]
    on = [p for p in found if p.on_topic]
    print(f"off-topic in Related: {sum(p.related for p in off)} of {len(off)}")
    print(f"on-topic in Related:  {sum(p.related for p in on)} of {len(on)}")


if __name__ == "__main__":
    main()
