"""Fold near-duplicate headlines into the better-ranked one.

Two headlines are near-duplicates when the Jaccard similarity of their concept sets (see
terms.py: stems, places, variant families, numbers) is at least `DUPLICATE_JACCARD`:
"Peru declares emergency on border with Chile amid migrant surge" and "Peru to declare state of
emergency at Chile border as migrants gather" share 6 of 9 concepts.

No pairwise comparison of the whole pool: candidate pairs come from prefix filtering
(Chaudhuri et al. 2006; Xiao et al., PPJoin, 2008) with two shared prefix tokens (Wang et al.
2012).  With the tokens of every set sorted by one global order, two sets with Jaccard >= t
share at least two tokens among their first |s| - ceil(t·|s|) + 2 tokens, so indexing every
pair of prefix tokens finds every such pair; each candidate pair is then checked exactly.

The order is a fixed hash of the concept (blake2b), not the pool's frequencies, so a set's keys
depend on the set alone: they are built once per set and kept (`_keys`, a bounded memo), not
once per ranking (choosing the lead ranks every story against all the others, each time with
the other stories' whole texts).  And the prefix is cut at `PREFIX_TOKENS` tokens, so no set
has more than C(32, 2) = 496 keys (a story of 1,200 concepts had 115,921 with its whole
prefix).  Between sets of up to 77 concepts (every headline) the cut changes nothing and the
search is exact; past that, two sets with Jaccard >= 0.6 are missed only if fewer than two of
the first 32 concepts of their union (in hash order, a pseudo-random order) are shared: about 1
in 10^11 for a pair of genuine near-duplicates, and a missed pair only goes unfolded.

Each set joins the best-ranked (lowest-index) earlier group it is a near-duplicate of.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from hashlib import blake2b
from itertools import combinations

DUPLICATE_JACCARD = 0.6  # "Trump tariffs China" vs "Trump tariffs Mexico" (0.5) stay apart
# The ranker compares the best 1,000 candidates (a weekly pool has a few hundred at most);
# past that, in a 100,000-headline stress pool, only identical titles fold together.
NEAR_DUPLICATE_WINDOW = 1_000
PREFIX_TOKENS = 32  # at most C(32, 2) = 496 keys a set; exact up to 77 concepts (see above)
KEPT_SETS = 4_096  # sets whose keys are kept: a week's titles and its stories' whole texts
# Past this many concepts a set is a story's whole text: its Jaccard with another such set is
# kept (choosing the lead compares the same stories again in every contender's ranking, 2,000
# pairs of 1,200 concepts each time among 300 full-text entries), for at most KEPT_PAIRS pairs
# and KEPT_CONCEPTS concepts in the distinct sets they hold (about 40 MB), then forgotten.
LARGE_SET = 78
KEPT_PAIRS = 16_384
KEPT_CONCEPTS = 1_000_000


class _KeptJaccards:
    """The kept Jaccards by pair of sets, and the sizes of the distinct sets they hold."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[frozenset[str], frozenset[str]], float] = {}
        self.sizes: dict[int, int] = {}  # id of a set held by `pairs` → its size
        self.concepts = 0

    def add(self, a: frozenset[str], b: frozenset[str], value: float) -> None:
        for held in (a, b):
            if id(held) not in self.sizes:
                self.sizes[id(held)] = len(held)
                self.concepts += len(held)
        self.pairs[a, b] = value

    def clear(self) -> None:
        self.pairs.clear()
        self.sizes.clear()
        self.concepts = 0


_JACCARDS = _KeptJaccards()


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Size of the intersection over size of the union (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def _kept_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """`jaccard`, kept for two large sets (LARGE_SET)."""
    if len(a) < LARGE_SET or len(b) < LARGE_SET:
        return jaccard(a, b)
    kept = _JACCARDS
    found = kept.pairs.get((a, b))
    if found is None:
        if len(kept.pairs) >= KEPT_PAIRS or kept.concepts + len(a) + len(b) > KEPT_CONCEPTS:
            kept.clear()
        found = jaccard(a, b)
        kept.add(a, b, found)
    return found


def group_near_duplicates(
    sets: Sequence[frozenset[str]], threshold: float = DUPLICATE_JACCARD
) -> list[list[int]]:
    """Group indices of near-duplicate sets; each group starts with its lowest index.

    Callers pass items best first, so a headline is always folded into a better one (the
    best of those it is a near-duplicate of).  An empty set is a duplicate of nothing.
    """
    groups: dict[int, list[int]] = {}
    buckets: dict[int, list[int]] = {}
    for index, current in enumerate(sets):
        if not current:
            groups[index] = [index]
            continue
        keys = prefix_keys(current, threshold)
        leader = _find_leader(current, keys, sets, buckets, threshold)
        if leader is not None:
            groups[leader].append(index)
            continue
        groups[index] = [index]
        for key in keys:
            buckets.setdefault(key, []).append(index)
    return list(groups.values())


@lru_cache(maxsize=KEPT_SETS)
def prefix_keys(concepts: frozenset[str], threshold: float = DUPLICATE_JACCARD) -> tuple[int, ...]:
    """A non-empty set's keys: each pair of its first prefix tokens in hash order (at most
    PREFIX_TOKENS of them), or its one token for a set of one concept.

    A key is two 64-bit hashes in one int; two pairs that shared one would only make a
    candidate the exact check then turns down.
    """
    ordered = sorted(_order(concept) for concept in concepts)
    size = len(ordered)
    overlap = max(1, math.ceil(threshold * size - 1e-9))
    if overlap < 2:  # a one-word headline: its one token is its key
        return (ordered[0],)
    prefix = ordered[: min(size - overlap + 2, PREFIX_TOKENS)]
    return tuple(first << 64 | second for first, second in combinations(prefix, 2))


def _order(concept: str) -> int:
    """The concept's place in the global order: a 64-bit hash, the same in every process."""
    return int.from_bytes(blake2b(concept.encode(), digest_size=8).digest(), "big")


def _find_leader(
    current: frozenset[str],
    keys: tuple[int, ...],
    sets: Sequence[frozenset[str]],
    buckets: dict[int, list[int]],
    threshold: float,
) -> int | None:
    """The best-ranked earlier group's leader sharing a key with `current` and a Jaccard of
    at least `threshold`, or None."""
    candidates: set[int] = set()
    for key in keys:
        bucket = buckets.get(key)
        if bucket:
            candidates.update(bucket)
    for other in sorted(candidates):
        if _kept_jaccard(current, sets[other]) >= threshold:
            return other
    return None
