"""Learning the cut (share, bar, length) from the editor's edits of earlier issues
(assemble/learn.py), and the shipped share and bar from graded headlines (fit_graded.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsletter.assemble import AssembleOptions
from newsletter.assemble.fit_graded import SHARES, fit_bar, fit_share
from newsletter.assemble.learn import (
    CONFIRM_P,
    LEARN_BOUND,
    LENGTH_BOUND,
    PRIOR_EDITS,
    SHARE_BOUND,
    Cut,
    IssueEdits,
    Judged,
    agreement,
    judge_issue,
    learn_cut,
    sign_test,
)
from newsletter.assemble.meaning import RELATED_BAR, SPARSE_SHARE
from newsletter.build import build
from newsletter.cli import app
from newsletter.issue.editor_edits import read_editor_edits
from newsletter.issue.layout import RANKING_RECORD_NAME
from newsletter.preview.issue_summary import summarize_issue
from newsletter.preview.target import PreviewTarget
from tests.conftest import ROOT, SAMPLE_DATE

NEXT_WEEK = SAMPLE_DATE + dt.timedelta(days=7)
# A headline over the week bar the editor keeps: without one a week has no Related at any bar
# within bounds (the build's rule, meaning.related_count), so its other edits teach nothing.
CLEAR = Judged(0.6, True)
FOLDER = "issues/2026-W48"


def _edit_as_an_editor(folder: Path) -> tuple[float, float]:
    """Move the best More headline into Related and delete the last Related one, as an editor
    does in issue.toml (cut and paste whole tables), then re-render the folder; return the two
    headlines' scores (promoted, removed)."""
    manifest = folder / "issue.toml"
    blocks = manifest.read_text("utf-8").split("\n[[")
    head, tables = blocks[0], ["[[" + b for b in blocks[1:]]
    related = [t for t in tables if t.startswith("[[related]]")]
    more = [t for t in tables if t.startswith("[[more]]")]
    score = {t: float(t.split("score = ")[1].split("\n")[0]) for t in related + more}
    promoted = max(more, key=lambda t: score[t])
    removed = related[-1]
    kept = [*related[:-1], promoted.replace("[[more]]", "[[related]]", 1)]
    rest = [t for t in more if t is not promoted]
    manifest.write_text(head + "\n" + "\n".join([*kept, *rest]), encoding="utf-8")
    result = CliRunner().invoke(app, ["build", FOLDER])
    assert result.exit_code == 0, result.output
    return score[promoted], score[removed]


@pytest.fixture
def edited(workspace: Path, settings) -> tuple[float, float]:
    """Last week's sample issue, built and then edited by the editor."""
    build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE))
    return _edit_as_an_editor(workspace / FOLDER)


def test_edits_are_read_from_a_built_and_edited_folder(workspace, edited):
    """The record the build wrote against the manifest the editor left: one headline moved into
    Related, one deleted from it; the record survives the editor's re-render."""
    promoted, removed = edited
    assert (workspace / FOLDER / RANKING_RECORD_NAME).is_file()
    edits, warnings = read_editor_edits(workspace / "issues", NEXT_WEEK)
    assert warnings == ()
    assert [(e.issue, e.promoted, e.removed, e.cards_deleted) for e in edits] == [
        ("2026-W48", 1, 1, 0)
    ]
    judged = {(j.score, j.related) for j in edits[0].judged}
    assert (promoted, True) in judged and (removed, False) in judged
    assert all(j.rank >= 1 and j.parts is not None for j in edits[0].judged)
    assert read_editor_edits(workspace / "issues", SAMPLE_DATE) == ((), ())  # not before itself


def test_an_unedited_issue_teaches_nothing(workspace, settings):
    """A built issue the editor left as it was is skipped by its hash as built (its record is
    not even read) and leaves the bar where it shipped."""
    build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE))
    (workspace / FOLDER / RANKING_RECORD_NAME).write_text("not read", encoding="utf-8")
    edits, warnings = read_editor_edits(workspace / "issues", NEXT_WEEK)
    assert edits == () and warnings == ()
    learnt = learn_cut(edits)
    assert learnt.bar == RELATED_BAR and learnt.issues == ()


