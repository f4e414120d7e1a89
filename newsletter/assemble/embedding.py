"""The static embedding model the ranker reads meaning with: WordLlama's 256-dimension model.

WordLlama (MIT) ships its token embedding table (32,000 tokens x 256 dimensions, float16,
16 MB) and its tokenizer inside its PyPI wheel.  A text's vector is the mean of its tokens'
rows, normalised to length 1, so the cosine of two texts is a dot product.  That is the whole
model: no network, no GPU, the same numbers on every machine.

WordLlama's own `WordLlama.load()` looks for the tokenizer in a folder the wheel does not
have and then downloads it from a model hub.  This module never calls it: it finds the
package folder without importing the package (`importlib.util.find_spec`) and reads the two
files itself, and nothing here can reach the network (tests/test_embedding.py runs it with
sockets refused).

Two ways through the same numbers, chosen by the size of the week:

- a small week (a real one: a few hundred headlines) is read in plain Python: the tokenizer's
  byte-pair merges from its JSON, the table's float16 rows straight from the memory-mapped
  weights file.  A cold `newsletter build` pays about 60 ms for the model, not the 0.5 s that
  importing numpy and `tokenizers` and converting the table cost;
- a larger one (`PURE_TOKENS` tokens or more: 500 headlines, 100,000) goes through numpy,
  and its new words through the `tokenizers` library, 50 times faster per headline.

Both give the same token ids (a test compares them word for word) and cosines equal to 1e-6.
`send`, `serve`, `check` and `bounces` never import this module.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import mmap
import struct
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsletter.errors import NewsletterError

if TYPE_CHECKING:
    import numpy as np

MODEL_PACKAGE = "wordllama"
TOKENIZER_FILE = "tokenizers/l2_supercat_tokenizer_config.json"
WEIGHTS_FILE = "weights/l2_supercat_256.safetensors"
TENSOR = "embedding.weight"
# A week of fewer tokens than this (a few hundred headlines) is pooled in plain Python, about
# 10 µs a token: under it numpy's import and table (0.3-0.4 s cold) cost more than they save.
PURE_TOKENS = 5_000
# New words byte-pair encoded in plain Python at once (about 30 µs each); more go to the
# `tokenizers` library.
PURE_WORDS = 3_000
# At most this many vectors are kept for reuse (10 MB); a larger week is embedded afresh.
MEMO_TEXTS = 10_000
# At most this many words' token ids are kept (a few MB); past it the cache starts again.
MEMO_WORDS = 200_000
# Texts pooled at once: bounds the float32 scratch (4 MB a step) for 100,000 texts.
POOL_ROWS = 4096
# A word is read up to this many characters (the longest English words are under 50): byte-pair
# encoding rescans a word after each merge, so a feed title of one 50,000-character "word" took
# minutes; past this length a run of characters carries no meaning worth its time.
LONGEST_WORD = 64


class ModelMissingError(NewsletterError):
    """The embedding model's package (or one of its files) is not installed."""


