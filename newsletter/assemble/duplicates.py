"""Fold near-duplicate headlines into the better-ranked one.

Two headlines are near-duplicates when the Jaccard similarity of their concept sets (see
terms.py: stems, places, variant families, numbers) is at least `DUPLICATE_JACCARD`:
"Peru declares emergency on border with Chile amid migrant surge" and "Peru to declare state of
emergency at Chile border as migrants gather" share 6 of 9 concepts.

No pairwise comparison of the whole pool: candidate pairs come from prefix filtering
(Chaudhuri et al. 2006; Xiao et al., PPJoin, 2008) with two shared prefix tokens (Wang et al.
2012).  With the tokens of every set sorted by a global order, rarest first, two sets with
Jaccard >= t share at least two tokens among their first |s| - ceil(t·|s|) + 2 tokens, so
indexing every pair of prefix tokens finds every such pair, and rare pairs keep the buckets tiny.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from itertools import chain, combinations

DUPLICATE_JACCARD = 0.6  # "Trump tariffs China" vs "Trump tariffs Mexico" (0.5) stay apart
# The ranker compares the best 1,000 candidates (a weekly pool has a few hundred at most);
# past that, in a 100,000-headline stress pool, only identical titles fold together.
NEAR_DUPLICATE_WINDOW = 1_000


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Size of the intersection over size of the union (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def group_near_duplicates(
    sets: Sequence[frozenset[str]], threshold: float = DUPLICATE_JACCARD
) -> list[list[int]]:
    """Group indices of near-duplicate sets; each group starts with its lowest index.

    Callers pass items best first, so a headline is always folded into a better one.  An
    empty set is a duplicate of nothing.
    """
    return _near_duplicates(sets, threshold)


def _near_duplicates(sets: Sequence[frozenset[str]], threshold: float) -> list[list[int]]:
    frequency = Counter(chain.from_iterable(sets))
    # One global order, rarest first, as integers: sorting ints is what keeps 100,000 fast.
    rank = {token: i for i, token in enumerate(sorted(frequency, key=lambda t: (frequency[t], t)))}
    groups: dict[int, list[int]] = {}
    buckets: dict[object, list[int]] = {}
    for index, current in enumerate(sets):
        if not current:
            groups[index] = [index]
            continue
        ordered = sorted(map(rank.__getitem__, current))
        keys = _prefix_keys(ordered, threshold)
        leader = _find_leader(current, keys, sets, buckets, threshold)
        if leader is not None:
            groups[leader].append(index)
            continue
        groups[index] = [index]
        for key in keys:
            buckets.setdefault(key, []).append(index)
    return list(groups.values())


def _prefix_keys(ordered: list[int], threshold: float) -> list[object]:
    size = len(ordered)
    overlap = max(1, math.ceil(threshold * size - 1e-9))
    if overlap < 2:  # a one-word headline: its one token is its key
        return [ordered[0]]
    prefix = ordered[: size - overlap + 2]
    return list(combinations(prefix, 2))


def _find_leader(
    current: frozenset[str],
    keys: list[object],
    sets: Sequence[frozenset[str]],
    buckets: dict[object, list[int]],
    threshold: float,
) -> int | None:
    seen: set[int] = set()
    for key in keys:
        for other in buckets.get(key, ()):
            if other in seen:
                continue
            seen.add(other)
            if jaccard(current, sets[other]) >= threshold:
                return other
    return None