def test_card_deletions_and_moves_are_counted():
    """A card deleted and two swapped are counted as the editor's edits of the issue."""
    edits = judge_issue("w1", [], [], set(), cards=(["a", "b", "c"], ["c", "b"]))
    assert (edits.cards_deleted, edits.cards_moved, edits.edited) == (1, 1, True)


def test_the_learnt_bar_stays_within_its_bounds():
    """However many edits push it, the bar moves at most LEARN_BOUND from the shipped one; an
    edit no bar within the bounds could honour moves nothing."""
    lowest, highest = RELATED_BAR - LEARN_BOUND, RELATED_BAR + LEARN_BOUND
    low = [IssueEdits(f"l{i}", (CLEAR, *(Judged(lowest, True),) * 100), 100) for i in range(5)]
    high = [
        IssueEdits(f"h{i}", (CLEAR, *(Judged(highest - 0.005, False),) * 100), removed=100)
        for i in range(5)
    ]
    assert learn_cut(low).bar == pytest.approx(RELATED_BAR - LEARN_BOUND, abs=0.01)
    assert learn_cut(high).bar == pytest.approx(RELATED_BAR + LEARN_BOUND, abs=0.01)
    assert RELATED_BAR - LEARN_BOUND <= learn_cut(low + high).bar <= RELATED_BAR + LEARN_BOUND
    beyond = [IssueEdits(f"b{i}", (CLEAR, *(Judged(0.01, True),) * 10), 10) for i in range(8)]
    assert learn_cut(beyond).bar == RELATED_BAR


def _promoting(n: int, score: float) -> list[IssueEdits]:
    """n issues, in each of which the editor promoted one headline scored `score` and left one
    scored 0.05 under it in More (under a CLEAR one)."""
    return [
        IssueEdits(f"w{i}", (CLEAR, Judged(score, True), Judged(score - 0.05, False)), promoted=1)
        for i in range(n)
    ]


def test_the_bar_moves_only_when_five_issues_confirm_it_out_of_sample():
    """One edited issue, or four, leave the shipped bar (each issue left out, the others' bar
    places it better, but 4 of 4 is chance 1 in 16); five agreeing issues move it, by the
    evidence: 5 edits weigh 5 / (5 + PRIOR_EDITS) against the shipped bar."""
    below = round(RELATED_BAR - 0.04, 2)
    assert learn_cut(_promoting(1, below)).bar == RELATED_BAR
    four = learn_cut(_promoting(4, below))
    assert four.bar == RELATED_BAR and four.left_out == (4, 0)
    assert sign_test(4, 4) > CONFIRM_P >= sign_test(5, 5)
    five = learn_cut(_promoting(5, below))
    assert five.left_out == (5, 0)
    assert five.bar == round(RELATED_BAR - 0.04 * 5 / (5 + PRIOR_EDITS), 2)
    assert "the others' bar placed 5 better, 0 worse" in five.describe()


def test_a_preference_the_issues_contradict_is_refused():
    """Issues whose edits a bar honours in some and contradicts in others (a headline at 0.24
    promoted in three, one at 0.24 left in More and one at 0.30 deleted from Related in three)
    keep the shipped bar, however many edits they hold."""
    score = round(RELATED_BAR - 0.04, 2)
    promoting = _promoting(3, score)
    refusing = [
        IssueEdits(f"r{i}", (CLEAR, Judged(score, False), Judged(0.30, False)), removed=1)
        for i in range(3)
    ]
    learnt = learn_cut(promoting + refusing)
    assert learnt.bar == RELATED_BAR
    assert sign_test(*learnt.left_out[:1], sum(learnt.left_out)) > CONFIRM_P


