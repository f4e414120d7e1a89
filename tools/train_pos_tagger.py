"""Train the shipped part-of-speech tagger (newsletter/assemble/data/pos_tagger.json.gz).

Usage (reproducible: fixed seed, fixed iterations, the treebank's commit recorded in the output):

    git clone https://github.com/UniversalDependencies/UD_English-EWT /tmp/ewt
    git clone https://github.com/UniversalDependencies/UD_English-GUM /tmp/gum
    for f in $(grep news /tmp/gum/not-to-release/file-lists/files.train); do
        cat /tmp/gum/not-to-release/sources/$f.conllu; echo; done > /tmp/gum_news_train.conllu
    python tools/train_pos_tagger.py /tmp/ewt --extra /tmp/gum_news_train.conllu \
        --headline-copies --iterations 10

(the shipped weights: EWT commit 15d613d8, GUM's Wikinews train documents, CC BY 2.5; see
newsletter/assemble/data/README.md for the licences).

Trains an averaged perceptron (newsletter.assemble.pos_tagger's features) on the train split's
Penn tags (XPOS), picks the number of iterations on dev, prints the accuracy on dev and test,
prunes the weights that never change a decision and writes integer weights as gzip'd JSON.
When `en_ewt-ud-train.conllu` is absent (a clone without its large file), the train split is
rebuilt from `not-to-release/sources/` in the order of `not-to-release/file-lists/files.train`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from newsletter.assemble.pos_tagger import (
    MODEL_PATH,
    START,
    TaggerModel,
    features,
    model_from_json,
    padded,
    tag_with,
)

Sentence = list[tuple[str, str]]
SCALE = 100  # weights are stored as integers: round(weight * SCALE)


def read_conllu(text: str) -> list[Sentence]:
    """The sentences of a CoNLL-U text as (form, XPOS) pairs; multiword and empty nodes skipped."""
    sentences: list[Sentence] = []
    current: Sentence = []
    for line in text.splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if cols[0].isdigit():
            current.append((cols[1], cols[4]))
    if current:
        sentences.append(current)
    return sentences


def split_text(root: Path, split: str) -> str:
    """The CoNLL-U text of a split: its file, or its sources in the listed order."""
    whole = root / f"en_ewt-ud-{split}.conllu"
    if whole.is_file() and whole.stat().st_size > 1000:
        return whole.read_text(encoding="utf-8")
    listing = root / "not-to-release" / "file-lists" / f"files.{split}"
    names = [n.strip() for n in listing.read_text(encoding="utf-8").splitlines() if n.strip()]
    sources = root / "not-to-release" / "sources"
    return "".join((sources / name).read_text(encoding="utf-8") for name in names)


ARTICLES = frozenset({"a", "an", "the"})


def headline_copy(sentence: Sentence) -> Sentence | None:
    """The sentence as a headline writes it: articles dropped, the first word capitalised
    ("A man accused of murdering a woman is due …" → "Man accused of murdering woman is due …");
    None when it has no article."""
    kept = [(w, t) for w, t in sentence if not (t == "DT" and w.lower() in ARTICLES)]
    if len(kept) == len(sentence) or not kept:
        return None
    first, tag = kept[0]
    return [(first[:1].upper() + first[1:], tag), *kept[1:]]


def make_tagdict(sentences: list[Sentence]) -> dict[str, str]:
    """Frequent words (≥ 20) that take one tag ≥ 97% of the time."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        for word, xpos in sentence:
            counts[word][xpos] += 1
    tagdict = {}
    for word, tags in counts.items():
        xpos, mode = tags.most_common(1)[0]
        total = sum(tags.values())
        if total >= 20 and mode / total >= 0.97:
            tagdict[word] = xpos
    return tagdict


class Trainer:
    """Averaged perceptron updates (the lazy-averaging bookkeeping of Honnibal's design)."""

    def __init__(self, classes: list[str]) -> None:
        self.weights: dict[str, dict[str, float]] = {}
        self.totals: dict[tuple[str, str], float] = defaultdict(float)
        self.stamps: dict[tuple[str, str], int] = defaultdict(int)
        self.instances = 0
        self.classes = classes

    def update(self, truth: str, guess: str, feats: list[str]) -> None:
        """Reward the true tag's weights and penalise the guess's, when they differ."""
        self.instances += 1
        if truth == guess:
            return
        for feature in feats:
            row = self.weights.setdefault(feature, {})
            for label, delta in ((truth, 1.0), (guess, -1.0)):
                key = (feature, label)
                weight = row.get(label, 0.0)
                self.totals[key] += (self.instances - self.stamps[key]) * weight
                self.stamps[key] = self.instances
                row[label] = weight + delta

    def averaged(self) -> dict[str, dict[str, float]]:
        """The averaged weights (a copy)."""
        result: dict[str, dict[str, float]] = {}
        for feature, row in self.weights.items():
            out = {}
            for label, weight in row.items():
                key = (feature, label)
                total = self.totals[key] + (self.instances - self.stamps[key]) * weight
                average = total / self.instances
                if average:
                    out[label] = average
            if out:
                result[feature] = out
        return result