class StaticModel:
    """A token embedding table and its tokenizer, read lazily from the installed package."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dimensions = 0
        self.vocabulary = 0
        self._row: struct.Struct | None = None  # one float16 row of the table
        self._offset = 0  # where the table starts in the weights file
        self._map: mmap.mmap | None = None
        self._bpe: tuple[dict[str, int], dict[str, int]] | None = None  # vocab, merge ranks
        self._tokenizer: Any = None  # tokenizers.Tokenizer, for large batches of new words
        self._table: np.ndarray | None = None  # float32, with a zero row last (numpy path)
        # Vectors already made in this process, by text (numpy path): choosing the lead ranks
        # the same pool once per candidate story.
        self.memo: dict[str, np.ndarray] = {}
        self.pure_memo: dict[str, list[float]] = {}  # the same, from the plain-Python path
        # Token ids by word: words repeat, so each is encoded once.
        self.words: dict[str, tuple[int, ...]] = {}
        self._open_weights()

    # -- the two files -------------------------------------------------------------------

    def _open_weights(self) -> None:
        """Map the weights file and find the table in it (safetensors: a JSON header)."""
        path = self.folder / WEIGHTS_FILE
        with path.open("rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        (size,) = struct.unpack("<Q", self._map[:8])
        entry = json.loads(self._map[8 : 8 + size])[TENSOR]
        if entry["dtype"] != "F16" or len(entry["shape"]) != 2:
            raise ModelMissingError(f"{path}: not the float16 table this version reads")
        self.vocabulary, self.dimensions = entry["shape"]
        start, end = entry["data_offsets"]
        self._offset = 8 + size + start
        if end - start != 2 * self.vocabulary * self.dimensions:
            raise ModelMissingError(f"{path}: the table's size does not match its shape")
        self._row = struct.Struct(f"<{self.dimensions}e")

    def _merges(self) -> tuple[dict[str, int], dict[str, int]]:
        """The tokenizer's vocabulary and merge ranks, from its JSON (once)."""
        if self._bpe is None:
            data = json.loads((self.folder / TOKENIZER_FILE).read_text("utf-8"))["model"]
            merges = data["merges"]
            if merges and not isinstance(merges[0], str):  # newer files: ["a", "b"] pairs
                merges = [" ".join(pair) for pair in merges]
            self._bpe = (data["vocab"], dict(zip(merges, range(len(merges)), strict=True)))
        return self._bpe

    @property
    def tokenizer(self) -> Any:
        """The `tokenizers` library's tokenizer for the same files (loaded on first use)."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
            self._tokenizer.no_padding()
            self._tokenizer.no_truncation()
        return self._tokenizer

    # -- tokens ---------------------------------------------------------------------------

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, word by word: the ids the tokenizer gives the text with its
        whitespace collapsed (SentencePiece pieces never span a space: "▁word" starts each
        word; the tokenizer's config has no pre-tokenizer, so it runs its merges over a whole
        text, 90 µs a headline)."""
        split = [[word[:LONGEST_WORD] for word in text.split()] for text in texts]
        known = self._known(list(chain.from_iterable(split)))
        return [[t for w in words for t in known[w]] for words in split]

    def _known(self, words: list[str]) -> dict[str, tuple[int, ...]]:
        """The token ids by word (`self.words`), now holding each of `words` (cut at
        LONGEST_WORD): new ones encoded, all of them when the memo would outgrow MEMO_WORDS."""
        known = self.words
        new = list({w for w in words if w not in known})
        if new:
            if len(known) + len(new) > MEMO_WORDS:
                known.clear()
                new = list(set(words))
            known.update(zip(new, self._encode(new), strict=True))
        return known

    def _encode(self, words: list[str]) -> list[tuple[int, ...]]:
        if len(words) > PURE_WORDS:
            encoded = self.tokenizer.encode_batch(words, add_special_tokens=False)
            return [tuple(e.ids) for e in encoded]
        vocab, ranks = self._merges()
        return [_byte_pair_ids("▁" + word, vocab, ranks) for word in words]

    # -- vectors --------------------------------------------------------------------------

    def cosines(self, lead: Sequence[str], texts: Sequence[str]) -> list[float]:
        """The cosine of each text with the lead: the unit mean of `lead`'s unit vectors."""
        every = [*lead, *texts]
        split = [text.split() for text in every]
        # A word is one token or more: a week of PURE_TOKENS words goes to numpy unread here
        # (each text's vector remembered: choosing the lead reads the same stories again).
        if sum(map(len, split)) >= PURE_TOKENS:
            return self._numpy_cosines(self._embedded(every, split), len(lead))
        ids = self.token_ids(every)
        if sum(map(len, ids)) >= PURE_TOKENS:  # by the week alone: the same numbers every time
            return self._numpy_cosines(self._numpy_vectors(ids), len(lead))
        vectors = self._pure_vectors([*lead, *texts], ids)
        target = [sum(column) for column in zip(*vectors[: len(lead)], strict=True)]
        norm = math.sqrt(sum(x * x for x in target)) or 1.0
        target = [x / norm for x in target]
        return [sum(map(float.__mul__, v, target)) for v in vectors[len(lead) :]]

    def _numpy_cosines(self, vectors: np.ndarray, leads: int) -> list[float]:
        target = vectors[:leads].sum(axis=0)
        norm = float((target @ target) ** 0.5) or 1.0
        result: list[float] = (vectors[leads:] @ (target / norm)).tolist()
        return result

    def _pure_vectors(self, texts: Sequence[str], ids: list[list[int]]) -> list[list[float]]:
        """Each text's unit vector in plain Python, remembered by text (the preview rebuilds
        the same week again and again; choosing the lead ranks it once per story)."""
        memo = self.pure_memo
        if len(memo) + len(texts) > MEMO_TEXTS:
            memo.clear()
        for text, text_ids in zip(texts, ids, strict=True):
            if text not in memo:
                memo[text] = self._pure_vector(text_ids)
        return [memo[text] for text in texts]

    def _pure_vector(self, ids: list[int]) -> list[float]:
        """The unit mean of the tokens' rows, in plain Python (a text with no token: zeros)."""
        row, table, start = self._row, self._map, self._offset
        assert row is not None and table is not None
        if not ids:
            return [0.0] * self.dimensions
        size, unpack = row.size, row.unpack_from
        rows = [unpack(table, start + token * size) for token in ids]
        total: list[float] = [math.fsum(column) for column in zip(*rows, strict=True)]
        norm = math.sqrt(sum(x * x for x in total))
        return [x / norm for x in total] if norm else total

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (float32, shape (len(texts), dimensions)), through numpy;
        a text with no token (empty) gets the zero vector, whose cosine with anything is 0."""
        return self._embedded(texts)

    def _embedded(self, texts: Sequence[str], split: list[list[str]] | None = None) -> np.ndarray:
        """`embed`, from the texts split into words when the caller has them (`str.split`)."""
        import numpy as np

        if len(texts) > MEMO_TEXTS:
            return self._vectors(split if split is not None else [t.split() for t in texts])
        memo = self.memo
        missing = list(dict.fromkeys(t for t in texts if t not in memo))
        if missing:
            if len(memo) + len(missing) > MEMO_TEXTS:
                memo.clear()  # every text of this call is made again, not only the new ones
                missing = list(dict.fromkeys(texts))
            made = self._vectors([text.split() for text in missing])
            memo.update(zip(missing, made, strict=True))
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([memo[t] for t in texts])

    def _vectors(self, split: list[list[str]]) -> np.ndarray:
        """The unit vectors of texts split into words (`str.split`): the ids `token_ids` gives,
        gathered by numpy from each distinct word's, not joined word by word in Python (2 s of
        the 100,000 headlines' 3.7 s)."""
        import numpy as np

        words = list(chain.from_iterable(split))
        distinct = list(dict.fromkeys(words))
        slot = dict(zip(distinct, range(len(distinct)), strict=True))
        cut = [word[:LONGEST_WORD] for word in distinct]
        encoded = list(map(self._known(cut).__getitem__, cut))
        sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        tokens = np.fromiter(chain.from_iterable(encoded), dtype=np.int64, count=int(sizes.sum()))
        found = np.fromiter(map(slot.__getitem__, words), dtype=np.int64, count=len(words))
        per_word = sizes[found]
        flat = tokens[_spans(np.cumsum(sizes)[found] - per_word, per_word)]
        counts = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        upto = np.concatenate(([0], np.cumsum(per_word)))
        ends = np.cumsum(counts)
        return self._pooled(flat, upto[ends] - upto[ends - counts])

    def _numpy_vectors(self, ids: list[list[int]]) -> np.ndarray:
        import numpy as np

        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        return self._pooled(flat, lengths)

    def _pooled(self, flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Each text's unit vector from all texts' token ids end to end (`flat`) and how many
        are each text's (`lengths`)."""
        import numpy as np

        out = np.zeros((len(lengths), self.dimensions), dtype=np.float32)
        np.clip(flat, 0, self.vocabulary, out=flat)  # the table's last row: zeros
        starts = np.cumsum(lengths) - lengths
        # Texts of similar length together, so each batch pads little (a card's whole text
        # is long, a headline short).
        by_length = np.argsort(lengths, kind="stable")
        for begin in range(0, len(lengths), POOL_ROWS):
            rows = by_length[begin : begin + POOL_ROWS]
            sums = self._sums(flat[_spans(starts[rows], lengths[rows])], lengths[rows])
            # Row by row, so the batch's squares are the only scratch (not 100 MB for 100,000).
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            sums /= norms
            out[rows] = sums
        return out

    def _numpy_table(self) -> np.ndarray:
        """The table as float32 with a zero row last (the padding of shorter texts), once."""
        import numpy as np

        if self._table is None:
            shipped = np.frombuffer(
                self._map,  # type: ignore[arg-type]
                dtype="<f2",
                count=self.vocabulary * self.dimensions,
                offset=self._offset,
            ).reshape(self.vocabulary, self.dimensions)
            table = np.zeros((self.vocabulary + 1, self.dimensions), dtype=np.float32)
            table[:-1] = shipped
            table.setflags(write=False)
            self._table = table
        return self._table

    def _sums(self, flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """The sum of each text's token rows (`flat`: their ids end to end): the mean's
        direction."""
        import numpy as np

        table = self._numpy_table()
        width = int(lengths.max()) if len(lengths) else 0
        grid = np.full((len(lengths), width), table.shape[0] - 1, dtype=np.int64)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        columns = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        grid[rows, columns] = flat
        sums = np.zeros((len(lengths), self.dimensions), dtype=np.float32)
        # One token position at a time: a gather and an add of contiguous rows, the fastest
        # numpy has for this (ufunc.reduceat or cumsum over 256-wide rows are 5x slower; a
        # gather into one scratch array with `np.take(out=)`, or from the float16 table, 2x).
        for column in grid.T:
            sums += table[column]
        return sums


def _spans(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The indices starts[i] .. starts[i] + sizes[i] - 1 of every i, end to end."""
    import numpy as np

    total = int(sizes.sum())
    shift = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
    return shift + np.arange(total, dtype=np.int64)


def _byte_pair_ids(word: str, vocab: dict[str, int], ranks: dict[str, int]) -> tuple[int, ...]:
    """SentencePiece-style byte-pair encoding of one word, as the `tokenizers` BPE model does
    it: merge the adjacent pair of best rank (leftmost on a tie) until none is left, then a
    piece the vocabulary lacks falls back to its UTF-8 bytes (<0xNN>)."""
    symbols = list(word)
    while len(symbols) > 1:
        best, at = len(ranks), -1
        for i in range(len(symbols) - 1):
            rank = ranks.get(f"{symbols[i]} {symbols[i + 1]}", best)
            if rank < best:
                best, at = rank, i
        if at < 0:
            break
        symbols[at : at + 2] = [symbols[at] + symbols[at + 1]]
    ids: list[int] = []
    for piece in symbols:
        found = vocab.get(piece)
        if found is not None:
            ids.append(found)
        else:
            ids.extend(vocab[f"<0x{b:02X}>"] for b in piece.encode("utf-8"))
    return tuple(ids)


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
    """The model of the installed wheel, once per process (its files are read lazily)."""
    folder = model_folder()
    for name in (TOKENIZER_FILE, WEIGHTS_FILE):
        if not (folder / name).is_file():
            raise ModelMissingError(
                f"{folder / name}: the embedding model's file is missing",
                hint=f"reinstall it: pip install --force-reinstall {MODEL_PACKAGE}",
            )
    return StaticModel(folder)