def test_a_consistent_editor_is_agreed_with_more_on_the_next_issue():
    """Where the editor's preference is one a bar can express (six issues each promoting
    headlines at 0.27 and 0.25 and leaving one at 0.19), the learnt bar places the seventh
    issue's choices better than the shipped bar."""
    chosen = (CLEAR, Judged(0.27, True), Judged(0.25, True), Judged(0.19, False))
    learnt = learn_cut([IssueEdits(f"w{i}", chosen, promoted=2) for i in range(6)])
    assert learnt.left_out == (6, 0) and learnt.bar < RELATED_BAR
    assert agreement(chosen, learnt.bar) > agreement(chosen, RELATED_BAR)


def _json_build(*args: str) -> dict:
    result = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_build_json_says_what_was_learnt_and_cuts_there(workspace, edited):
    """The next week's build names the edited issue and its edits, and with one edited issue
    (nothing to confirm it out of sample) cuts Related at the shipped bar."""
    data = _json_build()
    learnt = data["learnt"]
    assert learnt["on"] is True and learnt["from_issues"] == ["2026-W48"]
    assert learnt["edits"]["promoted"] == 1 and learnt["edits"]["removed"] == 1
    assert learnt["left_out"] == {"better": 0, "worse": 0}
    assert learnt["bar"] == RELATED_BAR
    assert min(h["score"] for h in data["related"]) >= learnt["bar"]
    assert max(h["score"] for h in data["more"]) < learnt["bar"]
    assert "2026-W48" in learnt["summary"]


def test_the_build_report_says_what_was_learnt(workspace, edited):
    """The plain report has a `learnt` line naming the bar and the issue it read."""
    result = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat"])
    assert result.exit_code == 0, result.output
    assert (
        "learnt   Related bar kept at 0.28, concepts' share kept at 0.40, length kept at 8 "
        "lines, learnt from 1 edited issue(s) (2026-W48)"
    ) in result.output
    (line,) = [line for line in result.output.splitlines() if "learnt   " in line]
    assert line.endswith("(how each was checked: the preview's Ranking tab)")
    assert "each issue left out" not in line  # in --json and the Ranking tab, not the report


def test_the_bar_a_build_is_given_moves_its_cut(workspace, settings):
    """A bar under the shipped one takes a headline scoring under the shipped bar into Related."""
    shipped = build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE))
    lower = build(["seeds"], settings, AssembleOptions(today=SAMPLE_DATE, related_bar=0.15))
    gained = {h.title for h in lower.issue.related} - {h.title for h in shipped.issue.related}
    assert gained and all(
        0.15 <= h.score < RELATED_BAR for h in lower.issue.related if h.title in gained
    )


def test_no_learn_and_the_setting_turn_it_off(workspace, edited):
    """`--no-learn` and `[ranking] learn = false` rank and cut as shipped (share, bar and the
    `related` length, as the build's ranking record says) and say why."""
    data = _json_build("--no-learn")
    assert data["learnt"] == {"on": False, "why": "--no-learn"}
    assert min(h["score"] for h in data["related"]) >= RELATED_BAR
    record = json.loads((workspace / "issues" / data["id"] / RANKING_RECORD_NAME).read_text())
    assert (record["share"], record["bar"], record["length"]) == (SPARSE_SHARE, RELATED_BAR, 8)
    toml = workspace / "newsletter.toml"
    text = toml.read_text("utf-8")
    assert "\nlearn = true " in text  # the sample's newsletter.toml shows the setting
    toml.write_text(text.replace("\nlearn = true ", "\nlearn = false ", 1), encoding="utf-8")
    data = _json_build("--id", "2026-W49b")
    assert data["learnt"] == {"on": False, "why": "[ranking] learn = false"}
    assert min(h["score"] for h in data["related"]) >= RELATED_BAR


