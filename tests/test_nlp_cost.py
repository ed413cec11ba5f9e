"""The analyzer's cost is linear in utterances: count pair evaluations (never time them) with fake
heads and fake embeddings, so this runs without the encoder or trained weights."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("spacy")

from talkscan.nlp.analyzer import Analyzer  # noqa: E402
from talkscan.nlp.conflicts import conflict_dim  # noqa: E402
from talkscan.nlp.features import SEARCH, pair_dim, utterance_dim  # noqa: E402
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
        assert res.pair_evaluations <= SEARCH[0] * n
    # Doubling the meeting at most doubles the work (plus the short warm-up of the first turns).
    assert counts[200] <= 2 * counts[100] + SEARCH[0] * SEARCH[0]
    assert counts[100] <= 2 * counts[50] + SEARCH[0] * SEARCH[0]
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


def test_wide_target_search_keeps_the_trained_inputs():
    """The analyzer searches further back than the heads were trained on (features.SEARCH): the
    extra candidates add pair rows, but the rows of the first WINDOW candidates and every utterance
    row stay exactly what training computed."""
    from talkscan.nlp.features import MAX_BACK, WINDOW, meeting_features

    s, t, e = meeting(80)
    trained = meeting_features(s, t, e)
    wide = meeting_features(s, t, e, search=SEARCH)
    np.testing.assert_array_equal(wide.utt_x, trained.utt_x)
    rows = dict(zip(wide.pairs, wide.pair_x))
    assert set(trained.pairs) < set(rows)
    for pair, x in zip(trained.pairs, trained.pair_x):
        np.testing.assert_array_equal(rows[pair], x)
    i = 79
    def back(f):
        return max(i - j for a, j in f.pairs if a == i)
    assert sum(a == i for a, _ in trained.pairs) == WINDOW
    assert sum(a == i for a, _ in wide.pairs) == SEARCH[0]
    assert back(wide) > back(trained)
