"""A small averaged-perceptron part-of-speech tagger (Penn tags), shipped with its weights.

Derived titles need to know which word of a first sentence is its main verb: "accused" in "A
man accused of murdering …" is a past participle (VBN), not the verb; "Simons" in "Josh Simons
resigns" is a proper noun (NNP), not a plural; "$618 million" is one amount (CD CD). Word lists
cannot see that; the word's context can. The tagger is the well-known greedy design
(Collins 2002; Honnibal 2013): features of the word, its affixes, its neighbours and the two
previous tags, one weight per feature and tag, averaged over training.

The weights (`data/pos_tagger.json.gz`, about 1 MB) were trained by `tools/train_pos_tagger.py`
on the Universal Dependencies English Web Treebank (CC BY-SA 4.0; see `data/README.md`). They
load on the first call of `tag`, never at import: only title derivation tags, so `send`,
`serve`, `check` and `bounces` never read them.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).parent / "data" / "pos_tagger.json.gz"
START = ("-START-", "-START2-")
END = ("-END-", "-END2-")
_DIGITS = re.compile(r"^[\d.,:/%$£€-]+$")


class TaggerModel:
    """Frozen weights: {feature: [tag index, weight, tag index, weight, …]}, a tag dictionary of
    frequent unambiguous words, and the tags (Penn, by index)."""

    __slots__ = ("classes", "tagdict", "weights")

    def __init__(
        self, weights: dict[str, list[float]], tagdict: dict[str, str], classes: list[str]
    ) -> None:
        self.weights = weights
        self.tagdict = tagdict
        self.classes = classes

    def predict(self, features: Sequence[str]) -> str:
        """The tag whose weights summed over `features` are highest (ties: the last in order)."""
        scores = [0.0] * len(self.classes)
        for feature in features:
            row = self.weights.get(feature)
            if row:
                for at in range(0, len(row), 2):
                    scores[int(row[at])] += row[at + 1]
        best = max(range(len(scores)), key=lambda c: (scores[c], self.classes[c]))
        return self.classes[best]


def normalise(word: str) -> str:
    """The form the features see: years, numbers and inner hyphens folded, case kept apart."""
    if len(word) == 4 and word.isdigit():
        return "!YEAR"
    numeric = len(word) > 1 and _DIGITS.match(word) and any(c.isdigit() for c in word)
    if word[:1].isdigit() or numeric:
        return "!DIGITS"
    if "-" in word[1:]:
        return "!HYPHEN:" + word.rsplit("-", 1)[-1].lower()
    return word.lower()


def shape(word: str) -> str:
    """A coarse shape: capitalised, all capitals, lower case, digits or other."""
    if word[:1].isupper():
        return "XX" if word.isupper() and len(word) > 1 else "Xx"
    if word[:1].islower():
        return "x"
    if word[:1].isdigit():
        return "d"
    return "p"


def features(i: int, words: Sequence[str], raw: Sequence[str], prev: str, prev2: str) -> list[str]:
    """The features of the word at `i` of the padded `words` (normalised) and `raw` (as written)."""
    word = words[i]
    return [
        "bias",
        "i suffix " + word[-3:],
        "i suffix2 " + word[-2:],
        "i pref1 " + word[:1],
        "i shape " + shape(raw[i]),
        "i shape first " + shape(raw[i]) + (" first" if i == 2 else ""),
        "i-1 tag " + prev,
        "i-2 tag " + prev2,
        "i tag+i-2 tag " + prev + " " + prev2,
        "i word " + word,
        "i-1 tag+i word " + prev + " " + word,
        "i-1 word " + words[i - 1],
        "i-1 suffix " + words[i - 1][-3:],
        "i-1 shape " + shape(raw[i - 1]),
        "i-2 word " + words[i - 2],
        "i+1 word " + words[i + 1],
        "i+1 suffix " + words[i + 1][-3:],
        "i+1 shape " + shape(raw[i + 1]),
        "i+2 word " + words[i + 2],
    ]


def padded(tokens: Sequence[str]) -> tuple[list[str], list[str]]:
    """The normalised and raw token lists with two start and two end symbols around them."""
    words = [*START, *(normalise(token) for token in tokens), *END]
    raw = [*START, *tokens, *END]
    return words, raw


def tag_with(model: TaggerModel, tokens: Sequence[str]) -> list[str]:
    """The Penn tag of each token, greedy left to right."""
    words, raw = padded(tokens)
    prev, prev2 = START
    tags: list[str] = []
    for i, token in enumerate(tokens):
        guess = model.tagdict.get(token) or model.predict(features(i + 2, words, raw, prev, prev2))
        tags.append(guess)
        prev2, prev = prev, guess
    return tags


def model_from_json(data: dict[str, Any]) -> TaggerModel:
    """The model from its JSON form (integer weights: their scale does not change a decision)."""
    return TaggerModel(data["weights"], data["tagdict"], list(data["classes"]))


@cache
def shipped_model() -> TaggerModel:
    """The shipped weights, read once on first use."""
    with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as handle:
        return model_from_json(json.load(handle))


_TOKEN = re.compile(r"[$£€]|\w(?:[\w.&'’-]*\w)?\.?|[^\w\s]")
_CLITIC = re.compile(r"(?i)^(?P<stem>\w.*?)(?P<clitic>n't|n’t|'s|’s)$")
_ABBREVIATION = re.compile(
    r"^(?:[A-Z]\.?)+$|^(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gov|Sen|Rep|Gen|Lt|Col|No)\.$"
)


def tokenize(text: str) -> list[str]:
    """Treebank-like tokens: punctuation apart, "'s" and "n't" split off, "$" before its
    amount, a full stop kept on an abbreviation ("U.S.", "Sen.") and split off elsewhere."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.endswith(".") and len(token) > 1 and not _ABBREVIATION.match(token):
            token, stop = token[:-1], ["."]
        else:
            stop = []
        clitic = _CLITIC.match(token)
        tokens.extend([clitic["stem"], clitic["clitic"]] if clitic else [token])
        tokens.extend(stop)
    return tokens


def tag(tokens: Sequence[str]) -> list[str]:
    """The Penn part-of-speech tag of each token, from the shipped weights (loaded on first use)."""
    return tag_with(shipped_model(), tokens)


@lru_cache(maxsize=4096)  # bounded: a preview titles every save for hours
def word_tags(text: str) -> tuple[str, ...]:
    """The tag of each space-separated word of `text`: the tag of its first token that holds a
    letter or a digit ("Melbourne's" → NNP, "“Cliffs" → NNP), else of its first token."""
    words = text.split(" ")
    pieces = [tokenize(word) or [word] for word in words]
    tags = tag([token for piece in pieces for token in piece])
    result, at = [], 0
    for piece in pieces:
        own = tags[at : at + len(piece)]
        wordlike = (t for tok, t in zip(piece, own, strict=True) if any(c.isalnum() for c in tok))
        result.append(next(wordlike, own[0]))
        at += len(piece)
    return tuple(result)


FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
