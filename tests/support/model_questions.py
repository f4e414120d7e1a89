"""What the ranking asks its model: a record of the texts `meaning.results_among` is asked
whether they read as a game's result, for the tests that hold a ranking to reading each text
once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest


@contextmanager
def results_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Yields the list of texts asked while the block runs; the real function answers them,
    and is put back when the block ends."""
    from newsletter.assemble import meaning

    asked: list[str] = []
    real = meaning.results_among

    def counted(texts: Sequence[str]) -> list[bool]:
        asked.extend(texts)
        return real(texts)

    monkeypatch.setattr(meaning, "results_among", counted)
    try:
        yield asked
    finally:
        monkeypatch.setattr(meaning, "results_among", real)
