"""Measure the ranker on the labelled leads of tests/data/labelled, as the build shows it.

Shared by tests/test_relevance.py and bench/report_ranking.py, so the numbers the tests assert
are the numbers the report prints.

Each lead becomes a seed file's text (front matter with the title, unless the lead is
untitled; the paragraphs; a gap; one headline per line) and goes through the same code as
`newsletter build --json`: `parse_seed_text`, then `assemble_issue` (lead choice, title
derivation for an untitled lead, candidates, ranking, near-duplicate folding, the Related cut).
What comes out is the Related list and the More list, in order, exactly as the JSON shows them.

Two groups of leads live in the folder:

- **real** (files with `grade` on every headline): real published leads and real headlines of
  the same week, graded 0/1/2 by hand (tests/data/labelled/README.md);
- **written** (files with `related = true/false/"partial"`): the first 14 leads, written in wire
  style for the set; `related` counts as grade 2 / 0 / 1.

Measures, per lead and then over a set of leads:

- **nDCG@5** of Related then More, in order: gain = grade, discount 1/log2(rank + 1), the
  ideal ordering from the lead's own grades (a headline folded away as a near-duplicate still
  counts in the ideal);
- **recall of grade 2 in Related**: grade-2 headlines in Related over grade-2 headlines
  (micro-averaged over the leads); `recall2_capped` divides by min(grade-2s, RELATED_SLOTS),
  what a Related of 8 can reach at best (a Related stretched past 8 by headlines scoring the
  week bar may pass it);
- **grade 0 in Related per lead**, and precision (grade >= 1 share of Related).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsletter.assemble.fit_graded import Graded
    from newsletter.models import Issue

LABELLED = Path(__file__).parents[1] / "data" / "labelled"
# A second held-out set, gathered after the ranker was built (tests/data/holdout2/README.md):
# read only by `bench/report_ranking.py --holdout2`, never by a fit.
HOLDOUT2 = Path(__file__).parents[1] / "data" / "holdout2"
# A third, gathered once holdout2 had been read and so become dev (tests/data/holdout3/README.md):
# read only by `bench/report_holdout2_cli.py tests/data/holdout3`, never by a fit.
HOLDOUT3 = Path(__file__).parents[1] / "data" / "holdout3"
# A fourth, gathered once holdout3 had been read and so become dev (tests/data/holdout4/README.md):
# read only by `bench/report_ranking.py --holdout4`, never by a fit.
HOLDOUT4 = Path(__file__).parents[1] / "data" / "holdout4"
# A fifth, gathered once holdout4 had been read and so become dev (tests/data/holdout5/README.md):
# read only by `bench/report_ranking.py --holdout5`, never by a fit.
HOLDOUT5 = Path(__file__).parents[1] / "data" / "holdout5"
# A sixth and a seventh, gathered once holdout5 had been read (tests/data/holdout6/README.md,
# holdout7/README.md): the first reading of rules chosen on holdout2-5, then of rules chosen on
# holdout6; read only by `bench/report_ranking.py --holdout6/--holdout7`, never by a fit.
HOLDOUT6 = Path(__file__).parents[1] / "data" / "holdout6"
HOLDOUT7 = Path(__file__).parents[1] / "data" / "holdout7"
# The real weeks built as a new user would (tests/data/weeks/*/week1: seeds and feeds), each
# feed headline graded against the week's lead in its grades.toml: read by bench/report_pooled.py.
WEEKS = Path(__file__).parents[1] / "data" / "weeks"
RELATED_SLOTS = 8  # the default `related` of newsletter.toml (past it: meaning.RELATED_STRETCH)
FOLDS = 5
TODAY = dt.date(2026, 11, 27)  # any date: the ranking does not depend on it


@dataclass(frozen=True)
class LabelledLead:
    """One labelled lead: its text and its headlines with their grades."""

    name: str
    group: str  # "real" | "written"
    split: str  # "dev" | "holdout" | "week" (load_weeks)
    title: str | None  # the published title; None when the lead is fed untitled
    paragraphs: tuple[str, ...]
    headlines: tuple[tuple[str, int], ...]  # (title as published, grade 0/1/2)
    beat: str = ""
    # a real week (load_weeks): its week1 folder, built from its seeds and feeds on `built`
    # (an ISO date) as `newsletter build` would, instead of from a seed text
    week: str = ""
    built: str = ""

    @property
    def grades(self) -> dict[str, int]:
        """Grade of each headline title."""
        return dict(self.headlines)


_WRITTEN_GRADE = {True: 2, "partial": 1, False: 0}


def load_leads(folder: Path = LABELLED) -> tuple[LabelledLead, ...]:
    """Every labelled lead of the folder, in file-name order."""
    leads = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        items = data["headlines"]
        written = all("related" in h for h in items)
        if written:
            headlines = tuple((h["title"], _WRITTEN_GRADE[h["related"]]) for h in items)
            title = data.get("title") or None
        else:
            headlines = tuple((h["title"], int(h["grade"])) for h in items)
            title = None if data.get("untitled", False) else data["title"]
        leads.append(
            LabelledLead(
                name=path.stem,
                group="written" if written else "real",
                split=data["split"],
                title=title,
                paragraphs=tuple(data["paragraphs"]),
                headlines=headlines,
                beat=data.get("beat", data.get("topic", "")),
            )
        )
    return tuple(leads)


def load_weeks(folder: Path = WEEKS) -> tuple[LabelledLead, ...]:
    """Every graded real week (its grades.toml) as a lead: the lead story's seed (title or
    untitled, paragraphs) and the week's feed headlines with their grades, built from the week."""
    from newsletter.sources import load_sources

    leads = []
    for path in sorted(folder.glob("*/grades.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        (story,) = load_sources([path.parent / data["lead_seed"]]).stories
        leads.append(
            LabelledLead(
                name=f"week-{path.parent.name}",
                group="real",
                split="week",
                title=story.title,
                paragraphs=tuple(p for p in story.body.split("\n\n") if p.strip()),
                headlines=tuple((h["title"], int(h["grade"])) for h in data["headlines"]),
                week=str(path.parent / "week1"),
                built=data["build"],
            )
        )
    return tuple(leads)


def seed_text(lead: LabelledLead) -> str:
    """The lead as a seed file: the title in front matter (if titled), paragraphs, headlines."""
    head = f"---\ntitle: {json.dumps(lead.title, ensure_ascii=False)}\n---\n" if lead.title else ""
    body = "\n\n".join(" ".join(p.split()) for p in lead.paragraphs)
    lines = "\n".join(" ".join(title.split()) for title, _ in lead.headlines)
    return f"{head}{body}\n\n\n{lines}\n"


@dataclass(frozen=True)
class Output:
    """What `newsletter build --json` shows for a lead: Related and More, in order."""

    related: tuple[tuple[str, float], ...]  # (title, score)
    more: tuple[tuple[str, float], ...]
    lead_title: str = ""
    ranked: tuple = ()  # the ScoredHeadlines of Related then More, to re-cut (`recut`)
    # each Related and More line's (title, (concepts' evidence, model's)), as the ranking
    # record keeps them (issue/editor_edits.py)
    parts: tuple = ()
    # the lead's own article from other sources, folded into the lead (own_copies.py)
    lead_also: tuple[str, ...] = ()

    @property
    def order(self) -> list[str]:
        """Related then More titles, as the JSON lists them."""
        return [t for t, _ in self.related] + [t for t, _ in self.more]


# The rankers the report compares, as the concepts' share (the model's is the rest); None:
# the share learnt on each fold's training leads.
RANKERS = {"sparse only": 1.0, "dense only": 0.0, "combined, learnt": None}


def build_output(
    lead: LabelledLead, slots: int = RELATED_SLOTS, sparse_share: float | None = None
) -> Output:
    """Run the lead's seed through the build's own assembler (no files, no render); with
    `sparse_share`, the ranker weighs the concept score so (1.0: sparse only, 0.0: dense only)."""
    from newsletter.assemble import meaning

    if sparse_share is None:
        return _build_output(lead, slots)
    saved = meaning.SPARSE_SHARE, meaning.DENSE_SHARE
    meaning.SPARSE_SHARE, meaning.DENSE_SHARE = sparse_share, 1.0 - sparse_share
    try:
        return _build_output(lead, slots)
    finally:
        meaning.SPARSE_SHARE, meaning.DENSE_SHARE = saved


def _build_output(lead: LabelledLead, slots: int) -> Output:
    from newsletter.assemble import AssembleOptions, assemble_issue
    from newsletter.config import Settings
    from newsletter.models import Sources
    from newsletter.sources.seed_text import parse_seed_text

    if lead.week:  # a real week: its seeds and feeds, as `newsletter build seeds feeds` reads them
        from newsletter.sources import load_sources

        week = Path(lead.week)
        sources = load_sources([week / "seeds", week / "feeds"])
        options = AssembleOptions(today=dt.date.fromisoformat(lead.built), related=slots)
        issue = assemble_issue(sources, Settings(workspace=week.parent), options)
        return _as_built(issue, slots)
    story, headlines = parse_seed_text(seed_text(lead), Path(f"seeds/{lead.name}.txt"))
    options = AssembleOptions(today=TODAY, related=slots)
    issue = assemble_issue(Sources((story,), headlines), Settings(workspace=LABELLED), options)
    return _as_built(issue, slots)


def _as_built(issue: Issue, slots: int) -> Output:
    """The issue's Related and More as the ranker cut them (`_as_ranked`); with the lead's own
    article from other sources (Issue.lead_copies, own_copies.py: folded into the lead, not
    listed) put back into the ranking and cut again, as the ranking chose them: the measure
    is the ranker's, and a report of the lead's event counts as the graders graded it."""
    out = _output(_as_ranked(issue), issue.more, issue.lead.title)
    if issue.lead_copies:
        ranked = sorted((*out.ranked, *issue.lead_copies), key=lambda h: -h.score)
        out = recut(replace(out, ranked=tuple(ranked)), slots)
    return replace(out, lead_also=tuple(h.title for h in issue.lead.merged))


def _as_ranked(issue: Issue) -> tuple:
    """Related as the ranker cut it: a line whose headline became the untitled lead's title
    (Issue.title_line, assemble.titled_lead) is put back at its score, as the ranking chose it."""
    line = issue.title_line
    if line is None:
        return issue.related
    at = next((i for i, h in enumerate(issue.related) if h.score < line.score), len(issue.related))
    return (*issue.related[:at], line, *issue.related[at:])


def _output(related: Sequence, more: Sequence, lead_title: str) -> Output:
    # `ranked` is best first (More sorted back by score, ties in source order), with another
    # outlet's report listed in Related folded back under its line, so `recut` can cut again
    # at another bar; More itself is shown in source order, as the build does.
    from newsletter.assemble.reports import fold_reports

    return Output(
        tuple((h.title, h.score) for h in related),
        tuple((h.title, h.score) for h in more),
        lead_title,
        (*fold_reports(tuple(related)), *sorted(more, key=lambda h: -h.score)),
        tuple((h.title, h.parts) for h in (*related, *more) if h.parts is not None),
    )


def recut(
    output: Output,
    slots: int = RELATED_SLOTS,
    bar: float | None = None,
    *,
    clear: float | None = None,
    stretch: int | None = None,
) -> Output:
    """The same ranking cut again at another Related bar (or length: `slots`, and past them
    the `clear` bar up to `stretch` times `slots`), by the assembler's own split."""
    from newsletter.assemble import split_related
    from newsletter.assemble.meaning import RELATED_STRETCH

    stretch = RELATED_STRETCH if stretch is None else stretch
    related, more = split_related(output.ranked, slots, bar, clear, stretch)
    shown = {title: i for i, title in enumerate(output.order)}
    # More in source order, as the build shows it: the seed's headline order.
    return _output(related, sorted(more, key=lambda h: _source_index(h, shown)), output.lead_title)


def _source_index(item: object, shown: dict[str, int]) -> int:
    from newsletter.models import ScoredHeadline

    assert isinstance(item, ScoredHeadline)
    line = item.headline.source.rsplit(":", 1)[-1]
    return int(line) if line.isdigit() else shown.get(item.title, len(shown))


_WORD = re.compile(r"\b\w\w+\b")


def tfidf_scores(lead: LabelledLead) -> list[tuple[str, float]]:
    """Plain TF-IDF cosine of each headline with the lead (scikit-learn's defaults: smooth
    IDF, l2 norm, lowercased word tokens, IDF fitted on the lead and its headlines), best first."""
    titles = [title for title, _ in lead.headlines]
    text = " ".join([lead.title or "", *lead.paragraphs])
    docs = [[w.lower() for w in _WORD.findall(d)] for d in [text, *titles]]
    df = Counter(w for doc in docs for w in set(doc))
    idf = {w: math.log((1 + len(docs)) / (1 + n)) + 1 for w, n in df.items()}

    def vector(doc: list[str]) -> dict[str, float]:
        v = {w: c * idf[w] for w, c in Counter(doc).items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    lead_vector = vector(docs[0])
    scores = [sum(lead_vector.get(w, 0.0) * x for w, x in vector(doc).items()) for doc in docs[1:]]
    order = sorted(range(len(titles)), key=lambda i: (-scores[i], i))
    return [(titles[i], scores[i]) for i in order]


def tfidf_output(scores: list[tuple[str, float]], threshold: float) -> Output:
    """TF-IDF's Related: the best RELATED_SLOTS at or above its threshold."""
    cut = 0
    while cut < len(scores) and cut < RELATED_SLOTS and scores[cut][1] >= threshold:
        cut += 1
    return Output(tuple(scores[:cut]), tuple(scores[cut:]))


@dataclass(frozen=True)
class LeadScore:
    """One lead's measures."""

    name: str
    ndcg5: float
    related_grades: tuple[int, ...]  # grades of the Related headlines, in order
    grade2: int  # grade-2 headlines the lead has
    # grades of the near-duplicates folded under a Related headline (its `also`)
    also_grades: tuple[int, ...] = ()


def score_lead(lead: LabelledLead, output: Output) -> LeadScore:
    """nDCG@5 of the output's order and the grades that reached Related."""
    grades = lead.grades
    gains = [grades[title] for title in output.order[:5]]
    ideal = sorted(grades.values(), reverse=True)[:5]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    related = tuple(grades[t] for t, _ in output.related)
    lines = {t for t, _ in output.related}
    shown = [item for item in output.ranked if item.title in lines]
    also = tuple(grades[m.title] for item in shown for m in item.merged if m.title not in lines)
    count2 = sum(g == 2 for g in grades.values())
    return LeadScore(lead.name, dcg / idcg if idcg else 1.0, related, count2, also)


@dataclass(frozen=True)
class Summary:
    """Measures over a set of leads."""

    leads: int
    ndcg5: float
    recall2: float
    recall2_capped: float
    zeros_per_lead: float
    precision: float  # share of Related headlines with grade >= 1
    thin: int  # leads with at least 3 grade-2s whose Related holds fewer than 2 of them
    # grade-2 recall counting a near-duplicate folded under a Related headline (its `also`
    # in the manifest and `build --json`) as in Related
    recall2_folded: float = 0.0

    def row(self) -> str:
        """One line of a report table."""
        return (
            f"{self.leads:3d} {self.ndcg5:6.3f} {self.recall2:6.3f} {self.recall2_capped:6.3f} "
            f"{self.zeros_per_lead:6.2f} {self.precision:6.3f} {self.thin:3d} "
            f"{self.recall2_folded:6.3f}"
        )


def summarize(scores: Sequence[LeadScore]) -> Summary:
    """Mean nDCG@5, micro recall of grade 2, grade 0 in Related per lead, precision."""
    if not scores:
        return Summary(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0)
    found = sum(s.related_grades.count(2) for s in scores)
    wanted = sum(s.grade2 for s in scores)
    capped = sum(min(s.grade2, RELATED_SLOTS) for s in scores)
    shown = sum(len(s.related_grades) for s in scores)
    useful = sum(g >= 1 for s in scores for g in s.related_grades)
    return Summary(
        leads=len(scores),
        ndcg5=sum(s.ndcg5 for s in scores) / len(scores),
        recall2=found / wanted if wanted else 1.0,
        recall2_capped=found / capped if capped else 1.0,
        zeros_per_lead=sum(s.related_grades.count(0) for s in scores) / len(scores),
        precision=useful / shown if shown else 1.0,
        thin=sum(s.grade2 >= 3 and s.related_grades.count(2) < 2 for s in scores),
        recall2_folded=(found + sum(s.also_grades.count(2) for s in scores)) / wanted
        if wanted
        else 1.0,
    )


def measure_ours(leads: Iterable[LabelledLead]) -> Summary:
    """This ranker, through the build."""
    return summarize([score_lead(lead, build_output(lead)) for lead in leads])


def tfidf_threshold(leads: Sequence[LabelledLead]) -> float:
    """TF-IDF's Related threshold fitted on these leads: the best `objective_of`; ties go to
    the higher, more precise threshold."""
    ranked = [(lead, tfidf_scores(lead)) for lead in leads]
    candidates = sorted({round(s, 3) for _, r in ranked for _, s in r if s > 0}) or [1.0]

    def objective(threshold: float) -> tuple[float, float]:
        summary = summarize([score_lead(ld, tfidf_output(r, threshold)) for ld, r in ranked])
        return (objective_of(summary), threshold)

    return max(candidates, key=objective)


def objective_of(summary: Summary) -> float:
    """The one number a fitted cut maximises: F1 of precision and capped grade-2 recall."""
    p, r = summary.precision, summary.recall2_capped
    return 2 * p * r / (p + r) if p + r else 0.0


def measure_tfidf(leads: Sequence[LabelledLead], threshold: float) -> Summary:
    """Plain TF-IDF with the given Related threshold."""
    return summarize([score_lead(ld, tfidf_output(tfidf_scores(ld), threshold)) for ld in leads])


def folds(leads: Sequence[LabelledLead], k: int = FOLDS) -> list[list[LabelledLead]]:
    """k folds of the leads, dealt round-robin in name order (deterministic)."""
    return [list(leads[i::k]) for i in range(k)]


def cross_validate(
    leads: Sequence[LabelledLead],
    fit: Callable[[Sequence[LabelledLead]], object],
    evaluate: Callable[[object, Sequence[LabelledLead]], list[LeadScore]],
    k: int = FOLDS,
) -> Summary:
    """k-fold cross-validation: fit on k-1 folds, score the held-out fold, pool the scores."""
    scores: list[LeadScore] = []
    parts = folds(leads, k)
    for i, test in enumerate(parts):
        train = [lead for j, part in enumerate(parts) if j != i for lead in part]
        scores += evaluate(fit(train), test)
    return summarize(scores)


def tfidf_cv(leads: Sequence[LabelledLead]) -> Summary:
    """TF-IDF with its threshold fitted by 5-fold cross-validation."""

    def evaluate(threshold: object, test: Sequence[LabelledLead]) -> list[LeadScore]:
        assert isinstance(threshold, float)
        return [score_lead(ld, tfidf_output(tfidf_scores(ld), threshold)) for ld in test]

    return cross_validate(leads, tfidf_threshold, evaluate)


@functools.cache
def output_at(lead: LabelledLead, sparse_share: float | None = None) -> Output:
    """`build_output` at the default slots, remembered (the folds reuse each lead's builds)."""
    return build_output(lead, sparse_share=sparse_share)


def graded(lead: LabelledLead) -> list[Graded]:
    """Each ranked headline of the lead as (concepts' evidence, model's evidence, grade): the
    two terms meaning.combine mixes, read from the build at share 1 (concepts only) and 0."""
    concepts = {t: s for t, s in output_at(lead, 1.0).related + output_at(lead, 1.0).more}
    dense = {t: s for t, s in output_at(lead, 0.0).related + output_at(lead, 0.0).more}
    grades = lead.grades
    return [(concepts[t], dense[t], grades[t]) for t in concepts if t in dense]


def event_graded(lead: LabelledLead, unshared: bool = False) -> list[Graded]:
    """The lead's headlines whose concepts are its names alone, as the ranker reads them
    (story_views.event_views, the lead as the build ranks it: untitled without a title), each
    as (0, its event view's cosine, grade): what fit_graded.fit_bar learns EVENT_BAR from.
    With `unshared`, only those sharing no word with the story (story_views.UNSHARED_BAR)."""
    from newsletter.assemble import meaning, story_views
    from newsletter.assemble.relevance import WEAK_CAP, lead_profile, rank_headlines
    from newsletter.models import Headline

    profile = lead_profile(lead.title, lead.paragraphs)
    candidates = [Headline(title) for title, _ in lead.headlines]
    position = {id(h): i for i, h in enumerate(candidates)}
    strong = [
        position[id(member)]
        for item in rank_headlines(profile, candidates)
        if item.score > WEAK_CAP
        for member in (item.headline, *item.merged)
    ]
    views, alone = story_views.event_views(
        meaning.lead_text(lead.title, lead.paragraphs),
        profile,
        candidates,
        strong,
        meaning.dense_cosines,
        meaning.dense_vectors,
    )
    return [
        (0.0, view, lead.headlines[i][1]) for i, view in views.items() if not unshared or i in alone
    ]


def fit_ranker(
    train: Sequence[LabelledLead], sparse_share: float | None = None
) -> tuple[float, float]:
    """(concepts' share, Related bar) learnt on these leads (fit_graded.fit_share, fit_graded.fit_bar);
    with `sparse_share`, that share is kept and only the bar is learnt."""
    from newsletter.assemble.fit_graded import fit_bar, fit_share

    evidence = [graded(lead) for lead in train]
    share = fit_share(evidence) if sparse_share is None else sparse_share
    return share, fit_bar(evidence, share)


def ours_cv(
    leads: Sequence[LabelledLead],
    sparse_share: float | None = None,
    slots: int = RELATED_SLOTS,
    stretch: int | None = None,
) -> tuple[Summary, list[tuple[float, float]]]:
    """This ranker with its concepts' share and Related bar learnt by 5-fold cross-validation
    (or a variant: `sparse_share` fixed, the bar learnt; Related `slots` long, `stretch` 1:
    nothing past them); also what each fold chose."""
    chosen: list[tuple[float, float]] = []
    scores: list[LeadScore] = []
    for _, fitted, part in _folds_fitted(leads, sparse_share, slots, stretch):
        chosen.append(fitted)
        scores += part
    return summarize(scores), chosen


def _folds_fitted(
    leads: Sequence[LabelledLead],
    sparse_share: float | None,
    slots: int = RELATED_SLOTS,
    stretch: int | None = None,
) -> list[tuple[int, tuple[float, float], list[LeadScore]]]:
    parts = folds(leads)
    result = []
    for i, test in enumerate(parts):
        train = [lead for j, part in enumerate(parts) if j != i for lead in part]
        share, bar = fit_ranker(train, sparse_share)
        scored = [
            score_lead(ld, recut(output_at(ld, share), slots, bar, stretch=stretch)) for ld in test
        ]
        result.append((i + 1, (share, bar), scored))
    return result


def per_split(
    leads: Sequence[LabelledLead], sparse_share: float | None = None
) -> list[tuple[int, Summary]]:
    """The cross-validation's folds one by one: each held-out fold scored at the share and bar
    learnt on the other four (the per-split table of docs/ranking-measurements.md)."""
    return [(i, summarize(part)) for i, _, part in _folds_fitted(leads, sparse_share)]
