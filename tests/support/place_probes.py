"""The place probes (tests/data/weeks/place_probes.toml) scored through the build's assembler.

Each probe is added alone to its week's sources (the week's Markdown stories and feed), as a
feed entry with no summary, and the issue is assembled with the week's labelled lead: the probe's
score, and whether it reached Related (as a line or folded under one).  tests/test_place_probes.py
asserts on these; `python -m tests.support.place_probes` prints them, and with `--wordings`
what the Birmingham lead's other wordings get wrong (docs/ranking-measurements.md, "Place names").
"""

from __future__ import annotations

import datetime as dt
import sys
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


def _birmingham_wordings() -> dict[str, tuple[str, list[str]]]:
    """The Birmingham lead as written and rewritten to say its city in other roles."""
    sources, lead, _ = _week("birmingham-2023")
    story = next(s for s in sources.stories if s.title == lead)
    first, rest = story.paragraphs[0], list(story.paragraphs[1:])
    tail = first.split(". ", 1)[1]
    council = "Birmingham City Council, the largest"
    return {
        "as written": (lead, [first, *rest]),
        "dateline": (
            lead,
            [
                "BIRMINGHAM, England — " + first.replace(council, "The city council, the largest"),
                *rest,
            ],
        ),
        "possessive": (lead, [first + " Birmingham's leaders said the city would cut.", *rest]),
        "of": (
            "The council of Birmingham issues a section 114 notice",
            [
                f"The council of Birmingham, the largest local authority in Europe, issued a section "
                f"114 notice on Tuesday. {tail}",
                *rest,
            ],
        ),
        "in": (
            "Council in Birmingham issues a section 114 notice",
            [
                f"The city council in Birmingham, the largest local authority in Europe, issued a "
                f"section 114 notice on Tuesday. {tail}",
                *rest,
            ],
        ),
        "subject": (
            "Birmingham declares itself effectively bankrupt",
            [
                "Birmingham, Britain's second city, declared itself effectively bankrupt on Tuesday: "
                f"its council issued a section 114 notice. {tail}",
                *rest,
            ],
        ),
    }


def wordings() -> dict[str, list[str]]:
    """Each wording of the Birmingham lead → the Birmingham probes it gets wrong (each added
    alone to the week's feed headlines, ranked as the build ranks them)."""
    from newsletter.assemble.meaning import RELATED_BAR, lead_text, rank_by_meaning
    from newsletter.assemble.relevance import lead_profile

    sources, _, _ = _week("birmingham-2023")
    groups = probes()["birmingham-2023"]
    found = {}
    for name, (title, paragraphs) in _birmingham_wordings().items():
        profile, lead = lead_profile(title, paragraphs), lead_text(title, paragraphs)
        wrong = []
        for key in ("off", "on"):
            for probe, _ in groups[key]:
                ranked = rank_by_meaning(lead, profile, [*sources.headlines, Headline(probe)])
                score = next(
                    i.score for i in ranked if probe in {i.title, *(m.title for m in i.merged)}
                )
                if (score >= RELATED_BAR) != (key == "on"):
                    wrong.append(f"{key} {score:.3f} {probe}")
        found[name] = wrong
    return found


def main() -> None:
    """Print each probe's outcome and the counts that matter (with --wordings, the Birmingham
    lead's wordings and the probes each gets wrong)."""
    if "--wordings" in sys.argv:
        for name, wrong in wordings().items():
            print(f"{name}: {len(wrong)} of 16 wrong", *(f"    {w}" for w in wrong), sep="\n")
        return
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
