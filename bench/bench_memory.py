"""Benchmark: memory across issues, the sample built with 200 earlier issues in issues/.

    .venv/bin/python bench/bench_memory.py [--issues 200] [--runs 15]

Target on the 2-core reference machine: the cross-issue lookup (reading the earlier manifests,
matching this week's headlines against theirs, and finding the lead it follows) adds < 50 ms.
The earlier issues are manifests as the build writes them (`manifest_text` of an assembled
issue): each a lead from the labelled set and 25 headlines drawn from its vocabulary with
links, a few of them this week's sample headlines, so repeats are found.  Measured in-process
(median of --runs, each step alone) and as a cold `newsletter build` process with and without
the 200 issues, alternated in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from probe import cpu_probe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TODAY = dt.date(2026, 11, 26)


def workspace(past: int) -> Path:
    """A copy of the sample workspace with `past` earlier issues in issues/."""
    from bench_rank import synthetic_titles

    from newsletter.assemble import AssembleOptions, assemble_issue
    from newsletter.config import load_settings
    from newsletter.issue.manifest import manifest_text
    from newsletter.models import Headline, Sources, Story
    from newsletter.sources import load_sources

    folder = Path(tempfile.mkdtemp(prefix="nl-bench-memory-"))
    shutil.copy(ROOT / "newsletter.toml", folder / "newsletter.toml")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    if not past:
        return folder
    settings, _ = load_settings(folder)
    sample = [h.title for h in load_sources([str(folder / "seeds")]).headlines]
    # Every labelled lead but the sample's own (01_peru_border_seed): an earlier issue that
    # carried this week's lead would leave the build no lead at all.
    leads = [
        tomllib.loads(p.read_text("utf-8"))
        for p in sorted((ROOT / "tests" / "data" / "labelled").glob("*.toml"))
        if not p.name.startswith("01_")
    ]
    pool = iter(synthetic_titles(past * 25, seed=11))
    rng = random.Random(11)
    for k in range(past):
        day = TODAY - dt.timedelta(days=7 * (past - k))
        lead = leads[k % len(leads)]
        headlines = [Headline(next(pool), url=f"https://example.org/{k}/{i}") for i in range(25)]
        if rng.random() < 0.02:  # now and then an earlier issue carried a sample headline
            headlines[0] = Headline(rng.choice(sample))
        story = Story(title=lead.get("title"), body="\n\n".join(lead["paragraphs"]), source="x")
        issue_id = f"{day.isoformat()}-{k:03d}"
        issue = assemble_issue(
            Sources((story,), tuple(headlines)),
            settings,
            AssembleOptions(today=day, issue_id=issue_id),
        )
        target = folder / "issues" / issue_id
        target.mkdir(parents=True)
        (target / "issue.toml").write_text(manifest_text(issue, f"issues/{issue_id}"), "utf-8")
    return folder


def lookup(folder: Path, runs: int) -> dict[str, float]:
    """Each step of the cross-issue lookup alone, in-process, median ms."""
    from newsletter.assemble.candidates import candidate_headlines
    from newsletter.assemble.lead import choose_lead
    from newsletter.assemble.memory import followed_issue, split_repeated
    from newsletter.assemble.relevance import lead_profile, rank_headlines
    from newsletter.assemble.titles import derive_title
    from newsletter.issue.past_issues import read_past_issues
    from newsletter.models import Headline
    from newsletter.sources import load_sources

    sources = load_sources([str(folder / "seeds")])
    story = choose_lead(sources.stories, sources.headlines, None)
    title = story.title or derive_title(story.paragraphs)
    ranked = rank_headlines(
        lead_profile(title, story.paragraphs),
        candidate_headlines(story, sources.stories, sources.headlines),
    )

    def median_ms(fn) -> float:
        fn()
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1e3

    past = read_past_issues(folder / "issues", TODAY)
    _, repeated = split_repeated(ranked, past, TODAY)
    lead = Headline(title, url=story.url, summary=story.paragraphs[0] if story.paragraphs else "")
    follows = followed_issue(lead, past, TODAY)
    read = median_ms(lambda: read_past_issues(folder / "issues", TODAY))
    match = median_ms(lambda: split_repeated(ranked, past, TODAY))
    follow = median_ms(lambda: followed_issue(lead, past, TODAY))
    return {
        "issues": len(past),
        "headlines": sum(len(p.headlines) for p in past),
        "repeated": len(repeated),
        "follows": follows.id if follows else None,
        "read_ms": read,
        "match_ms": match,
        "follows_ms": follow,
        "total_ms": read + match + follow,
    }


FIRST_CALL = """
import sys, time
sys.path.insert(0, {root!r})
from newsletter.assemble import AssembleOptions, assemble_issue
from newsletter.config import load_settings
from newsletter.sources import load_sources
import datetime as dt
from pathlib import Path
folder = Path({folder!r})
settings, _ = load_settings(folder)
sources = load_sources([str(folder / "seeds")])
options = AssembleOptions(today=dt.date.fromisoformat({today!r}))
assemble_issue(sources, settings, options)  # the build's own first-use costs, paid before
start = time.perf_counter()
from newsletter.issue.past_issues import read_past_issues
past = read_past_issues(folder / "issues", options.today)
assemble_issue(sources, settings, options, past)
with_past = time.perf_counter() - start
start = time.perf_counter()
assemble_issue(sources, settings, options)
print(with_past - (time.perf_counter() - start))
"""


def first_call(folder: Path, runs: int) -> float:
    """The look-up's first call in a fresh process (regexes compiled, words analysed anew), as
    a cold build pays it: median ms over `runs` processes."""
    code = FIRST_CALL.format(root=str(ROOT), folder=str(folder), today=TODAY.isoformat())
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(samples) * 1e3


def cold(folders: list[Path], runs: int) -> list[float]:
    """`newsletter build seeds/` as a fresh process in each folder, alternated; median s each."""
    script = Path(sys.executable).with_name("newsletter")
    command = [str(script), "build", "seeds/", "--date", TODAY.isoformat()]
    times: list[list[float]] = [[] for _ in folders]
    for folder in folders:
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
    for _ in range(runs):
        for i, folder in enumerate(folders):
            start = time.perf_counter()
            subprocess.run(command, cwd=folder, check=True, capture_output=True)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"machine speed probe: {cpu_probe():.3f} s (0.19 s at its quickest)")
    empty, full = workspace(0), workspace(args.issues)
    os.chdir(full)
    found = lookup(full, args.runs)
    print(
        f"lookup over {found['issues']} earlier issues ({found['headlines']} headlines; "
        f"{found['repeated']} of this week's repeated, follows {found['follows']}): "
        f"read {found['read_ms']:.1f} ms + match {found['match_ms']:.1f} ms + "
        f"follows {found['follows_ms']:.1f} ms = {found['total_ms']:.1f} ms  (target < 50 ms)"
    )
    print(
        f"look-up as a cold build pays it (first call in a fresh process): "
        f"{first_call(full, args.runs):.1f} ms  (target < 50 ms)"
    )
    without, with_past = cold([empty, full], max(5, args.runs))
    print(
        f"cold `newsletter build`: {without:.3f} s with no earlier issue, {with_past:.3f} s "
        f"with {found['issues']}: +{(with_past - without) * 1e3:.0f} ms"
    )
    shutil.rmtree(empty)
    shutil.rmtree(full)


if __name__ == "__main__":
    main()
