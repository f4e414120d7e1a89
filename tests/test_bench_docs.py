"""The benchmark scripts and their documentation say the same thing."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_bench(name: str):
    """Import bench/<name>.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_ranking_prints_what_its_docs_say_without_and_with_holdout():
    """Without --holdout the ranking report prints dev and written rows only; the docs say so."""
    report = load_bench("report_ranking")
    assert report.table_rows(holdout=False) == ["real dev", "written (01-14)"]
    assert report.table_rows(holdout=True) == [
        "real dev",
        "real holdout",
        "real all",
        "written (01-14)",
    ]
    docs = " ".join((ROOT / "bench" / "README.md").read_text(encoding="utf-8").split())
    assert "Without `--holdout` it prints the rows `real dev` and `written (01-14)`" in docs
    assert "`--holdout` adds the rows `real holdout` and `real all`" in docs
    assert "--holdout prints them" in report.HOLDOUT_HIDDEN
    ranking = " ".join(
        (ROOT / "docs" / "ranking-measurements.md").read_text(encoding="utf-8").split()
    )
    assert "report_ranking.py --holdout" in ranking  # where the holdout figures it quotes come from
    assert "without `--holdout` it hides them" in ranking


def test_bench_send_names_a_missing_tool_in_one_line(tmp_path):
    """`make bench` without smtp-sink or mailmerge: one line naming the tool and how to get it."""
    bench_send = load_bench("bench_send")
    missing = str(tmp_path / "absent")
    with pytest.raises(SystemExit) as sink:
        bench_send.find_smtp_sink(missing)
    with pytest.raises(SystemExit) as mailmerge:
        bench_send.find_mailmerge(missing)
    for said, tool, how in [
        (sink.value.code, "smtp-sink", "apt-get install postfix"),
        (mailmerge.value.code, "mailmerge", "pip install mailmerge==2.3.0"),
    ]:
        assert isinstance(said, str) and "\n" not in said
        assert said.startswith(f"bench_send: {tool} not found at {missing}") and how in said


def test_report_pooled_pools_six_sets_and_never_scores_a_set_it_learnt_on():
    """The pooled report's sets are the 28 real dev leads, holdout2-5 and the sixteen graded
    real weeks (69, no lead twice; `weeks=False` the first 53), and a share per evidence class
    with one share both sides mixes as the plain share does."""
    report = load_bench("report_pooled")
    sets = report.pooled_sets()
    assert {name: len(leads) for name, leads in sets.items()} == {
        "dev": 28,
        "holdout2": 10,
        "holdout3": 5,
        "holdout4": 5,
        "holdout5": 5,
        "weeks": 16,
    }
    assert "weeks" not in report.pooled_sets(weeks=False)
    names = [lead.name for leads in sets.values() for lead in leads]
    assert len(set(names)) == len(names) == 69
    assert all(lead.group == "real" for leads in sets.values() for lead in leads)
    from newsletter.assemble.meaning import mix

    for parts in [(0.6, 0.2), (0.1, 0.7), (0.05, 0.35)]:
        assert report._mixed(parts, (0.4, 0.4, 0.3)) == mix(parts, 0.4)
    assert report._mixed((0.6, 0.2), (0.4, 0.1, 0.3)) == mix((0.6, 0.2), 0.1)  # under: low share