@pytest.mark.parametrize(
    "record",
    [
        '{"version": 1, "bar": ',
        '{"version": 99, "bar": 0.3}',
        '{"version": 1, "id": "x"}',
        '{"version": 2, "bar": 0.3, "related": [["k", 0.5, 0.4]], "more": [], "cards": []}',
    ],
    ids=["corrupt", "unknown-version", "wrong-shape", "row-of-three"],
)
def test_an_unreadable_record_is_skipped_with_a_warning(workspace, edited, record):
    """A ranking record that is corrupt, of another version or in another shape is skipped
    with a warning naming it; the build goes on at the shipped bar."""
    (workspace / FOLDER / RANKING_RECORD_NAME).write_text(record, encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat", "--json"])
    assert result.exit_code == 0, result.output
    assert f"{FOLDER}/{RANKING_RECORD_NAME}" in result.stderr
    assert "not learnt from" in result.stderr and "Traceback" not in result.output
    data = json.loads(result.stdout)
    assert data["learnt"]["bar"] == RELATED_BAR and data["learnt"]["from_issues"] == []


def test_an_unreadable_manifest_beside_a_record_is_skipped(workspace, edited):
    """A folder whose issue.toml the learner cannot read (not UTF-8) is skipped with a warning."""
    (workspace / "issues" / "old").mkdir()
    (workspace / "issues" / "old" / RANKING_RECORD_NAME).write_text(
        '{"version": 1, "bar": 0.3, "related": [], "more": [], "cards": []}', encoding="utf-8"
    )
    (workspace / "issues" / "old" / "issue.toml").write_bytes(b'id = "\xff"\n')
    edits, warnings = read_editor_edits(workspace / "issues", NEXT_WEEK)
    assert [e.issue for e in edits] == ["2026-W48"]
    assert len(warnings) == 1 and "issues/old/issue.toml" in warnings[0]


def test_the_preview_ranking_tab_says_what_was_learnt(workspace, edited):
    """The preview's ranking data carries `learnt`; with --no-learn it says learning is off."""
    from tests.support import labelled as lb

    for old in (workspace / "seeds").iterdir():
        old.unlink()  # this week's seed: another story
    lead = next(ld for ld in lb.load_leads() if ld.name.startswith("11_"))
    (workspace / "seeds" / "quake.txt").write_text(lb.seed_text(lead), encoding="utf-8")
    on = PreviewTarget.for_sources(["seeds"], workspace, NEXT_WEEK)
    result, _ = on.build()
    files = {
        n: (result.folder / n).read_bytes() for n in ("message.eml", "index.html", "index.txt")
    }
    shown = summarize_issue(result.issue, files, learnt=result.learnt_view())["ranking"]["learnt"]
    assert shown["on"] is True and shown["from_issues"] == ["2026-W48"]
    assert (shown["share"], shown["length"]) == (SPARSE_SHARE, 8)
    assert "concepts' share kept at 0.40, length kept at 8 lines" in shown["summary"]
    off = PreviewTarget.for_sources(["seeds"], workspace, NEXT_WEEK, learn=False)
    result, _ = off.build()
    assert result.learnt_view() == {"on": False, "why": "--no-learn"}
    script = (ROOT / "newsletter" / "preview" / "page" / "preview.js").read_text("utf-8")
    assert "ranking.learnt" in script and "Learnt from your edits" in script


def _simulator():
    spec = importlib.util.spec_from_file_location(
        "simulate_editor", ROOT / "bench" / "simulate_editor.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["simulate_editor"] = module
    spec.loader.exec_module(module)
    return module


def _simulated(editor: str):
    """The simulated editor's 12 issues (the first 12 real dev leads), measured on the other
    16 dev leads and 6 holdout leads."""
    sim = _simulator()
    from tests.support import labelled as lb

    real = [ld for ld in lb.load_leads() if ld.group == "real"]
    dev = [ld for ld in real if ld.split == "dev"]
    held_out = {"rest": dev[12:], "holdout": [ld for ld in real if ld.split == "holdout"][:6]}
    return sim.simulate(dev[:12], held_out, sim.EDITORS[editor])


@pytest.mark.slow
@pytest.mark.parametrize(
    "editor", ["strict", "generous", "precise", "brief", "ample", "literal", "semantic"]
)
def test_a_simulated_editor_is_never_agreed_with_less(editor):
    """Over 12 edited issues of the labelled set, agreement on leads the editor never edited
    (the other dev leads and 6 holdout leads) at the learnt cut never falls below the shipped
    cut's, and the share, the bar and the length stay within their bounds."""
    steps = _simulated(editor)
    for step in steps:
        for shipped, learnt in step.agreement.values():
            assert learnt >= shipped
        cut = step.learnt.cut
        assert RELATED_BAR - LEARN_BOUND <= cut.bar <= RELATED_BAR + LEARN_BOUND
        assert abs(cut.share - SPARSE_SHARE) <= SHARE_BOUND + 1e-9
        assert abs(cut.length - 8) <= LENGTH_BOUND
    assert steps[-1].learnt.promoted + steps[-1].learnt.removed >= 1


@pytest.mark.slow
def test_an_editor_who_keeps_related_short_is_agreed_with_more():
    """The brief editor (five lines of Related, every line past them deleted) is learnt
    through the build's own judge: by the twelfth issue Related is shorter and agreement on
    the held-out dev leads has risen over the shipped cut's."""
    steps = _simulated("brief")
    assert steps[0].learnt.cut.length == 8  # one issue confirms nothing
    last = steps[-1]
    assert last.learnt.cut.length < 8 and last.learnt.left_out_length[0] >= 5
    shipped, learnt = last.agreement["rest"]
    assert learnt > shipped


@pytest.mark.slow
def test_an_editor_who_reads_meaning_over_words_is_agreed_with_more():
    """The semantic editor (an on-topic headline in Related only when the model reads it
    close), learnt from the records' two evidences: by the twelfth issue the concepts' share
    is lower, confirmed by the issues left out, and agreement on the held-out dev leads and on
    the issues as built has risen over the shipped cut's."""
    steps = _simulated("semantic")
    assert steps[0].learnt.cut == steps[0].learnt.shipped
    last = steps[-1]
    assert last.learnt.share_learnable and last.learnt.cut.share < SPARSE_SHARE
    assert last.learnt.left_out[0] >= 5 and last.learnt.left_out[1] == 0
    for shipped, learnt in (last.agreement["rest"], last.built):
        assert learnt > shipped


def test_fit_share_weighs_the_evidence_that_orders_grade_2_first():
    """Where only the model's evidence puts grade 2 first, the learnt concepts' share is under
    half (grade 2 first up to 0.44: the nearest half of those shares); where only the concepts'
    does, over half (from 0.56)."""
    by_model = [[(1.0, 0.1, 0), (0.0, 0.9, 2)]]
    by_concepts = [[(0.1, 1.0, 0), (0.9, 0.0, 2)]]
    assert fit_share(by_model) == 0.4 and fit_share(by_concepts) == 0.6
    assert set(SHARES) >= {0.4, 0.6}


def test_fit_bar_is_where_grade_2_becomes_likelier_than_grade_0():
    """Grade 0 scoring 0.1-0.3 and grade 2 scoring 0.3-0.5 (overlapping at 0.3) put the bar at
    0.3; grade 1 judges nothing; one class alone leaves the shipped bar."""
    graded = [
        [(s, s, 0) for s in (0.1, 0.15, 0.2, 0.25, 0.3)]
        + [(s, s, 2) for s in (0.3, 0.35, 0.4, 0.45, 0.5)]
        + [(0.9, 0.9, 1), (0.0, 0.0, 1)]
    ]
    assert fit_bar(graded, 0.5) == pytest.approx(0.3, abs=0.01)
    assert fit_bar([[(0.4, 0.4, 2), (0.5, 0.5, 2)]], 0.5) == RELATED_BAR


def _cutting_at(n: int, length: int, lines: int = 10) -> list[IssueEdits]:
    """n issues of `lines` Related lines (the first scored 0.5, over the week bar, so the week
    has Related; the rest 0.439 down by 0.001: over every bar within bounds, under the week bar;
    ranks 1..lines, each line's two evidences alike) whose editor deleted every line past the
    `length`th."""
    scores = [0.5, *(0.44 - k / 1000 for k in range(1, lines))]
    return [
        IssueEdits(
            f"w{i}",
            tuple(Judged(s, k < length, k + 1, (s, s)) for k, s in enumerate(scores)),
            removed=lines - length,
        )
        for i in range(n)
    ]


def test_the_length_moves_towards_the_editors_and_stays_within_its_bounds():
    """Five issues whose editor cut Related after the fifth line shorten it, by the evidence;
    an editor who cuts after the first line moves it at most LENGTH_BOUND lines, never under
    one; four issues move nothing."""
    five = learn_cut(_cutting_at(5, 5))
    assert five.left_out_length == (5, 0)
    assert five.cut.length == round(8 - 3 * 15 / (15 + PRIOR_EDITS))
    assert five.cut.bar == RELATED_BAR and five.cut.share == SPARSE_SHARE
    one = learn_cut(_cutting_at(12, 1, lines=12))
    assert one.cut.length == 8 - LENGTH_BOUND
    assert learn_cut(_cutting_at(4, 5)).cut.length == 8
    assert learn_cut(_cutting_at(12, 1, lines=12), Cut(length=2)).cut.length == 1
    assert learn_cut(_cutting_at(4, 5), Cut(length=48)).as_dict()["length_bounds"] == [44, 50]


def _by_concepts(n: int) -> list[IssueEdits]:
    """n issues where the editor keeps a headline the concepts alone back (concepts 0.9, the
    model 0.05) and drops one the model alone backs (0.05, 0.6): at 0.4 neither is in
    Related (0.39, 0.38), a share of 0.6 or more puts the first in and keeps the second out."""
    return [
        IssueEdits(
            f"w{i}",
            (
                Judged(0.39, True, 1, (0.9, 0.05)),
                Judged(0.38, False, 2, (0.05, 0.6)),
                Judged(0.2, False, 3, (0.2, 0.2)),
            ),
            promoted=1,
        )
        for i in range(n)
    ]


def test_the_share_moves_towards_the_view_the_editor_follows_within_its_bounds():
    """Issues whose editor keeps what the concepts back and drops what the model backs raise
    the concepts' share (at most SHARE_BOUND over the shipped one); the same issues from a
    record without the evidences (version 1) leave the share and say so."""
    learnt = learn_cut(_by_concepts(12))
    assert learnt.share_learnable and learnt.left_out == (12, 0)
    assert SPARSE_SHARE < learnt.cut.share <= SPARSE_SHARE + SHARE_BOUND
    old = [
        replace(e, judged=tuple(replace(j, parts=None) for j in e.judged)) for e in _by_concepts(12)
    ]
    kept = learn_cut(old)
    assert kept.cut.share == SPARSE_SHARE and not kept.share_learnable
    assert "not learnt" in kept.describe()
    assert kept.as_dict()["share_bounds"] == [
        round(SPARSE_SHARE - SHARE_BOUND, 2),
        round(SPARSE_SHARE + SHARE_BOUND, 2),
    ]


def test_a_version_1_record_without_evidences_still_teaches_the_bar(workspace, edited):
    """A ranking record as builds wrote it before the evidences were kept (version 1, rows of
    key and score) is read: its edits count, their evidences are unknown, and the share is
    not learnt from it."""
    record = workspace / FOLDER / RANKING_RECORD_NAME
    data = json.loads(record.read_text("utf-8"))
    assert data["version"] == 2 and all(len(row) == 4 for row in data["related"])
    old = {
        "version": 1,
        "id": data["id"],
        "bar": data["bar"],
        **{k: [row[:2] for row in data[k]] for k in ("related", "more", "cards")},
    }
    record.write_text(json.dumps(old), encoding="utf-8")
    edits, warnings = read_editor_edits(workspace / "issues", NEXT_WEEK)
    assert warnings == () and [(e.promoted, e.removed) for e in edits] == [(1, 1)]
    assert all(j.parts is None for j in edits[0].judged)
    assert learn_cut(edits).share_learnable is False


def _keep_related(folder: Path, lines: int) -> int:
    """Delete every Related line past the first `lines` from the folder's issue.toml, as an
    editor does (whole tables); return how many were deleted."""
    manifest = folder / "issue.toml"
    blocks = manifest.read_text("utf-8").split("\n[[")
    head, tables = blocks[0], ["[[" + b for b in blocks[1:]]
    related = [t for t in tables if t.startswith("[[related]]")]
    dropped = set(map(id, related[lines:]))
    manifest.write_text(
        head + "\n" + "\n".join(t for t in tables if id(t) not in dropped), encoding="utf-8"
    )
    return len(dropped)


@pytest.mark.slow
def test_real_issues_cut_short_by_the_editor_shorten_the_next_build(workspace):
    """With `related = 6`, six weekly builds whose Related (4 lines) the editor cut after its
    third line, each in its issue.toml: the seventh build learns a shorter Related from them
    (each issue left out, the others' length placed it better: the length goes first, as it
    explains the cuts as well as a share and a bar would), says so in `build --json`, and
    records the length it cut at for the next build to judge; an eighth build given
    `--related 6` keeps that length."""
    from newsletter.config import load_settings

    toml = workspace / "newsletter.toml"
    toml.write_text(toml.read_text("utf-8").replace("\nrelated = 8 ", "\nrelated = 6 "), "utf-8")
    settings, _ = load_settings(workspace)
    assert settings.related == 6

    def week(k: int) -> str:
        return (SAMPLE_DATE + dt.timedelta(days=7 * k)).isoformat()

    for k in range(6):
        built = build(["seeds"], settings, AssembleOptions(today=dt.date.fromisoformat(week(k))))
        assert len(built.issue.related) == 4 and _keep_related(built.folder, 3) == 1
    whole = _json_build("--date", week(6), "--repeat")
    data = whole["learnt"]
    assert len(data["from_issues"]) == 6 and data["share_learnable"] is True
    assert data["left_out_length"] == {"better": 6, "worse": 0}
    assert data["length_bounds"] == [2, 10] and data["shipped_length"] == 6
    assert data["length"] == round(6 - 3 * 6 / (6 + PRIOR_EDITS))
    assert (data["share"], data["bar"]) == (SPARSE_SHARE, RELATED_BAR)
    assert "length 6 lines → 5 lines" in data["summary"]
    record = workspace / "issues" / whole["id"] / RANKING_RECORD_NAME
    assert json.loads(record.read_text("utf-8"))["length"] == 5
    # A length the editor gives on the command line is theirs: kept, not learnt.
    given = _json_build("--date", week(7), "--repeat", "--related", "6")
    assert (given["learnt"]["length"], given["learnt"]["left_out_length"]) == (
        6,
        {"better": 0, "worse": 0},
    )
    record = workspace / "issues" / given["id"] / RANKING_RECORD_NAME
    assert json.loads(record.read_text("utf-8"))["length"] == 6


@pytest.mark.parametrize("where", ["record", "record-row", "manifest"])
def test_an_earlier_issue_nested_100000_deep_is_skipped_not_a_traceback(workspace, edited, where):
    """A ranking record (or its issue.toml) nested 100,000 deep was a RecursionError that
    stopped every later build; now it is skipped with a warning naming it, and the build goes on."""
    folder = workspace / FOLDER
    deep = "[" * 100_000 + "]" * 100_000
    if where == "record":
        (folder / RANKING_RECORD_NAME).write_text(deep, encoding="utf-8")
    elif where == "record-row":
        record = '{"version": 2, "bar": 0.3, "related": ' + deep + ', "more": [], "cards": []}'
        (folder / RANKING_RECORD_NAME).write_text(record, encoding="utf-8")
    else:
        manifest = folder / "issue.toml"
        manifest.write_text(manifest.read_text("utf-8") + f"\nx = {deep}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat", "--json"])
    assert result.exit_code == 0, result.output
    assert "not learnt from" in result.stderr and FOLDER in result.stderr
    assert json.loads(result.stdout)["learnt"]["from_issues"] == []


def test_nan_infinite_and_huge_scores_in_records_keep_the_cut_in_bounds(workspace, edited):
    """Twelve earlier issues whose records hold NaN, ±Infinity and 1e308 for every score and
    evidence, each promoting and deleting: the build goes on, and the learnt share, bar and
    length stay within their stated bounds of what shipped."""
    source = workspace / FOLDER
    built = json.loads((source / RANKING_RECORD_NAME).read_text("utf-8"))
    values = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308]
    for n in range(12):
        folder = workspace / "issues" / f"old-{n}"
        folder.mkdir()
        manifest = (source / "issue.toml").read_text("utf-8")
        manifest = manifest.replace('id = "2026-W48"', f'id = "old-{n}"', 1)
        manifest = manifest.replace("date = 2026-11-", f"date = 2026-10-{10 + n:02d}\n# ", 1)
        (folder / "issue.toml").write_text(manifest, encoding="utf-8")
        record = dict(built)
        for key in ("related", "more", "cards"):
            record[key] = [
                [row[0], *(values[(n + i + j) % 5] for j in range(len(row) - 1))]
                for i, row in enumerate(built[key])
            ]
        record["bar"] = values[n % 5]
        (folder / RANKING_RECORD_NAME).write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat", "--json"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    learnt = json.loads(result.stdout)["learnt"]
    assert len(learnt["from_issues"]) >= 12, learnt
    assert abs(learnt["bar"] - RELATED_BAR) <= LEARN_BOUND + 1e-9
    assert abs(learnt["share"] - SPARSE_SHARE) <= SHARE_BOUND + 1e-9
    assert learnt["length"] >= 1 and abs(learnt["length"] - 8) <= LENGTH_BOUND


