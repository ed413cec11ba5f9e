"""The utterance model: fine-tuned top layers of all-MiniLM-L6-v2 with four heads (moves, ask
topic, ask direction, emotion on meeting speech), trained by `utterance_train.py`. The analyzer mixes its probabilities with
those of the linear heads, by weights tuned on held-back training meetings (models/moves.json,
`utterance_mix`). Optional: without models/utterance.safetensors the linear heads decide alone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


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

    from .encoder import Top, linear_from, load_top_files

    got = load_top_files(models_dir_s, "utterance", "utterance model")
    if got is None:
        return None
    meta, state, layers = got
    names = [n for n in ("moves", "topic", "direction", "emotion") if f"{n}.weight" in state]
    lin = {name: linear_from(state, name) for name in names}

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
