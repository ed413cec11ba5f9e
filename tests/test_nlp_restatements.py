"""restatements.choose: which earlier turn an utterance paraphrases or mirrors (logic only; the
real heads are exercised in test_nlp_analyzer.py and test_policy.py)."""

from __future__ import annotations

import numpy as np

from talkscan.nlp.restatements import choose, drop_question_echoes

TH = {"paraphrase": 0.4, "mirroring": 0.5}


def _p(para, mirror):
    return np.array([1.0 - para - mirror, para, mirror])


def test_the_widest_margin_over_its_kind_threshold_wins():
    pairs = [(3, 0), (3, 1), (3, 2)]
    probs = [_p(0.45, 0.0), _p(0.1, 0.7), _p(0.2, 0.1)]
    got = choose(pairs, probs, {3: 0.0}, TH, {})
    # 0.7 / 0.5 = 1.4 beats 0.45 / 0.4 = 1.125
    assert got == {3: (got[3][0], "mirroring", 1, got[3][3])}
    assert abs(got[3][3] - 0.7) < 1e-6


def test_nothing_below_the_thresholds_without_a_gate():
    pairs = [(2, 0), (2, 1)]
    probs = [_p(0.3, 0.0), _p(0.1, 0.2)]
    assert choose(pairs, probs, {2: 0.99}, TH, {}) == {}


def test_restate_weight_lifts_a_pair_over_its_threshold():
    pairs = [(2, 0)]
    probs = [_p(0.3, 0.0)]
    assert choose(pairs, probs, {2: 0.9}, TH, {"paraphrase": 0.5})[2][1:3] == ("paraphrase", 0)
    assert choose(pairs, probs, {2: 0.2}, TH, {"paraphrase": 0.5}) == {}


def test_gate_makes_a_confident_restatement_a_paraphrase_of_the_likeliest_target():
    pairs = [(5, 1), (5, 3), (6, 4)]
    probs = [_p(0.05, 0.01), _p(0.2, 0.02), _p(0.02, 0.3)]
    restate = {5: 0.95, 6: 0.95}
    got = choose(pairs, probs, restate, TH, {}, gate=0.8)
    assert got[5][1:3] == ("paraphrase", 3)
    # the gate never invents a mirror: 6's likeliest kind is mirroring, below its threshold
    assert 6 not in got
    # below the gate nothing changes
    assert choose(pairs, probs, {5: 0.7, 6: 0.7}, TH, {}, gate=0.8) == {}


def test_a_pair_that_passes_is_kept_over_the_gate_fallback():
    pairs = [(4, 0), (4, 2)]
    probs = [_p(0.1, 0.6), _p(0.3, 0.0)]
    got = choose(pairs, probs, {4: 0.99}, TH, {}, gate=0.5)
    assert got[4][1:3] == ("mirroring", 0)


def test_an_echo_of_a_question_is_an_answer_not_a_mirror():
    texts = ["We need ninety days.", "Ninety days?", "Ninety.", "So three months, not two?", "Three months, as I said."]
    chosen = {1: (2.0, "mirroring", 0, 0.9), 2: (1.1, "mirroring", 1, 0.55),
              3: (1.3, "paraphrase", 0, 0.6), 4: (1.2, "paraphrase", 3, 0.5)}
    got = drop_question_echoes(chosen, texts)
    # the mirror of a statement stays; the echo of the question goes, with no runner-up in its place;
    # a reworded restatement of a question can still be a paraphrase
    assert got == {1: chosen[1], 3: chosen[3], 4: chosen[4]}
