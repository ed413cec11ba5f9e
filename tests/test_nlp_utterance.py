"""The fine-tuned utterance model and the shared lower-layer pass (nlp/encoder.encode_shared),
on the real bundled encoder and the committed weights in models/."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from conftest import copy_models  # noqa: E402
from talkscan.errors import ModelError  # noqa: E402
from talkscan.nlp.analyzer import Analyzer, default_models_dir  # noqa: E402
from talkscan.nlp.encoder import encode, encode_shared, load_encoder  # noqa: E402
from talkscan.nlp.utterance import load_utterance_model  # noqa: E402

MODELS = default_models_dir()
pytestmark = pytest.mark.slow
if not (MODELS / "utterance.safetensors").is_file():
    pytest.skip("no utterance model in models/", allow_module_level=True)

TEXTS = ["We need the price under two hundred k.", "Twelve weeks?", "",
         "Picture next summer: one system, and everyone home by six.", "You sound worn out, Tom."]


def _full_forward(texts, top_state_model):
    """The slow way: a whole copy of the encoder with its top layers replaced, run end to end."""
    tok, base = load_encoder()
    model = copy.deepcopy(base)
    for k, layer in enumerate(top_state_model.top.layers):
        model.encoder.layer[4 + k].load_state_dict(layer.state_dict())
    batch = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.inference_mode():
        h = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return top_state_model.top.head((h * mask).sum(1) / mask.sum(1)).numpy()


def test_shared_pass_matches_a_full_forward_of_the_fine_tuned_model():
    m = load_utterance_model(MODELS)
    emb, outs = encode_shared(TEXTS, {"utterance": m.top}, batch_size=2)
    np.testing.assert_allclose(outs["utterance"], _full_forward(TEXTS, m), atol=1e-4)
    # ...and the sentence embedding is the one every other head was trained on
    np.testing.assert_allclose(emb, encode(TEXTS), atol=1e-5)


def test_outputs_are_probabilities_split_by_head():
    m = load_utterance_model(MODELS)
    moves, topic, direction, emotion = m.split(encode_shared(TEXTS, {"u": m.top})[1]["u"])
    assert moves.shape == (len(TEXTS), len(m.labels["moves"]))
    assert ((moves >= 0) & (moves <= 1)).all()
    np.testing.assert_allclose(topic.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(direction.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(emotion.sum(1), 1.0, atol=1e-5)
    ask = m.labels["moves"].index("ask")
    assert moves[0, ask] > 0.5 > moves[3, ask]
    assert m.labels["topics"][int(topic[0].argmax())] == "price"


def _copy_models(tmp_path: Path) -> Path:
    return copy_models(MODELS, tmp_path)


@pytest.mark.parametrize("stem", ["utterance", "ask"])
def test_tampered_utterance_weights_are_refused(tmp_path, stem):
    """The utterance model and the ask model (nlp/ask_model.py) load through the same check."""
    d = _copy_models(tmp_path)
    w = d / f"{stem}.safetensors"
    data = bytearray(w.read_bytes())
    data[-10] ^= 0xFF
    w.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        Analyzer(d)


def test_heads_tuned_without_an_ask_model_ignore_the_file(tmp_path):
    d = _copy_models(tmp_path)
    meta = json.loads((d / "moves.json").read_text())
    del meta["utterance_mix"]["ask_model"]
    (d / "moves.json").write_text(json.dumps(meta))
    (d / "ask.safetensors").write_bytes(b"not read")   # would fail its hash check if it were
    an = Analyzer(d)
    assert an.ask_model is None and "ask" not in an.model_names
    tags = an.analyze(["A"], ["We need the price under two hundred thousand."]).tags[0]
    assert [t.topic for t in tags if t.type == "ask"] == ["price"]


@pytest.mark.parametrize("model", ["utterance", "ask"])
def test_heads_tuned_for_another_utterance_model_are_refused(tmp_path, model):
    d = _copy_models(tmp_path)
    meta = json.loads((d / "moves.json").read_text())
    mix = meta["utterance_mix"]
    (mix if model == "utterance" else mix["ask_model"])["sha256"] = "0" * 64
    (d / "moves.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=f"another {model} model"):
        Analyzer(d)


def test_without_the_utterance_model_and_its_mix_the_linear_heads_decide_alone(tmp_path):
    d = _copy_models(tmp_path)
    (d / "utterance.safetensors").unlink()
    (d / "utterance.json").unlink()
    meta = json.loads((d / "moves.json").read_text())
    del meta["utterance_mix"]
    (d / "moves.json").write_text(json.dumps(meta))
    an = Analyzer(d)
    assert an.utterance is None
    # with the thresholds tuned for the linear heads alone, asks are still found on held-out meetings
    from talkscan.nlp.dialogues import load_dir

    dev = Path(__file__).resolve().parents[1] / "data" / "dialogues" / "dev"
    tp = fp = fn = 0
    for m in load_dir(dev)[:8]:
        for turn, tags in zip(m.turns, an.analyze(m.speakers, m.texts).tags):
            g, p = any(t["type"] == "ask" for t in turn.tags), any(t.type == "ask" for t in tags)
            tp, fp, fn = tp + (g and p), fp + (p and not g), fn + (g and not p)
    assert tp + fn >= 20
    assert 2 * tp / (2 * tp + fp + fn) >= 0.75


def test_emotion_mix_weights_and_offsets():
    from talkscan.nlp.utterance import mix_emotions

    go = np.array([[0.7, 0.3], [0.2, 0.8]])
    meet = np.array([[0.1, 0.9], [0.9, 0.1]])
    np.testing.assert_allclose(mix_emotions(go, meet, None), go, atol=1e-6)
    np.testing.assert_allclose(mix_emotions(go, meet, {"weight": 1.0, "offsets": [0, 0]}), meet, atol=1e-6)
    half = mix_emotions(go, meet, {"weight": 0.5, "offsets": [0, 0]})
    np.testing.assert_allclose(half, (go + meet) / 2, atol=1e-6)
    # a log offset of ln 9 on the first category turns 0.1 vs 0.9 into a tie
    tied = mix_emotions(go, meet, {"weight": 1.0, "offsets": [np.log(9.0), 0.0]})
    np.testing.assert_allclose(tied[0], [0.5, 0.5], atol=1e-6)


def test_analyzer_emotions_use_the_meeting_head():
    an = Analyzer()
    assert an.mix.get("emotion", {}).get("weight", 0) > 0
    texts = ["Great news, they signed!", "I am really worried we will miss the audit.", "Okay, next item.",
             "Wait, they cancelled?"]
    assert [e.label for e in an.emotions(texts)] == ["joy", "fear", "neutral", "surprise"]


def test_pair_scores_follow_the_tuned_restate_weight(tmp_path):
    """With the restate weight at 1 a pair's score is the utterance's restate probability alone,
    so the kind's threshold decides by the turn's wording and the most recent candidate wins ties."""
    d = _copy_models(tmp_path)
    meta = json.loads((d / "pairs.json").read_text())
    assert set(meta["restate_weight"]) == {"paraphrase", "mirroring"}
    meta["restate_weight"] = {"paraphrase": 1.0, "mirroring": 0.0}
    meta["thresholds"] = {"paraphrase": 0.5, "mirroring": 2.0}   # mirroring can never fire here
    (d / "pairs.json").write_text(json.dumps(meta))
    an = Analyzer(d)
    speakers = ["A", "B", "C"]
    texts = ["IT needs twelve weeks to install it properly.", "Finance wants it done this quarter.",
             "So what you're both telling me is the quarter and the install can't both happen."]
    tags = an.analyze(speakers, texts).tags[2]
    assert [(t.type, t.target) for t in tags] == [("paraphrase", "1")]
    tags = an.analyze(speakers, texts[:2] + ["Let's move on to the catering contract."]).tags[2]
    assert "paraphrase" not in {t.type for t in tags}


def _emotion_rows(n_meetings, bias, seed):
    """Two categories, 40 turns per meeting; the GoEmotions side under-reads category 1 by `bias`."""
    rng = np.random.RandomState(seed)
    gold = rng.randint(0, 2, size=40 * n_meetings)
    p1 = np.clip(np.where(gold == 1, 0.7, 0.3) + rng.normal(0, 0.25, gold.size) - bias, 0.01, 0.99)
    go = np.stack([1 - p1, p1], axis=1)
    meeting = np.full_like(go, 0.5)          # an uninformative meeting-speech head
    groups = np.repeat(np.arange(n_meetings), 40)
    return go, meeting, gold, groups


def test_emotion_offsets_are_kept_only_where_they_hold_up_across_meetings():
    from talkscan.nlp.train import tune_emotion_mix

    # a systematic under-reading of category 1: an offset corrects it in every fold
    go, meeting, gold, groups = _emotion_rows(30, bias=0.3, seed=1)
    mix = tune_emotion_mix(go, meeting, gold, groups=groups)
    cv = mix["cross_validated_macro_f1"]
    assert cv["offsets"] > cv["weight_only"] and mix["offsets"][1] > mix["offsets"][0]
    # no bias: whatever offset fits these rows best does not carry over, and none is kept
    go, meeting, gold, groups = _emotion_rows(30, bias=0.0, seed=2)
    mix = tune_emotion_mix(go, meeting, gold, groups=groups)
    assert mix["cross_validated_macro_f1"]["weight_only"] >= mix["cross_validated_macro_f1"]["offsets"]
    assert mix["offsets"] == [0.0, 0.0]
    # without meetings to cross-validate by, the offsets are fitted as before
    assert "cross_validated_macro_f1" not in tune_emotion_mix(go, meeting, gold)
