"""The recorded sets of derived titles (tests/data/titles/, its README says how they are kept):
each lead's paragraphs, the title first read and the editor's verdict, and, where a later
round's code changed the title, `title_N` and `verdict_N` read again in round N.

A test of a set compares today's derived title with the one last recorded, whichever round
recorded it: `latest_title(lead)`, so a new round adds its `title_N` to the data and no test
has to name it.

A round read on a real week (tests/data/weeks/) takes a seed's paragraphs with
`seed_paragraphs`, and builds the week, its titles removed or not, with `built_titles`."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from newsletter.cli import app

TITLES = Path(__file__).parent.parent / "data" / "titles"

Lead = dict[str, Any]


def recorded_leads(stem: str) -> list[Lead]:
    """The leads of the set `tests/data/titles/<stem>.toml`, in order."""
    return tomllib.loads((TITLES / f"{stem}.toml").read_text("utf-8"))["lead"]


def lead_paragraphs(stem: str, index: int) -> list[str]:
    """The paragraphs of lead `index` (from 0) of the set `stem`."""
    return recorded_leads(stem)[index]["paragraphs"]


def every_lead() -> Iterator[tuple[str, Lead]]:
    """(stem, lead) for each lead of every set, the sets in name order."""
    for path in sorted(TITLES.glob("*.toml")):
        for lead in recorded_leads(path.stem):
            yield path.stem, lead


def sources_elsewhere(stem: str) -> set[str]:
    """The sources of the leads of every set but `stem` (a held-out set takes none of them)."""
    return {lead["source"] for other, lead in every_lead() if other != stem}


def read_once_set(stem: str, size: int) -> list[Lead]:
    """The leads of a held-out set, checked to be what a set read once must be: `size` of them,
    each with an http source no other set holds, a licence, a year outside 2004-2005 (that
    period belongs to a hidden set) and the editor's verdict on the title first read, with a
    reason for a reject."""
    found = recorded_leads(stem)
    others = sources_elsewhere(stem)
    assert len(found) == size
    for lead in found:
        assert lead["source"].startswith("http") and lead["licence"]
        assert lead["source"] not in others and not 2004 <= lead["year"] <= 2005
        assert lead["verdict_read"] == "keep" or lead["why"]
    return found


def changed_in_round(number: int) -> list[Lead]:
    """The leads of every set whose title round `number` changed and recorded (`title_N`)."""
    return [lead for _, lead in every_lead() if f"title_{number}" in lead]


def _latest(lead: Lead, kind: str, first: str, upto: int | None) -> str:
    rounds = [
        int(m[1])
        for key in lead
        if (m := re.fullmatch(rf"{kind}_(\d+)", key)) and (upto is None or int(m[1]) <= upto)
    ]
    return lead[f"{kind}_{max(rounds)}"] if rounds else lead[first]


def latest_title(lead: Lead, first: str = "title_read", *, upto: int | None = None) -> str:
    """The title last recorded for `lead` (by round `upto`, if given): its `title_N` of the
    latest round N, else `first` (the title as the set first recorded it)."""
    return _latest(lead, "title", first, upto)


def latest_verdict(lead: Lead, first: str = "verdict_read", *, upto: int | None = None) -> str:
    """The editor's verdict last recorded for `lead` (by round `upto`, if given): its
    `verdict_N` of the latest round N, else `first`."""
    return _latest(lead, "verdict", first, upto)


def seed_paragraphs(path: Path) -> list[str]:
    """The paragraphs of a Markdown seed after its front matter, each on one line."""
    body = path.read_text("utf-8").split("---", 2)[2]
    return [" ".join(p.split()) for p in body.strip().split("\n\n") if p.strip()]


def built_titles(workspace: Path, week_seeds: Path, day: str, *, untitled: bool) -> list[str]:
    """`newsletter build seeds/ --date DAY` in `workspace` (the current folder), its seeds a
    copy of `week_seeds` (every `title:` line removed when `untitled`): the titles of the
    issue's [[stories]] cards, in order."""
    seeds = workspace / "seeds"
    shutil.rmtree(seeds)
    shutil.copytree(week_seeds, seeds)
    if untitled:
        for story in seeds.iterdir():
            text = re.sub(r"(?m)^title:.*\n", "", story.read_text("utf-8"))
            story.write_text(text, "utf-8")
    result = CliRunner().invoke(app, ["build", "seeds/", "--date", day])
    assert result.exit_code == 0, result.output
    manifest = tomllib.loads(next((workspace / "issues").glob("*/issue.toml")).read_text("utf-8"))
    return [story["title"] for story in manifest["stories"]]