def test_copies_of_one_edited_issue_teach_as_one_issue(workspace, edited):
    """Twelve copies of last week's edited folder (a backup `cp -r`, or records claiming to be
    that issue): its edits count once, with a warning naming the copies, so one edited issue
    still moves nothing; counted thirteen times they confirmed each other (13 better, 0 worse)
    and took the bar from 0.28 to 0.20."""
    for n in range(12):
        shutil.copytree(workspace / FOLDER, workspace / "issues" / f"copy-{n}")
    result = CliRunner().invoke(app, ["build", "--date", "2026-12-03", "--repeat", "--json"])
    assert result.exit_code == 0, result.output
    learnt = json.loads(result.stdout)["learnt"]
    assert learnt["from_issues"] == ["2026-W48"]
    assert learnt["bar"] == RELATED_BAR and learnt["share"] == SPARSE_SHARE
    assert "issues/copy-0" in result.stderr and "2026-W48" in result.stderr


@pytest.mark.parametrize(
    ("scores", "cut"),
    [
        ((0.40, 0.30, 0.29), Cut()),  # the best under the week bar: Related is empty
        ((0.40, 0.30, 0.29), Cut(bar=0.2)),
        ((0.60, 0.55, 0.30, 0.50), Cut(length=2)),  # past the length it stops at 0.30
        ((0.60, 0.50, 0.30, 0.20), Cut()),
        ((0.60, 0.55, 0.50, 0.47, 0.46), Cut(length=2)),  # stretched to twice the length
        ((0.50, 0.30), Cut(bar=0.5)),
    ],
)
def test_the_learner_counts_the_cut_the_build_makes(scores, cut):
    """A headline the build's split_related puts in Related (or leaves out) at a cut is one the
    learner counts that cut as putting there: a week whose best headline is under the week bar
    has none, and past the length the cut stops at the first headline under the week bar."""
    from newsletter.assemble import split_related
    from newsletter.models import Headline, ScoredHeadline

    ranked = tuple(ScoredHeadline(Headline(f"h{i}"), s) for i, s in enumerate(scores))
    related, _ = split_related(ranked, cut.length, cut.bar)
    inside = {h.title for h in related}
    judged = tuple(Judged(s, f"h{i}" in inside, i + 1) for i, s in enumerate(scores))
    assert agreement(judged, cut) == 1.0
    flipped = tuple(replace(j, related=not j.related) for j in judged)
    assert agreement(flipped, cut) == 0.0
