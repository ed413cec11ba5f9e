"""The analyzer's cost is linear in utterances: count pair evaluations (never time them) with fake
heads and fake embeddings, so this runs without the encoder or trained weights."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("spacy")

from talkscan.nlp.analyzer import Analyzer  # noqa: E402
from talkscan.nlp.conflicts import conflict_dim  # noqa: E402
from talkscan.nlp.features import WINDOW, pair_dim, utterance_dim  # noqa: E402
from talkscan.nlp.heads import Head  # noqa: E402
from talkscan.transcript import TOPICS  # noqa: E402


def fake_head(name, d_in, labels, multilabel, meta):
    rng = np.random.default_rng(len(name))
    k = len(labels)
    params = {"mean": np.zeros(d_in, np.float32), "std": np.ones(d_in, np.float32),
              "w1": rng.normal(size=(4, d_in)).astype(np.float32) * 0.01, "b1": np.zeros(4, np.float32),
              "w2": rng.normal(size=(k, 4)).astype(np.float32), "b2": np.zeros(k, np.float32)}
    return Head(name, list(labels), multilabel, params, meta)


@pytest.fixture(scope="module")
def analyzer():
    moves = ["similarity", "future_vision", "emotional_labeling", "ask", "restate"]
    vocab = {"need": [0, 1.0], "price": [1, 1.5]}
    ask_dim = len(vocab) + 384
    heads = {
        "moves": fake_head("moves", utterance_dim(), moves, True, {"thresholds": {m: 0.0 for m in moves}}),
        "pairs": fake_head("pairs", pair_dim(), ["none", "paraphrase", "mirroring"], False,
                           {"thresholds": {"paraphrase": 0.0, "mirroring": 0.0}}),
        "asks_topic": fake_head("asks_topic", ask_dim, TOPICS, False, {"vocab": vocab}),
        "asks_direction": fake_head("asks_direction", ask_dim, ["more", "less", "null"], False, {"vocab": vocab}),
        "asks_conflicts": fake_head("asks_conflicts", conflict_dim(), ["no", "conflict"], False, {"threshold": 2.0}),
    }
    return Analyzer(heads=heads)


def fake_encode(texts):
    rng = np.random.default_rng(len(texts))
    e = rng.normal(size=(len(texts), 384)).astype(np.float32)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def meeting(n: int):
    speakers = [f"S{i % 4}" for i in range(n)]
    texts = [f"Point number {i}. We need more time on item {i % 7}." for i in range(n)]
    emb = np.random.default_rng(n).normal(size=(n, 384)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return speakers, texts, emb


def test_pair_evaluations_grow_linearly(analyzer):
    counts = {}
    for n in (50, 100, 200):
        s, t, e = meeting(n)
        res = analyzer.analyze(s, t, emb=e, encode_fn=fake_encode)
        counts[n] = res.pair_evaluations
        assert res.pair_evaluations <= WINDOW * n
    # Doubling the meeting at most doubles the work (plus the short warm-up of the first turns).
    assert counts[200] <= 2 * counts[100] + WINDOW * WINDOW
    assert counts[100] <= 2 * counts[50] + WINDOW * WINDOW
    assert counts[200] > counts[100] > counts[50]


def test_every_utterance_gets_a_tag_list_and_targets_are_earlier_other_speakers(analyzer):
    s, t, e = meeting(30)
    res = analyzer.analyze(s, t, emb=e, encode_fn=fake_encode)
    assert len(res.tags) == 30
    for i, tags in enumerate(res.tags):
        for tag in tags:
            if tag.type in ("paraphrase", "mirroring"):
                j = int(tag.target)
                assert j < i and s[j] != s[i]
            if tag.type == "emotional_labeling":
                assert tag.target in set(s) and tag.target != s[i]