def flat(weights: dict[str, dict[str, float]], classes: list[str]) -> dict[str, list[float]]:
    """{feature: {tag: weight}} as the shipped form: {feature: [tag index, weight, …]}."""
    index = {label: i for i, label in enumerate(classes)}
    return {
        feature: [
            x
            for label, w in sorted(row.items(), key=lambda kv: index[kv[0]])
            for x in (index[label], w)
        ]
        for feature, row in weights.items()
    }


class LiveModel(TaggerModel):
    """The model during training: predicts from the trainer's current {tag: weight} rows."""

    def __init__(self, trainer: Trainer, tagdict: dict[str, str]) -> None:
        super().__init__({}, tagdict, trainer.classes)
        self.trainer = trainer

    def predict(self, features: Sequence[str]) -> str:
        scores = dict.fromkeys(self.classes, 0.0)
        for feature in features:
            for label, weight in self.trainer.weights.get(feature, {}).items():
                scores[label] += weight
        return max(self.classes, key=lambda label: (scores[label], label))


def train_epoch(trainer: Trainer, model: TaggerModel, sentences: list[Sentence]) -> None:
    """One pass over `sentences`, tagging greedily with the current weights."""
    for sentence in sentences:
        tokens = [w for w, _ in sentence]
        words, raw = padded(tokens)
        prev, prev2 = START
        for i, (word, truth) in enumerate(sentence):
            guess = model.tagdict.get(word)
            if guess is None:
                feats = features(i + 2, words, raw, prev, prev2)
                guess = model.predict(feats)
                trainer.update(truth, guess, feats)
            prev2, prev = prev, guess


def accuracy(model: TaggerModel, sentences: list[Sentence]) -> float:
    """The share of tokens whose predicted tag is the treebank's."""
    right = total = 0
    for sentence in sentences:
        tags = tag_with(model, [w for w, _ in sentence])
        right += sum(t == g for t, (_, g) in zip(tags, sentence, strict=True))
        total += len(sentence)
    return right / total


def to_json(model: TaggerModel, threshold: float, commit: str) -> dict[str, object]:
    """Integer weights (×SCALE), those below `threshold` (×SCALE) in size dropped, tags by index."""
    rows = {}
    for feature, row in sorted(model.weights.items()):
        pairs = [(int(row[at]), round(row[at + 1] * SCALE)) for at in range(0, len(row), 2)]
        kept = [x for pair in pairs if abs(pair[1]) >= threshold * SCALE for x in pair]
        if kept:
            rows[feature] = kept
    return {
        "about": "Averaged perceptron Penn-tag weights trained on UD English EWT (CC BY-SA 4.0) "
        "by tools/train_pos_tagger.py; see README.md beside this file.",
        "treebank_commit": commit,
        "scale": SCALE,
        "classes": model.classes,
        "tagdict": dict(sorted(model.tagdict.items())),
        "weights": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("treebank", type=Path, help="a clone of UD_English-EWT")
    parser.add_argument("--iterations", type=int, default=9)
    parser.add_argument("--threshold", type=float, default=1.0, help="prune |weight| below this")
    parser.add_argument("--commit", default="", help="the treebank commit (read by git if empty)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument(
        "--headline-copies",
        action="store_true",
        help="also train on each sentence with its articles dropped, as headlines write it",
    )
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="more training text (CoNLL-U), e.g. GUM's Wikinews documents (CC BY 2.5)",
    )
    args = parser.parse_args()
    commit = (
        args.commit
        or subprocess.run(
            ["git", "-C", str(args.treebank), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    )
    train, dev, test = (read_conllu(split_text(args.treebank, s)) for s in ("train", "dev", "test"))
    for extra in args.extra:
        train += read_conllu(extra.read_text(encoding="utf-8"))
    if args.headline_copies:
        train += [copy for s in train if (copy := headline_copy(s)) is not None]
    print(f"sentences: train {len(train)}, dev {len(dev)}, test {len(test)}")
    classes = sorted({t for s in train for _, t in s})
    trainer = Trainer(classes)
    model = LiveModel(trainer, make_tagdict(train))
    rng = random.Random(0)
    best: tuple[float, int, dict[str, list[float]]] = (0.0, 0, {})
    for iteration in range(1, args.iterations + 1):
        train_epoch(trainer, model, train)
        rng.shuffle(train)
        averaged = TaggerModel(flat(trainer.averaged(), classes), model.tagdict, classes)
        dev_acc = accuracy(averaged, dev)
        print(f"iteration {iteration}: dev {dev_acc:.4f}", flush=True)
        if dev_acc > best[0]:
            best = (dev_acc, iteration, averaged.weights)
    final = TaggerModel(best[2], model.tagdict, classes)
    data = to_json(final, args.threshold, commit)
    pruned = model_from_json(json.loads(json.dumps(data)))
    print(f"chosen iteration {best[1]}; features kept {len(data['weights'])}")  # type: ignore[arg-type]
    print(f"pruned: dev {accuracy(pruned, dev):.4f}, test {accuracy(pruned, test):.4f}")
    with gzip.GzipFile(args.out, "wb", mtime=0) as handle:
        handle.write(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
