"""train.tune_restate_gate: the gate is chosen on the held-back clean text, deciding as the analyzer
decides, rules included; the simulated speech-recognition renderings are scored but do not choose.
Logic only: the pair head's and restate probabilities are given."""

from __future__ import annotations

import numpy as np

from talkscan.nlp.train import Rows, is_written_text, tune_restate_gate

TH = {"paraphrase": 0.5, "mirroring": 0.5}
NO_WEIGHT = {"paraphrase": 0.0, "mirroring": 0.0}
TEXTS = ["We need the price under four twenty.",
         "So the ceiling you're working to is four twenty.",           # paraphrase of turn 0
         "Let's look at the schedule next.",
         "Can legal sign off by Friday?",
         "So sales wants May, IT wants June and legal wants its review."]   # a recap: no paraphrase


def _rows(restate_by_copy: dict[int, list[float]]):
    rows, restate_of, pp = Rows(), {}, []
    for copy_id, restate in restate_by_copy.items():
        texts = TEXTS if is_written_text(copy_id) else [t.lower().rstrip(".?") for t in TEXTS]
        rows.utt_keys.extend((copy_id, i) for i in range(len(texts)))
        rows.utt_text.extend(texts)
        restate_of.update({(copy_id, i): r for i, r in enumerate(restate)})
        for i in range(1, len(texts)):
            # every turn's only candidate is the turn before it; the pair head is unsure of all
            gold = (1, 0) if i == 1 else (0, None)
            rows.pair_groups.append((copy_id, i, i - 1, *gold))
            pp.append(np.array([0.8, 0.15, 0.05]))
    return rows, np.asarray(pp), restate_of


def test_the_clean_text_chooses_the_gate_and_the_rendering_is_only_scored():
    # Clean text: the paraphrase reads 0.62, a plain turn 0.57. Two renderings: 0.72 against 0.65 and
    # 0.66, so pooled with them the clean text would get 0.7.
    rendering = [0.1, 0.72, 0.65, 0.66, 0.95]
    rows, pp, restate_of = _rows({0: [0.1, 0.62, 0.57, 0.1, 0.95], 1: rendering, 2: rendering})
    gate, scores = tune_restate_gate(rows, pp, restate_of, TH, NO_WEIGHT)
    assert gate == 0.6
    assert scores["clean"]["0.6"]["type"] == 1.0
    assert scores["simulated_asr"]["0.7"]["type"] == 1.0 and scores["simulated_asr"]["0.6"]["type"] < 1.0


def test_the_gate_is_scored_after_the_rules():
    # The recap's restate probability is 0.95: without is_recap every gate would count it wrong.
    rows, pp, restate_of = _rows({0: [0.1, 0.62, 0.1, 0.1, 0.95]})
    _, scores = tune_restate_gate(rows, pp, restate_of, TH, NO_WEIGHT)
    assert scores["clean"]["0.6"] == {"type": 1.0, "target": 1.0, "mean": 1.0}
    assert scores["clean"]["0.9"]["type"] == 0.0


def test_no_gate_where_none_helps():
    rows, pp, restate_of = _rows({0: [0.1, 0.2, 0.9, 0.9, 0.1], 10: [0.1, 0.3, 0.8, 0.1, 0.1]})
    gate, _ = tune_restate_gate(rows, pp, restate_of, TH, NO_WEIGHT)
    assert gate is None
