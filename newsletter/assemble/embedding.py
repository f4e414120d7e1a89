"""The static embedding model the ranker reads meaning with: WordLlama's 256-dimension model.

WordLlama (MIT) ships its token embedding table (32,000 tokens x 256 dimensions, float16,
16 MB) and its tokenizer inside its PyPI wheel.  A text's vector is the mean of its tokens'
rows, normalised to length 1, so the cosine of two texts is a dot product.  That is the whole
model: no network, no GPU, the same numbers on every machine.

WordLlama's own `WordLlama.load()` looks for the tokenizer in a folder the wheel does not
have and then downloads it from a model hub.  This module never calls it: it finds the
package folder without importing the package (`importlib.util.find_spec`), reads the
tokenizer with `tokenizers` and the table with `safetensors`, and nothing here can reach the
network (tests/test_embedding.py runs it with sockets refused).

Heavy imports (numpy, tokenizers, safetensors) happen inside `load_model`, on the first build
that ranks: `send`, `serve`, `check` and `bounces` never import this module.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter.errors import NewsletterError

if TYPE_CHECKING:
    import numpy as np

MODEL_PACKAGE = "wordllama"
TOKENIZER_FILE = "tokenizers/l2_supercat_tokenizer_config.json"
WEIGHTS_FILE = "weights/l2_supercat_256.safetensors"
TENSOR = "embedding.weight"
# At most this many vectors are kept for reuse (10 MB); a larger week is embedded afresh.
MEMO_TEXTS = 10_000
# At most this many words' token ids are kept (a few MB); past it the cache starts again.
MEMO_WORDS = 200_000
# Texts pooled at once: bounds the float32 scratch (4 MB a step) for 100,000 texts.
POOL_ROWS = 4096


class ModelMissingError(NewsletterError):
    """The embedding model's package (or one of its files) is not installed."""


@dataclass(frozen=True, slots=True)
class StaticModel:
    """A token embedding table and its tokenizer: `embed` turns texts into unit vectors."""

    tokenizer: Any  # tokenizers.Tokenizer
    table: np.ndarray  # (vocabulary + 1, dimensions), float32 (shipped as float16), zero row last
    folder: Path
    # Vectors already made in this process, by text: choosing the lead ranks the same pool
    # once per candidate story, and the preview rebuilds the same week again and again.
    memo: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)
    # Token ids by word: the tokenizer's BPE runs over a whole text (its config has no
    # pre-tokenizer), 90 µs a headline; words repeat, so each is encoded once.
    words: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def dimensions(self) -> int:
        """The length of every vector `embed` returns."""
        return int(self.table.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (float32, shape (len(texts), dimensions)); a text with no
        token (empty) gets the zero vector, whose cosine with anything is 0."""
        import numpy as np

        if len(texts) > MEMO_TEXTS:
            return self._embed(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if missing:
            if len(self.memo) + len(missing) > MEMO_TEXTS:
                self.memo.clear()
            self.memo.update(zip(missing, self._embed(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self.memo[t] for t in texts])

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dimensions), dtype=np.float32)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        # Texts of similar length together, so each batch pads little (a card's whole text
        # is long, a headline short).
        by_length = np.argsort(lengths, kind="stable")
        for begin in range(0, len(ids), POOL_ROWS):
            rows = by_length[begin : begin + POOL_ROWS]
            out[rows] = self._sums([ids[r] for r in rows], lengths[rows])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out /= norms
        return out

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, word by word: the same ids the tokenizer gives the text with
        its whitespace collapsed (SentencePiece pieces never span a space: "▁word" starts each
        word), at a fraction of the cost."""
        split = [text.split() for text in texts]
        known = self.words
        new = list({w for words in split for w in words if w not in known})
        if new:
            if len(known) + len(new) > MEMO_WORDS:
                known.clear()
                new = list({w for words in split for w in words})
            encoded = self.tokenizer.encode_batch(new, add_special_tokens=False)
            known.update(zip(new, (e.ids for e in encoded), strict=True))
        return [[t for w in words for t in known[w]] for words in split]

    def _sums(self, ids: list[list[int]], lengths: np.ndarray) -> np.ndarray:
        """The sum of each text's token rows: the mean's direction."""
        import numpy as np

        width = int(lengths.max()) if len(lengths) else 0
        pad = self.table.shape[0] - 1  # the zero row `load_model` appends
        grid = np.full((len(ids), width), pad, dtype=np.int64)
        flat = np.fromiter((t for i in ids for t in i), dtype=np.int64, count=int(lengths.sum()))
        np.clip(flat, 0, pad, out=flat)
        rows = np.repeat(np.arange(len(ids)), lengths)
        columns = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        grid[rows, columns] = flat
        sums = np.zeros((len(ids), self.dimensions), dtype=np.float32)
        # One token position at a time: a gather and an add of contiguous rows, the fastest
        # numpy has for this (ufunc.reduceat or cumsum over 256-wide rows are 5x slower).
        for column in grid.T:
            sums += self.table[column]
        return sums


def model_folder() -> Path:
    """The installed package folder that holds the model's files (the package is not imported)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(
            f"the embedding model package '{MODEL_PACKAGE}' is not installed",
            hint="reinstall newsletter: pip install -e . (it ships the model's weights)",
        )
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def load_model() -> StaticModel:
    """Read the tokenizer and the table from the installed wheel, once per process."""
    import numpy as np
    from safetensors import safe_open
    from tokenizers import Tokenizer

    folder = model_folder()
    tokenizer_path, weights_path = folder / TOKENIZER_FILE, folder / WEIGHTS_FILE
    for path in (tokenizer_path, weights_path):
        if not path.is_file():
            raise ModelMissingError(
                f"{path}: the embedding model's file is missing",
                hint=f"reinstall it: pip install --force-reinstall {MODEL_PACKAGE}",
            )
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    with safe_open(str(weights_path), framework="np") as weights:
        # float32 once (32 MB): converting gathered float16 rows costs 20x more per build.
        shipped = weights.get_tensor(TENSOR)
    table = np.zeros((shipped.shape[0] + 1, shipped.shape[1]), dtype=np.float32)
    table[:-1] = shipped  # and a zero row last: the padding of shorter texts
    table.setflags(write=False)
    return StaticModel(tokenizer, table, folder)
