"""The shipped embedding model: read from the installed wheel with the network off, loaded only
by the commands that rank."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from newsletter.assemble.embedding import (
    LONGEST_WORD,
    MODEL_PACKAGE,
    PURE_WORDS,
    _byte_pair_ids,
    load_model,
    model_folder,
)
from tests.conftest import ROOT
from tests.support.lazy_imports import loaded_by, loaded_by_the_other_commands

# Refuses every socket before the model loads: any download attempt fails loudly.
NO_NETWORK = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network refused by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
"""


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_model_loads_from_the_wheel_with_the_network_off(tmp_path):
    """With sockets refused, HF_HUB_OFFLINE=1 and an empty home (no cache), the model loads
    from the package folder and ranks a related headline above an unrelated one."""
    code = (
        NO_NETWORK
        + """
from newsletter.assemble.embedding import load_model
model = load_model()
v = model.embed(["Hamas frees hostages as Gaza truce holds", "Ceasefire takes effect in Gaza",
                 "Apple unveils a new phone"])
print(float(v[0] @ v[1]), float(v[0] @ v[2]))
"""
    )
    env = {"HF_HUB_OFFLINE": "1", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    done = _python(code, env)
    assert done.returncode == 0, done.stderr
    related, unrelated = map(float, done.stdout.split())
    assert related > 0.4 > unrelated
    assert not any(tmp_path.iterdir())  # nothing cached, nothing downloaded


def test_vectors_are_unit_length_and_an_empty_text_is_zero():
    """Each text's vector has length 1; an empty text gets the zero vector."""
    vectors = load_model().embed(["Flood waters recede", "", "Danube"])
    lengths = [float((v @ v) ** 0.5) for v in vectors]
    assert lengths[0] == pytest.approx(1.0, abs=1e-5) and lengths[2] == pytest.approx(1.0, abs=1e-5)
    assert lengths[1] == 0.0


def test_long_and_short_texts_pool_as_each_alone():
    """A text's vector does not depend on the other texts embedded with it (padding is inert)."""
    model = load_model()
    long = "The river rose through the night. " * 40
    together = model.embed(["Levee holds", long, "Levee holds after the storm"])
    alone = [model.embed([t])[0] for t in ("Levee holds", long, "Levee holds after the storm")]
    for a, b in zip(together, alone, strict=True):
        assert float(a @ b) == pytest.approx(1.0, abs=1e-5)


def test_a_word_is_read_up_to_its_longest_length():
    """A 200,000-character "word" (a hostile feed title) is read as its first LONGEST_WORD
    characters, in both tokenizer paths, so byte-pair encoding it cannot run for minutes."""
    model = load_model()
    word = "T" * 200_000
    short = "T" * LONGEST_WORD
    assert model.token_ids([word, f"Levee {word} holds"]) == model.token_ids(
        [short, f"Levee {short} holds"]
    )
    many = [f"{n}{'U' * 1_000}" for n in range(PURE_WORDS + 1)]  # new words for `tokenizers`
    vocab, ranks = model._merges()
    assert model.token_ids(many)[:2] == [
        list(_byte_pair_ids("▁" + w[:LONGEST_WORD], vocab, ranks)) for w in many[:2]
    ]


def test_the_model_is_found_in_the_installed_package():
    """The model's folder is the installed wordllama package's, holding the shipped files."""
    folder = model_folder()
    assert folder.name == MODEL_PACKAGE
    assert load_model().folder == folder and load_model().dimensions == 256


MODEL_MODULES = ("newsletter.assemble.embedding", "tokenizers", "safetensors", "wordllama")


@pytest.mark.slow
def test_only_ranking_loads_the_model(workspace):
    """build loads the model; check, send --dry-run, bounces and serve's imports do not."""
    assert "newsletter.assemble.embedding" in loaded_by(
        ["build", "seeds/"], workspace, MODEL_MODULES
    )
    others = loaded_by_the_other_commands(workspace, MODEL_MODULES)
    assert all(not found for found in others.values()), others


def test_word_by_word_ids_are_the_tokenizers_own():
    """Tokenising word by word (cached) gives the ids the tokenizer gives each whole text."""
    model = load_model()
    texts = [
        "Peru declares state of emergency on Chile border",
        "Émigrés’ café reopens — 7.9 quake, U.S.-led aid; 2,500 homes",
        "DeepSeek sell-off wipes $593bn from Nvidia",
        "",
    ]
    whole = model.tokenizer.encode_batch(texts, add_special_tokens=False)
    assert model.token_ids(texts) == [e.ids for e in whole]


def test_plain_python_merges_are_the_tokenizers_own_on_every_labelled_word():
    """Every word of the labelled leads and headlines, and some odd ones, gets the same ids
    from the plain-Python byte-pair merges as from the `tokenizers` library."""
    from newsletter.assemble.embedding import _byte_pair_ids
    from tests.support import labelled as lb

    model = load_model()
    words = {"€4.34bn", "naïve", "Jerí", "日本", "—", "2,500", "COVID-19", "émigrés’", "🙂"}
    for lead in lb.load_leads():
        for text in (*lead.paragraphs, *(t for t, _ in lead.headlines)):
            words.update(text.split())
    ordered = sorted(words)
    library = model.tokenizer.encode_batch(ordered, add_special_tokens=False)
    vocab, ranks = model._merges()
    mismatched = [
        w
        for w, e in zip(ordered, library, strict=True)
        if _byte_pair_ids("▁" + w, vocab, ranks) != tuple(e.ids)
    ]
    assert len(ordered) > 3000 and mismatched == []


def test_plain_python_and_numpy_cosines_agree():
    """A small week (plain Python) and a large one (numpy) give a headline the same cosine."""
    from newsletter.assemble import embedding

    model = load_model()
    lead = ("Floods swamp the Danube towns", "Floods swamp the Danube towns. The river rose.")
    texts = ["River floods the lower town", "Parliament passes the budget", "", "Danube"]
    plain = model.cosines(lead, texts)
    vectors = model.embed(list(lead))
    target = vectors[0] + vectors[1]
    target /= float((target @ target) ** 0.5)
    with_numpy = [float(v @ target) for v in model.embed(texts)]
    assert plain == pytest.approx(with_numpy, abs=1e-5)
    assert sum(map(len, model.token_ids([*lead, *texts]))) < embedding.PURE_TOKENS
