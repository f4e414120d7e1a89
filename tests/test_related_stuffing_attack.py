"""A feed headline stuffed with the lead's key terms (a bag of them, or a few of them and a
promotion) no longer out-ranks real coverage of the story in Related, through `newsletter build`
(docs/security.md, *Keyword stuffing*; docs/ranking.md, *Echoes*)."""

from __future__ import annotations

import html
import json

import pytest

from newsletter.assemble import echoes
from newsletter.assemble.meaning import lead_text
from tests.support import labelled as lb
from tests.support.build_json import build_json
from tests.test_meaning import PARAGRAPHS, TITLE
from tests.test_title_headline import _feed, _item, write

STORY = f"---\ntitle: {json.dumps(TITLE)}\n---\n\n" + "\n\n".join(PARAGRAPHS) + "\n"
# Real coverage of the floods, from four outlets: the weakest on-topic line scored 0.774.
REAL = (
    "Dozens still missing after Spain's deadliest floods in decades",
    "Spain declares three days of mourning after floods",
    "Valencia CF match postponed after floods",
)
OTHER = ("Parliament passes budget after late-night vote", "Chelsea sign Valencia striker")
ATTACKS = {
    # a bag of the lead's terms, nothing of its own: 0.900
    "a bag of the lead's terms": "Valencia floods death toll rescuers search missing Spain region",
    # a few of them, then a promotion: 0.861
    "a promotional tail": "Valencia floods death toll rises as rescuers search: buy BetterCoin now",
}


def _related(workspace, attack: str) -> dict[str, float]:
    items = [
        _item(html.escape(title), f"https://n{i}.example/a", f"Outlet {i}", f"https://n{i}.example/")
        for i, title in enumerate((*REAL, *OTHER))
    ]  # fmt: skip
    items.append(
        _item(html.escape(attack), "https://spam.example/a", "Spam", "https://spam.example/")
    )
    data = build_json(
        write(workspace, "seeds/floods.md", STORY),
        write(workspace, "feeds/news.xml", _feed(*items)),
        "--lead",
        "seeds/floods.md",
    )
    assert data["lead"]["title"] == TITLE
    return {item["title"]: item["score"] for item in data["related"] + data["more"]}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_a_stuffed_headline_does_not_outrank_real_coverage(workspace, attack):
    """Each stuffed headline scores under every real on-topic line (0.612-0.774): on the code
    before, the bag scored 0.907 and the promotion 0.839, over them all."""
    scores = _related(workspace, attack)
    assert scores[attack] < min(scores[title] for title in REAL), scores


def test_a_promotional_tail_costs_the_headline(workspace):
    """The same lead terms score less with a promotion joined to them than without it: 0.439
    against 0.897 (on the code before, 0.839: the promotion cost only what it took from the
    model's cosine)."""
    plain = "Valencia floods death toll rises as rescuers search for missing"
    promoted = f"{plain}: buy BetterCoin now"
    assert _related(workspace, promoted)[promoted] < _related(workspace, plain)[plain] - 0.1


def test_no_real_headline_about_a_lead_reads_as_stuffed():
    """No headline graded about its lead (1 or 2) in the labelled sets, the holdouts and the real
    weeks reads as stuffed: the real headlines made only of their lead's words, with no function
    word ("California Supreme Court Overturns Gay Marriage Ban"), have seven words or fewer,
    and no part of one that names none of the lead's words opens with an order."""
    folders = (lb.LABELLED, lb.HOLDOUT2, lb.HOLDOUT3, lb.HOLDOUT4, lb.HOLDOUT5, lb.HOLDOUT6)
    leads = [lead for folder in (*folders, lb.HOLDOUT7) for lead in lb.load_leads(folder)]
    read = 0
    for lead in [*leads, *lb.load_weeks()]:
        words = echoes.lead_words(lead_text(lead.title, lead.paragraphs)[1])
        for title, grade in lead.headlines:
            read += 1
            assert grade == 0 or not echoes.stuffed(title, words), (lead.name, title)
    assert read > 1600
