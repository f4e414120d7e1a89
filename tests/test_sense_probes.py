"""A headline sharing only the lead title's general verb ("ends", "crosses") or a word the lead
has only inside a compound ("exchange-traded") stays under the Related bar; one about the
lead's event with that verb reaches Related (tests/data/weeks/sense_probes.toml, frozen before
it was scored)."""

from __future__ import annotations

import tomllib

import pytest

from newsletter.assemble.meaning import RELATED_BAR
from tests.support import place_probes as pp

SENSE_PROBES = pp.WEEKS / "sense_probes.toml"


@pytest.mark.slow
def test_another_sense_of_the_title_verb_or_a_compound_word_is_not_related():
    """Each probe added alone to its week: every off-topic probe scores under the Related bar
    (three did before: Hollywood's strike "ends" 0.358, a migrant boat "crosses" 0.366, the
    Dow "crosses" 0.335) and every on-topic one is Related."""
    probes = tomllib.loads(SENSE_PROBES.read_text("utf-8"))
    for week, groups in probes.items():
        for title in groups["off"]:
            score, related, _ = pp.score_probe(week, title)
            assert not related and score < RELATED_BAR, (week, title, score)
        for title in groups["on"]:
            score, related, _ = pp.score_probe(week, title)
            assert related, (week, title, score)
