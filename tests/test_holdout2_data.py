"""The second held-out set (tests/data/holdout2) keeps the labelled set's format and rules."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.support import labelled as lb

DATA = Path(__file__).parent / "data"


def _files() -> list[dict]:
    return [
        tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(lb.HOLDOUT2.glob("*.toml"))
    ]


def test_holdout2_loads_as_real_graded_leads():
    """Every file loads through the labelled loader as a real lead of split holdout2."""
    leads = lb.load_leads(lb.HOLDOUT2)
    assert len(leads) >= 10
    assert {ld.group for ld in leads} == {"real"}
    assert {ld.split for ld in leads} == {"holdout2"}
    assert all(len(ld.headlines) >= 14 for ld in leads)


def test_holdout2_records_sources_licences_and_dates():
    """Each lead names its source and licence, each headline its URL, date (never 2004-2005) and
    a grade of 0, 1 or 2."""
    for data in _files():
        assert data["source"].startswith("http") and data["licence"]
        for item in data["headlines"]:
            assert item["source"].startswith("http")
            assert item["grade"] in (0, 1, 2)
            assert not item["date"].startswith(("2004", "2005"))


def test_holdout2_shares_no_url_with_the_rest_of_tests_data():
    """No URL of holdout2 appears in any other file under tests/data: its news is new."""
    urls = {d["source"] for d in _files()} | {h["source"] for d in _files() for h in d["headlines"]}
    others = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in DATA.rglob("*")
        if p.is_file()
        and lb.HOLDOUT2 not in p.parents
        and p.suffix in (".toml", ".md", ".xml", ".txt")
    )
    assert not [u for u in urls if u in others]
