"""The ranker's shortcuts for big weeks give the numbers the plain way gives: a story's whole text
read once (relevance.long_text), token ids gathered by numpy (embedding._vectors), vectors
remembered, Jaccards of whole texts kept (duplicates._kept_jaccard)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newsletter.assemble import duplicates, embedding, relevance
from newsletter.assemble import terms as t
from newsletter.assemble.candidates import story_text
from newsletter.assemble.relevance import lead_profile, rank_headlines
from newsletter.models import Headline, ScoredHeadline, Story
from newsletter.sources import load_file

WEEKS = Path(__file__).parent / "data" / "weeks"


def _stories() -> list[Story]:
    """Every story of the real weeks' seeds (names, short forms such as SVB and FDIC, places
    of several words such as New York)."""
    return [
        story
        for path in sorted(WEEKS.glob("*/week*/seeds/*.md"))
        for story in load_file(path).stories
    ]


def _plain(ranked: tuple[ScoredHeadline, ...]) -> list[tuple]:
    return [
        (r.headline.title, r.score, r.matched, tuple(m.title for m in r.merged)) for r in ranked
    ]


def test_whole_texts_rank_as_they_did_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch):
    """Every real story as the lead, every other story's whole text and a headline as candidates:
    the scores, matched terms and folded near-duplicates are those of the plain reading (every
    chunk of every text analysed in each ranking)."""
    stories = _stories()
    texts = [story_text(s) for s in stories]
    assert sum(len(text) > relevance.LONG_TEXT for text in texts) >= 10
    candidates = [Headline(text) for text in texts]
    candidates += [Headline("FDIC takes over Silicon Valley Bank in New York"), candidates[0]]
    leads = [lead_profile(s.title, s.paragraphs) for s in stories]
    quick = [_plain(rank_headlines(profile, candidates)) for profile in leads]
    monkeypatch.setattr(relevance, "LONG_TEXT", 10**9)
    plain = [_plain(rank_headlines(profile, candidates)) for profile in leads]
    assert quick == plain
    assert any(score > 0.5 for ranked in quick for _, score, _, _ in ranked[:3])


def test_kept_long_texts_stay_under_their_word_budget(monkeypatch: pytest.MonkeyPatch):
    """Past LONG_TEXT_WORDS the oldest texts read are let go, and a text read again reads the
    same."""
    monkeypatch.setattr(relevance, "_LONG_TEXTS", relevance._Kept())
    monkeypatch.setattr(relevance, "LONG_TEXT_WORDS", 600)
    texts = [story_text(s) for s in _stories()][:12]
    first = [relevance.long_text(text) for text in texts]
    kept = relevance._LONG_TEXTS
    assert kept.words <= 600 and len(kept.texts) < len(texts)
    assert kept.words == sum(entry.words for entry in kept.texts.values())
    assert relevance.long_text(texts[0]) == first[0]


def test_numpy_gathers_the_ids_the_word_by_word_path_joins():
    """The vectors of texts split into words equal, bit for bit, those from each text's token
    ids joined word by word (a word past LONGEST_WORD, an empty text and repeats included)."""
    model = embedding.load_model()
    texts = [story_text(s)[:3000] for s in _stories()]
    texts += ["", "x" * (embedding.LONGEST_WORD + 40) + " levee", texts[0], "Levee holds"]
    fresh = model._vectors([text.split() for text in texts])
    joined = model._numpy_vectors(model.token_ids(texts))
    assert np.array_equal(fresh, joined)
    assert not fresh[len(texts) - 4].any()  # the empty text: the zero vector


def test_remembered_vectors_survive_a_full_memo(monkeypatch: pytest.MonkeyPatch):
    """When the remembered vectors would pass MEMO_TEXTS, the memo starts again with this call's
    texts, those remembered before included, and gives what a fresh reading gives."""
    model = embedding.load_model()
    monkeypatch.setattr(embedding, "MEMO_TEXTS", 8)
    monkeypatch.setattr(model, "memo", {})
    texts = [f"Flood {word} closes the river road" for word in "abcdefghij"]
    model.embed(texts[:6])
    again = model.embed(texts[3:9])  # three remembered, three new: nine would not fit
    assert np.array_equal(again, model._vectors([text.split() for text in texts[3:9]]))


def test_kept_jaccards_are_the_jaccards(monkeypatch: pytest.MonkeyPatch):
    """Two whole texts' Jaccard is kept and read back unchanged; small sets are never kept; the
    kept pairs stay under KEPT_PAIRS and the concepts of the sets they hold under
    KEPT_CONCEPTS."""
    monkeypatch.setattr(duplicates, "_JACCARDS", duplicates._KeptJaccards())
    monkeypatch.setattr(duplicates, "KEPT_PAIRS", 3)
    texts = [story_text(s).split() for s in _stories()]
    sets = [frozenset(words) for words in texts if len(set(words)) >= duplicates.LARGE_SET][:6]
    assert len(sets) == 6
    for a in sets:
        for b in sets:
            assert duplicates._kept_jaccard(a, b) == duplicates.jaccard(a, b)
            assert duplicates._kept_jaccard(a, b) == duplicates.jaccard(a, b)
    kept = duplicates._JACCARDS
    assert 0 < len(kept.pairs) <= 3
    monkeypatch.setattr(duplicates, "KEPT_PAIRS", 1_000)
    monkeypatch.setattr(duplicates, "KEPT_CONCEPTS", 2 * max(map(len, sets)) + 1)
    for a in sets:
        for b in sets:
            assert duplicates._kept_jaccard(a, b) == duplicates.jaccard(a, b)
            held = {id(x): x for pair in kept.pairs for x in pair}
            assert kept.concepts == sum(map(len, held.values())) <= duplicates.KEPT_CONCEPTS
    small = frozenset({"flood", "river"})
    kept.clear()
    assert duplicates._kept_jaccard(small, small) == 1.0 and not kept.pairs


def test_shared_cache_entries_read_as_fresh_ones(monkeypatch: pytest.MonkeyPatch):
    """A chunk's pairs from the caches (which share equal strings and tuples) equal those made
    afresh from its tokens: a place's demonym, a family's word, a dashed compound, a possessive,
    a dotted short form, a number and a chunk of two tokens."""
    chunks = ["Venezuelans", "migrants", "White", "House-area", "Chile’s", "U.S.", "73rd", "a/b"]
    for name in ("_PAIRS", "_STEMMED", "_TOKEN_CACHE"):
        monkeypatch.setattr(t, name, {})
    monkeypatch.setattr(t, "_PHRASE_TOKENS", set())
    for chunk in chunks:
        pairs, _ = t.chunk_pairs(chunk)
        fresh = [
            (word, t.vocabulary().concepts.get(stem, stem))
            for token in t.tokens(chunk)
            for word, stem in t._words(token, t.vocabulary().zipf)
        ]
        assert list(pairs) == fresh, chunk
        assert t.chunk_pairs(chunk)[0] is pairs
    assert t.chunk_pairs("Venezuelans")[0] == (("venezuelans", "@venezuela"),)
