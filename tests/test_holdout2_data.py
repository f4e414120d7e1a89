"""The held-out sets gathered after the ranker was built (tests/data/holdout2 to holdout7) keep
the labelled set's format and rules."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.support import labelled as lb

DATA = Path(__file__).parent / "data"
# (folder, split, at least so many leads, each with at least so many headlines)
SETS = [
    (lb.HOLDOUT2, "holdout2", 10, 14),
    (lb.HOLDOUT3, "holdout3", 5, 12),
    (lb.HOLDOUT4, "holdout4", 5, 14),
    (lb.HOLDOUT5, "holdout5", 5, 14),
    (lb.HOLDOUT6, "holdout6", 4, 13),
    (lb.HOLDOUT7, "holdout7", 2, 14),
]


def _files(folder: Path) -> list[dict]:
    return [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.toml"))]


@pytest.mark.parametrize(("folder", "split", "leads", "headlines"), SETS)
def test_holdout_loads_as_real_graded_leads(folder, split, leads, headlines):
    """Every file loads through the labelled loader as a real lead of the set's split."""
    loaded = lb.load_leads(folder)
    assert len(loaded) >= leads
    assert {ld.group for ld in loaded} == {"real"}
    assert {ld.split for ld in loaded} == {split}
    assert all(len(ld.headlines) >= headlines for ld in loaded)


@pytest.mark.parametrize("folder", [s[0] for s in SETS])
def test_holdout_records_sources_licences_and_dates(folder):
    """Each lead names its source and licence, each headline its URL, date (never 2004-2005) and
    a grade of 0, 1 or 2."""
    for data in _files(folder):
        assert data["source"].startswith("http") and data["licence"]
        for item in data["headlines"]:
            assert item["source"].startswith("http")
            assert item["grade"] in (0, 1, 2)
            assert not item["date"].startswith(("2004", "2005"))


@pytest.mark.parametrize("folder", [s[0] for s in SETS])
def test_holdout_shares_no_url_with_the_rest_of_tests_data(folder):
    """No URL of a held-out set appears in any other file under tests/data: its news is new."""
    files = _files(folder)
    urls = {d["source"] for d in files} | {h["source"] for d in files for h in d["headlines"]}
    others = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in DATA.rglob("*")
        if p.is_file() and folder not in p.parents and p.suffix in (".toml", ".md", ".xml", ".txt")
    )
    assert not [u for u in urls if u in others]
