"""Near-duplicate headlines: Jaccard on concept sets, found by bounded prefix filtering."""

from __future__ import annotations

import math
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsletter.assemble import terms
from newsletter.assemble.duplicates import (
    DUPLICATE_JACCARD,
    PREFIX_TOKENS,
    group_near_duplicates,
    jaccard,
    prefix_keys,
)


def concept_set(title: str) -> frozenset[str]:
    return frozenset(term.concept for term in terms.terms(title))


def test_jaccard():
    """Jaccard is intersection over union, and 1.0 for two empty sets."""
    assert jaccard(frozenset("ab"), frozenset("bc")) == 1 / 3
    assert jaccard(frozenset(), frozenset()) == 1.0


def test_reworded_headlines_are_grouped():
    """Two wordings of the same news fold together, the first one leading."""
    sets = [
        concept_set("Peru to declare state of emergency at Chile border as migrants gather"),
        concept_set("Trump pardons former Honduran president"),
        concept_set("Peru declares emergency on border with Chile amid migrant surge"),
    ]
    assert group_near_duplicates(sets) == [[0, 2], [1]]


def test_same_pattern_different_news_stays_apart():
    """Headlines that differ in their subject are not duplicates."""
    sets = [concept_set("Trump tariffs China"), concept_set("Trump tariffs Mexico")]
    assert group_near_duplicates(sets) == [[0], [1]]


def test_empty_sets_are_never_duplicates():
    """Headlines without content words stay separate."""
    assert group_near_duplicates([frozenset(), frozenset()]) == [[0], [1]]


def _brute_force(sets: list[frozenset[str]], threshold: float) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for j, current in enumerate(sets):
        leaders = [i for i in groups if current and jaccard(current, sets[i]) >= threshold]
        if leaders:
            groups[min(leaders)].append(j)
        else:
            groups[j] = [j]
    return list(groups.values())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.frozensets(st.sampled_from("abcdefghij"), max_size=7), max_size=25))
def test_prefix_filtering_finds_every_pair(sets):
    """Prefix filtering finds exactly the duplicates an all-pairs comparison finds."""
    ours = group_near_duplicates(sets)
    for group in ours:
        assert all(jaccard(sets[group[0]], sets[j]) >= DUPLICATE_JACCARD for j in group[1:])
    leaders = [group[0] for group in ours]
    for a, b in combinations(leaders, 2):
        assert not sets[b] or jaccard(sets[a], sets[b]) < DUPLICATE_JACCARD
    assert ours == _brute_force(sets, DUPLICATE_JACCARD)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.frozensets(st.sampled_from([f"c{i}" for i in range(120)]), min_size=60, max_size=110),
        max_size=12,
    )
)
def test_long_sets_are_grouped_as_all_pairs_group_them(sets):
    """Sets of 60-110 concepts, whose prefixes are cut at PREFIX_TOKENS, group as an
    all-pairs comparison groups them, each into the best-ranked group it matches."""
    assert group_near_duplicates(sets) == _brute_force(sets, DUPLICATE_JACCARD)


def test_keys_per_set_are_bounded():
    """A story of 1,200 concepts gets at most C(PREFIX_TOKENS, 2) keys (it had 115,921), and
    a set of up to 77 concepts keeps every pair of its whole prefix."""
    story = frozenset(f"w{i}" for i in range(1_200))
    assert len(prefix_keys(story)) == math.comb(PREFIX_TOKENS, 2) == 496
    headline = frozenset(f"w{i}" for i in range(77))
    assert len(prefix_keys(headline)) == math.comb(77 - math.ceil(0.6 * 77) + 2, 2)
    assert len(prefix_keys(frozenset({"one"}))) == 1


def test_keys_are_built_once_per_set():
    """Grouping the same long sets again, as each lead's ranking does, builds no key again."""
    stories = [frozenset(f"s{n}w{i}" for i in range(1_200)) for n in range(5)]
    prefix_keys.cache_clear()
    for _ in range(4):
        assert group_near_duplicates([frozenset(s) for s in stories]) == [[n] for n in range(5)]
    assert prefix_keys.cache_info().misses == 5


def test_large_pool_is_fast_enough():
    """Twenty thousand distinct random-ish sets are grouped without pairwise comparison."""
    words = [f"w{i}" for i in range(3000)]
    sets = [frozenset(words[(i * k * 7919) % 3000] for k in range(1, 9)) for i in range(20_000)]
    groups = group_near_duplicates(sets)
    assert sum(len(g) for g in groups) == len(sets)
