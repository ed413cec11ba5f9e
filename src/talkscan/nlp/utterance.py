"""The utterance model: fine-tuned top layers of all-MiniLM-L6-v2 with four heads (moves, ask
topic, ask direction, emotion on meeting speech), trained by `utterance_train.py`. The analyzer mixes its probabilities with
those of the linear heads, by weights tuned on held-back training meetings (models/moves.json,
`utterance_mix`). Optional: without models/utterance.safetensors the linear heads decide alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ModelError

WEIGHTS_FILE = "utterance.safetensors"
META_FILE = "utterance.json"


@dataclass
class UtteranceModel:
    top: Any          # encoder.Top
    labels: dict      # {"moves": [...], "topics": [...], "directions": [...]}
    sha256: str

    def split(self, out):
        """(moves, topic, direction, emotion) probability blocks of `encode_shared`'s output for
        this model; emotion is None for a model trained without that head."""
        sizes = [len(self.labels[k]) for k in ("moves", "topics", "directions")]
        a, b, c = sizes[0], sizes[0] + sizes[1], sum(sizes)
        return out[:, :a], out[:, a:b], out[:, b:c], (out[:, c:] if out.shape[1] > c else None)


def load_utterance_model(models_dir: Path) -> UtteranceModel | None:
    """The model after its weights passed their SHA-256 check; None where models_dir has none."""
    return _load(str(models_dir))


@lru_cache(maxsize=4)
def _load(models_dir_s: str) -> UtteranceModel | None:
    import torch
    from safetensors.torch import load_file

    from ..weights import verify_file
    from .encoder import Top, top_layers

    models_dir = Path(models_dir_s)
    meta_path, wpath = models_dir / META_FILE, models_dir / WEIGHTS_FILE
    if not meta_path.is_file() and not wpath.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"utterance model metadata cannot be read: {e}", path=str(meta_path)) from None
    verify_file(wpath, meta.get("sha256"), what="utterance weight file", fresh=True)
    try:
        state = load_file(str(wpath))
        layers = top_layers(state, meta["finetuned_layers"])
    except Exception as e:  # safetensors and the layer check raise their own types
        raise ModelError(f"utterance weights cannot be loaded: {e}", path=str(wpath)) from None
    lin = {}
    names = [n for n in ("moves", "topic", "direction", "emotion") if f"{n}.weight" in state]
    for name in names:
        w = state[f"{name}.weight"].float()
        lin[name] = torch.nn.Linear(w.shape[1], w.shape[0])
        lin[name].load_state_dict({"weight": w, "bias": state[f"{name}.bias"].float()})

    def head(pooled):
        return torch.cat([torch.sigmoid(lin["moves"](pooled))] +
                         [torch.softmax(lin[n](pooled), -1) for n in names[1:]], dim=-1)

    return UtteranceModel(Top(layers, head), meta["labels"], meta["sha256"])


def mix_emotions(goemotions, meeting, mix: dict | None):
    """Utterance emotion probabilities: the GoEmotions model's, mixed with the utterance model's
    meeting-speech head by `mix["weight"]`, then shifted by per-category log offsets (both tuned
    on held-back training meetings for macro-F1). Without a mix, the GoEmotions model's alone."""
    import numpy as np

    p = np.asarray(goemotions, dtype=np.float64)
    if not mix or meeting is None:
        return p.astype(np.float32)
    w = float(mix.get("weight", 0.0))
    p = (1.0 - w) * p + w * np.asarray(meeting, dtype=np.float64)
    z = np.log(np.clip(p, 1e-9, 1.0)) + np.asarray(mix.get("offsets", [0.0] * p.shape[1]))
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
